"""The explain-log headline handed over as parts with a kind (train leaves the "nothing found"
part out by its kind, not by matching its words): on every real log of the corpus, what train
keeps is what cutting the words kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.headline import NOTHING_FOUND, HeadlinePart, headline_parts
from unetdiag.diag.logs.model import RunLog
from unetdiag.diag.logs.read import parse_log
from unetdiag.exitcodes import UserError

REAL = Path(__file__).parent / "data" / "logs" / "real"
#: The end of the nothing-found sentence, at which train cut the headline before session 34.
_QUIET_END = "looks saturated, non-finite or out of range."


@pytest.mark.parametrize("path", sorted(p for p in REAL.iterdir() if p.suffix != ".toml"),
                         ids=lambda p: p.name)
def test_parts_join_to_the_headline(path: Path) -> None:
    try:
        report = explain_log(path)
    except UserError:
        pytest.skip("refused")
    parts = headline_parts(parse_log(path), report.findings)
    assert all(isinstance(part, HeadlinePart) and part.text for part in parts)
    # (the parts joined are the headline by construction: headline() joins them) what train
    # keeps, every part but the nothing-found one, is what cutting the words used to keep
    kept = "".join(part.text for part in parts if part.kind != NOTHING_FOUND).strip()
    assert kept == (report.headline.split(_QUIET_END, 1)[1].strip()
                    if report.headline.startswith("Nothing in ") else report.headline)
    quiet = [part for part in parts if part.kind == NOTHING_FOUND]
    assert len(quiet) == (1 if parts[0].text.startswith("Nothing in ") else 0)
    assert not quiet or parts[0] is quiet[0]


def test_nothing_found_part_is_the_quiet_sentence_alone() -> None:
    runs = [RunLog("demo", [{"loss": 0.5}, {"loss": 0.4}], [None, None], "")]
    parts = headline_parts(runs, [])
    assert parts == [HeadlinePart(NOTHING_FOUND, "Nothing in this run looks saturated, "
                                                 "non-finite or out of range.")]
