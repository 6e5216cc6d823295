"""Judgements over metric series: when a run's numbers are arithmetic, not learning.

This is the one package that judges metric series. ``unetdiag explain-log`` calls it on a
parsed log; the trainer's callback calls it with the live ``History`` and with baselines
measured from the data. Everything here is pure NumPy. One job per module:

* :mod:`.metrics`: metric names (validation or not, which kind) and series extraction;
* :mod:`.thresholds` and :mod:`.ids`: every numerical choice, and the finding ids;
* :mod:`.algebra`: what constant predictors score, and the assumptions each claim rests on;
* :mod:`.evidence`: the typed claims the checks return;
* :mod:`.series` (one run), :mod:`.constant` (constant predictors), :mod:`.runs` (several
  runs): the measurements, each yielding claims;
* :mod:`.wording`: claims into titles, explanations and fixes;
* :mod:`.checks`: the public checks, measurement then wording.

Some saturated numbers are fingerprints. For a pooled (whole-set) hard Dice, an accuracy
``a`` and a Dice ``d`` satisfy ``d = 2a/(1+a)`` exactly when no background pixel is predicted
background, i.e. the model predicts foreground everywhere on data whose foreground fraction
is ``a`` (the IoU of that predictor is ``a`` too). The original project logged val_accuracy
0.9950 and val_dice_coef 0.9975 = 2*0.995/1.995: an all-ones predictor on masks that are
99.5 % foreground. A Dice near 0 next to a high accuracy is the all-zeros predictor, with
foreground fraction ``1 - a``. A Dice above 1 or a negative loss means labels above 1.

>>> fingerprint_all_ones(0.9950, dice=0.9975)["foreground_fraction"]
0.995
>>> [f.id for f in check_series("MP_Tr_Dice", {"val_accuracy": [0.995] * 3,
...                                            "val_dice_coef": [0.9975] * 3})]
['saturation.all_ones_predictor', 'saturation.flat_metric']
"""

from unetdiag.diag.checks.saturation import ids
from unetdiag.diag.checks.saturation.algebra import (
    WORSE_THAN_ANY_CONSTANT_ACCURACY,
    Assumption,
    ConstantPredictorFit,
    fingerprint_all_ones,
    fingerprint_all_zeros,
    max_soft_dice,
)
from unetdiag.diag.checks.saturation.checks import (
    check_across_runs,
    check_prediction_collapse,
    check_series,
)
from unetdiag.diag.checks.saturation.constant import (
    FOREGROUND_FRACTION_KEY,
    VAL_FOREGROUND_FRACTION_KEY,
    resolve_baselines,
)
from unetdiag.diag.checks.saturation.ids import *  # noqa: F403  (the finding ids: ids.__all__)
from unetdiag.diag.checks.saturation.metrics import (
    NON_METRIC_KEYS,
    STEP_SECONDS_KEY,
    STEPS_PER_EPOCH_KEY,
    VALIDATION_PREFIX,
    is_validation,
    metric_kind,
)
from unetdiag.diag.checks.saturation.thresholds import (
    DEFAULT_THRESHOLDS,
    SATURATION_TOLERANCE,
    SaturationThresholds,
)
from unetdiag.diag.checks.saturation.wording import all_ones_formula, describe_fingerprint
from unetdiag.diag.wording.text import join_names
from unetdiag.diag.wording.text import percent as format_percent

__all__ = [
    *ids.__all__,
    "DEFAULT_THRESHOLDS", "SATURATION_TOLERANCE", "SaturationThresholds",
    "NON_METRIC_KEYS", "STEP_SECONDS_KEY", "STEPS_PER_EPOCH_KEY", "VALIDATION_PREFIX",
    "FOREGROUND_FRACTION_KEY", "VAL_FOREGROUND_FRACTION_KEY", "WORSE_THAN_ANY_CONSTANT_ACCURACY",
    "Assumption", "ConstantPredictorFit",
    "check_across_runs", "check_prediction_collapse", "check_series", "resolve_baselines",
    "fingerprint_all_ones", "fingerprint_all_zeros", "max_soft_dice",
    "is_validation", "metric_kind", "all_ones_formula", "describe_fingerprint",
    "join_names", "format_percent",
]
