"""The images ``evaluate`` scores against the images the model was trained on: what was
converted to the model's channels, and intensities on another range.

``evaluate`` reads images as ``train`` does (scaled by their stored range; colour turned
to grey by luminance for a 1-channel model, grey repeated for a 3-channel one) and would do
so silently. The decoder records each image's kind
(:class:`~unetdiag.diag.data.image_kinds.ImageKind`); ``train`` keeps its training images'
summary in its report (``meta["train_images"]``), which the run record beside the model
hands back. Two findings (words in :mod:`.images_wording`):

================================ ============ =================================================
id                               severity     when
================================ ============ =================================================
evaluate.images_converted        warning/info images were converted to the model's channels, or
                                              their colour differs from the training images'
                                              (warning when it does; info when there is no
                                              record; nothing when the training images were
                                              converted the same way)
evaluate.intensity_differs       warning      the median image's brightest value (after the
                                              nominal scaling) is more than
                                              :data:`RANGE_RATIO` times the training images',
                                              or less than its inverse
================================ ============ =================================================

>>> trained = {"images": 10, "bands": {"grey": 10}, "depth": {"8-bit": 10}, "low": 0.0,
...            "high": 0.94, "high_median": 0.91}
>>> scored = {"images": 4, "bands": {"colour": 4}, "depth": {"16-bit": 4}, "low": 0.0,
...           "high": 0.063, "high_median": 0.06}
>>> [(f.id, f.severity.value) for f in image_findings(scored, 1, trained, "runs/a")]
[('evaluate.images_converted', 'warning'), ('evaluate.intensity_differs', 'warning')]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.evaluation.images_wording import converted_sentences, intensity_sentences

IMAGES_CONVERTED = "evaluate.images_converted"
INTENSITY_DIFFERS = "evaluate.intensity_differs"
SOURCE = "data"
#: How far the median image's brightest value may move from the training images' before the
#: scores are called not comparable: the trainer's brightness augmentation shifts images by
#: at most 0.1 of their scale (on images that fill it), so a factor of 2 (0.9 against 0.45)
#: is far outside anything the model was trained on, while 8- and 16-bit images that each fill
#: their range (0.9 against 0.95) stay within it.
RANGE_RATIO = 2.0


def _count(record: Mapping[str, Any], field: str, *keys: str) -> int:
    values = record.get(field) or {}
    return sum(int(values.get(key, 0)) for key in keys)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) else math.nan


def colour_images(record: Mapping[str, Any]) -> int:
    """Images whose colour channels differ (grey stored as colour is grey)."""
    return _count(record, "bands", "colour")


def image_findings(scored: Mapping[str, Any], model_channels: int,
                   trained: Mapping[str, Any] | None, run_dir: str | None) -> list[Finding]:
    """The findings about the images scored (``scored``: their
    :func:`~unetdiag.diag.data.image_kinds.summarise_kinds` record), for a model that takes
    ``model_channels``, against the training images' record (None: no train run record)."""
    findings = []
    converted = _converted(scored, model_channels, trained, run_dir)
    if converted is not None:
        findings.append(converted)
    if trained is not None:
        differs = _intensity(scored, trained, run_dir)
        if differs is not None:
            findings.append(differs)
    return findings


def _converted(scored: Mapping[str, Any], channels: int, trained: Mapping[str, Any] | None,
               run_dir: str | None) -> Finding | None:
    images = int(scored.get("images", 0))
    colour = colour_images(scored)
    grey = _count(scored, "bands", "grey")  # one band stored (repeated for 3 channels)
    to_grey = colour if channels == 1 else 0
    repeated = grey if channels == 3 else 0
    trained_colour = None if trained is None else colour_images(trained)
    trained_images = None if trained is None else int(trained.get("images", 0))
    # the colour of the images scored against the training images': colour the model
    # never saw, or grey where it only saw colour
    unlike = trained is not None and ((colour > 0 and trained_colour == 0)
                                      or (colour == 0 and trained_colour == trained_images
                                          and trained_images > 0))
    if not (to_grey or repeated or unlike) or (not unlike and _as_trained(
            trained, to_grey, repeated)):
        return None
    evidence = {"images": images, "model_channels": channels, "colour_images": colour,
                "grey_images": grey, "converted_to_grey": to_grey,
                "repeated_to_three_channels": repeated,
                "training_run": run_dir, "training_images": trained_images,
                "training_colour_images": trained_colour, "unlike_training": unlike}
    severity = Severity.WARNING if unlike else Severity.INFO
    return converted_sentences(evidence).finding(IMAGES_CONVERTED, severity, evidence, SOURCE)


def _as_trained(trained: Mapping[str, Any] | None, to_grey: int, repeated: int) -> bool:
    """Whether most of the training images the run recorded went through every conversion
    done here (colour to grey, grey repeated into three channels): the model was trained on
    images converted the same way, and saying it again on every evaluation is noise. One
    such image among many is no such training: the conversion is then said."""
    images = int(trained.get("images", 0)) if trained is not None else 0
    if not images:
        return False
    return ((not to_grey or 2 * colour_images(trained) > images)
            # grey stored as colour reaches the model as the repeated grey does
            and (not repeated
                 or 2 * _count(trained, "bands", "grey", "grey as colour") > images))


def _intensity(scored: Mapping[str, Any], trained: Mapping[str, Any],
               run_dir: str | None) -> Finding | None:
    ours, theirs = _number(scored.get("high_median")), _number(trained.get("high_median"))
    if not (math.isfinite(ours) and math.isfinite(theirs)) or ours <= 0 or theirs <= 0:
        return None
    ratio = ours / theirs
    if 1 / RANGE_RATIO <= ratio <= RANGE_RATIO:
        return None
    evidence = {"images": int(scored.get("images", 0)), "depth": dict(scored.get("depth", {})),
                "low": _number(scored.get("low")), "high": _number(scored.get("high")),
                "high_median": ours, "training_run": run_dir,
                "training_images": int(trained.get("images", 0)),
                "training_depth": dict(trained.get("depth", {})),
                "training_low": _number(trained.get("low")),
                "training_high": _number(trained.get("high")),
                "training_high_median": theirs, "ratio": ratio, "range_ratio": RANGE_RATIO}
    return intensity_sentences(evidence).finding(INTENSITY_DIFFERS, Severity.WARNING,
                                                 evidence, SOURCE)
