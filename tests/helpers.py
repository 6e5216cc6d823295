"""Helpers shared by several test files (imported as ``helpers``, like ``strategies``)."""

from __future__ import annotations

import subprocess

SUBPROCESS_TIMEOUT = 240  # seconds for one TensorFlow worker process


def run_all(commands: list[tuple[list[str], dict[str, str]]],
            timeout: float = SUBPROCESS_TIMEOUT) -> list[subprocess.CompletedProcess]:
    """Start every process, wait for all; kill every one still running on any failure."""
    processes = [subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for command, env in commands]
    results = []
    try:
        for process in processes:
            stdout, stderr = process.communicate(timeout=timeout)
            results.append(subprocess.CompletedProcess(process.args, process.returncode,
                                                       stdout, stderr))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    return results


def add_callback(monkeypatch, variant_name: str, factory) -> None:
    """Make the trainer give ``variant_name`` one more callback, built by ``factory()``."""
    from unetdiag.training import variant

    original = variant.gather_callbacks

    def gather(config, variant, variant_dir, datasets, val_baselines, **options):
        callbacks = original(config, variant, variant_dir, datasets, val_baselines, **options)
        return callbacks + [factory()] if variant.name == variant_name else callbacks

    monkeypatch.setattr(variant, "gather_callbacks", gather)
