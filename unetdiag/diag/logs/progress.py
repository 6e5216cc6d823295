"""One line of Keras console output: an epoch header, a line of metrics, a learning-rate cut,
or noise.

Every console format since Keras 1 is read here, line by line:

- a progress bar or ``verbose=2`` summary with a step counter: ``370/370 ━━━━ 580s 2s/step -
  loss: 0.1115``, ``5250/5250 [====] - 284s - loss: -0.7539`` (Keras 1), ``1079/1079 - 21s -
  loss: 0.2431 - 21s/epoch - 19ms/step`` (TF 2 ``verbose=2``), ``715/Unknown - 129s ...``;
- a Keras 1/2 ``verbose=2`` summary with no counter: ``299s - loss: 6.4668 - dice_coef: 0.2710``;
- an epoch header, alone or joined to its summary: ``Epoch 1/20 8/8 [====] - 6s - loss: ...``;
- ``ReduceLROnPlateau reducing learning rate to 0.0002``.

Captured output keeps the progress bar's redraws (carriage returns, backspaces, ANSI colours):
only the last drawing of a line counts. Markdown around a pasted log (backticks, ``>`` quotes,
``**bold**``) is dropped. Metric names may hold hyphens (``f1-score``).

>>> line = parse_progress(clean_line("`299s - loss: 6.4668 - f1-score: 0.2710`"))
>>> line.metrics, line.counter, line.in_progress
({'loss': 6.4668, 'f1-score': 0.271}, False, False)
>>> epoch_header("> Epoch 1/20 8/8 [====] - 6s 300ms/step - loss: 1.4448")[:2]
(1, 20)
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from unetdiag.diag.checks.saturation.metrics import NON_METRIC_KEYS
from unetdiag.diag.logs.model import NUMBER_PATTERN, to_float

# ANSI escape sequences (colours, cursor moves) and the other C0 controls progress bars emit.
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Markdown a pasted log carries: inline code, bold, and "> " quote markers at the start.
_MARKDOWN_RE = re.compile(r"`|\*\*")
_QUOTE_RE = re.compile(r"^\s*(?:>\s?)+")
# "Epoch 3/50" after the start of the line or a separator ("INFO Epoch 3/50", "[..] Epoch").
_EPOCH_RE = re.compile(r"(?:^|[\s\]>|:])Epoch\s+(\d+)\s*/\s*(\d+)(?P<rest>\s.*)?$", re.IGNORECASE)
# "370/370 ━━━━ 580s 2s/step - ...", "370/370 [====] - 580s 2s/step - ...", "3/3 - 1s - ..."
# A Keras 3 bar is drawn in glyphs: never a letter, a digit or a "name:" token ("Epoch 11/50
# f1-score: 0.8966" is an epoch's summary, not step 11 of 50).
_PROGRESS_RE = re.compile(
    r"(?<![\w/.:-])(?P<current>\d+)/(?P<target>\d+|Unknown)"
    r"(?:\s*\[(?P<bar>[=>.]*)\]|\s+[^\s\w\-\[:][^\s:]*(?=\s|$))?(?P<rest>\s.*)?$")
_TIME = r"\d+(?:\.\d+)?(?:s|ms|us|µs|μs)"
# Keras 1/2 verbose=2: "299s - loss: 6.4668 - ..." (no counter), also " 24s/step - loss: ...".
_COUNTERLESS_RE = re.compile(
    rf"(?:^|\s)(?P<time>{_TIME}(?:/(?:step|sample|epoch))?)(?P<rest>\s+-\s+[A-Za-z_].*)$")
_METRIC_NAME = r"[A-Za-z_][\w./]*(?:-[\w./]+)*"
_METRIC_TOKEN_RE = re.compile(rf"^(?P<name>{_METRIC_NAME}):\s*(?P<value>{NUMBER_PATTERN})"
                              r"(?:\s?(?P<percent>%))?$", re.IGNORECASE)
# A token of a drawing's " - "-separated values whose name holds single spaces: a custom
# train_step's dict keys ("AE loss min: 0.3586", tensorflow#48033), printed as Keras prints any
# key; read only inside a drawing, where " - " bounds it.
_SPACED_TOKEN_RE = re.compile(
    rf"^(?P<name>[A-Za-z_][\w./-]*(?: [A-Za-z_][\w./-]*)+):\s*(?P<value>{NUMBER_PATTERN})"
    r"(?:\s?(?P<percent>%))?$", re.IGNORECASE)
# A line that carries on a summary wrapped at " - ": it starts with "name: value" (a paste
# with one "name: value -" per line ends it with the separator).
_CONTINUATION_RE = re.compile(rf"^{_METRIC_NAME}:\s*{NUMBER_PATTERN}(?:\s+-(?:\s|$)|$)",
                              re.IGNORECASE)
_BULLET_RE = re.compile(r"^[-*+]\s+")
# A paste with one " - name: value" per line: the line starts with the separator, the line
# before it ends with a value.
_DASHED_CONTINUATION_RE = re.compile(
    rf"^-\s+(?P<name>{_METRIC_NAME}):\s*{NUMBER_PATTERN}(?:\s+-\s|$)", re.IGNORECASE)
_ENDS_WITH_VALUE_RE = re.compile(rf"{_METRIC_NAME}:\s*{NUMBER_PATTERN}$", re.IGNORECASE)
# A summary wrapped inside a name: the line ends with " - accu", the next starts "racy: 0.93".
_CUT_NAME_RE = re.compile(r"\s-\s+[A-Za-z_]\w*$")
_CUT_NAME_REST_RE = re.compile(rf"^\w*:\s*{NUMBER_PATTERN}(?:\s+-\s|$)", re.IGNORECASE)
_STEP_TIME_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(s|ms|us|µs|μs)/(step|sample)\b")
_TIME_TOKEN_RE = re.compile(
    rf"^(?:ETA:\s*)?(?:{_TIME}(?:/(?:step|sample|epoch))?|\d+:\d{{2}}(?::\d{{2}})?)"
    rf"(?:\s+{_TIME}/(?:step|sample))?$")
_LR_CUT_RE = re.compile(rf"reducing learning rate to\s*(?P<value>{NUMBER_PATTERN})",
                        re.IGNORECASE)
# One drawing of a progress bar: "64/100 [=====>....]" (Keras 1/2) or "3/20 ━━━━" (Keras 3).
_BAR_DRAWING_RE = re.compile(r"(?<![\w/.:-])(?:\d+|Unknown)/(?:\d+|Unknown)\s*(?:\[[=>.]*\]|━)")
# A Python logging message written on the drawing's line, glued to its last value
# ("loss: 2.1445WARNING:tensorflow:Can save best model only with val_loss available"):
# the bar writes no newline before TensorFlow's logger does.
_GLUED_LOG_RE = re.compile(r"(?<=[\d.])(?:WARNING|INFO|ERROR|CRITICAL|DEBUG):[\w.]+:.*$")
# A drawing glued to a drawing cut off inside a metric name ("... - Dec_GT_Output_d2/2 [===="):
# the digits after the letter hold the cut name's tail and the step counter.
# Or glued to a value whose last digits the redraw erased ("accuracy: 0.8116/16 [====":
# 0.81 then 16/16, autokeras#1215, a notebook's capture with the control characters gone).
_GLUED_DRAWING_RE = re.compile(
    r"(?:(?<=[A-Za-z_])|(?<=\d\.))(?P<digits>\d+)/(?P<target>\d+)\s*(?:\[[=>.]*\]|━)")
_UNITS_PER_SECOND = {"s": 1.0, "ms": 1e3, "us": 1e6, "µs": 1e6, "μs": 1e6}


_VALUE_DECIMALS_RE = re.compile(r":\s*-?\d+\.(\d+)(?=\s|$)")


def _usual_decimals(text: str) -> int | None:
    """The most common count of decimals among the ``name: value`` pairs in ``text``."""
    counts = Counter(len(found) for found in _VALUE_DECIMALS_RE.findall(text))
    return counts.most_common(1)[0][0] if counts else None


def _last_drawing_start(text: str, first: int) -> int | None:
    """Where the last drawing after position ``first`` starts, counting one glued to a cut
    metric name (its counter is the longest tail of the digits not above the target)."""
    starts = [m.start() for m in _BAR_DRAWING_RE.finditer(text) if m.start() > first]
    for match in _GLUED_DRAWING_RE.finditer(text, first + 1):
        digits, target = match["digits"], int(match["target"])
        # after a value's decimal point, one digit at least is the value's; the split that
        # leaves it the decimals the line's other values print comes first ('0.80999/100'
        # after 4-decimal values: 0.8099 at step 9, not 0.809 at 99)
        after_point = text[match.start() - 1] == "."
        decimals = _usual_decimals(text[:match.start()]) if after_point else None
        splits = ([decimals] if decimals else []) + list(range(int(after_point), len(digits)))
        tail = next((k for k in splits
                     if k < len(digits) and 0 < int(digits[k:]) <= target), None)
        if tail is not None:
            starts.append(match.start() + tail)
    return max(starts) if starts else None


#: The longest line a terminal shows after its redraws that is read: a drawing, header or
#: summary is a few hundred characters (the longest among tests/data/logs is under 1,000;
#: drawings glued with their control characters gone, thousands of them); anything longer is
#: not read, so one huge line costs no more than its splitting.
MAX_DRAWN_CHARS = 1_000_000


def clean_line(raw_line: str) -> str:
    """What a terminal would show for a captured line, without the Markdown of a paste.

    A redraw is its last carriage-return segment; a run of backspaces erases the drawing
    before it as a carriage return does (Keras 1/2 write both; a capture may keep only the
    backspaces). Drawings glued with no control character left between them (a paste that
    dropped both) count by their last one, after whatever preceded the first (an epoch
    header joined to its bar).

    >>> clean_line("1/8 [>...] - ETA: 9s - loss: 0.7 8/8 [====] - 6s - loss: 0.5")
    '8/8 [====] - 6s - loss: 0.5'
    >>> clean_line("Epoch 1/2 1/8 [>...] - loss: 0.7\b\b\b8/8 [====] - loss: 0.5")
    'Epoch 1/2 8/8 [====] - loss: 0.5'
    >>> clean_line("1/2 [=>..] - ETA: 15s - loss: 0.0271 - dice_c2/2 [====] - 30s - loss: 0.02")
    '2/2 [====] - 30s - loss: 0.02'
    >>> clean_line("1/16 [>...] - ETA: 0s - accuracy: 0.8116/16 [====] - 0s - loss: 0.51")
    '16/16 [====] - 0s - loss: 0.51'
    >>> clean_line("213/213 [====] - ETA: 0s - loss: 2.1445WARNING:tensorflow:Can save best ...")
    '213/213 [====] - ETA: 0s - loss: 2.1445'
    """
    line = _ANSI_RE.sub("", raw_line) if "\x1b" in raw_line else raw_line
    line = re.sub("\b+", "\r", line) if "\b" in line else line  # each pass costs on a huge line
    segments = [segment for segment in line.split("\r") if segment.strip()]
    text = segments[-1] if segments else ""
    if len(text) > MAX_DRAWN_CHARS:
        return ""  # no drawing, header or summary: searching it would only cost time
    if len(segments) > 1 and not _EPOCH_RE.search(text) and (
            header := _EPOCH_RE.search(segments[0])):
        text = segments[0][:header.end(2)] + " " + text  # a header joined to its first drawing
    text = _QUOTE_RE.sub("", _MARKDOWN_RE.sub("", _CONTROL_RE.sub("", text)))
    if _BAR_DRAWING_RE.search(text):
        text = _GLUED_LOG_RE.sub("", text)
    first = _BAR_DRAWING_RE.search(text)
    last = _last_drawing_start(text, first.start()) if first else None
    if first and last is not None:
        text = text[:first.start()] + text[last:]
    return text.strip()


@dataclass
class ProgressLine:
    """A line of metrics: a progress bar's drawing or an epoch's summary."""

    current: int | None  # the step counter (None: a Keras 1/2 verbose=2 line has none)
    target: int | None  # steps per epoch (None: "Unknown" or no counter)
    metrics: dict[str, float]
    step_seconds: float | None
    in_progress: bool  # an ETA is shown, or the step count has not reached the target
    damaged: list[str]  # tokens that are neither a metric nor a time
    last_value_text: str  # the last metric's value as printed (to spot a cut-off number)
    bare: bool = False  # nothing but "name: value" tokens: no counter, no time
    #: metrics printed with a percent sign (``acc: 91.40%``), read divided by 100
    percent_names: tuple[str, ...] = ()

    @property
    def counter(self) -> bool:
        return self.current is not None

    def nan_metrics(self) -> list[str]:
        return [name for name, value in self.metrics.items() if math.isnan(value)]


def _token_value(metric: re.Match) -> float:
    """A ``name: value`` token's value; ``91.40%`` is the fraction 0.914."""
    value = float(metric["value"])
    # rounded: 89.10% is 0.891, not float division's 0.8909999999999999
    return round(value / 100, 12) if metric["percent"] else value


def _read_tokens(rest: str) -> tuple[dict[str, float], list[str], str, tuple[str, ...]]:
    metrics: dict[str, float] = {}
    damaged: list[str] = []
    last_value_text = ""
    percent_names: list[str] = []
    for token in re.split(r"\s+-\s+", " " + rest.strip().rstrip("-").rstrip()):
        token = token.strip()
        if not token:
            continue
        metric = _METRIC_TOKEN_RE.match(token) or _SPACED_TOKEN_RE.match(token)
        if metric:
            metrics[metric["name"]] = _token_value(metric)
            last_value_text = metric["value"]
            if metric["percent"]:
                percent_names.append(metric["name"])
        elif not _TIME_TOKEN_RE.match(token):
            damaged.append(token)
    return metrics, damaged, last_value_text, tuple(percent_names)


def parse_progress(text: str) -> ProgressLine | None:
    """A cleaned line (:func:`clean_line`) as a line of metrics, or ``None``."""
    match = _PROGRESS_RE.search(text)
    full_bar = False
    if match is not None:
        target = None if match["target"] == "Unknown" else int(match["target"])
        current: int | None = int(match["current"])
        rest = match["rest"] or ""
        # a finished "[=====]" bar: the counter was cut short by a paste ("815/1815")
        full_bar = bool(match["bar"]) and set(match["bar"]) == {"="}
    else:
        match = _COUNTERLESS_RE.search(text)
        if match is None:
            return bare_summary(text, validation=True)
        current = target = None
        rest = f" {match['time']} {match['rest']}"
    metrics, damaged, last_value_text, percent_names = _read_tokens(rest)
    if not metrics:
        return None  # "5/5 tests passed", a date, a predict() bar: not an epoch summary
    in_progress = "ETA" in rest or (target is not None and current is not None
                                    and current < target and not full_bar)
    step_seconds = None
    time_match = _STEP_TIME_RE.search(rest)
    if time_match and time_match[3] == "step":
        step_seconds = float(time_match[1]) / _UNITS_PER_SECOND[time_match[2]]
    return ProgressLine(current, target, metrics, step_seconds, in_progress, damaged,
                        last_value_text, percent_names=percent_names)


#: A paste's elision after a drawing: ``187/187 [=====]...``.
_ELISION_RE = re.compile(r"\s*(?:\.{3}|\u2026)\s*$")


def valueless_step(text: str) -> tuple[int, int | None] | None:
    """``(step, steps)`` of a progress drawing cut off before its first value
    (`` 63/200 [===>....] - ETA: 16:03:00 - loss:``, or a paste's ``187/187 [====]...``),
    else ``None``."""
    text = _ELISION_RE.sub("", text)
    match = _PROGRESS_RE.search(text)
    if match is None or not match["bar"] or parse_progress(text) is not None:
        return None
    target = None if match["target"] == "Unknown" else int(match["target"])
    return int(match["current"]), target


def bare_summary(text: str, validation: bool) -> ProgressLine | None:
    """A line of nothing but ``name: value`` tokens joined by `` - `` (a Markdown bullet's
    ``- `` before them allowed): an epoch's values pasted without counter or time. Alone on
    a line it must hold a validation value beside its training one (``loss`` and
    ``val_loss``), or it is some other print; after an ``Epoch i/N`` header
    (``validation=False``) any such line holding a metric besides bookkeeping (the learning
    rate, timings) is that epoch's summary.

    >>> bare_summary("- accuracy: 0.8818 - loss: 0.2842 - val_loss: 0.2312", True).metrics
    {'accuracy': 0.8818, 'loss': 0.2842, 'val_loss': 0.2312}
    >>> bare_summary("loss: 0.2842 - accuracy: 0.8818", True) is None
    True
    """
    body = _BULLET_RE.sub("", text.strip()).rstrip("-").rstrip()
    metrics: dict[str, float] = {}
    value_text = ""
    percent_names = []
    for token in re.split(r"\s+-\s+", body):
        metric = _METRIC_TOKEN_RE.match(token.strip())
        if metric is None:
            return None
        metrics[metric["name"]] = _token_value(metric)
        value_text = metric["value"]
        if metric["percent"]:
            percent_names.append(metric["name"])
    if validation and not any(name.startswith("val_") and name[4:] in metrics
                              for name in metrics):
        return None
    return ProgressLine(None, None, metrics, None, False, [], value_text, bare=True,
                        percent_names=tuple(percent_names))


def epoch_header(text: str) -> tuple[int, int, ProgressLine | None] | None:
    """``(i, N, summary joined to it or None)`` for an ``Epoch i/N`` line; ``None`` for any
    other line (prose that mentions "Epoch 3/10" mid-sentence is not a header)."""
    match = _EPOCH_RE.search(text)
    if match is None:
        return None
    rest = (match["rest"] or "").strip()
    joined = (parse_progress(rest) or bare_summary(rest, validation=False)) if rest else None
    if joined is not None and joined.bare and set(joined.metrics) <= NON_METRIC_KEYS:
        # a custom print of the learning rate (``Epoch 1/4 lr: 0.0010``) before Keras's own
        # header is no epoch: a summary joined to a header holds a metric
        joined = None
    if rest and joined is None:
        return None
    return int(match[1]), int(match[2]), joined


def has_epoch_header(text: str) -> bool:
    """Whether any line of ``text`` is an ``Epoch i/N`` header."""
    return any(epoch_header(clean_line(line)) for line in text.splitlines())


def joined_summary(previous: str, line: str) -> str | None:
    """``previous`` and ``line`` as one summary when a summary was wrapped over them, else
    None: ``previous`` ends at a ``-`` separator and ``line`` starts with ``name: value``;
    ``previous`` is a line of metrics ending with ``name: value`` and ``line`` starts with
    ``- name: value`` for a name not on it; or the wrap cut a name (``- accu`` then
    ``racy: 0.9354 - ...``, a notebook printed to PDF) after a line of metrics."""
    if previous.endswith("-") and _CONTINUATION_RE.match(line):
        return f"{previous} {line}"
    dashed = _DASHED_CONTINUATION_RE.match(line)
    # onto a line of metrics only, and never a name it already holds (a summary does not
    # repeat a key; a bullet list of settings after an epoch line would)
    if (dashed and _ENDS_WITH_VALUE_RE.search(previous)
            and parse_progress(previous) is not None
            and not re.search(rf"(?:^|\s){re.escape(dashed['name'])}:", previous)):
        return f"{previous} {line}"
    cut = _CUT_NAME_RE.search(previous)
    if (cut and _CUT_NAME_REST_RE.match(line) and _ENDS_WITH_VALUE_RE.search(previous[:cut.start()])
            and parse_progress(previous[:cut.start()]) is not None):
        return previous + line
    return None


def drawn_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, cleaned line)``, a summary wrapped over two lines joined into one; a
    summary left open at a ``-`` separator goes on after one blank line (Mask R-CNN#2106's
    paste puts one before the ``val_`` half)."""
    lines = text.split("\n")
    drawn: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, start=1):
        line = clean_line(raw)
        joined = joined_summary(drawn[-1][1], line) if drawn else None
        if (joined is None and len(drawn) > 1 and drawn[-1] == (number - 1, "")
                and drawn[-2][1].endswith("-")):
            joined = joined_summary(drawn[-2][1], line)
            if joined is not None:
                drawn.pop()  # the blank line inside the summary
        if joined is not None:
            drawn[-1] = (drawn[-1][0], joined)
        else:
            drawn.append((number, line))
    return drawn


def finished_bar(text: str) -> tuple[int, int] | None:
    """``(i, i)`` for a bar drawn to its end whose values could not be read (a summary cut or
    mangled after its counter): the epoch finished, whatever else the line lacks."""
    match = _PROGRESS_RE.search(text)
    if match is None or match["target"] == "Unknown" or match["current"] != match["target"]:
        return None
    rest = match["rest"] or ""
    if not (match["bar"] is not None or _STEP_TIME_RE.search(rest) or re.match(
            rf"\s+-\s+{_TIME}", rest)):
        return None  # "5/5 tests passed": a counter without a bar or a time
    return int(match["current"]), int(match["target"])


def learning_rate_cut(text: str) -> float | None:
    """The new learning rate of a ``ReduceLROnPlateau reducing learning rate to X`` line."""
    match = _LR_CUT_RE.search(text)
    return None if match is None else float(match["value"].rstrip("."))


#: EarlyStopping(restore_best_weights=True) at the end of training: Keras 2.6+ and 3 name
#: the epoch ("... best epoch: 20."), older versions do not.
_RESTORED_RE = re.compile(r"Restoring model weights from the end of the best epoch(?::\s*(\d+))?")


def restored_best_epoch(text: str) -> int | None:
    """The epoch an ``EarlyStopping`` restore message names (0 when it names none), or None
    when the line is no such message.

    >>> restored_best_epoch("Restoring model weights from the end of the best epoch: 20.")
    20
    """
    match = _RESTORED_RE.search(text)
    return None if match is None else int(match[1] or 0)


#: A Python dict printed on one line (no nested braces) and one ``'name': number`` item of it.
_DICT_RE = re.compile(r"\{([^{}]*)\}")
_DICT_ITEM_RE = re.compile(rf"^\s*(['\"])([A-Za-z_][\w.-]*)\1\s*:\s*({NUMBER_PATTERN})\s*$",
                           re.IGNORECASE)


def printed_logs(text: str) -> dict[str, float] | None:
    """The ``logs`` dict a callback printed at an epoch's end (``print(logs)`` in
    ``on_epoch_end``), or None: a one-line dict whose every item is ``'name': number``, with a
    ``loss`` and a ``val_`` key (Keras has validation values only at an epoch's end, so no
    batch's logs hold one).

    >>> printed_logs("0.5920('\\nlogs:', {'loss': 0.807, 'val_loss': 0.66, 'lr': 0.01})")
    {'loss': 0.807, 'val_loss': 0.66, 'lr': 0.01}
    """
    for match in _DICT_RE.finditer(text):
        values: dict[str, float] = {}
        for item in match[1].split(","):
            found = _DICT_ITEM_RE.match(item)
            value = to_float(found[3]) if found else None
            if value is None:
                break
            values[found[2]] = value
        else:
            if "loss" in values and any(name.startswith("val_") for name in values):
                return values
    return None


def is_progress_line(raw_line: str) -> bool:
    """Whether a captured line is a line of metrics (an epoch's summary or a bar's drawing)."""
    return parse_progress(clean_line(raw_line)) is not None


#: A metric's 0 as Keras prints it: ``loss: 0.0000e+00`` (2.3+) or ``loss: 0.0000`` (before).
_PRINTED_ZERO_RE = re.compile(r"\b[A-Za-z_][\w.]*:\s*-?(0\.0{4}(?:e[-+]?0+)?)(?![\d.e])",
                              re.IGNORECASE)


def zeros_printed(lines: list[str]) -> str:
    """How these lines print a metric's 0, when they print it one way only (else "").

    >>> zeros_printed(["- loss: 0.2900 - val_loss: 0.0000 - val_acc: 0.0000"])
    '0.0000'
    >>> zeros_printed(["- loss: 2.0000e-02 - val_loss: 0.0000e+00"])
    '0.0000e+00'
    """
    forms = {"0.0000e+00" if "e" in found.lower() else "0.0000"
             for line in lines for found in _PRINTED_ZERO_RE.findall(line)}
    return forms.pop() if len(forms) == 1 else ""


#: A ``name: value`` token as printed: its digits, exponent and percent sign.
_PRINTED_VALUE_RE = re.compile(
    rf"(?:^|\s)(?P<name>{_METRIC_NAME}):\s*[-+]?(?P<number>\d+\.?\d*|\.\d+)"
    r"(?:e(?P<exponent>[-+]?\d+))?(?P<percent>\s?%)?(?=\s|$)", re.IGNORECASE)


def printed_half_units(lines: list[str]) -> dict[str, float]:
    """How far the value behind each metric's prints may lie from the one read: half a unit
    of its last printed decimal (``0.998``: 0.0005; ``0.9980``: 0.00005; ``2.8319e-06``:
    5e-11), two places further for a percentage (``99.5%`` is 0.995, any value in
    0.9945-0.9955), the widest over the lines. A reader of the value alone sees 0.995 and
    cannot tell it from a four-decimal 0.9950.

    >>> printed_half_units(["- loss: 0.0150 - acc: 99.5% - dice_coef: 0.998"])
    {'loss': 5e-05, 'acc': 0.0005, 'dice_coef': 0.0005}
    """
    found: dict[str, float] = {}
    for line in lines:
        for token in _PRINTED_VALUE_RE.finditer(line):
            decimals = (len(token["number"].partition(".")[2]) - int(token["exponent"] or 0)
                        + (2 if token["percent"] else 0))
            half_unit = float(f"5e{-decimals - 1}")
            found[token["name"]] = max(found.get(token["name"], 0.0), half_unit)
    return found
