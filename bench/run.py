#!/usr/bin/env python3
"""The benchmark: prints a table of accuracy, speed and memory.

    python bench/run.py [--split held-out] [--limit N] [--systems diacritics-fix,unigram,pyvi]

Needs the development corpus (``../shared/corpus/dev`` beside the project root,
or ``$DIACRITICS_FIX_CORPUS``).  Every figure comes from the *held-out* split
(every fifth document), which nothing was tuned on.  Rows:

* **stripped word accuracy** — the documents with every mark removed, restored,
  compared with the originals: words lowercased, tone placement folded,
  aligned over whole documents (Levenshtein), share of truth words matched;
* **correct text unchanged** — the original documents restored as they are:
  share of words the restorer leaves exactly as written;
* **English unchanged** — the same for English prose (the licence texts
  every Debian system ships in /usr/share/common-licenses);
* **mixed accuracy** — word accuracy on bilingual documents (bench/mixed.py):
  stripped Vietnamese paragraphs interleaved with English ones, and stripped
  Vietnamese sentences with English terms in parentheses;
* **words/s** — whitespace words of stripped input per second of restoring,
  one process on one core, data already loaded (``Restorer.warm()``);
* **peak memory** — maximum resident set of the process (MB);
* **start-up** — wall time of the command line on a one-line input, median of 5
  (diacritics-fix only: it is the time a user waits for the first output).

Each system runs in its own process (so memory is its own), one after the
other.  ``unigram`` is the trivial baseline: the most frequent syllable of each
skeleton, with the same unigram table.  ``pyvi`` is measured when installed.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import corpus_dir, doctype, documents, everyday_documents, matched_words, strip_marks  # noqa: E402
from mixed import ENGLISH_DIR, inline, interleaved  # noqa: E402

SYSTEMS = ("diacritics-fix", "unigram", "pyvi")


def make_system(name: str):
    """A function text → restored text, for each system benchmarked."""
    if name == "diacritics-fix":
        from diacritics_fix import Restorer

        # all the data loaded before timing, the English frequencies and the OCR index included
        # (otherwise the first text that needs them loads them: timed apart, as "first use")
        return Restorer().warm().restore
    if name == "unigram":
        import regex

        from diacritics_fix.model import load_model
        from diacritics_fix.restorer import apply_case

        model = load_model()
        best = {skel: model.syllables[ids[0]] for skel, ids in model.by_skeleton.items()}

        def most_frequent(text: str) -> str:
            def one(match):
                word = match.group()
                reading = best.get(word.lower())
                return apply_case(word, reading) if reading and reading != "0" else word

            return regex.sub(r"\p{L}+", one, text)

        return most_frequent
    if name == "pyvi":
        from pyvi import ViUtils  # type: ignore

        def pyvi_lines(text: str) -> str:
            # pyvi raises on some characters (KeyError in its mapping): such a line is left as it was.
            lines = []
            for line in text.split("\n"):
                try:
                    lines.append(ViUtils.add_accents(line) if line.strip() else line)
                except Exception:
                    lines.append(line)
            return "\n".join(lines)

        return pyvi_lines
    raise ValueError(name)


def unchanged_words(original: str, output: str) -> tuple[int, int]:
    """(words of *original* left exactly as written, words) under a whole-document alignment."""
    from rapidfuzz.distance import Levenshtein

    ref, hyp = original.split(), output.split()
    bad = sum(1 for op in Levenshtein.editops(ref, hyp) if op.tag in ("replace", "delete"))
    return len(ref) - bad, len(ref)


def measure(name: str, split: str, limit: int | None) -> dict:
    """Run one system over the split in this process and return its figures."""
    paths = documents(split)[:limit] if limit else documents(split)
    truths = [p.read_text(encoding="utf-8") for p in paths]
    stripped = [strip_marks(t) for t in truths]
    system = make_system(name)
    system("khoi dong")  # load data before timing
    started, cpu = time.perf_counter(), time.process_time()
    outputs = [system(s) for s in stripped]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    good, total = accuracy(truths, outputs)
    by_type: dict[str, list[int]] = {}
    for path, truth, output in zip(paths, truths, outputs):
        g, n = matched_words(truth, output)
        entry = by_type.setdefault(doctype(path.name), [0, 0, 0])
        entry[0] += g
        entry[1] += n
        entry[2] += 1
    # Correct text and English, each by a fresh system (first pass: none of the caches warm).
    corrected, correct_cpu = first_pass(name, truths)
    kept, seen = unchanged(truths, corrected)
    english = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(ENGLISH_DIR.glob("*")) if p.is_file()]
    english_out, english_cpu = first_pass(name, english)
    english_kept, english_seen = unchanged(english, english_out)
    mixed = interleaved(truths) + inline(truths)
    mixed_good, mixed_total = accuracy([t for t, _ in mixed], [system(i) for _, i in mixed])
    everyday = [_without_comments(p.read_text(encoding="utf-8")) for p in everyday_documents("held-out")]
    everyday_good, everyday_total = accuracy(everyday, [system(strip_marks(t)) for t in everyday])
    words = sum(len(s.split()) for s in stripped)
    return {
        "system": name,
        "documents": len(paths),
        "words": words,
        "accuracy": good / total,
        "by_type": {kind: (g / n, docs, n) for kind, (g, n, docs) in sorted(by_type.items())},
        "unchanged": kept / seen,
        "english_unchanged": english_kept / max(1, english_seen),
        "mixed_accuracy": mixed_good / mixed_total,
        "everyday_accuracy": everyday_good / max(1, everyday_total),
        "everyday_words": everyday_total,
        "words_per_second": words / elapsed,
        "words_per_cpu_second": words / cpu,
        "correct_words_per_cpu_second": sum(len(t.split()) for t in truths) / correct_cpu,
        "english_words_per_cpu_second": sum(len(t.split()) for t in english) / max(english_cpu, 1e-9),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def first_pass(name: str, texts: list[str]) -> tuple[list[str], float]:
    """*texts* run through a fresh system (its data loaded, no cache warm); the outputs and CPU seconds."""
    system = make_system(name)
    system("khởi động")
    clock = time.process_time()
    outputs = [system(text) for text in texts]
    return outputs, time.process_time() - clock


def _without_comments(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.startswith("#"))


def accuracy(truths: list[str], outputs: list[str]) -> tuple[int, int]:
    good = total = 0
    for truth, output in zip(truths, outputs):
        g, n = matched_words(truth, output)
        good += g
        total += n
    return good, total


def unchanged(originals: list[str], outputs: list[str]) -> tuple[int, int]:
    kept = seen = 0
    for original, output in zip(originals, outputs):
        k, n = unchanged_words(original, output)
        kept += k
        seen += n
    return kept, seen


# A one-line English input: the command line then loads wordfreq's English frequencies too.
ENGLISH_LINE = "The licensee may copy and distribute the Program, Cac dang bo truc thuoc Thanh uy.\n"


def startup_seconds(runs: int = 5, line: str = "Cac dang bo truc thuoc Thanh uy\n") -> float:
    """Median wall time of the CLI restoring one line, from process start to exit."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "diacritics_fix.cli"],
            input=line.encode(),
            capture_output=True,
            check=True,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="held-out", choices=("held-out", "tune"))
    parser.add_argument("--limit", type=int, help="only the first N documents of the split")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--section", default="all", choices=("all", "text", "ocr", "sources", "resources"),
                        help="text: stripped, correct, English and mixed text; ocr: the OCR pairs")
    parser.add_argument("--pairs", default="all", choices=("all", "shared", "made"),
                        help="OCR pairs measured: ../shared/ocr, build/ocr-pairs (scripts/make_ocr_pairs.py), or both")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one system, print JSON
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)  # internal: see resources_table
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.split, args.limit)))
        return
    if args.memory:
        print(json.dumps(peak_memory()))
        return
    if args.section in ("all", "text"):
        text_table(args)
    if args.section in ("all", "sources"):
        # a process of its own: it reads the bench build, not the shipped model
        print()
        subprocess.run([sys.executable, str(HERE / "sources.py")], check=False)
    if args.section in ("all", "ocr"):
        ocr_table(args.pairs)
    if args.section in ("all", "resources"):
        resources_table()


def peak_memory() -> dict:
    """In this process: restore the stripped held-out split and the held-out scan-level OCR pairs."""
    from ocr import pairs

    from diacritics_fix import Restorer

    restorer = Restorer()
    words = 0
    for path in documents("held-out"):
        text = strip_marks(path.read_text(encoding="utf-8"))
        restorer.restore(text)
        words += len(text.split())
    for _, ocr, _ in pairs("dev-scan"):
        restorer.restore(ocr)
        words += len(ocr.split())
    return {"words": words, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def resources_table() -> None:
    """Start-up, peak memory, and the size of the wheel a user installs."""
    import glob
    import tempfile

    startup = startup_seconds()
    done = subprocess.run([sys.executable, __file__, "--memory"], capture_output=True, text=True)
    memory = json.loads(done.stdout) if done.returncode == 0 else None
    with tempfile.TemporaryDirectory() as folder:
        built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", folder, str(HERE.parent)],
                               capture_output=True, text=True)
        wheels = glob.glob(f"{folder}/*.whl")
        wheel = Path(wheels[0]).stat().st_size / 1e6 if built.returncode == 0 and wheels else None
    print()
    print("| start-up (one line, process start to exit, median of 5) | peak memory (stripped held-out + scan OCR held-out) | wheel |")
    print("|---|---|---|")
    peak = f"{memory['peak_mb']:.0f} MB ({memory['words']:,} words)" if memory else "not measured"
    size = f"{wheel:.1f} MB" if wheel else "not built (pip install build)"
    print(f"| {startup:.2f} s | {peak} | {size} |")


def ocr_table(source: str = "all") -> None:
    """The OCR repair table (bench/ocr.py), one row per system and level."""
    from ocr import CAUSES, LEVELS, OCR_DIR, measure_level

    from diacritics_fix import Options, Restorer
    from diacritics_fix import tokens as tk

    if not OCR_DIR.is_dir():
        print(f"no OCR pairs at {OCR_DIR}: OCR table skipped", file=sys.stderr)
        return
    restorer = Restorer()
    systems = {
        "diacritics-fix": restorer.restore,
        "stripped-text restorer": Restorer(Options(mode="stripped")).restore,
        "unigram": make_system("unigram"),
    }
    def readings(token: str) -> set[str]:
        """The syllables the channel reads an OCR token as (one-syllable readings)."""
        model = restorer.model
        words = [t.text for t in tk.tokenize(token) if t.kind in (tk.WORD, tk.MIXED)]
        if not words:
            return set()
        slot = restorer._slots.ocr(words[0])
        return {model.syllables[c.syllable] for c in slot.candidates
                if not c.tail and model.first_syllable <= c.syllable < len(model.syllables)}

    print()
    print("| level | system | word accuracy | CER | WER | numbers kept | words/s (1 core) |")
    print("|---|---|---|---|---|---|---|")
    misses = []
    for level in LEVELS:
        for row in measure_level(level, systems, source, readings):
            if "causes" in row:
                misses.append((level, row["causes"]))
            accuracy, cer, wer = row["scores"]
            kept, seen = row.get("numbers", (0, 0))
            numbers = f"{kept / seen:.2%} of {seen}" if seen else "–"
            speed = f"{row['words_per_second']:,.0f}" if "words_per_second" in row else "–"
            print(f"| {level.removeprefix('dev-')} ({row['documents']} docs) | {row['system']} | {accuracy:.2%} "
                  f"| {cer:.2%} | {wer:.2%} | {numbers} | {speed} |")
    print()
    print("Misses of diacritics-fix by cause (share of all misses; words with letters, line by line):")
    print()
    print("| level | words | missed | " + " | ".join(CAUSES) + " |")
    print("|---|---|---|" + "---|" * len(CAUSES))
    for level, causes in misses:
        missed = sum(causes[c] for c in CAUSES)
        shares = " | ".join(f"{causes[c] / max(1, missed):.0%} ({causes[c]:,})" for c in CAUSES)
        print(f"| {level.removeprefix('dev-')} | {causes['words']:,} | {missed:,} | {shares} |")


def text_table(args) -> None:
    """The text table: each system measured in a process of its own."""
    if not corpus_dir().is_dir():
        print(f"no development corpus at {corpus_dir()} (set DIACRITICS_FIX_CORPUS): text table skipped",
              file=sys.stderr)
        return
    rows = []
    for name in args.systems.split(","):
        command = [sys.executable, __file__, "--one", name, "--split", args.split]
        if args.limit:
            command += ["--limit", str(args.limit)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
            print(f"{name}: not measured ({reason})", file=sys.stderr)
            continue
        rows.append(json.loads(done.stdout))
    startup = startup_seconds()
    print(f"split: {args.split}, {rows[0]['documents'] if rows else 0} documents, "
          f"{rows[0]['words'] if rows else 0} words (corpus: {corpus_dir()})")
    print()
    print("| system | stripped word accuracy | correct Vietnamese unchanged | English unchanged "
          "| mixed documents accuracy | everyday held-out accuracy | words/s (1 core) | peak memory | start-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        start = f"{startup:.2f} s" if row["system"] == "diacritics-fix" else "–"
        print(f"| {row['system']} | {row['accuracy']:.2%} | {row['unchanged']:.3%} | {row['english_unchanged']:.3%} "
              f"| {row['mixed_accuracy']:.2%} | {row['everyday_accuracy']:.2%} | {row['words_per_second']:,.0f} "
              f"(CPU: {row['words_per_cpu_second']:,.0f}) | {row['peak_mb']:.0f} MB | {start} |")
    if rows:
        print()
        print("Left alone, first pass (CPU words/s, one core): "
              + "; ".join(f"{row['system']}: correct Vietnamese {row['correct_words_per_cpu_second']:,.0f}, "
                          f"English {row['english_words_per_cpu_second']:,.0f}" for row in rows))
        print()
        print(f"Start-up with a line of English (wordfreq's English frequencies loaded on first use): "
              f"{startup_seconds(line=ENGLISH_LINE):.2f} s")
        print()
        print("Stripped word accuracy by document type (held-out split):")
        print()
        print("| document type | " + " | ".join(row["system"] for row in rows) + " | documents | words |")
        print("|---|" + "---|" * len(rows) + "---|---|")
        for kind, (_, docs, words) in rows[0]["by_type"].items():
            cells = " | ".join(f"{row['by_type'][kind][0]:.2%}" for row in rows)
            print(f"| {kind} | {cells} | {docs} | {words:,} |")
        print(f"\neveryday held-out set: {rows[0]['everyday_words']:,} words (bench/everyday)")


if __name__ == "__main__":
    main()
