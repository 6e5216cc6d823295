"""The sentences of the findings about a total loss against the parts it sums
(:mod:`.loss_sum`'s claims). The arithmetic is stated with the assumption it rests on (the
same loss weights in both phases); the cause is a known bug the numbers are consistent with."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import ids
from unetdiag.diag.checks.saturation.loss_sum import TotalBelowParts, TotalMultipleOfParts
from unetdiag.diag.checks.saturation.words import epoch_span, finding
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import join_names


def _number(value: float) -> str:
    """A loss as the log shows it, large ones with thousands separators."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def total_below_parts_finding(claim: TotalBelowParts) -> Finding:
    name, data = next(iter(claim.metrics.items()))
    training = name.removeprefix("val_")
    epochs = data["epochs"]
    where = (f"epoch {data['epoch']}" if len(epochs) == 1
             else f"epochs {epoch_span(epochs)} (numbers of epoch {data['epoch']})")
    below = data["training_total"] - data["value"]
    return finding(
        ids.TOTAL_BELOW_PARTS, claim,
        title=(f"{claim.run}: {name} {_number(data['value'])} is below {training} "
               f"{_number(data['training_total'])} although every validation loss part is "
               f"above its training one: consistent with a {name} that is not the validation "
               "total"),
        explanation=(
            f"At {where}, {name} is {_number(data['value'])}, below {training} "
            f"{_number(data['training_total'])} and below its own part "
            f"{data['largest_part']} {_number(data['largest_value'])}, while each of "
            f"{join_names(data['parts'])} is at least its training counterpart (together "
            f"{_number(data['parts_sum'])} against {_number(data['training_parts_sum'])}). "
            "With loss weights that are not negative and the same in both phases (Keras "
            "applies the compiled loss_weights to both), a total minus the other phase's "
            "total is the weighted sum of the parts' differences plus the change of any "
            f"regularisation term; so {name} could be below {training} only if a "
            f"regularisation term fell by at least {_number(below)} within the epoch. More "
            f"likely the logged {name} is not the validation set's total (consistent with "
            "the Keras 2.2.5-2.3 bug that logged a wrong val_loss for multi-output models, "
            f"keras#13601 and keras#13389), and it says nothing about how validation compares "
            "with training: the per-output validation losses are the numbers to judge."),
        fix=("Judge validation by the per-output losses, or compute the validation total "
             "yourself with model.evaluate; upgrade Keras (2.4 or TensorFlow's tf.keras) if "
             "the run used 2.2.5-2.3."))


def _times(multiple: int) -> str:
    return "twice" if multiple == 2 else f"{multiple} times"


def _epochs(epochs: list[int]) -> str:
    return f"epoch{'s' if len(epochs) > 1 else ''} {epoch_span(epochs)}"


def total_multiple_of_parts_finding(claim: TotalMultipleOfParts) -> Finding:
    name, data = next(iter(claim.metrics.items()))
    multiple = data["multiple"]
    stages = data.get("stages") or {multiple: data["multiple_epochs"]}
    if "stages" not in data:  # one multiple, at every complete epoch from its first on
        where = (f"{_times(multiple)} the sum of its parts from epoch "
                 f"{data['multiple_epochs'][0]} on")
        counted = f"Every part is counted {_times(multiple)} from then on"
    else:
        where = ("a multiple of the sum of its parts: "
                 + ", ".join(f"{k}x at {_epochs(epochs)}" for k, epochs in stages.items()))
        counted = ("Every part is counted "
                   + ", then ".join(f"{_times(k)} at {_epochs(epochs)}"
                                    for k, epochs in stages.items()))
    others = [other for other in claim.metrics if other != name]
    return finding(
        ids.TOTAL_MULTIPLE_OF_PARTS, claim,
        title=(f"{claim.run}: {name} is {where} ({_number(data['value'])} = {multiple} x "
               f"{_number(data['parts_sum'])} at epoch {data['multiple_epochs'][0]}), but "
               f"equal to it at {_epochs(data['equal_epochs'])}"),
        explanation=(
            f"{name} equals the sum of {join_names(data['parts'])} at "
            f"{_epochs(data['equal_epochs'])}, and is exactly "
            + " and ".join(f"{k} times that sum at {_epochs(epochs)}"
                           for k, epochs in stages.items())
            + f" ({_number(data['value'])} = {multiple} x {_number(data['parts_sum'])} at "
            f"epoch {data['multiple_epochs'][0]}, to within {data['tolerance']:.2g}, what the "
            "printed decimals allow)"
            + (f"; so does {join_names(others)}" if others else "")
            + f". {counted}: consistent with a model compiled again (a fit stage) that added "
            "its losses once more without clearing them. The totals of those epochs are not "
            "comparable with the earlier ones; the parts are."),
        fix=("Compare epochs by the parts, not the total; make sure a model compiled again "
             "for a new stage does not add its losses a second time (build it anew, or clear "
             "the losses added with add_loss before compiling)."))
