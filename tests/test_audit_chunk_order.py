"""audit-data's report does not depend on the order the read chunks arrive in: with workers,
a worker may finish a later chunk before this process finishes an earlier one."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unetdiag.diag.audit import run as audit_run
from unetdiag.diag.audit.run import audit_dataset

PAIRS = 40


def _mask_bytes(index: int, mask: np.ndarray) -> bytes:
    """Masks stored five ways, one way per run of eight pairs, and one unreadable file."""
    buffer = io.BytesIO()
    kind = index // 8
    if index == PAIRS - 1:
        return b"not a png"
    if kind == 0:
        Image.fromarray(mask * 255).save(buffer, "PNG")
    elif kind == 1:
        Image.fromarray(mask).save(buffer, "PNG")
    elif kind == 2:
        Image.fromarray(mask.astype(np.uint16) * 65535).save(buffer, "PNG")
    elif kind == 3:
        palette = Image.fromarray(mask, "P")
        palette.putpalette([0, 0, 0, 255, 0, 0])
        palette.save(buffer, "PNG")
    else:
        Image.fromarray(np.stack([mask * 255] * 3, axis=-1)).save(buffer, "PNG")
    return buffer.getvalue()


def _write(root: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(4)
    images, masks = root / "images", root / "masks"
    images.mkdir(parents=True)
    masks.mkdir()
    for index in range(PAIRS):
        mask = np.zeros((32, 32), np.uint8)
        mask[4:8 + index % 16, 6:22] = 1
        name = f"{index:03d}.png"
        Image.fromarray(rng.integers(0, 256, (32, 32), dtype=np.uint8)).save(images / name)
        (masks / name).write_bytes(_mask_bytes(index, mask))
    return images, masks


def _report(images: Path, masks: Path) -> dict:
    data = audit_dataset(images, masks, workers=1).to_dict()
    for timed in ("seconds", "read_seconds"):
        del data["meta"][timed]
    return data


@pytest.mark.parametrize("arrival", ["reversed", "odd chunks first"])
def test_the_report_is_the_same_whatever_order_the_chunks_arrive_in(tmp_path, monkeypatch,
                                                                    arrival):
    images, masks = _write(tmp_path / "set")
    in_order = _report(images, masks)
    read_all = audit_run.read_all

    def rearranged(*args, **options):
        chunks = list(read_all(*args, **options))
        assert len(chunks) > 2  # several chunks, so their order can differ
        return chunks[::-1] if arrival == "reversed" else chunks[1::2] + chunks[::2]

    monkeypatch.setattr(audit_run, "read_all", rearranged)
    assert _report(images, masks) == in_order
