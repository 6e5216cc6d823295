"""A folder named like an image and a symbolic link loop in a dataset folder: audit-data said
"1 of 3 masks have no image" without naming the folder, passed ``x.png/`` over unsaid, and
called a loop "2 of 5 images have no mask". Now each is named for what it is."""

import os

import numpy as np
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.data.instances import sample_images, supported_files


def _pairs(folder, count=3):
    folder.mkdir()
    for index in range(count):
        Image.fromarray(np.full((16, 16), 40 * index, np.uint8)).save(folder / f"c{index}.png")
        mask = np.zeros((16, 16), np.uint8)
        mask[4:9, 4:9] = 255
        Image.fromarray(mask).save(folder / f"c{index}_mask.png")
    return folder


def _pairing(report):
    return {f.id: f for f in report.findings if f.source == "pairing"}


def test_a_folder_named_like_an_image_is_named(tmp_path):
    data = _pairs(tmp_path / "data")
    (data / "c0.png").unlink()
    (data / "c0.png").mkdir()
    (data / "x.png").mkdir()
    found = _pairing(audit_dataset(data, workers=1))
    folder = found["pairing.folder_named_like_image"]
    assert folder.title == "2 folders named like images are folders: c0.png, x.png"
    assert folder.files == (f"{data / 'c0.png'}/", f"{data / 'x.png'}/")
    assert "a mask named for one is a mask without an image" in folder.explanation
    assert "pairing.orphan_mask" in found  # c0_mask.png, now with its reason beside it
    assert "pairing.ignored_files" not in found  # not said twice


def test_one_folder_named_like_an_image_says_so(tmp_path):
    data = _pairs(tmp_path / "data")
    (data / "x.png").mkdir()
    folder = _pairing(audit_dataset(data, workers=1))["pairing.folder_named_like_image"]
    assert folder.title == "x.png is a folder, not an image"


def test_a_link_loop_is_named_a_loop_not_an_image_without_a_mask(tmp_path):
    data = _pairs(tmp_path / "data")
    os.symlink("b.png", data / "a.png")
    os.symlink("a.png", data / "b.png")
    report = audit_dataset(data, workers=1)
    found = _pairing(report)
    assert "pairing.missing_mask" not in found
    loop = found["pairing.link_loop"]
    assert loop.title == "2 symbolic links end in a loop: a.png, b.png"
    assert loop.files == (str(data / "a.png"), str(data / "b.png"))
    assert report.headline.startswith("2 symbolic links end in a loop: a.png, b.png")


def test_predicts_listing_keeps_a_loop_to_name_it_when_read(tmp_path):
    data = _pairs(tmp_path / "data", count=1)
    os.symlink("b.png", data / "a.png")
    os.symlink("a.png", data / "b.png")
    assert [path.name for path in supported_files(data)] == ["a.png", "b.png", "c0.png",
                                                             "c0_mask.png"]
    assert sample_images(data) is None


def test_a_chain_longer_than_the_system_follows_is_not_called_a_loop(tmp_path):
    # ELOOP is what the system says of a loop and of a chain of more than 40 links alike
    data = _pairs(tmp_path / "data")
    links = tmp_path / "links"  # the chain's links, outside the dataset folder
    links.mkdir()
    target = data / "c0.png"
    for index in range(45):
        os.symlink(target, links / f"l{index:02d}")
        target = links / f"l{index:02d}"
    os.symlink(target, data / "chain.png")
    found = _pairing(audit_dataset(data, workers=1))
    assert "pairing.link_loop" not in found
    chain = found["pairing.link_chain_too_long"]
    assert chain.title == "1 symbolic link through more links than the system follows: chain.png"
    assert "its chain is no loop" in chain.explanation
    assert chain.files == (str(data / "chain.png"),)


def test_a_link_into_a_loop_is_not_said_to_be_in_it(tmp_path):
    # feeder.png -> c.lnk -> d.lnk -> c.lnk: following it ends in the loop it is no part of
    data = _pairs(tmp_path / "data")
    links = tmp_path / "links"
    links.mkdir()
    os.symlink(links / "d.lnk", links / "c.lnk")
    os.symlink(links / "c.lnk", links / "d.lnk")
    os.symlink(links / "c.lnk", data / "feeder.png")
    loop = _pairing(audit_dataset(data, workers=1))["pairing.link_loop"]
    assert loop.title == "1 symbolic link ends in a loop: feeder.png"
