"""The name of a run, from a line a script printed before its fit.

``Training MP_Tr_BCE on /GPU:0...`` and ``=== Run: unet_bce ===`` name the run that follows;
``Training 1/3 for SevereInflammation_bce_dice`` names it after "for" (``1`` is a counter),
``training for fold 1`` names it ``fold 1``, Keras Tuner's ``Search: Running Trial #62`` names
it ``trial 62`` (keras-tuner#559). A K-fold loop's line of its own, ``Fold 2/5`` or
``===== FOLD 2 =====``, names the fold; a word's number goes with it (``Run attempt 2:``
names ``attempt 2``). Prose is no name: ``Train another 2 epoch``,
``fitting model...``, a plain word after a Markdown heading's "Training".

>>> [header_name(line) for line in ("Training MP_Tr_BCE on /GPU:0...", "fitting model...",
...  "Training 1/3 for SevereInflammation_1.0_unet_loss_bce_dice", "    training for fold 2",
...  "Train another 2 epoch with jaccard_distance_loss", "Training for 10 epochs",
...  "Search: Running Trial #62", "Fold 3/5", "===== FOLD 4 =====", "Run attempt 2:",
...  "Training fold 2/5 ...", "Fold 1 accuracy: 0.91", "Score for fold 1: loss of 0.3",
...  "Training unet 10 times", "Training unet 512 px", "Training step 1", "Training on fold 3",
...  "Training unet 2 with bce")]
['MP_Tr_BCE', None, 'SevereInflammation_1.0_unet_loss_bce_dice', 'fold 2', None, None, \
'trial 62', 'fold 3', 'fold 4', 'attempt 2', 'fold 2', None, None, 'unet', 'unet 512', \
None, 'fold 3', 'unet 2']
"""

from __future__ import annotations

import re

_HEADER_RE = re.compile(
    r"^[\W_]*(?:training|train|fitting|fit|running|run|variant|experiment|config(?:uration)?)"
    r"\b\s*[:=#-]?\s*[\"'`]?(?P<name>[A-Za-z0-9_][\w.+\-]*)", re.IGNORECASE)
#: Words after "Training" that are prose, not a run's name (``Train another 2 epoch``).
_HEADER_STOPWORDS = frozenset((
    "on", "for", "with", "the", "a", "an", "of", "in", "to", "is", "was", "model", "models",
    "samples", "steps", "data", "dataset", "set", "started", "starting", "start", "finished",
    "done", "complete", "completed", "took", "time", "loop", "script", "logs", "log", "epoch",
    "epochs", "and", "or", "using", "will", "summary", "results", "result", "history",
    "progress", "output", "details", "curves", "process", "another", "again", "more",
    "further", "it", "this", "that", "these", "our", "my", "your", "new", "once", "until",
    "from", "each", "all", "some", "only", "now", "then", "continued", "continues", "step",
    "batch", "batches", "iter", "iteration", "iterations"))
#: After "for": a fold or split with its number, or an identifier (holds ``_``, a digit or
#: an upper-case letter after the first); ``for segmentation``, ``for 10 epochs`` are prose.
_FOR_NAME_RE = re.compile(
    r"\b[Ff][Oo][Rr]\s+(?P<name>(?i:fold|split|seed|trial|run)\s*#?\d+\b"
    r"|[A-Za-z][\w.+\-]*(?:[_\d]|(?<=\w)[A-Z])[\w.+\-]*)")
_COUNTER_RE = re.compile(r"^\d+(?:/\d+)?$")
#: A Markdown heading (``## Training Summary:``, ``#### Training Same CNN ...``) is prose
#: around a pasted log: a plain word after it is no run's name.
_MARKDOWN_HEADING_RE = re.compile(r"^#{1,6}\s")


#: Keras Tuner's line before each trial's fit.
_TUNER_TRIAL_RE = re.compile(r"^\s*Search:\s*Running Trial\s*#(?P<number>\d+)\s*$")
#: A K-fold loop's line of its own before each fold's fit (nothing else on it: "Fold 1
#: accuracy: 0.91" is a result).
_FOLD_RE = re.compile(r"^[\W_]*(?:cv[\s_-]*|k[\s_-]?)?(?P<word>fold|split)\s*[:#]?\s*"
                      r"(?P<number>\d+)(?:\s*(?:/|of)\s*\d+)?[\W_]*$", re.IGNORECASE)
#: A word's number after it (``attempt 2``, ``fold 2/5``): part of the run's name.
#: A word after the number is prose (``unet 2 times``, ``unet 10 epochs``) unless it starts
#: a clause (``unet 2 with bce``) or is the number's unit (``unet 512 px``: a variant's size).
_NUMBERED_RE = re.compile(r"\s*#?(?P<number>\d+)(?:\s*(?:/|of)\s*\d+)?\b"
                          r"(?!\s+(?!(?:with|using|on|for|and|px|pixels)\b)[A-Za-z])",
                          re.IGNORECASE)
#: ``Training on fold 3``: the fold after "on".
_ON_FOLD_RE = re.compile(r"\bon\s+(?P<word>fold|split)\s*#?(?P<number>\d+)\b", re.IGNORECASE)


def header_name(text: str) -> str | None:
    """The run name ``text`` gives, or None (see the module's docstring)."""
    trial = _TUNER_TRIAL_RE.match(text)
    if trial is not None:
        return f"trial {trial['number']}"
    fold = _FOLD_RE.match(text)
    if fold is not None:
        return f"{fold['word'].lower()} {fold['number']}"
    match = _HEADER_RE.match(text)
    if match is None:
        return None
    name = match["name"].rstrip(".:-")
    if name.lower() == "for" or _COUNTER_RE.match(name):
        named = _FOR_NAME_RE.search(text, match.start("name"))
        return named["name"].rstrip(".:-") if named else None
    if name.lower() == "on" and (fold := _ON_FOLD_RE.search(text)) is not None:
        return f"{fold['word'].lower()} {fold['number']}"
    if name.lower() in _HEADER_STOPWORDS:
        return None
    # a plain word after a Markdown heading's "Training" is prose; a banner printed by a
    # script ("### Training unet_bce ###") names its run with an identifier
    if _MARKDOWN_HEADING_RE.match(text) and name.isalpha():
        return None
    numbered = _NUMBERED_RE.match(text, match.end("name")) if name.isalpha() else None
    return f"{name} {numbered['number']}" if numbered else name


def is_fold_name(name: str | None) -> bool:
    """Whether ``name`` is a K-fold loop's (``fold 2``, ``split 3``)."""
    return name is not None and name.split(" ", 1)[0] in ("fold", "split")
