"""What the diagnostic callbacks cost, as a share of training step time.

The same model (one of ``unetdiag train``'s variants, compiled as the trainer compiles it) and
the same in-memory data are trained with and without :func:`diagnostic_callbacks`, in one
process, alternating which goes first on each repeat. Each ``fit`` traces its train function
afresh (the instrumented step is installed and removed by the callbacks), so the first
``--warmup-steps`` steps of every fit are left out.

Reported per configuration ("off" = no callbacks, "on" = guard + batch audit + Dice
stability + saturation monitors):

- median, mean and minimum ms per training step (time between consecutive batch ends, so the
  callbacks' own per-batch work is included; the mean also includes the sampled batch copies
  of the audit). Other processes sharing the CPU move these numbers a lot, so the ratio is
  also given as the median of the per-repeat ratios (each "on" fit against the "off" fit run
  next to it) and from the minimum step times (the least disturbed steps);
- median process CPU time per step (all threads; less disturbed by other processes than wall
  time, since time spent waiting for a core is not counted);
- host time inside the diagnostic callbacks' per-batch hooks (measured directly, per step);
- ms spent at each epoch end in callbacks (the monitors' probe prediction and history check,
  the guard's weight snapshot), and that cost spread over the epoch's steps.

Run: ``python benchmarks/bench_callbacks.py`` (about two minutes on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

from unetdiag.config import BASE_IMG_SIZE, VARIANTS, TrainConfig
from unetdiag.diag.core.dice import DEFAULT_DICE
from unetdiag.training.callbacks import diagnostic_callbacks
from unetdiag.training.variant import compile_variant

#: The acceptance bar: diagnostics may add at most this share to the median step time.
OVERHEAD_BAR = 0.03


def time_batch_hooks(callbacks: list[keras.callbacks.Callback]) -> list[float]:
    """Wrap the callbacks' batch hooks to add their wall time (ms) to the returned list."""
    spent = [0.0]

    def timed(hook):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return hook(*args, **kwargs)
            finally:
                spent[0] += 1000.0 * (time.perf_counter() - start)
        return wrapper

    for callback in callbacks:
        callback.on_train_batch_begin = timed(callback.on_train_batch_begin)
        callback.on_train_batch_end = timed(callback.on_train_batch_end)
    return spent


class StepTimer(keras.callbacks.Callback):
    """Per-step wall times (batch end to batch end) and the time spent at each epoch end.

    Put it last: its ``on_epoch_end`` then runs after every other callback's.
    """

    def __init__(self, warmup_steps: int) -> None:
        super().__init__()
        self.warmup_steps = warmup_steps
        self.step_ms: list[float] = []
        self.step_cpu_ms: list[float] = []
        self.epoch_end_ms: list[float] = []
        self._last = 0.0
        self._last_cpu = 0.0
        self._steps = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._last, self._last_cpu = time.perf_counter(), time.process_time()

    def on_train_batch_end(self, batch, logs=None):
        now, now_cpu = time.perf_counter(), time.process_time()
        self._steps += 1
        if self._steps > self.warmup_steps:
            self.step_ms.append(1000.0 * (now - self._last))
            self.step_cpu_ms.append(1000.0 * (now_cpu - self._last_cpu))
        self._last, self._last_cpu = now, now_cpu

    def on_epoch_end(self, epoch, logs=None):
        if epoch > 0:  # the first epoch end also builds the probe's prediction graph
            self.epoch_end_ms.append(1000.0 * (time.perf_counter() - self._last))


def disc_data(images: int, size: int, channels: int, seed: int = 0):
    """Bright discs on noise and their masks (float32, {0, 1}), every 8th mask empty."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:size, :size]
    x = rng.normal(0.3, 0.05, (images, size, size, channels)).astype(np.float32)
    y = np.zeros((images, size, size, 1), np.float32)
    for index in range(images):
        if index % 8 == 7:
            continue
        radius = rng.uniform(size / 10, size / 4)
        centre = rng.uniform(radius, size - radius, 2)
        disc = (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius ** 2
        y[index, disc, 0] = 1.0
        x[index, disc] += 0.5
    return x, y


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="MP_Tr_BCE", choices=sorted(VARIANTS))
    parser.add_argument("--precision", default="float32",
                        choices=["float32", "mixed_bfloat16", "mixed_float16"])
    parser.add_argument("--img-size", type=int, default=BASE_IMG_SIZE)
    parser.add_argument("--base-filters", type=int, default=TrainConfig.base_filters)
    parser.add_argument("--depth", type=int, default=TrainConfig.depth)
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    parser.add_argument("--steps-per-epoch", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--warmup-steps", type=int, default=5)
    args = parser.parse_args(argv)

    config = TrainConfig(img_size=args.img_size, base_filters=args.base_filters,
                         depth=args.depth, batch_size=args.batch_size)
    keras.utils.set_random_seed(0)
    model = compile_variant(VARIANTS[args.variant], config, args.precision)
    x, y = disc_data(8 * args.batch_size, args.img_size, config.channels)
    train = (tf.data.Dataset.from_tensor_slices((x, y)).batch(args.batch_size, drop_remainder=True)
             .repeat().prefetch(tf.data.AUTOTUNE))
    probe = (x[:args.batch_size], y[:args.batch_size])

    results: dict[str, dict[str, list[float]]] = {
        mode: {"step_ms": [], "step_cpu_ms": [], "epoch_end_ms": [], "fit_median_ms": [],
               "hook_ms_per_step": []}
        for mode in ("off", "on")}
    with tempfile.TemporaryDirectory() as run_dir:
        for repeat in range(args.repeats):
            order = ("off", "on") if repeat % 2 == 0 else ("on", "off")
            for mode in order:
                timer = StepTimer(args.warmup_steps)
                callbacks = (diagnostic_callbacks(run_dir, probe, DEFAULT_DICE, source="bench")
                             if mode == "on" else [])
                hook_ms = time_batch_hooks(callbacks)
                model.fit(train, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch,
                          verbose=0, callbacks=[*callbacks, timer])
                results[mode]["step_ms"] += timer.step_ms
                results[mode]["step_cpu_ms"] += timer.step_cpu_ms
                results[mode]["epoch_end_ms"] += timer.epoch_end_ms
                results[mode]["fit_median_ms"].append(statistics.median(timer.step_ms))
                results[mode]["hook_ms_per_step"].append(
                    hook_ms[0] / (args.epochs * args.steps_per_epoch))
                errors = [f.id for c in callbacks for f in c.findings if f.severity == "error"]
                if errors:
                    raise SystemExit(f"the benchmark run itself has error findings: {errors}")

    print(f"{args.variant} {args.precision}, {args.img_size} px, batch {args.batch_size}, "
          f"{model.count_params()} parameters, {args.steps_per_epoch} steps/epoch, "
          f"{args.repeats} interleaved repeats x {args.epochs} epochs, "
          f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} at the end")
    summary = {}
    for mode in ("off", "on"):
        steps, ends = results[mode]["step_ms"], results[mode]["epoch_end_ms"]
        summary[mode] = {"median": statistics.median(steps), "mean": statistics.fmean(steps),
                         "min": min(steps),
                         "cpu": statistics.median(results[mode]["step_cpu_ms"]),
                         "epoch_end": statistics.median(ends) if ends else 0.0,
                         "hooks": statistics.median(results[mode]["hook_ms_per_step"])}
        print(f"  diagnostics {mode:>3}: median {summary[mode]['median']:.2f} ms/step, "
              f"mean {summary[mode]['mean']:.2f}, min {summary[mode]['min']:.2f} over "
              f"{len(steps)} steps; process CPU median {summary[mode]['cpu']:.2f} ms/step; "
              f"callbacks' batch hooks {summary[mode]['hooks']:.3f} ms/step; "
              f"epoch end {summary[mode]['epoch_end']:.1f} ms")
    ratio = summary["on"]["median"] / summary["off"]["median"]
    pair_ratio = statistics.median(
        on / off for on, off in zip(results["on"]["fit_median_ms"],
                                    results["off"]["fit_median_ms"], strict=True))
    min_ratio = summary["on"]["min"] / summary["off"]["min"]
    mean_ratio = summary["on"]["mean"] / summary["off"]["mean"]
    cpu_ratio = summary["on"]["cpu"] / summary["off"]["cpu"]
    hook_share = summary["on"]["hooks"] / summary["off"]["median"]
    epoch_share = ((summary["on"]["epoch_end"] - summary["off"]["epoch_end"])
                   / (args.steps_per_epoch * summary["off"]["median"]))
    print(f"  ratio on/off: median {ratio:.4f} ({ratio - 1:+.2%}), median of per-repeat ratios "
          f"{pair_ratio:.4f} ({pair_ratio - 1:+.2%}), min {min_ratio:.4f} ({min_ratio - 1:+.2%}), "
          f"mean {mean_ratio:.4f} ({mean_ratio - 1:+.2%}), process CPU {cpu_ratio:.4f} "
          f"({cpu_ratio - 1:+.2%})")
    print(f"  per-batch hooks {hook_share:+.2%} of a step; epoch-end work {epoch_share:+.2%} of "
          f"an epoch of {args.steps_per_epoch} steps")
    verdict = "within" if pair_ratio - 1 <= OVERHEAD_BAR else "ABOVE"
    print(f"  overhead (median of per-repeat ratios) {pair_ratio - 1:+.2%}: {verdict} the "
          f"{OVERHEAD_BAR:.0%} bar")


if __name__ == "__main__":
    main()
