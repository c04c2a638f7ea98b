# SPDX-License-Identifier: GPL-3.0-or-later
"""The case files, run as tests (in the manner of ftfy's test cases).

* ``cases/stripped.json``: text whose diacritics were stripped; ``restore``
  must give back ``expected`` exactly; ``cases/everyday.json`` the same for
  everyday language (letters, talk, messages).
* ``cases/negative.json``: text that must come back byte for byte unchanged
  (correct Vietnamese in either tone style, code, URLs, English, numbers...).

Cases the library does not get right yet are listed, with what it gives now, in
``cases/known-failures.json``; they run as ``xfail(strict=True)``, so a case
that starts passing makes the suite fail until ``python
tests/cases/update_known_failures.py`` is run to take it off the list.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diacritics_fix import restore

CASES = Path(__file__).resolve().parent / "cases"


def _load(name: str) -> list[dict]:
    return json.loads((CASES / name).read_text(encoding="utf-8"))


STRIPPED = _load("stripped.json") + _load("everyday.json")
NEGATIVE = _load("negative.json")
KNOWN_FAILURES = {entry["label"]: entry for entry in _load("known-failures.json")}


def _params(cases: list[dict]) -> list:
    params = []
    for case in cases:
        marks = []
        known = KNOWN_FAILURES.get(case["label"])
        if known is not None:
            marks.append(pytest.mark.xfail(strict=True, reason=known["comment"]))
        params.append(pytest.param(case, id=case["label"], marks=marks))
    return params


@pytest.mark.parametrize("case", _params(STRIPPED))
def test_stripped_text_is_restored(case):
    assert restore(case["input"]) == case["expected"], case["comment"]


@pytest.mark.parametrize("case", _params(NEGATIVE))
def test_negative_text_is_left_unchanged(case):
    restored = restore(case["text"])
    assert restored == case["text"], case["comment"]
    assert restored.encode("utf-8") == case["text"].encode("utf-8")


def test_case_labels_are_unique_and_known_failures_name_real_cases():
    labels = [case["label"] for case in STRIPPED + NEGATIVE]
    assert len(labels) == len(set(labels)), "two cases share a label"
    stale = sorted(set(KNOWN_FAILURES) - set(labels))
    assert not stale, f"known-failures.json lists cases that do not exist: {stale}"


def test_stripped_inputs_are_the_expected_texts_without_marks():
    """The inputs are generated from the expected texts (tests/cases/make_inputs.py)."""
    import sys

    sys.path.insert(0, str(CASES))
    try:
        from make_inputs import strip_diacritics
    finally:
        sys.path.remove(str(CASES))
    stale = [case["label"] for case in STRIPPED if strip_diacritics(case["expected"]) != case["input"]]
    assert not stale, f"run tests/cases/make_inputs.py: stale inputs {stale}"
