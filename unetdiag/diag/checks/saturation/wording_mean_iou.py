"""The sentences of the MeanIoU findings: a Keras MeanIoU whose numbers say it counts one
class only (fed a sigmoid's probabilities, it casts them to class ids)."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import evidence_degenerate, ids
from unetdiag.diag.checks.saturation.metrics import validation_first
from unetdiag.diag.checks.saturation.words import finding
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import join_names, percent

_MEAN_IOU_FIX = (
    "For a sigmoid output use keras.metrics.BinaryIoU(target_class_ids=[1], threshold=0.5) "
    "(the foreground's IoU; target_class_ids=[0, 1] for the mean of both classes), or "
    "threshold the predictions before MeanIoU; for a softmax output give MeanIoU the argmax.")


def mean_iou_one_class_finding(claim: evidence_degenerate.MeanIouOneClass) -> Finding:
    name = validation_first(claim.metrics)
    data = claim.metrics[name]
    others = [n for n in claim.metrics if n != name]
    also = f" ({join_names(others)} alike)" if others else ""
    return finding(
        ids.MEAN_IOU_ONE_CLASS, claim,
        title=(f"{claim.run}: {name} stays at {data['low']:.4f}-{data['high']:.4f} while "
               f"{data['moving']} spans {data['moving_low']:.4f}-{data['moving_high']:.4f}: "
               "consistent with a mean IoU that counts one class only"),
        explanation=(
            f"A mean IoU over two classes is (background IoU + foreground IoU) / 2; with one "
            "of them 0 throughout it is at most 0.5 and stays put while the model learns"
            f"{also}. Keras's MeanIoU(num_classes=2) does exactly that when it is fed a "
            "sigmoid's probabilities: it casts the predictions to integer class ids, so every "
            "probability below 1 counts as class 0 (background), the foreground's IoU is 0 "
            f"and the mean is half the labels' background share: {data['median']:.4f} fits "
            f"labels {percent(data['background_share'])} background. This assumes two classes "
            f"and that {name} is Keras's MeanIoU (its default name). Fed thresholded "
            "predictions, a model that never predicts a pixel above 0.5 scores the same number "
            f"(half the labels' background share); a soft {data['moving']} can move while no "
            "pixel crosses 0.5, so the moving score does not rule that out."),
        fix=_MEAN_IOU_FIX)
