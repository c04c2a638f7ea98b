#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""How fast OCR output is repaired: first pass on distinct text, candidates per new token, a letter from cold.

    python bench/ocr_speed.py [--levels scan poor] [--no-index] [--runs 5]

For the held-out OCR pairs of each level (``corpus.ocr_pairs``: the shared
ones and those of ``scripts/make_ocr_pairs.py``):

* **first pass** — a fresh restorer with every cache of the candidate
  generator emptied restores each document once, in order: words/s of CPU
  time of this process (one core; the machine may be shared, so CPU time
  is steadier than wall time), and how much of it went to OCR candidates:
  the time per *new* token (a token the restorer had not seen before) of
  ``candidates.ocr_word_candidates``, which the restorer calls once per
  distinct token (mean and median: a token in the misreading index costs a
  few tens of microseconds, one searched for about a millisecond);
* **letter from cold** — the command line (``python -m diacritics_fix.cli
  FILE``) on the held-out scan-level document closest to 1,700 words, start-up
  included: median wall time of ``--runs`` runs.

``--no-index`` searches every token (no misreading index), to compare.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import ocr_pairs  # noqa: E402

LETTER_WORDS = 1_700


def held_out_ocr(level: str) -> list[str]:
    return [p.with_name(p.name.replace(".truth.txt", ".ocr.txt")).read_text(encoding="utf-8")
            for p in ocr_pairs(level, "held-out")]


def first_pass(texts: list[str], use_index: bool) -> dict:
    """Restore *texts* once with cold caches; CPU seconds in all and in OCR candidates."""
    from diacritics_fix import Restorer, candidates
    from diacritics_fix.channel import candidate_index
    from diacritics_fix.misreadings import shipped_index

    restorer = Restorer()
    index = candidate_index(restorer.model)
    index.use_misreadings(shipped_index() if use_index else None)
    index.clear_caches()
    original = candidates.ocr_word_candidates
    calls: list[float] = []

    def timed(*args, **kwargs):
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            calls.append(time.process_time() - started)

    candidates.ocr_word_candidates = timed
    try:
        started = time.process_time()
        for text in texts:
            restorer.restore(text)
        total = time.process_time() - started
    finally:
        candidates.ocr_word_candidates = original
    words = sum(len(text.split()) for text in texts)
    return {"words": words, "seconds": total, "new_tokens": len(calls), "candidate_seconds": sum(calls),
            "median": statistics.median(calls) if calls else 0.0}


def letter_from_cold(runs: int) -> tuple[int, float, list[float]]:
    """(words, median seconds, all runs) of the command line on a ~1,700-word held-out scan."""
    texts = held_out_ocr("scan")
    text = min(texts, key=lambda t: (abs(len(t.split()) - LETTER_WORDS), t))
    times = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cong-van.txt"
        path.write_text(text, encoding="utf-8")
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "diacritics_fix.cli", str(path)], capture_output=True, check=True)
            times.append(time.perf_counter() - started)
    return len(text.split()), statistics.median(times), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", nargs="+", default=["scan", "poor"], choices=("clean", "scan", "poor"))
    parser.add_argument("--no-index", action="store_true", help="search every token (no misreading index)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("| level | documents | words | words/s (CPU, first pass) | new tokens | candidates µs/new token (mean, median) "
          "| share of time in candidates |")
    print("|---|---|---|---|---|---|---|")
    for level in args.levels:
        texts = held_out_ocr(level)
        row = first_pass(texts, not args.no_index)
        per_token = row["candidate_seconds"] / max(row["new_tokens"], 1) * 1e6
        print(f"| {level} | {len(texts)} | {row['words']:,} | {row['words'] / row['seconds']:,.0f} "
              f"| {row['new_tokens']:,} | {per_token:.0f}, {row['median'] * 1e6:.0f} "
              f"| {row['candidate_seconds'] / row['seconds']:.0%} |",
              flush=True)
    if not args.no_index:
        words, median, times = letter_from_cold(args.runs)
        print(f"\nletter from cold (command line, start-up included): {words:,} words in {median:.2f} s "
              f"(median of {len(times)}: {', '.join(f'{t:.2f}' for t in times)})")


if __name__ == "__main__":
    main()
