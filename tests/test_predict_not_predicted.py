"""unetdiag predict names every file of the folder it does not predict, with why, and one
unreadable file costs its own mask only: before, a corrupt PNG stopped the run (no mask for
the others, the output folder removed) and a .webp or .heic image was passed over unsaid."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from helpers import one_convolution_model
from PIL import Image, features

from unetdiag.cli import main
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.predict import MANIFEST_FILENAME, predict_folder

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


def _folder_with_a_corrupt_image(folder):
    folder.mkdir()
    for name in ("a", "b", "c"):
        Image.fromarray(np.full((16, 16), 200, np.uint8)).save(folder / f"{name}.png")
    (folder / "broken.png").write_bytes(b"not a png")
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "photo.heic").write_bytes(b"ftypheic")  # Pillow reads no HEIC of its own
    return folder


def test_a_corrupt_image_costs_its_own_mask_and_every_skipped_file_is_named(tmp_path):
    model = one_convolution_model(tmp_path / "m.keras")
    images = _folder_with_a_corrupt_image(tmp_path / "in")
    result = predict_folder(model, images, tmp_path / "out")
    assert sorted(record["image"] for record in result.records) == ["a.png", "b.png", "c.png"]
    assert sorted(path.name for path in (tmp_path / "out").glob("*.png")) == [
        "a.png", "b.png", "c.png"]
    manifest = json.loads((tmp_path / "out" / MANIFEST_FILENAME).read_text())
    why = {entry["image"]: entry["why"] for entry in manifest["not_predicted"]}
    assert why == {"photo.heic": "an extension predict does not read",
                   "broken.png": "not an image Pillow can read (unrecognised content)",
                   "empty.jpg": "empty file (0 bytes)"}


def test_the_console_names_each_file_not_predicted_and_the_status_warns(tmp_path, capsys):
    model = one_convolution_model(tmp_path / "m.keras")
    images = _folder_with_a_corrupt_image(tmp_path / "in")
    status = main(["predict", str(model), "--images", str(images), "--out",
                   str(tmp_path / "out"), "--quiet"])
    out = " ".join(capsys.readouterr().out.split())
    assert status == ExitCode.WARNINGS
    assert "wrote 3 masks" in out
    assert "not predicted: broken.png: not an image Pillow can read" in out
    assert "not predicted: empty.jpg: empty file (0 bytes)" in out
    assert ("warning: 2 of 5 image(s) could not be read and got no mask; the other 3 were "
            "predicted") in out
    assert ("left out 1 file(s) of an extension predict does not read (.heic): photo.heic"
            in out)


@pytest.mark.skipif(not features.check_module("webp"), reason="Pillow built without WebP")
def test_a_webp_image_is_predicted_when_pillow_reads_webp(tmp_path):
    """predict named .webp files as "an extension predict does not read" although the
    Pillow it reads every other image with decodes WebP."""
    model = one_convolution_model(tmp_path / "m.keras")
    images = tmp_path / "in"
    images.mkdir()
    Image.fromarray(np.full((16, 16), 200, np.uint8)).save(images / "a.png")
    Image.fromarray(np.full((16, 16), 200, np.uint8)).save(images / "photo.webp")
    result = predict_folder(model, images, tmp_path / "out")
    assert sorted(record["image"] for record in result.records) == ["a.png", "photo.webp"]
    assert result.not_predicted(images) == []


def test_a_file_left_unread_for_its_extension_gives_status_1_as_an_unreadable_one(tmp_path):
    """A file of the folder that got no mask because predict does not read its extension
    is listed in not_predicted, as an unreadable image is; the status was 0 for the one and
    1 for the other."""
    model = one_convolution_model(tmp_path / "m.keras")
    images = tmp_path / "in"
    images.mkdir()
    Image.fromarray(np.full((16, 16), 200, np.uint8)).save(images / "a.png")
    np.save(images / "scan.npy", np.zeros((4, 4)))
    status = main(["predict", str(model), "--images", str(images), "--out",
                   str(tmp_path / "out"), "--quiet"])
    assert status == ExitCode.WARNINGS
    manifest = json.loads((tmp_path / "out" / MANIFEST_FILENAME).read_text())
    assert [entry["image"] for entry in manifest["not_predicted"]] == ["scan.npy"]


def test_a_folder_of_unreadable_images_only_is_refused_naming_one(tmp_path):
    model = one_convolution_model(tmp_path / "m.keras")
    images = tmp_path / "in"
    images.mkdir()
    (images / "broken.png").write_bytes(b"not a png")
    with pytest.raises(UserError, match=r"none of its 1 image\(s\) could be read \(e\.g\. "
                       r"broken\.png: not an image Pillow can read"):
        predict_folder(model, images, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_folder_of_unreadable_images_leaves_an_earlier_output_as_it_was(tmp_path):
    """Refused with status 4 (none of the images could be read), predict had already removed
    the earlier output's masks and predict.json from --out: a refusal of the input emptied
    the output, where a folder holding no image at all is refused before --out is touched."""
    model = one_convolution_model(tmp_path / "m.keras")
    first = tmp_path / "first"
    first.mkdir()
    Image.fromarray(np.full((16, 16), 200, np.uint8)).save(first / "a.png")
    predict_folder(model, first, tmp_path / "out")
    before = sorted(path.relative_to(tmp_path / "out").as_posix()
                    for path in (tmp_path / "out").rglob("*"))
    images = tmp_path / "in"
    images.mkdir()
    (images / "broken.png").write_bytes(b"not a png")
    with pytest.raises(UserError, match=r"none of its 1 image\(s\) could be read") as refused:
        predict_folder(model, images, tmp_path / "out")
    assert refused.value.code == ExitCode.INPUT_ERROR
    assert sorted(path.relative_to(tmp_path / "out").as_posix()
                  for path in (tmp_path / "out").rglob("*")) == before


def test_a_folder_of_other_extensions_only_names_them_in_its_refusal(tmp_path):
    model = one_convolution_model(tmp_path / "m.keras")
    images = tmp_path / "in"
    images.mkdir()
    (images / "photo.heic").write_bytes(b"ftypheic")
    np.save(images / "scan.npy", np.zeros((4, 4)))
    with pytest.raises(UserError, match=r"2 file\(s\) of other extensions \(\.heic, \.npy\); "
                       r"1 file is a NumPy array"):
        predict_folder(model, images, tmp_path / "out")


def test_masks_named_by_a_pattern_beside_their_images_are_not_predicted(tmp_path):
    """DRIVE as distributed names its vessel masks ``21_manual1.gif`` beside
    ``21_training.tif``: train and evaluate pair them by that pattern, but predict left out
    only ``_mask``, ``_seg`` and ``_label`` and wrote a 'prediction' of each mask, naming it
    among the images."""
    from unetdiag.training.predict_listing import list_images

    folder = tmp_path / "in"
    folder.mkdir()
    for key in ("21", "22", "23"):
        Image.fromarray(np.full((16, 16, 3), 90, np.uint8)).save(folder / f"{key}_training.tif")
        Image.fromarray(np.zeros((16, 16), np.uint8)).save(folder / f"{key}_manual1.gif")
        Image.fromarray(np.zeros((16, 16), np.uint8)).save(folder / f"{key}_training_mask.gif")
    listing = list_images(folder)
    assert [path.name for path in listing.images] == [
        "21_training.tif", "22_training.tif", "23_training.tif"]
    assert [(mask_set.label, len(mask_set.files)) for mask_set in listing.mask_sets] == [
        ("ending _mask", 3), ("named {key}_manual1", 3)]
    assert sorted(path.name for path in listing.masks) == sorted(
        [f"{key}_manual1.gif" for key in ("21", "22", "23")]
        + [f"{key}_training_mask.gif" for key in ("21", "22", "23")])


def test_a_second_annotator_s_masks_are_named_with_their_own_pattern(tmp_path):
    """CHASE_DB1 ships ``Image_01L_1stHO.png`` and ``Image_01L_2ndHO.png`` beside
    ``Image_01L.jpg``: both sets are left out, and the console's example (a ``_2ndHO`` file)
    was said to follow ``{key}_1stHO``."""
    from unetdiag.training.predict_listing import list_images

    folder = tmp_path / "in"
    folder.mkdir()
    rng = np.random.default_rng(0)
    mask = np.zeros((16, 16), np.uint8)
    mask[4:8] = 255
    for key in ("01L", "01R", "02L"):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), np.uint8)).save(
            folder / f"Image_{key}.jpg")
        for annotator in ("1stHO", "2ndHO"):
            Image.fromarray(mask).save(folder / f"Image_{key}_{annotator}.png")
    listing = list_images(folder)
    assert len(listing.images) == 3 and len(listing.masks) == 6
    assert [(mask_set.label, len(mask_set.files)) for mask_set in listing.mask_sets] == [
        ("named {key}_1stHO", 3), ("named {key}_2ndHO", 3)]


def test_a_folder_of_images_alone_keeps_every_image(tmp_path):
    from unetdiag.training.predict_listing import list_images

    folder = tmp_path / "in"
    folder.mkdir()
    for stem in ("21_training", "22_training", "labelled_1", "labelled_2"):
        Image.fromarray(np.full((16, 16), 90, np.uint8)).save(folder / f"{stem}.png")
    listing = list_images(folder)
    assert len(listing.images) == 4 and listing.mask_sets == []


def test_numbered_photos_that_a_pattern_happens_to_pair_are_all_predicted(tmp_path):
    """Photos numbered 1, 2, 10, 20 pair one to one under ``{key}0`` (1 -> 10, 2 -> 20): a
    pattern with no mask word whose 'masks' are photos (thousands of colours) is no mask set,
    and predict left out 10.png and 20.png as masks of 1.png and 2.png."""
    from unetdiag.training.predict_listing import list_images

    folder = tmp_path / "in"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for stem in ("1", "2", "10", "20"):
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), np.uint8)).save(folder / f"{stem}.png")
    listing = list_images(folder)
    assert sorted(path.name for path in listing.images) == ["1.png", "10.png", "2.png",
                                                            "20.png"]
    assert (listing.mask_sets, listing.masks) == ([], [])


def test_label_images_named_by_a_pattern_without_a_mask_word_are_left_out(tmp_path):
    """CamVid's ``0001TP_006690_L.png`` beside ``0001TP_006690.png``: no mask word, but the
    'masks' hold a few colours (label colours), the images many."""
    from unetdiag.training.predict_listing import list_images

    folder = tmp_path / "in"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for frame in ("006690", "006720", "006750"):
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), np.uint8)).save(
            folder / f"0001TP_{frame}.png")
        labels = np.zeros((32, 32, 3), np.uint8)
        labels[8:, :] = (128, 64, 128)
        Image.fromarray(labels).save(folder / f"0001TP_{frame}_L.png")
    listing = list_images(folder)
    assert [mask_set.rule for mask_set in listing.mask_sets] == ["{key}_L"]
    assert len(listing.images) == 3 and len(listing.masks) == 3


def test_a_photo_with_an_exif_orientation_is_named_with_the_turn_its_mask_lacks(tmp_path):
    """A phone photo stored sideways with EXIF Orientation 6 (viewers turn it 90 degrees):
    predict reads the stored pixels, as train does, so the mask is sideways against the
    photo as displayed; predict said nothing of it."""
    from unetdiag.training.predict_notes import orientation_lines

    model = one_convolution_model(tmp_path / "m.keras")
    folder = tmp_path / "in"
    folder.mkdir()
    photo = Image.fromarray(np.full((16, 24, 3), 120, np.uint8))
    exif = photo.getexif()
    exif[0x0112] = 6
    photo.save(folder / "phone.jpg", exif=exif)
    Image.fromarray(np.full((16, 16), 200, np.uint8)).save(folder / "plain.png")
    result = predict_folder(model, folder, tmp_path / "out")
    orientation = {record["image"]: record["exif_orientation"] for record in result.records}
    assert orientation == {"phone.jpg": 6, "plain.png": 1}
    (line,) = orientation_lines(result)
    assert line.startswith("note: 1 image(s) with an EXIF orientation that viewers apply "
                           "(phone.jpg: viewers turn them 90 degrees clockwise)")
    assert "PIL.ImageOps.exif_transpose" in line


def test_an_exif_orientation_after_a_png_s_pixels_is_not_said_to_be_applied(tmp_path):
    """Browsers ignore an orientation that comes after the image data
    (w3c/csswg-drafts#4929): a PNG whose eXIf chunk follows its IDAT is shown as stored, and
    predict said viewers turn it."""
    import struct
    import zlib

    from unetdiag.training.predict_notes import orientation_lines

    model = one_convolution_model(tmp_path / "m.keras")
    folder = tmp_path / "in"
    folder.mkdir()
    photo = Image.fromarray(np.full((16, 24), 120, np.uint8))
    exif = photo.getexif()
    exif[0x0112] = 6
    photo.save(folder / "early.png", exif=exif)
    plain = io.BytesIO()
    photo.save(plain, "PNG")
    data, body = plain.getvalue(), exif.tobytes()
    chunk = (struct.pack(">I", len(body)) + b"eXIf" + body
             + struct.pack(">I", zlib.crc32(b"eXIf" + body)))
    end = data.rindex(b"IEND") - 4
    (folder / "late.png").write_bytes(data[:end] + chunk + data[end:])
    result = predict_folder(model, folder, tmp_path / "out")
    late = next(record for record in result.records if record["image"] == "late.png")
    assert (late["exif_orientation"], late["exif_after_pixels"]) == (6, True)
    (line,) = orientation_lines(result)
    assert "early.png" in line and "late.png" not in line


def test_a_readme_and_windows_files_beside_the_images_are_no_images_missed(tmp_path, capsys):
    """A folder of images with README.txt, LICENSE, Thumbs.db and desktop.ini beside them
    exited 1 and listed the four as not_predicted ("convert an image saved otherwise to
    PNG"): none is an image, so nothing the user meant to predict was missed. Windows'
    files are passed over as .DS_Store is; the README and the licence are named in
    predict.json's not_images; a HEIC photo beside them still gives status 1."""
    model = one_convolution_model(tmp_path / "m.keras")
    images = tmp_path / "in"
    images.mkdir()
    Image.fromarray(np.full((16, 16), 200, np.uint8)).save(images / "a.png")
    (images / "README.txt").write_text("DRIVE test images\n")
    (images / "LICENSE").write_text("CC BY 4.0\n")
    (images / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (images / "desktop.ini").write_text("[.ShellClassInfo]\n")
    (images / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    status = main(["predict", str(model), "--images", str(images), "--out",
                   str(tmp_path / "out"), "--quiet"])
    out = " ".join(capsys.readouterr().out.split())
    assert status == ExitCode.OK
    assert "does not read" not in out
    manifest = json.loads((tmp_path / "out" / MANIFEST_FILENAME).read_text())
    assert manifest["not_predicted"] == []
    assert manifest["not_images"] == ["LICENSE", "README.txt"]
    (images / "photo.heic").write_bytes(b"ftypheic")
    status = main(["predict", str(model), "--images", str(images), "--out",
                   str(tmp_path / "out2"), "--quiet"])
    assert status == ExitCode.WARNINGS
    manifest = json.loads((tmp_path / "out2" / MANIFEST_FILENAME).read_text())
    assert [entry["image"] for entry in manifest["not_predicted"]] == ["photo.heic"]


def test_a_png_saved_without_an_extension_is_an_image_missed(tmp_path):
    """An image told by its content (a PNG saved as ``scan``) is not predicted and is named
    as missed, unlike a text file without an extension."""
    from unetdiag.training.predict_listing import is_image_file

    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "scan", format="PNG")
    (tmp_path / "LICENSE").write_text("MIT\n")
    assert is_image_file(tmp_path / "scan")
    assert not is_image_file(tmp_path / "LICENSE")


def test_an_archive_or_array_file_beside_the_images_is_no_image_missed(tmp_path, capsys):
    """A dataset.zip, labels.mat and labels.h5 beside the images are no images predict
    missed (status 0, predict.json's not_images); --images given the zip itself calls it an
    archive, not an image file."""
    model = one_convolution_model(tmp_path / "m.keras")
    images = tmp_path / "in"
    images.mkdir()
    Image.fromarray(np.full((16, 16), 200, np.uint8)).save(images / "a.png")
    (images / "dataset.zip").write_bytes(b"PK\x03\x04" + bytes(64))
    (images / "labels.mat").write_bytes(b"MATLAB 5.0 MAT-file, Platform: GLNXA64")
    (images / "labels.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(16))
    status = main(["predict", str(model), "--images", str(images), "--out",
                   str(tmp_path / "out"), "--quiet"])
    assert status == ExitCode.OK
    manifest = json.loads((tmp_path / "out" / MANIFEST_FILENAME).read_text())
    assert manifest["not_predicted"] == []
    assert manifest["not_images"] == ["dataset.zip", "labels.h5", "labels.mat"]
    capsys.readouterr()
    status = main(["predict", str(model), "--images", str(images / "dataset.zip"), "--out",
                   str(tmp_path / "out2"), "--quiet"])
    error = " ".join(capsys.readouterr().err.split())
    assert status == ExitCode.INPUT_ERROR
    assert "is a file, not a folder" in error and "dataset.zip is an archive" in error
    assert "is an image file" not in error
