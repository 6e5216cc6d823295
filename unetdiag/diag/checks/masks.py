"""Checks on mask values and on how foreground is spread over a dataset.

Two questions, both answered from plain NumPy arrays so the same code serves the Keras batch
audit (the tensors ``fit()`` actually receives), ``audit-data`` (decoded files) and the tests:

* :func:`check_label_values`: are the labels 0/1, finite, single-channel? 0/255 masks,
  interpolated or JPEG-compressed masks and NaN labels all train "fine" and report nonsense.
* :func:`check_imbalance`: how much of each mask is foreground? Empty masks, masks that are
  mostly foreground (inverted polarity, or a photograph binarised with ``> 0``), extreme
  imbalance and tiny objects each change what the metrics can mean.

>>> import numpy as np
>>> masks = np.zeros((2, 8, 8)); masks[0, 2:6, 2:6] = 255
>>> [f.id for f in check_label_values(masks)]
['labels.out_of_range']
>>> [f.id for f in check_imbalance(*foreground_counts(masks > 0))]
['imbalance.empty_masks', 'imbalance.summary']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from unetdiag.diag.core.dice import DEFAULT_DICE, soft_dice
from unetdiag.diag.core.findings import Finding, Severity

#: How many distinct label values a finding quotes (evenly spaced over the sorted values,
#: always including the smallest and largest).
DISTINCT_VALUE_SAMPLE = 12
#: Whole-number labels in [0, 255) with at most this many distinct values are read as the
#: class indices of a multi-class mask rather than as a blurred 0/255 mask.
MAX_CLASS_INDEX_VALUES = 16
#: A finding names at most this many files; the evidence carries the full count.
MAX_FILES_LISTED = 50

#: A label value at or below this counts as "background-ish", at or above ``1 - ...`` as
#: "foreground-ish" when deciding whether a non-binary pixel sits on an object edge. 0.1 is
#: wide enough to take in JPEG noise around 0 and 1 (a few grey levels out of 255).
EDGE_LEVEL_TOLERANCE = 0.1
#: How far (pixels) a non-binary pixel may sit from solid background and solid foreground and
#: still count as "on an edge". Bilinear resizing blurs an edge over a pixel or two, but
#: Lanczos and JPEG ringing spread through the 8x8 JPEG block an edge crosses.
EDGE_NEIGHBOURHOOD_RADIUS = 8
#: Above this share of non-binary pixels on edges, the cause is resampling or lossy
#: compression of a real mask; below it, values are spread through regions (soft labels,
#: probability maps, or an image used as its own mask).
EDGE_SHARE_FOR_RESAMPLING = 0.8

#: A mask with more foreground than this fraction is "mostly foreground": often inverted
#: polarity (objects stored dark) or a photograph binarised with ``> 0``.
MOSTLY_FOREGROUND_FRACTION = 0.5
#: Overall foreground fraction outside [EXTREME, 1 - EXTREME] makes a constant predictor
#: at least 99 % accurate.
EXTREME_FOREGROUND_FRACTION = 0.01
#: Above this share of empty masks they are a warning, not just a fact: a model predicting
#: nothing is then right on almost a third of the images, and the empty-mask convention of
#: per-image metrics moves the mean by that much.
EMPTY_MASK_WARNING_SHARE = 0.3
#: Objects smaller than this many pixels (a 4x4 blob) shrink below one cell after two
#: down-sampling steps, and one missed pixel costs them more than 3 Dice points.
TINY_OBJECT_PIXELS = 16
#: Tiny objects are a warning when at least this share of non-empty masks has one.
TINY_OBJECT_WARNING_SHARE = 0.1
#: Per-image foreground fractions quoted in the summary.
FOREGROUND_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)

_MASK_POLICY_FIX = ("unetdiag's MaskPolicy does this for you and records the policy it used "
                    "(auto threshold: 127.5 for 8-bit masks, 0.5 for 0/1 masks).")


def foreground_counts(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Foreground and total pixels of each mask in a batch of {0, 1} masks.

    Args:
        masks: ``(N, H, W)``, ``(N, H, W, 1)`` or a single ``(H, W)`` mask. A pixel is
            foreground when its value is above 0.5 (NaN is not foreground).

    Returns:
        ``(foreground, pixels)``: two int64 arrays of length N.

    >>> foreground_counts(np.array([[[1, 0], [0, 0]], [[0, 0], [0, 0]]]))
    (array([1, 0]), array([4, 4]))
    """
    array = np.asarray(masks)
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 3:
        raise ValueError(f"expected masks shaped (N, H, W) or (N, H, W, 1), got {array.shape}")
    flat = array.reshape(array.shape[0], -1)
    foreground = np.count_nonzero(flat > 0.5, axis=1).astype(np.int64)
    pixels = np.full(array.shape[0], flat.shape[1], dtype=np.int64)
    return foreground, pixels


# --------------------------------------------------------------------------- label values


def check_label_values(masks: np.ndarray, source: str = "",
                       files: Sequence[str] = ()) -> list[Finding]:
    """Are these labels finite, single-channel and binary in [0, 1]?

    Args:
        masks: labels exactly as the loss sees them: any shape and dtype; axis 0 indexes the
            images when there are 3 or more axes (a 2-D array is one mask).
        source: where the masks came from (``"audit"``, ``"train:MP_Tr_BCE"``...).
        files: one path per image (axis 0), or one path for the whole array, or nothing.

    Returns findings with ids ``labels.wrong_dtype_or_shape``, ``labels.non_finite``,
    ``labels.out_of_range`` and ``labels.non_binary`` (nothing when the labels are clean).

    >>> [f.id for f in check_label_values(np.array([[0.0, 0.5], [1.0, 1.0]]))]
    ['labels.non_binary']
    """
    array = np.asarray(masks)
    images = 1 if array.ndim < 3 else array.shape[0]
    files = _files_per_image(files, images)
    structural, usable = _check_dtype_and_shape(array, source, files)
    if not usable:
        return structural
    values = array.astype(np.float64, copy=False).reshape(images, -1)
    findings = list(structural)
    finite = np.isfinite(values)
    if not finite.all():
        findings.append(_non_finite_finding(values, finite, source, files))
    finite_values = values[finite]
    if finite_values.size == 0:
        return findings
    outside = finite & ((values < 0) | (values > 1))
    if outside.any():
        findings.append(_out_of_range_finding(values, finite, outside, source, files))
    between = finite & (values > 0) & (values < 1)
    if between.any():
        findings.append(_non_binary_finding(array, values, between, source, files))
    return findings


def _files_per_image(files: Sequence[str], images: int) -> list[str]:
    files = [str(f) for f in files]
    if not files:
        return []
    if len(files) == 1:
        return files * max(images, 1)  # an empty array still names its file
    if len(files) != images:
        raise ValueError(f"got {len(files)} file names for {images} masks: pass one per mask "
                         "(axis 0), one for the whole array, or none")
    return files


def _files_by_count(counts: np.ndarray, files: list[str]) -> tuple[str, ...]:
    """Files of the images with a non-zero count, worst first, each named once."""
    if not files:
        return ()
    order = np.argsort(-counts, kind="stable")
    named: list[str] = []
    for index in order:
        if counts[index] > 0 and files[index] not in named:
            named.append(files[index])
    return tuple(named[:MAX_FILES_LISTED])


def _value_sample(values: np.ndarray) -> tuple[list[float], int]:
    distinct = np.unique(values)
    if distinct.size <= DISTINCT_VALUE_SAMPLE:
        return distinct.tolist(), int(distinct.size)
    picks = np.linspace(0, distinct.size - 1, DISTINCT_VALUE_SAMPLE).round().astype(int)
    return distinct[picks].tolist(), int(distinct.size)


def _check_dtype_and_shape(array: np.ndarray, source: str,
                           files: list[str]) -> tuple[list[Finding], bool]:
    """Findings about dtype and shape, and whether the values can still be checked."""
    kind = array.dtype.kind
    fix_read = ("Decode masks as one channel of numbers: Pillow `Image.open(p).convert('L')`, "
                "or read palette PNGs with Pillow to keep their indices (tf.io.decode_png "
                "expands a palette to RGB); unetdiag's pipeline decodes masks with channels=1.")
    if kind not in "biuf":
        return [Finding(
            id="labels.wrong_dtype_or_shape", severity=Severity.ERROR,
            title=f"Labels are not numbers (dtype {array.dtype})",
            explanation=(f"The masks arrived as dtype {array.dtype}; a loss needs numeric 0/1 "
                         "labels, so nothing about them can be checked or trained on."),
            fix=fix_read, evidence={"dtype": str(array.dtype), "shape": list(array.shape)},
            files=tuple(dict.fromkeys(files))[:MAX_FILES_LISTED], source=source)], False
    if array.size == 0 or array.ndim < 2 or array.ndim > 4:
        reason = ("holds no pixels" if array.size == 0 else
                  f"has {array.ndim} axes; expected (H, W), (N, H, W) or (N, H, W, 1)")
        return [Finding(
            id="labels.wrong_dtype_or_shape", severity=Severity.ERROR,
            title=f"Label array {reason}",
            explanation=(f"The masks have shape {tuple(array.shape)}: the label array {reason}, "
                         "so it cannot line up with a one-channel segmentation output."),
            fix="Check how masks are decoded and batched: one (H, W, 1) mask per image.",
            evidence={"shape": list(array.shape), "dtype": str(array.dtype)},
            files=tuple(dict.fromkeys(files))[:MAX_FILES_LISTED], source=source)], array.size > 0
    if array.ndim == 4 and array.shape[-1] != 1:
        channels = int(array.shape[-1])
        identical = bool(np.all(array == array[..., :1]))
        what = ("every channel is identical: grayscale masks saved or decoded as RGB"
                if identical else "the channels differ: colour-coded masks (a palette "
                "or RGB label image), where each class is a colour, not a 0/1 value")
        return [Finding(
            id="labels.wrong_dtype_or_shape", severity=Severity.ERROR,
            title=f"Masks have {channels} channels; a binary U-Net outputs 1",
            explanation=(f"The masks have shape {tuple(array.shape)}: {what}. Against a "
                         "(N, H, W, 1) prediction Keras broadcasts the channels silently, so "
                         f"each pixel is counted {channels} times and colours are read as "
                         "label values."),
            fix=fix_read,
            evidence={"shape": list(array.shape), "channels": channels,
                      "channels_identical": identical},
            files=tuple(dict.fromkeys(files))[:MAX_FILES_LISTED], source=source)], True
    return [], True


def _non_finite_finding(values, finite, source, files) -> Finding:
    bad = ~finite
    per_image = bad.sum(axis=1)
    nan_count = int(np.isnan(values).sum())
    positive_inf = int(np.isposinf(values).sum())
    negative_inf = int(np.isneginf(values).sum())
    total = int(bad.sum())
    return Finding(
        id="labels.non_finite", severity=Severity.ERROR,
        title=f"{total} label pixels are NaN or infinite",
        explanation=(f"{total} of {values.size} label pixels ({total / values.size:.2%}) in "
                     f"{int((per_image > 0).sum())} of {values.shape[0]} masks are not finite "
                     f"({nan_count} NaN, {positive_inf} +Inf, {negative_inf} -Inf). A NaN label "
                     "makes the loss of its whole batch NaN, and Keras's running-mean loss "
                     "then reads NaN for the rest of the epoch even if training recovers."),
        fix=("Find the file and re-export it. A frequent cause is normalising by the mask's own "
             "maximum (mask / mask.max()): an empty mask gives 0/0 = NaN. Divide by a fixed "
             "scale (255) or binarise with a threshold instead. " + _MASK_POLICY_FIX),
        evidence={"non_finite_pixels": total, "fraction": total / values.size,
                  "nan": nan_count, "positive_inf": positive_inf, "negative_inf": negative_inf,
                  "masks_affected": int((per_image > 0).sum()), "masks": int(values.shape[0])},
        files=_files_by_count(per_image, files), source=source)


def _out_of_range_finding(values, finite, outside, source, files) -> Finding:
    finite_values = values[finite]
    low, high = float(finite_values.min()), float(finite_values.max())
    count = int(outside.sum())
    fraction = count / int(finite.sum())
    per_image = outside.sum(axis=1)
    sample, distinct = _value_sample(finite_values)
    evidence = {"min": low, "max": high, "pixels_outside": count, "fraction_outside": fraction,
                "distinct_values": sample, "distinct_value_count": distinct,
                "masks_affected": int((per_image > 0).sum()), "masks": int(values.shape[0])}
    lines = [f"Labels run from {low:g} to {high:g}: {count} pixels ({fraction:.1%}) lie outside "
             f"[0, 1], in {evidence['masks_affected']} of {values.shape[0]} masks."]
    if high > 1:
        # What a model that finds every object exactly would report with these labels.
        labels = np.where(finite, values, 0.0)
        perfect = soft_dice(labels, (labels > 0).astype(np.float64), DEFAULT_DICE)
        intermediate = float(((finite_values > 0) & (finite_values < high)).mean())
        evidence.update(perfect_prediction_dice=perfect, intermediate_fraction=intermediate)
        lines.append(
            f"With labels up to {high:g} a perfect prediction scores Dice {perfect:.3f} (Dice "
            "can only reach 1 with 0/1 labels), the Dice loss goes negative, and Keras 3's "
            "binary cross-entropy goes hugely negative instead of NaN (measured with 0/255 "
            "masks: -2.09 at the start, -1.9e6 after 4 epochs, gradients ~500x too large).")
        looks_like_classes = (low >= 0 and high < 255 and distinct <= MAX_CLASS_INDEX_VALUES
                              and bool(np.all(finite_values == np.round(finite_values))))
        evidence["looks_like_class_indices"] = looks_like_classes
        if looks_like_classes:
            lines.append(f"The {distinct} values are small whole numbers: these look like class "
                         "indices of a multi-class mask, not a binary one.")
        elif intermediate > 0:
            lines.append(f"{intermediate:.1%} of pixels sit between 0 and {high:g}: the masks "
                         "were also interpolated or JPEG-compressed.")
    if low < 0:
        lines.append(f"Negative labels (down to {low:g}) usually mean the image normalisation "
                     "(e.g. to [-1, 1]) was applied to the masks too; cross-entropy and Dice "
                     "then reward predicting the wrong class.")
    fix = ("Bring masks to {0, 1} before training: divide 8-bit 0/255 masks by 255 or, better, "
           "threshold them (mask > 127); never apply image normalisation to masks. "
           + _MASK_POLICY_FIX)
    return Finding(id="labels.out_of_range", severity=Severity.ERROR,
                   title=f"Labels outside [0, 1]: values from {low:g} to {high:g}",
                   explanation=" ".join(lines), fix=fix, evidence=evidence,
                   files=_files_by_count(per_image, files), source=source)


def _spatial_masks(array: np.ndarray) -> np.ndarray | None:
    """(N, H, W) view for the edge test, channels moved to the image axis; None without space."""
    if array.ndim == 2:
        return array[None]
    if array.ndim == 3:
        return array
    if array.ndim == 4:
        return np.moveaxis(array, -1, 1).reshape(-1, array.shape[1], array.shape[2])
    return None


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation of (N, H, W) masks with a (2r+1)x(2r+1) square, separably."""
    out = mask
    for axis in (1, 2):
        padded = np.pad(out, [(0, 0)] + [(radius, radius) if a == axis else (0, 0)
                                         for a in (1, 2)])
        length = out.shape[axis]
        grown = np.zeros_like(out)
        for offset in range(2 * radius + 1):
            grown |= np.take(padded, np.arange(offset, offset + length), axis=axis)
        out = grown
    return out


def edge_share(masks: np.ndarray, radius: int = EDGE_NEIGHBOURHOOD_RADIUS,
               tolerance: float = EDGE_LEVEL_TOLERANCE) -> float:
    """Share of non-binary pixels that sit on an object edge.

    A pixel with a value strictly between 0 and 1 is "on an edge" when, within ``radius``
    pixels, it has a solid region of one class and a pixel on the other side of 0.5. "Solid"
    means a pixel whose 3x3 neighbourhood is entirely background-ish (``<= tolerance``) or
    entirely foreground-ish (``>= 1 - tolerance``), so scattered noise is no region; the other
    side only needs to pass 0.5 so that thin structures (vessels, membranes), which keep no
    solid core after down-scaling, still count. Resizing a mask with interpolation or saving it
    as JPEG puts nearly all non-binary pixels on edges; soft labels and photographs do not.
    NaN when there are no non-binary pixels.

    >>> ramp = np.array([[0, 0, 0, 0.5, 1, 1, 1]] * 4)
    >>> edge_share(ramp, radius=1)
    1.0
    >>> rng = np.random.default_rng(0)
    >>> edge_share(rng.random((32, 32)))   # noise: no solid region anywhere
    0.0
    """
    spatial = _spatial_masks(np.asarray(masks, dtype=np.float64))
    if spatial is None:
        return float("nan")
    between = (spatial > 0) & (spatial < 1)
    if not between.any():
        return float("nan")
    # The solid regions are eroded by one pixel, so reach one pixel further to meet them.
    near_solid_background = _dilate(_erode(spatial <= tolerance), radius + 1)
    near_solid_foreground = _dilate(_erode(spatial >= 1 - tolerance), radius + 1)
    near_bright = _dilate(spatial >= 0.5, radius)
    near_dark = _dilate(spatial < 0.5, radius)
    on_edge = between & ((near_solid_background & near_bright)
                         | (near_solid_foreground & near_dark))
    return float(on_edge.sum() / between.sum())


def _erode(mask: np.ndarray) -> np.ndarray:
    """Pixels whose whole 3x3 neighbourhood is set (the image border counts as set)."""
    return ~_dilate(~mask, 1)


def _non_binary_finding(array, values, between, source, files) -> Finding:
    count = int(between.sum())
    fraction = count / values.size
    per_image = between.sum(axis=1)
    sample, distinct = _value_sample(values[between])
    share_on_edges = edge_share(np.where(np.isfinite(array), array, 0.0))
    evidence = {"pixels_between": count, "fraction": fraction, "distinct_values": sample,
                "distinct_value_count": distinct, "edge_share": share_on_edges,
                "masks_affected": int((per_image > 0).sum()), "masks": int(values.shape[0])}
    opening = (f"{count} label pixels ({fraction:.2%}) hold {distinct} different values "
               f"strictly between 0 and 1, in {evidence['masks_affected']} of "
               f"{values.shape[0]} masks.")
    if share_on_edges >= EDGE_SHARE_FOR_RESAMPLING:
        cause = (f"{share_on_edges:.0%} of them sit on object edges, next to both background "
                 "and foreground: the mark of a mask resized with bilinear or bicubic "
                 "interpolation (measured: 2.5 % non-binary pixels, 59 values) or saved as "
                 "JPEG (7.3 %, 27 values).")
    elif np.isnan(share_on_edges):
        cause = "The array has no spatial layout, so where they sit cannot be told."
    else:
        cause = (f"Only {share_on_edges:.0%} of them sit on object edges; the rest are spread "
                 "through whole regions: soft labels, probability maps, or an image used as "
                 "its own mask (the original project read each photograph as its mask).")
    consequence = ("Cross-entropy and Dice treat 0.5 as half foreground, while accuracy "
                   "thresholds the prediction but not the label, so the metrics disagree about "
                   "what the target is.")
    fix = ("Resize masks with nearest-neighbour (tf.image.resize(..., method='nearest'), Pillow "
           "Image.NEAREST), store them losslessly (PNG, not JPEG), and binarise at the midpoint. "
           + _MASK_POLICY_FIX)
    return Finding(id="labels.non_binary", severity=Severity.WARNING,
                   title=f"{fraction:.2%} of label pixels are neither 0 nor 1",
                   explanation=" ".join((opening, cause, consequence)), fix=fix,
                   evidence=evidence, files=_files_by_count(per_image, files), source=source)


# --------------------------------------------------------------------------- imbalance


def validated_counts(foreground_counts, pixel_counts) -> tuple[np.ndarray, np.ndarray]:
    """Per-mask foreground and pixel counts as float64 vectors; ValueError if inconsistent."""
    foreground = np.asarray(foreground_counts, dtype=np.float64).reshape(-1)
    pixels = np.asarray(pixel_counts, dtype=np.float64).reshape(-1)
    if foreground.shape != pixels.shape or foreground.size == 0:
        raise ValueError("need one foreground count and one pixel count per image "
                         f"(got {foreground.size} and {pixels.size})")
    if not (np.isfinite(foreground).all() and np.isfinite(pixels).all()):
        raise ValueError("foreground and pixel counts must be finite")
    if (pixels <= 0).any() or (foreground < 0).any() or (foreground > pixels).any():
        raise ValueError("counts must satisfy 0 <= foreground <= pixels and pixels > 0")
    return foreground, pixels


def _aligned_files(files: Sequence[str], images: int) -> list[str]:
    files = [str(f) for f in files]
    if files and len(files) != images:
        raise ValueError(f"got {len(files)} file names for {images} masks")
    return files


def _named(indices: np.ndarray, files: list[str]) -> tuple[str, ...]:
    return tuple(files[i] for i in indices[:MAX_FILES_LISTED]) if files else ()


def check_imbalance(foreground_counts, pixel_counts, files: Sequence[str] = (), source: str = "",
                    smallest_object_pixels=None) -> list[Finding]:
    """How foreground is spread over a dataset (or a batch).

    Args:
        foreground_counts: foreground pixels of each mask.
        pixel_counts: pixels of each mask.
        files: one path per mask, or none.
        source: where the counts came from.
        smallest_object_pixels: optional, per mask, the pixel count of its smallest connected
            object (0 or NaN for empty masks). Without it, only masks whose whole foreground
            is tiny can be found.

    Returns ``imbalance.empty_masks``, ``imbalance.mostly_foreground``, ``imbalance.extreme``,
    ``imbalance.tiny_objects`` when they apply, and always ``imbalance.summary`` (last).
    """
    foreground, pixels = validated_counts(foreground_counts, pixel_counts)
    files = _aligned_files(files, foreground.size)
    fractions = foreground / pixels
    overall = float(foreground.sum() / pixels.sum())
    images = foreground.size
    findings: list[Finding] = []

    empty = np.flatnonzero(foreground == 0)
    if empty.size:
        findings.append(_empty_masks_finding(empty, images, files, source))

    mostly = np.flatnonzero(fractions > MOSTLY_FOREGROUND_FRACTION)
    if mostly.size:
        mostly = mostly[np.argsort(-fractions[mostly], kind="stable")]
        findings.append(Finding(
            id="imbalance.mostly_foreground", severity=Severity.WARNING,
            title=(f"{mostly.size} of {images} masks are more than "
                   f"{MOSTLY_FOREGROUND_FRACTION:.0%} foreground"),
            explanation=(f"In {mostly.size} masks ({mostly.size / images:.1%}) the object "
                         f"covers more than {MOSTLY_FOREGROUND_FRACTION:.0%} of the image "
                         f"(up to {float(fractions[mostly[0]]):.1%}). Objects are usually the "
                         "smaller class, so this often means inverted polarity (objects stored "
                         "dark, background bright) or a photograph binarised with `> 0` (the "
                         "original project: 99.5 % foreground). If the objects really are "
                         "that large, ignore this."),
            fix=("Look at two of the listed masks next to their images. If the background is "
                 "marked, invert the masks (unetdiag: MaskPolicy(polarity='dark')); if a mask "
                 "looks like the photograph, the mask path points at the images."),
            evidence={"masks": int(mostly.size), "share": mostly.size / images,
                      "threshold": MOSTLY_FOREGROUND_FRACTION,
                      "largest_fraction": float(fractions[mostly[0]])},
            files=_named(mostly, files), source=source))

    if overall < EXTREME_FOREGROUND_FRACTION or overall > 1 - EXTREME_FOREGROUND_FRACTION:
        majority = "background" if overall < 0.5 else "foreground"
        constant_accuracy = max(overall, 1 - overall)
        findings.append(Finding(
            id="imbalance.extreme", severity=Severity.WARNING,
            title=f"Only {min(overall, 1 - overall):.2%} of all pixels are "
                  f"{'foreground' if majority == 'background' else 'background'}",
            explanation=(f"Foreground is {overall:.2%} of all {int(pixels.sum())} pixels. A "
                         f"model that paints everything {majority} is {constant_accuracy:.2%} "
                         "accurate, so accuracy says nothing here"
                         + (", and with so little background an all-foreground model also "
                            "scores a near-perfect Dice (2f/(1+f))." if overall > 0.5 else
                            "; tiny objects are also where Dice smoothing and empty-mask "
                            "conventions move the numbers most.")),
            fix=("Judge the run by Dice/IoU against the trivial baselines unetdiag reports, "
                 "not by accuracy." if overall < 0.5 else
                 "Check the masks are not inverted or binarised photographs (see "
                 "imbalance.mostly_foreground) before training on them."),
            evidence={"foreground_fraction": overall, "constant_predictor_accuracy":
                      constant_accuracy, "threshold": EXTREME_FOREGROUND_FRACTION},
            source=source))

    tiny = _tiny_objects_finding(foreground, smallest_object_pixels, files, source)
    if tiny is not None:
        findings.append(tiny)

    quantiles = np.quantile(fractions, FOREGROUND_QUANTILES)
    findings.append(Finding(
        id="imbalance.summary", severity=Severity.INFO,
        title=f"Foreground is {overall:.2%} of all pixels over {images} masks",
        explanation=(f"Over {images} masks, foreground is {overall:.2%} of all pixels; per mask "
                     f"it ranges from {fractions.min():.2%} to {fractions.max():.2%} (median "
                     f"{float(np.median(fractions)):.2%}). {empty.size} masks are empty and "
                     f"{mostly.size} are more than {MOSTLY_FOREGROUND_FRACTION:.0%} "
                     "foreground."),
        fix="Nothing to fix: these are the numbers the other findings rest on.",
        evidence={"masks": images, "foreground_fraction": overall,
                  "foreground_pixels": int(foreground.sum()), "pixels": int(pixels.sum()),
                  "per_mask_min": float(fractions.min()),
                  "per_mask_max": float(fractions.max()),
                  "per_mask_quantiles": {
                      f"q{round(q * 100):02d}": float(v)
                      for q, v in zip(FOREGROUND_QUANTILES, quantiles, strict=True)},
                  "empty_masks": int(empty.size), "mostly_foreground_masks": int(mostly.size)},
        source=source))
    return findings


def _empty_masks_finding(empty: np.ndarray, images: int, files: list[str],
                         source: str) -> Finding:
    share = empty.size / images
    if empty.size == images:
        severity, headline = Severity.ERROR, f"All {images} masks are empty"
        meaning = ("There is no foreground to learn: every model, including one that predicts "
                   "nothing, is perfect on these masks. Usually the masks were binarised with "
                   "the wrong threshold or polarity, or the wrong files were read as masks.")
    else:
        severity = Severity.WARNING if share >= EMPTY_MASK_WARNING_SHARE else Severity.INFO
        headline = f"{empty.size} of {images} masks ({share:.1%}) are empty"
        meaning = (f"A model that predicts nothing is exactly right on these {share:.1%} of the "
                   "images. What they score depends on the Dice convention (1 with numerator "
                   "smoothing, 0 without, or left out), which can move a per-image mean by up "
                   f"to {share:.2f}; see dice.empty_mask_convention.")
    return Finding(
        id="imbalance.empty_masks", severity=severity, title=headline,
        explanation=f"{empty.size} of {images} masks contain no foreground pixel. {meaning}",
        fix=("If empty images are real (no object present), keep them and report which Dice "
             "convention scores them; if not, check the mask threshold and polarity "
             "(MaskPolicy) and that the right files are read as masks."),
        evidence={"empty_masks": int(empty.size), "masks": images, "share": share,
                  "warning_share": EMPTY_MASK_WARNING_SHARE},
        files=_named(empty, files), source=source)


def _tiny_objects_finding(foreground, smallest_object_pixels, files, source) -> Finding | None:
    non_empty = foreground > 0
    if not non_empty.any():
        return None
    if smallest_object_pixels is not None:
        smallest = np.asarray(smallest_object_pixels, dtype=np.float64).reshape(-1)
        if smallest.shape != foreground.shape:
            raise ValueError("smallest_object_pixels needs one value per mask")
        measured = "smallest connected object"
    else:
        # The whole foreground of a mask bounds its smallest object from above.
        smallest = foreground
        measured = "total foreground (so every object in the mask is at least this small)"
    tiny = np.flatnonzero(non_empty & np.isfinite(smallest) & (smallest > 0)
                          & (smallest < TINY_OBJECT_PIXELS))
    if tiny.size == 0:
        return None
    share = tiny.size / int(non_empty.sum())
    tiny = tiny[np.argsort(smallest[tiny], kind="stable")]
    severity = Severity.WARNING if share >= TINY_OBJECT_WARNING_SHARE else Severity.INFO
    return Finding(
        id="imbalance.tiny_objects", severity=severity,
        title=f"{tiny.size} masks hold objects under {TINY_OBJECT_PIXELS} pixels",
        explanation=(f"In {tiny.size} of {int(non_empty.sum())} non-empty masks ({share:.1%}) "
                     f"the {measured} is under {TINY_OBJECT_PIXELS} pixels (smallest: "
                     f"{float(smallest[tiny[0]]):g}). Such an object is less than one cell "
                     "after two down-sampling steps, one missed pixel costs it more than 3 Dice "
                     "points, and Dice smoothing weighs most on it. Specks of a few pixels are "
                     "also what JPEG noise leaves behind after a `> 0` threshold."),
        fix=("Look at the listed masks: remove specks that are compression noise (store masks as "
             "PNG, threshold at the midpoint); if the objects are real, train at a higher "
             "resolution or with fewer down-sampling steps, and keep Dice smoothing small "
             "relative to their size."),
        evidence={"masks": int(tiny.size), "share_of_non_empty": share,
                  "threshold_pixels": TINY_OBJECT_PIXELS,
                  "smallest_pixels": float(smallest[tiny[0]]),
                  "measured_from": ("smallest_object_pixels" if smallest_object_pixels
                                    is not None else "foreground_counts")},
        files=_named(tiny, files), source=source)
