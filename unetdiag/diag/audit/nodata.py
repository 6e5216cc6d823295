"""GeoTIFF no-data in a mask, measured while its pixels are in memory (tagged files only).

GDAL and rasterio declare a raster's no-data value in the ``GDAL_NODATA`` tag
(:func:`~unetdiag.diag.audit.storage.gdal_nodata`): 255 or -9999 outside a scene's footprint,
or NaN in float rasters. :func:`count_nodata` counts the mask's pixels at that value and those
the policy ignores; :func:`nodata_image_share` tells whether the image holds its own declared
no-data value there. Each costs one comparison over the pixels, and runs only for a file that
declares a value.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from unetdiag.diag.audit.similarity import colour_channels
from unetdiag.diag.audit.storage import gdal_nodata
from unetdiag.diag.data.decoding import InspectedMask
from unetdiag.diag.data.labelmaps import LabelLayout, nodata_layout
from unetdiag.diag.data.policy import MaskPolicy

#: The audit's per-pair no-data columns (in :class:`~unetdiag.diag.audit.tally.AuditTally`;
#: a worker's :class:`~unetdiag.diag.audit.record.ChunkRecord` carries them only for the pairs
#: whose files declare a value): ``image_nodata`` and ``mask_nodata``, the values the files'
#: GDAL_NODATA tags declare (``*_nodata_declared``; the value may be NaN); the mask's pixels
#: holding it (``mask_nodata_pixels``; NaN pixels for a declared NaN), those of them the
#: policy ignores (``mask_nodata_ignored``) and the share of them where every image band
#: holds the image's own declared no-data value (``mask_nodata_image_share``, NaN: not
#: measured).
NODATA_COLUMNS: dict[str, tuple[type, float | int | bool]] = {
    "image_nodata_declared": (np.bool_, False),
    "image_nodata": (np.float64, math.nan),
    "mask_nodata_declared": (np.bool_, False),
    "mask_nodata": (np.float64, math.nan),
    "mask_nodata_pixels": (np.int64, 0),
    "mask_nodata_ignored": (np.int64, 0),
    "mask_nodata_image_share": (np.float64, math.nan),
}
#: What a pair's no-data facts are while a worker reads it: column name -> value.
Facts = dict[str, float]


def declare_nodata(image: Image.Image, nodata: dict[int, Facts], index: int,
                   role: str) -> None:
    """Note the no-data value ``image``'s header declares (``role``: "image" or "mask")
    under pair ``index``; nothing when it declares none."""
    value = gdal_nodata(image)
    if value is not None:
        facts = nodata.setdefault(index, {})
        facts[f"{role}_nodata_declared"] = True
        facts[f"{role}_nodata"] = value


def nodata_label_layout(inspected: InspectedMask, layout: LabelLayout | None,
                        policy: MaskPolicy, facts: Facts | None) -> LabelLayout | None:
    """Count the mask's declared no-data pixels; a mask holding them that is no label map by
    its values alone is one by its tag (:func:`~unetdiag.diag.data.labelmaps.nodata_layout`),
    whatever its number type: the file says which value is no class. ``layout`` unchanged
    for a mask that declares none."""
    if not facts or not facts.get("mask_nodata_declared"):
        return layout
    value = float(facts["mask_nodata"])
    count_nodata(inspected, value, policy, facts)
    if facts["mask_nodata_pixels"] and (layout is None or not layout.is_label_map):
        return nodata_layout(inspected, value) or layout
    return layout


def note_image_nodata(image_values: np.ndarray, image_mode: str, plane: np.ndarray,
                      facts: Facts | None) -> None:
    """Where the mask holds its declared no-data and the image declares one too, the share
    of those pixels at which the image holds its own."""
    if facts and facts.get("mask_nodata_pixels") and facts.get("image_nodata_declared"):
        facts["mask_nodata_image_share"] = nodata_image_share(
            image_values, image_mode, plane, float(facts["mask_nodata"]),
            float(facts["image_nodata"]))


def count_nodata(inspected: InspectedMask, nodata: float, policy: MaskPolicy,
                 facts: Facts) -> None:
    """Pixels of the plane at the file's declared no-data value, and those the policy
    ignores (a tagged file only: one comparison over its pixels)."""
    plane = inspected.plane
    if math.isnan(nodata):
        held = int(np.count_nonzero(np.isnan(plane))) if plane.dtype.kind == "f" else 0
        ignored = 0  # a value policy names finite values; NaN is read as background
    else:
        if inspected.value_counts is not None and nodata == round(nodata):
            held = int(dict(inspected.value_counts).get(int(nodata), 0))
        else:
            held = int(np.count_nonzero(plane == nodata))
        ignored = held if nodata in policy.ignore_values else 0
    facts["mask_nodata_pixels"] = held
    facts["mask_nodata_ignored"] = ignored


def nodata_image_share(image_values: np.ndarray, image_mode: str, plane: np.ndarray,
                        mask_nodata: float, image_nodata: float) -> float:
    """Share of the mask's no-data pixels at which every image band holds the image's own
    declared no-data value (NaN when the sizes differ)."""
    colour = colour_channels(image_values, image_mode)
    if colour.shape[:2] != plane.shape:
        return math.nan
    where = np.isnan(plane) if math.isnan(mask_nodata) else plane == mask_nodata
    inside = colour[where]
    if not inside.size:
        return math.nan
    at = np.isnan(inside) if math.isnan(image_nodata) else inside == image_nodata
    if at.ndim > 1:
        at = at.all(axis=1)
    return float(np.count_nonzero(at) / at.shape[0])
