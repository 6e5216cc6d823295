"""A rich progress bar behind the plain ``progress(done, total)`` callback engines accept."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

ProgressCallback = Callable[[int, int], None]


@contextmanager
def progress_callback(console: Console | None, description: str,
                      enabled: bool = True) -> Iterator[ProgressCallback | None]:
    """Yield a callback drawing a bar on ``console``, or None when disabled or not a terminal
    (``console`` may be None when disabled).

    >>> from rich.console import Console
    >>> import io
    >>> with progress_callback(Console(file=io.StringIO()), "reading") as update:
    ...     update is None   # not a terminal: engines then skip progress reporting
    True
    """
    if not enabled or not console.is_terminal:
        yield None
        return
    # imported only to draw: off a terminal or with --quiet the bar costs no import
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
