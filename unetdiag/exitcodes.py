"""Exit statuses of every ``unetdiag`` command, and the one policy that picks them.

The README's table is generated from :data:`DESCRIPTIONS`; each command's ``--help`` lists
the statuses it can return (:data:`COMMAND_STATUSES`). :func:`exit_status` is the only
place a finished command's status is decided, from its :class:`Report`:

>>> from unetdiag.diag.core.findings import Finding, Report, Severity
>>> warning = Finding("x.y", Severity.WARNING, "t", "e", "f")
>>> int(exit_status(Report("t", "audit-data", [warning]), fail_on=Severity.WARNING))
1
>>> int(exit_status(Report("t", "audit-data", [warning]), fail_on=Severity.ERROR))
0
"""

from __future__ import annotations

import enum

from unetdiag.diag.core.findings import Report, Severity, worst_severity


class ExitCode(enum.IntEnum):
    OK = 0
    WARNINGS = 1
    USAGE = 2
    FINDINGS_ERROR = 3
    INPUT_ERROR = 4
    OUTPUT_ERROR = 5
    TRAINING_STOPPED = 6
    INTERRUPTED = 130


DESCRIPTIONS = {
    ExitCode.OK: "finished; no finding as severe as --fail-on",
    ExitCode.WARNINGS: "finished; warning-level findings, under --fail-on warning",
    ExitCode.USAGE: "bad command line: unknown option or variant, invalid number",
    ExitCode.FINDINGS_ERROR: "finished; error-level findings about the data, the log or the run",
    ExitCode.INPUT_ERROR: "input unusable: missing or empty folder, no pairs, unreadable file, "
                          "masks that all decode empty (train)",
    ExitCode.OUTPUT_ERROR: "the output (run) directory cannot be written",
    ExitCode.TRAINING_STOPPED: "a diagnostic guard stopped at least one variant; report written",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C; train also on SIGTERM, writing a checkpoint and "
                          "partial report)",
}

#: Outside ``train`` nothing handles the interrupt: no SIGTERM handler, no checkpoint.
_INTERRUPTED_ONLY = "interrupted (Ctrl-C)"
_OUTPUT_FOLDER = "the output folder (--out) cannot be made or written"
_USAGE = "bad command line: unknown option or invalid value"
#: evaluate and predict refuse an --out inside their input, and a model that does not fit the
#: images (as a wrong --img-size): inputs of another shape, outputs outside [0, 1]
_MODEL_USAGE = (_USAGE + ", --out inside the input folder; a model that does not fit "
                "(--img-size missing or not its size, inputs of another shape, outputs "
                "outside [0, 1])")
_MODEL_INPUT = ("input unusable: model file missing or not loadable, missing or empty folder, "
                "{what}")

#: The statuses each command can return, with what each means for that command.
COMMAND_STATUSES: dict[str, dict[ExitCode, str]] = {
    "train": {**DESCRIPTIONS,
              ExitCode.FINDINGS_ERROR: "finished; error-level findings about the data or the "
                                       "run",
              ExitCode.INPUT_ERROR: "input unusable: missing or empty folder, no pairs, "
                                    "unreadable file, masks that all decode empty",
              ExitCode.INTERRUPTED: "interrupted (Ctrl-C / SIGTERM); checkpoint and partial "
                                    "report written"},
    "audit-data": {ExitCode.OK: DESCRIPTIONS[ExitCode.OK],
                   ExitCode.WARNINGS: DESCRIPTIONS[ExitCode.WARNINGS],
                   ExitCode.USAGE: _USAGE,
                   ExitCode.FINDINGS_ERROR: "finished; error-level findings about the data",
                   # an unreadable image or mask is a finding (file.unreadable), not a refusal
                   ExitCode.INPUT_ERROR: "input unusable: missing, unreadable or empty folder, "
                                         "no image/mask pairs",
                   ExitCode.INTERRUPTED: _INTERRUPTED_ONLY},
    "explain-log": {ExitCode.OK: DESCRIPTIONS[ExitCode.OK],
                    ExitCode.WARNINGS: DESCRIPTIONS[ExitCode.WARNINGS],
                    ExitCode.USAGE: _USAGE,
                    ExitCode.FINDINGS_ERROR: "finished; error-level findings about the log",
                    ExitCode.INPUT_ERROR: "input unusable: the log is missing, empty, a folder "
                                          "or not a text log",
                    ExitCode.INTERRUPTED: _INTERRUPTED_ONLY},
    "evaluate": {ExitCode.OK: DESCRIPTIONS[ExitCode.OK],
                 ExitCode.WARNINGS: DESCRIPTIONS[ExitCode.WARNINGS],
                 ExitCode.USAGE: _MODEL_USAGE,
                 ExitCode.FINDINGS_ERROR: "finished; error-level findings about the data "
                                          "scored or the model's predictions",
                 ExitCode.INPUT_ERROR: _MODEL_INPUT.format(what="no pairs, a file that cannot "
                                                                "be decoded"),
                 ExitCode.OUTPUT_ERROR: _OUTPUT_FOLDER,
                 ExitCode.INTERRUPTED: _INTERRUPTED_ONLY},
    # predict has no report: an image that got no mask or a NaN/Inf prediction is status 1
    "predict": {ExitCode.OK: "finished; every image's mask written",
                ExitCode.WARNINGS: "finished; some image got no mask (unreadable, or of an "
                                   "extension predict does not read) or got NaN or Inf "
                                   "predictions, written as background (see predict.json)",
                ExitCode.USAGE: _MODEL_USAGE,
                ExitCode.INPUT_ERROR: _MODEL_INPUT.format(what="no image in it readable"),
                ExitCode.OUTPUT_ERROR: _OUTPUT_FOLDER + ", or holds files other than an "
                                                       "earlier predict's",
                ExitCode.INTERRUPTED: _INTERRUPTED_ONLY},
}


class UserError(Exception):
    """An error the user can fix; the CLI prints its message on one line and exits with code.
    ``report``: the report a command wrote before refusing (``train`` refusing its data), which
    ``--json`` prints."""

    def __init__(self, message: str, code: ExitCode = ExitCode.INPUT_ERROR, *,
                 report: Report | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.report = report


def exit_status(report: Report, fail_on: Severity | None) -> ExitCode:
    """The status of a command that produced ``report``.

    An interrupted run is :attr:`ExitCode.INTERRUPTED` and a run a guard stopped is
    :attr:`ExitCode.TRAINING_STOPPED` and input ``train`` refused before training
    :attr:`ExitCode.INPUT_ERROR`, whatever the findings (``report.outcome``). Otherwise
    the worst finding decides, when it is at least ``fail_on``: an error gives
    :attr:`ExitCode.FINDINGS_ERROR`, a warning :attr:`ExitCode.WARNINGS`. ``fail_on=None``
    never fails on findings.
    """
    if report.outcome == "interrupted":
        return ExitCode.INTERRUPTED
    if report.outcome == "stopped":
        return ExitCode.TRAINING_STOPPED
    if report.outcome == "refused":
        return ExitCode.INPUT_ERROR
    worst = worst_severity(report.findings)
    if fail_on is None or worst is None or worst.rank < fail_on.rank:
        return ExitCode.OK
    return ExitCode.FINDINGS_ERROR if worst is Severity.ERROR else ExitCode.WARNINGS
