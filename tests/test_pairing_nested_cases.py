"""PH2's layout (issue 14): one folder per case holding a folder per kind of file,
``IMD002/IMD002_Dermoscopic_Image/IMD002.bmp`` and ``IMD002/IMD002_lesion/IMD002_lesion.bmp``
(loaders glob ``<case>/*/*.bmp`` and sort by ``Dermoscopic_Image`` or ``lesion`` in the path).
Refused, as before, but the error names the files two levels down and what to do; and a
single folder is "1 folder", not "1 folders"."""

from __future__ import annotations

import re

import pytest
from helpers import touch_files

from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.exitcodes import UserError

CASES = ("IMD002", "IMD003", "IMD004")


def _ph2(root):
    touch_files(root, *(f"{case}/{case}_Dermoscopic_Image/{case}.bmp" for case in CASES),
                *(f"{case}/{case}_lesion/{case}_lesion.bmp" for case in CASES),
                f"{CASES[0]}/{CASES[0]}_roi/{CASES[0]}_R1_Label4.bmp")
    return root


def test_case_folders_of_folders_name_the_files_two_levels_down(tmp_path):
    with pytest.raises(UserError) as refused:
        discover_pairs(_ph2(tmp_path / "PH2_Dataset_images"))
    message = str(refused.value)
    assert ("two levels down (IMD002/IMD002_Dermoscopic_Image/IMD002.bmp, "
            "IMD002/IMD002_lesion/IMD002_lesion.bmp") in message
    assert "copy or link the images into one folder and the masks into another" in message


def test_one_folder_is_counted_in_the_singular(tmp_path):
    _ph2(tmp_path / "PH2_Dataset_images")
    with pytest.raises(UserError, match=re.escape("1 folder (PH2_Dataset_images/)")):
        discover_pairs(tmp_path)
