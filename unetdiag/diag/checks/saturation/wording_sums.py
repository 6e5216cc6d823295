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
    extra = data["training_extra"]
    extra_words = f"the sum of its parts ({_number(data['training_parts_sum'])})"
    if extra > data["tolerance"]:
        extra_words += (f" plus {_number(extra)} (a regularisation term, or a loss added with "
                        "add_loss)")
    return finding(
        ids.TOTAL_BELOW_PARTS, claim,
        title=(f"{claim.run}: {name} {_number(data['value'])} is below its own part "
               f"{data['largest_part']} {_number(data['largest_value'])}: the logged {name} "
               "is not the validation total"),
        explanation=(
            f"At {where}, {name} is {_number(data['value'])} while the validation losses it "
            f"should sum ({join_names(data['parts'])}) add up to "
            f"{_number(data['parts_sum'])}, the largest alone {_number(data['largest_value'])}; "
            f"{training} is {_number(data['training_total'])}, {extra_words}. A total is the "
            "weighted sum of its parts (plus any regularisation), with the same loss weights "
            f"in both phases. Training's total is at least the sum of its parts, as with "
            f"weights of 1 (Keras's default); with such weights {name} is at least the sum of "
            f"its parts too, and never below one of them. So the logged {name} is not the "
            "validation set's total (consistent with the Keras 2.2.5-2.3 bug that logged a "
            "wrong val_loss for multi-output models, keras#13601 and keras#13389), and it says "
            f"nothing about how validation compares with training: the per-output validation "
            f"losses are the numbers to judge. The sums hold to within "
            f"{data['tolerance']:.2g}, what the printed decimals allow."),
        fix=("Judge validation by the per-output losses, or compute the validation total "
             "yourself with model.evaluate; upgrade Keras (2.4 or TensorFlow's tf.keras) if "
             "the run used 2.2.5-2.3."))


def total_multiple_of_parts_finding(claim: TotalMultipleOfParts) -> Finding:
    name, data = next(iter(claim.metrics.items()))
    multiple = data["multiple"]
    times = "twice" if multiple == 2 else f"{multiple} times"
    others = [other for other in claim.metrics if other != name]
    return finding(
        ids.TOTAL_MULTIPLE_OF_PARTS, claim,
        title=(f"{claim.run}: {name} is {times} the sum of its parts from epoch "
               f"{data['multiple_epochs'][0]} on ({_number(data['value'])} = {multiple} x "
               f"{_number(data['parts_sum'])}), but equal to it at epoch "
               f"{epoch_span(data['equal_epochs'])}"),
        explanation=(
            f"{name} equals the sum of {join_names(data['parts'])} at epoch"
            f"{'s' if len(data['equal_epochs']) > 1 else ''} {epoch_span(data['equal_epochs'])}"
            f", and is exactly {multiple} times that sum at epoch"
            f"{'s' if len(data['multiple_epochs']) > 1 else ''} "
            f"{epoch_span(data['multiple_epochs'])} ({_number(data['value'])} = {multiple} x "
            f"{_number(data['parts_sum'])}, to within {data['tolerance']:.2g}, what the printed "
            "decimals allow)"
            + (f"; so does {join_names(others)}" if others else "")
            + f". Every part is counted {times} from then on: consistent with a model "
            "compiled again (a second fit stage) that added its losses once more without "
            f"clearing them. The totals of those epochs are not comparable with the earlier "
            "ones; the parts are."),
        fix=("Compare epochs by the parts, not the total; make sure a model compiled again "
             "for a new stage does not add its losses a second time (build it anew, or clear "
             "the losses added with add_loss before compiling)."))
