#!/usr/bin/env python3
"""Documents from sources the model has never seen: a *bench build* leaves them out of the counts.

    python bench/sources.py [--rebuild] [--limit N]

Users' documents come from offices whose documents were never counted.  The
bench build (``build/bench-model/``, made by ``scripts/build_data.py``) counts
the same corpora as the shipped model but without

* every decision (``Quyết định``) of the tnt305 source: the provincial
  People's Committees' and ministries' decisions (204 documents), and
* the Wikipedia articles of the ``bench`` set (``corpus.wikipedia_split``,
  one in twenty, never tuned on);

then those documents, their marks stripped, are restored with the bench
build and compared with the originals (stripped word accuracy, as in
bench/run.py).  The shipped model counts everything; its weights were tuned
on other texts (bench/tune.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import corpus_dir, matched_words, strip_marks, train_dir, train_documents, wikipedia_split  # noqa: E402

BENCH_MODEL = ROOT / "build" / "bench-model"
HELD_OUT_SOURCE = ("tnt305", "Quyết định")


def held_out_sources() -> list[tuple[str, str]]:
    """(docid, text) of the documents the bench build leaves out by source and type."""
    source, kind = HELD_OUT_SOURCE
    return [(docid, "\n".join(lines)) for docid, row, lines in train_documents("admin")
            if source in row.get("source_repo", "") and row.get("type") == kind]


def held_out_articles() -> list[tuple[str, str]]:
    """(docid, text) of the Wikipedia articles of the bench set."""
    return [(docid, "\n".join(lines)) for docid, _, lines in train_documents("general")
            if wikipedia_split(docid) == "bench"]


def build_bench_model(rebuild: bool = False) -> Path:
    """The bench build (made once, or again with *rebuild*): the model without the held-out sources."""
    lexicon = BENCH_MODEL / "lexicon"
    if (lexicon / "manifest.json").exists() and not rebuild:
        return BENCH_MODEL
    lexicon.mkdir(parents=True, exist_ok=True)
    excluded = BENCH_MODEL / "excluded-docs.txt"
    excluded.write_text("\n".join(docid for docid, _ in held_out_articles()) + "\n", encoding="utf-8")
    source, kind = HELD_OUT_SOURCE
    subprocess.run([
        sys.executable, str(ROOT / "scripts" / "build_data.py"), "--train", str(train_dir()), "--dev", str(corpus_dir()),
        "--exclude-source", source, "--exclude-type", kind, "--exclude-docs", str(excluded), "--out", str(lexicon),
    ], check=True)
    shutil.copy(ROOT / "data" / "abbreviations.txt", BENCH_MODEL / "abbreviations.txt")
    shutil.copy(ROOT / "data" / "lexicon" / "channel.tsv", lexicon / "channel.tsv")
    return BENCH_MODEL


def measure(folder: Path, limit: int | None) -> dict[str, tuple[float, int, int, float]]:
    """Stripped word accuracy of each held-out set with the model in *folder*: (accuracy, documents, words, words/s)."""
    import diacritics_fix.model as model_module

    model_module.data_dir = lambda: folder
    from diacritics_fix import Options, Restorer

    restorer = Restorer(Options(mode="stripped"))
    restorer.restore("khoi dong")
    results = {}
    for name, documents in (("provincial and ministry decisions", held_out_sources()),
                            ("Wikipedia articles", held_out_articles())):
        documents = documents[:limit] if limit else documents
        good = total = words = 0
        cpu = 0.0
        for _, text in documents:
            stripped = strip_marks(text)
            started = time.process_time()
            output = restorer.restore(stripped)
            cpu += time.process_time() - started
            g, n = matched_words(text, output)
            good += g
            total += n
            words += len(stripped.split())
        results[name] = (good / total, len(documents), total, words / cpu)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the bench model again")
    parser.add_argument("--limit", type=int, help="only the first N documents of each set")
    args = parser.parse_args()
    if not (train_dir() / "manifest.tsv").exists():
        print(f"no training corpus at {train_dir()} (set DIACRITICS_FIX_TRAIN): sources table skipped", file=sys.stderr)
        return
    folder = build_bench_model(args.rebuild)
    os.environ.setdefault("DIACRITICS_FIX_CORPUS", str(corpus_dir()))
    results = measure(folder, args.limit)
    print("| held out of the bench build's counts | stripped word accuracy | documents | words | words/s (CPU) |")
    print("|---|---|---|---|---|")
    for name, (accuracy, documents, words, speed) in results.items():
        print(f"| {name} | {accuracy:.2%} | {documents} | {words:,} | {speed:,.0f} |")


if __name__ == "__main__":
    main()
