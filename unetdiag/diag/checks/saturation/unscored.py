"""A validation phase whose loss and score are both 0: values no validation predictions
give, with their typed evidence (the sentences are in
:mod:`~unetdiag.diag.checks.saturation.wording_unscored`).

A validation loss of 0 means every validation prediction is exactly right; a classifier's
validation accuracy of 0 means none is, and a PSNR of 0 dB or an SSIM of 0 a reconstruction
far off. No predictions give both, so such values are not measurements of the model's
validation predictions. A Dice or IoU of 0 alone does not count (empty validation masks
predicted empty score 0 with a Dice that has no smoothing term, beside a loss that Keras 2.2
and earlier print as 0.0000), nor an accuracy whose training twin is at most 0.01 (exact
matches of continuous targets, a regression's). Keras prints a metric that no batch
updated as 0 (its mean over no batches), and two public cases print exactly this:
``validation_data`` passed as a list ``[x_val, y_val]``, which tf.keras 2.2 and later read
as inputs without targets, printing 0 for every validation value at every epoch
(tensorflow/tensorflow#39370, keras-vggface#66's ``val_loss: 0.0000e+00 - val_accuracy:
0.0000e+00``); and TensorFlow 2.0-2.1's progress bar on a dataset of unknown length, which
printed 0 for the first epoch's validation values only (tensorflow/tensorflow#34457, and
TensorFlow tutorials of that time). The claim needs the training loss positive at those
epochs (a loss negative by design, ``-dice``, is 0 when the Dice is 0), and the values found
are left out of every other check: a gap against them, or a flat validation metric at 0,
would describe no predictions.

>>> history = {"loss": [3.1, 3.0], "accuracy": [0.97, 0.97], "val_loss": [0.0, 0.0],
...            "val_accuracy": [0.0, 0.0]}
>>> unscored = validation_not_scored("run 1", history)
>>> unscored.epochs, unscored.every_epoch, without_unscored(history, unscored)["val_loss"]
([1, 2], True, [None, None])
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, MetricsClaim
from unetdiag.diag.checks.saturation.metrics import (
    EPOCH_KEY,
    NON_METRIC_KEYS,
    is_validation,
    metric_kind,
)
from unetdiag.diag.checks.saturation.zero_loss import finer_than_four_decimals
from unetdiag.diag.core.findings import Severity

#: How Keras 2.3+ prints a 0 (exactly 0); Keras before it printed 0.0000 (below 5e-05).
EXACT_ZERO = "0.0000e+00"

#: Image-quality scores whose 0 contradicts a loss of 0: a loss of 0 is a perfect
#: reconstruction, whose PSNR is infinite and SSIM 1 (keras#14198: ``val_loss: 0.0000e+00 -
#: val_PSNR: 0.0000e+00``). Not a dissimilarity (``dssim``, 1 - SSIM) nor a loss named as one
#: (``ssim_loss``): their 0 is that same perfect reconstruction, in agreement with the loss.
_QUALITY_RE = re.compile(r"psnr|ssim", re.IGNORECASE)
_DISSIMILARITY_RE = re.compile(r"dssim", re.IGNORECASE)
#: A training accuracy at or below this says the accuracy counts exact matches of continuous
#: targets (a regression), whose 0 beside a loss printed 0.0000 (below 5e-5) is no contradiction.
_REGRESSION_ACCURACY = 0.01


def _contradicts_zero_loss(history: Mapping[str, Sequence[float | None]], name: str,
                           index: int) -> bool:
    """Whether ``name`` at 0 contradicts a validation loss of 0: an accuracy whose training
    twin is above 0.01 (a classifier's; a loss of 0 makes it 1), or a PSNR or SSIM. A Dice
    or IoU does not: a validation set of empty masks predicted empty scores 0 with a Dice
    that has no smoothing term, beside a loss that prints 0.0000. Nor does an SSIM loss or
    a DSSIM (1 - SSIM), whose 0 a perfect reconstruction gives."""
    if metric_kind(name) == "loss" or _DISSIMILARITY_RE.search(name):
        return False
    if _QUALITY_RE.search(name):
        return True
    twin = _value(history, name[len("val_"):], index) if name.startswith("val_") else None
    return metric_kind(name) == "accuracy" and twin is not None and math.isfinite(twin) \
        and twin > _REGRESSION_ACCURACY


@dataclass(frozen=True)
class ValidationNotScored(MetricsClaim):
    """Epochs at which the validation loss and a validation score are both exactly 0.

    ``metrics``: validation name -> the epochs (as the log numbers them) at which it is
    exactly 0 together with the others; ``epochs``: those epochs; ``every_epoch``: they are
    every epoch the validation phase logs; ``first_only``: only the first epoch, with later
    ones measured (TensorFlow 2.0-2.1's first-epoch display); ``training_loss``: the
    training loss at the last of those epochs; ``printed``: how the log prints those zeros
    when it says (``0.0000e+00``: exactly 0; ``0.0000``: four decimals, so at most 5e-05),
    ``""`` when it does not; ``exact``: the zeros are exactly 0 (e-notation, or a history
    that shows some value to more than four decimals).
    """

    epochs: list[int]
    every_epoch: bool
    first_only: bool
    training_loss: float
    printed: str = ""
    exact: bool = True
    severity: Severity = field(default=Severity.WARNING, metadata=NOT_REPORTED)


def _value(history: Mapping[str, Sequence[float | None]], name: str, index: int) -> float | None:
    values = history.get(name, ())
    return values[index] if index < len(values) else None


def validation_not_scored(run: str, history: Mapping[str, Sequence[float | None]],
                          printed: str = "") -> ValidationNotScored | None:
    """The epochs whose validation loss and a validation accuracy (of a classifier), PSNR
    or SSIM are 0 while the training loss is positive, or None. ``printed``: how the log
    prints a zero (``0.0000e+00`` or ``0.0000``), ``""`` when the caller does not know."""
    names = [name for name in history if name not in NON_METRIC_KEYS]
    validation = [name for name in names if is_validation(name)]
    val_loss = next((name for name in validation if name == "val_loss"),
                    next((name for name in validation if metric_kind(name) == "loss"), None))
    loss = "loss" if "loss" in history else None
    if val_loss is None or loss is None:
        return None
    count = len(history[val_loss])
    numbers = history.get(EPOCH_KEY) or [float(i + 1) for i in range(count)]
    zeroed: dict[str, list[int]] = {}
    epochs: list[int] = []
    logged: list[int] = []
    last_loss = math.nan
    for index in range(count):
        if _value(history, val_loss, index) is None:
            continue
        logged.append(index)
        training = _value(history, loss, index)
        if _value(history, val_loss, index) != 0.0 or training is None \
                or not math.isfinite(training) or training <= 0:
            continue
        if not any(name != val_loss and _value(history, name, index) == 0.0
                   and _contradicts_zero_loss(history, name, index) for name in validation):
            continue
        epoch = int(numbers[index])
        epochs.append(epoch)
        last_loss = training
        for name in validation:
            if _value(history, name, index) == 0.0:
                zeroed.setdefault(name, []).append(epoch)
    if not epochs:
        return None
    every = len(epochs) == len(logged)
    first_only = not every and len(epochs) == 1 and epochs[0] == int(numbers[logged[0]])
    return ValidationNotScored(
        run, {name: {"epochs": found} for name, found in zeroed.items()}, epochs, every,
        first_only, float(last_loss), printed,
        exact=(printed == EXACT_ZERO if printed else finer_than_four_decimals(history)),
        severity=Severity.INFO if first_only else Severity.WARNING)


def without_unscored(history: Mapping[str, Sequence[float | None]],
                     claim: ValidationNotScored | None) -> dict[str, list[float | None]]:
    """The history with the values ``claim`` found replaced by None (not logged), so that no
    other check reads them as measurements."""
    result = {name: list(values) for name, values in history.items()}
    if claim is None:
        return result
    numbers = history.get(EPOCH_KEY) or [float(i + 1) for i in range(len(history["loss"]))]
    for name, data in claim.metrics.items():
        for index, number in enumerate(numbers):
            if int(number) in data["epochs"] and index < len(result[name]):
                result[name][index] = None
    return result
