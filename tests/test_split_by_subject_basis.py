"""``train --split-by-subject`` reads subjects from file names alone (``<subject>_<n>``):
data.json (``split_basis``) and the report say so, with the rule, and say where the pictures
do not back the reading (classes numbered within themselves, ``class03_001`` ..), where
before data.json said ``split_rule: subjects`` and the report either nothing or "none across
the train/validation split"."""

from __future__ import annotations

from test_subject_views import write_class_digit_names, write_views

from unetdiag.config import TrainConfig
from unetdiag.training.run.split import data_record, discover_and_split, split_basis


def _split(images, masks):
    findings, train, val, rule = discover_and_split(
        TrainConfig(images=images, masks=masks, split_by_subject=True))
    (said,) = [f for f in findings if f.id == "duplicates.subject_views"]
    record = data_record(TrainConfig(images=images, masks=masks, split_by_subject=True),
                         train, val, rule, basis=split_basis(findings))
    return said, record


def test_views_in_order_are_recorded_as_read_from_names_with_the_pictures_agreeing(tmp_path):
    said, record = _split(*write_views(tmp_path, 8, 5))
    basis = record["split_basis"]
    assert record["split_rule"] == "subjects"
    assert (basis["derived_from"], basis["pictures"], basis["subjects"]) == ("names", "agree", 8)
    assert "<subject>_<n>" in basis["name_rule"]
    assert said.severity.value == "info"
    assert "read each image's subject from its file name alone" in said.explanation
    assert "The pictures agree" in said.explanation


def test_classes_numbered_within_themselves_are_kept_whole_but_said_weak(tmp_path):
    said, record = _split(*write_class_digit_names(tmp_path))
    basis = record["split_basis"]
    assert (record["split_rule"], basis["pictures"]) == ("subjects", "disagree")
    assert basis["adjacent_pairs_more_alike"] < 0.75
    assert said.severity.value == "warning"
    assert "The pictures do not back the reading" in said.explanation
    assert "leave --split-by-subject out" in said.fix


def test_prefixes_too_small_to_judge_say_the_names_are_the_only_evidence(tmp_path):
    said, record = _split(*write_views(tmp_path, 8, 3))
    assert record["split_basis"]["pictures"] == "too few to judge"
    assert said.severity.value == "info"
    assert "The names are the only evidence" in said.explanation


def test_a_split_by_file_records_no_basis(tmp_path):
    images, masks = write_views(tmp_path, 8, 5)
    findings, train, val, rule = discover_and_split(TrainConfig(images=images, masks=masks))
    assert split_basis(findings) is None
    assert data_record(TrainConfig(images=images, masks=masks), train, val,
                       rule)["split_basis"] is None


def test_a_share_between_chance_and_backed_is_not_called_disagreeing():
    """70 % of adjacent pairs more alike is well above independent images' 50 %: the reading
    is not backed (under 75 %), but the pictures lean towards it; the explanation said "The
    pictures do not agree: ... in only 70%"."""
    from unetdiag.diag.data.pairing import Pair
    from unetdiag.training.run.split_wording import subjects_kept_whole

    pairs = [Pair(stem=f"s{i // 5}_{i % 5}", image=f"s{i // 5}_{i % 5}.png",
                  mask=f"m{i}.png") for i in range(40)]
    basis = {"images": 40, "named": 40, "subjects": 8, "views_per_subject": 5,
             "subjects_of_that_size": 8, "numbered_runs": True, "fewest_views": 5,
             "example": ["s0_0", "s0_1"], "pictures": "disagree", "views_judged": 40,
             "adjacent_pairs": 32, "adjacent_pairs_more_alike": 0.7}
    said = subjects_kept_whole(pairs, ["training"] * 35 + ["validation"] * 5,
                               {"val_fraction": 0.2, "seed": 42}, basis)
    assert "do not agree" not in said.explanation and "only" not in said.explanation
    assert "more alike in 70% of comparisons" in said.explanation
    assert "the reading is backed at 75% or more" in said.explanation
