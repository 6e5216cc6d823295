"""Hypothesis profiles, chosen with the ``HYPOTHESIS_PROFILE`` environment variable.

- ``ci`` (the default, and what ``tox`` passes unless told otherwise): deterministic
  (``derandomize=True``, no example database), so every run tests the same examples and a
  failure reproduces; 100 examples per NumPy property, half or a quarter of that for
  TensorFlow ones (``tensorflow_settings`` in ``tests/strategies.py``); prints the
  ``@reproduce_failure`` blob of a failure.
- ``deep``: random, 20x the examples, with the example database on, for a local hunt:
  ``HYPOTHESIS_PROFILE=deep python -m pytest tests/test_properties_*.py``.

No profile has a deadline: the suite makes no timed assertions, and TensorFlow's first call
in a process takes seconds. See ``docs/property-tests.md``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

PROFILE_VARIABLE = "HYPOTHESIS_PROFILE"
DEFAULT_PROFILE = "ci"
CI_EXAMPLES = 100
DEEP_EXAMPLES = 2000
PROFILES = ("ci", "deep")

settings.register_profile(
    "ci", max_examples=CI_EXAMPLES, derandomize=True, database=None, deadline=None,
    print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "deep", max_examples=DEEP_EXAMPLES, derandomize=False, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
_profile = os.environ.get(PROFILE_VARIABLE) or DEFAULT_PROFILE
if _profile not in PROFILES:
    raise pytest.UsageError(f"{PROFILE_VARIABLE}={_profile!r} is not a Hypothesis profile of "
                            f"this suite: use one of {', '.join(PROFILES)}")
settings.load_profile(_profile)
