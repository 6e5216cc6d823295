"""The ``unetdiag`` command line: argument parsing (:mod:`.parser`, :mod:`.arguments`) and
dispatch to the command handlers (:mod:`.commands`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from unetdiag.cli.parser import build_parser, given_options
from unetdiag.exitcodes import ExitCode, UserError

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    from rich.console import Console

    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    handler: Callable | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return ExitCode.USAGE
    args.given = given_options(argv)  # what --resume may change
    console = Console(stderr=bool(getattr(args, "json", False)))
    try:
        return int(handler(args, console))
    except UserError as error:
        print(f"unetdiag: error: {error}", file=sys.stderr)
        return int(error.code)
    except KeyboardInterrupt:
        print("unetdiag: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
