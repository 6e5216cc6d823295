"""Reading the pairs for ``audit-data``: in this process alone or with a pool of worker
processes, in chunks that shrink as the pairs run out; the pool only for work worth it."""

from __future__ import annotations

import itertools
import math
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from unetdiag.diag.audit import read as audit_read
from unetdiag.diag.audit.record import ChunkRecord
from unetdiag.diag.data.pairing import Pair
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.exitcodes import ExitCode, UserError

if TYPE_CHECKING:
    from concurrent.futures import Future

#: Below this many pairs the files are read in this process: starting workers costs more.
SERIAL_BELOW_PAIRS = 16
#: Pairs are handed out in chunks of (pairs left) / (readers x this), so chunks shrink towards
#: the end and no reader is left with a long last chunk while the others wait.
CHUNK_DIVISOR = 4
#: Smallest and largest chunk (pairs): a chunk's fixed costs (a round trip, one labelling
#: call) are paid per chunk; the largest keeps the progress bar moving.
MIN_CHUNK_PAIRS = 8
MAX_CHUNK_PAIRS = 64
#: Where the probe timed the pairs, the smallest chunk is the fewest pairs that take this
#: long (at most :data:`MIN_CHUNK_PAIRS`): 8 pairs of 0.15 s each (DRIVE at 4x) as the last
#: chunk of one reader kept the other idle for over a second.
MIN_CHUNK_SECONDS = 0.1
#: Chunks queued for each worker process while this process reads its own.
CHUNKS_AHEAD_PER_WORKER = 2
#: With workers allowed, this process first reads this many pairs alone (after a first one,
#: timed apart: it pays one-off costs) and times them (CPU time) to project what the rest
#: costs ...
PROBE_PAIRS = 4
#: ... and starts workers only when the rest would take one process at least this long. A
#: forked worker costs CPU of its own (copy-on-write faults, pickled records, its exit:
#: 0.04-0.3 s on the 30-40 pairs of DRIVE and ISBI on a loaded 2-core machine, in
#: docs/benchmarks-audit.md) and saves at most half of the rest's time on two idle cores.
POOL_WORTH_SECONDS = 1.0
#: The first pair, or else the first probe pair, alone decides when it projects the rest at
#: this many times :data:`POOL_WORTH_SECONDS`: large images would otherwise keep the second
#: core idle while this process reads the other probe pairs (0.4-0.5 s of one core on DRIVE
#: at 4x).
CLEAR_WORTH_FACTOR = 2.0


def worker_count(workers: int | None, pair_count: int) -> int:
    if workers is not None and workers < 1:
        raise UserError(f"workers must be at least 1, not {workers}", ExitCode.USAGE)
    if workers is None:
        try:
            workers = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            workers = os.cpu_count() or 1
    if pair_count < SERIAL_BELOW_PAIRS:
        return 1
    return max(1, min(workers, pair_count))


def chunks(pairs: Sequence[Pair], readers: int, start: int = 0,
           smallest: int = MIN_CHUNK_PAIRS) -> Iterator[list[tuple[int, str, str]]]:
    """``(index, image, mask)`` tasks in chunks that shrink as the pairs run out (from pair
    ``start`` on) down to ``smallest`` pairs."""
    while start < len(pairs):
        left = len(pairs) - start
        size = min(MAX_CHUNK_PAIRS, max(smallest, math.ceil(left / (readers * CHUNK_DIVISOR))))
        yield [(index, str(pair.image), str(pair.mask))
               for index, pair in enumerate(pairs[start:start + size], start=start)]
        start += size


def _context() -> Any:
    import multiprocessing  # with the pool only: most small sets start none

    # fork starts workers in milliseconds and shares the imported modules; elsewhere
    # (macOS, Windows) the platform default imports only unetdiag.diag in each worker.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def read_all(pairs: Sequence[Pair], policy: MaskPolicy, readers: int,
              used: list[int] | None = None) -> Iterable[ChunkRecord]:
    """Chunk records of every pair, streamed as they are read.

    At most ``readers`` processes read: this one and ``readers - 1`` workers. This process
    reads chunks too (no pickling, one worker fewer to start), keeping a few chunks queued
    for the workers and collecting their results between its own chunks. Workers are started
    only for work worth them: this process reads the first pair and then :data:`PROBE_PAIRS`
    pairs alone, timing the latter, and goes on alone when the rest, at their CPU cost, would
    take less than :data:`POOL_WORTH_SECONDS` (it starts them after the first pair, or the
    first timed one, when that one alone projects :data:`CLEAR_WORTH_FACTOR` times as much).
    The number of processes that read is appended to ``used``.
    """
    start, smallest = 0, MIN_CHUNK_PAIRS
    if readers > 1 and len(pairs) > PROBE_PAIRS + 1:
        clear = CLEAR_WORTH_FACTOR * POOL_WORTH_SECONDS
        # The first pair pays one-off costs too (Pillow's plugins, first allocations: its CPU
        # time was 1.3-2.4x that of each of the next three on DRIVE, ISBI, their 4x copies
        # and the polyps), so it is no measure of the rest; it decides alone only when it
        # projects the rest at CLEAR_WORTH_FACTOR times the pool's worth, sparing this
        # process a second pair read alone (0.17 s of CPU on DRIVE at 4x).
        started = time.process_time()
        record = audit_read.read_chunk(next(chunks(pairs[:1], 1)), policy)
        spent = time.process_time() - started
        yield record
        start, timed = 1, 1
        rest = spent * (len(pairs) - start)
        if rest < clear:
            spent, timed = 0.0, 0
            # one pair, then the rest of the probe in one chunk (a chunk's fixed costs)
            for probe in (size for size in (1, PROBE_PAIRS - 1) if size > 0):
                started = time.process_time()
                record = audit_read.read_chunk(next(chunks(pairs[:start + probe], 1, start)),
                                               policy)
                spent += time.process_time() - started
                yield record
                start, timed = start + probe, timed + probe
                rest = spent / timed * (len(pairs) - start)
                if rest >= clear:
                    break
        if rest < POOL_WORTH_SECONDS:
            readers = 1
        else:  # the readers end together: the last chunks take about MIN_CHUNK_SECONDS
            smallest = max(1, min(MIN_CHUNK_PAIRS, math.ceil(
                MIN_CHUNK_SECONDS * timed / max(spent, MIN_CHUNK_SECONDS / 1000))))
    if used is not None:
        used.append(readers)
    tasks_left = chunks(pairs, readers, start, smallest)
    if readers <= 1:
        for tasks in tasks_left:
            yield audit_read.read_chunk(tasks, policy)
        return
    # imported here, not with this module: about 20 ms of CPU, and the small sets
    # that start no pool are those where start-up is most of the audit
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    ahead = CHUNKS_AHEAD_PER_WORKER * (readers - 1)
    try:
        with ProcessPoolExecutor(readers - 1, mp_context=_context(),
                                 initializer=audit_read.init_worker,
                                 initargs=(policy,)) as pool:
            pending: set[Future] = set()
            while True:
                for future in [future for future in pending if future.done()]:
                    pending.remove(future)
                    yield future.result()
                for tasks in itertools.islice(tasks_left, max(0, ahead - len(pending))):
                    pending.add(pool.submit(audit_read.read_task, tasks))
                tasks = next(tasks_left, None)
                if tasks is None:
                    break
                yield audit_read.read_chunk(tasks, policy)
            for future in as_completed(pending):
                yield future.result()
    except BrokenProcessPool:
        raise UserError("a worker process died while reading the files (out of memory, or "
                        "a crash inside an image decoder); rerun with --workers 1 to find "
                        "the file") from None
