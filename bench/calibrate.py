#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fit the confidence temperature (``Weights.confidence_temperature``) on OCR pairs of the tune split.

    python bench/calibrate.py [--levels scan poor clean] [--docs 30] [--temperatures 1 1.5 2 ...]
                              [--split tune|held-out]

A confidence is the share of max-marginal probability of a reading with the
decoder's scores divided by a temperature; the temperature is the one
setting that makes the shares match how often readings are right.  For each
candidate temperature the restorer explains the OCR text of ``--docs``
documents per level (``corpus.ocr_pairs``, every k-th so that all sources
and typefaces are sampled); each change of a token that the alignment pairs
one-to-one with a truth token is right or wrong, and the temperature with the
least log loss of the confidences wins.  The table shows, at that
temperature, how often readings in each band of confidence were right.
The decoding itself does not depend on the temperature.

Fitted on the tune split (the default); ``--split held-out`` only checks the
fit, on data it was not fitted on.
"""

from __future__ import annotations

import argparse
import bisect
import math
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import ocr_pairs  # noqa: E402

from diacritics_fix import Options, Restorer  # noqa: E402
from diacritics_fix.channel import align_tokens, truth_core  # noqa: E402
from diacritics_fix.model import Weights  # noqa: E402
from diacritics_fix.syllable import canonical  # noqa: E402

TEMPERATURES = (0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0)
BANDS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.01)


def sample(levels: list[str], split: str, docs: int) -> list[tuple[str, str]]:
    """(truth, ocr) texts: every k-th pair of each level, at most *docs* per level."""
    found = []
    for level in levels:
        paths = ocr_pairs(level, split)
        step = max(1, len(paths) // docs)
        for path in paths[::step][:docs]:
            ocr = path.with_name(path.name.replace(".truth.txt", ".ocr.txt"))
            found.append((path.read_text(encoding="utf-8"), ocr.read_text(encoding="utf-8")))
    return found


def judged_changes(restorer: Restorer, truth: str, ocr: str) -> list[tuple[float, bool]]:
    """(confidence, right) for each change of a token aligned one-to-one with a truth token."""
    changes = restorer.explain(ocr)
    # Where each whitespace token of the OCR text starts: (line, token number).
    starts: dict[int, tuple[int, int]] = {}
    offset = 0
    truth_lines = truth.split("\n")
    ocr_lines = ocr.split("\n")
    pairs_by_line = []
    for number, line in enumerate(ocr_lines):
        tokens = line.split()
        position = 0
        for k, token in enumerate(tokens):
            position = line.index(token, position)
            starts[offset + position] = (number, k)
            position += len(token)
        truth_tokens = unicodedata.normalize("NFC", truth_lines[number]).split() if number < len(truth_lines) else []
        one_to_one = {}
        for t0, t1, o0, o1 in align_tokens(truth_tokens, tokens):
            if t1 - t0 == 1 and o1 - o0 == 1:
                one_to_one[o0] = truth_tokens[t0]
        pairs_by_line.append(one_to_one)
        offset += len(line) + 1
    judged = []
    token_starts = sorted(starts)
    for change in changes:
        if not token_starts or " " in change.restored:
            continue
        at = token_starts[max(0, bisect.bisect_right(token_starts, change.start) - 1)]
        line, k = starts[at]
        truth_token = pairs_by_line[line].get(k)
        if truth_token is None:
            continue
        right = canonical(truth_core(truth_token)) == canonical(unicodedata.normalize("NFC", change.restored).lower())
        judged.append((change.confidence, right))
    return judged


def log_loss(judged: list[tuple[float, bool]]) -> float:
    eps = 1e-6
    return -sum(math.log(max(eps, c if right else 1 - c)) for c, right in judged) / len(judged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", nargs="+", default=["scan", "poor", "clean"])
    parser.add_argument("--split", choices=("tune", "held-out"), default="tune")
    parser.add_argument("--docs", type=int, default=30, help="documents per level")
    parser.add_argument("--temperatures", type=float, nargs="+", default=TEMPERATURES)
    args = parser.parse_args()
    texts = sample(args.levels, args.split, args.docs)
    results = {}
    for temperature in args.temperatures:
        restorer = Restorer(Options(weights=Weights(confidence_temperature=temperature)))
        judged = [j for truth, ocr in texts for j in judged_changes(restorer, truth, ocr)]
        results[temperature] = judged
        right = sum(r for _, r in judged) / len(judged)
        print(f"temperature {temperature:<5} log loss {log_loss(judged):.4f}  ({len(judged)} changes, {right:.1%} right)",
              flush=True)
    best = min(results, key=lambda t: log_loss(results[t]))
    print(f"\nbest temperature on the {args.split} split: {best} (now {Weights().confidence_temperature})")
    print("| confidence | changes | right | mean confidence |")
    print("|---|---|---|---|")
    for low, high in zip(BANDS, BANDS[1:]):
        band = [(c, r) for c, r in results[best] if low <= c < high]
        if band:
            print(f"| {low:.2f}–{min(high, 1.0):.2f} | {len(band)} | {sum(r for _, r in band) / len(band):.1%} "
                  f"| {sum(c for c, _ in band) / len(band):.1%} |")


if __name__ == "__main__":
    main()
