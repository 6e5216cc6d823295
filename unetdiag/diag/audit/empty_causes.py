"""Empty masks explained by what their files hold: ``imbalance.empty_masks`` reworded when
the decoder saw why they read empty (a blank first frame, colours the reading cannot tell
apart), instead of the threshold or polarity its general wording suspects. Used by the
audit and by ``train``, which see the same files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import values_text, verb


def _reworded(findings: Sequence[Finding], reword: Callable[[Finding], Finding],
              also: Callable[[Finding], bool] = lambda finding: True) -> list[Finding]:
    """``findings`` with each ``imbalance.empty_masks`` for which ``also`` holds reworded."""
    return [reword(finding) if finding.id == "imbalance.empty_masks" and also(finding)
            else finding for finding in findings]


def empty_masks_on_blank_frames(findings: Sequence[Finding], blank: int) -> list[Finding]:
    """``imbalance.empty_masks`` pointed at the blank first frames of ``blank`` empty
    multi-frame masks (``file.blank_first_frame``), instead of the threshold or polarity its
    general wording suspects."""
    if not blank:
        return list(findings)

    def reword(finding: Finding) -> Finding:
        empty, masks = finding.evidence["empty_masks"], finding.evidence["masks"]
        frames = (f"{blank} of them {verb(blank, 'is a', 'are')} multi-frame "
                  f"{verb(blank, 'file', 'files')} whose first frame, the only one "
                  "unetdiag and the trainer read, holds a single value while a later "
                  "frame holds several (see file.blank_first_frame): their objects are "
                  "probably on those frames")
        # all empty: the general wording blames the threshold or polarity, wrongly here
        return replace(
            finding,
            explanation=(f"{empty} of {masks} masks contain no foreground pixel on the frame "
                         f"that is read. {frames}, not lost to the threshold."
                         if empty == masks else f"{finding.explanation} {frames}."),
            fix=("Export the masks as single-frame files holding the annotation; keep "
                 "empty masks only where no object is present."),
            evidence={**finding.evidence, "blank_first_frames": blank})

    return _reworded(findings, reword,
                     lambda finding: not finding.evidence.get("policy_is_proposed"))


def empty_masks_of_one_value_jpegs(findings: Sequence[Finding], jpegs: int) -> list[Finding]:
    """``imbalance.empty_masks`` when every empty mask is a JPEG of one value: the likely
    cause is the compression of 0/1 masks, not the threshold or polarity (redteam 4c)."""
    def reword(finding: Finding) -> Finding:
        return replace(finding, explanation=(
            f"{finding.explanation.split('. ')[0]}. "
            f"{'It is a JPEG file' if jpegs == 1 else f'All {jpegs} are JPEG files'} holding "
            "a single value: consistent with 0/1 masks saved as JPEG, which loses objects one "
            "level above the background (thin ones entirely), or with masks that were "
            "empty; no threshold or polarity recovers them (see mask.lossy)."),
            fix=("Re-export the masks losslessly (PNG) from the source labels; a JPEG round "
                 "trip cannot be undone."))

    return _reworded(findings, reword,
                     lambda finding: jpegs > 0 and finding.evidence["empty_masks"] == jpegs)


def empty_masks_of_alike_colours(findings: Sequence[Finding], alike: int) -> list[Finding]:
    """``imbalance.empty_masks`` when ``alike`` of the empty masks store several colours
    whose brightest channels are equal: they *decode* empty (no threshold on that channel
    tells the colours apart); they are not empty."""
    if not alike:
        return list(findings)

    def reword(finding: Finding) -> Finding:
        empty, masks = finding.evidence["empty_masks"], finding.evidence["masks"]
        colours = (f"{alike} of them {verb(alike, 'stores', 'store')} several colours "
                   "whose brightest channel holds one value (a colormap's ends, such as "
                   "matplotlib's jet), so no threshold tells their colours apart")
        every = alike == empty  # else some of them may be empty indeed
        return replace(
            finding,
            title=(finding.title.replace(" are empty", " decode empty", 1) if every
                   else finding.title),
            explanation=(f"{empty} of {masks} masks decode with no foreground pixel: "
                         f"{colours}." if every else f"{finding.explanation} {colours}."),
            fix=("Convert the masks to class numbers (`unetdiag audit-data` names their "
                 "colours), or save them with a grey colormap."),
            evidence={**finding.evidence, "alike_colours": alike})

    return _reworded(findings, reword)


def empty_batches_of_alike_colours(findings: Sequence[Finding], sources: Sequence[str]
                                   ) -> list[Finding]:
    """The batch audit's ``imbalance.empty_masks`` (from ``sources``) when every mask the
    run reads stores colours that read alike: the masks of the checked batches are copies
    of those, empty for the same reason (:func:`empty_masks_of_alike_colours`)."""
    return _reworded(
        findings,
        lambda finding: empty_masks_of_alike_colours(
            [finding], finding.evidence["empty_masks"])[0],
        lambda finding: finding.source in sources)


def empty_masks_under_ignored_values(findings: Sequence[Finding],
                                     ignore_values: Sequence[float], ignored_share: float
                                     ) -> list[Finding]:
    """``imbalance.empty_masks`` when every mask is empty among the pixels scored and the
    policy ignores values that cover ``ignored_share`` of their pixels: ignored pixels are
    in no count, so the value ignored may have been the objects' (0/255 masks under
    ``--ignore-values 255``), which the general wording (threshold, polarity) never says."""
    if not ignore_values or ignored_share <= 0:
        return list(findings)
    values = ",".join(f"{value:g}" for value in ignore_values)

    def reword(finding: Finding) -> Finding:
        empty, masks = finding.evidence["empty_masks"], finding.evidence["masks"]
        return replace(
            finding,
            explanation=(f"{empty} of {masks} masks hold no foreground pixel among the pixels "
                         f"scored: every pixel left once --ignore-values {values} is applied "
                         f"({ignored_share:.2%} of their pixels are ignored) is background. If "
                         f"{values} marks the objects (0/255 masks store them as 255), the "
                         "ignore value removed them, not the threshold."),
            fix=(f"If {values} is the objects' value, drop --ignore-values {values} (a void "
                 "band needs a value of its own to be ignored apart from the objects); "
                 "otherwise check the threshold and that the right files are read as masks."),
            evidence={**finding.evidence, "ignore_values": list(ignore_values),
                      "ignored_share": ignored_share})

    return _reworded(findings, reword,
                     lambda finding: finding.evidence["empty_masks"] == finding.evidence[
                         "masks"] and not finding.evidence.get("policy_is_proposed"))


def empty_masks_of_label_maps(findings: Sequence[Finding], label_maps: int,
                              values: Sequence[int], policy_text: str, *,
                              copies: bool = False, command: str = "train") -> list[Finding]:
    """``imbalance.empty_masks`` when ``label_maps`` of the masks are label maps read under a
    threshold (``mask.label_map``: trimaps holding 1, 2 and 3 under the midpoint of 0..255):
    when every mask is one and every one decodes empty, they *decode* empty; they are not
    empty, and the threshold or polarity the general wording suspects is the reading of
    class numbers as grey levels. ``policy_text``: the policy in force, described;
    ``copies``: the masks counted are batches of the training masks, not the files;
    ``command``: the command the fix tells to take the options (``train``, ``evaluate``)."""
    if not label_maps:
        return list(findings)
    held = values_text(sorted(values))

    def reword(finding: Finding) -> Finding:
        empty, masks = finding.evidence["empty_masks"], finding.evidence["masks"]
        every = empty == masks <= label_maps
        maps = (verb(masks, "it is a label map", "they are label maps") if every else
                f"{label_maps} of the masks decoded "
                f"{verb(label_maps, 'is a label map', 'are label maps')}")
        files = ("they are copies of the training masks, which are label maps" if copies
                 else f"they hold more than one value: {maps}")
        explanation = (
            f"{empty} of {masks} masks decode with no foreground pixel, yet {files} holding "
            f"{held} (see mask.label_map), and the policy in force "
            f"({policy_text}) thresholds those class numbers as grey levels, which leaves every "
            "pixel background. "
            + ("Trained on them, a model learns to predict nothing." if command == "train" else
               "Scored against them, no prediction has a true positive.")
            if every else
            f"{finding.explanation} {maps} holding {held} read under a threshold (see "
            "mask.label_map): some of the empty ones may hold objects under other values.")
        return replace(
            finding,
            # true of every empty mask, and of label maps the only true word
            title=finding.title.replace(" are empty", " decode empty", 1),
            explanation=explanation,
            fix=("Run `unetdiag audit-data` on the dataset: it names each value and proposes "
                 "--foreground-values (and --ignore-values for a border or void value); pass "
                 f"the same options to {command}."),
            evidence={**finding.evidence, "label_maps": label_maps,
                      "label_values": sorted(values)[:256]})

    # a cause found before (a blank first frame, colours read alike) is the more precise
    return _reworded(findings, reword,
                     lambda finding: not any(finding.evidence.get(key) for key in (
                         "policy_is_proposed", "blank_first_frames", "alike_colours")))


def empty_batches_of_label_maps(findings: Sequence[Finding], sources: Sequence[str],
                                values: Sequence[int], policy_text: str) -> list[Finding]:
    """The batch audit's ``imbalance.empty_masks`` (from ``sources``) when every training mask
    is a label map read under a threshold: the checked batches hold copies of those masks,
    empty for the same reason (:func:`empty_masks_of_label_maps`)."""
    return _reworded(
        findings,
        lambda finding: empty_masks_of_label_maps(
            [finding], finding.evidence["masks"], values, policy_text, copies=True)[0],
        lambda finding: finding.source in sources)
