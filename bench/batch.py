# SPDX-License-Identifier: GPL-3.0-or-later
"""Batch benchmark: jobs on many files, one large file split among workers, one very long line.

    python bench/batch.py                        # all three sections (most of an hour)
    python bench/batch.py --section jobs         # files/s and words/s with --jobs 1 and 2
    python bench/batch.py --section split --size-mb 200
    python bench/batch.py --section line --line-mb 50
    python bench/batch.py --section memory       # total PSS of --jobs 4 against one process
    python bench/batch.py --section memory --archive-words 2000000   # … over a long run of distinct text

Every run is the command line (``python -m diacritics_fix.cli … --quiet``),
timed as a whole, start-up included; peak memory is the largest resident
set of the command and its workers, read from the kernel (``wait4``).
Everything is built in a temporary folder; nothing is written into the
repository.  The machine's other work shows in the times: say so.

jobs
    A folder of documents of at least 1,000 words each, built from the
    development corpus (``../shared/corpus/dev``) with every mark stripped,
    short documents joined, restored with ``--jobs 1`` and ``--jobs 2``; the
    two output folders must be byte-identical.
split
    One file of the given size, the stripped development corpus repeated,
    restored with ``--jobs 2`` (split among the workers in 1 MB pieces) and
    ``--jobs 1``; the outputs must be byte-identical.
line
    One line of the given size with no line break (stripped sentences of the
    corpus joined by spaces), restored with ``--jobs 1``: memory must stay
    bounded.
memory
    The folder of *jobs* restored with ``--jobs 1`` and ``--jobs 4``, the
    proportional set size (``Pss`` of ``/proc/PID/smaps_rollup``: shared
    pages counted once, split among their users) of the command and all its
    workers summed every 50 ms: the model's pages are memory-mapped and the
    data loaded before the workers fork, so four workers should cost far less
    than four processes.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import corpus_dir, strip_marks, train_documents  # noqa: E402
from corpus import corpus_dir, strip_marks  # noqa: E402, train_documents

ROOT = Path(__file__).resolve().parents[1]
WORD = re.compile(r"[^\W\d_]+")


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "diacritics_fix.cli", *args, "--quiet"]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def timed(*args: str) -> tuple[float, float, float]:
    """Run the command line; (wall seconds, CPU seconds of it and its workers, peak resident MB
    of the largest of them).  The CPU time does not depend on what else the machine runs: on
    two idle cores, --jobs 2 can at best be 2 × (CPU of --jobs 1) / (CPU of --jobs 2) faster."""
    started = time.perf_counter()
    process = subprocess.Popen(command(*args), env=environment())
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"the command failed: {' '.join(args)}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # kilobytes on Linux


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            return next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
    except OSError:
        return 0  # gone meanwhile


def _family(pid: int) -> list[int]:
    """*pid* and its descendants, from /proc/PID/task/*/children."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in task.read_text().split())
            except OSError:
                pass
    return found


def sampled_pss(*args: str) -> tuple[float, float]:
    """Run the command line; (wall seconds, largest total PSS in MB of it and its workers)."""
    started = time.perf_counter()
    process = subprocess.Popen(command(*args), env=environment())
    peak = 0
    while process.poll() is None:
        peak = max(peak, sum(_pss_kb(pid) for pid in _family(process.pid)))
        time.sleep(0.05)
    if process.returncode != 0:
        sys.exit(f"the command failed: {' '.join(args)}")
    return time.perf_counter() - started, peak / 1024


def bench_memory(work: Path, min_words: int, limit: int | None, archive_words: int = 0) -> None:
    source = work / "memory-input"
    source.mkdir()
    if archive_words:
        texts = archive_documents(archive_words)
        for number, text in enumerate(texts):
            (source / f"doc-{number:05d}.txt").write_text(text, encoding="utf-8")
        documents, words = len(texts), sum(len(WORD.findall(text)) for text in texts)
        print(f"## memory, an archive: {documents} distinct documents of the training corpus, {words:,} words "
              "(stripped); total PSS sampled every 50 ms")
    else:
        documents, words = build_folder(source, min_words, limit)
        print(f"## memory: {documents} documents, {words:,} words (stripped); total PSS sampled every 50 ms")
    print()
    print("| jobs | seconds | peak total PSS (command and workers) | ratio to --jobs 1 |")
    print("|---:|---:|---:|---:|")
    one = None
    for jobs in (1, 4):
        seconds, pss = sampled_pss(str(source), "-o", str(work / f"memory-{jobs}"), "--jobs", str(jobs))
        one = one or pss
        print(f"| {jobs} | {seconds:.1f} | {pss:,.0f} MB | {pss / one:.2f}× |")
    print()


def archive_documents(words: int) -> list[str]:
    """Distinct documents of the training corpus (legal texts, then Wikipedia articles), stripped,
    about *words* words in all: a long run of text no document of which repeats, as an archive is
    (only speed and memory are measured on it; its counts are in the model)."""
    documents: list[str] = []
    total = 0
    for kind, until in (("admin", words // 2), ("general", words)):  # half of each
        for _, _, paragraphs in train_documents(kind):
            text = strip_marks("\n".join(paragraphs)) + "\n"
            documents.append(text)
            total += len(text.split())
            if total >= until:
                break
    return documents


def stripped_documents() -> list[str]:
    if not corpus_dir().is_dir():
        sys.exit(f"no development corpus at {corpus_dir()}")
    documents = []
    for path in sorted(corpus_dir().glob("*.txt")):
        text = strip_marks(path.read_text(encoding="utf-8"))
        documents.append(text if text.endswith("\n") else text + "\n")
    return documents


def build_folder(folder: Path, min_words: int, limit: int | None) -> tuple[int, int]:
    """Write the stripped documents into *folder*; return (documents, words)."""
    documents = words = 0
    pending: list[str] = []
    pending_words = 0
    for text in stripped_documents():
        pending.append(text)
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


def write_repeated(path: Path, pieces: list[str], size_mb: int, separator: str = "") -> tuple[int, int]:
    """Write *pieces* again and again into *path* until it holds *size_mb* MB; (bytes, words)."""
    size = words = 0
    with open(path, "w", encoding="utf-8") as out:
        while size < size_mb << 20:
            for piece in pieces:
                data = piece + separator
                out.write(data)
                size += len(data.encode("utf-8"))
                words += len(WORD.findall(piece))
                if size >= size_mb << 20:
                    break
    return size, words


def bench_jobs(work: Path, min_words: int, limit: int | None) -> None:
    source = work / "stripped"
    source.mkdir()
    documents, words = build_folder(source, min_words, limit)
    print(f"## jobs: {documents} documents of at least {min_words:,} words, {words:,} words in all "
          f"(stripped from {corpus_dir()}); {os.cpu_count()} cores")
    print()
    print("| jobs | seconds | files/s | words/s | speed-up | CPU seconds | peak memory (largest process) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    baseline = None
    for jobs in (1, 2):
        seconds, cpu, peak = timed(str(source), "-o", str(work / f"out-{jobs}"), "--jobs", str(jobs))
        baseline = baseline or seconds
        print(f"| {jobs} | {seconds:.1f} | {documents / seconds:.1f} | {words / seconds:,.0f} | "
              f"{baseline / seconds:.2f}× | {cpu:.1f} | {peak:,.0f} MB |")
    print()
    print(f"outputs of --jobs 1 and --jobs 2 identical: {'yes' if same_tree(work / 'out-1', work / 'out-2') else 'NO'}")
    print()


def bench_split(work: Path, size_mb: int) -> None:
    big = work / "big.txt"
    size, words = write_repeated(big, stripped_documents(), size_mb)
    print(f"## split: one file of {size / 2**20:,.0f} MB ({words:,} words: the stripped development corpus "
          f"repeated); {os.cpu_count()} cores")
    print()
    print("| jobs | seconds | MB/s | words/s | speed-up | CPU seconds | peak memory (largest process) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    runs = {}
    for jobs in (2, 1):
        runs[jobs] = timed(str(big), "-o", str(work / f"big-{jobs}.txt"), "--jobs", str(jobs))
    for jobs in (1, 2):
        seconds, cpu, peak = runs[jobs]
        print(f"| {jobs} | {seconds:,.0f} | {size / 2**20 / seconds:.2f} | {words / seconds:,.0f} | "
              f"{runs[1][0] / seconds:.2f}× | {cpu:,.0f} | {peak:,.0f} MB |")
    identical = filecmp.cmp(work / "big-1.txt", work / "big-2.txt", shallow=False)
    print()
    print(f"outputs of --jobs 1 and --jobs 2 identical: {'yes' if identical else 'NO'}")
    print()


def bench_line(work: Path, line_mb: int) -> None:
    line = work / "line.txt"
    sentences = [" ".join(text.split()) for text in stripped_documents()]
    size, words = write_repeated(line, sentences, line_mb, separator=" ")
    with open(line, "rb") as data:
        breaks = sum(chunk.count(b"\n") for chunk in iter(lambda: data.read(1 << 20), b""))
    print(f"## line: one line of {size / 2**20:,.0f} MB ({words:,} words, {breaks} line breaks)")
    print()
    print("| input | seconds | MB/s | words/s | peak memory |")
    print("|---:|---:|---:|---:|---:|")
    seconds, _, peak = timed(str(line), "-o", str(work / "line.out"))
    print(f"| {size / 2**20:,.0f} MB, one line | {seconds:,.0f} | {size / 2**20 / seconds:.2f} | "
          f"{words / seconds:,.0f} | {peak:,.0f} MB |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--section", choices=("jobs", "split", "line", "memory"), action="append",
                        help="what to measure (repeatable; default: all)")
    parser.add_argument("--min-words", type=int, default=1000, help="jobs: words per document at least")
    parser.add_argument("--documents", type=int, default=None, help="jobs: stop after this many documents")
    parser.add_argument("--size-mb", type=int, default=200, help="split: size of the file")
    parser.add_argument("--line-mb", type=int, default=50, help="line: size of the line")
    parser.add_argument("--archive-words", type=int, default=0,
                        help="memory: measure on this many words of distinct training documents instead")
    args = parser.parse_args()
    sections = args.section or ["jobs", "split", "line", "memory"]
    with tempfile.TemporaryDirectory(prefix="diacritics-fix-bench-") as temporary:
        for section in sections:
            work = Path(temporary) / section
            work.mkdir()
            if section == "jobs":
                bench_jobs(work, args.min_words, args.documents)
            elif section == "split":
                bench_split(work, args.size_mb)
            elif section == "line":
                bench_line(work, args.line_mb)
            else:
                bench_memory(work, args.min_words, args.documents, args.archive_words)


if __name__ == "__main__":
    main()
