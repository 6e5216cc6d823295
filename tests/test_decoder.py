"""train's (and evaluate's) decoder: what it records of the files it reads, and how the
empty-mask finding is reworded by it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from unetdiag.diag.audit.empty_causes import empty_masks_of_alike_colours
from unetdiag.diag.checks.masks import check_imbalance
from unetdiag.diag.data.masks import DEFAULT_POLICY
from unetdiag.training.decoder import DecodeLog, decode_pair, first_failure


def _pair(tmp_path, name: str, mask: np.ndarray) -> tuple[str, str]:
    image = tmp_path / f"{name}.png"
    Image.fromarray(np.full(mask.shape[:2], 128, np.uint8)).save(image)
    mask_file = tmp_path / f"{name}_mask.png"
    Image.fromarray(mask).save(mask_file)
    return str(image), str(mask_file)


def test_colours_whose_brightest_channel_is_one_value_are_recorded_and_decode_empty(tmp_path):
    # plt.imsave(mask, cmap="jet") at 0/1: (0, 0, 127) background, (127, 0, 0) object
    jet = np.zeros((16, 16, 3), np.uint8)
    jet[..., 2] = 127
    jet[4:10, 4:10] = (127, 0, 0)
    grey = np.zeros((16, 16), np.uint8)
    grey[4:10, 4:10] = 255
    log = DecodeLog()
    masks = []
    for name, stored in (("jet", jet), ("grey", grey), ("blank", np.zeros((16, 16, 3), np.uint8))):
        image, mask_file = _pair(tmp_path, name, stored)
        masks.append(decode_pair(image, mask_file, channels=1, policy=DEFAULT_POLICY,
                                 decode_log=log)[1])
    assert log.alike_colour_masks == {str(tmp_path / "jet_mask.png")}
    assert not masks[0].any() and masks[1].any()

    [empty] = [f for f in check_imbalance([0.0, 0.0], [256.0, 256.0])
               if f.id == "imbalance.empty_masks"]
    assert empty.title == "All 2 masks are empty"
    [reworded] = [f for f in empty_masks_of_alike_colours([empty], 2)]
    assert reworded.title == "All 2 masks decode empty"
    assert "store several colours" in reworded.explanation and "class numbers" in reworded.fix
    [partly] = empty_masks_of_alike_colours([empty], 1)
    assert partly.title == "All 2 masks are empty"
    assert "1 of them stores several colours" in partly.explanation


def test_the_batch_audit_s_empty_masks_of_alike_colours_get_the_same_cause():
    # train on jet masks: beside "All 16 masks decode empty", the batch audit said "All 64
    # masks are empty ... the wrong threshold or polarity" of copies of the same masks
    from unetdiag.diag.audit.empty_causes import empty_batches_of_alike_colours

    [batches] = [f.with_source("train:MP_Tr_BCE") for f in check_imbalance(
        [0.0] * 4, [256.0] * 4) if f.id == "imbalance.empty_masks"]
    [data] = [f.with_source("data:train") for f in check_imbalance([0.0], [256.0])
              if f.id == "imbalance.empty_masks"]
    reworded, kept = empty_batches_of_alike_colours([batches, data], ["train:MP_Tr_BCE"])
    assert reworded.title == "All 4 masks decode empty" and "class numbers" in reworded.fix
    assert kept == data


_FAILURES = [("/data/images/03.png", "truncated file"), ("/data/masks/01_mask.png", "empty"),
             ("/data/images/10.png", "not an image"), ("/data/masks/01_mask.png", "empty")]


@settings(max_examples=30, deadline=None)
@given(order=st.permutations(range(len(_FAILURES))))
def test_the_file_named_is_the_first_in_name_order_whatever_order_threads_failed(order):
    # decode threads record failures as they finish; the error named whichever came first
    log = DecodeLog()
    for index in order:
        log.record_failure(*_FAILURES[index])
    error = log.as_user_error()
    assert str(error) == ("cannot decode /data/images/03.png: truncated file (2 more file(s) "
                          "failed too)")


def test_first_failure_picks_the_smallest_path_and_its_first_reason():
    assert first_failure([("b.png", "x"), ("a.png", "late"), ("a.png", "early")]) == (
        "a.png", "late")
