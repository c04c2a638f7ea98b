# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared settings of the test suite.

Hypothesis runs derandomized (the same examples on every run, no example
database) with a modest number of examples, so that the suite is
deterministic and quick; set HYPOTHESIS_PROFILE=thorough for a longer search.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
