"""What every log reader returns: :class:`RunLog`, one training run, and the pieces the
readers share (:class:`LogFormatError`, the number syntax, unique run names).

``nan`` and ``inf`` are kept as floats: they are evidence, not noise.

>>> run = RunLog("demo", [{"loss": 0.5}, {"loss": float("nan"), "val_loss": 0.4}], [2.0, None], "")
>>> run.metrics(), run.history()["val_loss"], to_float("-inf"), to_float("2s/step")
(['loss', 'val_loss'], [None, 0.4], -inf, None)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.checks.saturation.metrics import (
    EPOCH_KEY,
    STEP_SECONDS_KEY,
    STEPS_PER_EPOCH_KEY,
)


class LogFormatError(ValueError):
    """The text is not a training log of the kind the parser was asked to read (one line)."""


@dataclass(frozen=True)
class CutShort:
    """An epoch whose figures are running means over part of its steps: the log ends inside
    it (``cause`` "log ends"; "terminated" when TerminateOnNaN's message follows its last
    drawing), or TensorFlow's input ran out there and its closing line repeats the values
    drawn at that step ("input ran out").

    ``position``: the epoch's 0-based place in the run; ``epoch``: its number as its header
    prints it (None: no header); ``step`` of ``steps`` (None: the counter shows no total);
    ``batch``: for a counter of samples, the samples a drawing moves it on (see
    :attr:`~unetdiag.diag.logs.console_state.Partial.batch`), None for one of steps.
    """

    position: int
    epoch: int | None
    step: int
    steps: int | None
    cause: str
    batch: int | None = None


@dataclass
class RunLog:
    """One training run read from a log.

    Attributes:
        name: the run's name (from a header line such as ``Training MP_Tr_BCE on ...``, a
            JSON key, or ``run 1``, ``run 2``... when the log names none).
        epochs: one dict per epoch, metric name -> value (NaN kept as ``float('nan')``). A
            metric missing from an epoch (a cut line) is absent from that epoch's dict.
        step_seconds: seconds per training step of each epoch as Keras printed it (``2s/step``
            -> 2.0), ``None`` when the log does not say.
        source: where the run was read from, e.g. ``"train.log: Keras console log, lines 18-32"``.
        steps_per_epoch: steps of each epoch (the ``370`` of ``370/370``), ``None`` if unknown.
        notes: what the parser skipped or repaired in this run, in plain words.
        epoch_numbers: each epoch's number as the log counts them (``Epoch 96/100`` -> 96;
            a CSVLogger's 0-based ``epoch`` + 1); empty means 1, 2, 3...
        restored_epoch: the epoch whose weights ``EarlyStopping(restore_best_weights=True)``
            restored at the end, as its message names it (0: restored, epoch not named;
            None: no such message).
        restored_after: when more epochs of the run follow that message (a later
            ``fit(initial_epoch=...)`` with the same total), the number of the epoch after which
            it appeared; the run trained on from the restored weights, so the model it ends with
            is not the restored epoch's. 0: no epoch follows the message.
        zeros_printed: how the run's lines print a metric's 0: ``"0.0000e+00"`` (Keras 2.3+:
            exactly 0) or ``"0.0000"`` (four decimals: at most 5e-05); ``""`` when they
            print none, both, or the log is no Keras console log.
        printed_half_units: metric -> how far the value behind its prints may lie from the
            value read, half a unit of the last decimal printed (a console log's; the value
            alone does not say it: ``99.5%`` read as 0.995 stands for 0.9945-0.9955, not a
            four-decimal 0.9950's 5e-05).
        custom_loop: read from a custom training loop's own lines, not Keras's fit() output.
        appended_fit: this run's place (1, 2, ...) among several fit() calls appended to one
            CSVLogger file (``append=True``: the epoch column starts again at 0), 0 when it
            is not one of them. Whether a later fit trained the same model further or a new
            one, the file does not say. ``appended_row``: the line of the file (the header
            line 1) at which a later one's epoch column starts again (0 for the first).
        cut_short: an epoch whose figures cover part of its steps (:class:`CutShort`).
        last_unfinished: the run's last epoch is read from its last progress drawing, its
            closing line not in the log: it did not finish there, though the values of one
            drawn to its last step are the epoch's training values.
        epochs_announced: the N of the run's last ``Epoch i/N`` header (None: no header, or
            a log kind that prints none); a run whose last epoch is below it ends in the log
            before fit() was done.
        ran_out_epoch: the epoch (``"epoch 2/10"``) in which TensorFlow warned that the input
            ran out of data before the log shows any value of it, else ``""``: training
            stopped after the epoch before it.
        checkpoint_stalls: ModelCheckpoint's "did not improve" verdicts on the run's last
            epochs, one per metric monitored
            (:func:`unetdiag.diag.logs.checkpoint.checkpoint_stalls`).
        ended_by: what the log says ended training after the run's last closing line
            (EarlyStopping, TerminateOnNaN, TensorFlow's input running out, a KeyboardInterrupt,
            a traceback), else ``""``.
        ignored_after: Python reports an exception it ignored after the run's last closing
            line (``Exception ignored in: <function Pool.__del__ ...>``, a deleter's, often
            at interpreter exit): it ends no run, nor says whether training had stopped.
        resumed_at: positions (0-based) of epochs the log shows after what ended training
            after the epoch before them (EarlyStopping's message, a traceback, a
            KeyboardInterrupt...), with it: training went on in another fit() call, with a
            model, weights or settings the log does not name.
        unknown_numbers: epochs whose number the log leaves open (a closing line between two
            cuts, counted on in ``epoch_numbers``): position -> (lowest, highest) it may be.
    """

    name: str
    epochs: list[dict[str, float]]
    step_seconds: list[float | None]
    source: str
    steps_per_epoch: list[int | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    epoch_numbers: list[int] = field(default_factory=list)
    restored_epoch: int | None = None
    restored_after: int = 0
    zeros_printed: str = ""
    printed_half_units: dict[str, float] = field(default_factory=dict)
    custom_loop: bool = False
    appended_fit: int = 0
    appended_row: int = 0
    cut_short: CutShort | None = None
    last_unfinished: bool = False
    epochs_announced: int | None = None
    ran_out_epoch: str = ""
    unknown_numbers: dict[int, tuple[int, int]] = field(default_factory=dict)
    checkpoint_stalls: list[dict] = field(default_factory=list)
    ended_by: str = ""
    ignored_after: bool = False
    resumed_at: dict[int, str] = field(default_factory=dict)

    def metrics(self) -> list[str]:
        """Metric names in the order the log first shows them."""
        names: dict[str, None] = {}
        for epoch in self.epochs:
            names.update(dict.fromkeys(epoch))
        return list(names)

    def series(self, metric: str) -> np.ndarray:
        """Values of ``metric`` per epoch (float64); NaN where it is NaN *or* not logged.

        Use :meth:`history` to tell a NaN the model produced from a value the log lacks.
        """
        return np.array([epoch.get(metric, math.nan) for epoch in self.epochs], dtype=np.float64)

    def history(self) -> dict[str, list[float | None]]:
        """Keras-``History``-like dict: metric -> values per epoch, ``None`` where not logged.

        Adds ``"step_seconds"`` and ``"steps_per_epoch"`` when the log shows them (the keys
        :func:`unetdiag.diag.checks.saturation.check_across_runs` reads), and ``"epoch"`` when
        the epochs are not numbered 1, 2, 3... (the numbers the checks' findings quote).
        """
        result: dict[str, list[float | None]] = {
            name: [epoch.get(name) for epoch in self.epochs] for name in self.metrics()}
        if any(value is not None for value in self.step_seconds):
            result[STEP_SECONDS_KEY] = list(self.step_seconds)
        if any(value is not None for value in self.steps_per_epoch):
            result[STEPS_PER_EPOCH_KEY] = [None if v is None else float(v)
                                           for v in self.steps_per_epoch]
        if self.epoch_numbers and self.epoch_numbers != list(range(1, len(self.epochs) + 1)):
            result[EPOCH_KEY] = [float(number) for number in self.epoch_numbers]
        return result


def epoch_number(run: RunLog, position: int) -> int:
    """The number the log gives the run's epoch at ``position`` (0-based)."""
    return run.epoch_numbers[position] if run.epoch_numbers else position + 1


def epoch_words(run: RunLog, position: int) -> str:
    """``"epoch 4"``, or, for an epoch read between two cuts, ``"the epoch read between two
    cuts, numbered anywhere from 4 to 99"``: the number counted on is not the log's."""
    if position in run.unknown_numbers:
        low, high = run.unknown_numbers[position]
        return f"the epoch read between two cuts, numbered anywhere from {low} to {high}"
    return f"epoch {epoch_number(run, position)}"


def restored_position(run: RunLog) -> int | None:
    """Where (0-based) the epoch EarlyStopping restored is among the run's epochs, or None
    (no restore message, one naming no epoch, an epoch the log does not hold, or a message
    that more epochs of the run follow: the model it ends with is then the last epoch's)."""
    if not run.restored_epoch or run.restored_after:
        return None
    numbers = run.epoch_numbers or list(range(1, len(run.epochs) + 1))
    return numbers.index(run.restored_epoch) if run.restored_epoch in numbers else None


#: A number as Keras, CSV or JSON writes it: ``0.1115``, ``1e-04``, ``nan``, ``-inf``.
NUMBER_PATTERN = r"[-+]?(?:nan|inf(?:inity)?|\d+(?:\.\d*)?(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?)"
_NUMBER_RE = re.compile(rf"^{NUMBER_PATTERN}$", re.IGNORECASE)


def to_float(text: str) -> float | None:
    """A number as Keras, CSV or JSON writes it (``nan``, ``-inf``, ``1e-04``), else None."""
    text = text.strip()
    if not _NUMBER_RE.match(text):
        return None
    return float(text)


#: A decimal print's digits and exponent (``0.998``, ``2.8319e-06``, ``1e-5``).
_PRINT_RE = re.compile(r"^[-+]?(?P<digits>\d*\.?\d*)(?:e(?P<exponent>[-+]?\d+))?$", re.IGNORECASE)
#: More decimals than this: a float printed whole (``repr``), not rounded for the eye.
FULL_PRECISION_DECIMALS = 8


def _print_places(text: str) -> tuple[int, int] | None:
    """The decimal place of a number's last printed digit (``0.998``: 3, ``2.8319e-06``: 10,
    ``1e-5``: 5, ``96``: 0) and the decimals its digits show before any exponent (3, 4, 0,
    0); None for no decimal number (``nan``, ``inf``, text)."""
    match = _PRINT_RE.match(text.strip())
    if match is None or not any(char.isdigit() for char in match["digits"]):
        return None
    shown = len(match["digits"].partition(".")[2])
    return shown - int(match["exponent"] or 0), shown


def print_half_units(prints: dict[str, list[str]]) -> dict[str, float]:
    """Metric -> how far the value behind its last print may lie from it, for the metrics a
    log rounded for the eye: half a unit of that print's last decimal (``0.99``: 0.005,
    ``2.8e-06``: 5e-08). A print bounds its own rounding whatever its neighbours show (a
    format that drops trailing zeros writes 0.5 beside 0.9961), and the last is the value the
    fingerprints read; a whole number last (``'{:.3g}'`` writes 0.9996 as ``1``) takes the
    widest of the prints with decimals. A metric any of whose prints shows more than
    :data:`FULL_PRECISION_DECIMALS` decimals is printed whole (``repr``: its short prints are
    exact too) and left out, as are prints of no number.

    >>> print_half_units({"acc": ["0.9", "0.996"], "dice": ["0.71", "0.8", "1"],
    ...                   "loss": ["0.5", "0.123456789012"]})
    {'acc': 0.0005, 'dice': 0.05}
    """
    found: dict[str, float] = {}
    for name, texts in prints.items():
        places = [(text, place) for text in texts
                  if (place := _print_places(text)) is not None]
        if not places or max(shown for _, (_, shown) in places) > FULL_PRECISION_DECIMALS:
            continue
        last, (place, _) = places[-1]
        decimal = [place for text, (place, _) in places if re.search(r"[.eE]", text)]
        if not re.search(r"[.eE]", last) and decimal:
            place = min(decimal)
        found[name] = 0.5 * 10.0 ** -place
    return found


def unique_names(runs: list[RunLog]) -> list[RunLog]:
    """Two runs of the same name (a variant trained twice) get ``name (2)``, ``name (3)``."""
    seen: dict[str, int] = {}
    for run in runs:
        seen[run.name] = seen.get(run.name, 0) + 1
        if seen[run.name] > 1:
            run.name = f"{run.name} ({seen[run.name]})"
    return runs
