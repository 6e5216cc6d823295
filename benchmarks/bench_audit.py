"""How fast ``audit-data`` is next to merely decoding the files, and what memory it needs.

Datasets are synthetic cell images (:mod:`unetdiag.diag.synth`, 8-bit grey PNG, masks 0/255)
of mixed sizes, 128 to 256 pixels square. To build thousands of pairs quickly, a few hundred
are drawn and each is stored in its eight orientations (rotations and flips: different
pixels, same statistics).

Speed: for each dataset, two passes over the same files, alternated and repeated:

- *decode*: one process opens and fully decodes (Pillow ``open`` + ``load``) every image and
  every mask, and does nothing else: the least any tool reading the files must spend;
- *audit*: :func:`unetdiag.diag.audit.audit_dataset` with ``--workers`` processes: pairing,
  split, every read and check, duplicate search, findings and summary.

The bar is audit at least 1.6x faster than decode on 2 cores. Other processes sharing the
CPU slow both passes, so the ratio is given from the fastest run of each (least disturbed)
and as the median of per-repeat ratios; the machine's load average is printed.

Memory: ``audit_dataset`` runs in a fresh subprocess per dataset size; its peak RSS and the
largest worker's (``resource.getrusage``) are compared across sizes. Records are a few
hundred bytes per pair and pixels are never kept, so the peak should not follow the number of
files.

Run: ``python benchmarks/bench_audit.py`` (about two minutes on 2 cores, most of it drawing
the datasets; ``--data DIR`` keeps them for the next run).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.diag.synth.generator import MASK_BACKGROUND, MASK_FOREGROUND, SynthSpec, iter_pairs

#: The acceptance bar: the audit must be at least this many times faster than the decode pass.
SPEED_BAR = 1.6
#: Image sizes of the benchmark datasets (pixels, square), used in turn.
SIZES = (128, 160, 192, 224, 256)
#: Each drawn pair is stored in the eight orientations of the square.
ORIENTATIONS = 8
READY_MARKER = "complete.json"


def _oriented(array: np.ndarray, orientation: int) -> np.ndarray:
    rotated = np.rot90(array, orientation % 4)
    return np.ascontiguousarray(rotated[:, ::-1] if orientation >= 4 else rotated)


def build_dataset(folder: Path, pairs: int, sizes: tuple[int, ...] = SIZES) -> Path:
    """``pairs`` image/mask PNG pairs of the given sizes in ``folder`` (kept if built)."""
    marker = folder / READY_MARKER
    wanted = {"pairs": pairs, "sizes": list(sizes)}
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    per_size = math.ceil(pairs / (len(sizes) * ORIENTATIONS))
    written = 0
    for size_number, size in enumerate(sizes):
        spec = SynthSpec(n_pairs=per_size, size=size, seed=1000 + size_number)
        for image, mask in iter_pairs(spec):
            stored_mask = np.where(mask > 0, MASK_FOREGROUND, MASK_BACKGROUND).astype(np.uint8)
            for orientation in range(ORIENTATIONS):
                if written == pairs:
                    break
                stem = folder / f"cell_{written:05d}"
                Image.fromarray(_oriented(image, orientation)).save(f"{stem}.png")
                Image.fromarray(_oriented(stored_mask, orientation)).save(f"{stem}_mask.png")
                written += 1
    marker.write_text(json.dumps(wanted))
    return folder


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def decode_pass(files: list[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds to open and fully decode every file in this process, nothing else."""
    start, start_cpu = time.perf_counter(), cpu_seconds()
    for path in files:
        with Image.open(path) as image:
            image.load()
    return time.perf_counter() - start, cpu_seconds() - start_cpu


def audit_pass(images: Path, masks: Path | None, workers: int) -> tuple[float, float]:
    """(wall, CPU of all its processes) seconds of one ``audit_dataset`` call."""
    start, start_cpu = time.perf_counter(), cpu_seconds()
    audit_dataset(images, masks, workers=workers)
    return time.perf_counter() - start, cpu_seconds() - start_cpu


def measure_speed(images: Path, masks: Path | None, workers: int, repeats: int) -> dict:
    """Both passes over the files the audit pairs, alternated; the fastest run of each."""
    files = [path for pair in discover_pairs(images, masks).pairs
             for path in (pair.image, pair.mask)]
    decode_pass(files)  # warm the page cache for both passes
    decode, audit = [], []
    for repeat in range(repeats):
        if repeat % 2 == 0:
            decode.append(decode_pass(files))
            audit.append(audit_pass(images, masks, workers))
        else:
            audit.append(audit_pass(images, masks, workers))
            decode.append(decode_pass(files))
    decode_wall, decode_cpu = (min(values) for values in zip(*decode, strict=True))
    audit_wall, audit_cpu = (min(values) for values in zip(*audit, strict=True))
    return {"files": len(files), "decode_wall": decode_wall, "audit_wall": audit_wall,
            "decode_cpu": decode_cpu, "audit_cpu": audit_cpu,
            "ratio_wall": decode_wall / audit_wall,
            "ratio_wall_median": statistics.median(d[0] / a[0]
                                                   for d, a in zip(decode, audit, strict=True)),
            "cpu_per_decode_cpu": audit_cpu / decode_cpu,
            "ratio_if_parallel": decode_cpu / (audit_cpu / workers)}


# The probe's own peak is read from /proc (VmHWM): ru_maxrss of a process started from this
# one would include this process's size at the fork, and this one holds the datasets it drew.
# Its workers are forked from the small probe, so getrusage(RUSAGE_CHILDREN) is theirs.
_MEMORY_PROBE = """
import json, re, resource, sys
from pathlib import Path
from unetdiag.diag.audit.run import audit_dataset

def peak_mb():
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024

before = peak_mb()
report = audit_dataset(sys.argv[1], workers=int(sys.argv[2]))
print(json.dumps({
    "pairs": report.meta["pairs"], "parent_peak_before_mb": before,
    "parent_peak_rss_mb": peak_mb(),
    "largest_worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def measure_memory(folder: Path, workers: int) -> dict:
    """Peak RSS of a fresh process auditing ``folder``, and of its largest worker (MB)."""
    result = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(folder), str(workers)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", default="500,2000",
                        help="dataset sizes, comma-separated (default 500,2000)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="image sizes in pixels, used in turn (default 128 to 256)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", type=Path, default=None,
                        help="folder to build the datasets in and keep (default: temporary)")
    parser.add_argument("--dataset", action="append", default=[], metavar="IMAGES[:MASKS]",
                        help="also time an existing dataset (repeatable); no memory probe")
    args = parser.parse_args(argv)
    counts = [int(text) for text in args.pairs.split(",")]
    image_sizes = tuple(int(text) for text in args.sizes.split(","))
    with tempfile.TemporaryDirectory() as scratch:
        root = args.data or Path(scratch)
        print(f"cores available: {len(os.sched_getaffinity(0))}; load average before: "
              f"{os.getloadavg()[0]:.2f}")
        memory, speed = [], []
        for pairs in counts:
            start = time.perf_counter()
            folder = build_dataset(root / f"pairs_{pairs}_{'-'.join(map(str, image_sizes))}",
                                   pairs, image_sizes)
            print(f"dataset of {pairs} pairs ({args.sizes} px) ready in "
                  f"{time.perf_counter() - start:.1f} s")
            speed.append((f"{pairs} synthetic", measure_speed(folder, None, args.workers,
                                                             args.repeats)))
            memory.append(measure_memory(folder, args.workers))
        for text in args.dataset:
            images, _, masks = text.partition(":")
            speed.append((Path(images).parent.name or images,
                          measure_speed(Path(images), Path(masks) if masks else None,
                                        args.workers, args.repeats)))
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"\nspeed: audit ({args.workers} processes) vs one process decoding the same files; "
          f"fastest of {args.repeats} runs each")
    print(f"{'dataset':>22} {'files':>6} {'decode s':>9} {'audit s':>8} {'ratio':>7} "
          f"{'median':>7} {'decode CPU s':>13} {'audit CPU s':>12} {'CPU x':>6} "
          f"{'ratio if parallel':>18}")
    for name, result in speed:
        print(f"{name:>22} {result['files']:>6} {result['decode_wall']:>9.3f} "
              f"{result['audit_wall']:>8.3f} "
              f"{result['ratio_wall']:>6.2f}x {result['ratio_wall_median']:>6.2f}x "
              f"{result['decode_cpu']:>13.3f} {result['audit_cpu']:>12.3f} "
              f"{result['cpu_per_decode_cpu']:>6.2f} {result['ratio_if_parallel']:>17.2f}x")
    print("ratio: decode wall time / audit wall time (fastest runs); median: of per-run ratios;\n"
          "CPU x: audit CPU (all processes) / decode CPU; ratio if parallel: what the ratio\n"
          "would be with the audit's CPU time spread evenly over the processes and no one\n"
          "else on the cores.")
    print("\nmemory: peak RSS of a fresh process running audit_dataset (MB)")
    print(f"{'pairs':>6} {'after imports':>14} {'peak':>7} {'largest worker':>15}")
    for result in memory:
        print(f"{result['pairs']:>6} {result['parent_peak_before_mb']:>14.1f} "
              f"{result['parent_peak_rss_mb']:>7.1f} {result['largest_worker_peak_rss_mb']:>15.1f}")
    if len(memory) > 1:
        growth = memory[-1]["parent_peak_rss_mb"] - memory[0]["parent_peak_rss_mb"]
        print(f"parent peak grows by {growth:.1f} MB from {memory[0]['pairs']} to "
              f"{memory[-1]['pairs']} pairs")
    best = min(result["ratio_wall"] for _, result in speed)
    print(f"\nbar: audit >= {SPEED_BAR}x faster than decoding: "
          f"{'met' if best >= SPEED_BAR else 'NOT met'} (worst dataset: {best:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
