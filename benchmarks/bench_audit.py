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

Real encodings: the public DRIVE and ISBI 2012 sets (``--shared``, only read) as they are,
with their masks re-encoded as grey and as RGB JPEG (quality 75), and 4x up-scaled (bilinear,
masks as JPEG); and an imitation of a polyp set (200 pairs of RGB JPEG images and masks,
332-1348 px, about 0.8 % of mask pixels off 0/255). All are written to the scratch folder. For
each, two whole processes are timed, alternated, ``--repeats`` times: one opening and loading
every file with Pillow, and ``unetdiag audit-data --workers N --json``; the table gives the
medians, their ratio (median of the per-repeat ratios) and the audit's peak RSS (``wait4``:
the process and its workers). With ``--reference TREE`` the audit is also run from another
source tree (the code before a change) and its findings' (id, severity) must be the same;
the exit status is 1 when they are not.

Every timed process runs with Python's bytecode cache on (``PYTHONPYCACHEPREFIX``, a folder in
the data folder: the scratch folder, or ``--data DIR``; ``PYTHONDONTWRITEBYTECODE``
removed) and is run once untimed first, as an installed package starts: pip byte-compiles
what it installs, and an editable checkout writes ``__pycache__`` on its first run. Without
it, an environment that sets ``PYTHONDONTWRITEBYTECODE`` (and a checkout without
``__pycache__``) makes every audit compile unetdiag's modules from source, about 0.13 s a
start on a 2-core AMD EPYC.

Run: ``python benchmarks/bench_audit.py --shared ../shared/data`` (several minutes on 2 cores,
most of it drawing the datasets; ``--data DIR`` keeps them for the next run; ``--pairs 0``
skips the synthetic sets).
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
from PIL import Image, ImageDraw

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
#: The shared public datasets, beside the repository's checkout (../shared/data).
#: This source tree: the audit timed is its code.
SOURCE = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("UNETDIAG_SHARED_DATA",
                                  Path(__file__).resolve().parents[2] / "shared" / "data"))


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


# --------------------------------------------------------------------------- real encodings

#: Public datasets of ../shared/data: (name, folder); each has images/ and masks/.
REAL_DATASETS = (("DRIVE", "drive_retina_vessels"), ("ISBI", "isbi2012_em_membrane"))
#: JPEG quality the re-encoded masks are saved at (a common default).
JPEG_QUALITY = 75
#: Side factor of the up-scaled copies.
UPSCALE = 4
#: The polyp imitation: pairs, and the range of image sides (pixels).
POLYP_PAIRS = 200
POLYP_SIDES = (332, 1348)


def _save_like(image: Image.Image, path: Path) -> None:
    """Save in the format the file name says (TIFF/PNG as they are, JPEG at JPEG_QUALITY)."""
    if path.suffix == ".jpg":
        image.save(path, quality=JPEG_QUALITY)
    else:
        image.save(path)


def _reencode(source: Path, target: Path, mask_mode: str | None, scale: int,
              mask_suffix: str) -> Path:
    """A copy of ``source`` (images/ and masks/): masks converted to ``mask_mode`` and saved with
    ``mask_suffix``, everything up-scaled ``scale`` times (bilinear: edges become grey)."""
    for side in ("images", "masks"):
        (target / side).mkdir(parents=True, exist_ok=True)
        for path in sorted((source / side).iterdir()):
            with Image.open(path) as opened:
                image = opened.convert("RGB") if opened.mode == "P" else opened.copy()
            if scale != 1:
                image = image.resize((image.width * scale, image.height * scale),
                                     Image.Resampling.BILINEAR)
            if side == "masks":
                image = image.convert(mask_mode) if mask_mode else image
                _save_like(image, target / side / f"{path.stem}{mask_suffix}")
            else:
                _save_like(image, target / side / path.name)
    return target


def _polyp_pair(rng: np.random.Generator) -> tuple[Image.Image, Image.Image]:
    """A Kvasir-SEG-like pair: a smooth RGB picture and one or two polygonal polyps drawn
    255 on 0, the mask an RGB image (saved as JPEG, about 0.8 % of its pixels then lie off
    0/255, as in the real set)."""
    width, height = (int(side) for side in rng.integers(POLYP_SIDES[0], POLYP_SIDES[1] + 1, 2))
    coarse = rng.integers(0, 256, size=(max(2, height // 64), max(2, width // 64), 3),
                          dtype=np.uint8)
    image = Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    for _ in range(int(rng.integers(1, 3))):
        centre = rng.uniform(0.2, 0.8, 2) * (width, height)
        radii = rng.uniform(0.08, 0.25, 2) * (width, height)
        angles = np.sort(rng.uniform(0, 2 * np.pi, 24))
        reach = rng.uniform(0.7, 1.0, 24)
        draw.polygon([(centre[0] + radii[0] * r * np.cos(a), centre[1] + radii[1] * r * np.sin(a))
                      for a, r in zip(angles, reach, strict=True)], fill=255)
    return image, mask.convert("RGB")


def build_polyps(folder: Path, pairs: int = POLYP_PAIRS) -> Path:
    """The polyp imitation: ``pairs`` RGB JPEG images and RGB JPEG masks."""
    for side in ("images", "masks"):
        (folder / side).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(17)
    for number in range(pairs):
        image, mask = _polyp_pair(rng)
        _save_like(image, folder / "images" / f"polyp_{number:04d}.jpg")
        _save_like(mask, folder / "masks" / f"polyp_{number:04d}.jpg")
    return folder


def build_real_encodings(root: Path, shared: Path) -> list[tuple[str, Path]]:
    """(name, dataset folder with images/ and masks/) of every real encoding: the shared sets
    as they are, their masks as grey and RGB JPEG, 4x up-scaled with JPEG masks, and the polyp
    imitation. Built in ``root`` (the shared sets are only read)."""
    encodings = []
    for name, folder in REAL_DATASETS:
        source = shared / folder
        if not (source / "images").is_dir():
            continue
        encodings.append((f"{name} as stored", source))
        for label, mode, scale in (("JPEG masks", "L", 1), ("RGB JPEG masks", "RGB", 1),
                                   (f"{UPSCALE}x, JPEG masks", "L", UPSCALE)):
            target = root / f"{folder}_{mode}_{scale}"
            if not (target / READY_MARKER).is_file():
                _reencode(source, target, mode, scale, ".jpg")
                (target / READY_MARKER).write_text("{}")
            encodings.append((f"{name} {label}", target))
    polyps = root / "polyps"
    if not (polyps / READY_MARKER).is_file():
        build_polyps(polyps)
        (polyps / READY_MARKER).write_text("{}")
    encodings.append((f"polyp imitation ({POLYP_PAIRS} pairs)", polyps))
    return encodings


# The floor: one process listing both folders and opening + loading every file in them.
_PILLOW_PASS = """
import os, sys
from PIL import Image, ImageDraw
for folder in sys.argv[1:]:
    for name in sorted(os.listdir(folder)):
        with Image.open(os.path.join(folder, name)) as image:
            image.load()
"""


#: Where the timed processes keep their bytecode (``PYTHONPYCACHEPREFIX``); set by ``main``
#: to a folder of the scratch folder. None: the environment as it is.
BYTECODE_CACHE: Path | None = None


def process_environment(source: Path | None) -> dict[str, str] | None:
    """The environment of a timed process: ``source`` on ``PYTHONPATH``, and the bytecode
    cache of :data:`BYTECODE_CACHE` (written, whatever ``PYTHONDONTWRITEBYTECODE`` says)."""
    if source is None and BYTECODE_CACHE is None:
        return None
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    if BYTECODE_CACHE is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(BYTECODE_CACHE)
    return env


def timed_process(command: list[str], source: Path | None = None
                  ) -> tuple[float, float, str, float]:
    """(wall seconds, peak RSS MiB, stdout, CPU seconds) of a command, its own processes
    included (``wait4``: the rusage of that child and of the children it waited for). Exit
    statuses 0, 1 and 3 (findings) pass. ``source``: the source tree ``python -m unetdiag``
    runs from (its working directory and ``PYTHONPATH``: ``-m`` looks in the working
    directory first)."""
    env = process_environment(source)
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=errors, env=env, cwd=source)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in (0, 1, 3):
            errors.seek(0)
            raise RuntimeError(f"{command[2:4]} exited with {process.returncode}: "
                               f"{errors.read().decode()}")
        output.seek(0)
        return (wall, usage.ru_maxrss / 1024, output.read().decode(),
                usage.ru_utime + usage.ru_stime)


def audit_command(folder: Path, workers: int, python: str = sys.executable) -> list[str]:
    return [python, "-m", "unetdiag", "audit-data", "--images", str(folder / "images"),
            "--masks", str(folder / "masks"), "--workers", str(workers), "--quiet", "--json"]


def finding_keys(report_json: str) -> list[tuple[str, str]]:
    """The (id, severity) of every finding of an ``audit-data --json`` report, sorted."""
    return sorted((finding["id"], finding["severity"])
                  for finding in json.loads(report_json)["findings"])


def measure_process_speed(folder: Path, workers: int, repeats: int, source: Path = SOURCE
                          ) -> dict:
    """The Pillow pass and the audit as whole processes, alternated; medians of ``repeats``
    (the ratio is the median of each repeat's ratio), the audit's largest peak RSS, and the
    findings of its last run."""
    files = sum(len(os.listdir(folder / side)) for side in ("images", "masks"))
    pillow = [sys.executable, "-c", _PILLOW_PASS, str(folder / "images"), str(folder / "masks")]
    timed_process(pillow)  # warm the page cache and the bytecode caches
    timed_process(audit_command(folder, workers), source)
    runs = []
    for repeat in range(repeats):
        order = (pillow, audit_command(folder, workers))
        first, second = (timed_process(command, source) for command in
                         (order if repeat % 2 == 0 else order[::-1]))
        runs.append((first, second) if repeat % 2 == 0 else (second, first))
    return {"files": files,
            "pillow_s": statistics.median(p[0] for p, _ in runs),
            "audit_s": statistics.median(a[0] for _, a in runs),
            "ratio": statistics.median(a[0] / p[0] for p, a in runs),
            "pillow_cpu_s": statistics.median(p[3] for p, _ in runs),
            "audit_cpu_s": statistics.median(a[3] for _, a in runs),
            "peak_mib": max(a[1] for _, a in runs),
            "findings": finding_keys(runs[-1][1][2])}


def reference_findings(folder: Path, workers: int, reference: Path) -> list[tuple[str, str]]:
    """The findings of the audit run from another source tree (the code before a change)."""
    return finding_keys(timed_process(audit_command(folder, workers), reference)[2])


def report_real(results: list[tuple[str, dict]], workers: int, repeats: int) -> None:
    print(f"\nreal encodings: whole processes, audit ({workers} workers) vs one process "
          f"opening + loading every file with Pillow; medians of {repeats} runs")
    print(f"{'encoding':>28} {'files':>6} {'Pillow s':>9} {'audit s':>8} {'ratio':>6} "
          f"{'peak MiB':>9} {'Pillow CPU':>11} {'audit CPU':>10} {'CPU ratio':>10} "
          f"{'findings':>9}")
    for name, result in results:
        same = result.get("same_findings")
        verdict = "-" if same is None else "same" if same else "CHANGED"
        print(f"{name:>28} {result['files']:>6} {result['pillow_s']:>9.3f} "
              f"{result['audit_s']:>8.3f} {result['ratio']:>5.2f}x {result['peak_mib']:>9.1f} "
              f"{result['pillow_cpu_s']:>11.3f} {result['audit_cpu_s']:>10.3f} "
              f"{result['audit_cpu_s'] / result['pillow_cpu_s']:>9.2f}x {verdict:>9}")
    print("ratio: audit wall time / Pillow pass wall time (bar: at most 1; stretch: 1/1.6);\n"
          "CPU: user + system seconds of every process of each; findings: (id, severity) of\n"
          "every finding against --reference's code")
    for name, result in results:
        if result.get("same_findings") is False:
            print(f"  {name}: before {result['reference_findings']}\n"
                  f"  {' ' * len(name)}  after  {result['findings']}")


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
    parser.add_argument("--shared", type=Path, default=SHARED_DATA,
                        help="folder of the public datasets (DRIVE, ISBI 2012) the real "
                             "encodings are made from, only read (default: %(default)s)")
    parser.add_argument("--source", type=Path, default=SOURCE,
                        help="source tree whose audit is timed on the real encodings "
                             "(default: this one, %(default)s)")
    parser.add_argument("--reference", type=Path, default=None,
                        help="source tree of the code before a change: its findings on each "
                             "real encoding must equal this tree's")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="time the processes in the environment as it is (with "
                             "PYTHONDONTWRITEBYTECODE set, every audit compiles unetdiag)")
    args = parser.parse_args(argv)
    global BYTECODE_CACHE
    counts = [int(text) for text in args.pairs.split(",") if text.strip() not in ("", "0")]
    image_sizes = tuple(int(text) for text in args.sizes.split(","))
    with tempfile.TemporaryDirectory() as scratch:
        root = args.data or Path(scratch)
        BYTECODE_CACHE = None if args.no_bytecode_cache else root / "pycache"
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
        real = []
        for name, folder in build_real_encodings(root / "real", args.shared):
            result = measure_process_speed(folder, args.workers, args.repeats, args.source)
            if args.reference is not None:
                result["reference_findings"] = reference_findings(folder, args.workers,
                                                                  args.reference)
                result["same_findings"] = result["reference_findings"] == result["findings"]
            print(f"{name}: ratio {result['ratio']:.2f}x", flush=True)
            real.append((name, result))
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
    if memory:
        print("\nmemory: peak RSS of a fresh process running audit_dataset (MB)")
        print(f"{'pairs':>6} {'after imports':>14} {'peak':>7} {'largest worker':>15}")
    for result in memory:
        print(f"{result['pairs']:>6} {result['parent_peak_before_mb']:>14.1f} "
              f"{result['parent_peak_rss_mb']:>7.1f} {result['largest_worker_peak_rss_mb']:>15.1f}")
    report_real(real, args.workers, args.repeats)
    if len(memory) > 1:
        growth = memory[-1]["parent_peak_rss_mb"] - memory[0]["parent_peak_rss_mb"]
        print(f"parent peak grows by {growth:.1f} MB from {memory[0]['pairs']} to "
              f"{memory[-1]['pairs']} pairs")
    if speed:
        best = min(result["ratio_wall"] for _, result in speed)
        print(f"\nbar: audit >= {SPEED_BAR}x faster than decoding: "
              f"{'met' if best >= SPEED_BAR else 'NOT met'} (worst dataset: {best:.2f}x)")
    return 1 if any(result.get("same_findings") is False for _, result in real) else 0


if __name__ == "__main__":
    raise SystemExit(main())
