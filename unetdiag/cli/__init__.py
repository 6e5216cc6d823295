"""The ``unetdiag`` command line: argument parsing (:mod:`.parser`, :mod:`.arguments`) and
dispatch to the command handlers (:mod:`.commands`).
"""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from unetdiag.cli import startup

startup.prepare(sys.argv[1:])  # before the imports below pull NumPy in

from unetdiag.cli.commands import run_audit  # noqa: E402 - after startup.prepare
from unetdiag.cli.parser import build_parser, given_options  # noqa: E402
from unetdiag.exitcodes import ExitCode, UserError  # noqa: E402

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["build_parser", "main", "os_error_line"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    handler: Callable | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return ExitCode.USAGE
    args.given = given_options(argv)  # what --resume may change
    console = None if _draws_nothing(args) else _console(args)
    try:
        return int(handler(args, console))
    except UserError as error:
        print(f"unetdiag: error: {error}", file=sys.stderr)
        return int(error.code)
    except KeyboardInterrupt:
        print("unetdiag: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except OSError as error:
        if error.filename is None:  # no file to name: a fault of unetdiag's, its traceback
            raise
        print(f"unetdiag: error: {os_error_line(error)}", file=sys.stderr)
        return int(ExitCode.OUTPUT_ERROR if error.errno in _OUTPUT_ERRNOS
                   else ExitCode.INPUT_ERROR)


#: Errors of a file system that cannot take what is written; the others are taken for the
#: input's (a file that cannot be read, a symbolic link loop).
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


def os_error_line(error: OSError) -> str:
    """The file an operating-system error names and why, on one line: what a reader that
    let it through (a symbolic link loop met while listing a folder, a disk full while
    writing) still owes the user instead of a traceback.

    >>> os_error_line(OSError(errno.ELOOP, "Too many levels of symbolic links", "a.png"))
    'a.png: Too many levels of symbolic links'
    """
    names = " -> ".join(str(name) for name in (error.filename, error.filename2)
                        if name is not None)
    return f"{names}: {error.strerror or error}"


def _draws_nothing(args: argparse.Namespace) -> bool:
    """``audit-data --json --quiet`` writes its JSON and draws no bar: it needs no console,
    and rich's takes 17 ms of CPU to import."""
    return args.handler is run_audit and args.json and args.quiet


def _console(args: argparse.Namespace) -> Console:
    from rich.console import Console

    return Console(stderr=bool(getattr(args, "json", False)))
