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

from unetdiag.diag.audit.similarity import colour_channels
from unetdiag.diag.data.decoding import InspectedMask
from unetdiag.diag.data.policy import MaskPolicy


def count_nodata(inspected: InspectedMask, nodata: float, policy: MaskPolicy,
                  columns: dict[str, np.ndarray], row: int) -> None:
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
    columns["mask_nodata_pixels"][row] = held
    columns["mask_nodata_ignored"][row] = ignored


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
