"""Sentences for ``saturation.validation_not_scored`` (a validation loss and score both 0),
shared by the finding and explain-log's headline, so both say the same of the same log.

A zero is worded as the log prints it: ``0.0000e+00`` (or a history that shows some value
to more than four decimals) is exactly 0; ``0.0000`` is four decimals, so at most 5e-05.
The public causes named (tensorflow/tensorflow#39370, #34457) are TensorFlow 2.x's, whose
progress bar prints a 0 as ``0.0000e+00``: they are named only for zeros that are exact.

>>> not_scored_where([3, 4, 5], every_epoch=True, first_only=False)
'at every epoch logged'
>>> zeros_phrase(["val_loss", "val_acc"], exact=False, printed="0.0000")
'val_loss and val_acc print as 0.0000 (at most 5e-05)'
"""

from __future__ import annotations

from collections.abc import Sequence

from unetdiag.diag.checks.saturation import ids
from unetdiag.diag.checks.saturation.unscored import ValidationNotScored
from unetdiag.diag.checks.saturation.words import epoch_span, finding
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import join_names, verb

#: The largest value four decimals print as 0.0000.
FOUR_DECIMALS_BOUND = "5e-05"


def not_scored_where(epochs: Sequence[int], every_epoch: bool, first_only: bool) -> str:
    """ "at epoch 3, the only one logged", "at every epoch logged", "at epoch 1 only" or
    "at epochs 2-4"."""
    if every_epoch and len(epochs) == 1:
        return f"at epoch {epochs[0]}, the only one logged"
    if every_epoch:
        return "at every epoch logged"
    if first_only:
        return f"at epoch {epochs[0]} only"
    return f"at epoch{'s' if len(epochs) > 1 else ''} {epoch_span(epochs)}"


def zeros_phrase(names: Sequence[str], exact: bool, printed: str) -> str:
    """ "val_loss and val_acc are exactly 0", or, for zeros the log may have rounded,
    "... print as 0.0000 (at most 5e-05)" ("are 0 to four decimals" when the print is not
    known)."""
    subject = join_names(list(names))
    if exact:
        return f"{subject} {verb(len(names), 'is', 'are')} exactly 0"
    if printed:
        return f"{subject} {verb(len(names), 'prints', 'print')} as {printed} " \
               f"(at most {FOUR_DECIMALS_BOUND})"
    return (f"{subject} {verb(len(names), 'is', 'are')} 0 to four decimals "
            f"(at most {FOUR_DECIMALS_BOUND})")


def both_zero(exact: bool) -> str:
    """ "a validation loss and score both 0", or "... both 0 to four decimals"."""
    return "a validation loss and score both 0" + ("" if exact else " to four decimals")


def not_scored_causes(exact: bool, first_only: bool = False, short: bool = False) -> str:
    """What prints such values: a validation phase that scored no batch, with the public
    causes of it only for exact zeros (the TensorFlow 2.x versions they belong to print
    0.0000e+00)."""
    if not exact:
        return ("consistent with a validation phase that scored no batch, though the public "
                "cases of that (tensorflow/tensorflow#39370, #34457) are TensorFlow 2.x's, "
                "which prints such a 0 as 0.0000e+00, not to four decimals")
    if short:
        return ("consistent with a validation phase that scored no batch (validation_data "
                "passed as a list rather than a tuple, or a validation generator that yields "
                "nothing)")
    if first_only:
        return ("consistent with TensorFlow 2.0-2.1's progress bar on a dataset of unknown "
                "length, which printed 0 for the first epoch's validation values only "
                "(tensorflow/tensorflow#34457), or with a validation phase that scored no "
                "batch at that epoch")
    return ("consistent with a validation phase that scored no batch, as when "
            "validation_data is passed as a list [x_val, y_val] rather than a tuple (tf.keras "
            "2.2 and later read a list as inputs without targets and print 0 for every "
            "validation value: tensorflow/tensorflow#39370) or when a validation generator or "
            "Sequence yields no batch (a length of n // batch_size with fewer samples than a "
            "batch)")


def validation_not_scored_finding(claim: ValidationNotScored) -> Finding:
    names = list(claim.metrics)
    where = not_scored_where(claim.epochs, claim.every_epoch, claim.first_only)
    plural = "s" if len(claim.epochs) > 1 else ""
    zeros = zeros_phrase(names, claim.exact, claim.printed)
    loss = ("A validation loss of 0 means every validation prediction exactly right"
            if claim.exact else
            f"A validation loss of at most {FOUR_DECIMALS_BOUND} means every validation "
            "prediction right or nearly")
    return finding(
        ids.VALIDATION_NOT_SCORED, claim,
        title=f"{claim.run}: {zeros} {where}, values no validation predictions give",
        explanation=(
            f"{zeros} at epoch{plural} {epoch_span(claim.epochs)}, while the training loss "
            f"is {claim.training_loss:.4g}. {loss}, and the score's 0 the opposite (an accuracy "
            "of 0: none right; a PSNR of 0 dB or an SSIM of 0: a reconstruction far off): "
            "no predictions give both, so these are not measurements of the model's "
            "validation predictions. Keras prints a metric that no batch updated as 0 (its "
            "mean over no batches), so this is "
            f"{not_scored_causes(claim.exact, claim.first_only)}. These values are left out "
            "of the other checks (no gap or plateau is read from them)."),
        fix=("Nothing to fix if later epochs' validation values are right; check with "
             "model.evaluate on the validation data if in doubt." if claim.first_only else
             "Pass validation_data as a tuple (x_val, y_val), check that the validation "
             "generator yields at least one batch (len() > 0), and compare with "
             "model.evaluate on the validation data." if claim.exact else
             "Check that the validation generator yields at least one batch (len() > 0), "
             "and compare with model.evaluate on the validation data."))
