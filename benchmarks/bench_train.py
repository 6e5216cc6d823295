"""Training throughput and peak memory: unetdiag's trainer path against a seed-style reference.

Ways of training the same U-Net variant on the same synthetic pairs, same split, same
augmentation, same epochs, each in its own subprocess:

- ``unetdiag``: :func:`unetdiag.training.trainer.run_training` exactly as ``unetdiag train``
  runs it: the streaming pipeline (decoded in parallel from files, file cache, bounded shuffle
  buffer) under the precision ``auto`` resolves to (``mixed_bfloat16`` on a CPU with
  AVX512-BF16/AMX-BF16);
- ``unetdiag-float32``: the same, forced to float32, so the precision's share of the speed-up
  and its effect on validation Dice are measured on identical data order and initial weights;
- ``unetdiag-uncached``: the same as ``unetdiag`` with the decode cache off (every epoch
  decodes the PNGs again), to measure what the cache buys;
- ``reference``: the original project's way: every pair decoded up front into NumPy float32
  arrays, ``Dataset.from_tensor_slices``, float32, same model and compile settings;
- ``reference-auto``: the reference's arrays and Keras's own ``fit`` (no diagnostics, no file
  cache) under the precision ``auto`` resolves to: what the precision alone gives the
  original project's way, and so how far unetdiag's trainer is from a bare Keras fit at
  the same precision (its diagnostics and streaming pipeline cost or save that much).

Figures, per run: training images/s (input pipeline included, validation excluded, epochs after
the first; :class:`ThroughputMeter`) as the best epoch and as the median epoch, best validation
Dice, wall time, peak resident memory (``ru_maxrss`` of that child process, from ``os.wait4``),
and the process CPU time per image of the median epoch's training phase (every thread: the input
pipeline's and the step's), the figure that still compares runs made under different load from
other processes. Speed and Dice come from runs on the small set (default 240 pairs) with the
trainer's default epochs, repeated with ``--seeds`` seeds (the seed moves the split, the initial
weights and the augmentation), alternating the ways so that load from other processes hits them
alike. Speed: each way's fastest run. Dice: each way's mean over the seeds; one seed is not
enough, because bfloat16 and float32 rounding send two otherwise identical runs down different
trajectories, and that alone moves the best validation Dice of a 12-epoch run by about 0.02
either way. Memory compares the small-set runs in the table with ``unetdiag`` and ``reference``
runs of two epochs on the large set (default 2400 pairs). A process's peak memory rises over its
first ~150 training steps whatever the data (allocator and tf.data warm-up: a 240-pair unetdiag
run at 96 px, 16 base filters peaked at 867 MB after 1 epoch, 932 MB after 6, 977 MB after 12
and 977 MB after 24), so both sides of the comparison train past that: 12 epochs of 12 steps
against 2 epochs of 120 steps. A last child times the input pipeline alone, with and without the
cache. On a shared machine trust the best-epoch figures: another process can only slow an epoch
down.

Each float32 run's final weights are also evaluated under every policy (``float32``,
``mixed_bfloat16``, ``mixed_float16``): the same weights, so the gap is what the policy does to
the forward pass and the reported Dice, free of training noise. It is the only way
``mixed_float16`` is measured here: training under it on this CPU, which has no float16
arithmetic, took about 36 s a step against 0.14 s in float32.

Run: ``python benchmarks/bench_train.py`` (about 12 minutes on 2 quiet CPU cores; ``--quick``
for a smoke run whose figures mean nothing). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The bars this benchmark checks (issue 2).
SPEED_RATIO_BAR = 2.0  # unetdiag images/s over the reference's
DICE_TOLERANCE = 0.01  # |val Dice(auto precision) - val Dice(float32)|
#: unetdiag's peak memory may grow at most this much from the small to the large set.
FLAT_MEMORY_MB = 50.0
#: Synthetic pairs are drawn at this size (as the embedded images/ dataset).
SYNTH_SIZE_PX = 96
SYNTH_SEED = 0
DEFAULT_VARIANT = "MP_Tr_BCE"
#: Epochs of the large-set memory runs (past the warm-up of peak memory; see above).
MEMORY_EPOCHS = 2
#: Seeds of the speed and Dice runs (the trainer's default seed and the next ones).
DEFAULT_SEED_COUNT = 5
#: Ways trained once per seed; the cache counterfactual only with the first seed.
SPEED_MODES = ("unetdiag", "reference", "unetdiag-float32")
UNCACHED_MODE = "unetdiag-uncached"
#: The reference's way under the precision ``auto`` resolves to (first seed only).
REFERENCE_AUTO_MODE = "reference-auto"
MEMORY_MODES = ("unetdiag", "reference")
#: Passes over the training set when timing the input pipeline alone (the first is dropped).
PIPELINE_PASSES = 4
MARKER = "BENCH_RESULT "


# --- children (each imports TensorFlow itself) ------------------------------------------------


def _config(args: argparse.Namespace, precision: str):
    from unetdiag.config import TrainConfig

    return TrainConfig(images=Path(args.data), variants=(args.variant,), epochs=args.epochs,
                       img_size=args.img_size, base_filters=args.base_filters,
                       depth=args.depth, seed=args.seed, out_dir=Path(args.work) / "runs",
                       precision=precision, quiet=True, run_name="bench")


def _cpu_meter_class():
    """:class:`ThroughputMeter` that also records each epoch's process CPU time over the same
    window (first batch start to last batch end; every thread of the process, the input
    pipeline's included). On a loaded machine another process lengthens an epoch's wall time
    but hardly the CPU this process spends on it, so CPU per image is the figure that still
    compares runs made under different load. Each instance is kept in ``meters``."""
    from unetdiag.training.run.throughput import ThroughputMeter

    class CpuThroughputMeter(ThroughputMeter):
        meters: list = []

        def __init__(self, *args, **options):
            super().__init__(*args, **options)
            self.epoch_cpu_seconds: list[float] = []
            self._cpu_start = self._cpu_last_batch_end = 0.0
            CpuThroughputMeter.meters.append(self)

        def on_epoch_begin(self, epoch, logs=None):
            super().on_epoch_begin(epoch, logs)
            self._cpu_start = self._cpu_last_batch_end = time.process_time()

        def on_train_batch_end(self, batch, logs=None):
            super().on_train_batch_end(batch, logs)
            self._cpu_last_batch_end = time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            self.epoch_cpu_seconds.append(self._cpu_last_batch_end - self._cpu_start)

    return CpuThroughputMeter


def _child_unetdiag(args: argparse.Namespace, precision: str, cached: bool = True) -> dict:
    from rich.console import Console

    from unetdiag.training import trainer
    from unetdiag.training import variant as variant_module
    from unetdiag.training.run.folder import MODEL_FILENAME
    from unetdiag.training.trainer import run_training

    if not cached:  # the counterfactual: the trainer's pipeline without its decode cache
        build_cached = trainer.build_datasets
        trainer.build_datasets = lambda *a, **options: build_cached(*a, **options | {
            "cache_dir": None})
    meter_class = variant_module.ThroughputMeter = _cpu_meter_class()
    started = time.perf_counter()
    config = _config(args, precision)
    result = run_training(config, console=Console(quiet=True))
    row = result.variants[args.variant]
    measured = {"train_images": result.report.meta["train_pairs"],
                "epoch_seconds": row.epoch_train_seconds, "best_val_dice": row.best_val_dice,
                "epoch_cpu_seconds": meter_class.meters[-1].epoch_cpu_seconds,
                "precision": result.report.meta["precision"],
                "wall_seconds": time.perf_counter() - started}
    if precision == "float32":
        measured["inference_val_dice"] = _val_dice_under_each_policy(
            config, result.run_dir / args.variant / MODEL_FILENAME)
    return measured


def _split(config) -> tuple[list, list]:
    """The train and validation pairs of ``config``, split as the trainer splits them."""
    from unetdiag.diag.data.pairing import discover_pairs
    from unetdiag.diag.data.split import split_pairs

    pairing = discover_pairs(config.images, config.masks, mask_suffixes=config.mask_suffixes)
    return split_pairs(pairing.pairs, config.val_fraction, config.seed)


def _val_dice_under_each_policy(config, model_path: Path) -> dict[str, float]:
    """Validation Dice of one float32-trained model's weights, evaluated under each policy.

    Separates what a policy does to the forward pass (and so to the reported Dice) from the
    run-to-run noise of training under it, and covers ``mixed_float16``, which cannot train
    here: float16 has no hardware arithmetic on this CPU (docs/benchmarks.md).
    """
    import keras

    from unetdiag.config import VARIANTS
    from unetdiag.training.pipeline import build_datasets
    from unetdiag.training.precision import POLICIES
    from unetdiag.training.variant import compile_variant

    train_pairs, val_pairs = _split(config)
    val = build_datasets(train_pairs, val_pairs, img_size=config.img_size,
                         channels=config.channels, batch_size=config.batch_size,
                         policy=config.mask_policy, augment=False, seed=config.seed).val
    weights = keras.saving.load_model(model_path).get_weights()
    dice = {}
    for policy in POLICIES:
        model = compile_variant(VARIANTS[config.variants[0]], config, policy)
        model.set_weights(weights)
        dice[policy] = float(model.evaluate(val, verbose=0, return_dict=True)["dice"])
    return dice


def _load_arrays(pairs, config):
    """The reference's loading: decode and resize every pair now, keep them all in memory."""
    import numpy as np
    import tensorflow as tf

    from unetdiag.diag.data.masks import decode_mask, read_image

    size = [config.img_size, config.img_size]
    images, masks = [], []
    for pair in pairs:
        image = read_image(pair.image, channels=config.channels)
        mask, _encoding = decode_mask(pair.mask, config.mask_policy)
        images.append(tf.image.resize(image, size, antialias=True).numpy())
        masks.append(tf.image.resize(mask[..., None].astype(np.float32), size,
                                     method="nearest").numpy())
    return np.stack(images), np.stack(masks)


def _child_reference(args: argparse.Namespace, precision: str = "float32") -> dict:
    import keras
    import tensorflow as tf

    from unetdiag.config import VARIANTS
    from unetdiag.training.pipeline import DEFAULT_AUGMENT, augment_batches
    from unetdiag.training.precision import resolve_precision
    from unetdiag.training.variant import compile_variant

    started = time.perf_counter()
    policy_name, _reason = resolve_precision(precision)
    config = _config(args, policy_name)
    train_pairs, val_pairs = _split(config)
    x_train, y_train = _load_arrays(train_pairs, config)
    x_val, y_val = _load_arrays(val_pairs, config)
    train = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(
        len(x_train), seed=config.seed, reshuffle_each_iteration=True).batch(config.batch_size)
    train = augment_batches(train, config.seed, DEFAULT_AUGMENT).prefetch(tf.data.AUTOTUNE)
    val = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(config.batch_size)
    keras.utils.set_random_seed(config.seed)
    model = compile_variant(VARIANTS[args.variant], config, policy_name)
    meter = _cpu_meter_class()(len(x_train))
    history = model.fit(train, validation_data=val.prefetch(tf.data.AUTOTUNE),
                        epochs=config.epochs, verbose=0, shuffle=False, callbacks=[meter]).history
    return {"train_images": len(x_train), "epoch_seconds": meter.epoch_seconds,
            "epoch_cpu_seconds": meter.epoch_cpu_seconds,
            "best_val_dice": max(history["val_dice"]), "precision": policy_name,
            "wall_seconds": time.perf_counter() - started}


def _child_pipeline(args: argparse.Namespace) -> dict:
    """Images/s of the training dataset alone (no model), with and without the file cache."""
    from unetdiag.training.pipeline import build_datasets

    config = _config(args, "float32")
    train_pairs, val_pairs = _split(config)
    rates = {}
    for label, cache_dir in (("uncached", None), ("cached", Path(args.work) / "cache")):
        datasets = build_datasets(train_pairs, val_pairs, img_size=config.img_size,
                                  channels=config.channels, batch_size=config.batch_size,
                                  policy=config.mask_policy, augment=config.augment,
                                  seed=config.seed, cache_dir=cache_dir)
        seconds = []
        for _pass in range(PIPELINE_PASSES):
            started = time.perf_counter()
            for _batch in datasets.train:
                pass
            seconds.append(time.perf_counter() - started)
        rates[f"{label}_images_per_second"] = len(train_pairs) / min(seconds[1:])
    return rates


def _child_main(args: argparse.Namespace) -> None:
    if args.child == "unetdiag":
        result = _child_unetdiag(args, "auto")
    elif args.child == "unetdiag-float32":
        result = _child_unetdiag(args, "float32")
    elif args.child == "unetdiag-uncached":
        result = _child_unetdiag(args, "auto", cached=False)
    elif args.child == "reference":
        result = _child_reference(args)
    elif args.child == REFERENCE_AUTO_MODE:
        result = _child_reference(args, "auto")
    else:
        result = _child_pipeline(args)
    print(MARKER + json.dumps(result), flush=True)


# --- parent ---------------------------------------------------------------------------------


def _run_child(mode: str, data_dir: Path, epochs: int, seed: int, args: argparse.Namespace,
               work_dir: Path) -> dict:
    """Run one measurement in a fresh interpreter; add its peak RSS (MB) from os.wait4."""
    work_dir.mkdir(parents=True)
    command = [sys.executable, __file__, "--child", mode, "--data", str(data_dir),
               "--epochs", str(epochs), "--variant", args.variant, "--work", str(work_dir),
               "--img-size", str(args.img_size), "--base-filters", str(args.base_filters),
               "--depth", str(args.depth), "--seed", str(seed)]
    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    with open(work_dir / "stdout.txt", "wb") as stdout, \
            open(work_dir / "stderr.txt", "wb") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=environment)
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = (work_dir / "stderr.txt").read_text(errors="replace")[-2000:]
        raise SystemExit(f"{mode} child failed ({process.returncode}):\n{tail}")
    line = next(line for line in (work_dir / "stdout.txt").read_text().splitlines()
                if line.startswith(MARKER))
    result = json.loads(line[len(MARKER):]) | {"peak_rss_mb": usage.ru_maxrss / 1024.0}
    timed = result.get("epoch_seconds", [])[1:] or result.get("epoch_seconds", [])
    if timed:
        result["best_images_per_second"] = result["train_images"] / min(timed)
        result["median_images_per_second"] = result["train_images"] / statistics.median(timed)
    cpu_timed = result.get("epoch_cpu_seconds", [])[1:] or result.get("epoch_cpu_seconds", [])
    if cpu_timed:
        result["median_cpu_ms_per_image"] = (1000.0 * statistics.median(cpu_timed)
                                             / result["train_images"])
    return result


def _dataset(root: Path, pairs: int) -> Path:
    from unetdiag.diag.synth.generator import SynthSpec, write_dataset

    folder = root / f"cells_{pairs}"
    write_dataset(folder, SynthSpec(n_pairs=pairs, size=SYNTH_SIZE_PX, seed=SYNTH_SEED))
    return folder


def _format(value, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _parent_main(args: argparse.Namespace) -> int:
    small, large = args.pairs
    print(f"load average at start (1/5/15 min): {_load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_train_") as temporary:
        root = Path(temporary)
        started = time.perf_counter()
        data = {pairs: _dataset(root, pairs) for pairs in (small, large)}
        print(f"synthetic datasets ({small} and {large} pairs of {SYNTH_SIZE_PX} px) written in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        seeds = [args.seed + offset for offset in range(args.seeds)]
        plan = [("speed", mode, small, args.epochs, seed) for seed in seeds
                for mode in SPEED_MODES]
        plan[len(SPEED_MODES):len(SPEED_MODES)] = [
            ("speed", mode, small, args.epochs, seeds[0])
            for mode in (UNCACHED_MODE, REFERENCE_AUTO_MODE)]
        plan += [("memory", mode, large, args.memory_epochs, seeds[0]) for mode in MEMORY_MODES]
        runs: list[dict] = []
        for index, (purpose, mode, pairs, epochs, seed) in enumerate(plan):
            result = _run_child(mode, data[pairs], epochs, seed, args,
                                root / f"run{index}-{mode}-{pairs}")
            runs.append({"purpose": purpose, "mode": mode, "pairs": pairs, "epochs": epochs,
                         "seed": seed} | result)
            print(f"  {purpose:6s} {mode:17s} {pairs:5d} pairs {epochs:2d} epochs seed {seed}: "
                  f"best epoch "
                  f"{_format(result['best_images_per_second'])} img/s, median "
                  f"{_format(result['median_images_per_second'])} img/s, CPU "
                  f"{_format(result.get('median_cpu_ms_per_image'), 2)} ms/img, val Dice "
                  f"{_format(result['best_val_dice'], 4)}, peak "
                  f"{_format(result['peak_rss_mb'])} MB", flush=True)
        pipeline = _run_child("pipeline", data[small], 1, args.seed, args, root / "pipeline")
    print(f"load average at end (1/5/15 min): {_load()}")
    fastest: dict[tuple[str, str, int], dict] = {}
    for run in runs:
        key = (run["purpose"], run["mode"], run["pairs"])
        if key not in fastest or (run.get("best_images_per_second") or 0) > (
                fastest[key].get("best_images_per_second") or 0):
            fastest[key] = run
    print()
    print(f"Variant {args.variant}, img_size {args.img_size}, base_filters {args.base_filters}, "
          f"depth {args.depth}, batch {_default('batch_size')}; {os.cpu_count()} CPU(s); "
          f"speed: fastest of {args.seeds} seed(s); val Dice: mean over the seeds")
    print()
    print("| run | pairs | epochs | precision | images/s best epoch | images/s median | "
          "CPU ms/image median | best val Dice | wall s | peak RSS MB |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for row in fastest.values():
        print(f"| {row['mode']} | {row['pairs']} | {row['epochs']} | {row['precision']} | "
              f"{_format(row['best_images_per_second'])} | "
              f"{_format(row['median_images_per_second'])} | "
              f"{_format(row.get('median_cpu_ms_per_image'), 2)} | "
              f"{_format(_mean_dice(runs, row['purpose'], row['mode'], row['pairs']), 4)} | "
              f"{_format(row['wall_seconds'])} | "
              f"{_format(row['peak_rss_mb'])} |")
    print()
    print(f"input pipeline alone ({small} pairs, no model): "
          f"{_format(pipeline['uncached_images_per_second'])} img/s decoding every pass, "
          f"{_format(pipeline['cached_images_per_second'])} img/s from the file cache")
    inference = _inference_dice(runs)
    print()
    print("val Dice of the float32-trained weights evaluated under each policy (mean over the "
          "seeds): " + ", ".join(f"{policy} {dice:.4f}" for policy, dice in inference.items()))
    return _check_bars(fastest, runs, small, large, inference)


def _inference_dice(runs: list[dict]) -> dict[str, float]:
    per_seed = [run["inference_val_dice"] for run in runs if "inference_val_dice" in run]
    return {policy: statistics.mean(seed[policy] for seed in per_seed) for policy in per_seed[0]}


def _mean_dice(runs: list[dict], purpose: str, mode: str, pairs: int) -> float | None:
    values = [run["best_val_dice"] for run in runs if (run["purpose"], run["mode"], run["pairs"])
              == (purpose, mode, pairs) and run["best_val_dice"] is not None]
    return statistics.mean(values) if values else None


def _default(name: str):
    from unetdiag.config import TrainConfig

    return getattr(TrainConfig(), name)


def _check_bars(fastest: dict, runs: list[dict], small: int, large: int,
                inference: dict[str, float]) -> int:
    def rate(mode: str) -> float:
        return fastest[("speed", mode, small)]["best_images_per_second"]

    def mean_dice(mode: str) -> float:
        return _mean_dice(runs, "speed", mode, small)

    def cpu_per_image(mode: str) -> float:
        return min(run["median_cpu_ms_per_image"] for run in runs
                   if (run["purpose"], run["mode"], run["pairs"]) == ("speed", mode, small))

    speed_ratio = rate("unetdiag") / rate("reference")
    dice_gap = abs(mean_dice("unetdiag") - mean_dice("unetdiag-float32"))
    best_dice = {(run["mode"], run["seed"]): run["best_val_dice"] for run in runs
                 if run["purpose"] == "speed"}
    per_seed_gaps = ", ".join(
        f"{best_dice[('unetdiag', seed)] - best_dice[('unetdiag-float32', seed)]:+.3f}"
        for mode, seed in best_dice if mode == "unetdiag")
    growth = {mode: fastest[("memory", mode, large)]["peak_rss_mb"]
              - fastest[("speed", mode, small)]["peak_rss_mb"] for mode in MEMORY_MODES}
    checks = [
        (f"speed: unetdiag / reference = {speed_ratio:.2f}x (precision alone "
         f"{rate('unetdiag') / rate('unetdiag-float32'):.2f}x, cache alone "
         f"{rate('unetdiag') / rate('unetdiag-uncached'):.2f}x; CPU time per image, "
         f"reference / unetdiag, "
         f"{cpu_per_image('reference') / cpu_per_image('unetdiag'):.2f}x)",
         speed_ratio >= SPEED_RATIO_BAR, f">= {SPEED_RATIO_BAR}x"),
        (f"val Dice, trained: |auto - float32| = {dice_gap:.4f} over the seeds (per seed "
         f"{per_seed_gaps}; reference {mean_dice('reference'):.4f})",
         dice_gap <= DICE_TOLERANCE, f"<= {DICE_TOLERANCE}"),
        *((f"val Dice, same weights: |{policy} - float32| = "
           f"{abs(dice - inference['float32']):.4f}",
           abs(dice - inference["float32"]) <= DICE_TOLERANCE, f"<= {DICE_TOLERANCE}")
          for policy, dice in inference.items() if policy != "float32"),
        (f"memory growth {small} -> {large} pairs: unetdiag {growth['unetdiag']:+.0f} MB, "
         f"reference {growth['reference']:+.0f} MB", growth["unetdiag"] <= FLAT_MEMORY_MB,
         f"unetdiag <= {FLAT_MEMORY_MB:.0f} MB"),
    ]
    bare = fastest[("speed", REFERENCE_AUTO_MODE, small)]
    print()
    print(f"the reference's way under {bare['precision']} (Keras's own fit on in-memory "
          f"arrays): images/s {rate(REFERENCE_AUTO_MODE) / rate('reference'):.2f}x the "
          f"reference's, CPU time per image reference / it "
          f"{cpu_per_image('reference') / cpu_per_image(REFERENCE_AUTO_MODE):.2f}x; unetdiag "
          f"against it (it ran seed {bare['seed']} only): images/s "
          f"{rate('unetdiag') / rate(REFERENCE_AUTO_MODE):.2f}x, CPU time per image it / "
          f"unetdiag {cpu_per_image(REFERENCE_AUTO_MODE) / cpu_per_image('unetdiag'):.2f}x "
          f"(above 1: unetdiag the faster)")
    for text, passed, bar in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {text}  (bar: {bar})")
    return 0 if all(passed for _text, passed, _bar in checks) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, nargs=2, default=(240, 2400),
                        metavar=("SMALL", "LARGE"), help="pairs in the two synthetic sets")
    parser.add_argument("--epochs", type=int, default=_default("epochs"),
                        help="epochs on the small set (default: the trainer's)")
    parser.add_argument("--memory-epochs", type=int, default=MEMORY_EPOCHS)
    parser.add_argument("--seeds", type=int, default=DEFAULT_SEED_COUNT,
                        help="seeds of the speed and Dice runs")
    parser.add_argument("--seed", type=int, default=_default("seed"), help="the first seed")
    parser.add_argument("--variant", default=DEFAULT_VARIANT)
    from unetdiag.config import BASE_IMG_SIZE  # the side train takes for images/

    parser.add_argument("--img-size", type=int, default=BASE_IMG_SIZE)
    parser.add_argument("--base-filters", type=int, default=_default("base_filters"))
    parser.add_argument("--depth", type=int, default=_default("depth"))
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 48 and 96 pairs, 2 epochs (figures meaningless)")
    parser.add_argument("--child", choices=(*SPEED_MODES, UNCACHED_MODE, REFERENCE_AUTO_MODE,
                                            "pipeline"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child_main(args)
        return 0
    if args.quick:
        args.pairs, args.epochs, args.memory_epochs, args.seeds = (48, 96), 2, 2, 1
    return _parent_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
