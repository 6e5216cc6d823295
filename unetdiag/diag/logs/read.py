"""A log file -> runs: read it, tell its kind from its content, hand it to the right reader.

Three kinds of file reach ``unetdiag explain-log``: Keras console output
(:mod:`~unetdiag.diag.logs.console`), CSVLogger CSV and ``history`` JSON
(:mod:`~unetdiag.diag.logs.tabular`). :func:`parse_log` tells them apart by their content
(the extension only breaks ties) and returns one :class:`~unetdiag.diag.logs.model.RunLog`
per training run found in the file. Bad input (missing, a folder, empty, binary, not a
training log, a device) is a one-line :class:`~unetdiag.exitcodes.UserError` naming the
file. A gzip-compressed log (a rotated ``train.log.gz``) is read as the text it holds.

>>> detect_kind('{"loss": [0.5]}'), detect_kind("epoch,loss\\n0,0.5\\n"), detect_kind("Epoch 1/1")
('json', 'csv', 'console')
>>> detect_kind("{'loss': [0.5, nan]}")   # print(history.history)
'json'
"""

from __future__ import annotations

import gzip
import re
import stat
import zlib
from collections.abc import Iterable
from pathlib import Path

from unetdiag.diag.logs.console import parse_console
from unetdiag.diag.logs.custom_loop import custom_loop_epochs
from unetdiag.diag.logs.markdown_table import (
    counts_up,
    epoch_table_seen,
    markdown_epoch_table,
    model_card_header,
    model_card_rule,
    trainer_table,
)
from unetdiag.diag.logs.model import LogFormatError, RunLog
from unetdiag.diag.logs.notebook import notebook_outputs
from unetdiag.diag.logs.progress import has_epoch_header, is_progress_line
from unetdiag.diag.logs.tabular import csv_rows, history_data, parse_csv, parse_history_json
from unetdiag.diag.logs.tqdm_bar import epoch_bars
from unetdiag.exitcodes import UserError

#: How much of a file's first bytes the text/binary sniffing looks at.
SNIFF_BYTES = 65536
#: Above this share of undecodable or control characters a file is taken for binary data.
MAX_BINARY_SHARE = 0.05
#: UTF-16 text without a byte-order mark: at least this share of every other byte is NUL...
UTF16_NUL_SHARE = 0.5
#: ...and, decoded, at least this share of its characters is ASCII (logs are mostly ASCII).
UTF16_ASCII_SHARE = 0.5

# What a log file may be, said in every error about one.
_KINDS_HINT = "expected a Keras console log, a CSVLogger .csv or a model.fit() history .json"
#: A tqdm bar's postfix (``4.85it/s, loss=0.693``; ``1.03epoch/s, loss=0.643`` from
#: ``tqdm.keras.TqdmCallback``): output that keeps only the last values of each bar.
_TQDM_POSTFIX_RE = re.compile(
    r"(?:it|s|epoch|batch)/(?:s|it|epoch|batch)\]?,?[ \t][^\n]*\b\w+=-?(?:\d|nan|inf)")
#: A tqdm bar drawn with its percentage, bar and counter (``43%|████▎     | 13/30 [00:06<``),
#: PyTorch scripts' usual output (Pytorch-UNet#480), whatever its postfix.
_TQDM_BAR_RE = re.compile(r"\d+%\|[^|\n]*\|\s*\d+/\d+\s*\[\d+:\d+")
# Controls no text log holds (escape, backspace, tab and line ends are left out).
_BINARY_CONTROL_RE = re.compile(r"[\x00-\x07\x0e-\x1a\x1c-\x1f\x7f]")


#: Compressed files other than gzip, by their first bytes: named with what opens them.
_ARCHIVES = ((re.compile(rb"PK\x03\x04"), "a zip archive", "unzip"),
             (re.compile(rb"BZh[1-9]1AY&SY"), "bzip2-compressed", "bunzip2"),
             (re.compile(rb"\xfd7zXZ\x00"), "xz-compressed", "unxz"),
             (re.compile(rb"\x28\xb5\x2f\xfd"), "zstd-compressed", "unzstd"),
             (re.compile(rb"7z\xbc\xaf\x27\x1c"), "a 7-Zip archive", "7z x"))


def _decompressed(data: bytes, path: Path) -> bytes:
    """The bytes of a gzip-compressed log, decompressed; other compressed files refused,
    named with the tool that opens them (a log's text starts with none of their bytes)."""
    if data.startswith(b"\x1f\x8b"):
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise UserError(f"{path} is gzip-compressed but cannot be decompressed ({error}); "
                            f"{_KINDS_HINT}") from None
    for magic, kind, tool in _ARCHIVES:
        if magic.match(data):
            raise UserError(f"{path} is {kind}, not a text log: {tool} it and give the log "
                            f"inside ({_KINDS_HINT})")
    return data


def _decode(data: bytes, path: Path) -> str:
    """Bytes -> text, refusing binary files; handles UTF-8, UTF-16 (PowerShell's ``>``) and
    UTF-32 with its byte-order mark."""
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        text = data.decode("utf-32", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        text = _decode_without_bom(data, path)
    head = text[:SNIFF_BYTES]
    odd_characters = head.count("\ufffd") + len(_BINARY_CONTROL_RE.findall(head))
    if head and odd_characters > MAX_BINARY_SHARE * len(head):
        raise UserError(f"{path} is not a text file ({odd_characters} of its first "
                        f"{len(head)} characters are binary); {_KINDS_HINT}")
    return text


def _decode_without_bom(data: bytes, path: Path) -> str:
    sample = data[:SNIFF_BYTES]
    for offset, encoding in ((1, "utf-16-le"), (0, "utf-16-be")):
        high_bytes = sample[offset::2]
        if len(sample) >= 4 and high_bytes.count(0) >= UTF16_NUL_SHARE * len(high_bytes):
            text = data.decode(encoding, errors="replace")
            head = text[:SNIFF_BYTES]
            if sum(character < "\x80" for character in head) >= UTF16_ASCII_SHARE * len(head):
                return text
    if b"\x00" in sample:
        raise UserError(f"{path} is not a text file (it contains NUL bytes); {_KINDS_HINT}")
    return data.decode("utf-8", errors="replace")


#: A line a Python or absl logger wrote (``INFO:tensorflow:Reduce to /job:localhost...``,
#: ``I0515 15:32:05.766103 139620787164992 cross_device_ops.py:439] ...``): no CSV header,
#: however many commas its message holds.
_LOGGER_LINE_RE = re.compile(
    r"^\s*(?:(?:INFO|WARNING|ERROR|DEBUG|CRITICAL):[\w.]+:"
    r"|[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+\s+[\w.]+:\d+\])")


def _looks_like_csv(text: str) -> bool:
    """A table: the first rows split into the same number (>= 2) of fields as the header,
    but for the file's last row (cut short when the run was killed; the parser skips it).
    A first line written by a logger is no header."""
    every_line = [line for line in text[:SNIFF_BYTES].splitlines() if line.strip()]
    lines = every_line[:5]
    if not lines or _LOGGER_LINE_RE.match(lines[0]):
        return False
    rows = csv_rows(lines)
    if len(rows) == 1:  # a CSVLogger header before the first epoch ended
        return len(rows[0]) >= 2 and "epoch" in (cell.strip().lower() for cell in rows[0])
    width = len(rows[0])
    ragged = [number for number, row in enumerate(rows) if len(row) != width]
    last_of_file = len(text) <= SNIFF_BYTES and len(every_line) == len(rows) > 2
    return (width >= 2 and (not ragged or (ragged == [len(rows) - 1] and last_of_file))
            and not is_progress_line(lines[1]))


def _epoch_column_header(text: str) -> bool:
    """The first line is a table header with an ``epoch`` column, as CSVLogger writes."""
    first = next((line for line in text[:SNIFF_BYTES].splitlines() if line.strip()), "")
    cells = csv_rows([first])[0] if first else []
    return len(cells) >= 2 and "epoch" in (cell.strip().lower() for cell in cells)


def detect_kind(text: str, suffix: str = "") -> str:
    """``"json"``, ``"csv"`` or ``"console"``, from the content (``suffix`` breaks ties).

    A history printed by Python (``print(history.history)``: single or typographic quotes,
    ``nan``) counts as JSON; a table whose lines include an ``Epoch i/N`` header (a console
    log with comma-separated timestamps) does not count as CSV.
    """
    stripped = text.lstrip()
    if stripped[:1] in ("{", "[") and (suffix == ".json"
                                       or history_data(stripped) is not None):
        return "json"
    if (_looks_like_csv(text) or suffix == ".csv" and _epoch_column_header(text)) \
            and not has_epoch_header(text[:SNIFF_BYTES]):
        # a .csv whose rows are wider than its header (decimal commas split at each comma)
        # is a table all the same: the CSV reader names the cause
        return "csv"
    return "console"


_PARSERS = {"json": parse_history_json, "csv": parse_csv, "console": parse_console}


def read_log_text(path: Path | str) -> str:
    """The text of a log file, or :class:`UserError` (missing, a folder, a device, empty,
    binary, compressed other than by gzip)."""
    return _read_log(Path(path))[0]


def _read_log(path: Path) -> tuple[str, int]:
    """The text of a log file and how many of its characters could not be decoded (read as
    U+FFFD: a Latin-1 byte 0xF4 in a UTF-8 reading), U+FFFD the file itself holds not counted."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            # /dev/zero never ends; a terminal's /dev/stdin waits for typing
            raise UserError(f"{path} is a device, not a log file; {_KINDS_HINT}")
        data = _decompressed(path.read_bytes(), path)
    except FileNotFoundError:
        hint = "; for standard input give /dev/stdin" if str(path) == "-" else ""
        raise UserError(f"{path}: no such file{hint}") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder; give a log file ({_KINDS_HINT})") from None
    except OSError as error:
        raise UserError(f"{path}: cannot read it ({error.strerror or error})") from None
    if not data.strip():
        raise UserError(f"{path} is empty: there is no training log in it")
    try:
        text = _decode(data, path)
    except UserError:
        if "tfevents" in path.name.lower():
            raise UserError(f"{path} is a TensorBoard event file, which explain-log does not "
                            f"read; {_KINDS_HINT} (add Keras's CSVLogger callback to get one)"
                            ) from None
        raise
    if not text.strip():
        raise UserError(f"{path} is empty: there is no training log in it")
    return text, max(0, text.count("\ufffd") - data.count("\ufffd".encode()))


def _undecoded_note(count: int) -> str:
    return (f"{count} character{'' if count == 1 else 's'} of the file could not be decoded "
            "and were read as U+FFFD; a metric or run name holding one is not read as "
            "written (save the log as UTF-8 to read them)")


def parse_log(path: Path | str) -> list[RunLog]:
    """Every run in a log file, whatever its kind (console, CSVLogger CSV or history JSON).

    Raises :class:`unetdiag.exitcodes.UserError` (one line naming the file) when the file is
    missing, empty, binary or not a training log; never lets a parsing error through.
    """
    path = Path(path)
    text, undecoded = _read_log(path)
    printed = notebook_outputs(text[:SNIFF_BYTES]) and notebook_outputs(text)
    if printed:  # a notebook's JSON: the text its cells printed, without the JSON quoting
        runs = parse_log_text(printed, path)
        for run in runs:
            run.notes.append("read the text the notebook's cells printed (line numbers count "
                             "the lines of that text, not of the file)")
    else:
        runs = parse_log_text(text, path)
    if undecoded:
        for run in runs:
            run.notes.append(_undecoded_note(undecoded))
    return runs


def _keras_header(text: str) -> bool:
    """An 'Epoch i/N' header on a line that is no tqdm bar, and no bar after it: a Keras run,
    whatever bars a loading step drew before it ('Loading images: 100%|...| 500/500 [00:02<').
    A PyTorch loop's own 'Epoch 1/5' line above each epoch's bars is no Keras header."""
    lines = text.splitlines()
    first = next((at for at, line in enumerate(lines)
                  if not _TQDM_BAR_RE.search(line) and has_epoch_header(line)), None)
    return first is not None and not any(_TQDM_BAR_RE.search(line) for line in lines[first:])


def parse_log_text(text: str, path: Path) -> list[RunLog]:
    """The runs of ``text``, read from the file at ``path`` (see :func:`parse_log`)."""
    if _TQDM_POSTFIX_RE.search(text[:SNIFF_BYTES]) and not has_epoch_header(text):
        runs = epoch_bars(text)
        if runs:
            for run in runs:
                run.source = f"{path.name}: {run.source}"
            return runs
        raise UserError(
            f"{path} looks like a tqdm progress bar ('it/s, loss=0.693': PyTorch Lightning "
            "print these), not a Keras log; tqdm.keras.TqdmCallback's epoch bar is read, its "
            f"batch bars are not; {_KINDS_HINT}")
    kind = detect_kind(text, path.suffix.lower())
    try:
        runs = _PARSERS[kind](text)
    except LogFormatError as error:
        if kind != "console":
            # a console log that happens to start with "[" or look tabular
            try:
                runs = parse_console(text)
            except LogFormatError:
                runs = custom_loop_epochs(text)
                if not runs:
                    raise UserError(f"{path}: {error}") from None
        else:
            runs = (embedded_history(text) or markdown_epoch_table(text)
                    or custom_loop_epochs(text))
            estimator = _ESTIMATOR_LOSS_RE.search(text)
            if not runs and estimator is not None:
                raise UserError(
                    f"{path} is a TensorFlow Estimator log ('{estimator[0].strip()}': one "
                    "training step's loss every few steps, and no epochs), not a Keras fit() "
                    "log, which explain-log does not read; "
                    f"{_KINDS_HINT}") from None
            nnunet = _nnunet_line(text) if not runs else None
            if nnunet is not None:
                # one line's form, not a proof: a loop of the user's own may print it too
                raise UserError(
                    f"{path} holds no Keras epoch, and its line {nnunet[0]} has the form of "
                    f"nnU-Net's Dice line of an epoch ('{nnunet[1]}'): consistent with "
                    "nnU-Net's training output, which explain-log does not read; "
                    f"{_KINDS_HINT}") from None
            bar = _TQDM_BAR_RE.search(text) if "%|" in text else None  # a fast pre-test
            if not runs and bar is not None and not _keras_header(text):
                raise UserError(
                    f"{path} holds tqdm progress bars ('{bar[0]}', as PyTorch scripts draw "
                    "them) and no Keras epoch, so it is not a Keras log; "
                    f"{_KINDS_HINT}") from None
            table = None if runs else epoch_table_seen(text)
            if table is not None and not counts_up(table[4]) and not trainer_table(table[1]):
                line, header, rule, column, values, _reason = table
                shown = ", ".join(values[:4]) + (", ..." if len(values) > 4 else "")
                raise UserError(
                    f"{path} holds a Markdown table with an epoch column (line {line}: "
                    f"'{header}', rule '{rule}'; column {column}) whose values ({shown}) do "
                    "not go up by one step a row, as a row per epoch does: a table of results or "
                    "settings, not of a run's epochs; "
                    f"{_KINDS_HINT}") from None
            if table is not None and table[5] is not None:
                line, header, rule, _column, _values, reason = table
                raise UserError(f"{path} holds a Markdown table with an epoch column (line "
                                f"{line}: '{header}', rule '{rule}'): {reason}; "
                                f"{_KINDS_HINT}") from None
            if table is not None:
                line, header, rule, column, _values, _reason = table
                if model_card_rule(rule) and model_card_header(header):  # no row read
                    raise UserError(
                        f"{path} holds a Markdown table of epochs (line {line}: '{header}', "
                        f"rule '{rule}') in the layout explain-log reads, a model card's, but "
                        "no row under it that it can read: one row per epoch, the epoch's "
                        "number in its column and a number in each other") from None
                layout = ("; it is a Hugging Face Trainer's 'Training results' table, "
                          "PyTorch's, whose metrics are the evaluation set's and whose epochs "
                          "may be fractions, not a Keras log" if trainer_table(header) else
                          f"; its epoch is column {column}, not the first (nor the last)"
                          if column > 1 else "")
                raise UserError(
                    f"{path} holds a Markdown table of epochs (line {line}: '{header}', rule "
                    f"'{rule}'), not a layout explain-log reads{layout}. It reads Keras "
                    "console output, a CSVLogger .csv, a model.fit() history .json, and a "
                    "Hugging Face Keras model card's '## Training Metrics' table (a first or "
                    "last column 'Epoch' or 'Epochs', a '|---|' rule of three dashes or more, "
                    "one row per epoch)") from None
            if not runs:
                raise UserError(f"{path}: {error}; {_KINDS_HINT}") from None
    for run in runs:
        run.source = f"{path.name}: {run.source}"
    return runs


#: tf.estimator's (and tf.train's LoggingTensorHook's) step lines: ``INFO:tensorflow:loss =
#: 6.93147, step = 1``.
_ESTIMATOR_LOSS_RE = re.compile(r"INFO:tensorflow:loss = \S+, step = \d+")
#: nnU-Net's Dice line of each epoch: v2's ``Pseudo dice [0.0, 0.8]``, v1's ``Average global
#: foreground Dice: [0.8837]``.
_NNUNET_DICE_RE = re.compile(r"(?:Pseudo dice|Average global foreground Dice:) \[")


def _nnunet_line(text: str) -> tuple[int, str] | None:
    """The number and words of the first nnU-Net Dice line in ``text`` (its list left out:
    one value a class), or None."""
    if "Pseudo dice" not in text and "foreground Dice" not in text:  # a fast pre-test
        return None
    found = _NNUNET_DICE_RE.search(text)
    if found is None:
        return None
    return text.count("\n", 0, found.start()) + 1, found[0] + "...]"


#: Keras's history always holds the loss: ``loss``, ``val_loss``, ``<output>_loss``.
_KERAS_LOSS_RE = re.compile(r"^(?:val_)?(?:\w+_)?loss$")
#: Lines opening with ``{`` tried as a printed history before a file is refused.
MAX_EMBEDDED_CANDIDATES = 20
#: What may precede a line of a log kept in a script or a Markdown quote: ``# ``, ``// ``, ``> ``.
_LINE_PREFIX_RE = re.compile(r"^\s*(?:#+|//|>)?\s*")


def embedded_history(text: str) -> list[RunLog]:
    """The runs of a ``print(history.history)`` dict found inside other text (a script's
    ``# `` comments, a quote), on one line or over several up to its closing brace; [] when
    there is none. A dict counts only when it holds a loss as Keras names it (``loss``,
    ``val_loss``, ``<output>_loss``): a config dict of number lists is no history. The first
    of the first :data:`MAX_EMBEDDED_CANDIDATES` lines opening with ``{`` that holds one is
    read, with a note saying where it was."""
    lines = [_LINE_PREFIX_RE.sub("", line, count=1) for line in text.splitlines()]
    starts = [number for number, line in enumerate(lines) if line.startswith("{")]
    for start in starts[:MAX_EMBEDDED_CANDIDATES]:
        try:  # from this line on: the first balanced block, one scan
            runs = parse_history_json("\n".join(lines[start:]))
        except LogFormatError:
            continue
        if not any(_KERAS_LOSS_RE.match(name)
                   for run in runs for epoch in run.epochs for name in epoch):
            continue
        for run in runs:
            run.notes.append(f"read the history dict printed at line {start + 1}; the "
                             "rest of the file is not a training log")
        return runs
    return []


def histories(runs: Iterable[RunLog]) -> dict[str, dict[str, list[float | None]]]:
    """``{run name: run.history()}``, the input of ``saturation.check_across_runs``."""
    return {run.name: run.history() for run in runs}
