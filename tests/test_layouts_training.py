"""The trainer's side of the new layouts: the tf.data pipeline decodes folder masks and stack
pages through the same readers, and ``data.json`` records how the pairs were formed."""

from __future__ import annotations

import numpy as np
from PIL import Image

from unetdiag.config import TrainConfig
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.training.pipeline import build_datasets
from unetdiag.training.run.split import data_record, discover_and_split

SIDE = 16


def _elements(dataset) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(image, mask) for images, masks in dataset.as_numpy_iterator()
            for image, mask in zip(images, masks, strict=True)]


def _build(pairs):
    return build_datasets(pairs[:-1], pairs[-1:], img_size=SIDE, channels=1, batch_size=8,
                          policy=MaskPolicy(), augment=False, seed=0)


def test_stack_pages_reach_the_model_page_by_page(tmp_path):
    volume = [Image.fromarray(np.full((SIDE, SIDE), 10 * page, np.uint8)) for page in range(1, 5)]
    labels = []
    for page in range(1, 5):
        values = np.zeros((SIDE, SIDE), np.uint8)
        values[:page, :] = 255
        labels.append(Image.fromarray(values))
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    volume[0].save(tmp_path / "images" / "s.tif", save_all=True, append_images=volume[1:])
    labels[0].save(tmp_path / "masks" / "s.tif", save_all=True, append_images=labels[1:])
    pairs = discover_pairs(tmp_path / "images", tmp_path / "masks").pairs
    datasets = _build(pairs)
    seen = sorted((round(float(image.mean()) * 255), int(mask.sum()))
                  for dataset in (datasets.train, datasets.val)
                  for image, mask in _elements(dataset))
    assert seen == [(10 * page, page * SIDE) for page in range(1, 5)]


def test_instance_folders_reach_the_model_as_the_union_of_their_objects(tmp_path):
    root = tmp_path / "stage1_train"
    for number in range(3):
        sample = root / f"s{number}"
        (sample / "images").mkdir(parents=True)
        (sample / "masks").mkdir()
        Image.fromarray(np.zeros((SIDE, SIDE), np.uint8)).save(sample / "images" / "i.png")
        for row in range(number + 1):  # sample k holds k + 1 one-row objects
            values = np.zeros((SIDE, SIDE), np.uint8)
            values[2 * row, :] = 255
            Image.fromarray(values).save(sample / "masks" / f"o{row}.png")
    pairs = discover_pairs(root).pairs
    datasets = _build(pairs)
    sums = sorted(int(mask.sum()) for dataset in (datasets.train, datasets.val)
                  for _, mask in _elements(dataset))
    assert sums == [SIDE, 2 * SIDE, 3 * SIDE]


def test_data_json_records_the_pairing_rule(tmp_path):
    for name in [f"{n}_training.png" for n in range(21, 26)]:
        (tmp_path / "images").mkdir(exist_ok=True)
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "images" / name)
    for name in [f"{n}_manual1.png" for n in range(21, 26)]:
        (tmp_path / "masks").mkdir(exist_ok=True)
        Image.fromarray(np.full((8, 8), 255, np.uint8)).save(tmp_path / "masks" / name)
    config = TrainConfig(images=tmp_path / "images", masks=tmp_path / "masks")
    findings, train, val, rule = discover_and_split(config)
    record = data_record(config, train, val, rule)
    assert record["pairing"]["source"] == "inferred"
    assert record["pairing"]["flag"] == "--mask-pattern '{key}_manual1'"
    assert [finding.id for finding in findings] == ["pairing.rule_inferred"]
    given = TrainConfig(images=tmp_path / "images", masks=tmp_path / "masks",
                        mask_pattern="{key}_manual1")
    assert TrainConfig.from_dict(given.to_dict()) == given
    *_, given_rule = discover_and_split(given)
    assert given_rule.source == "given" and given_rule.mask_pattern == "{key}_manual1"
