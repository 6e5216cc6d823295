"""Every numerical choice of the metric-series checks, named."""

from __future__ import annotations

from dataclasses import dataclass

#: How close a value must be to a formula, a baseline or another run's value to match it
#: (Keras prints four decimals).
SATURATION_TOLERANCE = 1e-3


@dataclass(frozen=True)
class SaturationThresholds:
    """Every numerical choice of the saturation checks but the matching tolerance."""

    flat_spread: float = 1e-4
    """A series whose last values stay within this of each other is flat (Keras prints four
    decimals, so 1e-4 is "the same number as printed")..."""
    flat_relative_spread: float = 0.01
    """...and within this share of their size (so a loss falling from 3e-5 to 2e-5 is not
    flat). A score at 1 (perfect, within ``flat_spread``) is never called flat or identical:
    perfect scores agree trivially."""
    min_flat_epochs: int = 3
    """How many final epochs must be flat before it is reported."""
    min_repeated_values: int = 3
    """Two last epochs that repeat every value of at least this many metrics (a training
    loss and a validation value among them) exactly are flat too: a model that learns does
    not repeat them all to the printed digits (autokeras#928: loss, accuracy, val_loss and
    val_accuracy alike at epochs 1 and 2, their drawings too)."""
    max_repeat_fall: float = 0.5
    """...unless the training loss had fallen by more than this share of its first value
    before the repeat: a converged run repeats its last printed digits too (review of pass
    16: 0.2431 -> 0.0091, then 0.0091 again)."""
    min_repeat_digits: int = 3
    """...or the repeated training loss prints fewer significant digits than this (0.0091 at
    four decimals): two such values agree by rounding, not by a frozen model."""
    min_identical_epochs: int = 2
    """Common epochs two runs need before "identical" is claimed."""
    max_true_negative_share: float = 0.05
    """An (accuracy, Dice) pair matches the all-ones fingerprint only if the share of pixels
    it implies were correctly predicted background is at most this (near a = 1 every model's
    Dice approaches 2a/(1+a); this keeps a good model on balanced data from passing for a
    constant one)."""
    empty_prediction_dice: float = 0.01
    """A Dice up to this (or the tolerance, if larger) counts as the 0 of an empty
    prediction: a smoothed Dice scores an empty prediction s/(T+s), at most 0.01 with s = 1
    on objects of 100 pixels or more."""
    range_slack: float = 1e-6
    """Float error allowed outside [0, 1] before a metric is out of range."""
    gap_score: float = 0.08
    """Train minus validation Dice/IoU/accuracy above this is a gap."""
    early_gap_epochs: int = 5
    """A train/validation gap judged at or before this epoch is early: Keras's training
    figures are measured in training mode (BatchNormalization on each batch's statistics,
    dropout, augmented inputs), the validation ones in inference mode, and
    BatchNormalization's moving statistics (momentum 0.99: 0.99^100 = 37 % of their start
    left after 100 steps) need hundreds of steps to approach the data's; a gap this early is
    as likely that difference as overfitting (unetdiag train on ISBI, 3 epochs of 2 steps:
    dice 0.4962 vs val_dice 0.0336, while the model scored 0.049 on its own training images
    in inference mode)."""
    min_epochs_to_stop_earlier: int = 3
    """"Stop earlier" is advice for a run that reached at least this epoch: after two, it
    would mean keeping the first epoch's weights, which no gap justifies."""
    no_overlap_score: float = 0.05
    """A validation Dice/IoU at or below this at every epoch logged, while..."""
    learned_overlap_score: float = 0.5
    """...the training one reached this, never overlapped the validation masks: a gap there
    from the first epoch is the validation data's or its scoring's, not overfitting (which
    starts from a level both sets share). Argument: a pooled Dice of 0.05 with as many
    pixels predicted as labelled finds one mask pixel in 20; a training Dice of 0.5 is ten
    times that, so the model did learn to overlap masks. Measured on the corpus (110 logs):
    of the runs whose training Dice/IoU reached 0.5, the lowest best validation values are
    0.0265 (musket_core's guide, validation masks or scoring unlike training's) and then
    0.0826 (sm_354, a softmax IoU gap); 0.05 lies between them. The runs whose validation
    score stayed below 0.05 otherwise reached at most 0.022 in training too (nothing
    learned in either set), far below 0.5."""
    low_dice: float = 0.5
    """A Dice below this in training and in validation at every epoch logged (predicted and
    true foreground sharing less than half their combined size) is said, as info, of a run
    that reached..."""
    min_low_dice_epoch: int = 10
    """...this epoch (as the log numbers them): the first epochs of every run are low.
    Measured on the corpus (110 logs): the runs it names reached epoch 24 or later (two
    BraTS CSVLogger files, best Dice 0.29 and 0.45); the one-epoch and three-epoch logs
    below 0.5 are starts, not runs."""
    rising_epochs: int = 3
    """A validation score best at its last epoch and up by ``rising_gain`` over this many
    epochs was still rising when training stopped."""
    rising_gain: float = 0.01
    """See ``rising_epochs``."""
    loss_rise: float = 0.05
    """A validation loss this share above its best, ``loss_rise_epochs`` or more epochs after
    it, while the training loss fell, rose after its best epoch."""
    loss_rise_epochs: int = 2
    """See ``loss_rise``."""
    iou_above_dice: float = 0.02
    """An IoU this far above the Dice of its phase measures something else (IoU <= Dice)."""
    iou_below_dice_relation: float = 0.02
    """An IoU this far below the ``D/(2-D)`` of its phase's Dice is outside what averaging
    explains (averaged over the same images or batches, ``D/(2-D) <= IoU <= D``); the
    corpus's healthy runs fall at most 0.0068 below it (faceseg, docs/real-logs.md)."""
    loss_jump_ratio: float = 100.0
    """A training loss this many times its value at the epoch before has jumped..."""
    loss_jump_epochs: int = 3
    """...and so has one that rose that many times over up to this many consecutive epochs,
    higher at each (signlang: 0.00089, 0.0506, 0.4539: 57x then 9x, 510x in two). A training
    loss that converges falls, and one that drifts up does so by a few percent an epoch;
    100x in three epochs is over 4.6x every epoch, a blow-up however it is spread."""
    loss_magnitude: float = 1e5
    """A training loss above this is out of reach of bounded losses on labels in [0, 1] or
    0..255 (:mod:`.loss_size`)."""
    training_loss_fall: float = 0.02
    """...while the training loss fell by at least this share since the validation loss's best
    (less is a flat training loss, not a model fitting the training set better)."""
    gap_loss_ratio: float = 1.5
    """Validation loss above this multiple of a positive training loss is a gap..."""
    gap_loss_min: float = 0.05
    """...when it is also at least this much larger."""
    unstable_loss_ratio: float = 10.0
    """A validation loss this many times the training loss at..."""
    min_unstable_epochs: int = 2
    """...this many epochs or more of a run whose last ``min_flat_epochs`` agree (within
    ``gap_loss_ratio``) was unstable early: an order of magnitude is far beyond what
    overfitting or Keras's epoch-mean training figure explains. A single such epoch (the
    first, while BatchNormalization's moving statistics are still far from the data's) is
    left unsaid: in the corpus (110 logs) every run with one epoch at 10x or more has it at
    the first epoch logged. No corpus run has two such first epochs and then converged, so 2
    rests on no measurement; the finding is therefore info when the wild epochs are the
    first ones in a row (a start that settled once) and a warning only when the ratio comes
    back after an epoch below it (the Korean notebook: epochs 1, 3 and 5), which no start-up
    cause explains."""
    diverged_loss_ratio: float = 1e3
    """A validation loss this many times the training loss has diverged, not merely drifted..."""
    diverged_min_loss: float = 10.0
    """...when it is also at least this large: beside a training loss of 0.001, a validation
    loss of 1.9 is 2,000 times larger and is overfitting, not outputs that blow up (a
    cross-entropy over 1,000 classes at chance is 6.9; Keras clips BCE at 16.1 a pixel)."""
    perfect_score: float = 5e-5
    """An accuracy within this of 1 prints as 1.0000 (Keras's four decimals)."""
    uninformative_accuracy: float = 0.01
    """An accuracy at or below this, frozen while the loss moves, counts no exact match: what
    continuous targets (a regression) score; it says nothing about learning."""
    schedule_cut_ratio: float = 0.1
    """A plateau where the learning rate is at most this share of the run's highest is the
    schedule's doing (ReduceLROnPlateau at its floor), not saturation."""
    collapse_from: float = 0.1
    """A Dice/IoU that falls from at least this to the 0 of an empty prediction collapsed."""
    printed_precision: float = 1e-4
    """Half the last printed digit and then some: a logged loss within this of ln 2 is ln 2."""
    printed_half_unit: float = 5e-5
    """Half the last of Keras's four printed decimals: a printed value is within this of the
    one computed (values below 1e-3 print in e-notation, closer still). A sum of n printed
    parts is within n times this of the parts' true sum (:mod:`.loss_sum`)."""
    min_prior_epochs: int = 2
    """Epochs a loss must sit at a constant prediction's entropy before it is reported."""
    small_negative_loss: float = 1.0
    """A loss that stays above minus this while every score stays in [0, 1] is below 0 by its
    own construction: labels on 0-255 push 1 - Dice towards -1 and the scores above 1."""
    majority_headroom_share: float = 0.5
    """An accuracy that closes less than this share of the way from the majority-class share
    to 1 is "barely above the majority class"."""
    one_class_mean_iou_spread: float = 0.01
    """A two-class mean IoU that stays within this of itself (below 0.5) while..."""
    moving_score_spread: float = 0.05
    """...another overlap score of the same phase spans at least this has one class's IoU
    stuck at 0 (Keras's MeanIoU fed probabilities)."""
    step_time_info_ratio: float = 3.0
    """A run this many times slower per step than the others: info..."""
    step_time_warning_ratio: float = 10.0
    """...and this many times slower: warning."""


DEFAULT_THRESHOLDS = SaturationThresholds()
