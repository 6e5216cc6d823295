"""The wording of the notes a console log's reader leaves on a run: what an ``evaluate()``
summary after an epoch's closing line holds (line spans are
:func:`unetdiag.diag.checks.saturation.words.epoch_span`'s)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from unetdiag.diag.checks.saturation.words import epoch_span
from unetdiag.diag.logs.console_state import EpochBlock, Partial
from unetdiag.diag.logs.progress import ProgressLine
from unetdiag.diag.wording.text import plural


def evaluate_note(number: int, evaluated: ProgressLine, closing: ProgressLine,
                  label: str) -> str:
    """A note on an evaluate() summary printed after an epoch's closing line: its values,
    and how far its loss is from the epoch's validation loss (a test set prepared unlike
    the validation data shows here)."""
    values = ", ".join(f"{name} {value:.6g}" for name, value in evaluated.metrics.items())
    note = (f"line {number}: a summary after {label}'s closing line, read as no epoch "
            f"(evaluate() output?): {values}")
    loss, val_loss = evaluated.metrics.get("loss"), closing.metrics.get("val_loss")
    if loss is not None and val_loss and val_loss > 0 and loss / val_loss >= 10:
        note += f", {loss / val_loss:,.0f}x the epoch's val_loss {val_loss:.4g}"
    return note


def named_first_note(number: int, index: int, callback_line: int,
                     after_bar: bool = False) -> str:
    """A note on a run's first epoch read without its header and numbered by the callback
    message before it, on a line of its own or glued before its closing drawing (kept only
    where no header after it gives the number)."""
    if after_bar:
        return (f"line {number}, a summary with no 'Epoch i/N' header, was read as epoch "
                f"{index}: the callback message at line {callback_line} names epoch "
                f"{index - 1} right after a finished progress bar, the order of Keras 2.2, "
                "which prints an epoch's last bar before its callbacks' messages")
    if callback_line == number:
        return (f"line {number}, a summary with no 'Epoch i/N' header, was read as epoch "
                f"{index}, which the callback message printed before it on the same line "
                "names")
    return (f"line {number}, a summary with no 'Epoch i/N' header, was read as epoch {index}, "
            f"which the callback message at line {callback_line} names (TensorFlow 2 prints "
            "such a message before the epoch's closing line; Keras 2.2 and older print it "
            f"after, which would make this epoch {index + 1})")


def bare_header_note(line: int, index: int, total: int | None, another: bool,
                     at_end: bool) -> str:
    """A note on the log's last ``Epoch i/N`` header when no step of that epoch follows it
    (``another``: its counter started again, so it is not the read run's next epoch;
    ``at_end``: the header is the log's last line)."""
    header = f"'Epoch {index}" + (f"/{total}'" if total else "'")
    note = (f"the log ends at the start of an epoch: its last line, {header} (line {line}), "
            "is a header with no step of that epoch after it" if at_end else
            f"no step of the epoch that the log's last header, {header} at line {line}, "
            "begins is printed before the log ends")
    return note + (" (its counter starts again: another run, or a restarted fit, that this "
                   "report does not read)" if another else "; it is not read as an epoch")


def finish_notes(run: Any) -> None:
    """The notes a run gets once the whole log is read (``run``: console's run builder); a
    first epoch numbered by a callback message loses its note, and that number, when the
    header after it numbers it (in either order of message and closing line)."""
    if run.leading_line is not None:  # epoch 2 never closed to confirm it
        run.notes.append(f"line {run.leading_line}, before the first header 'Epoch 2/"
                         f"{run.epoch_total}', was read as epoch 1 (its own header is "
                         "not in the log, and no closed epoch 2 confirms it)")
    if run.named_note and len(run.labels) > 1 and run.labels[1] is not None:
        run.notes.remove(run.named_note)  # the next header numbers it, either order
        run.labels[0] = None
    if run.bare_lines:
        run.notes.append(
            f"line(s) {epoch_span(run.bare_lines)} hold nothing but 'name: value' pairs "
            "(no 'Epoch i/N' header, step counter or time): read as consecutive epochs "
            "in file order, counted from 1")
    if run.repeated_headers:
        run.notes.append(
            f"every epoch printed 'Epoch 1/1' (fit(epochs=1) called in a loop): read "
            f"as {len(run.epochs)} consecutive epochs of one run")


def before_last_step(step: int | None, steps: int | None, batch: int | None = None) -> bool:
    """The drawing is the last one before an epoch's end: the last one standalone Keras 2 and
    TensorFlow 1's tf.keras draw, since their ProgbarLogger leaves the last step to the
    closing line, printed after the validation (DLwP notebooks#128: 499/500, then nothing
    while 99,000 validation steps ran). ``batch``: a counter of samples (``Train on 60000
    samples``) moves a batch a drawing, the step before the last is up to a batch short of
    the end (59968/60000 with a batch of 32); unknown when the log draws once, taken as at
    most 1024 samples."""
    if step is None or not steps or steps <= 1 or step >= steps:
        return False
    if batch is None:
        return step == steps - 1
    return steps - step <= batch


#: Said of a log that ends at the last drawing before an epoch's end. Later versions
#: (tf.keras 2.x, Keras 3) draw the last step, but skip a drawing that comes within 0.05 s
#: of the last one drawn: with fast steps, their last drawing can be earlier than that.
STILL_VALIDATING = ("standalone Keras 2 and TensorFlow 1's tf.keras draw an epoch's last step "
                    "only on its closing line, after the validation, and later versions skip "
                    "drawings that come within 0.05 s of the one before: whichever wrote it, "
                    "the log also fits a run still validating that epoch (or stuck there)")


def unclosed_epoch_note(label: str, block: EpochBlock,
                        next_header: tuple[int, int, int] | None,
                        epochs: Sequence[dict[str, float]] = ()) -> str:
    """A note on an epoch whose drawings are in the log but not its closing line. Followed by
    the next epoch's header of the same run (same total), it ended (keras#797 pastes each
    epoch's first step only), unless a traceback, an error or a shell prompt lies between
    its last drawing and that header (a crash, then a run resumed at the next epoch); else it
    never finished, as far as the log shows; still validating only if the run validates
    (one of its ``epochs`` before logs a val_ metric, or none is known)."""
    validates = not epochs or any(name.startswith("val_") for epoch in epochs for name in epoch)
    if (next_header is not None and block.index is not None
            and next_header[1:] == (block.index + 1, block.total)
            and block.interrupted < block.partial.line_of_last):
        return (f"{label} (line {block.line}) has no closing progress line, though the next "
                f"epoch's header follows at line {next_header[0]}: the epoch ended, but the log "
                "does not show its final values")
    last = block.partial.last
    return (f"{label} (line {block.line}) never finished: no closing progress line (cut off, "
            "crashed or interrupted" + (", or still validating" if validates and before_last_step(
                last.current, last.target, block.partial.batch) else "") + ")")


def partial_epoch_note(partial: Partial, ended: bool, every_step: bool) -> str:
    """A note on an epoch whose closing line is not in the log (``ended``: something else
    followed its last drawing). Drawn to its last step (``every_step``), its training values
    are means over every step, the epoch's own; only the closing line's time and any
    validation values are missing."""
    last = partial.last
    where = f"{partial.unit} {last.current}" + (f" of {last.target}" if last.target else "")
    if every_step:
        note = (f"no closing progress line is in the log: the last drawing is {where}, every "
                "step of the epoch, so its training values are the epoch's; its time and any "
                "validation values, printed on the closing line, are missing")
    elif ended:
        note = (f"no closing progress line is in the log: these values are the running means "
                f"over the steps up to {where}, the last drawn, not the epoch's final values")
    else:
        # not "no epoch finished": an earlier epoch may have ended without its closing
        # line (keras#797 pastes each epoch's first step only)
        note = (f"no epoch's closing line is in the log: it ends inside the epoch at {where}, "
                f"and these values are the running means over the {partial.unit}s so far")
        if before_last_step(last.current, last.target, partial.batch):
            note += f" ({STILL_VALIDATING})"
    by_step: dict[int, list[str]] = {}
    for name, step in partial.nan_from_step.items():
        by_step.setdefault(step, []).append(name)
    note += "".join(f"; {', '.join(names)} "
                    + (f"NaN already at step {step}, the first step shown"
                       if step == partial.first_step else f"turned NaN at step {step}")
                    for step, names in sorted(by_step.items()))
    if last.damaged:  # a print glued to a value (costar_plan#442's logs tuple)
        unread = ", ".join(repr(text if len(text) <= 40 else text[:37] + "...")
                           for text in last.damaged)
        note += f"; line {partial.line_of_last}: could not read {unread}"
    return note


#: TerminateOnNaN's message as it stops training ('Batch 3: Invalid loss, terminating
#: training').
TERMINATE_ON_NAN = "Invalid loss, terminating training"


#: TensorFlow's warning when a dataset or generator yields fewer batches than fit() asks for.
RAN_OUT_OF_DATA = "Your input ran out of data"
# "... at least `steps_per_epoch * epochs` batches (in this case, 28100 batches)"
_ASKED_RE = re.compile(r"in this case, (\d+) batches")


def asked_batches(warning: str) -> int | None:
    """The batches the ran-out warning says were asked for, when it says."""
    found = _ASKED_RE.search(warning)
    return int(found[1]) if found else None


def _training_asked(drawn: ProgressLine, asked: int | None, epochs: int | None) -> bool:
    """Whether the batches asked for can be the training input's: steps x epochs (562 x 50
    = 28100), or unknown. Validation's run-out asks for validation_steps (20 batches beside
    1000 steps x 2 epochs)."""
    return asked is None or epochs is None or drawn.target is None or (
        asked == drawn.target * epochs)


def ran_out_step(drawn: ProgressLine | None, asked: int | None, closing: ProgressLine,
                 epochs: int | None = None) -> int | None:
    """The step after which the training input ran out, when the epoch's closing line
    repeats the training values drawn there (its figures are means over those steps) and the
    warning's batch count is the training's (or is not printed), else None."""
    if drawn is None or drawn.current is None or drawn.target is None or (
            drawn.current >= drawn.target) or not _training_asked(drawn, asked, epochs):
        return None
    training = {name: value for name, value in drawn.metrics.items()
                if not name.startswith("val_")}
    if training and all(closing.metrics.get(name) == value for name, value in training.items()):
        return drawn.current
    return None


def ran_out_note(number: int, drawn: ProgressLine | None, asked: int | None,
                 closing: ProgressLine, label: str, epochs: int | None = None) -> str:
    """A note on TensorFlow's "Your input ran out of data; interrupting training" warning at
    line ``number``, inside the epoch ``label`` whose last drawing before it is ``drawn``
    and whose closing line is ``closing``. Drawn short of the epoch's steps, and asking for
    the training's batches: a closing line that repeats the drawing's values is consistent
    with means over those steps (Keras finishes the bar at its target, and draws it only
    every so often). Asking for other batches, or drawn to the last step: consistent with
    the validation data running out."""
    note = f"line {number}: TensorFlow warns that the input ran out of data in {label}"
    if drawn is None or drawn.current is None or drawn.target is None:
        return note
    if drawn.current < drawn.target and not _training_asked(drawn, asked, epochs):
        return note + (f", after step {drawn.current} of {drawn.target} was drawn; it asked "
                       f"for {asked} batches, not the {drawn.target * epochs} of "
                       f"{drawn.target} steps x {epochs} epochs: consistent with the "
                       "validation data running out (Keras draws the bar only every so "
                       "often, so training may have gone on past the last step drawn)")
    if drawn.current < drawn.target:
        note += (f", after step {drawn.current} of {drawn.target} was drawn: consistent with "
                 "training stopping there")
        training = {name: value for name, value in drawn.metrics.items()
                    if not name.startswith("val_")}
        if ran_out_step(drawn, asked, closing, epochs) is not None:
            shown = ", ".join(f"{name} {value:.4g}" for name, value in training.items())
            note += (f", and the epoch's closing line repeats the values drawn at step "
                     f"{drawn.current} ({shown}): means over {plural(drawn.current, 'step')}, "
                     f"not over {drawn.target}, though it reads "
                     f"{closing.current}/{closing.target}")
        return note
    return note + (f", after all {drawn.target} training steps were drawn: consistent with the "
                   "validation data running out (validation_steps more batches than it "
                   "yields, with no repeat()), not the training data")


def ran_out_before_values_note(number: int, label: str, asked: int | None,
                               steps: int | None, epochs: int | None,
                               index: int | None) -> str:
    """A note on TensorFlow's "Your input ran out of data" warning at line ``number``, in the
    epoch ``label`` (numbered ``index``) before the log shows any value of it: training stopped
    after the epoch before it. The batches the warning asked for, when they are that epoch's
    steps times the epochs (TensorFlow counts the epochs from initial_epoch, so it was 0),
    say it was the training input that ran out, after the ``index - 1`` epochs before."""
    note = (f"line {number}: TensorFlow warns that the input ran out of data in {label}, "
            "before the log shows any value of it (verbose=2 prints none before an epoch "
            "ends, so steps of it may have run); it interrupts training there, so the epoch "
            "before it is the last with figures")
    if asked is not None and steps and epochs and asked == steps * epochs:
        yielded = (f" after about {index - 1} epoch{'s' if index > 2 else ''} of batches "
                   f"({(index - 1) * steps})" if index and index > 1 else "")
        note += (f" (it asked for {asked} batches, {steps} steps x {epochs} epochs, so it was "
                 f"the training input that ran out{yielded}: a dataset without repeat(), or a "
                 "generator that ends)")
    return note


#: A printed value: ``Train Loss: 0.4920``, ``loss=0.49`` (a decimal, so that a logger's
#: ``cpu_feature_guard.cc:193]`` or a timestamp is none).
_VALUE_RE = re.compile(r"(?:^|[\s,(])[A-Za-z][\w ()-]*?\s*[:=]\s*[-+]?(?:\d*\.\d+|nan|inf)"
                       r"(?:e[-+]?\d+)?(?=$|[\s,;)])", re.IGNORECASE)

#: Lines that hold decimals after names but no training value: a TensorFlow logger's
#: ('2018-02-01 02:31:40.8: I tensorflow/...', 'I0201 02:31:40.8 ...'), which ends
#: '... compute capability: 6.1)', and TF 1's device properties printed below one
#: ('name: GeForce GTX 1080 Ti major: 6 minor: 1 memoryClockRate(GHz): 1.582').
_NO_VALUES_RE = re.compile(
    r"^\s*(?:\d{4}-\d\d-\d\d[ T][\d:.,]+:?\s+[IWEF]\s|[IWEF]\d{4}\s+[\d:.]+\s)"
    r"|compute capability|memoryClockRate|pciBusID|totalMemory|major: \d+ minor: \d+")


def _holds_value(row: str) -> bool:
    return bool(_VALUE_RE.search(row)) and not _NO_VALUES_RE.search(row)


#: One 'Name: value' pair on a line of its own (a loop's block, or a config print).
_PAIR_LINE_RE = re.compile(r"^[A-Za-z][\w ()-]*:\s*\S+$")


def no_epoch_message(text: str, line: int, index: int, total: int) -> str:
    """Why a log whose first header is 'Epoch index/total' at ``line`` has no epoch: nothing
    after it holds a value (the run stopped before its first steps ended), or the lines
    after it print values in a layout that is not Keras's (a loop's own prints)."""
    after = text.split("\n")[line:]
    printed = next(((line + 1 + offset, row.strip()) for offset, row in enumerate(after)
                    if _holds_value(row)), None)
    if printed is not None:
        shown = printed[1] if len(printed[1]) <= 60 else printed[1][:57] + "..."
        if _PAIR_LINE_RE.match(printed[1]) and not any("loss" in row.lower() for row in after):
            # a loop's block layout, read when it names a loss; a config's pairs do not
            return (f"no epoch could be read: the log starts epoch {index}/{total} at line "
                    f"{line}, and the 'Name: value' lines after it (line {printed[0]}: "
                    f"'{shown}') name no loss: a loop's lines are read as epochs only when "
                    "they print one")
        return (f"no epoch could be read: the log starts epoch {index}/{total} at line {line}, "
                f"but the values after it (line {printed[0]}: '{shown}') are in no layout "
                "explain-log reads (a Keras progress line, or a loop's 'Epoch N, Loss: ...' "
                "lines)")
    return (f"no epoch finished: the log starts epoch {index}/{total} at line {line} and ends "
            "before any progress line of it (the run stopped, crashed or hung before its "
            "first steps ended), so there are no numbers to explain")
