"""STARE as distributed (session 31): ``stare-images/im0001.ppm.gz`` beside one label folder per
annotator, ``labels-ah/im0001.ah.ppm.gz`` and ``labels-vk/im0001.vk.ppm.gz`` (gzipped Netpbm;
e.g. the FEniCS-Medical-Simulation extraction script: "convert im0001.ah.ppm.gz
im0001.ah.pgm"). The audit refused the decompressed PPMs ("no file with a supported
extension"), said nothing of the .gz files, and gave the root no hint; a root of two folders
whose names pair with nothing (from different sources) was told to pair them."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from helpers import text
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.data.image_kinds import stored_depth
from unetdiag.exitcodes import UserError

IDS = (1, 2, 3, 4, 5, 44, 77, 81, 82, 139, 162, 163)


def stare(root: Path, compressed: bool = False) -> Path:
    """Images (RGB PPM) and two annotators' vessel labels (PPM, three equal channels 0/255)."""
    rng = np.random.default_rng(0)
    rows, columns = np.mgrid[:60, :70]
    for folder in ("stare-images", "labels-ah", "labels-vk"):
        (root / folder).mkdir(parents=True)
    for number in IDS:
        vessels = np.zeros((60, 70), bool)
        for _ in range(4):
            angle, offset = rng.uniform(0, np.pi), rng.uniform(-20, 20)
            vessels |= np.abs((rows - 30) * np.cos(angle) - (columns - 35) * np.sin(angle)
                              - offset) < 1.5
        image = np.clip(140 - 30 * vessels + rng.normal(0, 25, vessels.shape), 0, 255)
        files = {f"stare-images/im{number:04d}.ppm": np.repeat(image[..., None], 3, 2),
                 f"labels-ah/im{number:04d}.ah.ppm": np.repeat(vessels[..., None] * 255, 3, 2),
                 f"labels-vk/im{number:04d}.vk.ppm": np.repeat(vessels[..., None] * 255, 3, 2)}
        for name, pixels in files.items():
            Image.fromarray(pixels.astype(np.uint8)).save(root / name)
            if compressed:
                path = root / name
                path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes()))
                path.unlink()
    return root


def test_netpbm_images_and_masks_are_read_and_paired_by_the_annotator_tag(tmp_path):
    root = stare(tmp_path / "STARE")
    report = audit_dataset(root / "stare-images", root / "labels-ah", workers=1)
    assert report.meta["pairs"] == len(IDS)
    assert report.headline.startswith("No problems that would make metrics lie")


def test_gzipped_images_are_named_with_what_to_do(tmp_path):
    root = stare(tmp_path / "STARE", compressed=True)
    with pytest.raises(UserError) as refused:
        audit_dataset(root / "stare-images", root / "labels-ah", workers=1)
    assert "12 files are gzip-compressed images" in str(refused.value)
    assert "`gunzip -k *.gz`" in str(refused.value)


def test_the_root_names_the_image_folder_and_each_annotator_s_labels(tmp_path):
    root = stare(tmp_path / "STARE")
    with pytest.raises(UserError) as refused:
        audit_dataset(root, None, workers=1)
    assert (f"to pair images with masks, pass --images {root / 'stare-images'} --masks "
            f"{root / 'labels-ah'} (or --masks {root / 'labels-vk'})") in str(refused.value)


def test_a_root_of_two_folders_whose_names_pair_nothing_gets_no_pairing_hint(tmp_path):
    """photos/ beside labels/ of another source: no name of one pairs with the other's."""
    for folder, prefix in (("photos", "IMG_"), ("labels", "scan")):
        (tmp_path / folder).mkdir()
        for number in range(6):
            Image.fromarray(np.zeros((8, 8), np.uint8)).save(
                tmp_path / folder / f"{prefix}{number * 7 + 3:04d}.png")
    with pytest.raises(UserError) as refused:
        audit_dataset(tmp_path, None, workers=1)
    assert "--images" not in str(refused.value)


def test_sixteen_bit_pgm_is_called_16_bit_not_32_bit(tmp_path):
    """Pillow widens a 16-bit PGM (maxval 65535) to its 32-bit mode I: the masks were
    "stored as signed or 32-bit integers" (session 31). Netpbm's maxval is below 65536."""
    rng = np.random.default_rng(1)
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for number in range(6):
        mask = np.zeros((24, 32), np.uint16)
        mask[4:12 + number, 6:20] = 65535
        Image.fromarray(mask).save(tmp_path / "masks" / f"s{number}.pgm")
        Image.fromarray((rng.integers(0, 65536, (24, 32))).astype(np.uint16)).save(
            tmp_path / "images" / f"s{number}.pgm")
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    assert "32-bit" not in text(report)
    unusual = [f for f in report.findings if f.id == "mask.unusual_encoding"]
    assert unusual and unusual[0].title == "6 masks are stored as 16-bit holding 0 and 65535"


def test_the_trainer_s_image_kinds_call_a_16_bit_pgm_16_bit(tmp_path):
    Image.fromarray(np.full((4, 4), 40000, np.uint16)).save(tmp_path / "deep.pgm")
    assert stored_depth(tmp_path / "deep.pgm") == "16-bit"


def test_pbm_and_pgm_masks_are_named_so_not_ppm(tmp_path):
    """Pillow names every Netpbm file PPM: one-bit .pbm masks were "stored in 1 way: PPM 1
    binary" (session 31's review)."""
    rng = np.random.default_rng(0)
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for number in range(6):
        mask = np.zeros((24, 32), bool)
        mask[4:12 + number, 6:20] = True
        Image.fromarray(mask).convert("1").save(tmp_path / "masks" / f"s{number}.pbm")
        Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)).save(
            tmp_path / "images" / f"s{number}.ppm")
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    encodings = [f for f in report.findings if f.id == "mask.encodings"][0]
    assert encodings.title.startswith("Masks are stored in 1 way: PBM 1 ")
