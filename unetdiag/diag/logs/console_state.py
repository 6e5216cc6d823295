"""The state :mod:`unetdiag.diag.logs.console` keeps while it reads a log: the run being
built, the epoch block open and the drawings of an unfinished epoch."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from unetdiag.diag.logs.model import CutShort
from unetdiag.diag.logs.progress import ProgressLine

#: The metric the learning rate is recorded under when the log prints its cuts.
LEARNING_RATE_KEY = "lr"
#: Keras's suffix for a metric of a second model built in one session (``auc_1``).
_SESSION_SUFFIX_RE = re.compile(r"_\d+$")


def renamed_by_suffix(before: set[str], after: set[str]) -> list[str]:
    """Names of ``after`` that are a name of ``before`` with Keras's session suffix added,
    changed or dropped (``output_1_auc`` -> ``output_1_auc_1``): another model's metrics."""
    added, removed = after - before, before - after
    stems = {_SESSION_SUFFIX_RE.sub("", name) for name in removed}
    return sorted(name for name in added if _SESSION_SUFFIX_RE.sub("", name) in stems)


#: A line that stops a run: a traceback, an error or exception line, a KeyboardInterrupt
#: (IPython's 'KeyboardInterrupt   Traceback ...' too), or a shell prompt ('$ python ...',
#: '(venv) user@host:~/x$ ...') where a run was started again.
_INTERRUPTION_RE = re.compile(
    r"^\s*(?:Traceback \(most recent call last\)|KeyboardInterrupt\b"
    r"|[\w.]*(?:Error|Exception)\s*:|(?:\(\S+\)\s*)?(?:[\w.@-]+(?::\S*)?)?\$\s)")


def interrupts(text: str) -> bool:
    """``text`` is a traceback's, an error's or a shell prompt's line (see above).

    >>> [interrupts(t) for t in ("Traceback (most recent call last):", "$ python train.py",
    ...  "ResourceExhaustedError: OOM", "KeyboardInterrupt: ", "Epoch 00004: saving model")]
    [True, True, True, True, False]
    """
    return _INTERRUPTION_RE.match(text) is not None


#: Keras 2's line before a fit on arrays, whose counter then counts samples.
_SAMPLES_RE = re.compile(r"^\s*Train on (\d+) samples\b")


def samples_total(text: str) -> int | None:
    """The N of Keras 2's ``Train on N samples``, else None."""
    found = _SAMPLES_RE.match(text)
    return int(found[1]) if found is not None else None


@dataclass
class Partial:
    """The progress drawings of an epoch that has not finished (yet)."""

    line: int
    last: ProgressLine | None = None
    nan_from_step: dict[str, int] = field(default_factory=dict)
    first_step: int | None = None  # the step of the first drawing in the log
    line_of_last: int = 0  # the line of the last drawing
    # the counter counts samples (Keras 2's 'Train on 60000 samples'), not steps
    samples: bool = False
    increment: int | None = None  # between the last two drawings

    def add(self, progress: ProgressLine, number: int) -> None:
        if self.last is None:
            self.first_step = progress.current
        elif progress.current is not None and self.last.current is not None:
            self.increment = progress.current - self.last.current
        self.last, self.line_of_last = progress, number
        for name in progress.nan_metrics():
            self.nan_from_step.setdefault(name, progress.current or 0)

    @property
    def batch(self) -> int | None:
        """Samples a drawing moves the counter on (its last move; 1024 when the log draws
        once), None for a counter of steps."""
        if not self.samples:
            return None
        return self.increment if self.increment and self.increment > 0 else 1024

    @property
    def unit(self) -> str:
        return "sample" if self.samples else "step"


@dataclass
class RunBuilder:
    name: str | None
    first_line: int
    last_line: int = 0
    epochs: list[dict[str, float]] = field(default_factory=list)
    labels: list[int | None] = field(default_factory=list)  # "Epoch i/N" as printed
    step_seconds: list[float | None] = field(default_factory=list)
    steps: list[int | None] = field(default_factory=list)
    closing_lines: list[int] = field(default_factory=list)  # each epoch's, 1-based
    notes: list[str] = field(default_factory=list)
    last_epoch_index: int = 0
    epoch_total: int | None = None
    repeated_headers: int = 0  # "Epoch 1/1" headers read as the next epoch of this run
    leading_line: int | None = None  # epoch 1 read without its header, until epoch 2 agrees
    bare_lines: list[int] = field(default_factory=list)  # "name: value" only, no counter/time
    restored_epoch: int | None = None  # EarlyStopping's restore message
    restored_at: int | None = None  # epochs the run held when an epoch began after it
    cut_short: CutShort | None = None  # an epoch whose figures cover part of its steps
    last_unfinished: bool = False  # the last epoch is read from a drawing, not its closing line
    ran_out_epoch: str = ""  # the input ran out in this epoch before any value was drawn
    # position -> (lowest, highest) number an epoch counted on between two cuts may have
    unknown_numbers: dict[int, tuple[int, int]] = field(default_factory=dict)

    def restored_after(self) -> int:
        """The number of the epoch after which the restore message appeared, when more
        epochs of this run follow it (training went on from the restored weights); else 0."""
        if (self.restored_epoch is None or self.restored_at is None
                or not 0 < self.restored_at < len(self.epochs)):
            return 0
        return self.epoch_numbers()[self.restored_at - 1]
    named_note: str | None = None  # the note on a first epoch numbered by a callback message

    @property
    def headerless(self) -> bool:
        """Every epoch so far came without an ``Epoch i/N`` header."""
        return bool(self.epochs) and self.epoch_total is None

    def epoch_numbers(self) -> list[int]:
        """The epoch numbers: as printed, headerless ones counted from their neighbours, and
        a run of repeated ``Epoch 1/1`` headers counted 1, 2, 3..."""
        if self.repeated_headers:
            return list(range(1, len(self.labels) + 1))
        known = [(position, label) for position, label in enumerate(self.labels)
                 if label is not None]
        if not known:
            return list(range(1, len(self.labels) + 1))
        first_position, first_label = known[0]
        start = max(1, first_label - first_position)
        numbers = []
        for label in self.labels:
            numbers.append(label if label is not None else (numbers[-1] + 1 if numbers
                                                            else start))
        return numbers


@dataclass
class EpochBlock:
    index: int | None
    total: int | None
    line: int
    finals: list[tuple[int, ProgressLine]] = field(default_factory=list)
    partial: Partial | None = None
    learning_rate: float | None = None  # as the last cut before the epoch began left it
    messages: list[int] = field(default_factory=list)  # lines of other text in the block
    # a callback's message naming this epoch ('Epoch 00001: val_loss improved ...'), which
    # Keras prints as the epoch ends: the epoch finished even when its closing line is missing
    end_message: int | None = None
    # a drawing of this epoch cut off before its first value: (line, step, steps)
    valueless: tuple[int, int, int | None] | None = None
    # the logs dict a callback printed at this epoch's end: (line, values)
    printed_logs: tuple[int, dict[str, float]] | None = None
    # TensorFlow's "Your input ran out of data" warning in this epoch: (line, the drawing
    # glued before it or the last one before it, the batches it says fit() asked for)
    ran_out: tuple[int, ProgressLine | None, int | None] | None = None
    # the last line of a traceback, an error or a shell prompt in this epoch: after its last
    # drawing, the epoch crashed or was interrupted, whatever header follows (a resumed run
    # prints 'Epoch 5/50' after epoch 4's crash)
    interrupted: int = 0


def printed_epoch(run: RunBuilder, block: EpochBlock, label: str) -> None:
    """An epoch with no closing line whose ``logs`` dict a callback printed at its end
    (costar_plan#442): that dict's values are the epoch's final ones."""
    number, values = block.printed_logs
    last = block.partial.last if block.partial is not None else None
    run.epochs.append(dict(values))
    run.labels.append(block.index)
    run.step_seconds.append(None)
    run.steps.append(last.target if last is not None else None)
    run.closing_lines.append(number)
    run.last_line = number
    validation = [name for name in values if name.startswith("val_")]
    run.notes.append(
        f"{label} (line {block.line}) has no closing progress line: its values are read "
        f"from the logs dict printed at line {number} (it holds {', '.join(validation)}, "
        "which Keras has only at an epoch's end, so they are the epoch's final values)"
        + (f", not from the last drawing's running means (step {last.current}"
           + (f" of {last.target})" if last.target else ")") if last is not None else ""))
    if block.index is not None:
        run.last_epoch_index, run.epoch_total = block.index, block.total
