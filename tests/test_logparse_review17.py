"""Counter-examples of the review of pass 17's rules (tests/data/logs/review/c15-...).

Each test fails on the code before its mend."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log

REVIEW = Path(__file__).parent / "data" / "logs" / "review"


RECALL_BOUND = "saturation.iou_exceeds_recall_bound"


def test_the_recall_bound_is_read_only_between_keras_metric_classes():
    # review of pass 17: each of these 'proved' two metrics saw different predictions, though
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
    # review of pass 17: a function metric named 'recall' is a mean of per-batch recalls, 0
    # on each batch without foreground, below the pooled recall the bound needs
    report = explain_log(REVIEW / "c19_mean_io_u_beside_recall_maybe_function.log")
    [claim] = [f for f in report.findings if f.id == RECALL_BOUND]
    assert "If val_recall is Keras's Recall" in claim.explanation
    assert "a metric function named recall" in claim.explanation
    assert "if both are Keras's metric classes" in claim.title
