"""Refusals of folders holding labels or images in formats unetdiag does not read (YOLO
segmentation text, COCO JSON, NIfTI volumes, DICOM, NumPy arrays, images without an
extension): they name the format and what to convert, and never propose passing a folder
that would only be refused again (session 27's encodings pass)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from helpers import touch_files

from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.exitcodes import UserError

POLYGON = "0 0.1 0.2 0.3 0.2 0.3 0.4 0.1 0.4\n"


def _refusal(*args) -> str:
    with pytest.raises(UserError) as refused:
        discover_pairs(*args)
    return str(refused.value)


def _save_png(path: Path) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(path, format="PNG")


def _yolo_dataset(root: Path) -> None:
    for split in ("train", "val"):
        touch_files(root / "images" / split, *(f"{n}.png" for n in range(3)))
        for n in range(3):
            path = root / "labels" / split / f"{n}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(POLYGON, encoding="ascii")
    (root / "data.yaml").write_text("train: images/train\n", encoding="utf-8")


def test_a_yolo_root_is_not_told_to_pass_its_text_labels_as_masks(tmp_path):
    _yolo_dataset(tmp_path)
    message = _refusal(tmp_path)
    assert "--masks" not in message
    assert "in labels/train/ 3 files are YOLO segmentation labels" in message
    assert "not mask images" in message


def test_yolo_label_folder_given_as_masks_names_the_polygons(tmp_path):
    _yolo_dataset(tmp_path)
    message = _refusal(tmp_path / "images" / "train", tmp_path / "labels" / "train")
    assert "3 files are YOLO segmentation labels" in message
    assert "cv2.fillPoly" in message


def test_yolo_boxes_are_called_boxes_and_other_text_is_not_named(tmp_path):
    touch_files(tmp_path / "images", "0.png")
    (tmp_path / "boxes").mkdir()
    (tmp_path / "boxes" / "0.txt").write_text("0 0.5 0.5 0.2 0.1\n", encoding="ascii")
    assert "YOLO box labels" in _refusal(tmp_path / "images", tmp_path / "boxes")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "0.txt").write_text("scanned 2019, 12 patients\n", encoding="ascii")
    assert "YOLO" not in _refusal(tmp_path / "images", tmp_path / "notes")


def test_coco_annotations_are_named_wherever_they_are_given(tmp_path):
    touch_files(tmp_path / "images", *(f"{n}.jpg" for n in range(3)))
    coco = tmp_path / "annotations" / "instances_train.json"
    coco.parent.mkdir()
    coco.write_text(json.dumps({"images": [], "annotations": [], "categories": []}),
                    encoding="utf-8")
    root = _refusal(tmp_path)
    assert "--masks" not in root
    assert "in annotations/ 1 file is COCO annotations" in root
    for masks in (coco.parent, coco):
        assert "is COCO annotations" in _refusal(tmp_path / "images", masks)


def test_an_msd_task_of_nifti_volumes_is_not_told_to_pass_its_folders(tmp_path):
    for folder in ("imagesTr", "labelsTr"):
        for n in range(2):
            path = tmp_path / folder / f"case_{n}.nii.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(gzip.compress(b"\x5c\x01\x00\x00" + bytes(344)))
    (tmp_path / "dataset.json").write_text("{}", encoding="utf-8")
    message = _refusal(tmp_path)
    assert "--images" not in message
    assert "in imagesTr/ 2 files are NIfTI volumes" in message
    assert "2 files are NIfTI volumes" in _refusal(tmp_path / "imagesTr",
                                                   tmp_path / "labelsTr")


def test_dicom_files_are_named_by_extension_or_by_their_preamble(tmp_path):
    touch_files(tmp_path / "a", "1.2.3.dcm", "1.2.4.dcm")
    (tmp_path / "b").mkdir()
    for name in ("IM0000", "IM0001"):
        (tmp_path / "b" / name).write_bytes(bytes(128) + b"DICM" + bytes(16))
    for folder in ("a", "b"):
        assert "2 files are DICOM files" in _refusal(tmp_path / folder)


def test_masks_saved_without_an_extension_are_named_as_images(tmp_path):
    touch_files(tmp_path / "images", "000.png", "001.png")
    for name in ("000", "001"):
        _save_png(tmp_path / "masks" / name)
    message = _refusal(tmp_path / "images", tmp_path / "masks")
    assert "2 files without an extension are PNG images by their content" in message
    assert "rename them with .png" in message


def test_numpy_masks_are_named(tmp_path):
    touch_files(tmp_path / "images", "000.png")
    (tmp_path / "masks").mkdir()
    np.save(tmp_path / "masks" / "000.npy", np.zeros((4, 4), np.float32))
    message = _refusal(tmp_path / "images", tmp_path / "masks")
    assert "1 file is a NumPy array (.npy/.npz)" in message


def test_a_pascal_voc_root_names_its_image_and_class_folders(tmp_path):
    touch_files(tmp_path, *(f"JPEGImages/2007_{n:06d}.jpg" for n in range(4)),
                *(f"SegmentationClass/2007_{n:06d}.png" for n in range(2)),
                *(f"SegmentationObject/2007_{n:06d}.png" for n in range(2)),
                *(f"Annotations/2007_{n:06d}.xml" for n in range(4)),
                "ImageSets/Segmentation/train.txt")
    message = _refusal(tmp_path)
    assert (f"pass --images {tmp_path / 'JPEGImages'} --masks "
            f"{tmp_path / 'SegmentationClass'}") in message
    assert "Annotations" not in message.split("pass --images", 1)[1]


def test_labelme_json_beside_the_images_is_named(tmp_path):
    touch_files(tmp_path, "0.jpg", "1.jpg")
    for name in ("0", "1"):
        (tmp_path / f"{name}.json").write_text(json.dumps(
            {"shapes": [{"label": "a", "points": [[1, 1], [5, 1], [5, 5]]}],
             "imagePath": f"{name}.jpg"}), encoding="utf-8")
    message = _refusal(tmp_path)
    assert "2 files are labelme annotations" in message


def test_matlab_and_hdf5_labels_are_named_with_what_to_convert(tmp_path):
    """SBD's ``cls/*.mat`` (DrSleep/tensorflow-deeplab-resnet#4: "Labels are distributed as
    .mat files") and ilastik's ``.h5`` labels given as the mask folder."""
    touch_files(tmp_path / "images", *(f"{n}.png" for n in range(3)))
    (tmp_path / "cls").mkdir()
    (tmp_path / "h5").mkdir()
    for n in range(3):
        (tmp_path / "cls" / f"{n}.mat").write_bytes(b"MATLAB 5.0 MAT-file, Platform: GLNXA64")
        (tmp_path / "h5" / f"{n}.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(16))
    matlab = _refusal(tmp_path / "images", tmp_path / "cls")
    assert "3 files are MATLAB files" in matlab and "scipy.io.loadmat" in matlab
    hdf5 = _refusal(tmp_path / "images", tmp_path / "h5")
    assert "3 files are HDF5 files" in hdf5 and "h5py" in hdf5


def test_matlab_and_hdf5_images_are_not_told_to_be_saved_as_labels(tmp_path):
    """A folder of images kept as MATLAB or HDF5 arrays (hyperspectral cubes, a microscope's
    export) given as the images: the content proves a MATLAB or HDF5 file, not a label, so
    the refusal says what to do with an array of either; one file is "a MATLAB file"."""
    (tmp_path / "mat").mkdir()
    (tmp_path / "h5").mkdir()
    (tmp_path / "mat" / "0.mat").write_bytes(b"MATLAB 5.0 MAT-file, Platform: GLNXA64")
    (tmp_path / "h5" / "0.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(16))
    matlab = _refusal(tmp_path / "mat")
    assert "1 file is a MATLAB file (.mat;" in matlab
    assert "save the array you mean as a PNG (a mask under its image's name" in matlab
    assert "label array" not in matlab
    hdf5 = _refusal(tmp_path / "h5")
    assert "1 file is an HDF5 file (.h5/.hdf5;" in hdf5
    assert "as its own PNG (a mask under its image's name)" in hdf5


def test_a_mat_file_is_named_by_its_header_not_by_its_extension(tmp_path):
    """Beside a MATLAB file, a .mat file without MATLAB's header text (Microsoft Access's
    .mat shortcuts share the extension) is not counted as one; alone, nothing is named."""
    touch_files(tmp_path / "images", "0.png")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "0.mat").write_bytes(b"not a MATLAB header")
    assert "MATLAB" not in _refusal(tmp_path / "images", tmp_path / "other")
    (tmp_path / "other" / "1.mat").write_bytes(b"MATLAB 5.0 MAT-file, Platform: GLNXA64")
    (tmp_path / "proven").mkdir()
    (tmp_path / "proven" / "1.mat").write_bytes(b"MATLAB 5.0 MAT-file, Platform: GLNXA64")
    assert "1 file is a MATLAB file" in _refusal(tmp_path / "images", tmp_path / "proven")
    # a group is named only when every file looked into is of its kind
    assert "MATLAB" not in _refusal(tmp_path / "images", tmp_path / "other")


@pytest.mark.parametrize(("fmt", "suffix", "name"), [("WEBP", ".webp", "WebP"),
                                                     ("JPEG2000", ".jp2", "JPEG 2000")])
def test_images_in_formats_pairing_does_not_pick_are_named(tmp_path, fmt, suffix, name):
    """A dataset regenerated as WebP (ultralytics/yolov5#2166: "it failed saying 'no images
    found'") or JPEG 2000: the refusal names the format and the conversion."""
    from PIL import Image, features

    if fmt == "JPEG2000" and not features.check("jpg_2000"):
        pytest.skip("Pillow built without OpenJPEG")
    (tmp_path / "images").mkdir()
    for n in range(3):
        Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "images" / f"{n}{suffix}",
                                                         format=fmt)
        _save_png(tmp_path / "masks" / f"{n}.png")
    message = _refusal(tmp_path / "images", tmp_path / "masks")
    assert f"3 files are {name} images (0{suffix}, 1{suffix}, 2{suffix})" in message
    assert "convert them to PNG under the same names" in message
    # predict reads WebP (and AVIF) where Pillow has the codec: "unetdiag does not read" was
    # untrue of it
    assert "a format audit-data, train and evaluate do not read" in message


def test_a_dataset_still_in_its_archive_is_told_to_be_unpacked(tmp_path):
    """A downloaded zip passed as the dataset, or a folder holding only it
    (BloodAxe/Catalyst-Inria-Segmentation-Example#4: "You should unzip all archives to get
    folder with "train" and "test" directories")."""
    import zipfile

    archive = tmp_path / "downloads" / "kvasir-seg.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("images/0.png", b"")
    for given in (archive, archive.parent):
        message = _refusal(given)
        assert "kvasir-seg.zip is an archive" in message
        assert "`unzip kvasir-seg.zip -d kvasir-seg`" in message
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "old.zip").write_bytes(b"not a zip")
    assert "archive" not in _refusal(tmp_path / "notes")


def test_jpeg_files_saved_as_jfif_are_told_to_be_renamed(tmp_path):
    """Browsers on Windows save downloaded JPEGs as .jfif (supervisely/supervisely#839 added
    the extension; justinshenk/fer#45: "cannot predict from images in jfif format")."""
    from PIL import Image

    (tmp_path / "images").mkdir()
    for n in range(3):
        Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "images" / f"{n}.jfif",
                                                         format="JPEG")
        _save_png(tmp_path / "masks" / f"{n}.png")
    message = _refusal(tmp_path / "images", tmp_path / "masks")
    assert ("3 files are JPEG images by their content under another extension (0.jfif, "
            "1.jfif, 2.jfif): unetdiag picks JPEG files by .jpg or .jpeg; rename them with "
            ".jpg") in message


def test_a_coco_file_whose_annotations_follow_a_long_image_list_is_named(tmp_path):
    """Roboflow's COCO export: ``train/_annotations.coco.json`` beside the images, its
    "images" list before "annotations", past the first bytes read."""
    touch_files(tmp_path / "train", *(f"{n}.jpg" for n in range(3)))
    images = [{"id": n, "file_name": f"{n}_jpg.rf.{n:032d}.jpg", "height": 640, "width": 640}
              for n in range(200)]
    annotations = [{"id": n, "image_id": n, "category_id": 1, "segmentation": [[0, 0, 9, 0, 9, 9]],
                    "area": 40.5, "bbox": [0, 0, 9, 9], "iscrowd": 0} for n in range(200)]
    coco = {"info": {"description": "Exported from roboflow.com"}, "licenses": [],
            "categories": [{"id": 1, "name": "lesion"}], "images": images,
            "annotations": annotations}
    path = tmp_path / "train" / "_annotations.coco.json"
    path.write_text(json.dumps(coco), encoding="utf-8")
    assert path.read_bytes()[:4096].count(b'"annotations"') == 0
    assert "1 file is COCO annotations" in _refusal(tmp_path / "train")
