"""Probability masks fed to `unetdiag train` raw (--no-mask-normalise) are not called
anti-aliased, resized or JPEG masks: the labels fit() receives are judged by the same rim
measure and rule as audit-data's mask.non_binary (session 27; jiwoon-ahn/psa#23, masks where
"probability value is assigned to each of the location(pixel)"). The maps are DRIVE's vessel
masks blurred (read from /work/shared/data, never written)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from helpers import finding
from PIL import Image
from rich.console import Console
from scipy import ndimage

from unetdiag.config import TrainConfig
from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.checks.masks import RIM_SHARE_FOR_RESAMPLING, check_label_values
from unetdiag.diag.data.masks import MaskPolicy

DRIVE = Path("/work/shared/data/drive_retina_vessels")
CROP, SIZE = 400, 96


def _drive_pairs(count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(grey image, bool vessel mask) crops of DRIVE, 400 px scaled to 96."""
    if not (DRIVE / "masks").is_dir():
        pytest.skip(f"{DRIVE} is not on this machine")
    pairs = []
    for mask_path in sorted((DRIVE / "masks").iterdir())[:count]:
        [image_path] = (DRIVE / "images").glob(mask_path.stem + ".*")
        box = (40, 40, 40 + CROP, 40 + CROP)
        image = Image.open(image_path).convert("L").crop(box).resize((SIZE, SIZE),
                                                                      Image.BILINEAR)
        mask = Image.open(mask_path).convert("L").crop(box).resize((SIZE, SIZE), Image.NEAREST)
        pairs.append((np.asarray(image), np.asarray(mask) > 127))
    return pairs


def _probability(mask: np.ndarray) -> np.ndarray:
    """A blurred vessel map (Gaussian sigma 1.2, x1.6, clipped to [0, 1]), float32."""
    blurred = ndimage.gaussian_filter(mask.astype(np.float32), 1.2) * 1.6
    return np.clip(blurred, 0, 1).astype(np.float32)


def _write(root: Path, pairs, tiff: bool = True) -> tuple[Path, Path]:
    images, masks = root / "images", root / "masks"
    images.mkdir(parents=True)
    masks.mkdir()
    for number, (image, mask) in enumerate(pairs):
        Image.fromarray(image).save(images / f"{number:03d}.png")
        if tiff:
            Image.fromarray(_probability(mask), mode="F").save(masks / f"{number:03d}.tif")
        else:
            Image.fromarray(mask.astype(np.uint8) * 255).save(masks / f"{number:03d}.png")
    return images, masks


def test_check_label_values_reads_probability_maps_as_audit_data_does(tmp_path):
    pairs = _drive_pairs(6)
    stack = np.stack([_probability(mask) for _, mask in pairs])[..., None]
    non_binary = {f.id: f for f in check_label_values(stack)}["labels.non_binary"]
    assert "the mark of a mask resized" not in non_binary.explanation
    assert "probability maps" in non_binary.explanation
    assert "--mask-threshold" in non_binary.fix
    assert non_binary.evidence["rim_share"] < RIM_SHARE_FOR_RESAMPLING
    # the same measure as audit-data's on the same files (pooled over the values between)
    images, masks = _write(tmp_path, pairs)
    audited = finding(audit_dataset(images, masks, mask_suffixes=("",), workers=1),
                      "mask.non_binary")
    assert audited.evidence["share_in_rims"] == pytest.approx(non_binary.evidence["rim_share"])
    # stored 0-255 and fed raw: the values between the ends are read the same way
    out_of_range = {f.id: f for f in check_label_values(
        np.round(stack * 255))}["labels.out_of_range"]
    assert out_of_range.evidence["intermediate_reading"] == "soft"
    assert "interpolated or JPEG" not in out_of_range.explanation
    assert "probability maps" in out_of_range.explanation


def test_resized_drive_masks_keep_the_resize_reading():
    pairs = _drive_pairs(6)
    resized = np.stack([np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize(
        (2 * SIZE, 2 * SIZE), Image.BILINEAR), dtype=np.float64) / 255 for _, mask in pairs])
    non_binary = {f.id: f for f in check_label_values(resized)}["labels.non_binary"]
    assert non_binary.evidence["rim_share"] > RIM_SHARE_FOR_RESAMPLING
    assert "the mark of a mask resized" in non_binary.explanation
    assert "nearest" in non_binary.fix


@pytest.mark.slow
@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_train_on_raw_probability_masks_names_them_not_anti_aliasing(tmp_path):
    from unetdiag.training.trainer import run_training  # TensorFlow starts here

    images, masks = _write(tmp_path / "data", _drive_pairs(10))
    config = TrainConfig(images=images, masks=masks, mask_suffixes=("",),
                         out_dir=tmp_path / "runs", variants=("MP_Tr_BCE",), img_size=32,
                         channels=1, base_filters=4, depth=2, batch_size=4, epochs=1,
                         min_steps_per_epoch=1, precision="float32", run_name="run",
                         quiet=True, mask_policy=MaskPolicy(normalise=False))
    result = run_training(config, console=Console(file=io.StringIO(), width=120))
    [non_binary] = [f for f in result.report.findings if f.id == "labels.non_binary"]
    assert "the mark of a mask resized" not in non_binary.explanation
    assert "drawn with anti-aliasing" not in non_binary.explanation
    assert "consistent with soft labels or probability maps" in non_binary.explanation
    assert "--mask-threshold" in non_binary.fix
    # the batches hold the maps shrunk 3x with nearest-neighbour: still fading
    assert non_binary.evidence["rim_share"] < RIM_SHARE_FOR_RESAMPLING
    assert non_binary.evidence["edge_share"] > 0.8  # near both classes, as before
