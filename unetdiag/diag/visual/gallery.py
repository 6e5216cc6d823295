"""A folder of overlay panels and its ``index.json``: what ``unetdiag train`` leaves in each
variant's ``overlays/`` and ``unetdiag evaluate`` in its output folder.

``index.json`` is a list with one entry per panel, in the order written::

    {"file": "cells_012.png", "png": "worst_00.png", "dice": 0.41, "kind": "worst"}

``file`` is the image's file name, ``png`` the panel's file name in the same folder, ``dice``
the image's hard Dice (``null`` when it has none: an empty mask with nothing predicted under
the empty rule ``"exclude"``, or a non-finite prediction; the panel says which), ``kind`` the
group (``"probe"``: the fixed batch the diagnostic callbacks watch; ``"worst"``: the lowest
Dice). Panels are named ``<kind>_<NN>.png``, numbered from 00 within their kind.

>>> import json, tempfile, numpy as np
>>> from pathlib import Path
>>> example = OverlayExample("a.png", np.zeros((4, 4, 1)), np.ones((4, 4)), np.ones((4, 4)))
>>> folder = Path(tempfile.mkdtemp())
>>> write_gallery(folder, {"worst": [(example, 1.0)]})
[{'file': 'a.png', 'png': 'worst_00.png', 'dice': 1.0, 'kind': 'worst'}]
>>> json.loads((folder / INDEX_FILENAME).read_text())[0]["png"]
'worst_00.png'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unetdiag.diag.visual.overlay import DEFAULT_THRESHOLD, overlay_panel, write_panel
from unetdiag.fsutil import atomic_write_json

INDEX_FILENAME = "index.json"
KINDS = ("probe", "worst")


@dataclass
class OverlayExample:
    """One image kept for a panel: what the model saw, the reference, what it predicted."""

    file: str
    image: np.ndarray
    mask: np.ndarray | None
    probability: np.ndarray


def panel_name(kind: str, number: int) -> str:
    """``probe_00.png``, ``worst_03.png``..."""
    return f"{kind}_{number:02d}.png"


def write_gallery(folder: Path | str,
                  groups: Mapping[str, Sequence[tuple[OverlayExample, float | None]]],
                  threshold: float = DEFAULT_THRESHOLD) -> list[dict[str, Any]]:
    """Write one panel per ``(example, dice)`` of each group (a :data:`KINDS` name) into
    ``folder``, then ``index.json``; returns the index entries."""
    folder = Path(folder)
    index = []
    for kind, examples in groups.items():
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        for number, (example, dice) in enumerate(examples):
            name = panel_name(kind, number)
            write_panel(overlay_panel(example.image, example.mask, example.probability,
                                      threshold=threshold, dice=dice, title=example.file),
                        folder / name)
            index.append({"file": example.file, "png": name,
                          "dice": dice if dice is not None and math.isfinite(dice) else None,
                          "kind": kind})
    atomic_write_json(folder / INDEX_FILENAME, index)
    return index
