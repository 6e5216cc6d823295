"""Validation Dice under ``--precision auto`` against float32, per variant, over several seeds.

Runs ``unetdiag train`` as a user does (every variant, the defaults, the embedded ``images/``
set) once per seed under each precision, alternating them so that load from other processes
hits both alike, and reads each run's best validation Dice from its JSON report. One seed is
not enough: bfloat16 and float32 rounding send two otherwise identical runs down different
trajectories, so the comparison is of each variant's mean over the seeds.

Run: ``python benchmarks/bench_precision.py`` (five seeds from the trainer's default, 42; about
40 minutes on 2 CPU cores). Prints a Markdown table and exits 1 when a variant's gap is above
the bar. On a CPU without native bfloat16 ``auto`` resolves to float32 and the gap is 0 by
construction; the table names the precision ``auto`` chose.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

#: |mean best val Dice under auto - under float32| allowed per variant (issue 15).
DICE_GAP_BAR = 0.01
DEFAULT_SEEDS = (42, 43, 44, 45, 46)
PRECISIONS = ("auto", "float32")


def train(seed: int, precision: str, out_dir: Path) -> tuple[str, dict[str, float]]:
    """One ``unetdiag train`` run: (the precision in force, best val Dice per variant)."""
    command = [sys.executable, "-m", "unetdiag", "train", "--seed", str(seed), "--precision",
               precision, "--out", str(out_dir), "--run-name", f"{precision}-{seed}", "--json"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        message = (f"unetdiag train --seed {seed} --precision {precision} printed no report "
                   f"(exit {completed.returncode}):\n{completed.stderr[-2000:]}")
        raise SystemExit(message) from error
    best = {row["variant"]: float(str(row["best val Dice"]).split()[0])
            for row in report["summary"]["variants"]}
    return report["meta"]["precision"], best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(DEFAULT_SEEDS))
    args = parser.parse_args(argv)
    results: dict[str, dict[str, list[float]]] = {p: {} for p in PRECISIONS}
    in_force: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-precision-") as work:
        for seed in args.seeds:
            for precision in PRECISIONS:
                in_force[precision], best = train(seed, precision, Path(work))
                for variant, dice in best.items():
                    results[precision].setdefault(variant, []).append(dice)
                print(f"seed {seed} {precision} ({in_force[precision]}): "
                      + ", ".join(f"{v} {d:.4f}" for v, d in best.items()), flush=True)
    print(f"\n{len(args.seeds)} seeds ({', '.join(map(str, args.seeds))}); auto = "
          f"{in_force['auto']}\n")
    print("| variant | mean best val Dice, auto | float32 | gap | per-seed gaps |")
    print("|---|---:|---:|---:|---|")
    failed = []
    for variant, auto_values in results["auto"].items():
        float32_values = results["float32"][variant]
        gap = statistics.mean(auto_values) - statistics.mean(float32_values)
        per_seed = ", ".join(f"{a - f:+.3f}" for a, f in zip(auto_values, float32_values,
                                                             strict=True))
        print(f"| {variant} | {statistics.mean(auto_values):.4f} | "
              f"{statistics.mean(float32_values):.4f} | {gap:+.4f} | {per_seed} |")
        if abs(gap) > DICE_GAP_BAR:
            failed.append(variant)
    verdict = (f"every variant within {DICE_GAP_BAR}" if not failed
               else f"above {DICE_GAP_BAR}: {', '.join(failed)}")
    print(f"\nbar: |gap| <= {DICE_GAP_BAR} per variant: {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
