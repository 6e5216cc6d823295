"""Pairing the layouts public datasets ship in: numbered further masks (BUSI) and tiles named
by position; the helpers are test_pairing's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import findings_by_id, touch_files

from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.diag.data.split import split_pairs
from unetdiag.exitcodes import UserError

# --- numbered masks (BUSI) ----------------------------------------------------------------------


def _save_box(path: Path, box: tuple[slice, slice]) -> None:
    from PIL import Image

    values = np.zeros((8, 8), np.uint8)
    values[box] = 255
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(values).save(path)


def test_numbered_masks_are_merged_into_their_pair(tmp_path):
    from unetdiag.diag.data.masks import MaskPolicy, decode_mask

    folder = tmp_path / "benign"
    _save_box(folder / "benign (4).png", np.s_[:, :])
    _save_box(folder / "benign (4)_mask.png", np.s_[0:2, 0:2])
    _save_box(folder / "benign (4)_mask_1.png", np.s_[5:7, 5:7])
    _save_box(folder / "benign (5).png", np.s_[:, :])
    _save_box(folder / "benign (5)_mask.png", np.s_[1:3, 1:3])
    result = discover_pairs(folder)
    assert [pair.stem for pair in result.pairs] == ["benign (4)", "benign (5)"]
    assert result.pairs[0].mask.name == "benign (4)_mask.png#with=benign (4)_mask_1.png"
    assert result.pairs[1].mask.name == "benign (5)_mask.png"
    found = findings_by_id(result)
    assert "pairing.missing_mask" not in found
    numbered = found["pairing.numbered_masks"]
    assert numbered.evidence["images"] == 2 and numbered.evidence["masks"] == 3
    assert numbered.files == (str(folder / "benign (4)_mask_1.png"),)
    merged, _encoding = decode_mask(result.pairs[0].mask, MaskPolicy())
    assert int(merged.sum()) == 8 and merged[0, 0] and merged[6, 6]


def test_numbered_masks_in_a_mask_folder_are_not_orphans(tmp_path):
    _save_box(tmp_path / "images" / "x.png", np.s_[:, :])
    _save_box(tmp_path / "masks" / "x_mask.png", np.s_[0:2, 0:2])
    _save_box(tmp_path / "masks" / "x_mask_1.png", np.s_[4:6, 4:6])
    _save_box(tmp_path / "masks" / "y_mask_1.png", np.s_[4:6, 4:6])  # no y_mask: an orphan
    for other in ("v", "w"):  # a numbered twin for one mask in three: further objects
        _save_box(tmp_path / "images" / f"{other}.png", np.s_[:, :])
        _save_box(tmp_path / "masks" / f"{other}_mask.png", np.s_[0:2, 0:2])
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert result.pairs[2].mask.name == "x_mask.png#with=x_mask_1.png"
    orphan = findings_by_id(result)["pairing.orphan_mask"]
    assert orphan.files == (str(tmp_path / "masks" / "y_mask_1.png"),)


# --- tiles -------------------------------------------------------------------------------------


def test_tiles_named_by_position_are_split_by_source_image(tmp_path):
    touch_files(tmp_path, *(name for city in range(6) for row in (0, 512) for col in (0, 512)
                       for name in (f"austin{city}_{row}_{col}.png",
                                    f"austin{city}_{row}_{col}_mask.png")))
    result = discover_pairs(tmp_path)
    assert {pair.group for pair in result.pairs} == {f"austin{city}" for city in range(6)}
    assert findings_by_id(result)["pairing.tiles"].evidence["source_images"] == 6
    assert result.rule.to_dict()["groups"] == 6
    train, validation = split_pairs(result.pairs, 0.2, 42)
    assert validation and {p.group for p in train}.isdisjoint({p.group for p in validation})


def test_qupath_tile_exporter_names_are_split_by_slide(tmp_path):
    # QuPath's TileExporter: '<image> [x=X,y=Y,w=W,h=H].png' beside '...-labelled.png'
    stems = [f"CMU-{slide}.svs [x={x},y={y},w=64,h=64]" for slide in range(1, 6)
             for y in (0, 64) for x in (0, 64)]
    touch_files(tmp_path, *(name for stem in stems
                            for name in (f"{stem}.png", f"{stem}-labelled.png")))
    result = discover_pairs(tmp_path)
    assert {pair.group for pair in result.pairs} == {f"CMU-{slide}.svs" for slide in range(1, 6)}
    assert findings_by_id(result)["pairing.tiles"].evidence["source_images"] == 5
    train, validation = split_pairs(result.pairs, 0.2, 42)
    assert validation and {p.group for p in train}.isdisjoint({p.group for p in validation})


@pytest.mark.parametrize("stem", ["CMU-1 [d=4,x=0,y=2048,w=2048,h=2048]",
                                  "CMU-1 [d=4.0,x=0,y=2048,w=2048,h=2048,z=1,t=0]"])
def test_qupath_names_with_downsample_and_plane_are_tile_names(stem):
    from unetdiag.diag.data.tiles import tile_sources

    stems = [stem.replace("CMU-1", f"CMU-{s}").replace("x=0", f"x={x}").replace(
        "y=2048", f"y={y}") for s in range(5) for x in (0, 2048) for y in (0, 2048)]
    assert set(tile_sources(stems).values()) == {f"CMU-{s}" for s in range(5)}


@pytest.mark.parametrize("names", [
    [f"cells_{n:03d}" for n in range(30)],                      # one number
    [f"Abyssinian_{n}" for n in range(30)],                     # breed and number
    [f"patient_{p:03d}_{s:03d}" for p in (1, 2) for s in range(15)],  # one source
    [f"img{s}_2019_{m:02d}" for s in range(6) for m in range(1, 4)],   # no grid
])
def test_names_that_are_not_tiles_keep_the_split_by_file(tmp_path, names):
    touch_files(tmp_path, *(name for stem in names for name in (f"{stem}.png", f"{stem}_mask.png")))
    result = discover_pairs(tmp_path)
    assert {pair.group for pair in result.pairs} == {""}
    assert "pairing.tiles" not in findings_by_id(result)


def test_file_names_holding_the_set_separators_are_never_merged(tmp_path):
    _save_box(tmp_path / "a|b.png", np.s_[:, :])
    _save_box(tmp_path / "a|b_mask.png", np.s_[0:2, 0:2])
    _save_box(tmp_path / "a|b_mask_1.png", np.s_[4:6, 4:6])
    result = discover_pairs(tmp_path)
    assert [pair.mask.name for pair in result.pairs] == ["a|b_mask.png"]
    assert "pairing.numbered_masks" not in findings_by_id(result)


def test_a_numbered_twin_of_most_masks_is_a_second_annotation_set(tmp_path):
    for index in range(4):
        _save_box(tmp_path / f"img{index}.png", np.s_[:, :])
        _save_box(tmp_path / f"img{index}_mask.png", np.s_[0:2, 0:2])
        _save_box(tmp_path / f"img{index}_mask_1.png", np.s_[0:3, 0:3])
    result = discover_pairs(tmp_path)
    assert all("#with=" not in pair.mask.name for pair in result.pairs)
    found = findings_by_id(result)
    assert "pairing.numbered_masks" not in found and "pairing.missing_mask" not in found
    assert "pairing.alternative_masks" in found


@pytest.mark.parametrize("val_images", [2, 1])
def test_a_split_made_in_advance_is_not_taken_for_instance_folders(tmp_path, val_images):
    # train/{images,masks}, val/{images,masks}: many images per part, not one per sample (a
    # part of one image is not named as its folder, as a Data Science Bowl sample is)
    parts = (("train", 4), ("val", val_images)) + ((("test", 2),) if val_images > 1 else ())
    for part, count in parts:
        names = [f"{part}_{index}.png" for index in range(count)]
        touch_files(tmp_path / part / "images", *names)
        touch_files(tmp_path / part / "masks", *names)
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    message = str(caught.value)
    assert "instance layout" not in message and "look like a split already made" in message
    assert (f"pass --images {tmp_path / 'train' / 'images'} "
            f"--masks {tmp_path / 'train' / 'masks'}") in message
    assert "one part at a time" in message


def test_the_training_part_is_the_example_of_a_split(tmp_path):
    for part in ("Test", "Train", "Validation"):
        touch_files(tmp_path / part / "Image", "a.png", "b.png")
        touch_files(tmp_path / part / "Label", "a.png", "b.png")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    assert (f"--images {tmp_path / 'Train' / 'Image'} --masks {tmp_path / 'Train' / 'Label'}"
            in str(caught.value))


def test_a_supervisely_export_suggests_its_label_masks_not_its_pictures(tmp_path):
    # ds0/ann/*.json, img/, masks_human/ (image and tinted copy side by side), masks_machine/
    names = [f"lemon_{index}.png" for index in range(3)]
    touch_files(tmp_path / "ds0" / "img", *[name.replace(".png", ".jpg") for name in names])
    touch_files(tmp_path / "ds0" / "ann", *[name.replace(".png", ".jpg.json") for name in names])
    touch_files(tmp_path / "ds0" / "masks_human", *names)
    touch_files(tmp_path / "ds0" / "masks_machine", *names)
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path / "ds0")
    message = str(caught.value)
    assert message.endswith(f"pass --images {tmp_path / 'ds0' / 'img'} "
                            f"--masks {tmp_path / 'ds0' / 'masks_machine'}")
    assert "--masks " + str(tmp_path / "ds0" / "masks_human") not in message


def test_a_copy_of_the_images_inside_the_mask_folder_is_not_an_instance_layout(tmp_path):
    names = [f"{index:03d}.png" for index in range(3)]
    touch_files(tmp_path / "images", *names)
    touch_files(tmp_path / "masks", *names)
    touch_files(tmp_path / "masks" / "images", *names)
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    message = str(caught.value)
    assert "instance layout" not in message
    assert f"pass --images {tmp_path / 'images'} --masks {tmp_path / 'masks'}" in message


# --- companion files beside the images (ISIC 2017 superpixel maps) --------------------------------

_ISIC = [f"ISIC_{number:07d}" for number in (0, 1, 3, 6)]


def _isic(root: Path) -> tuple[Path, Path]:
    images, truth = root / "ISIC-2017_Training_Data", root / "ISIC-2017_Training_Part1_GroundTruth"
    touch_files(images, *(f"{stem}{tail}" for stem in _ISIC
                          for tail in (".jpg", "_superpixels.png")), "LICENSE.txt")
    touch_files(truth, *(f"{stem}_segmentation.png" for stem in _ISIC))
    return images, truth


@pytest.mark.parametrize("suffixes", [None, ("_segmentation",)])
def test_superpixel_maps_beside_the_images_are_not_images_without_masks(tmp_path, suffixes):
    images, truth = _isic(tmp_path)
    given = {} if suffixes is None else {"mask_suffixes": suffixes}
    result = discover_pairs(images, truth, **given)
    assert [(pair.image.name, pair.mask.name) for pair in result.pairs] == [
        (f"{stem}.jpg", f"{stem}_segmentation.png") for stem in _ISIC]
    findings = findings_by_id(result)
    assert "pairing.missing_mask" not in findings
    companions = findings["pairing.companion_files"]
    assert sorted(Path(path).name for path in companions.files) == [
        f"{stem}_superpixels.png" for stem in _ISIC]
    assert companions.severity is Severity.INFO and "_superpixels" in companions.title
    assert result.rule.source == ("inferred" if suffixes is None else "given")


def test_superpixel_maps_are_not_inferred_as_the_masks(tmp_path):
    images, _truth = _isic(tmp_path)
    with pytest.raises(UserError) as caught:
        discover_pairs(images)
    message = str(caught.value)
    assert "superpixel maps" in message and "--masks DIR" in message


def test_superpixel_maps_are_masks_when_the_suffix_is_given(tmp_path):
    images, _truth = _isic(tmp_path)
    result = discover_pairs(images, mask_suffixes=("_superpixels",))
    assert len(result.pairs) == len(_ISIC)
    assert "pairing.companion_files" not in findings_by_id(result)


def test_tagged_copies_with_masks_of_their_own_are_images(tmp_path):
    names = [f"{stem}{tail}.png" for stem in "abcd" for tail in ("", "_flip")]
    touch_files(tmp_path / "images", *names)
    touch_files(tmp_path / "masks", *names)
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert len(result.pairs) == 8 and result.findings == []


def test_a_few_tagged_images_without_masks_stay_missing_masks(tmp_path):
    touch_files(tmp_path / "images", *(f"{stem}.png" for stem in "abcdef"), "a_flip.png")
    touch_files(tmp_path / "masks", *(f"{stem}.png" for stem in "abcdef"))
    findings = findings_by_id(discover_pairs(tmp_path / "images", tmp_path / "masks"))
    assert set(findings) == {"pairing.missing_mask"}


def test_tagged_copies_of_every_image_without_masks_are_a_warning_that_hedges(tmp_path):
    # augmented copies whose masks were never made: set apart, but not called 'not images'
    touch_files(tmp_path / "images", *(f"{stem}{tail}.png" for stem in "abcd"
                                       for tail in ("", "_aug")))
    touch_files(tmp_path / "masks", *(f"{stem}.png" for stem in "abcd"))
    companions = findings_by_id(discover_pairs(tmp_path / "images", tmp_path / "masks"))[
        "pairing.companion_files"]
    assert companions.severity is Severity.WARNING
    assert "without a mask" in companions.title and "neither" not in companions.title
    assert "images whose masks are missing" in companions.explanation


def test_of_several_complete_mask_sets_labels_are_chosen_and_colour_drawings_last(tmp_path):
    # Cityscapes ships three encodings of each frame's labels
    frames = [f"aachen_{number:06d}_000019" for number in range(4)]
    touch_files(tmp_path / "images", *(f"{frame}_leftImg8bit.png" for frame in frames))
    touch_files(tmp_path / "masks", *(f"{frame}_gtFine_{kind}.png" for frame in frames
                                      for kind in ("color", "instanceIds", "labelIds")))
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert {pair.mask.name.rsplit("_", 1)[1] for pair in result.pairs} == {"labelIds.png"}
    others = findings_by_id(result)["pairing.alternative_masks"]
    assert "{key}_gtFine_color: 4 files; {key}_gtFine_instanceIds: 4 files" in \
        others.explanation
    assert "12" not in others.explanation  # not "They name 12 of the 4 paired images"


# --- mirrored folders and labelme_json_to_dataset folders (s25 B2, B1) --------------------------


def test_mirrored_image_and_mask_trees_pair_by_relative_path(tmp_path):
    for case in range(5):
        for n in range(4):
            touch_files(tmp_path, f"images/case_{case}/{n:03d}.png",
                        f"masks/case_{case}/{n:03d}.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert len(result.pairs) == 20 and result.rule.layout == "mirrored folders"
    assert all(pair.image.parent.name == pair.mask.parent.name == pair.group
               and pair.image.name == pair.mask.name for pair in result.pairs)
    assert result.pairs[0].stem == "case_0/000"
    found = findings_by_id(result)
    assert found["pairing.mirrored_folders"].severity is Severity.INFO
    train, validation = split_pairs(result.pairs, 0.2, 42)
    assert validation and {p.group for p in train}.isdisjoint({p.group for p in validation})


def test_mirrored_trees_infer_one_rule_and_name_folders_on_one_side(tmp_path):
    for city in ("aachen", "bochum"):
        for n in range(3):
            touch_files(tmp_path, f"leftImg8bit/{city}/{city}_{n:06d}_leftImg8bit.png",
                        f"gtFine/{city}/{city}_{n:06d}_gtFine_labelIds.png")
    touch_files(tmp_path, "leftImg8bit/bremen/bremen_000000_leftImg8bit.png")
    result = discover_pairs(tmp_path / "leftImg8bit", tmp_path / "gtFine")
    assert len(result.pairs) == 6 and result.rule.source == "inferred"
    found = findings_by_id(result)
    assert found["pairing.mirrored_folders"].severity is Severity.WARNING  # 2 folders: by file
    assert found["pairing.missing_mask"].files == (
        str(tmp_path / "leftImg8bit/bremen/bremen_000000_leftImg8bit.png"),)


def test_trees_without_a_folder_of_the_same_name_are_still_refused(tmp_path):
    touch_files(tmp_path, "images/a/1.png", "masks/b/1.png")
    with pytest.raises(UserError, match="its folders form none of the layouts read below a "
                                        "folder"):
        discover_pairs(tmp_path / "images", tmp_path / "masks")


def test_labelme_json_to_dataset_folders_pair_img_with_label(tmp_path):
    for n in range(6):
        touch_files(tmp_path, *(f"IMG_{n}_json/{name}" for name in (
            "img.png", "label.png", "label_viz.png", "label_names.txt")))
    result = discover_pairs(tmp_path)
    assert [(pair.image.name, pair.mask.name) for pair in result.pairs] == [
        ("img.png", "label.png")] * 6
    assert result.pairs[0].stem == "IMG_0_json/img"
    found = findings_by_id(result)
    assert found["pairing.labelme_folders"].evidence == {
        "folders": 6, "pictures": 6, "files_listed": 6}
    assert "label_viz.png" in found["pairing.labelme_folders"].files[0]
    assert not {"pairing.case_folders", "pairing.missing_mask",
                "pairing.ignored_files"} & set(found)


def test_a_folder_with_more_than_labelme_names_is_no_labelme_folder(tmp_path):
    touch_files(tmp_path, *(f"c{n}/{name}" for n in range(5)
                            for name in ("img.png", "label.png", "other.png")))
    with pytest.raises(UserError):
        discover_pairs(tmp_path)


# --- masks of one object in parts (Montgomery's ManualMask/leftMask/ and rightMask/, s25 C2) ---


def _montgomery(root: Path) -> None:
    names = [f"MCUCXR_{n:04d}_{n % 2}.png" for n in range(1, 7)]
    touch_files(root, *(f"CXR_png/{name}" for name in names),
                "ClinicalReadings/MCUCXR_0001_0.txt")
    for part in ("leftMask", "rightMask"):
        for name in names:
            _save_box(root / "ManualMask" / part / name, np.s_[2:5, 2:5])


def test_a_sibling_folder_of_masks_with_the_same_names_is_named(tmp_path):
    _montgomery(tmp_path)
    result = discover_pairs(tmp_path / "CXR_png", tmp_path / "ManualMask" / "leftMask")
    sibling = findings_by_id(result)["pairing.sibling_masks"]
    assert sibling.severity is Severity.INFO
    assert sibling.title == "rightMask/ beside leftMask/ holds files of the same 6 names"
    assert "merge them into one mask per image" in sibling.fix
    assert "(MCUCXR_0001_1.png) holds 2 values in one channel" in sibling.explanation


def test_a_mask_folder_of_parts_is_refused_with_the_flags(tmp_path):
    _montgomery(tmp_path)
    with pytest.raises(UserError) as refused:
        discover_pairs(tmp_path / "CXR_png", tmp_path / "ManualMask")
    message = str(refused.value)
    assert "leftMask/ and rightMask/ each hold masks named as the images (6 and 6 of 6)" in message
    assert f"pass --masks {tmp_path / 'ManualMask' / 'leftMask'}" in message
    with pytest.raises(UserError) as refused:
        discover_pairs(tmp_path)
    assert f"give --images {tmp_path / 'CXR_png'} and the mask folder" in str(refused.value)


def test_a_sibling_image_folder_or_other_names_are_no_sibling_masks(tmp_path):
    touch_files(tmp_path, *(f"{folder}/{n}.png" for folder in ("images", "masks")
                            for n in range(6)), *(f"masks_2/x{n}.png" for n in range(6)))
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert "pairing.sibling_masks" not in findings_by_id(result)


def test_image_copies_and_predictions_beside_the_masks_are_no_sibling_masks(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(5)
    for n in range(4):
        mask = np.zeros((16, 16), np.uint8)
        mask[4:9, 4:9] = 255
        photo = np.clip(np.stack([mask * .6 + rng.normal(60, 10, mask.shape)] * 3, -1), 0,
                        255).astype(np.uint8)
        for folder in ("images", "masks", "images_jpg", "predictions"):
            (tmp_path / folder).mkdir(exist_ok=True)
        Image.fromarray(photo).save(tmp_path / "images" / f"{n}.png")
        Image.fromarray(photo).save(tmp_path / "images_jpg" / f"{n}.jpg")
        Image.fromarray(mask).save(tmp_path / "masks" / f"{n}.png")
        Image.fromarray((mask * .8 + 20).astype(np.uint8)).save(
            tmp_path / "predictions" / f"{n}.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert "pairing.sibling_masks" not in findings_by_id(result)


# --- refusals that say what to do (s25 D) -------------------------------------------------------


def test_an_nnunet_raw_dataset_root_names_its_training_folders(tmp_path):
    touch_files(tmp_path, "dataset.json", *(f"imagesTr/img-{n}_0000.png" for n in range(3)),
                *(f"labelsTr/img-{n}.png" for n in range(3)), "imagesTs/img-9_0000.png")
    with pytest.raises(UserError) as refused:
        discover_pairs(tmp_path)
    assert (f"pass --images {tmp_path / 'imagesTr'} --masks {tmp_path / 'labelsTr'}"
            in str(refused.value))


@pytest.mark.parametrize("header", ["ImageId,EncodedPixels", "img,rle_mask",
                                    "\ufeffImageId, EncodedPixels"])
def test_run_length_encoded_masks_in_a_csv_are_named(tmp_path, header):
    touch_files(tmp_path, *(f"train_v2/{n}.jpg" for n in range(3)))
    (tmp_path / "train_masks.csv").write_text(f"{header}\n0.jpg,1 3 10 2\n", encoding="utf-8")
    (tmp_path / "sample_submission.csv").write_text("ImageId,EncodedPixels\n", encoding="utf-8")
    expected = "train_masks.csv has the column"
    for call in (lambda: discover_pairs(tmp_path / "train_v2", tmp_path / "train_masks.csv"),
                 lambda: discover_pairs(tmp_path), lambda: discover_pairs(tmp_path / "train_v2")):
        with pytest.raises(UserError) as refused:
            call()
        assert expected in str(refused.value)
        assert "must be decoded to image files first" in str(refused.value)


def test_a_csv_of_other_columns_gets_no_run_length_hint(tmp_path):
    touch_files(tmp_path, *(f"train/{n}.jpg" for n in range(3)))
    (tmp_path / "labels.csv").write_text("ImageId,Label\n0.jpg,1\n", encoding="utf-8")
    with pytest.raises(UserError) as refused:
        discover_pairs(tmp_path / "train")
    assert "run-length" not in str(refused.value)


def test_numbers_that_differ_only_in_zero_padding_are_named(tmp_path):
    touch_files(tmp_path, *(f"images/frame{n}.png" for n in range(1, 21)),
                *(f"masks/frame{n:04d}.png" for n in range(1, 21)))
    with pytest.raises(UserError) as refused:
        discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert ("the numbers in the names match once zero padding is ignored (frame1.png and "
            "frame0001.png, 20 of 20)") in str(refused.value)


def test_padding_that_would_merge_two_names_gets_no_hint(tmp_path):
    touch_files(tmp_path, "images/frame1.png", "images/frame01.png", "masks/frame001.png",
                "masks/frame0001.png")
    with pytest.raises(UserError) as refused:
        discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert "zero padding" not in str(refused.value)


# --- ADE20K part masks beside the object masks (session 29) -----------------------------------

_ADE = [f"ADE_train_{number:08d}" for number in range(1, 10)]


def _save_part_masks(folder: Path, stems: list[str], tail: str = "_parts_1") -> None:
    """Part masks in ADE20K's encoding (R = class // 256 * 10, G = class % 256, B the
    instance): a door (class 774) with two handles (class 1260, instances 1 and 2)."""
    from PIL import Image

    for stem in stems:
        mask = np.zeros((16, 16, 3), np.uint8)
        mask[2:14, 2:14] = (30, 6, 0)
        mask[4:6, 4:6], mask[10:12, 10:12] = (40, 236, 1), (40, 236, 2)
        Image.fromarray(mask).save(folder / f"{stem}{tail}.png")


def test_ade20k_part_masks_are_no_images_without_masks(tmp_path):
    """ADE20K's full release keeps ``<image>_seg.png`` (objects) and, for images with parts,
    ``<image>_parts_1.png`` beside each image: the part masks were "4 of 13 images have no
    mask"."""
    folder = tmp_path / "abbey"
    touch_files(folder, *(f"{stem}{tail}" for stem in _ADE for tail in (".jpg", "_seg.png")))
    _save_part_masks(folder, _ADE[::2])
    result = discover_pairs(folder)
    assert [(pair.image.name, pair.mask.name) for pair in result.pairs] == [
        (f"{stem}.jpg", f"{stem}_seg.png") for stem in _ADE]
    findings = findings_by_id(result)
    assert "pairing.missing_mask" not in findings
    companions = findings["pairing.companion_files"]
    assert companions.severity is Severity.INFO
    assert "part masks of the objects, not images" in companions.title
    assert "--mask-suffix _parts_1" in companions.fix


def test_part_masks_alone_are_named_with_the_suffix_that_pairs_them(tmp_path):
    folder = tmp_path / "abbey"
    touch_files(folder, *(f"{stem}.jpg" for stem in _ADE))
    _save_part_masks(folder, _ADE)
    with pytest.raises(UserError) as caught:
        discover_pairs(folder)
    assert "are part masks, not images: pass --mask-suffix _parts_1" in str(caught.value)


def test_images_named_parts_without_part_mask_content_may_be_images_without_masks(tmp_path):
    """Review of session 29: crops saved as ``scan00_parts_1.png`` beside ``scan00.png`` (grey
    scans, their masks missing) had been called "part masks of the objects, not images"
    (info) by their names alone."""
    from PIL import Image

    rng = np.random.default_rng(5)
    touch_files(tmp_path / "masks", *(f"scan{number:02d}.png" for number in range(8)))
    (tmp_path / "images").mkdir()
    for number in range(8):
        for tail in ("", "_parts_1"):
            Image.fromarray(rng.integers(0, 256, (32, 32), dtype=np.uint8)).save(
                tmp_path / "images" / f"scan{number:02d}{tail}.png")
    companions = findings_by_id(discover_pairs(tmp_path / "images", tmp_path / "masks"))[
        "pairing.companion_files"]
    assert companions.severity is Severity.WARNING
    assert "part masks" not in companions.title
    assert "they may also be images whose masks are missing" in companions.explanation


def test_files_named_parts_beside_images_and_their_masks_are_not_called_part_masks(tmp_path):
    """The same without a mask folder: grey crops named ``<image>_parts_1.png`` beside the
    images and their ``_seg`` masks are set apart by their names, but not called ADE20K's
    part masks (info) unless they hold its colours."""
    from PIL import Image

    rng = np.random.default_rng(6)
    folder = tmp_path / "scans"
    folder.mkdir()
    for stem in _ADE[:6]:
        for tail in ("", "_parts_1"):
            Image.fromarray(rng.integers(0, 256, (16, 16), dtype=np.uint8)).save(
                folder / f"{stem}{tail}.png")
        Image.fromarray(np.zeros((16, 16), np.uint8)).save(folder / f"{stem}_seg.png")
    companions = findings_by_id(discover_pairs(folder))["pairing.companion_files"]
    assert companions.severity is Severity.WARNING
    assert "part masks of the objects" not in companions.title
    assert "they may also be images whose masks are missing" in companions.explanation


def test_crops_named_parts_after_part_masks_sorted_first_are_not_called_part_masks(tmp_path):
    """Only the first 3 files of a ``_parts_1`` set were opened: 4 ADE20K part masks sorted
    first, then 5 RGB photo crops under the same tail, were all "part masks of the objects,
    not images"."""
    from PIL import Image

    rng = np.random.default_rng(7)
    folder = tmp_path / "abbey"
    touch_files(folder, *(f"{stem}{tail}" for stem in _ADE for tail in (".jpg", "_seg.png")))
    _save_part_masks(folder, _ADE[:4])
    for stem in _ADE[4:]:
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(
            folder / f"{stem}_parts_1.png")
    companions = findings_by_id(discover_pairs(folder))["pairing.companion_files"]
    assert companions.severity is Severity.WARNING
    assert "part masks of the objects" not in companions.title


def test_a_jpeg_photo_among_part_masks_makes_the_set_no_part_masks_wherever_it_sorts(tmp_path):
    """Pixels are read in 32 files spread over a set: 60 ADE20K part masks with one photo
    crop stored as JPEG at an index not read were all part masks. ADE20K's part masks are
    PNG, and every header is read."""
    from PIL import Image

    from unetdiag.diag.data.companions import holds_ade20k_colours

    stems = [f"ADE_train_{number:08d}" for number in range(1, 62)]
    _save_part_masks(tmp_path, stems)
    photo = tmp_path / f"{stems[1]}_parts_1.jpg"
    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(photo)
    (tmp_path / f"{stems[1]}_parts_1.png").unlink()
    paths = sorted(tmp_path.glob("*_parts_1.*"))
    assert paths[1] == photo
    assert not holds_ade20k_colours(paths)
    assert holds_ade20k_colours([path for path in paths if path != photo])


def test_the_isic_root_names_its_input_and_ground_truth_folders(tmp_path):
    """ISIC 2018's Task 1: ``ISIC2018_Task1-2_Training_Input/ISIC_0024306.jpg`` and
    ``ISIC2018_Task1_Training_GroundTruth/ISIC_0024306_segmentation.png``; the root given
    alone was refused with no way forward (the masks' names share no stem with the images)."""
    stems = [f"ISIC_{24306 + number:07d}" for number in range(6)]
    images, masks = "ISIC2018_Task1-2_Training_Input", "ISIC2018_Task1_Training_GroundTruth"
    touch_files(tmp_path, *(f"{images}/{stem}.jpg" for stem in stems),
                *(f"{masks}/{stem}_segmentation.png" for stem in stems))
    with pytest.raises(UserError) as refused:
        discover_pairs(tmp_path)
    assert (f"to pair the two folders, pass --images {tmp_path / images} --masks "
            f"{tmp_path / masks}") in str(refused.value)
    assert len(discover_pairs(tmp_path / images, tmp_path / masks).pairs) == 6


def test_two_folders_neither_named_for_masks_get_no_pairing_hint(tmp_path):
    touch_files(tmp_path, "scans_a/x1.png", "scans_b/x1_seg2.png")
    with pytest.raises(UserError) as refused:
        discover_pairs(tmp_path)
    assert "--masks" not in str(refused.value)


@pytest.mark.parametrize(("images", "masks"), [
    ("train", "test_labels"),
    ("ISIC2018_Task1-2_Training_Input", "ISIC2018_Task1_Validation_GroundTruth"),
    ("trainval", "test_gt"),
])
def test_two_folders_of_different_split_parts_get_no_pairing_hint(tmp_path, images, masks):
    """A root of two folders, one named for masks, was told to pair them whatever split part
    each names: train/ beside test_labels/ got "pass --images .../train --masks
    .../test_labels", the test part's masks for the training images."""
    touch_files(tmp_path, *(f"{images}/{n}.png" for n in range(4)),
                *(f"{masks}/{n}.png" for n in range(4)))
    with pytest.raises(UserError) as refused:
        discover_pairs(tmp_path)
    assert "to pair the two folders" not in str(refused.value)


def test_a_png_photo_among_part_masks_at_an_index_not_sampled_is_found(tmp_path):
    """The same crop saved as RGB PNG (session 31): its header is a part mask's, and the
    sample of 32 did not read its pixels, so the set was "part masks of the objects". Files
    denser than a PNG of a few flat colours are opened too."""
    from PIL import Image

    from unetdiag.diag.data.companions import holds_ade20k_colours

    stems = [f"ADE_train_{number:08d}" for number in range(1, 62)]
    _save_part_masks(tmp_path, stems)
    photo = tmp_path / f"{stems[1]}_parts_1.png"
    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(photo)
    paths = sorted(tmp_path.glob("*_parts_1.*"))
    assert paths[1] == photo
    assert not holds_ade20k_colours(paths)
    assert holds_ade20k_colours([path for path in paths if path != photo])
