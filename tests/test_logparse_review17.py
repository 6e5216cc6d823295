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


def test_a_checkpoint_best_the_bar_prints_rounded_is_shown():
    # review of pass 17: the callback prints its best to 5 decimals (0.22995), the bar to 4
    # (0.2300 at epoch 2): 5e-5 apart, read as "that best comes from an epoch the log does
    # not show"
    report = explain_log(REVIEW / "c20_checkpoint_best_prints_0p22995_bar_0p2300.log")
    assert "did not improve on its best, 0.22995, at epochs 3-5" in report.headline
    assert "does not show" not in report.headline


def test_a_checkpoint_that_minimises_a_score_is_said_to():
    # review of pass 17: val_dice_coef rose 0.12 -> 0.74 while ModelCheckpoint (mode 'auto',
    # 'min' in Keras 2 for a name without 'acc') said it "did not improve from 0.12000":
    # the sentence read as a stall
    report = explain_log(REVIEW / "c21_checkpoint_mode_auto_min_on_dice.log")
    assert ("the log prints val_dice_coef above that best at each of those epochs, so the "
            "callback counts a lower val_dice_coef as better (mode 'min', which Keras 2's "
            "'auto' picks for a name without 'acc')") in report.headline


def test_a_checkpoint_monitor_the_log_does_not_print_is_not_an_unseen_epoch():
    # review of pass 17: a monitor (val_iou) absent from every progress line was "that best
    # comes from an epoch the log does not show", though the log shows every epoch
    report = explain_log(REVIEW / "c22_checkpoint_monitor_not_printed.log")
    assert "(the log prints no val_iou to compare)" in report.headline
    assert "does not show" not in report.headline


def test_a_checkpoint_that_never_left_its_starting_value_has_no_best():
    # review of pass 17: NaN losses leave ModelCheckpoint at its starting value: 'did not
    # improve from inf' was "did not improve on its best, inf ... (that best comes from an
    # epoch the log does not show)"; 'from -inf' (mode max, Keras 3) was a ValueError
    report = explain_log(REVIEW / "c26_checkpoint_nan_did_not_improve_from_inf.log")
    assert ("ModelCheckpoint says val_loss did not improve from inf, its starting value, at "
            "epochs 1-4, the last 4 logged: it got no val_loss it could compare (NaN or inf) "
            "at any epoch up to epoch 4.") in report.headline
    assert "its best, inf" not in report.headline
    report = explain_log(REVIEW / "c27_checkpoint_keras3_nan_did_not_improve_from_minus_inf.log")
    assert "did not improve from -inf, its starting value" in report.headline


def test_a_model_card_table_with_no_readable_row_is_not_called_another_layout():
    # review of pass 17: a '| Epoch | Notes |' table under a '|---|---|' rule, or a header and
    # rule with no row, was "not a layout explain-log reads", though the error itself then
    # describes that very layout (a first column 'Epoch', a '|---|' rule)
    import pytest

    from unetdiag.exitcodes import UserError

    for name in ("c33_md_epoch_table_notes_column.log", "c34_md_epoch_table_header_only.log"):
        with pytest.raises(UserError) as refused:
            explain_log(REVIEW / name)
        message = str(refused.value)
        assert "not a layout explain-log reads" not in message, name
        assert "in the layout explain-log reads, a model card's, but no row under it" in (
            message), name
