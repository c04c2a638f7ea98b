# SPDX-License-Identifier: GPL-3.0-or-later
"""Rewrite ``tests/cases/known-failures.json`` from what the library does now.

Every case of ``stripped.json`` and ``everyday.json`` (``restore(input) == expected``) and of
``negative.json`` (``restore(text) == text``) is run.  Each case that fails gets
an entry ``{"label": ..., "got": ..., "comment": ...}`` in known-failures.json,
in the order the cases appear (stripped cases first).  A case that passes now
loses its entry.

Comments are kept: an entry that was already there keeps its comment (write
why a case fails there by hand); a new entry gets the comment
``"not yet restored correctly"``.

``tests/test_cases.py`` marks every listed case ``xfail(strict=True)``, so a
case that starts passing fails the suite until this script is run again.

Usage (from the repository root or anywhere)::

    python tests/cases/update_known_failures.py          # rewrite the file
    python tests/cases/update_known_failures.py --check  # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
STRIPPED_JSON = HERE / "stripped.json"
EVERYDAY_JSON = HERE / "everyday.json"
NEGATIVE_JSON = HERE / "negative.json"
KNOWN_FAILURES_JSON = HERE / "known-failures.json"
NEW_COMMENT = "not yet restored correctly"

# Run the library of this checkout, not some other installed copy.
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from make_inputs import dumps  # noqa: E402  (same JSON layout as the other case files)


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def current_failures() -> list[tuple[str, str]]:
    """(label, what restore() gives) for every case that fails now."""
    from diacritics_fix import restore

    failures = []
    for case in load_json(STRIPPED_JSON) + load_json(EVERYDAY_JSON):
        got = restore(case["input"])
        if got != case["expected"]:
            failures.append((case["label"], got))
    for case in load_json(NEGATIVE_JSON):
        got = restore(case["text"])
        if got != case["text"]:
            failures.append((case["label"], got))
    return failures


def render(failures: list[tuple[str, str]], old_entries: list[dict]) -> str:
    comments = {entry["label"]: entry.get("comment", NEW_COMMENT) for entry in old_entries}
    entries = [
        {"label": label, "got": got, "comment": comments.get(label, NEW_COMMENT)}
        for label, got in failures
    ]
    return dumps(entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if the file is stale")
    args = parser.parse_args(argv)

    old_text = KNOWN_FAILURES_JSON.read_text(encoding="utf-8") if KNOWN_FAILURES_JSON.exists() else None
    old_entries = json.loads(old_text) if old_text else []
    failures = current_failures()
    new_text = render(failures, old_entries)

    old_labels = {entry["label"] for entry in old_entries}
    new_labels = {label for label, _ in failures}
    fixed = sorted(old_labels - new_labels)
    broken = sorted(new_labels - old_labels)
    for label in fixed:
        print(f"now passes: {label}")
    for label in broken:
        print(f"now fails:  {label}")
    print(f"{len(failures)} known failures")

    if new_text == old_text:
        return 0
    if args.check:
        print(f"stale: {KNOWN_FAILURES_JSON.relative_to(ROOT)}")
        return 1
    KNOWN_FAILURES_JSON.write_text(new_text, encoding="utf-8")
    print(f"rewrote: {KNOWN_FAILURES_JSON.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
