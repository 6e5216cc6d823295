"""The NaN/Inf guard's findings: its evidence put into sentences and fixes (no maths here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.training.callbacks.base import is_finite_number, stopped_title
from unetdiag.training.callbacks.nonfinite_causes import Cause

#: Why a batch can go non-finite, in the order the guard names them, with the fix for each.
CAUSE_FIXES: dict[Cause, str] = {
    "non_finite_inputs": ("Find the corrupt image (it is in the saved batch) and repair or drop "
                          "it; check decoding and normalisation (a division by a zero standard "
                          "deviation gives NaN)."),
    "non_finite_labels": ("Repair the mask; normalising a mask by its own maximum turns an "
                          "empty mask into 0/0 = NaN. Divide by a fixed scale or threshold it."),
    "labels_out_of_range": ("Bring masks to {0, 1} (divide 0/255 masks by 255 or threshold "
                            "them; unetdiag's MaskPolicy does this)."),
    "non_finite_predictions": ("Inputs and labels are finite but the model output is not: an "
                               "overflow inside the network. Lower the learning rate, clip "
                               "gradients, and keep the last layer in float32."),
    "dice_denominator_near_zero": ("sum(y) + sum(p) is almost 0 (empty mask, empty "
                                   "prediction): use Dice smoothing >= 1 in the denominator "
                                   "(DiceConfig) and compute the Dice sums in float32."),
    "exploding_gradients": ("The gradient norm grew fast before the failure: lower the "
                            "learning rate or clip gradients (clipnorm)."),
    "unknown": ("Nothing in the batch explains it. Re-run with "
                "tf.debugging.enable_check_numerics() (opt-in, 33-45 % slower, no XLA) to "
                "name the first op that produced the NaN/Inf."),
}


def cause_sentence(causes: Sequence[Cause], evidence: Mapping[str, Any]) -> str:
    """One sentence naming the likely causes with their numbers.

    >>> cause_sentence(["labels_out_of_range"], {"label_min": 0.0, "label_max": 255.0})
    'Likely cause: labels run from 0 to 255, outside [0, 1].'
    """
    parts = []
    for cause in causes:
        if cause == "non_finite_inputs":
            parts.append(f"the batch holds {evidence['input_non_finite_values']} non-finite "
                         f"input value(s), in image(s) {evidence['input_non_finite_images']} of "
                         "the batch")
        elif cause == "non_finite_labels":
            parts.append(f"{evidence['label_non_finite_values']} label value(s) are NaN/Inf")
        elif cause == "labels_out_of_range":
            parts.append(f"labels run from {evidence['label_min']:g} to "
                         f"{evidence['label_max']:g}, outside [0, 1]")
        elif cause == "non_finite_predictions":
            parts.append(f"the model output {evidence['prediction_non_finite_values']} "
                         "non-finite value(s) from finite inputs")
        elif cause == "dice_denominator_near_zero":
            parts.append(f"sum(y) + sum(p) is {evidence['dice_denominator_batch']:.3g} over the "
                         f"batch ({evidence['dice_denominator_smallest_image']:.3g} for the "
                         "smallest image)")
        elif cause == "exploding_gradients":
            parts.append(f"the gradient norm grew {evidence['gradient_norm_growth']:.3g}x over "
                         f"the last {len(evidence['recent_gradient_norms'])} steps at learning "
                         f"rate {evidence['learning_rate']}")
        else:
            parts.append("nothing in the batch explains it")
    return "Likely cause: " + "; ".join(parts) + "."


def non_finite_finding(evidence: dict[str, Any], causes: Sequence[Cause],
                       source: str) -> Finding:
    """``guard.non_finite``: what went non-finite where, the likely cause, the weights kept."""
    if evidence["first_nonfinite_gradient"] is not None:
        what = f"non-finite gradient in {evidence['first_nonfinite_gradient']}"
    elif evidence["first_nonfinite_weight"] is not None:
        what = f"non-finite weight {evidence['first_nonfinite_weight']}"
    else:
        what = "non-finite loss"
    loss = evidence["batch_loss"]
    loss_note = (f"The batch loss was {loss:.4g}, finite: a loss-only check such as "
                 "TerminateOnNaN would have trained on." if is_finite_number(loss)
                 else f"The batch loss was {loss}.")
    return Finding(
        id="guard.non_finite", severity=Severity.ERROR,
        title=stopped_title(evidence["epoch"], evidence["batch"], what),
        explanation=" ".join(part for part in (
            f"At epoch {evidence['epoch'] + 1}, batch {evidence['batch'] + 1}, "
            + (f"{evidence['nonfinite_gradient_count']} gradient(s) and "
               if evidence["nonfinite_gradient_count"] is not None
               else "(gradients not visible: the model has its own train_step) ")
            + f"{evidence['nonfinite_weight_count']} weight(s) were non-finite after its "
            "update.", loss_note,
            cause_sentence(causes, evidence),
            f"Weights kept: {evidence['weights_state']}.", _untrained_epoch_note(evidence))),
        fix=" ".join(CAUSE_FIXES[cause] for cause in causes),
        evidence=evidence, source=source)


def _untrained_epoch_note(evidence: Mapping[str, Any]) -> str:
    """What Keras still records for an epoch in which no step was applied."""
    if not evidence.get("instrumented") or evidence.get("applied_steps_in_epoch", 1) > 0:
        return ""
    return (f"No step of epoch {evidence['epoch'] + 1} was applied: Keras still closes that "
            "epoch "
            "(its loss and metrics read 0.0, counting no step, and any validation scores the "
            "weights from before it), so it is not a trained epoch.")


def loss_scale_collapsed_finding(evidence: dict[str, Any], causes: Sequence[Cause],
                                 source: str) -> Finding:
    """``guard.loss_scale_collapsed``: mixed_float16 skipped step after step."""
    return Finding(
        id="guard.loss_scale_collapsed", severity=Severity.ERROR,
        title=stopped_title(evidence["epoch"], evidence["batch"],
                            "the float16 loss scale collapsed"),
        explanation=" ".join((
            f"The LossScaleOptimizer's scale fell to {evidence.get('loss_scale')} after "
            f"{evidence.get('consecutive_skipped_steps')} skipped step(s) in a row: the "
            "gradients are non-finite whatever the scale, so no step is being applied "
            "(iterations stopped advancing).", cause_sentence(causes, evidence))),
        fix=" ".join([CAUSE_FIXES[cause] for cause in causes]
                     + ["Or train under mixed_bfloat16 or float32."]),
        evidence=evidence, source=source)


def loss_scale_skips_finding(skipped: Sequence[Mapping[str, int]], lowest_scale: float | None,
                             source: str) -> Finding:
    """``guard.loss_scale_skips``: steps the LossScaleOptimizer skipped and recovered from."""
    steps = f"{len(skipped)} step(s)"
    return Finding(
        id="guard.loss_scale_skips", severity=Severity.INFO,
        title=f"The loss-scale optimizer skipped {steps} (mixed_float16)",
        explanation=(f"{steps} had non-finite float16 gradients; the LossScaleOptimizer "
                     "skipped each one and halved its loss scale, as designed. The weights "
                     "were not touched by those steps. This is recovery, not failure, unless "
                     "it keeps happening."),
        fix=("Nothing, unless the count grows through training: then look for inputs "
             "large enough to overflow float16 (max 65504) or use mixed_bfloat16."),
        evidence={"skipped_steps": len(skipped), "first_skips": list(skipped[:20]),
                  "lowest_loss_scale": lowest_scale},
        source=source)


def metric_non_finite_finding(metric: str, epoch: int, batch: int, batch_loss: float,
                              source: str) -> Finding:
    """``guard.metric_non_finite``: a metric turned NaN/Inf while training stayed finite
    (``epoch`` and ``batch``: Keras's 0-based indices, kept so in the evidence; the title
    counts from 1)."""
    return Finding(
        id="guard.metric_non_finite", severity=Severity.WARNING,
        title=f"Metric {metric!r} turned non-finite at epoch {epoch + 1}, batch {batch + 1}",
        explanation=" ".join((
            f"The running value of {metric!r} became NaN/Inf while the batch loss "
            f"({batch_loss:.4g}), every gradient and every weight stayed finite, so training "
            "went on.",
            "It reads non-finite for the rest of the epoch.",
            "A metric that divides by a count which can be 0 (e.g. a per-image Dice that "
            "leaves empty masks out) does this on batches without foreground.")),
        fix="Check how the metric treats empty masks and empty predictions.",
        evidence={"metric": metric, "epoch": epoch, "batch": batch, "batch_loss": batch_loss},
        source=source)


def xla_disabled_finding(source: str) -> Finding:
    """``guard.xla_disabled``: installing the guard's step turned ``jit_compile`` off."""
    return Finding(
        id="guard.xla_disabled", severity=Severity.INFO,
        title="XLA was turned off for this run by the NaN/Inf guard",
        explanation=("The model was compiled with jit_compile=True. The guard copies an "
                     "offending batch to the host with tf.numpy_function, which XLA "
                     "cannot compile, so the run trains without XLA; jit_compile is set "
                     "back when training ends."),
        fix="Nothing to do; leave the guard out to train with XLA.",
        evidence={}, source=source)


def coarse_steps_finding(steps_per_execution: int, source: str) -> Finding:
    """``guard.coarse_steps``: with several steps per execution the guard sees one in N."""
    return Finding(
        id="guard.coarse_steps", severity=Severity.WARNING,
        title=f"The guard sees one step in {steps_per_execution}",
        explanation=" ".join((
            f"steps_per_execution={steps_per_execution}: Keras reports the logs of the last "
            "step of each execution only.",
            "Non-finite updates are still skipped, but one in an earlier step of an execution "
            "is not reported or attributed to its batch.")),
        fix="Compile with steps_per_execution=1 while diagnosing.",
        evidence={"steps_per_execution": steps_per_execution}, source=source)
