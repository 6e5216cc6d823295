"""Bounds a logged score puts on the masks: the all-ones fingerprint's foreground fraction under
the printed rounding, and a mean IoU above the bound its recall puts on it."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.tabular import parse_csv

REVIEW = Path(__file__).parent / "data" / "logs" / "review"


def _fingerprint(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return next(f for f in explain_log(path).findings if f.id == "saturation.all_ones_predictor")


ROUNDED = ("epoch,loss,accuracy,dice_coef,val_loss,val_accuracy,val_dice_coef\n"
           "1,0.1312,0.996,0.998,0.1298,0.996,0.998\n2,0.1100,0.996,0.998,0.1090,0.996,0.998\n"
           "3,0.0950,0.996,0.998,0.0940,0.996,0.998\n")


def _explain(tmp_path: Path, text: str, name: str = "run.log"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return explain_log(path)


RECALL_BOUND = "saturation.iou_exceeds_recall_bound"


def test_the_all_ones_fingerprint_bounds_the_foreground_fraction_from_below():
    # accuracy 0.8000 and Dice 0.8889 give TP = 0.8 and TN = 0, but any f
    # in [0.8, 1] fits (f = 0.9, FN = FP = 0.1 logs the same numbers): "80 % foreground" and
    # "val_accuracy is f itself" stated a fact the numbers only bound
    report = explain_log(REVIEW / "c62_all_ones_fingerprint_f_at_least_0p8.log")
    [claim] = [f for f in report.findings if f.id == "saturation.all_ones_predictor"]
    assert "(at least 80 % foreground in the validation data)" in claim.title
    assert "is f itself" not in claim.explanation
    assert "val_accuracy 0.8000 equals f if the model predicts every pixel" in claim.explanation
    assert "thresholded predictions and a pooled Dice), so at least 80 %" in claim.explanation
    assert "f >= 0.8" in claim.explanation and "f = 0.8" not in claim.explanation
    assert "at least 80 % foreground is rarely what was meant" in claim.fix
    assert "on validation data that is 80 % foreground" not in report.headline
    assert "the validation data is at least 80 % foreground" in report.headline


def test_a_column_written_whole_leaves_the_rounded_columns_rounded(tmp_path):
    # an lr written by repr beside an accuracy written to three decimals: the accuracy's
    # 0.996 still stands for 0.9955-0.9965 (at least 69.8 % foreground, not 96.1 %)
    alone = _fingerprint(tmp_path, "alone.csv", ROUNDED)
    with_lr = _fingerprint(tmp_path, "lr.csv", ROUNDED.replace("epoch,", "epoch,lr,").replace(
        "\n1,", "\n1,0.0010000000474974513,").replace("\n2,", "\n2,0.0010000000474974513,")
        .replace("\n3,", "\n3,0.0010000000474974513,"))
    assert "69.8 %" in alone.title and with_lr.title == alone.title
    # CSVLogger's own short prints are exact float32 values: an accuracy of 1.0 or 0.75
    # beside a loss written whole is no rounding
    [run] = parse_csv("epoch,accuracy,loss\n0,0.75,0.6931471824645996\n1,1.0,0.5108256340026855\n")
    assert run.printed_half_units == {}


def test_a_whole_number_print_beside_decimals_sets_no_half_unit(tmp_path):
    # a loop printing '{:.3g}' writes 0.9996 as '1': its accuracy's other prints (0.996) say
    # how it rounds. Half a unit of the '1' (0.5) made 'the rounding of the prints allows up
    # to 150 %' true negatives and 'at least 0 % foreground'
    found = _fingerprint(tmp_path, "loop.log",
                         "Epoch 1, Loss: 0.131, Accuracy: 0.996, Dice: 0.998\n"
                         "Epoch 2, Loss: 0.11, Accuracy: 0.996, Dice: 0.998\n"
                         "Epoch 3, Loss: 0.095, Accuracy: 1, Dice: 1\n"
                         "Epoch 4, Loss: 0.0901, Accuracy: 0.996, Dice: 0.998\n")
    assert "69.8 %" in found.title


def test_the_true_negatives_the_rounding_allows_stay_within_every_pixel(tmp_path):
    # a loop's '0.9' at epoch 1 gives its accuracy a half unit of 0.05: 0.996 + 0.05 is no
    # accuracy, and 'the rounding of the prints allows up to 105 %' was said
    found = _fingerprint(tmp_path, "short.log",
                         "Epoch 1, Loss: 0.131, Accuracy: 0.9, Dice: 0.9\n"
                         "Epoch 2, Loss: 0.11, Accuracy: 0.95, Dice: 0.97\n"
                         "Epoch 3, Loss: 0.095, Accuracy: 0.996, Dice: 0.998\n"
                         "Epoch 4, Loss: 0.0901, Accuracy: 0.996, Dice: 0.998\n")
    [phase] = found.evidence["phases"].values()
    assert phase["true_negative_share_at_most"] <= 1.0


def test_a_short_print_at_another_epoch_leaves_the_last_print_s_rounding(tmp_path):
    # a CSV written with round(x, 4) and str: 0.5 at epoch 1 beside 0.996 at the last. The
    # widest half unit (0.05) said 'the rounding of the prints allows up to 100 %' and 'at
    # least 0 % foreground'; the last prints, which the fingerprint reads, allow 69.8 %
    found = _fingerprint(tmp_path, "round4.csv",
                         "epoch,loss,accuracy,dice_coef,val_loss,val_accuracy,val_dice_coef\n"
                         "1,0.1312,0.5,0.5,0.1298,0.5,0.5\n2,0.11,0.9961,0.998,0.109,0.996,0.998\n"
                         "3,0.095,0.996,0.998,0.094,0.996,0.998\n")
    assert "69.8 %" in found.title


def test_a_mean_iou_above_the_bound_its_recall_puts_on_it_is_named(tmp_path):
    # Unet-for-Person-Segmentation#1: mean_io_u 1.0000 beside recall 0.0071 passed; the
    # foreground's IoU is at most the recall, so a two-class mean is at most 0.5036
    line = ("379/379 [==============================] - 273s 719ms/step - loss: 0.0251 - "
            "mean_io_u: {} - recall: {} - precision: {} - val_loss: 0.0086 - "
            "val_mean_io_u: 1.0000 - val_recall: 0.0000e+00 - val_precision: 0.0000e+00\n")
    report = _explain(tmp_path, "Epoch 1/10\n" + line.format("1.0000", "0.0071", "0.2735"))
    [claim] = [f for f in report.findings if f.id == "saturation.iou_exceeds_recall_bound"]
    assert claim.severity.value == "warning"
    assert claim.evidence["metrics"]["mean_io_u"]["bound"] == (1 + 0.0071) / 2
    assert "val_mean_io_u" not in claim.evidence["metrics"]  # a recall of 0 bounds nothing
    assert "proves" in claim.explanation and "not one true positive" in claim.explanation
    # a mean IoU within the bound, or a recall and a precision of 0, says nothing
    for scores in (("0.5000", "0.0071", "0.2735"), ("1.0000", "0.0000e+00", "0.0000e+00")):
        report = _explain(tmp_path, "Epoch 1/10\n" + line.format(*scores))
        assert "saturation.iou_exceeds_recall_bound" not in {f.id for f in report.findings}


def test_the_recall_bound_is_read_only_between_keras_metric_classes():
    # each of these 'proved' two metrics saw different predictions, though
    # each is consistent with one set of predictions: BinaryIoU's default mean over classes 0
    # and 1 (0.8400 against val_recall 0.7900: its bound is 0.8950, not 0.7900); per-batch
    # means of a smoothed iou_coef and the recall_m snippet (1 and 0 on a batch without
    # foreground); IoU's target_class_ids unknown ([0]: the background's IoU, which no recall
    # bounds); OneHotMeanIoU's argmax over 4 classes against Recall's threshold of 0.5
    for name in ("c15_binary_io_u_default_two_classes.log",
                 "c16_custom_iou_coef_recall_m_batch_means.log",
                 "c17_io_u_target_unknown.log", "c18_one_hot_mean_io_u_argmax.log"):
        report = explain_log(REVIEW / name)
        assert RECALL_BOUND not in {f.id for f in report.findings}, name


def test_the_recall_bound_says_proves_under_the_recall_being_keras_s_class():
    # a function metric named 'recall' is a mean of per-batch recalls, 0
    # on each batch without foreground, below the pooled recall the bound needs
    report = explain_log(REVIEW / "c19_mean_io_u_beside_recall_maybe_function.log")
    [claim] = [f for f in report.findings if f.id == RECALL_BOUND]
    assert "If val_recall is Keras's Recall" in claim.explanation
    assert "a metric function named recall" in claim.explanation
    assert "if both are Keras's metric classes" in claim.title
