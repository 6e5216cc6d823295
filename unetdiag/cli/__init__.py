"""The ``unetdiag`` command line: argument parsing (:mod:`.parser`, :mod:`.arguments`) and
dispatch to the command handlers (:mod:`.commands`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

# Before NumPy is imported (the imports below pull it in): NumPy and SciPy each load OpenBLAS,
# which starts a thread a core that spins while waiting for work. audit-data's matrix products
# are small or chunked (the near-duplicate search: 20,000 thumbnails take 0.8 s of CPU with
# one thread, 2.4-2.7 s with two on a shared 2-core machine, same pairs and scores), and the
# spinning cost 40-60 ms of CPU an audit of the public DRIVE or ISBI sets (session 32 in
# docs/benchmarks-audit.md). A user's own setting is kept.
if sys.argv[1:2] == ["audit-data"]:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from unetdiag.cli.commands import run_audit
from unetdiag.cli.parser import build_parser, given_options
from unetdiag.exitcodes import ExitCode, UserError

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
