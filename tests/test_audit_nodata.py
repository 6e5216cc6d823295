"""audit-data on GeoTIFF label rasters whose no-data value (outside a scene's footprint) is
declared in GDAL's GDAL_NODATA tag: 255 in uint8, -9999 or NaN in float32 (rasterio's
label tiles). The declared value is named as no-data and proposed as ignored, never as an
object; no headline is built on the no-data read as a class."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from helpers import finding as found
from helpers import ids, text
from PIL import Image, TiffImagePlugin

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.audit.storage import GDAL_NODATA_TAG, gdal_nodata
from unetdiag.diag.core.findings import Report, Severity
from unetdiag.diag.data.policy import DEFAULT_POLICY, MaskPolicy
from unetdiag.diag.synth.corruptions import build_case
from unetdiag.diag.synth.generator import SynthSpec
from unetdiag.diag.wording.text import percent

SPEC = SynthSpec(n_pairs=20, size=64, seed=7, max_objects=3, object_radius_limits=(0.1, 0.25),
                 foreground_fraction_limits=(0.05, 0.3))
SOFT_WORDS = ("soft labels", "probability maps", "photographs used as masks")


def audit(tmp_path: Path, policy: MaskPolicy = DEFAULT_POLICY, **corruption) -> tuple[Report,
                                                                                       Path]:
    layout = build_case(tmp_path / "case", SPEC,
                        [{"kind": "geotiff_nodata_masks", **corruption}])
    report = audit_dataset(layout.images_dir, layout.masks_dir,
                           mask_suffixes=layout.mask_suffixes, policy=policy, workers=1)
    return report, tmp_path / "case"


def true_share(root: Path, nodata: float) -> tuple[float, int, int]:
    """Object share of the valid pixels, the masks holding no-data, and their pixels."""
    objects = valid = holders = held = 0
    for path in sorted(root.rglob("*.tif")):
        values = np.asarray(Image.open(path)).astype(np.float64)
        outside = np.isnan(values) if np.isnan(nodata) else values == nodata
        objects += int(np.count_nonzero(values[~outside] == 1))
        valid += int(np.count_nonzero(~outside))
        holders += bool(outside.any())
        held += int(outside.sum())
    return objects / valid, holders, held


def test_the_header_reader_takes_gdal_nodata_text_and_nothing_else():
    def tiff(text: str | None, mode: str = "L") -> Image.Image:
        tags = TiffImagePlugin.ImageFileDirectory_v2()
        if text is not None:
            tags[GDAL_NODATA_TAG] = text
            tags.tagtype[GDAL_NODATA_TAG] = 2
        buffer = io.BytesIO()
        Image.new(mode, (4, 4)).save(buffer, "TIFF", tiffinfo=tags)
        return Image.open(buffer)

    assert gdal_nodata(tiff("255")) == 255.0
    assert gdal_nodata(tiff("-9999", "F")) == -9999.0
    assert np.isnan(gdal_nodata(tiff("nan", "F")))
    assert gdal_nodata(tiff(None)) is None
    assert gdal_nodata(tiff("none")) is None
    buffer = io.BytesIO()
    Image.new("L", (4, 4)).save(buffer, "PNG")
    assert gdal_nodata(Image.open(buffer)) is None


def test_uint8_nodata_255_is_proposed_as_ignored_not_as_an_object(tmp_path):
    report, root = audit(tmp_path)
    share, holders, held = true_share(root, 255)
    assert holders == 10
    # 10 masks hold no no-data (0 and 1 alone): the headline counts the label maps
    assert report.headline.startswith(
        "10 of 20 masks are label maps holding the values 0, 1 and 255, 255 declared no-data by "
        "the files' GDAL_NODATA tag; pass --foreground-values 1 --ignore-values 255")
    # the no-data corner is 0 in the image: a threshold of it, not of the annotation
    assert "pairing.mask_thresholds_image" not in ids(report)
    assert "thresholds of their own images" not in report.headline
    label = found(report, "mask.label_map")
    assert label.severity is Severity.WARNING
    assert label.evidence["nodata"] == [255] and label.evidence["objects"] == [1]
    assert label.evidence["proposed_flags"] == "--foreground-values 1 --ignore-values 255"
    value = next(entry for entry in label.evidence["values"] if entry["value"] == 255)
    assert value["proposed"] == "ignored" and value["pixels"] == held
    assert (f"in each of the {holders} masks holding it, the file's GDAL_NODATA tag declares "
            "255 no-data") in label.explanation
    assert label.evidence["nodata_image_share"] is None  # PNG images declare nothing
    assert "1,255" not in text(report)


def save_tiff(path: Path, values: np.ndarray, nodata: str) -> None:
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[GDAL_NODATA_TAG] = nodata
    tags.tagtype[GDAL_NODATA_TAG] = 2
    Image.fromarray(values).save(path, "TIFF", tiffinfo=tags)


def test_the_images_own_nodata_where_the_mask_holds_its_own_is_measured(tmp_path):
    rng = np.random.default_rng(3)
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    rows, columns = np.mgrid[0:48, 0:48]
    for index in range(6):
        labels = np.zeros((48, 48), np.uint8)
        labels[10 + index:30, 12:34 - index] = 1
        image = rng.integers(30, 256, (48, 48, 3), dtype=np.uint8)
        outside = rows + columns < 20 + 3 * index
        labels[outside] = 255
        image[outside] = 0
        if index == 5:  # one pixel of data where the mask says no-data
            image[0, 0] = (9, 9, 9)
        save_tiff(tmp_path / "images" / f"t{index}.tif", image, "0")
        save_tiff(tmp_path / "masks" / f"t{index}.tif", labels, "255")
    report = audit_dataset(tmp_path / "images", masks_dir=tmp_path / "masks", workers=1)
    label = found(report, "mask.label_map")
    assert label.evidence["image_nodata"] == [0.0]
    held = int(np.count_nonzero(rows + columns < 35))
    assert label.evidence["nodata_image_share"] == (held - 1) / held
    sentence = ("The images declare no-data too (0), and hold it in every band at "
                f"{percent((held - 1) / held)} or more of those pixels in each mask")
    assert sentence in label.explanation


def test_uint8_nodata_read_right_proposes_nothing_else(tmp_path):
    report, root = audit(tmp_path, MaskPolicy(foreground_values=(1,), ignore_values=(255,)))
    share, _, _ = true_share(root, 255)
    assert "--foreground-values 1,255" not in report.headline
    assert "pass --" not in report.headline
    assert found(report, "mask.label_map").severity is Severity.INFO
    summary = found(report, "imbalance.summary")
    assert abs(summary.evidence["foreground_fraction"] - share) < 1e-4
    assert "pairing.mask_thresholds_image" not in ids(report)


def test_float_nodata_minus_9999_is_a_label_raster_not_soft_labels(tmp_path):
    report, root = audit(tmp_path, nodata="-9999", dtype="float32")
    assert report.headline.startswith(
        "10 of 20 masks are label maps holding the values -9999, 0 and 1, -9999 declared "
        "no-data by the files' GDAL_NODATA tag; pass --foreground-values 1 --ignore-values -9999")
    assert "mask.non_binary" not in ids(report)
    assert "pairing.mask_thresholds_image" not in ids(report)
    assert not any(words in text(report) for words in SOFT_WORDS)
    label = found(report, "mask.label_map")
    assert label.evidence["nodata"] == [-9999]
    assert "the file's GDAL_NODATA tag declares -9999 no-data" in label.explanation

    right, _ = audit(tmp_path / "right", MaskPolicy(foreground_values=(1,),
                                                    ignore_values=(-9999,)),
                     nodata="-9999", dtype="float32")
    share, _, _ = true_share(tmp_path / "right" / "case", -9999)
    assert {"mask.non_binary", "mask.threshold_sensitive"}.isdisjoint(ids(right))
    assert found(right, "mask.label_map").severity is Severity.INFO
    assert "pass --" not in right.headline
    assert abs(found(right, "imbalance.summary").evidence["foreground_fraction"]
               - share) < 1e-4


def test_nan_declared_nodata_is_named_as_such_not_normalisation_or_palette(tmp_path):
    report, root = audit(tmp_path, nodata="nan", dtype="float32")
    _, holders, held = true_share(root, float("nan"))
    finding = found(report, "mask.non_finite")
    assert finding.severity is Severity.ERROR
    assert finding.title == f"{holders} masks hold NaN, declared no-data by their GDAL_NODATA tag"
    assert report.headline.startswith(finding.title)
    assert "the file's GDAL_NODATA tag declares NaN no-data" in finding.explanation
    assert "normalised by its own maximum" not in finding.explanation
    assert "--ignore-values 255" in finding.fix
    assert finding.evidence["nan_declared_nodata"] == holders
    assert "mask.non_binary" not in ids(report)
    assert "palette labels" not in text(report)


def test_nan_without_a_tag_keeps_the_old_cause_and_is_never_palette_labels(tmp_path):
    report, _ = audit(tmp_path, nodata="nan", dtype="float32", tagged=False)
    finding = found(report, "mask.non_finite")
    assert "normalised by its own maximum" in finding.explanation
    assert "GDAL_NODATA" not in text(report)
    assert "palette labels" not in text(report)


def test_255_without_a_tag_is_offered_as_no_data_or_object(tmp_path):
    """Without the tag nothing says 255 is no-data, but 255 far above the classes 0 and 1,
    one region touching the border in every mask holding it, is what no-data outside a
    footprint looks like (or an object cut by the edge): both readings are offered, neither
    claimed, and no threshold headline is built on the frame read as object."""
    report, _ = audit(tmp_path, tagged=False)
    label = found(report, "mask.label_map")
    assert label.evidence.get("nodata", []) == []
    assert label.evidence["proposed_flags"] is None
    assert label.evidence["frame"] == 255
    assert label.evidence["reading_flags"] == ["--foreground-values 1 --ignore-values 255",
                                               "--foreground-values 1,255"]
    assert "consistent with no-data outside a raster's footprint" in label.explanation
    assert "or with an object cut by the image's edge" in label.explanation
    assert "GDAL_NODATA" not in text(report)
    assert "pairing.mask_thresholds_image" not in ids(report)
    assert "if it is no-data" in report.headline


def test_train_decoder_notes_declared_nodata_the_policy_reads_as_a_class(tmp_path):
    from unetdiag.training.data_stats import decoded_findings
    from unetdiag.training.decoder import DecodeLog, decode_pair

    labels = np.zeros((32, 32), np.uint8)
    labels[20:28, 20:28] = 1
    labels[:8, :] = 255
    save_tiff(tmp_path / "m.tif", labels, "255")
    Image.fromarray(np.full((32, 32), 90, np.uint8)).save(tmp_path / "i.png")
    default = DecodeLog()
    decode_pair(str(tmp_path / "i.png"), str(tmp_path / "m.tif"), channels=1,
                policy=DEFAULT_POLICY, decode_log=default)
    assert default.nodata_masks == {str(tmp_path / "m.tif"): (255.0, 256, 256)}
    finding = next(f for f in decoded_findings(default, DEFAULT_POLICY) if f.id == "mask.nodata")
    assert finding.title == ("1 of 1 mask holds the no-data value its GDAL_NODATA tag "
                             "declares, trained as a class")
    assert "256 of those pixels train as foreground and 0 as background" in finding.explanation
    assert finding.fix.startswith("Pass --ignore-values 255")
    right = MaskPolicy(foreground_values=(1,), ignore_values=(255,))
    ignored = DecodeLog()
    decode_pair(str(tmp_path / "i.png"), str(tmp_path / "m.tif"), channels=1, policy=right,
                decode_log=ignored)
    assert ignored.nodata_masks == {}
    assert "mask.nodata" not in {f.id for f in decoded_findings(ignored, right)}


def test_a_tag_declaring_the_background_value_is_not_followed(tmp_path):
    """nodata=0 on label rasters whose 0 is the background (a careless default): ignoring 0
    would leave nothing to learn against, so the tag is not followed, in audit or train."""
    from unetdiag.training.decoder import DecodeLog, decode_pair

    rng = np.random.default_rng(5)
    for folder in ("images", "masks"):
        (tmp_path / folder).mkdir()
    for index in range(6):
        labels = np.zeros((48, 48), np.uint8)
        labels[8:20, 8 + index:24] = 1
        labels[28:40, 20:36 - index] = 2
        Image.fromarray(rng.integers(0, 256, (48, 48), dtype=np.uint8)).save(
            tmp_path / "images" / f"t{index}.png")
        save_tiff(tmp_path / "masks" / f"t{index}.tif", labels, "0")
    report = audit_dataset(tmp_path / "images", masks_dir=tmp_path / "masks", workers=1)
    label = found(report, "mask.label_map")
    assert label.evidence["nodata"] == [] and label.evidence["background"] == 0
    assert label.evidence["proposed_flags"] == "--foreground-values 1,2"
    assert "GDAL_NODATA" not in text(report)
    log = DecodeLog()
    decode_pair(str(tmp_path / "images" / "t0.png"), str(tmp_path / "masks" / "t0.tif"),
                channels=1, policy=DEFAULT_POLICY, decode_log=log)
    assert log.nodata_masks == {}


def test_mostly_foreground_under_float_nodata_names_the_stretched_scale(tmp_path):
    """-9999 read as a class puts the midpoint near -5000: 0 and 1 both decode as object, so
    the edge tiles are "mostly foreground" because of the scale, not large objects."""
    report, _ = audit(tmp_path, nodata="-9999", dtype="float32")
    mostly = found(report, "imbalance.mostly_foreground")
    assert "the decoded foreground covers more than 50%" in mostly.explanation
    assert "declared no-data value (-9999, GDAL_NODATA)" in mostly.explanation
    assert "may be large objects" not in mostly.explanation
    assert mostly.evidence["declared_nodata_read_as_class"] == len(mostly.files)
