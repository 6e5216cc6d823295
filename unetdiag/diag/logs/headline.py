"""The explain-log headline: "what is wrong with these runs?" in plain words, with the numbers.

The rules of :mod:`unetdiag.diag.logs.headline_rules` speak first, on the one headline
pipeline (:mod:`unetdiag.diag.wording.headline`); when none does, the run is said to look
fine and the sentences of :mod:`unetdiag.diag.logs.after_headline` follow (a score still
rising, a Dice below one half). A run that was much slower per step is added at the end of
any headline that found something. The sentences on how a run's numbers came to be (weights
restored, runs appended, an epoch cut short, a run stopped short...) close it either way.
The headline is handed over as parts with a kind (:class:`HeadlinePart`): train leaves the
nothing-found part out by its kind.

>>> from unetdiag.diag.logs.model import RunLog
>>> headline([RunLog("demo", [{"loss": 0.5}], [None], "")], [])
'Nothing in this run looks saturated, non-finite or out of range.'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from unetdiag.diag.checks.saturation.ids import IDENTICAL_ACROSS_RUNS
from unetdiag.diag.checks.saturation.short_logs import short_log_sentences
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.logs.after_headline import (
    dice_below_half,
    slower_runs,
    still_rising,
)
from unetdiag.diag.logs.appended import appended_sentence
from unetdiag.diag.logs.checkpoint import checkpoint_sentences
from unetdiag.diag.logs.headline_rules import HEADLINE_RULES
from unetdiag.diag.logs.model import RunLog
from unetdiag.diag.logs.restored_wording import best_epoch_sentences, restored_sentences
from unetdiag.diag.logs.run_sentences import (
    continued_fit_sentences,
    cut_short_sentences,
    ran_out_sentences,
    replica_sentence,
    stopped_sentences,
    zero_loss_sentences,
)
from unetdiag.diag.wording.headline import compose_headline


class HeadlinePart(NamedTuple):
    """What one piece of the headline says, and its text (with its joining space)."""
    kind: str
    text: str


#: The part said when no rule spoke ("Nothing in this run looks saturated, ..."), which a
#: caller that said more than the series leaves out by this kind.
NOTHING_FOUND = "nothing found"


def headline_parts(runs: Sequence[RunLog], findings: Sequence[Finding]) -> list[HeadlinePart]:
    """The headline's non-empty parts in order; their texts joined are :func:`headline`."""
    subject = "this run" if len(runs) == 1 else f"these {len(runs)} runs"
    quiet = f"Nothing in {subject} looks saturated, non-finite or out of range."
    # runs that agree in every metric get their own sentence (replica_sentence), not a title
    said = compose_headline(HEADLINE_RULES, [f for f in findings if not (
        f.id == IDENTICAL_ACROSS_RUNS and f.evidence.get("replicas"))], runs, quiet=quiet)
    rising = still_rising(findings, runs) if said == quiet else ""
    if said == quiet:
        parts = [HeadlinePart(NOTHING_FOUND, said), HeadlinePart("still rising", rising),
                 HeadlinePart("dice below half", dice_below_half(findings, runs)),
                 HeadlinePart("short log", short_log_sentences(findings))]
    else:
        parts = [HeadlinePart("rules", said),
                 *(HeadlinePart("slower run", " " + s) for s in slower_runs(findings, said))]
    parts += [HeadlinePart("restored", restored_sentences(findings, len(runs))),
              HeadlinePart("best epoch", best_epoch_sentences(findings, runs)),
              HeadlinePart("appended", appended_sentence(runs)),
              HeadlinePart("replicas", replica_sentence(findings, runs)),
              HeadlinePart("cut short", cut_short_sentences(runs)),
              HeadlinePart("ran out", ran_out_sentences(runs)),
              # a single run's still-rising sentence names what ended it already
              HeadlinePart("stopped", stopped_sentences(runs, bool(rising) and len(runs) == 1)),
              HeadlinePart("checkpoint", checkpoint_sentences(runs)),
              HeadlinePart("zero loss", zero_loss_sentences(runs)),
              HeadlinePart("continued fit", continued_fit_sentences(runs))]
    return [part for part in parts if part.text]


def headline(runs: Sequence[RunLog], findings: Sequence[Finding]) -> str:
    """One short paragraph answering "what is wrong with this run?", with the numbers."""
    return "".join(part.text for part in headline_parts(runs, findings))
