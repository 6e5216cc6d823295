"""A constant-predictor fingerprint refuted by a measured foreground fraction: the warning says
what the numbers and the fraction prove together (binary labels, a pooled Dice), never a claim
the numbers contradict."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.checks.saturation.reconcile import reconcile_fingerprints
from unetdiag.diag.core.findings import Severity

RISING = [0.9, 0.8, 0.7, 0.6, 0.5]


def _training_all_ones(accuracy: float):
    """A run whose training accuracy and Dice are the all-ones predictor's, 2a/(1+a) as
    printed to four decimals, and whose validation scores are a learning model's."""
    dice = round(2 * accuracy / (1 + accuracy), 4)
    # a loss of four decimals: Keras's prints, whatever trailing zeros the others lost
    series = {"loss": [0.9012, *RISING[1:]], "accuracy": [accuracy] * 5, "dice": [dice] * 5,
              "val_loss": RISING, "val_accuracy": [0.5, 0.6, 0.7, 0.75, 0.8],
              "val_dice": [0.3, 0.4, 0.5, 0.6, 0.65]}
    [fingerprint] = [f for f in check_series("run", series)
                     if f.id == "saturation.all_ones_predictor"]
    return fingerprint


def test_more_foreground_than_the_accuracy_proves_every_background_pixel_predicted_foreground():
    # Dice 2a/(1+a) with binary labels proves TN = 0 whatever f is; f = 0.12 > a = 0.09 then
    # means foreground is missed too (FN = f - a), not that it "does not predict one class"
    [reconciled] = reconcile_fingerprints([_training_all_ones(0.09)], None,
                                          train_foreground_fraction=0.12)
    assert reconciled.severity is Severity.WARNING
    assert "does not predict one class everywhere" not in reconciled.title
    assert reconciled.title.endswith(
        "the training masks are 12.00%, so, for binary labels, at least 3.00% of the pixels "
        "are foreground predicted background, while every background pixel is predicted "
        "foreground")
    assert "does not predict one class everywhere" not in reconciled.explanation
    assert "predicts every background pixel as foreground and misses foreground" in (
        reconciled.explanation)
    assert "TN = 0 to within 0.001 of the pixels" in reconciled.explanation


def test_less_foreground_than_the_accuracy_proves_some_background_predicted_background():
    # TN = a - TP >= a - f: the measured fraction alone rules the all-ones predictor out
    [reconciled] = reconcile_fingerprints([_training_all_ones(0.09)], None,
                                          train_foreground_fraction=0.05)
    assert reconciled.title.endswith(
        "so, for binary labels, at least 4.00% of the pixels are background predicted "
        "background, which predicting foreground everywhere never does")
    # the Dice says TN = 0, the fraction TN >= 0.04: not counts of the same binary pixels
    assert "cannot all be counts of the same binary pixels" in reconciled.explanation


@given(accuracy=st.floats(0.05, 0.6), missed=st.floats(0.002, 0.3))
def test_whatever_the_measured_fraction_the_title_never_says_one_class_is_not_predicted(
        accuracy, missed):
    # f < 0.9: the TN of 0.001 the tolerance allows is then under 1 % of the background
    fraction = min(accuracy + missed, 0.89)
    [reconciled] = reconcile_fingerprints([_training_all_ones(accuracy)], None,
                                          train_foreground_fraction=fraction)
    assert "does not predict one class everywhere" not in reconciled.title
    assert "every background pixel is predicted foreground" in reconciled.title


def test_numbers_near_the_all_ones_scores_with_background_right_are_not_called_that_predictor():
    # accuracy 0.9900 and Dice 0.9948 are also TP 0.9565, TN 0.0335, FN 0.01,
    # FP 0 (a model that gets all the background right, 96.65 % foreground): "exactly what
    # predicting every pixel as foreground scores (at least 99 %)" was an error headline
    rising = [0.5, 0.4, 0.3, 0.2, 0.1]
    series = {"loss": rising, "accuracy": [0.9, 0.95, 0.97, 0.98, 0.99],
              "dice": [0.9, 0.95, 0.97, 0.98, 0.9948], "val_loss": rising,
              "val_accuracy": [0.9, 0.95, 0.97, 0.98, 0.99],
              "val_dice": [0.9, 0.95, 0.97, 0.98, 0.9948]}
    [fingerprint] = [f for f in check_series("run", series)
                     if f.id == "saturation.all_ones_predictor"]
    assert fingerprint.severity is Severity.WARNING
    assert "exactly" not in fingerprint.title
    # f >= TP = d(1-a)/(2(1-d)), taken at the ends of the four-decimal rounding: 0.9426,
    # said rounded down (94.3 % would claim more than the bound)
    assert "at least 94.2 % foreground" in fingerprint.title
    assert "TN = 0" not in fingerprint.explanation
    # 0.9900 and 0.9948 stand for any accuracy within 0.98995-0.99005 and Dice within
    # 0.99475-0.99485: TN 0.0192 to 0.0474, not the 0.0335 of the prints taken as exact
    # (the range said outwards: its low end rounded down, its high end up)
    assert "at between 1.92 % and 4.75 % (TN" in fingerprint.explanation
    assert "val_dice 0.9948 is within 0.0002 of what" in fingerprint.explanation


def test_four_decimal_prints_near_one_bound_the_foreground_by_their_rounding():
    # assign16: val_accuracy 0.9950 and val_dice_coef 0.9975 as printed are also accuracy
    # 0.99505 and Dice 0.99745: TP 0.968, TN 0.027; "at least 99.5 % foreground" overclaimed
    series = {"val_accuracy": [0.995] * 3, "val_dice_coef": [0.9975] * 3}
    [fingerprint] = [f for f in check_series("run", series)
                     if f.id == "saturation.all_ones_predictor"]
    assert "(at least 96.8 % foreground in the validation data)" in fingerprint.title
    # TN at most 0.0269x, said rounded up (2.69 % would be below the bound)
    assert "allows a TN of up to 2.7 % of the pixels" in fingerprint.explanation
    phase = fingerprint.evidence["phases"]["validation"]
    assert round(phase["foreground_fraction_at_least"], 4) == 0.9681
    # the same numbers at full precision pin TN at 0
    accuracy = 0.995012345678
    exact = {"val_accuracy": [accuracy] * 3,
             "val_dice_coef": [2 * accuracy / (1 + accuracy)] * 3}
    [pinned] = [f for f in check_series("run", exact) if f.id == "saturation.all_ones_predictor"]
    assert "(at least 99.5 % foreground in the validation data)" in pinned.title


def test_a_refuted_fingerprint_near_one_does_not_claim_every_background_pixel_foreground():
    # printed 0.9950 / 0.9975 allow TN up to 0.027: "every background pixel is predicted
    # foreground" is not what they say once the masks are measured at 0.9990
    series = {"loss": RISING, "accuracy": [0.995] * 5, "dice": [0.9975] * 5,
              "val_loss": RISING, "val_accuracy": [0.5, 0.6, 0.7, 0.75, 0.8],
              "val_dice": [0.3, 0.4, 0.5, 0.6, 0.65]}
    [fingerprint] = [f for f in check_series("run", series)
                     if f.id == "saturation.all_ones_predictor"]
    [reconciled] = reconcile_fingerprints([fingerprint], None, train_foreground_fraction=0.999)
    assert "every background pixel is predicted foreground" not in reconciled.title
    assert "at least 0.40% of the pixels are foreground predicted background" in (
        reconciled.title)
    # the rounding allows a TN up to 0.027, but the masks leave 0.001 of the pixels
    # background: main said the Dice 'puts the background predicted background at 2.69%'
    assert "2.69%" not in reconciled.title
    assert reconciled.title.endswith(
        "and at most 0.10% of the pixels (all 0.10% that are background) are background "
        "predicted background")
    # masks of 0.97: TN >= 0.025, which the rounding's TN of up to 0.0269 allows, as a bound
    [fewer] = reconcile_fingerprints([fingerprint], None, train_foreground_fraction=0.97)
    assert "The Dice against the accuracy leaves that share at most 0.0269" in (
        fewer.explanation)


def test_a_tolerance_of_tn_large_beside_a_small_background_is_not_every_background_pixel():
    # full precision: accuracy 0.99 with the Dice of TP 0.9891, TN 0.0009 (within the 0.001
    # tolerance); the masks are 0.997 foreground, so that TN is 30 % of the background
    accuracy = 0.990000000123
    true_positives = accuracy - 0.0009
    dice = 2 * true_positives / (2 * true_positives + 1 - accuracy)
    series = {"loss": RISING, "accuracy": [accuracy] * 5, "dice": [dice] * 5,
              "val_loss": RISING, "val_accuracy": [0.5, 0.6, 0.7, 0.75, 0.8],
              "val_dice": [0.3, 0.4, 0.5, 0.6, 0.65]}
    [fingerprint] = [f for f in check_series("run", series)
                     if f.id == "saturation.all_ones_predictor"]
    [reconciled] = reconcile_fingerprints([fingerprint], None, train_foreground_fraction=0.997)
    assert "every background pixel" not in reconciled.title
    assert reconciled.title.endswith(
        "and at most 0.10% of the pixels (33% of the 0.30% that are background) are "
        "background predicted background")
    assert "predicts every background pixel as foreground" not in reconciled.explanation


def test_three_decimal_prints_bound_the_foreground_by_their_own_rounding():
    # a log that prints three decimals (0.990, 0.995) stands for accuracy up to 0.9905 and a
    # Dice down to 0.9945: TP = d(1-a)/(2(1-d)) = 0.859, not the 0.980 of a four-decimal print
    series = {"loss": [0.052, 0.047, 0.043], "val_loss": [0.041, 0.042, 0.044],
              "val_accuracy": [0.99] * 3, "val_dice_coef": [0.995] * 3}
    [fingerprint] = [f for f in check_series("run", series)
                     if f.id == "saturation.all_ones_predictor"]
    assert "(at least 85.8 % foreground in the validation data)" in fingerprint.title
    assert "four" not in fingerprint.explanation
    phase = fingerprint.evidence["phases"]["validation"]
    assert round(phase["true_negative_share_at_most"], 4) == round(0.9905 - 0.8589, 4)
    # one value printed to four decimals elsewhere in the run: Keras's format, whose
    # trailing zeros a flat 0.9900 lost
    four = {**series, "loss": [0.0521, 0.047, 0.043]}
    [keras] = [f for f in check_series("run", four) if f.id == "saturation.all_ones_predictor"]
    assert "(at least 98 % foreground in the validation data)" in keras.title


def test_the_headline_gives_the_tn_the_rounding_of_the_prints_allows_not_one_value():
    from unetdiag.diag.logs.headline import headline
    from unetdiag.diag.logs.model import RunLog

    series = {"loss": [0.5012, 0.4, 0.3, 0.2, 0.1],
              "val_accuracy": [0.9, 0.95, 0.97, 0.98, 0.99],
              "val_dice": [0.9, 0.95, 0.97, 0.98, 0.9948]}
    epochs = [dict(zip(series, values, strict=True))
              for values in zip(*series.values(), strict=True)]
    said = headline([RunLog("run", epochs, [None] * 5, "")], check_series("run", series))
    assert "So between 1.92 % and 4.75 % of the validation pixels" in said
