"""The console notes of ``unetdiag predict``: which images reached the model at another
aspect ratio, scale or kind than its training images, and of which files only the first page
or frame was predicted (each note names the images and the predict.json field to read)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unetdiag.diag.data.orientation import DISPLAY_TRANSFORMS, UPRIGHT
from unetdiag.diag.data.stacks import STACK_EXTENSIONS
from unetdiag.training.predict_geometry import ASPECT_TOLERANCE, MAX_PIXELS, SCALE_TOLERANCE
from unetdiag.training.predict_result import PredictResult


def geometry_lines(result: PredictResult) -> list[str]:
    """What the console says of how the images were sized for the model: the images whose
    aspect ratio differs from the training images', named with it, and whether they were
    fed at it, stretched, or too thin to keep it (nothing when every image has the training
    images' shape)."""
    plan = result.geometry
    how = "kept" if plan is not None and plan.mode == "keep_aspect" else "stretched"
    records = result.fed(how) if plan is not None else []
    squashed = result.fed("aspect_lost") if plan is not None else []
    if not records and not squashed:
        return _scale_lines(result)
    against = "the training images'" if plan.training_size else "the model input's"
    if how == "stretched":
        return [f"note: {len(records)} image(s) stretched to the model's {plan.height}x"
                f"{plan.width} input, their aspect ratio unlike {against} "
                f"({plan.reference_aspect:.3g}:1): {_named_aspects(records)}; {plan.reason}, "
                "so their objects reach it wider or taller than it learnt them (predict.json: "
                "geometry, fed_as)", *_scale_lines(result)]
    scale = ("at the training images' scale" if plan.training_size
             else "at the model input's pixel count")
    lines = []
    if records:
        lines.append(f"{len(records)} image(s) of another aspect ratio than {against} "
                     f"({plan.reference_aspect:.3g}:1): {_named_aspects(records)}; fed {scale}, "
                     f"their aspect ratio kept, padded to a multiple of {plan.multiple} and "
                     f"cropped back, not stretched to {plan.height}x{plan.width} (predict.json: "
                     "geometry, fed_as)")
    shrunk = result.fed("shrunk")
    if shrunk:
        lines.append(f"note: {len(shrunk)} of them fed smaller than that scale, at most "
                     f"{MAX_PIXELS} pixels (e.g. {shrunk[0]['image']})")
    if squashed:
        fed = ", ".join(f"{record['image']} ({record['width']}x{record['height']} fed at "
                        f"{record['fed_as']['width']}x{record['fed_as']['height']})"
                        for record in squashed[:5])
        fed += f" and {len(squashed) - 5} more" if len(squashed) > 5 else ""
        lines.append(f"note: {len(squashed)} image(s) of another aspect ratio too thin to keep "
                     f"it at that scale: {fed}; fed {scale}, a side rounds to whole pixels (at "
                     "least one), so they reach the model squashed or stretched by more than "
                     f"{ASPECT_TOLERANCE:g} times (predict.json: fed_as.aspect_lost)")
    return lines + _scale_lines(result)


def _named_aspects(records: Sequence[dict[str, Any]]) -> str:
    named = ", ".join(f"{record['image']} ({record['width']}x{record['height']}, "
                      f"{record['aspect_ratio']:g}:1)" for record in records[:5])
    return named + (f" and {len(records) - 5} more" if len(records) > 5 else "")


def stack_lines(result: PredictResult) -> list[str]:
    """The multi-page TIFFs of which only the first page was predicted (train and evaluate
    pair stacks page by page; predict reads one page per file), and the files of several
    frames (animated GIF, PNG) of which only the first frame was."""
    paged = [record for record in result.records if record.get("pages", 1) > 1]
    stacks = [record for record in paged
              if Path(record["image"]).suffix.lower() in STACK_EXTENSIONS]
    animated = [record for record in paged if record not in stacks]
    lines = []
    if stacks:
        lines.append(
            f"note: {len(stacks)} multi-page TIFF(s) got a mask of their first page only: "
            f"{_named_pages(stacks, 'pages')}; predict reads one page per file (train and "
            "evaluate pair stacks page by page): save each page as a file of its own to "
            "predict it (predict.json: pages)")
    if animated:
        lines.append(
            f"note: {len(animated)} image(s) of several frames (an animation) got a mask of "
            f"their first frame only: {_named_pages(animated, 'frames')}; save each frame as "
            "a file of its own to predict it (predict.json: pages)")
    return lines


def _named_pages(records: Sequence[dict[str, Any]], unit: str) -> str:
    named = ", ".join(f"{record['image']} ({record['pages']} {unit})" for record in records[:5])
    return named + (f" and {len(records) - 5} more" if len(records) > 5 else "")


def colour_lines(result: PredictResult) -> list[str]:
    """The images of another kind than every training image the run recorded: colour ones
    for a model trained on grey images only, grey ones repeated into the three channels of
    a model trained on colour images only (a one-channel model trained on colour images
    read them as grey, so a grey image is no stranger to it)."""
    bands = result.training_bands
    trained = sum(bands.values()) if bands else 0
    if not trained:
        return []
    colour = bands.get("colour", 0)
    if colour == 0:
        unlike, kind, learnt = "colour", ("colour",), "grey (or grey stored as colour)"
    elif colour == trained and result.channels == 3:
        unlike, kind, learnt = "grey", ("grey", "grey as colour"), "colour"
    else:
        return []
    records = [record for record in result.records if record.get("bands") in kind]
    if not records:
        return []
    named = ", ".join(record["image"] for record in records[:5])
    named += f" and {len(records) - 5} more" if len(records) > 5 else ""
    repeated = sum(record.get("bands") == "grey" for record in records)
    how = ("converted to grey by luminance as train reads them" if unlike == "colour"
           and result.channels == 1 else "given as they are" if unlike == "colour"
           else "their grey repeated into the model's 3 channels as train reads them"
           if repeated == len(records) else "stored as colour with three equal channels"
           if not repeated else f"{repeated} of them one-channel, their grey repeated into "
           "the model's 3 channels as train reads them, the others stored as colour with three "
           "equal channels")
    return [f"note: {len(records)} image(s) {unlike} ({named}), {how}, though the run that "
            f"saved the model ({result.training_run}) trained it on {trained} {learnt} "
            f"image(s) only: the model never learnt from {unlike} images, so their masks may "
            "not be what it gives for images like its training ones (predict.json: bands)"]


def _scale_lines(result: PredictResult) -> list[str]:
    """The images of the training images' aspect ratio but not their size, fed at the
    model's input as they were and so at another scale (an image of another aspect ratio is
    named above, and its ``shrunk`` says when it is fed below the training scale)."""
    plan = result.geometry
    if plan is None or plan.training_size is None:
        return []
    records = [record for record in result.records
               if not (record["fed_as"]["kept"] or record["fed_as"]["stretched"]
                       or record["fed_as"]["aspect_lost"])
               and plan.beyond_training_scales((record["height"], record["width"]))]
    if not records:
        return []
    named = ", ".join(f"{record['image']} ({record['width']}x{record['height']}: "
                      f"{record['fed_as']['scale_vs_training']:g} times)"
                      for record in records[:5])
    named += f" and {len(records) - 5} more" if len(records) > 5 else ""
    height, width = plan.training_size
    if plan.training_range is None:
        sizes, theirs = (f"not their size ({width:g}x{height:g}, the median; the run recorded "
                         "not their smallest and largest)"), "theirs"
    elif plan.training_range[0] == plan.training_range[1]:
        sizes, theirs = f"not their size ({width:g}x{height:g})", "theirs"
    else:
        (low_h, low_w), (high_h, high_w) = plan.training_range
        sizes = (f"more than {SCALE_TOLERANCE:g} times larger or smaller than any of them "
                 f"({low_w:g}x{low_h:g} to {high_w:g}x{high_h:g}, median {width:g}x{height:g}"
                 ", the scale the times below are of)")
        theirs = "any of theirs"
    return [f"note: {len(records)} image(s) of the training images' aspect ratio but {sizes}: "
            f"fed at the model's {plan.width}x{plan.height} as they were, so at another scale "
            f"than {theirs}: {named}; an object as many pixels wide as in the training images "
            "reaches the model that many times as wide, which suits it only if the image "
            "covers the same field at another resolution (predict.json: "
            "fed_as.scale_vs_training)"]


def orientation_lines(result: PredictResult) -> list[str]:
    """The images whose EXIF orientation tag viewers apply (a phone photo stored sideways):
    predict reads the stored pixels, as train does, so their masks have the stored
    orientation, not the one the photo is shown in. A PNG's orientation placed after its
    pixels (``exif_after_pixels``) is not named: browsers show such a PNG as stored."""
    records = [record for record in result.records
               if record.get("exif_orientation", UPRIGHT) != UPRIGHT
               and not record.get("exif_after_pixels")]
    if not records:
        return []
    named = ", ".join(f"{record['image']}: viewers {DISPLAY_TRANSFORMS[record['exif_orientation']]}"
                      for record in records[:5])
    named += f" and {len(records) - 5} more" if len(records) > 5 else ""
    return [f"note: {len(records)} image(s) with an EXIF orientation that viewers apply "
            f"({named}): predicted on the stored pixels, as train reads them, so each mask "
            "lies as the stored pixels do, not as a viewer shows the image; to get masks "
            "that match the displayed images, write the images upright once "
            "(PIL.ImageOps.exif_transpose) and predict those (predict.json: exif_orientation)"]


#: Unreadable images named one a line on the console (predict.json names them all).
NAMED_UNREADABLE = 10


def unreadable_lines(result: PredictResult) -> list[str]:
    """One line per image that could not be read and so got no mask (the first
    :data:`NAMED_UNREADABLE`, then a count), and the summary: how many of the images got no
    mask."""
    if not result.unreadable:
        return []
    items = list(result.unreadable.items())
    lines = [f"not predicted: {label}: {why}" for label, why in items[:NAMED_UNREADABLE]]
    if len(items) > NAMED_UNREADABLE:
        lines.append(f"not predicted: {len(items) - NAMED_UNREADABLE} more unreadable image(s)")
    total = len(items) + len(result.records)
    lines.append(f"warning: {len(items)} of {total} image(s) could not be read and got no mask; "
                 f"the other {len(result.records)} were predicted (predict.json: not_predicted)")
    return lines
