"""The explain-log headline handed over as parts with a kind (train leaves the "nothing found"
part out by its kind, not by matching its words): on every real log of the corpus, what train
keeps is what cutting the words kept."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.headline import NOTHING_FOUND, HeadlinePart, headline_parts
from unetdiag.diag.logs.model import RunLog
from unetdiag.diag.logs.read import parse_log
from unetdiag.exitcodes import UserError

REAL = Path(__file__).parent / "data" / "logs" / "real"
#: The end of the nothing-found sentence, at which train cut the headline before session 34.
_QUIET_END = "looks saturated, non-finite or out of range."


def _word_cut_mismatch(path: Path) -> str | None:
    """What is wrong with the parts of ``path``'s headline, or None; raises UserError for a
    log explain-log refuses."""
    report = explain_log(path)
    parts = headline_parts(parse_log(path), report.findings)
    if not all(isinstance(part, HeadlinePart) and part.text for part in parts):
        return "a part that is not a HeadlinePart with text"
    # (the parts joined are the headline by construction: headline() joins them) what train
    # keeps, every part but the nothing-found one, is what cutting the words used to keep
    kept = "".join(part.text for part in parts if part.kind != NOTHING_FOUND).strip()
    if kept != (report.headline.split(_QUIET_END, 1)[1].strip()
                if report.headline.startswith("Nothing in ") else report.headline):
        return f"train would keep {kept!r}"
    quiet = [part for part in parts if part.kind == NOTHING_FOUND]
    if len(quiet) != (1 if parts[0].text.startswith("Nothing in ") else 0):
        return f"{len(quiet)} nothing-found parts"
    if quiet and parts[0] is not quiet[0]:
        return "the nothing-found part is not first"
    return None


def test_parts_keep_what_the_word_cut_kept_on_every_real_log_read() -> None:
    # one test over the corpus, not one per file: the logs explain-log refuses (their
    # refusals are checked by tests/test_real_logs.py) have no headline to split
    read, wrong = 0, {}
    for path in sorted(p for p in REAL.iterdir() if p.suffix != ".toml"):
        try:
            problem = _word_cut_mismatch(path)
        except UserError:
            continue
        read += 1
        if problem is not None:
            wrong[path.name] = problem
    assert wrong == {}
    assert read >= 180  # the corpus's 213 logs less the 24 refused today: most are read


def test_nothing_found_part_is_the_quiet_sentence_alone() -> None:
    runs = [RunLog("demo", [{"loss": 0.5}, {"loss": 0.4}], [None, None], "")]
    parts = headline_parts(runs, [])
    assert parts == [HeadlinePart(NOTHING_FOUND, "Nothing in this run looks saturated, "
                                                 "non-finite or out of range.")]
