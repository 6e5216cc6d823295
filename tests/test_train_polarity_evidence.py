"""train's ``imbalance.mostly_foreground`` worded on the same evidence as ``audit-data``'s
(issue 14): where the background of the mostly-foreground training masks lies, measured on
the thumbnails train keeps while it counts the decoded masks. Large objects (Kvasir-SEG's
polyp close-ups) were told "this often means inverted polarity"; DRIVE's vessels stored as
background are inverted polarity, now said with the evidence."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from unetdiag.config import TrainConfig
from unetdiag.training.data_stats import data_findings, stream_mask_counts

SIDE = 64


def split(masks: list[np.ndarray]) -> tf.data.Dataset:
    images = np.zeros((len(masks), SIDE, SIDE, 3), np.float32)
    return tf.data.Dataset.from_tensor_slices(
        (images, np.stack(masks)[..., None].astype(np.float32)))


def polyp_close_up(rng: np.random.Generator) -> np.ndarray:
    """A polyp filling most of the frame (Kvasir-SEG's close-ups): background in the corners."""
    rows, columns = np.mgrid[:SIDE, :SIDE]
    radius = rng.uniform(0.5, 0.58) * SIDE
    centre = SIDE / 2 + rng.normal(0, 2, 2)
    return ((rows - centre[0]) ** 2 + (columns - centre[1]) ** 2) <= radius ** 2


def vessels_as_background(rng: np.random.Generator) -> np.ndarray:
    """DRIVE stored the other way round: thin lines through the image read as background."""
    vessels = np.zeros((SIDE, SIDE), bool)
    for _ in range(4):
        vessels[rng.integers(8, SIDE - 8), 4:-4] = True
        vessels[4:-4, rng.integers(8, SIDE - 8)] = True
    return ~vessels


def mostly_foreground(make):
    rng = np.random.default_rng(0)
    train = stream_mask_counts(split([make(rng) for _ in range(10)]))
    val = stream_mask_counts(split([make(rng) for _ in range(2)]))
    (finding,) = [f for f in data_findings(TrainConfig(variants=("MP_Tr_BCE",)), train, val)
                  if f.id == "imbalance.mostly_foreground"]
    return finding


def test_large_polyps_are_not_called_inverted_polarity():
    finding = mostly_foreground(polyp_close_up)
    assert finding.source == "data:train"
    assert finding.severity.value == "info"
    placement = finding.evidence["background_placement"]
    assert (placement["verdict"], placement["gathered_at_border"]) == ("large objects", 10)
    assert "inverted polarity" not in finding.explanation.replace(
        "tell large objects from inverted polarity", "")
    assert "Consistent with large objects" in finding.explanation


def test_vessels_stored_as_background_are_called_inverted_with_the_evidence():
    finding = mostly_foreground(vessels_as_background)
    assert finding.severity.value == "warning"
    placement = finding.evidence["background_placement"]
    assert (placement["verdict"], placement["inside"]) == ("objects as background", 10)
    assert "often means inverted polarity" in finding.explanation
    assert "it lies inside the image or spreads through it" in finding.explanation


def test_evaluate_words_large_polyps_as_train_does(tmp_path):
    """evaluate checks the data it scores as train does: the same evidence, the same words."""
    import keras
    from PIL import Image

    from unetdiag.training.evaluate import evaluate_model

    inputs = keras.Input((SIDE, SIDE, 1))
    model = tmp_path / "model.keras"
    keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs)).save(model)
    data = tmp_path / "data"
    data.mkdir()
    rng = np.random.default_rng(1)
    for index in range(6):
        mask = (polyp_close_up(rng) * np.uint8(255)).astype(np.uint8)
        Image.fromarray(mask).save(data / f"polyp_{index}.png")
        Image.fromarray(mask).save(data / f"polyp_{index}_mask.png")
    report = evaluate_model(model, data, out_parent=tmp_path / "out").report
    (finding,) = [f for f in report.findings if f.id == "imbalance.mostly_foreground"]
    assert finding.evidence["background_placement"]["verdict"] == "large objects"
    assert "often means inverted polarity" not in finding.explanation


def test_the_train_headline_names_polarity_only_on_that_evidence():
    from unetdiag.training.train_report import HeadlineContext, train_headline

    context = HeadlineContext(results={}, train_size=10, val_size=2, baselines={},
                              val_foreground_fraction=None)
    inverted = train_headline([mostly_foreground(vessels_as_background)], context)
    assert inverted.startswith("Before training: 10 of 10 masks are more than 50% foreground, "
                               "what reads as background lying inside the image in 10 of "
                               "them: possible inverted polarity (data:train).")
    assert "polarity" not in train_headline([mostly_foreground(polyp_close_up)], context)
