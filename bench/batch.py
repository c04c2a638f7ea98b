# SPDX-License-Identifier: GPL-3.0-or-later
"""Batch benchmark: files/s and words/s with 1 and 2 jobs, and peak memory on a 1 GB file.

    python bench/batch.py                  # both parts (the 1 GB part takes most of an hour)
    python bench/batch.py --no-memory      # jobs only
    python bench/batch.py --memory-only --size-mb 1024

Jobs: a folder of documents of at least 1,000 words each is built in a
temporary folder from the development corpus (``../shared/corpus/dev``) with
every mark stripped, short documents concatenated; the command line restores
it with ``--jobs 1`` and ``--jobs 2`` (wall time of the whole command, start-up
included), and the two output folders must be byte-identical.

Memory: a file of the given size is generated in a temporary folder by
repeating the bundled stripped letter (``examples/cong-van.txt``) and
restored with ``-o``; the peak resident memory of the command's process is
read from the kernel (``wait4``).  Nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import corpus_dir, strip_marks  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORD = re.compile(r"[^\W\d_]+")


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "diacritics_fix.cli", *args]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def build_folder(folder: Path, min_words: int, limit: int | None) -> tuple[int, int]:
    """Write the stripped documents into *folder*; return (documents, words)."""
    documents = words = 0
    pending: list[str] = []
    pending_words = 0
    for path in sorted(corpus_dir().glob("*.txt")):
        text = strip_marks(path.read_text(encoding="utf-8"))
        pending.append(text if text.endswith("\n") else text + "\n")
        pending_words += len(WORD.findall(text))
        if pending_words >= min_words:
            documents += 1
            (folder / f"doc-{documents:04d}.txt").write_text("\n".join(pending), encoding="utf-8")
            words += pending_words
            pending, pending_words = [], 0
            if limit is not None and documents >= limit:
                break
    return documents, words


def same_tree(left: Path, right: Path) -> bool:
    names = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    if names != sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file()):
        return False
    return all(filecmp.cmp(left / name, right / name, shallow=False) for name in names)


def bench_jobs(min_words: int, limit: int | None) -> None:
    if not corpus_dir().is_dir():
        sys.exit(f"no development corpus at {corpus_dir()}")
    with tempfile.TemporaryDirectory(prefix="diacritics-fix-bench-") as temporary:
        work = Path(temporary)
        source = work / "stripped"
        source.mkdir()
        documents, words = build_folder(source, min_words, limit)
        print(f"{documents} documents of at least {min_words:,} words, {words:,} words in all "
              f"(stripped from {corpus_dir()}); {os.cpu_count()} cores")
        print()
        print("| jobs | seconds | files/s | words/s | speed-up |")
        print("|---:|---:|---:|---:|---:|")
        baseline = None
        for jobs in (1, 2):
            out = work / f"out-{jobs}"
            started = time.perf_counter()
            subprocess.run(command(str(source), "-o", str(out), "--jobs", str(jobs), "--quiet"),
                           env=environment(), check=True)
            seconds = time.perf_counter() - started
            baseline = baseline or seconds
            print(f"| {jobs} | {seconds:.1f} | {documents / seconds:.1f} | {words / seconds:,.0f} | "
                  f"{baseline / seconds:.2f}× |")
        identical = same_tree(work / "out-1", work / "out-2")
        print()
        print(f"outputs of --jobs 1 and --jobs 2 identical: {'yes' if identical else 'NO'}")


def bench_memory(size_mb: int) -> None:
    letter = (ROOT / "examples" / "cong-van.txt").read_bytes()
    with tempfile.TemporaryDirectory(prefix="diacritics-fix-bench-", dir="/tmp") as temporary:
        big = Path(temporary) / "big.txt"
        with open(big, "wb") as out:
            written = 0
            while written < size_mb * 1024 * 1024:
                out.write(letter)
                written += len(letter)
        started = time.perf_counter()
        process = subprocess.Popen(command(str(big), "-o", str(big) + ".out", "--quiet"), env=environment())
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            sys.exit(f"the command failed with exit status {process.returncode}")
        peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
        print()
        print("| input | seconds | MB/s | peak memory (max RSS) |")
        print("|---:|---:|---:|---:|")
        print(f"| {written / 2**20:,.0f} MB | {seconds:,.0f} | {written / 2**20 / seconds:.2f} | {peak_mb:,.0f} MB |")
        shutil.rmtree(temporary, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-words", type=int, default=1000, help="words per document at least")
    parser.add_argument("--documents", type=int, default=None, help="stop after this many documents")
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the generated file for memory")
    parser.add_argument("--no-memory", action="store_true", help="skip the large-file part")
    parser.add_argument("--memory-only", action="store_true", help="only the large-file part")
    args = parser.parse_args()
    if not args.memory_only:
        bench_jobs(args.min_words, args.documents)
    if not args.no_memory:
        bench_memory(args.size_mb)


if __name__ == "__main__":
    main()
