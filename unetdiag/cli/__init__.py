"""The ``unetdiag`` command line: argument parsing (:mod:`.parser`, :mod:`.arguments`) and
dispatch to the command handlers (:mod:`.commands`).
"""

from __future__ import annotations

import argparse
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

__all__ = ["build_parser", "main"]


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


def _draws_nothing(args: argparse.Namespace) -> bool:
    """``audit-data --json --quiet`` writes its JSON and draws no bar: it needs no console,
    and rich's takes 17 ms of CPU to import."""
    return args.handler is run_audit and args.json and args.quiet


def _console(args: argparse.Namespace) -> Console:
    from rich.console import Console

    return Console(stderr=bool(getattr(args, "json", False)))
