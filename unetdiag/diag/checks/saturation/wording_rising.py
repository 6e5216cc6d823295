"""The sentences of :class:`~.rising.RiseWithinSwing`: a last epoch that reaches the best by a rise
the curve's own swing could make, said without asking for a longer run."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import ids
from unetdiag.diag.checks.saturation.rising import RiseWithinSwing
from unetdiag.diag.checks.saturation.words import finding
from unetdiag.diag.core.findings import Finding


def rise_numbers(name: str, data: dict) -> str:
    """ "val_dice 0.8981 at epoch 12, up 0.0192 from 0.8789 over its last 3 epochs and 0.0184
    above the highest of epochs 9-11, which include a fall of 0.0314 from epoch 9 to 10; it
    changes by a median of 0.0188 between consecutive epochs": one metric's rise beside its
    swing."""
    words = (f"{name} {data['last']:.4f} at epoch {data['last_epoch']}, up {data['gain']:.4f} "
             f"from {data['earlier']:.4f} over its last {data['over_epochs']} epochs and "
             f"{data['above']:.4f} above the highest of epochs {data['earlier_epoch']}-"
             f"{data['last_epoch'] - 1}")
    if data["fall"] > 0:
        first, second = data["fall_epochs"]
        words += f", which include a fall of {data['fall']:.4f} from epoch {first} to {second}"
    return (words + f"; it changes by a median of {data['swing']:.4f} between consecutive "
            "epochs")


def within_swing(data: dict) -> str:
    """Which of the curve's swings the rise does not clear: "the rise is no larger than that
    median change" where it is not, else "that margin of 0.0050 is no larger than the fall" (a
    rise of 0.05 past a fall of 0.01 is within neither, but its margin over the epochs in
    between is)."""
    if data["gain"] <= data["swing"]:
        return "the rise is no larger than that median change"
    return f"that margin of {data['above']:.4f} is no larger than the fall"


def rise_within_swing_finding(claim: RiseWithinSwing) -> Finding:
    names = list(claim.metrics)
    name, data = names[0], claim.metrics[names[0]]
    return finding(
        ids.RISE_WITHIN_SWING, claim,
        title=(f"{claim.run}: {name}'s last epoch ({data['last_epoch']}) reaches its best so "
               + (f"far, by a rise ({data['gain']:.4f} over {data['over_epochs']} epochs) "
                  "within its median change between epochs" if data["gain"] <= data["swing"]
                  else f"far, {data['above']:.4f} above the highest of epochs "
                  f"{data['earlier_epoch']}-{data['last_epoch'] - 1}, within a fall of "
                  f"{data['fall']:.4f} among them")),
        explanation=(
            "; ".join(f"{rise_numbers(n, d)}: {within_swing(d)}"
                      for n, d in claim.metrics.items())
            + ". The last epoch reaches the best so far, but by no more than this curve "
            "moves between epochs: consistent with noise as well as with further gains, so "
            "these numbers do not tell whether more epochs would score higher on this "
            "validation set."),
        fix=("Nothing to change for this finding; a longer run with a checkpoint on the best "
             "epoch would show whether the curve keeps rising past its swing."))
