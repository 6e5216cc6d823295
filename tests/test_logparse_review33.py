"""Session 33's review of explain-log's new paths: tables of results, printed precision,
headerless closing lines, a score equal to the accuracy. Each test failed on the code merged
before it (76c9ef7)."""


from __future__ import annotations

from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.tabular import parse_csv


def _fingerprint(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return next(f for f in explain_log(path).findings if f.id == "saturation.all_ones_predictor")


ROUNDED = ("epoch,loss,accuracy,dice_coef,val_loss,val_accuracy,val_dice_coef\n"
           "1,0.1312,0.996,0.998,0.1298,0.996,0.998\n2,0.1100,0.996,0.998,0.1090,0.996,0.998\n"
           "3,0.0950,0.996,0.998,0.0940,0.996,0.998\n")


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
