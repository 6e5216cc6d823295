"""Which Keras dtype policy a run trains under, and why.

``"auto"`` picks ``mixed_bfloat16`` where the hardware computes bfloat16 natively (a CPU with
the AVX512-BF16 or AMX-BF16 instructions, or a GPU of compute capability 8.0 or newer) and
``float32`` everywhere else: emulated bfloat16 is slower than float32, and ``mixed_float16`` on
a CPU is emulated too. On a 2-core CPU with AVX512-BF16 a small U-Net trained 1.4-3x faster
under ``mixed_bfloat16`` than under ``float32`` (docs/benchmarks.md).

The model's last layer stays float32 (see :mod:`unetdiag.training.model`), so the sigmoid
output, the losses and the Dice sums are computed in float32 under every policy.

>>> name, reason = resolve_precision("float32")
>>> name
'float32'
>>> with precision_scope("mixed_bfloat16"):
...     import keras
...     keras.config.dtype_policy().name
'mixed_bfloat16'
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import keras
import tensorflow as tf

POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")
#: CPU flags (``/proc/cpuinfo``) that mean bfloat16 matrix maths runs in hardware.
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")
#: NVIDIA compute capability from which bfloat16 is native (Ampere).
BF16_GPU_MIN_CAPABILITY = (8, 0)
CPUINFO_PATH = Path("/proc/cpuinfo")


def cpu_bf16_flags(cpuinfo_path: Path = CPUINFO_PATH) -> list[str]:
    """The :data:`BF16_CPU_FLAGS` this machine's CPU reports (empty if unknown, e.g. not Linux)."""
    try:
        text = cpuinfo_path.read_text(errors="replace")
    except OSError:
        return []
    flags: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            flags.update(value.split())
    return [flag for flag in BF16_CPU_FLAGS if flag in flags]


def gpus_with_bf16() -> list[str]:
    """Names of visible GPUs whose compute capability supports bfloat16 natively."""
    names = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        capability = details.get("compute_capability")
        if capability is not None and tuple(capability) >= BF16_GPU_MIN_CAPABILITY:
            names.append(details.get("device_name", gpu.name))
    return names


def resolve_precision(name: str, cpuinfo_path: Path = CPUINFO_PATH) -> tuple[str, str]:
    """Turn a requested precision into a Keras dtype policy name and a one-line reason.

    Args:
        name: ``"auto"``, ``"float32"``, ``"mixed_bfloat16"`` or ``"mixed_float16"``.
        cpuinfo_path: where to read the CPU flags (a parameter so tests can give a fake one).

    Raises:
        ValueError: for any other name.
    """
    if name != "auto" and name not in POLICIES:
        raise ValueError(f"unknown precision {name!r}; choose auto or one of {', '.join(POLICIES)}")
    gpus = gpus_with_bf16()
    cpu_flags = cpu_bf16_flags(cpuinfo_path)
    if name == "auto":
        if gpus:
            return "mixed_bfloat16", f"auto: GPU with native bfloat16 ({', '.join(gpus)})"
        if cpu_flags:
            flags = ", ".join(cpu_flags)
            return "mixed_bfloat16", f"auto: the CPU computes bfloat16 natively ({flags})"
        return "float32", ("auto: no native bfloat16 on this machine (no AVX512-BF16/AMX-BF16 CPU "
                           "flags, no Ampere-or-newer GPU); mixed precision would be emulated")
    if name == "mixed_bfloat16" and not (gpus or cpu_flags):
        return name, "requested; no native bfloat16 here, so it is emulated and likely slower"
    if name == "mixed_float16" and not tf.config.list_physical_devices("GPU"):
        return name, ("requested, without a GPU: a CPU has no float16 arithmetic, and a "
                      "training step of the default U-Net took 36 s on a 2-core CPU against "
                      "0.14 s in float32 (docs/benchmarks.md)")
    return name, "requested"


@contextlib.contextmanager
def precision_scope(policy_name: str) -> Iterator[None]:
    """Set the Keras global dtype policy for the block; restore the previous one afterwards.

    Layers take their dtype policy when they are built, so build the model inside the block.
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy_name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
