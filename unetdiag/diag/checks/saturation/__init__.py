"""Judgements over metric series: when a run's numbers are arithmetic, not learning.

This is the one package that judges metric series. ``unetdiag explain-log`` calls it on a
parsed log; the trainer's callback calls it with the live ``History`` and with baselines
measured from the data. Everything here is pure NumPy. One job per module:

* :mod:`.metrics`: metric names (validation or not, which kind, multi-class or not), series
  extraction and the epochs' numbers;
* :mod:`.thresholds` and :mod:`.ids`: every numerical choice, and the finding ids;
* :mod:`.algebra`: what constant predictors score, and the assumptions each claim rests on;
* :mod:`.evidence`: the typed claims the checks return (with their assumptions and causes);
* :mod:`.series` (NaN, plateaus, gaps), :mod:`.stability` (a validation loss wild early,
  then converged), :mod:`.scale` (values outside [0, 1]), :mod:`.loss_size` (losses too
  large or blowing up), :mod:`.loss_sum` (a total against the parts it sums),
  :mod:`.constant` (constant predictors), :mod:`.degenerate` (perfect accuracy, the class
  prior, ln 2, a collapse), :mod:`.runs` (several runs): the measurements, each yielding claims;
* :mod:`.wording` (with :mod:`.wording_scale`, :mod:`.wording_series`, :mod:`.wording_fit`,
  :mod:`.wording_mean_iou`, :mod:`.wording_sums`, :mod:`.words`): claims into titles,
  explanations and fixes;
* :mod:`.checks`: the public checks, measurement then wording;
* :mod:`.reconcile`: a fingerprint checked against a measured foreground fraction (train,
  evaluate).

Some saturated numbers are fingerprints. For binary labels and a pooled (whole-set) hard
Dice, an accuracy ``a`` and a Dice ``d`` satisfy ``d = 2a/(1+a)`` exactly when no pixel is
correctly predicted background (TN = 0); predicting foreground everywhere does that, and is
the only such prediction when the foreground fraction is ``a``. The original project logged
val_accuracy 0.9950 and val_dice_coef 0.9975 = 2*0.995/1.995: consistent with an all-ones
predictor on masks that are 99.5 % foreground (a caller that measured the masks proves it
by passing their foreground fraction in ``baselines``). A Dice of 0 means no true positive;
next to a high accuracy it is consistent with the all-zeros predictor, on data at most
``1 - a`` foreground. A Dice above 1 or a negative
loss is impossible for labels and predictions in [0, 1]: the other metrics decide whether the
labels, the predictions or the loss's own construction are to blame.

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
    check_best_epoch,
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
from unetdiag.diag.checks.saturation.words import (
    TRAINING_RUN,
    SeriesSubject,
    all_ones_formula,
    describe_fingerprint,
)
from unetdiag.diag.wording.text import join_names
from unetdiag.diag.wording.text import percent as format_percent

__all__ = [
    *ids.__all__,
    "DEFAULT_THRESHOLDS", "SATURATION_TOLERANCE", "SaturationThresholds",
    "NON_METRIC_KEYS", "STEP_SECONDS_KEY", "STEPS_PER_EPOCH_KEY", "VALIDATION_PREFIX",
    "FOREGROUND_FRACTION_KEY", "VAL_FOREGROUND_FRACTION_KEY", "WORSE_THAN_ANY_CONSTANT_ACCURACY",
    "Assumption", "ConstantPredictorFit",
    "check_across_runs", "check_best_epoch", "check_prediction_collapse", "check_series",
    "resolve_baselines",
    "fingerprint_all_ones", "fingerprint_all_zeros", "max_soft_dice",
    "is_validation", "metric_kind", "all_ones_formula", "describe_fingerprint",
    "SeriesSubject", "TRAINING_RUN",
    "join_names", "format_percent",
]
