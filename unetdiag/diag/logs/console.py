"""Keras console output -> runs: epoch headers and the line of metrics closing each epoch.

Lines are recognised by :mod:`unetdiag.diag.logs.progress` (every Keras format since Keras 1);
this module follows them through a log. Warnings, timestamps, checkpoint messages and other
noise are skipped. A line such as ``Training MP_Tr_BCE on /GPU:0...`` names the run that
follows it; an epoch counter that starts again (``Epoch 1/5`` after ``Epoch 5/5``) starts a
new run. What a paste or a script does to the epoch headers is undone, and said in the run's
notes:

- a paste that starts at an epoch's summary without its ``Epoch i/N`` header: that epoch
  belongs to the run whose next header is ``Epoch i+1/N``, and takes the number of a callback
  message just before it (``Epoch 00051: val_loss did not improve``);
- headerless summaries after a Markdown heading, or whose metric names gain Keras's ``_1``
  suffix, are another model's run;
- ``fit(epochs=1)`` called in a loop prints ``Epoch 1/1`` every time: one run, consecutive
  epochs;
- a log with no finished epoch at all (it ends mid-epoch): the last progress drawing is read
  as a partial epoch, with the step at which each metric turned NaN.

>>> runs = parse_console('''Training demo on /CPU:0...
... Epoch 1/2
... 3/3 ━━━━━━━━━━━━━━━━━━━━ 1s 89ms/step - accuracy: 0.5423 - loss: 0.6906 - val_loss: nan
... Epoch 2/2
... 3/3 ━━━━━━━━━━━━━━━━━━━━ 0s 23ms/step - accuracy: 0.6000 - loss: 0.6800 - val_loss: nan
... ''')
>>> runs[0].name, runs[0].series("accuracy").tolist(), runs[0].step_seconds
('demo', [0.5423, 0.6], [0.089, 0.023])
"""

from __future__ import annotations

import re

from unetdiag.diag.checks.saturation.metrics import LEARNING_RATE_KEYS
from unetdiag.diag.logs.checkpoint import (
    EARLY_STOP_RE,
    checkpoint_stalls,
    ignores_exception,
    resumed_positions,
    training_ender,
)
from unetdiag.diag.logs.console_close import close_unfinished, closing_line, open_numbers
from unetdiag.diag.logs.console_headerless import HeaderlessEpochs, zero_padded
from unetdiag.diag.logs.console_state import (
    LEARNING_RATE_KEY,
    EpochBlock,
    Partial,
    RunBuilder,
    interrupts,
    samples_total,
)
from unetdiag.diag.logs.model import CutShort, LogFormatError, RunLog, unique_names
from unetdiag.diag.logs.notes import (
    RAN_OUT_OF_DATA,
    TERMINATE_ON_NAN,
    asked_batches,
    bare_header_note,
    finish_notes,
    no_epoch_message,
    partial_epoch_note,
    ran_out_step,
)
from unetdiag.diag.logs.progress import (
    ProgressLine,
    drawn_lines,
    epoch_header,
    finished_bar,
    learning_rate_cut,
    parse_progress,
    printed_half_units,
    printed_logs,
    restored_best_epoch,
    valueless_step,
    zeros_printed,
)
from unetdiag.diag.logs.run_names import header_name, is_fold_name

# How Keras prints a metric value: "%.4f" above 1e-3 in magnitude, "%.4e" below; nan, inf.
#: A callback's message about an epoch: ``Epoch 00086: val_loss did not improve`` (Keras 2),
#: ``Epoch 86: ...`` (Keras 3), printed as the epoch ends.
_CALLBACK_EPOCH_RE = re.compile(r"^Epoch (\d+): ")
#: The same message glued to the value a drawing ended with (``acc: 0.9238Epoch 00001: ``).
_GLUED_CALLBACK_EPOCH_RE = re.compile(r"(?<=\d)Epoch \d+: (?!LearningRateScheduler )")
# LearningRateScheduler prints as its epoch begins: no sign that the epoch ended
_EPOCH_BEGIN_MESSAGE_RE = re.compile(r"^Epoch \d+: LearningRateScheduler ")
_KERAS_VALUE_RE = re.compile(r"^(?:-?\d+\.\d{4}|-?\d\.\d{4}e[-+]\d{2,3}|-?nan|-?inf)$",
                             re.IGNORECASE)
#: A section heading (``## share_bottom_model``) before a summary with no 'Epoch' header:
#: another model's fit follows. (One ``#`` is also a script's comment mark.)
_SECTION_HEADING_RE = re.compile(r"^#{2,6}\s+\S")
#: A result a K-fold loop prints under its fold line (``  val_accuracy: 0.8400``).
_RESULT_RE = re.compile(r"^\s*[A-Za-z][\w ]*:\s*[-+]?\d*\.\d+\s*$")


class _ConsoleReader(HeaderlessEpochs):
    """State machine over the lines of a console log (see :func:`parse_console`); the epochs
    whose header is missing are :class:`HeaderlessEpochs`'s."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.runs: list[RunBuilder] = []
        self.run: RunBuilder | None = None
        self.block: EpochBlock | None = None
        self.pending_name: str | None = None
        self.loose_lines: list[int] = []
        self.orphan: Partial | None = None  # progress drawings outside any epoch
        # a closing progress line before any header: epoch 1 if 'Epoch 2/N' comes next
        self.leading: tuple[int, ProgressLine] | None = None
        self.learning_rate: float | None = None  # the last ReduceLROnPlateau cut
        self.callback_epoch: int | None = None  # the epoch the last callback message named
        self.callback_line = 0  # the line of that message
        self.callback_ends = False  # whether it is printed as its epoch ends
        # whether it is EarlyStopping's 'early stopping', printed as fit() ends, after the
        # last epoch's closing line (a summary after it is evaluate()'s, not an epoch)
        self.callback_stops = False
        # whether it came right after a finished bar ('- 5s 16ms/step', no ETA): Keras 2.2's
        # order, whose bar ends its epoch before the other callbacks speak (TensorFlow 2 and
        # Keras 3 speak first, after a last drawing with an ETA)
        self.callback_after_close = False
        self.closed_at = 0  # the line of the last finished bar
        self.text_line = 0  # the last line holding text (Keras 2.2 prints a blank line first)
        self.text_before = 0  # the one before the line being read
        self.heading_line = 0  # the line of the last Markdown section heading
        # a bar drawn to its end whose values could not be read: (line, steps)
        self.unread_close: tuple[int, int] | None = None
        self.first_header: tuple[int, int, int] | None = None  # (line, index, total)
        self.counted_on: int | None = None  # line of an epoch counted on, not named
        self.samples_total: int | None = None  # Keras 2's 'Train on N samples'
        # a callback message numbered one below the epoch it closes: the log counts them from
        # 0, as Keras 1 and Keras 2 before 2.0.9 do (keras#8137); callback_epoch counts from 1
        self.zero_based_line: int | None = None

    def read(self) -> list[RunBuilder]:
        drawn = drawn_lines(self.text)
        ends_with_newline = self.text.endswith("\n")
        raw = self.text.split("\n")  # once: a log may be one line of hundreds of MB
        last_number = len(raw)
        ran_out = {number: asked_batches(line) for number, line in enumerate(raw, start=1)
                   if RAN_OUT_OF_DATA in line}
        for number, line in drawn:
            # the substring test first: the pattern's look-behind tries every position
            glued = (_GLUED_CALLBACK_EPOCH_RE.search(raw[number - 1])
                     if "Epoch " in raw[number - 1] else None)
            if glued is not None and self.block is None:
                # 'ETA: 0s - acc: 0.9238Epoch 00001: loss improved ... 300/300 [===...': a
                # message printed between the epoch's last drawings, which names it
                message = raw[number - 1][glued.start():]
                self._named_message(number, _CALLBACK_EPOCH_RE.match(message), message,
                                    glued=True)
            self._line(number, line, cut=number == last_number and not ends_with_newline)
            if number in ran_out and self.block is not None and self.block.ran_out is None:
                partial = self.block.partial
                self.block.ran_out = (number, partial.last if partial is not None else None,
                                      ran_out[number])
        if self.leading is not None:
            self.loose_lines.insert(0, self.leading[0])
        unfinished = self.block.partial if self.block is not None else self.orphan
        block_line, block_index, block_total = (
            (self.block.line, self.block.index, self.block.total) if self.block is not None
            else (None, None, None))
        bare_end = self.block if self.block and not (self.block.finals or unfinished) else None
        ended = self.block is not None and self.block.end_message is not None
        self._close_block()
        run = self.run
        if (block_total and unfinished is not None and run is not None and run.epochs
                and not run.epoch_total and block_index == run.epoch_numbers()[-1] + 1):
            # the header of the epoch the log ends inside announces the run's length too
            run.epoch_total = block_total
        if not any(run.epochs for run in self.runs) and unfinished and unfinished.last:
            self._partial_epoch(unfinished, block_line, ended, block_index, block_total)
        if self.loose_lines and self.runs:
            # said in the run the first skipped line comes before or inside, else the last
            next((run for run in self.runs
                  if run.epochs and run.last_line >= self.loose_lines[0]),
                 self.runs[-1]).notes.append(
                f"{len(self.loose_lines)} progress line(s) outside any epoch were skipped "
                f"(evaluate() output?), first at line {self.loose_lines[0]}")
        self._drop_lone_bare_lines()
        kept = [run for run in self.runs if run.epochs]
        if bare_end is not None and kept and bare_end.index and bare_end.valueless:
            line, step, steps = bare_end.valueless
            kept[-1].notes.append(
                f"the epoch that the log's last header, 'Epoch {bare_end.index}"
                + (f"/{bare_end.total}" if bare_end.total else "")
                + f"' at line {bare_end.line}, begins is not read: its last "
                f"drawing, line {line} (step {step}" + (f" of {steps}" if steps else "")
                + "), is cut off before any value")
        elif bare_end is not None and kept and bare_end.index:
            kept[-1].notes.append(bare_header_note(
                bare_end.line, bare_end.index, bare_end.total, self.run is not kept[-1],
                at_end=bare_end.line == self.text.rstrip().count("\n") + 1))
        for run in self.runs:
            finish_notes(run)
        return [run for run in self.runs if run.epochs]

    def _drop_lone_bare_lines(self) -> None:
        """A run of one line of bare ``name: value`` pairs is no epoch: nothing tells which
        epoch it was (a comment quoting a summary), and epoch 1 would be a guess."""
        for position, run in enumerate(self.runs):
            if run.bare_lines and len(run.epochs) == 1:
                run.epochs.clear()
                # said in the run before it, else the one after it
                kept = [other for other in self.runs[position::-1] + self.runs[position:]
                        if other.epochs]
                if kept:
                    kept[0].notes.append(
                        f"line {run.bare_lines[0]} holds nothing but 'name: value' pairs: "
                        "alone, it was not read as an epoch (nothing tells which one it was)")

    def _line(self, number: int, text: str, cut: bool) -> None:
        if not text:
            return
        self.text_before, self.text_line = self.text_line, number
        self.samples_total = samples_total(text) or self.samples_total
        printed = printed_logs(text)
        if printed is not None and self.block is not None:
            self.block.printed_logs = (number, printed)
        header = epoch_header(text)
        if header is not None:
            index, total, joined = header
            self._start_epoch(number, index, total, joined)
            if joined is not None:
                self._progress(number, joined, cut)
            return
        progress = parse_progress(text)
        if progress is not None:
            if not progress.in_progress and progress.counter and "]" in text:
                self.closed_at = number
            self._progress(number, progress, cut)
            return
        restored = restored_best_epoch(text)
        if restored is not None and self.run is not None:
            self.run.restored_epoch, self.run.restored_at = restored, None
        named = _CALLBACK_EPOCH_RE.match(text)
        if named is not None:
            self._named_message(number, named, text)
        self._message(number, text)

    def _named_message(self, number: int, named: re.Match, text: str,
                       glued: bool = False) -> None:
        """A callback message naming its epoch (``Epoch 00004: val_loss improved ...``), on a
        line of its own or glued to a drawing."""
        block = self.block
        self.callback_after_close = not glued and 0 < self.closed_at == self.text_before
        # after the header and a drawing of epoch i, a message naming i - 1 counts from 0:
        # Keras 2 from 2.0.9 on names i there, and earlier epochs' messages come before
        # the header (keras#8137: 'Epoch 00002: reducing ...' under 'Epoch 3/100');
        # Keras's own messages only, zero-padded
        padded = zero_padded(named[1])
        if (padded and block is not None and (block.finals or block.partial)
                and block.index is not None and block.index - int(named[1]) == 1
                and self.zero_based_line is None):
            self.zero_based_line = number
        self.callback_line = number
        self.callback_epoch = int(named[1]) + (padded and self.zero_based_line is not None)
        self.callback_ends = not _EPOCH_BEGIN_MESSAGE_RE.match(text)
        self.callback_stops = EARLY_STOP_RE.match(text) is not None
        if block is not None and block.index == self.callback_epoch and self.callback_ends:
            block.end_message = number

    def _message(self, number: int, text: str) -> None:
        """A line of text that is no header and no drawing: what it says of the open epoch."""
        if self.block is not None:
            self.block.messages.append(number)
            if interrupts(text):
                self.block.interrupted = number
            self._stopped_at(number, text)
            step = valueless_step(text)
            if step is not None:
                self.block.valueless = (number, *step)
        if _SECTION_HEADING_RE.match(text):
            self.heading_line = number
        closed = finished_bar(text)
        if closed is not None and self.unread_close is None:
            self.unread_close = (number, closed[1])
        cut_to = learning_rate_cut(text)
        if cut_to is not None:
            self.learning_rate = cut_to
            return
        name = header_name(text)
        if name is not None:
            self.pending_name = name
        elif is_fold_name(self.pending_name) and _RESULT_RE.match(text):
            self.pending_name = None  # 'Fold 1' then its result: printed after its fit

    def _progress(self, number: int, progress: ProgressLine, cut: bool) -> None:
        if progress.bare and is_fold_name(self.pending_name):
            self.pending_name = None  # as a result line in _line
        if self.block is not None:
            if progress.in_progress:
                if self.block.partial is None:
                    self.block.partial = Partial(number, samples=progress.target is not None
                                                 and progress.target == self.samples_total)
                self.block.partial.add(progress, number)
            elif self._repeats_a_final(progress):
                self._note(f"line {number} repeats a closing line of the same epoch "
                           "(values, steps and time alike): read once")
            elif self._second_summary(progress):
                self._headerless_epoch(number, progress)
            else:
                self.block.finals.append((number, self._repair(number, progress, cut)))
        elif progress.in_progress:
            if self.orphan is None:
                self.orphan = Partial(number)
            self.orphan.add(progress, number)
        elif any(k.startswith("val_") for k in progress.metrics) or (
                not progress.counter and self.run is None) or self._named_by_message(
                number, progress):
            # an epoch whose header is missing: fit(epochs=1), or a paste that starts here
            another = self._another_model(number, progress)
            # bare 'name: value' lines are one run's epochs on consecutive lines only, and
            # never one run's with Keras's own summaries
            mixed = self.run is not None and bool(self.run.epochs) and (
                progress.bare != (len(self.run.bare_lines) == len(self.run.epochs))
                or (progress.bare and number != self.run.last_line + 1))
            if self.run is None or self.pending_name is not None or another or mixed:
                self._start_run(number)
                if another:
                    self._note(another)
            index = self._named_first(number) if not self.run.epochs else None
            if progress.bare:
                self.run.bare_lines.append(number)
            self._epoch_begins()
            self.block = EpochBlock(index, None, number, [(number, progress)],
                                     learning_rate=self.learning_rate)
            self._close_block()
        elif self.run is None and self.leading is None and not self.loose_lines:
            self.leading = (number, progress)
        else:
            self.loose_lines.append(number)
        if not progress.in_progress:
            self.orphan = None

    def _repair(self, number: int, progress: ProgressLine, cut: bool) -> ProgressLine:
        """A file cut inside the last line may have cut its last number short: drop it.

        Keras prints every value as ``%.4f`` or ``%.4e``; a last value printed otherwise, or a
        line with fewer values than the epoch before, was cut.
        """
        previous = self.run.epochs[-1] if self.run and self.run.epochs else None
        shortened = previous is not None and len(progress.metrics) < len(previous)
        if cut and progress.metrics and (
                shortened or progress.damaged
                or not _KERAS_VALUE_RE.match(progress.last_value_text)):
            last = list(progress.metrics)[-1]
            del progress.metrics[last]
            self._note(f"line {number} is cut off; its last value ({last}) was dropped")
        return progress

    def _note(self, message: str) -> None:
        if self.run is not None:
            self.run.notes.append(message)

    def _start_run(self, number: int) -> None:
        self.run = RunBuilder(self.pending_name, number)
        self.pending_name = None
        self.learning_rate = None
        self.runs.append(self.run)

    def _continues(self, run: RunBuilder, index: int, total: int,
                   joined: ProgressLine | None) -> bool:
        """Whether ``Epoch index/total`` goes on with ``run`` although its counter did not
        simply advance: the run so far lacked headers (its epochs fit before this one, and
        a summary joined to the header logs the same metrics), or repeats ``Epoch 1/1``."""
        if self.pending_name is not None:
            return False
        if run.headerless:
            if joined is not None and ((set(joined.metrics) ^ set(run.epochs[-1]))
                                       - {LEARNING_RATE_KEY}):
                return False
            return (index > max(len(run.epochs), run.last_epoch_index)
                    or (index, total) == (1, 1))
        return (index, total) == (1, 1) == (run.last_epoch_index, run.epoch_total)

    def _start_epoch(self, number: int, index: int, total: int,
                     joined: ProgressLine | None = None) -> None:
        if self.first_header is None:
            self.first_header = (number, index, total)
        self._close_block((number, index, total))
        self._take_back_counted_on(index, total, number)
        self.orphan = None
        if self.leading is not None:
            self._place_leading(index, total)
        run = self.run
        continues = (run is not None and bool(run.epochs)
                     and self._continues(run, index, total, joined))
        # A counter that starts again is a new run; a header line is one too when it comes
        # after a finished run or before an "Epoch 1/N" (not a stray print between epochs).
        restarted = run is not None and bool(run.epochs) and not continues and (
            index <= run.last_epoch_index or total != run.epoch_total
            or (self.pending_name is not None
                and (index == 1 or run.last_epoch_index == run.epoch_total)))
        if run is None or restarted:
            self._start_run(number)
        elif self.pending_name is not None and not run.epochs:
            run.name, self.pending_name = self.pending_name, None
        else:
            self.pending_name = None
        if continues and (index, total) == (1, 1):
            self.run.repeated_headers += 1
        self._epoch_begins()
        self.block = EpochBlock(index, total, number, learning_rate=self.learning_rate)

    def _epoch_begins(self) -> None:
        """An epoch of the current run begins: if it follows the run's EarlyStopping restore
        message, note how many epochs came before it (training went on from the restored
        weights, so the model the run ends with is not the restored epoch's)."""
        run = self.run
        if run is not None and run.restored_epoch is not None and run.restored_at is None:
            run.restored_at = len(run.epochs)

    def _close_block(self, next_header: tuple[int, int, int] | None = None) -> None:
        """Close the open epoch; ``next_header``: (line, index, total) of the header that
        closes it."""
        block, run = self.block, self.run
        self.block = None
        if block is None or run is None:
            return
        label = (f"epoch {block.index}" + (f"/{block.total}" if block.total else "")
                 if block.index else "the epoch")
        if not block.finals:
            close_unfinished(run, block, label, next_header)
            return
        number, chosen = closing_line(block, run, label)
        if run.leading_line is not None:
            self._confirm_leading(run, chosen.metrics, block.line)
        if run.epochs and set(run.epochs[-1]) - set(chosen.metrics) - {LEARNING_RATE_KEY}:
            missing = sorted(set(run.epochs[-1]) - set(chosen.metrics) - {LEARNING_RATE_KEY})
            run.notes.append(f"{label} (line {number}) lacks {', '.join(missing)}")
        self._add_epoch(run, chosen, number, block.index, block.learning_rate)
        step = (ran_out_step(*block.ran_out[1:], chosen, block.total)
                if block.ran_out is not None else None)
        if step is not None:  # placed once the epoch is: a leading line may have gone
            run.cut_short = CutShort(len(run.epochs) - 1, block.index, step, chosen.target,
                                     "input ran out")
        if block.index is not None:
            run.last_epoch_index, run.epoch_total = block.index, block.total

    @staticmethod
    def _add_epoch(run: RunBuilder, line: ProgressLine, number: int, index: int | None,
                   learning_rate: float | None) -> None:
        metrics = dict(line.metrics)
        # Keras's own column, where it prints one, knows the rate before the first cut too
        if learning_rate is not None and not set(LEARNING_RATE_KEYS) & set(metrics):
            metrics[LEARNING_RATE_KEY] = learning_rate
        run.epochs.append(metrics)
        run.labels.append(index)
        run.step_seconds.append(line.step_seconds)
        run.steps.append(line.target)
        run.closing_lines.append(number)
        run.last_line = number

    def _partial_epoch(self, partial: Partial, header_line: int | None, ended: bool = False,
                       index: int | None = None, total: int | None = None) -> None:
        """A log that ends before any epoch finished: its last drawing, said as such, numbered
        as its header (``index``) numbers it, the run as long as that header announces
        (``total``)."""
        if self.run is None or header_line is None:
            self._start_run(partial.line)
        run = self.run
        run.epoch_total = run.epoch_total or total
        run.last_unfinished = True
        last = partial.last
        self._add_epoch(run, last, partial.line, run.last_epoch_index or index or None,
                        self.learning_rate)
        every_step = last.current is not None and bool(last.target) and (
            last.current >= last.target)
        if last.current is not None and not every_step:
            after = "\n".join(self.text.split("\n")[(header_line or partial.line) - 1:])
            run.cut_short = CutShort(len(run.epochs) - 1, run.labels[-1], last.current,
                                     last.target, "no closing line" if ended else
                                     "terminated" if TERMINATE_ON_NAN in after else "log ends",
                                     partial.batch)
        run.notes.append(partial_epoch_note(partial, ended, every_step))


def _verdicts_from(builders: list[RunBuilder], position: int, lines: list[str]) -> int:
    """Where (0-based line) the callback verdicts of run ``position`` may start: its first
    line, or, for a run whose first epoch has no header, the line after the run before it
    (TensorFlow 2 prints an epoch's callback messages before its closing line: a paste that
    starts at ``Epoch 6: val_dice did not improve ...`` holds epoch 6's verdict above it)."""
    builder = builders[position]
    if epoch_header(lines[builder.first_line - 1].strip()) is not None:
        return builder.first_line - 1
    return builders[position - 1].last_line if position else 0


def parse_console(text: str) -> list[RunLog]:
    """Runs in Keras console output (any Keras since 1, ``verbose=1`` or ``2``), in file order.

    Raises :class:`LogFormatError` when the text holds no line of metrics inside or closing
    an epoch.
    """
    reader = _ConsoleReader(text)
    builders = reader.read()
    if not builders and reader.first_header is not None and reader.unread_close is not None:
        (line, index, total), (closing, steps) = reader.first_header, reader.unread_close
        raise LogFormatError(
            f"no epoch could be read: the log starts epoch {index}/{total} at line {line}, and "
            f"line {closing} closes it ({steps}/{steps} steps), but no metric values that "
            "follow could be read as its summary, so there are no numbers to explain")
    if not builders and reader.first_header is not None:
        raise LogFormatError(no_epoch_message(text, *reader.first_header))
    if not builders:
        raise LogFormatError(
            "no Keras training epochs found: expected 'Epoch i/N' lines followed by progress "
            "lines such as '370/370 ... - loss: 0.1115 - val_loss: 0.0240'")
    runs = []
    lines = text.split("\n")
    ends = [builder.first_line - 1 for builder in builders[1:]] + [len(lines)]
    for position, (builder, end) in enumerate(zip(builders, ends, strict=True), start=1):
        runs.append(RunLog(
            name=builder.name or f"run {position}", epochs=builder.epochs,
            step_seconds=builder.step_seconds,
            source=f"Keras console log, lines {builder.first_line}-{builder.last_line}",
            steps_per_epoch=builder.steps, notes=builder.notes,
            epoch_numbers=builder.epoch_numbers(), restored_epoch=builder.restored_epoch,
            restored_after=builder.restored_after(), cut_short=builder.cut_short,
            last_unfinished=builder.last_unfinished,
            epochs_announced=builder.epoch_total, ran_out_epoch=builder.ran_out_epoch,
            unknown_numbers=open_numbers(builder, lines), checkpoint_stalls=checkpoint_stalls(
                lines[_verdicts_from(builders, position - 1, lines):end],
                builder.epoch_numbers()),
            zeros_printed=zeros_printed(lines[builder.first_line - 1:builder.last_line]),
            printed_half_units=printed_half_units(
                lines[builder.first_line - 1:builder.last_line]),
            ended_by=training_ender(lines[builder.last_line:end]),
            ignored_after=ignores_exception(lines[builder.last_line:end]),
            resumed_at=resumed_positions(lines, builder.closing_lines)))
    return unique_names(runs)
