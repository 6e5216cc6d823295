"""Epochs of Keras console output whose ``Epoch i/N`` header is missing, for the reader of
:mod:`unetdiag.diag.logs.console`: a paste that starts one line late, a second closing line
under one header (a paste cut between two epochs), a callback message or EarlyStopping's that
names the epoch, another model's summaries after a Markdown heading or with Keras's ``_1``
suffix on their names. A mixin: it works on the reader's state (``run``, ``block``, ...)."""

from __future__ import annotations

from unetdiag.diag.logs.checkpoint import EARLY_STOP_RE
from unetdiag.diag.logs.console_state import (
    LEARNING_RATE_KEY,
    EpochBlock,
    RunBuilder,
    renamed_by_suffix,
)
from unetdiag.diag.logs.notes import named_first_note
from unetdiag.diag.logs.progress import ProgressLine


def zero_padded(epoch: str) -> bool:
    """An epoch number as Keras's own callbacks printed it before TF 2.7 (``Epoch 00004:``,
    '%05d'): only such a message can count from 0 as Keras 1 and Keras 2 before 2.0.9 did.
    ``Epoch 4:`` is TF 2.7+'s, from 1, or a user's own print, whose count (often the 0-based
    index Keras hands callbacks) says nothing of Keras's messages."""
    return len(epoch) >= 5 and epoch.startswith("0")


class HeaderlessEpochs:
    """How the console reader numbers, places or drops a closing line with no header."""

    def _another_model(self, number: int, progress: ProgressLine) -> str | None:
        """Why a summary with no 'Epoch' header starts another run (a note for it), or None: a
        Markdown heading since the open run's last epoch, or Keras's suffix for a second
        model built in one session on its metric names (``auc`` -> ``auc_1``)."""
        run = self.run
        if run is None or not run.epochs:
            return None
        if self.heading_line > run.last_line:
            return (f"line {number}: a summary with no 'Epoch i/N' header after the Markdown "
                    f"heading at line {self.heading_line}: read as another run")
        renamed = renamed_by_suffix(set(run.epochs[-1]) - {LEARNING_RATE_KEY},
                                     set(progress.metrics))
        if renamed:
            return (f"line {number}: a summary with no 'Epoch i/N' header whose metrics are "
                    f"the previous run's renamed ({', '.join(renamed[:3])}: Keras's suffix for "
                    "a second model built in one session): read as another run")
        return None

    def _named_by_message(self, number: int, progress: ProgressLine) -> bool:
        """Whether a closing line with no header and no val_* is a training epoch: right
        after (or glued to) a callback message that names an epoch ended since the last one
        read (``Epoch 00001: loss improved from inf ...``). TensorFlow 2 prints such messages
        in fit() only, just before the closing line of the epoch they name; an evaluate()
        bar has none before it, nor a fit's epoch after EarlyStopping's 'early stopping',
        which fit() prints once it ended."""
        last_epoch_line = max((run.last_line for run in self.runs), default=0)
        since_last_epoch = self.callback_line > last_epoch_line
        just_before = self.callback_line >= number - 1  # the line before, or this one
        return (bool(progress.metrics) and self.callback_ends and not self.callback_stops
                and since_last_epoch and just_before)

    def _named_first(self, number: int) -> int | None:
        """The number of a run's first epoch that came without its header, from a callback
        message between the last epoch read and it (``Epoch 00051: val_loss did not
        improve``): TensorFlow 2 runs its callbacks before the progress bar's, so their
        messages come before the closing line of the same epoch; Keras 2.2 runs them after,
        which a message right after a finished bar shows (the next epoch's, then)."""
        last_epoch_line = max((run.last_line for run in self.runs), default=0)
        if not self.callback_line or self.callback_line <= last_epoch_line:
            return None
        # right after a finished bar the message ends that bar's epoch (Keras 2.2): this one
        # is the next
        index = self.callback_epoch + self.callback_after_close
        self.run.named_note = named_first_note(number, index, self.callback_line,
                                               self.callback_after_close)
        self._note(self.run.named_note)
        return index

    def _stopped_at(self, number: int, text: str) -> None:
        """``Epoch 00005: early stopping`` right after the closing line of a block whose
        header said an earlier epoch: EarlyStopping names the last epoch run, so the epochs
        between were left out of the log (a README's ``...``); the block is that epoch."""
        stopped = EARLY_STOP_RE.match(text)
        block = self.block
        if (stopped is None or block is None or not block.finals or block.index is None
                or block.messages[:-1] and block.messages[-2] > block.finals[-1][0]):
            return
        # Keras 1 and Keras 2 before 2.0.9 number the message from 0 (keras#8137)
        zero_based = self.zero_based_line is not None and zero_padded(stopped[1])
        index = int(stopped[1]) + zero_based
        if index <= block.index:
            return
        counted = (f" (its 'Epoch {stopped[1]}' counted from 0, as this log's callback "
                   f"messages are: line {self.zero_based_line})" if zero_based else "")
        # a closing line with no time per step is Keras 1's or early Keras 2's, which may
        # count from 0 though no other message shows it (their messages are zero-padded)
        either = ("; if this Keras counts its messages from 0 (Keras 1 and Keras 2 before "
                  f"2.0.9), it is epoch {index + 1}"
                  if not zero_based and zero_padded(stopped[1])
                  and block.finals[-1][1].step_seconds is None else "")
        self._note(f"line {number}: EarlyStopping names epoch {index} as the last one "
                   f"run{counted}; the closing line before it (line {block.finals[-1][0]}), "
                   f"under 'Epoch {block.index}/{block.total}', was read as epoch {index} (the "
                   f"lines of the epochs between are not in the log){either}")
        block.index = index

    def _second_summary(self, progress: ProgressLine) -> bool:
        """A closing line with the validation metrics of a closing line already in the
        block: a second epoch whose header is missing (a paste cut between them), not an
        evaluate() bar, which has no ``val_`` values."""
        names = set(progress.metrics)
        return (self.block is not None and not progress.bare
                and any(name.startswith("val_") for name in names)
                and any(set(final.metrics) == names for _, final in self.block.finals))

    def _repeats_a_final(self, progress: ProgressLine) -> bool:
        """The same closing line pasted twice (values, step count and time alike, or both
        without a time) is one epoch, as it was read before; a stuck run's next epoch,
        printed alike but for its time, is not."""
        return self.block is not None and any(
            final.metrics == progress.metrics and final.target == progress.target
            and final.step_seconds == progress.step_seconds for _, final in self.block.finals)

    def _headerless_epoch(self, number: int, progress: ProgressLine) -> None:
        """Close the block, and read ``progress`` as the next epoch: numbered as the callback
        message before it names it (``Epoch 00086: ...``), else counted on; its learning rate
        is unknown (a cut printed before it took effect after it)."""
        previous = self.block.index if self.block is not None else None
        named = self.callback_epoch
        index = named if named is not None and previous is not None and named > previous else None
        self._close_block()
        self._note(f"line {number}: a second epoch summary under one 'Epoch' header; read as "
                   + (f"epoch {index}, which a callback message names" if index is not None
                      else "the next epoch"))
        self._epoch_begins()
        self.block = EpochBlock(index, self.run.epoch_total if self.run else None, number,
                                 [(number, progress)])
        # counted on: taken back if the next header gives its number to another epoch
        self.counted_on = number if index is None else None

    def _take_back_counted_on(self, index: int, total: int, header_line: int) -> None:
        """A headerless second summary counted on as the next epoch, followed by the header
        of that very epoch, was no epoch: drop it, with a note. Followed by a later epoch's
        header (a paste cut between the two summaries), it is the epoch before that header:
        Keras prints 'Epoch i/N' right after epoch i-1's closing line; only with no line of
        text between them (a cut marker there leaves its number unknown)."""
        line, self.counted_on = self.counted_on, None
        run = self.run
        if (line is None or run is None or not run.epochs or run.labels[-1] is not None
                or index <= run.last_epoch_index):
            return
        if index > run.last_epoch_index + 2 and total == run.epoch_total:
            cut = any(text.strip() for text in self.text.split("\n")[line:header_line - 1])
            # each headerless summary since the last header is one above the one before it
            since = next(at for at, label in enumerate(reversed(run.labels)) if label is not None)
            if not cut:
                run.labels[-1] = index - 1
            else:
                for back in range(since):
                    run.unknown_numbers[len(run.epochs) - 1 - back] = (
                        run.last_epoch_index + since - back, index - 1 - back)
            reading = (f"epoch {index - 1}, the one before the next header, 'Epoch "
                       f"{index}/...' (the epochs between are not in the log)" if not cut else
                       f"the next epoch, though text between it and 'Epoch {index}/...' (line "
                       f"{header_line}) leaves its number anywhere from "
                       f"{run.last_epoch_index + since} to {index - 1}")
            run.notes[:] = [note.replace("read as the next epoch", f"read as {reading}")
                            if note.startswith(f"line {line}: a second epoch summary") else note
                            for note in run.notes]
            return
        if index != run.last_epoch_index + 1:
            return
        for column in (run.epochs, run.labels, run.step_seconds, run.steps):
            del column[-1]
        run.notes[:] = [note for note in run.notes
                        if not note.startswith(f"line {line}: a second epoch summary")]
        run.notes.append(f"line {line}: a second closing line under epoch "
                         f"{run.last_epoch_index}, before 'Epoch {index}/...', was not read as "
                         "an epoch")

    def _place_leading(self, index: int, total: int) -> None:
        """The closing progress line before the log's first header is epoch 1 when that
        header is 'Epoch 2/N' (a paste that starts one line late); otherwise it is skipped."""
        number, progress = self.leading
        self.leading = None
        if self.run is not None or index != 2:
            self.loose_lines.insert(0, number)
            return
        self._start_run(number)
        self._add_epoch(self.run, progress, number, 1, self.learning_rate)
        self.run.last_epoch_index, self.run.epoch_total = 1, total
        self.run.leading_line = number

    def _confirm_leading(self, run: RunBuilder, metrics: dict[str, float],
                         header_line: int) -> None:
        """Epoch 2 closed: the headerless line before it stays epoch 1 unless epoch 2 logs
        metrics it lacks (an evaluate() bar before a resumed fit's 'Epoch 2/N' has no val_*;
        a cut-off epoch 2 may have fewer)."""
        number, run.leading_line = run.leading_line, None
        if not set(metrics) - set(run.epochs[0]) - {LEARNING_RATE_KEY}:
            run.notes.append(f"line {number}, before the first header 'Epoch 2/"
                             f"{run.epoch_total}', was read as epoch 1: its own header is not "
                             "in the log (an evaluate() bar printed before a resumed fit "
                             "would read alike)")
            return
        for column in (run.epochs, run.labels, run.step_seconds, run.steps):
            del column[0]
        run.first_line = header_line
        self.loose_lines.insert(0, number)
