"""A train/validation gap read as what it may be besides overfitting: Keras measures the
training figures in training mode and the validation figures in inference mode. Of what
differs between the modes, BatchNormalization (each training batch normalised with its own
statistics, validation with moving averages that lag the data's early in a run) can put
training above validation; dropout, augmentation and the epoch mean usually put it below.
Early in a run, or with a gap as wide from the first epoch, the BatchNormalization reading
may well be the answer; only scoring the training data in inference mode tells it from
overfitting (unetdiag train on ISBI: dice 0.4962
vs val_dice 0.0336 after 3 epochs, while the model scored 0.049 on its own training images
in inference mode)."""

from __future__ import annotations

from collections.abc import Sequence

from unetdiag.diag.checks.saturation import evidence
from unetdiag.diag.wording.text import join_names

#: Why BatchNormalization's inference-mode outputs differ from its training-mode ones early.
BATCH_NORM_LAG = (
    "moving statistics (momentum 0.99 in Keras) need a few hundred steps "
    "to approach the data's (0.99^300 = 5 % of their starting values left), and until then "
    "inference-mode outputs differ from training-mode ones")

#: How Keras measures the two phases, for a run whose layers are not known (a log).
TRAINING_MODE = (
    "Keras measures the training figures in training mode, where BatchNormalization "
    "normalises each batch with its own statistics, and the validation figures in inference "
    "mode, where it uses moving averages of them (dropout, augmentation and the averaging "
    "of the training figures over the epoch also differ between the phases, but usually put "
    "the training figures below the validation ones)")

#: The same, for a custom training loop's numbers: the loop, not Keras, chose how each phase
#: was measured.
LOOP_MODE = (
    "this log comes from a custom training loop, which chose how each phase was measured: a "
    "loop that calls the model with training=True in its training step and training=False "
    "in its validation step (as TensorFlow's examples do) measures them as Keras's fit() "
    "does, BatchNormalization normalising each training batch with its own statistics and "
    "validation with moving averages of them (dropout and augmentation also act in "
    "training only, but usually put the training figures below the validation ones)")

#: The fix's first step for a custom loop's numbers.
TELL_LOOP_MODE = (
    "Score the training data as your loop scores the validation data (the same call, e.g. "
    "model(x, training=False), and the same metric objects): a model that overfits scores it "
    "near the training figure; near the validation figure, the gap is in how the training "
    "figures are measured, not in fit, and more data will not close it.")

#: The fix's first step: what tells overfitting from the training-mode measurement.
TELL_TRAIN_MODE = (
    "Score the training data in inference mode, as validation is scored (model.evaluate on "
    "it; for a model unetdiag trained, `unetdiag evaluate MODEL --images TRAIN_IMAGES --masks "
    "TRAIN_MASKS`): a model that overfits scores it near the training figure; near the "
    "validation figure, the gap is in how the training figures are measured, not in fit, and "
    "more data will not close it.")

_OVERFITTING = "a model that fits its training data better than unseen data (overfitting)"
_OVERFIT = f"{_OVERFITTING}, or with two sets that differ"


def _from_first(claim: evidence.TrainValGap, fitting: Sequence[str], throughout: bool) -> bool:
    """Every gap of a run logged from epoch 1 was above the gap threshold at every epoch
    (and is not already said to be nearly as wide throughout)."""
    return not throughout and all(claim.metrics[name].get("from_first_epoch")
                                  for name in fitting)


def _others(modes: Sequence[str]) -> str:
    """The caller's train-time behaviours that lower the training figures, in words."""
    words = {"augmentation": "augmented training inputs", "dropout": "dropout"}
    return join_names([words[mode] for mode in modes if mode in words])


def train_mode_sentence(claim: evidence.TrainValGap, fitting: Sequence[str],
                        throughout: bool) -> str:
    """Training above validation: overfitting, two sets that differ, or a model whose
    BatchNormalization scores differently in training and inference mode, named first when
    the caller knows the model has it (:attr:`~.evidence.TrainValGap.train_mode`)."""
    modes = claim.train_mode
    others = _others(modes or ())
    if modes is None:
        sentence = (
            " Training doing much better than validation (scores above, or a loss below, the "
            f"validation ones) is consistent with {_OVERFITTING}, with two sets that differ, "
            "or with a model whose outputs differ between training and inference mode: "
            f"{LOOP_MODE if claim.custom_loop else TRAINING_MODE}.")
    elif "BatchNormalization" in modes:
        sentence = (
            " This run's model has BatchNormalization layers, which normalise each training "
            "batch with its own statistics while validation uses their moving averages: its "
            "training and validation figures come from two modes of the model, and the gap "
            "alone does not show overfitting"
            + (f" ({others}, also training-only, would rather lower the training figures)"
               if others else "")
            + f". Consistent with that difference, with {_OVERFIT}.")
    else:  # no BatchNormalization: nothing of training mode raises the training figures
        return (
            " Training doing much better than validation (scores above, or a loss below, the "
            f"validation ones) is consistent with {_OVERFIT}"
            + (f"; {others}, which this run has and which are training-only, would rather "
               "lower the training figures" if others else "")
            + ".")
    if claim.early:
        sentence += (f" After only {claim.last_epoch} epochs, the gap may well be that "
                     "difference rather than overfitting"
                     + (": in a model with BatchNormalization, its " if modes is None
                        else ": BatchNormalization's ")
                     + BATCH_NORM_LAG + ".")
    elif _from_first(claim, fitting, throughout):
        sentence += (" The gap was there from the first epoch, when overfitting rarely shows yet: "
                     "consistent with that difference or with two sets that differ "
                     "from the start, which overfitting may have widened since.")
    return sentence
