#!/usr/bin/env python3
"""Learning from the user's own text: what a learned model and --adapt are worth.

    python bench/learn.py [--section all|accuracy|learn] [--mb 100] [--no-adapt]

Needs the development corpus (``../shared/corpus/dev``) and, for the OCR
column, the OCR pairs (``../shared/ocr/dev-scan``).  Both are read in place.

**accuracy** — one row per setting, every figure on the *held-out* split:

* *shipped*: the shipped model alone;
* *learned*: with a model learned (``diacritics-fix learn``) from the *tune*
  split of the development corpus;
* *adapt*: ``--adapt`` (self-adaptation over the held-out documents as one
  batch), without and with the learned model.

Columns: stripped word accuracy and the scan-level OCR word accuracy (as in
bench/run.py and bench/ocr.py), and the do-no-harm figures of bench/run.py:
correct held-out Vietnamese left unchanged, English prose left unchanged.

**learn** — speed (words a minute, one process on one core) and peak memory
of ``diacritics-fix learn`` on a generated corpus: the tune split repeated to
``--mb`` megabytes (realistic text), and as many megabytes of random syllable
sequences (the worst case for the tables: nearly every pair is new, so
pruning is what bounds memory).  Each run is a process of its own.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import corpus_dir, documents, strip_marks  # noqa: E402
from mixed import ENGLISH_DIR  # noqa: E402
from run import accuracy, unchanged  # noqa: E402

from diacritics_fix import Restorer  # noqa: E402
from diacritics_fix.learn import adapt, learn  # noqa: E402


def settings(model: str, with_adapt: bool) -> dict:
    """name → (restorer, adapt?)"""
    found = {
        "shipped model": (Restorer(), False),
        "+ model learned from the tune split": (Restorer(models=(model,)), False),
    }
    if with_adapt:
        found["shipped model + --adapt"] = (Restorer(), True)
        found["+ learned model + --adapt"] = (Restorer(models=(model,)), True)
    return found


def run_setting(restorer: Restorer, with_adapt: bool, texts: list[str]) -> list[str]:
    if with_adapt:
        return adapt(texts, restorer)
    return [restorer.restore(text) for text in texts]


def accuracy_table(with_adapt: bool) -> None:
    from ocr import OCR_DIR, error_rates, pairs

    truths = [p.read_text(encoding="utf-8") for p in documents("held-out")]
    stripped = [strip_marks(t) for t in truths]
    english = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(ENGLISH_DIR.glob("*")) if p.is_file()]
    scans = pairs("dev-scan") if (OCR_DIR / "dev-scan").is_dir() else []
    with tempfile.TemporaryDirectory() as folder:
        model = str(Path(folder) / "tune-model")
        started = time.perf_counter()
        manifest = learn([str(p) for p in documents("tune")], model)
        elapsed = time.perf_counter() - started
        counts = manifest["counts"]
        print(f"learned from the tune split: {len(manifest['sources'])} documents, {counts['words']:,} words, "
              f"{counts['bigrams']:,} pairs, {counts['trigrams']:,} triples, {counts['phrases']:,} phrases, {counts['names']:,} names "
              f"in {elapsed:.1f} s; measured on the held-out split: {len(truths)} documents, "
              f"{len(scans)} scan-level OCR pairs")
        print()
        print("| setting | stripped word accuracy | scan OCR word accuracy | correct Vietnamese unchanged "
              "| English unchanged |")
        print("|---|---|---|---|---|")
        for name, (restorer, adapting) in settings(model, with_adapt).items():
            good, total = accuracy(truths, run_setting(restorer, adapting, stripped))
            ocr = "–"
            if scans:
                outputs = run_setting(restorer, adapting, [o for _, o, _ in scans])
                ocr = f"{error_rates([t for t, _, _ in scans], outputs)[0]:.2%}"
            kept, seen = unchanged(truths, run_setting(restorer, adapting, truths))
            english_kept, english_seen = unchanged(english, run_setting(restorer, adapting, english))
            print(f"| {name} | {good / total:.2%} | {ocr} | {kept / seen:.2%} "
                  f"| {english_kept / max(1, english_seen):.2%} |", flush=True)


def random_text(megabytes: int, path: Path) -> None:
    """Random sequences of valid syllables, in lines of 5 to 30 words: every pair is likely new."""
    from diacritics_fix.syllable import all_syllables

    rng = random.Random(5)
    syllables = all_syllables()
    target = megabytes << 20
    with open(path, "w", encoding="utf-8") as out:
        while out.tell() < target:
            lines = [" ".join(rng.choices(syllables, k=rng.randint(5, 30))) for _ in range(2000)]
            out.write("\n".join(lines) + "\n")


def repeated_text(megabytes: int, path: Path) -> None:
    """The tune split, repeated until the file has *megabytes* MB."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in documents("tune")) + "\n"
    target = megabytes << 20
    with open(path, "w", encoding="utf-8") as out:
        while out.tell() < target:
            out.write(text)


def learn_once(path: str) -> None:
    """(internal) learn one file in this process and print its figures as JSON."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.process_time()
        manifest = learn([path], Path(folder) / "model")
        elapsed = time.process_time() - started
        size = sum(f.stat().st_size for f in (Path(folder) / "model").iterdir())
    print(json.dumps({
        "words": manifest["counts"]["words"],
        "seconds": elapsed,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pairs": manifest["counts"]["bigrams"],
        "pruned_below": manifest["pruned_below"],
        "model_mb": size / 2**20,
    }))


def learn_table(megabytes: int) -> None:
    print()
    print("| corpus | size | words | words/min (1 core, CPU time) | peak memory | pairs kept | pruned below "
          "| model folder |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name, make in (("tune split repeated", repeated_text), ("random syllables (worst case)", random_text)):
            path = Path(folder) / "corpus.txt"
            make(megabytes, path)
            done = subprocess.run([sys.executable, __file__, "--learn-once", str(path)],
                                  capture_output=True, text=True, check=True)
            row = json.loads(done.stdout)
            path.unlink()
            print(f"| {name} | {megabytes} MB | {row['words']:,} | {row['words'] / row['seconds'] * 60:,.0f} "
                  f"| {row['peak_mb']:.0f} MB | {row['pairs']:,} | {row['pruned_below']['bigrams']} "
                  f"| {row['model_mb']:.1f} MB |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--section", default="all", choices=("all", "accuracy", "learn"))
    parser.add_argument("--mb", type=int, default=100, help="size of the generated corpora for the learn section")
    parser.add_argument("--no-adapt", action="store_true", help="skip the --adapt rows (they take longest)")
    parser.add_argument("--learn-once", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.learn_once:
        learn_once(args.learn_once)
        return
    if args.section in ("all", "accuracy"):
        if not corpus_dir().is_dir():
            print(f"no development corpus at {corpus_dir()}: accuracy table skipped", file=sys.stderr)
        else:
            accuracy_table(not args.no_adapt)
    if args.section in ("all", "learn"):
        if not corpus_dir().is_dir():
            print(f"no development corpus at {corpus_dir()}: learn table skipped", file=sys.stderr)
        else:
            learn_table(args.mb)


if __name__ == "__main__":
    main()
