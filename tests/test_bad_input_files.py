"""Files named like images that are not what their name says are named for what they are:
a FIFO or a device is no "empty file", and is never opened (a FIFO would block the reader
until something writes to it; a device such as /dev/zero never ends)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.data.reading import ImageReadError, load_mask_values, read_image


@pytest.mark.parametrize("reader", [read_image, load_mask_values])
def test_a_fifo_named_like_an_image_is_named_a_fifo_and_not_opened(tmp_path, reader):
    fifo = tmp_path / "cells_000.png"
    os.mkfifo(fifo)  # nothing ever writes to it: opening it for reading would block
    with pytest.raises(ImageReadError) as caught:
        reader(fifo)
    assert caught.value.reason == ("not a regular file: a FIFO (named pipe), never opened "
                                   "(reading one can wait for a writer or never end)")


def test_a_link_to_a_device_is_named_a_device(tmp_path):
    link = tmp_path / "cells_000_mask.png"
    link.symlink_to("/dev/null")  # a character device, as /dev/zero is, but one that ends
    with pytest.raises(ImageReadError, match=r": not a regular file: a character device, "):
        load_mask_values(link)


def test_an_empty_regular_file_is_still_an_empty_file(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    with pytest.raises(ImageReadError, match=r"a\.png: empty file \(0 bytes\)$"):
        read_image(tmp_path / "a.png")
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "b.png")
    assert read_image(tmp_path / "b.png").shape[:2] == (4, 4)


def test_audit_data_names_a_fifo_as_no_regular_file(tmp_path):
    # its own finding, not file.unreadable's "Pillow raised an error while reading it"
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    for number in range(3):
        Image.fromarray(np.full((16, 16), 90, np.uint8)).save(images / f"{number}.png")
        mask = np.zeros((16, 16), np.uint8)
        mask[4:12, 4:12] = 255
        Image.fromarray(mask).save(masks / f"{number}.png")
    os.mkfifo(images / "3.png")
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(masks / "3.png")
    report = audit_dataset(images, masks, workers=1)
    [finding] = [f for f in report.findings if f.id == "file.not_regular"]
    assert finding.title == "1 file is not a regular file"
    assert "Pillow" not in finding.explanation
    assert not [f for f in report.findings if f.id == "file.unreadable"]
