# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared settings of the test suite.

Hypothesis runs derandomized (the same examples on every run, no example
database) with a modest number of examples, so that the suite is
deterministic and quick; set HYPOTHESIS_PROFILE=thorough for a longer search.
"""

from __future__ import annotations

import os
import threading

import pytest
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


@pytest.fixture
def in_threads():
    """Run ``work(worker)`` in *count* threads started together; {worker: its result}, or the first error."""

    def run(work, count: int = 4) -> dict:
        start = threading.Barrier(count)
        results: dict = {}
        errors: list[BaseException] = []

        def thread(worker: int) -> None:
            try:
                start.wait()
                results[worker] = work(worker)
            except BaseException as error:  # pragma: no cover - raised below
                errors.append(error)

        threads = [threading.Thread(target=thread, args=(worker,)) for worker in range(count)]
        for each in threads:
            each.start()
        for each in threads:
            each.join()
        if errors:
            raise errors[0]
        return results

    return run
