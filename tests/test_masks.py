"""Image reading and mask decoding: every storage a mask comes in, and every way a file breaks."""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from unetdiag.diag.data.masks import (
    LOSSY_EXTENSIONS,
    LUMA_WEIGHTS,
    MAX_LISTED_VALUES,
    SUPPORTED_EXTENSIONS,
    ImageReadError,
    MaskPolicy,
    decode_mask,
    load_mask_values,
    mask_encoding,
    read_image,
    resolve_threshold,
)

SIZE = 32


def _square(on: int = 1, off: int = 0, dtype=np.uint8) -> np.ndarray:
    """A SIZE x SIZE mask holding ``on`` inside a square, ``off`` elsewhere."""
    values = np.full((SIZE, SIZE), off, dtype=dtype)
    values[8:24, 10:26] = on
    return values


TRUTH = _square()  # the {0, 1} mask every encoding below stores


def _save(path: Path, array: np.ndarray, **options) -> Path:
    Image.fromarray(array).save(path, **options)
    return path


# --- mask encodings -----------------------------------------------------------------------------


def test_zero_one_png_is_binary(tmp_path):
    mask, encoding = decode_mask(_save(tmp_path / "m.png", TRUTH))
    assert encoding.scale == "binary" and encoding.threshold == 0.5
    assert encoding.values == [0, 1] and encoding.nonbinary_fraction == 0.0
    np.testing.assert_array_equal(mask, TRUTH)
    assert mask.dtype == np.uint8


def test_zero_255_png_is_uint8_with_midpoint_threshold(tmp_path):
    mask, encoding = decode_mask(_save(tmp_path / "m.png", TRUTH * 255))
    assert (encoding.scale, encoding.threshold, encoding.max_value) == ("uint8", 127.5, 255)
    assert encoding.foreground_fraction == pytest.approx(TRUTH.mean())
    assert not encoding.lossy and encoding.file_format == "PNG" and encoding.mode == "L"
    np.testing.assert_array_equal(mask, TRUTH)


def test_jpeg_mask_is_lossy_noisy_and_auto_threshold_ignores_the_noise(tmp_path):
    path = _save(tmp_path / "m.jpg", TRUTH * 255, quality=90)
    mask, encoding = decode_mask(path)
    assert encoding.lossy and encoding.file_format == "JPEG"
    assert encoding.distinct_values > 2 and 0 < encoding.nonbinary_fraction < 0.5
    np.testing.assert_array_equal(mask, TRUTH)
    # The original project's `mask > 0`: JPEG noise around the edges becomes foreground.
    noisy_mask, noisy = decode_mask(path, MaskPolicy(threshold=0))
    assert noisy.threshold == 0.0
    assert noisy_mask.sum() > TRUTH.sum()
    assert noisy.foreground_fraction > encoding.foreground_fraction


@pytest.mark.parametrize("quality", [75, 90])
def test_a_jpeg_mask_of_0_and_1_is_read_on_the_0_1_scale_despite_its_overshoot(tmp_path,
                                                                               quality):
    rows, columns = np.mgrid[:64, :64]
    truth = ((rows - 30) ** 2 + (columns - 28) ** 2 < 300).astype(np.uint8)
    path = _save(tmp_path / "m.jpg", truth, quality=quality)  # cv2.imwrite of a 0/1 array
    stored = np.asarray(Image.open(path))
    assert stored.max() > 1  # the overshoot that made it read as 0/255 (every object lost)
    mask, encoding = decode_mask(path)
    assert (encoding.scale, encoding.threshold) == ("binary", 0.5)
    assert abs(int(mask.sum()) - int(truth.sum())) <= 0.02 * truth.sum()
    # a 0/255 JPEG keeps its midpoint
    assert decode_mask(_save(tmp_path / "w.jpg", truth * 255, quality=quality))[1].threshold \
        == 127.5


def test_mask_saved_as_png_but_holding_jpeg_data_is_lossy_by_content(tmp_path):
    path = tmp_path / "m.png"
    Image.fromarray(TRUTH * 255).save(path, format="JPEG")
    assert decode_mask(path)[1].lossy


def test_rgb_colour_mask_collapses_with_channel_max(tmp_path):
    red_on_black = np.zeros((SIZE, SIZE, 3), np.uint8)
    red_on_black[..., 0] = TRUTH * 200
    mask, encoding = decode_mask(_save(tmp_path / "m.png", red_on_black))
    assert encoding.is_colour and encoding.channels == 3 and encoding.mode == "RGB"
    np.testing.assert_array_equal(mask, TRUTH)
    assert load_mask_values(tmp_path / "m.png").shape == (SIZE, SIZE, 3)


def test_gray_stored_as_rgb_is_not_colour(tmp_path):
    gray = np.repeat((TRUTH * 255)[..., None], 3, axis=2)
    mask, encoding = decode_mask(_save(tmp_path / "m.png", gray))
    assert not encoding.is_colour and encoding.scale == "uint8"
    np.testing.assert_array_equal(mask, TRUTH)


def test_rgba_opaque_colour_mask(tmp_path):
    rgba = np.zeros((SIZE, SIZE, 4), np.uint8)
    rgba[..., 1] = TRUTH * 255
    rgba[..., 3] = 255
    mask, encoding = decode_mask(_save(tmp_path / "m.png", rgba))
    assert (encoding.alpha, encoding.channels, encoding.is_colour) == ("opaque", 4, True)
    np.testing.assert_array_equal(mask, TRUTH)


def test_rgba_transparent_background_is_background_whatever_its_colour(tmp_path):
    # White but fully transparent background, opaque red object: dropping alpha would make
    # the whole image foreground.
    rgba = np.full((SIZE, SIZE, 4), 255, np.uint8)
    rgba[..., 3] = TRUTH * 255
    rgba[TRUTH == 1] = (255, 0, 0, 255)
    mask, encoding = decode_mask(_save(tmp_path / "m.png", rgba))
    assert encoding.alpha == "mask"
    np.testing.assert_array_equal(mask, TRUTH)


@pytest.mark.parametrize("object_colour", ["black", "photograph"])
def test_rgba_alpha_is_the_mask_when_the_opaque_colours_do_not_draw_it(tmp_path,
                                                                       object_colour):
    # a black object on a transparent white background (a layer export), and a cut-out
    # photograph whose dark half composited over black would read as background
    rgba = np.full((SIZE, SIZE, 4), 255, np.uint8)
    rgba[..., 3] = TRUTH * 255
    if object_colour == "black":
        rgba[TRUTH == 1, :3] = 0
    else:
        shades = np.random.default_rng(0).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
        rgba[TRUTH == 1, :3] = shades[TRUTH == 1]
    for mode, values in (("RGBA", rgba), ("LA", rgba[..., [0, 3]])):
        mask, encoding = decode_mask(_save(tmp_path / f"m_{mode}.png", values))
        assert encoding.alpha == "mask", mode
        np.testing.assert_array_equal(mask, TRUTH)


def test_rgba_opaque_drawn_label_with_a_transparent_border_is_composited(tmp_path):
    # the colour draws object and background; alpha only hides a void border
    rgba = np.zeros((SIZE, SIZE, 4), np.uint8)
    rgba[..., 0] = TRUTH * 255
    rgba[..., 3] = 255
    rgba[:2, :, 3] = 0
    mask, encoding = decode_mask(_save(tmp_path / "m.png", rgba))
    assert encoding.alpha == "composited"
    expected = TRUTH.copy()
    expected[:2] = 0
    np.testing.assert_array_equal(mask, expected)


def test_rgba_uniform_colour_reads_alpha_as_the_mask(tmp_path):
    rgba = np.zeros((SIZE, SIZE, 4), np.uint8)  # black everywhere, shape only in alpha
    rgba[..., 3] = TRUTH * 255
    mask, encoding = decode_mask(_save(tmp_path / "m.png", rgba))
    assert encoding.alpha == "mask"
    np.testing.assert_array_equal(mask, TRUTH)


def test_a_bmp_alpha_of_0_everywhere_is_unused_and_a_png_one_is_an_empty_cut_out(tmp_path):
    from unetdiag.diag.data.decoding import inspect_mask_values

    # a 32-bit BMP whose fourth byte is 0 (viewers show it opaque): composited, every mask
    # was empty
    rgba = np.zeros((SIZE, SIZE, 4), np.uint8)
    rgba[..., :3] = (TRUTH * 255)[..., None]
    bmp = inspect_mask_values(rgba, "BMP", "RGBA", MaskPolicy())
    assert bmp.encoding.alpha == "unused"
    assert bmp.encoding.foreground_fraction == pytest.approx(TRUTH.mean())
    # a PNG transparent everywhere is a cut-out with nothing cut out
    mask, encoding = decode_mask(_save(tmp_path / "m.png", rgba))
    assert encoding.alpha != "unused" and not mask.any()


@pytest.mark.parametrize("transparency", [0, b"\x00"], ids=["index", "trns_table"])
def test_a_grey_palette_whose_transparent_entry_is_the_background_is_read_by_its_alpha(
        tmp_path, transparency):
    # a layer export: index 0 transparent white, index 1 the opaque black object
    palette_mask = Image.fromarray(TRUTH.astype(np.uint8), "P")
    palette_mask.putpalette([255, 255, 255, 0, 0, 0])
    path = tmp_path / "m.png"
    palette_mask.save(path, transparency=transparency)
    mask, encoding = decode_mask(path)
    assert encoding.alpha == "mask" and encoding.palette == "gray"
    np.testing.assert_array_equal(mask, TRUTH)
    # without the transparency the grey levels are read: white is the bright class
    palette_mask.save(tmp_path / "plain.png")
    plain, _ = decode_mask(tmp_path / "plain.png")
    np.testing.assert_array_equal(plain, 1 - TRUTH)


def test_rgba_uniform_partial_alpha_is_composited_not_read_as_the_mask(tmp_path):
    # an overlay layer saved at 50 % opacity everywhere: the colour draws the object
    rgba = np.zeros((SIZE, SIZE, 4), np.uint8)
    rgba[..., 0] = TRUTH * 255
    rgba[..., 3] = 200
    mask, encoding = decode_mask(_save(tmp_path / "m.png", rgba))
    assert encoding.alpha == "composited"
    np.testing.assert_array_equal(mask, TRUTH)


def test_rgba_anti_aliased_drawing_with_a_transparent_margin_keeps_its_object(tmp_path):
    # white on black with a few grey edge levels, on an opaque canvas with transparent padding
    rgba = np.zeros((SIZE, SIZE, 4), np.uint8)
    rgba[..., :3] = (TRUTH * 255)[..., None]
    edge = np.flatnonzero(np.diff(TRUTH.astype(int), axis=1).ravel())[:12]
    for level, index in zip(range(20, 240, 20), edge, strict=False):
        rgba.reshape(-1, 4)[index, :3] = level
    rgba[..., 3] = 255
    rgba[:, :3, 3] = 0
    mask, encoding = decode_mask(_save(tmp_path / "m.png", rgba))
    assert encoding.alpha == "composited"
    assert mask[:, 3:].sum() >= TRUTH[:, 3:].sum() - 12 and mask[:, :3].sum() == 0


def _palette_png(path: Path, indices: np.ndarray, palette: list[int]) -> Path:
    image = Image.fromarray(indices.astype(np.uint8), "P")
    image.putpalette(palette)
    image.save(path)
    return path


def test_colour_palette_png_keeps_indices_as_labels(tmp_path):
    path = _palette_png(tmp_path / "m.png", TRUTH, [0, 0, 255, 255, 255, 0])  # blue, yellow
    values = load_mask_values(path)
    assert values.ndim == 2 and sorted(np.unique(values)) == [0, 1]
    mask, encoding = decode_mask(path)
    assert (encoding.scale, encoding.palette, encoding.mode) == ("palette", "labels", "P")
    assert encoding.threshold == 0.5
    np.testing.assert_array_equal(mask, TRUTH)


def test_palette_labels_every_nonzero_index_is_foreground(tmp_path):
    indices = TRUTH * 3
    indices[0, 0] = 2
    path = _palette_png(tmp_path / "m.png", indices, [10, 20, 30, 200, 0, 0, 0, 200, 0, 0, 0, 200])
    mask, encoding = decode_mask(path)
    assert encoding.values == [0, 2, 3]
    expected = TRUTH.copy()
    expected[0, 0] = 1
    np.testing.assert_array_equal(mask, expected)
    # Labels other than 0 and the highest count as non-binary (a third class is present).
    assert encoding.nonbinary_fraction == pytest.approx(1 / TRUTH.size)


def test_gray_palette_is_read_by_gray_level_not_index(tmp_path):
    # Index 0 is white, index 1 black: what the user sees (white object) is the foreground.
    path = _palette_png(tmp_path / "m.png", 1 - TRUTH, [255, 255, 255, 0, 0, 0])
    assert sorted(np.unique(load_mask_values(path))) == [0, 255]
    mask, encoding = decode_mask(path)
    assert (encoding.palette, encoding.scale, encoding.mode) == ("gray", "uint8", "P")
    np.testing.assert_array_equal(mask, TRUTH)


def test_16_bit_png_full_range_and_zero_one(tmp_path):
    mask, encoding = decode_mask(_save(tmp_path / "full.png", TRUTH.astype(np.uint16) * 65535))
    assert (encoding.scale, encoding.threshold, encoding.dtype) == ("uint16", 32767.5, "uint16")
    np.testing.assert_array_equal(mask, TRUTH)
    mask, encoding = decode_mask(_save(tmp_path / "unit.png", TRUTH.astype(np.uint16)))
    assert (encoding.scale, encoding.threshold) == ("binary", 0.5)
    np.testing.assert_array_equal(mask, TRUTH)


def test_16_bit_file_holding_8_bit_values_is_judged_by_its_range(tmp_path):
    mask, encoding = decode_mask(_save(tmp_path / "m.png", TRUTH.astype(np.uint16) * 255))
    assert (encoding.dtype, encoding.scale, encoding.threshold) == ("uint16", "uint8", 127.5)
    np.testing.assert_array_equal(mask, TRUTH)


def test_float_tiff_unit_and_255(tmp_path):
    mask, encoding = decode_mask(_save(tmp_path / "unit.tif", TRUTH.astype(np.float32)))
    assert (encoding.dtype, encoding.scale, encoding.threshold) == ("float32", "binary", 0.5)
    np.testing.assert_array_equal(mask, TRUTH)
    mask, encoding = decode_mask(_save(tmp_path / "wide.tif", TRUTH.astype(np.float32) * 255))
    assert (encoding.scale, encoding.threshold, encoding.max_value) == ("float", 127.5, 255.0)
    np.testing.assert_array_equal(mask, TRUTH)


def test_soft_float_mask_in_unit_range(tmp_path):
    soft = TRUTH.astype(np.float32) * 0.9 + 0.05
    _, encoding = decode_mask(_save(tmp_path / "m.tif", soft))
    assert (encoding.scale, encoding.threshold, encoding.nonbinary_fraction) == (
        "float_unit", 0.5, 1.0)


def test_nan_in_float_mask_is_reported_and_background_under_either_polarity(tmp_path):
    values = TRUTH.astype(np.float32)
    values[0, 0] = np.nan
    values[12, 12] = np.nan  # inside the object
    path = _save(tmp_path / "m.tif", values)
    assert np.isnan(load_mask_values(path)).sum() == 2
    bright, encoding = decode_mask(path)
    dark, _ = decode_mask(path, MaskPolicy(polarity="dark"))
    assert encoding.nonfinite_count == 2 and encoding.scale == "binary"
    assert bright[0, 0] == 0 and bright[12, 12] == 0
    assert dark[0, 0] == 0 and dark[12, 12] == 0
    assert json.dumps(encoding.to_dict(), allow_nan=False)


def test_gif_masks_decode_by_gray_level(tmp_path):
    # Pillow writes a 0/255 L image as a 2-entry palette GIF (indices 0/1); a 256-entry
    # identity palette (as in DRIVE) is opened as mode L. Both must decode the same.
    compact = _save(tmp_path / "compact.gif", TRUTH * 255)
    identity = tmp_path / "identity.gif"
    image = Image.fromarray(TRUTH * 255, "P")
    image.putpalette([level for gray in range(256) for level in (gray, gray, gray)])
    image.save(identity, optimize=False)
    with Image.open(compact) as compact_image, Image.open(identity) as identity_image:
        assert (compact_image.mode, identity_image.mode) == ("P", "L")
    for path in (compact, identity):
        mask, encoding = decode_mask(path)
        assert encoding.file_format == "GIF" and encoding.scale == "uint8"
        assert encoding.values == [0, 255]
        np.testing.assert_array_equal(mask, TRUTH)


def test_dark_polarity_inverts(tmp_path):
    mask, encoding = decode_mask(_save(tmp_path / "m.png", TRUTH * 255),
                                 MaskPolicy(polarity="dark"))
    np.testing.assert_array_equal(mask, 1 - TRUTH)
    assert encoding.polarity == "dark"
    assert encoding.foreground_fraction == pytest.approx(1 - TRUTH.mean())


def test_explicit_threshold_zero_reproduces_greater_than_zero(tmp_path):
    faint = TRUTH * 255
    faint[0, :4] = 3  # dim stray values: background by the midpoint, foreground by `> 0`
    path = _save(tmp_path / "m.png", faint)
    auto_mask, _ = decode_mask(path)
    zero_mask, encoding = decode_mask(path, MaskPolicy(threshold=0))
    np.testing.assert_array_equal(auto_mask, TRUTH)
    np.testing.assert_array_equal(zero_mask, (faint > 0).astype(np.uint8))
    assert encoding.threshold == 0.0


def test_normalise_false_returns_raw_values(tmp_path):
    raw, encoding = decode_mask(_save(tmp_path / "m.png", TRUTH * 255),
                                MaskPolicy(normalise=False))
    assert raw.dtype == np.float32 and raw.shape == (SIZE, SIZE)
    assert sorted(np.unique(raw)) == [0.0, 255.0]
    assert encoding.scale == "uint8"


def test_bilevel_mode_1_png(tmp_path):
    path = tmp_path / "m.png"
    Image.fromarray(TRUTH * 255).convert("1").save(path)
    assert load_mask_values(path).dtype == np.uint8
    mask, encoding = decode_mask(path)
    assert encoding.mode == "1" and encoding.scale == "binary"
    np.testing.assert_array_equal(mask, TRUTH)


def test_multi_frame_file_uses_first_frame_and_counts_frames(tmp_path):
    path = tmp_path / "stack.tif"
    frames = [Image.fromarray(TRUTH * 255), Image.fromarray(np.zeros_like(TRUTH))]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    mask, encoding = decode_mask(path)
    assert encoding.frames == 2
    np.testing.assert_array_equal(mask, TRUTH)


# --- inspecting arrays and thresholds -----------------------------------------------------------


def test_mask_encoding_of_an_array_lists_smallest_values_and_fractions():
    values = np.arange(40, dtype=np.uint8).reshape(5, 8)
    values[0, 0] = 255
    encoding = mask_encoding(values, "", "L", MaskPolicy())
    assert encoding.distinct_values == 40 and len(encoding.values) == MAX_LISTED_VALUES
    assert encoding.values == list(range(1, MAX_LISTED_VALUES + 1))
    assert encoding.scale == "uint8" and encoding.file_format == "" and not encoding.lossy
    # 0 was overwritten by 255, which is then the only pixel at an end of the scale.
    assert encoding.nonbinary_fraction == pytest.approx(39 / 40)
    assert encoding.foreground_fraction == pytest.approx(1 / 40)


def test_mask_encoding_explicit_palette_and_jpeg_flags():
    assert mask_encoding(np.array([[0, 2]], np.uint8), "PNG", "P", MaskPolicy()).scale == "palette"
    assert mask_encoding(np.array([[0, 2]], np.uint8), "PNG", "P", MaskPolicy(),
                         gray_palette=True).scale == "uint8"
    assert mask_encoding(np.array([[0, 255]], np.uint8), "JPEG", "L", MaskPolicy()).lossy


@pytest.mark.parametrize("shape", [(0, 4), (4,), (2, 2, 3, 1)])
def test_mask_encoding_rejects_arrays_that_are_not_masks(shape):
    with pytest.raises(ValueError, match="HxW"):
        mask_encoding(np.zeros(shape, np.uint8), "", "L", MaskPolicy())


def test_mask_encoding_of_a_bool_array_is_binary():
    encoding = mask_encoding(TRUTH.astype(bool), "", "1", MaskPolicy())
    assert (encoding.scale, encoding.dtype) == ("binary", "uint8")
    assert encoding.foreground_fraction == pytest.approx(TRUTH.mean())


def test_mask_encoding_to_dict_is_json_ready_for_all_nan():
    encoding = mask_encoding(np.full((2, 2), np.nan, np.float32), "TIFF", "F", MaskPolicy())
    data = encoding.to_dict()
    assert data["min_value"] == "nan" and data["nonfinite_count"] == 4
    assert encoding.foreground_fraction == 0.0
    json.dumps(data, allow_nan=False)


@pytest.mark.parametrize(("values", "scale", "expected"), [
    ([0, 1], "binary", 0.5),
    ([0.0, 0.3, 1.0], "float_unit", 0.5),
    ([0, 255], "uint8", 127.5),
    ([0, 65535], "uint16", 32767.5),
    ([0.0, 255.0], "float", 127.5),
    ([0.0, 100.0], "float", 127.5),
    ([0.0, 1000.0], "float", 500.0),
    ([-1.0, 1.0], "float", 0.0),
    ([0, 7], "palette", 0.5),
])
def test_resolve_threshold_auto_midpoints(values, scale, expected):
    assert resolve_threshold(np.array(values), scale, MaskPolicy()) == expected


def test_resolve_threshold_explicit_policy_wins():
    assert resolve_threshold(np.array([0, 255]), "uint8", MaskPolicy(threshold=10)) == 10.0
    assert resolve_threshold(np.array([0, 3]), "palette", MaskPolicy(threshold=2)) == 2.0


def test_policy_rejects_bad_values_and_round_trips():
    with pytest.raises(ValueError, match="polarity"):
        MaskPolicy(polarity="white")
    with pytest.raises(ValueError, match="finite"):
        MaskPolicy(threshold=float("nan"))
    policy = MaskPolicy(threshold=0, polarity="dark", normalise=False)
    assert MaskPolicy(**policy.to_dict()) == policy


def test_extension_constants():
    assert ".gif" in SUPPORTED_EXTENSIONS and ".tiff" in SUPPORTED_EXTENSIONS
    assert set(LOSSY_EXTENSIONS) <= set(SUPPORTED_EXTENSIONS) and ".png" not in LOSSY_EXTENSIONS


# --- images -------------------------------------------------------------------------------------


def test_read_8_bit_gray_and_replicate(tmp_path):
    gray = np.arange(SIZE * SIZE, dtype=np.uint32).reshape(SIZE, SIZE).astype(np.uint8)
    path = _save(tmp_path / "g.png", gray)
    image = read_image(path)
    assert image.shape == (SIZE, SIZE, 1) and image.dtype == np.float32
    np.testing.assert_allclose(image[..., 0], gray / 255, rtol=1e-6)
    three = read_image(path, channels=3)
    assert three.shape == (SIZE, SIZE, 3)
    np.testing.assert_array_equal(three[..., 2], image[..., 0])


def test_read_rgb_and_luminance(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
    path = _save(tmp_path / "c.png", rgb)
    image = read_image(path)
    np.testing.assert_allclose(image, rgb / 255, rtol=1e-6)
    luminance = read_image(path, channels=1)
    assert luminance.shape == (SIZE, SIZE, 1)
    np.testing.assert_allclose(luminance[..., 0], (rgb / 255) @ np.array(LUMA_WEIGHTS),
                               atol=1e-6)


def test_read_rgba_drops_alpha(tmp_path):
    rgba = np.zeros((SIZE, SIZE, 4), np.uint8)
    rgba[..., 2] = 255
    rgba[..., 3] = 7
    image = read_image(_save(tmp_path / "a.png", rgba))
    assert image.shape == (SIZE, SIZE, 3)
    assert image[..., 2].min() == 1.0 and image[..., :2].max() == 0.0


def test_read_16_bit_scales_by_65535(tmp_path):
    deep = np.full((SIZE, SIZE), 65535, np.uint16)
    deep[0, 0] = 256  # 8-bit scaling would read this as 1.0 or above
    image = read_image(_save(tmp_path / "d.png", deep))
    assert image.max() == 1.0 and image[0, 0, 0] == pytest.approx(256 / 65535)


def test_read_float_tiff_keeps_nan_and_out_of_range(tmp_path):
    values = np.full((SIZE, SIZE), 0.5, np.float32)
    values[0, 0], values[1, 1], values[2, 2] = np.nan, 2.5, -np.inf
    image = read_image(_save(tmp_path / "f.tif", values))
    assert np.isnan(image[0, 0, 0]) and image[1, 1, 0] == 2.5 and image[2, 2, 0] == -np.inf
    assert np.isnan(read_image(tmp_path / "f.tif", channels=3)[0, 0]).all()


def test_read_palette_image_gives_its_colours(tmp_path):
    path = _palette_png(tmp_path / "p.png", TRUTH, [0, 0, 0, 255, 128, 0])
    image = read_image(path)
    assert image.shape == (SIZE, SIZE, 3)
    np.testing.assert_allclose(image[12, 12], [1.0, 128 / 255, 0.0], rtol=1e-6)
    np.testing.assert_array_equal(image[0, 0], [0, 0, 0])


def test_read_cmyk_is_converted_to_rgb(tmp_path):
    path = tmp_path / "c.tif"
    Image.new("CMYK", (4, 4), (0, 255, 255, 0)).save(path)
    np.testing.assert_allclose(read_image(path)[0, 0], [1.0, 0.0, 0.0])


def test_read_image_rejects_bad_channel_count(tmp_path):
    with pytest.raises(ValueError, match="channels"):
        read_image(_save(tmp_path / "g.png", TRUTH), channels=2)


def test_reading_never_modifies_the_file(tmp_path):
    path = _save(tmp_path / "m.png", TRUTH * 255)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    decode_mask(path)
    read_image(path, channels=3)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


# --- bad files ----------------------------------------------------------------------------------


def _valid_png(path: Path) -> bytes:
    noise = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(path)
    return path.read_bytes()


def _zero_byte(tmp_path: Path) -> Path:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    return path


def _truncated_png(tmp_path: Path) -> Path:
    path = tmp_path / "cut.png"
    path.write_bytes(_valid_png(path)[:-400])
    return path


def _truncated_jpeg(tmp_path: Path) -> Path:
    path = tmp_path / "cut.jpg"
    noise = np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(path, quality=95)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def _corrupt_png(tmp_path: Path) -> Path:
    path = tmp_path / "corrupt.png"
    data = bytearray(_valid_png(path))
    middle = len(data) // 2
    data[middle:middle + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    return path


def _text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.png"
    path.write_text("this is not an image\n")
    return path


def _tiff_pillow_cannot_open(tmp_path: Path) -> Path:
    # a TIFF's first bytes, then nothing Pillow can open (as a 4-band or float-RGB TIFF, or a
    # damaged header): not called "not an image" (an HTML page saved as .tif)
    path = tmp_path / "bands.tif"
    path.write_bytes(b"II*\x00" + bytes(range(60)))
    return path


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "absent.png"


def _directory(tmp_path: Path) -> Path:
    path = tmp_path / "folder.png"
    path.mkdir()
    return path


BAD_FILES = {
    "zero_byte": (_zero_byte, "empty file"),
    "truncated_png": (_truncated_png, "truncated"),
    "truncated_jpeg": (_truncated_jpeg, "truncated"),
    "corrupt_png": (_corrupt_png, "corrupt"),
    "not_an_image": (_text_file, "not an image"),
    "tiff_pillow_cannot_open": (_tiff_pillow_cannot_open, "a TIFF Pillow cannot open"),
    "missing": (_missing, "cannot open"),
    "directory": (_directory, "cannot open"),
}
READERS = {"read_image": read_image, "load_mask_values": load_mask_values,
           "decode_mask": decode_mask}


@pytest.mark.parametrize("reader", READERS.values(), ids=list(READERS))
@pytest.mark.parametrize("kind", BAD_FILES.values(), ids=list(BAD_FILES))
def test_bad_files_raise_image_read_error_naming_the_file(tmp_path, kind, reader):
    make, reason = kind
    path = make(tmp_path)
    with pytest.raises(ImageReadError) as caught:
        reader(path)
    error = caught.value
    assert error.path == path and reason in error.reason
    assert str(error).startswith(f"{path}: ")
    assert error.__cause__ is None  # no raw Pillow/OS traceback chained underneath


@pytest.mark.parametrize("pixels_over_limit", [1.5, 3.0], ids=["warning_zone", "error_zone"])
def test_decompression_bombs_are_refused(tmp_path, monkeypatch, pixels_over_limit):
    path = _save(tmp_path / "big.png", np.zeros((40, 40), np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", int(40 * 40 / pixels_over_limit))
    for reader in READERS.values():
        with warnings.catch_warnings(record=True) as caught_warnings:
            warnings.simplefilter("always")  # a mere warning must not be how this ends
            with pytest.raises(ImageReadError, match="decompression bomb"):
                reader(path)
        assert caught_warnings == []


def test_unsupported_mode_is_an_image_read_error(tmp_path, monkeypatch):
    path = tmp_path / "c.tif"
    Image.new("CMYK", (4, 4)).save(path)

    def refuse(self, *args, **kwargs):
        raise ValueError("conversion not supported")

    monkeypatch.setattr(Image.Image, "convert", refuse)
    for reader in READERS.values():
        with pytest.raises(ImageReadError, match="unsupported image mode CMYK"):
            reader(path)


def test_image_read_error_survives_pickling():
    error = ImageReadError(Path("masks/a.png"), "truncated file (image file is truncated)")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.reason, str(copy)) == (error.path, error.reason, str(error))
    assert str(error) == "masks/a.png: truncated file (image file is truncated)"
    assert isinstance(error, ValueError)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.uint8, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=8)),
       st.one_of(st.none(), st.integers(0, 255)))
def test_bright_and_dark_foregrounds_partition_every_finite_mask(values, threshold):
    bright = mask_encoding(values, "", "L", MaskPolicy(threshold=threshold))
    dark = mask_encoding(values, "", "L", MaskPolicy(threshold=threshold, polarity="dark"))
    assert bright.threshold == dark.threshold
    assert bright.foreground_fraction + dark.foreground_fraction == pytest.approx(1.0)
    expected = np.count_nonzero(values > bright.threshold) / values.size
    assert bright.foreground_fraction == pytest.approx(expected)


def test_concurrent_reads_are_correct_and_leave_warning_filters_alone(tmp_path, monkeypatch):
    # tf.data decodes in parallel threads; the decompression-bomb filter must not leak.
    from concurrent.futures import ThreadPoolExecutor

    good = [_save(tmp_path / f"m{i}.png", TRUTH * 255) for i in range(8)]
    bomb = _save(tmp_path / "bomb.png", np.zeros((64, 64), np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 40 * 40)
    filters_before = list(warnings.filters)

    def outcome(path: Path) -> str:
        try:
            return str(int(decode_mask(path)[0].sum()))
        except ImageReadError as error:
            return error.reason.split(" (")[0]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(outcome, (good + [bomb]) * 6))
    assert results == ([str(TRUTH.sum())] * 8 + ["decompression bomb, refused"]) * 6
    assert warnings.filters == filters_before
