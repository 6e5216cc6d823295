"""Exit statuses of every ``unetdiag`` command (the README's table is generated from this)."""

from __future__ import annotations

import enum


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
    ExitCode.OK: "finished; nothing above info level found",
    ExitCode.WARNINGS: "finished; warning-level findings (audit-data, explain-log)",
    ExitCode.USAGE: "bad command line: unknown option or variant, invalid number",
    ExitCode.FINDINGS_ERROR: "finished; error-level findings about the data or the log",
    ExitCode.INPUT_ERROR: "input unusable: missing or empty folder, no pairs, unreadable file",
    ExitCode.OUTPUT_ERROR: "the output (run) directory cannot be written",
    ExitCode.TRAINING_STOPPED: "a diagnostic guard stopped at least one variant; report written",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C / SIGTERM); checkpoint and partial report written",
}


class UserError(Exception):
    """An error the user can fix; the CLI prints its message on one line and exits with code."""

    def __init__(self, message: str, code: ExitCode = ExitCode.INPUT_ERROR) -> None:
        super().__init__(message)
        self.code = code
