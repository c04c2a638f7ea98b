#!/usr/bin/env python3
"""Tune the language-model weights on the *tune* split (never the held-out one).

    python bench/tune.py [--docs 60] [--rounds 2]

Coordinate ascent: each weight in turn is scaled up and down; a change is kept
when stripped-text word accuracy on the tune documents improves.  Prints the
best Weights(...) to paste into diacritics_fix/model.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import documents, matched_words, strip_marks  # noqa: E402

from diacritics_fix import Options, Restorer  # noqa: E402
from diacritics_fix.model import Weights, load_model  # noqa: E402


def accuracy(weights: Weights, pairs: list[tuple[str, str]]) -> float:
    load_model.cache_clear()
    restorer = Restorer(Options(weights=weights, mode="stripped"))
    good = total = 0
    for truth, stripped in pairs:
        g, n = matched_words(truth, restorer.restore(stripped))
        good += g
        total += n
    return good / total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    paths = documents("tune")[:: max(1, len(documents("tune")) // args.docs)][: args.docs]
    pairs = [(p.read_text(encoding="utf-8"), "") for p in paths]
    pairs = [(t, strip_marks(t)) for t, _ in pairs]
    best = Weights()
    best_acc = accuracy(best, pairs)
    print(f"start {best_acc:.4f} {best}", flush=True)
    for _ in range(args.rounds):
        for name in Weights._fields:
            for factor in (0.5, 0.75, 1.33, 2.0):
                trial = best._replace(**{name: getattr(best, name) * factor})
                acc = accuracy(trial, pairs)
                if acc > best_acc + 1e-5:
                    best, best_acc = trial, acc
                    print(f"{best_acc:.4f} {name}={getattr(best, name):.3f}", flush=True)
    print(f"best {best_acc:.4f} {best}")


if __name__ == "__main__":
    main()
