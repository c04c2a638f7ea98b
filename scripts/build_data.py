#!/usr/bin/env python3
"""Rebuild the generated files of data/lexicon/ from their registry sources.

Run ``scripts/fetch_sources.py`` first (it downloads and extracts the raw
sources into build/sources/), then::

    python scripts/build_data.py [--sources build/sources] [--out data/lexicon]

Inputs (all named, with their licenses, in data/NOTICE):

* ``viet74k.txt`` — Viet74K headwords (Hồ Ngọc Đức, GNU GPL): which syllables
  exist and which syllable pairs form words;
* ``tess_bigrams.txt`` / ``tess_words.txt`` — Tesseract's Vietnamese word pairs
  and words (Google, Apache-2.0);
* ``lo_text.txt`` — LibreOffice's Vietnamese help as running text (MPL-2.0):
  pair counts for function-word context;
* ``data/phrases/*.txt`` — the project's own hand-written phrase lists.

Outputs: ``syllables.tsv`` (canonical syllable, natural-log probability from
these sources; wordfreq's frequencies are added at run time, never copied),
``pairs.bin`` (every known pair with its evidence; see diacritics_fix.model) and
``words.txt`` (dictionary words of three syllables or more).  Only syllables
that the phonotactic model accepts are kept.  The output is deterministic.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from diacritics_fix.model import (  # noqa: E402
    IN_LONG_WORD,
    IN_PHRASE,
    IN_TESSERACT,
    ABBREVIATION,
    IN_WORD,
    NUMBER,
    PAIR_SHIFT,
    PairEvidence,
    phrase_syllables,
    read_list,
    write_pairs,
)
from diacritics_fix.syllable import canonical, has_marks, is_valid, skeleton  # noqa: E402

# Runs of letters; a run of syllables is broken by anything that is not a space.
_NUMBER = r"\d+(?:[.,/-]\d+)*"
_SENTENCE_PIECE = re.compile(rf"(?:[^\W\d_]+|{_NUMBER})(?:[ \t]+(?:[^\W\d_]+|{_NUMBER}))*")

# Weight of one extra source attestation, relative to wordfreq probabilities,
# for syllables that wordfreq does not list (rare but real syllables).
ATTESTATION_PROBABILITY = 2e-8
# Shares of the unigram mass given to the running texts' own frequencies: the
# project's text is in the domain (administrative Vietnamese), the help text is not.
HELP_UNIGRAM_SHARE = 0.05
OWN_UNIGRAM_SHARE = 0.3


def read_lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


def dictionary_words(sources: Path) -> list[list[str]]:
    """Viet74K entries whose every part is a syllable, as canonical syllable lists."""
    words = []
    for entry in read_lines(sources / "viet74k.txt"):
        syllables = phrase_syllables(entry)
        if syllables:
            words.append(syllables)
    return words


def tesseract_pairs(sources: Path) -> list[tuple[str, str]]:
    """Tesseract's word pairs that are syllable pairs.

    The list was gathered from web text, some of it typed without marks
    (``quan trong`` beside ``quan trọng``).  Of the pairs that share a
    skeleton only those with the most marked syllables are kept, so that a
    stripped pair never vouches for the stripped reading.
    """
    by_skeleton: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for line in read_lines(sources / "tess_bigrams.txt"):
        parts = line.split()
        if len(parts) == 2 and is_valid(parts[0]) and is_valid(parts[1]):
            pair = (canonical(parts[0]), canonical(parts[1]))
            by_skeleton.setdefault((skeleton(pair[0]), skeleton(pair[1])), set()).add(pair)
    pairs = []
    for group in by_skeleton.values():
        most = max(sum(map(has_marks, pair)) for pair in group)
        pairs.extend(sorted(pair for pair in group if sum(map(has_marks, pair)) == most))
    return sorted(pairs)


def syllable_runs(line: str) -> list[list[str]]:
    """Runs of two or more valid syllables with nothing but spaces between them.

    Numbers stand as NUMBER and all-caps abbreviations as ABBREVIATION, so that
    their neighbours are counted too ("năm 2020", "UBND tỉnh").
    """
    runs = []
    for piece in _SENTENCE_PIECE.findall(line):
        run: list[str] = []
        for word in piece.split():
            if word[0].isdigit():
                run.append(NUMBER)
            elif len(word) > 1 and word.isupper() and not is_valid(word):
                run.append(ABBREVIATION)
            elif is_valid(word):
                run.append(canonical(word))
            else:
                if len(run) > 1:
                    runs.append(run)
                run = []
        if len(run) > 1:
            runs.append(run)
    return runs


def help_text_runs(sources: Path) -> list[list[str]]:
    """Runs of valid syllables in the LibreOffice help text."""
    return [run for line in read_lines(sources / "lo_text.txt") for run in syllable_runs(line)]


def hand_phrases(phrase_dir: Path) -> list[list[str]]:
    phrases = []
    for path in sorted(phrase_dir.glob("*.txt")):
        for entry in read_list(path):
            syllables = phrase_syllables(entry)
            if syllables and len(syllables) > 1:
                phrases.append(syllables)
    return phrases


def own_text_runs(text_dir: Path) -> list[list[str]]:
    """Runs of valid syllables in the project's own running text (data/text/)."""
    runs = []
    for path in sorted(text_dir.glob("*.txt")):
        for line in read_list(path):
            runs.extend(syllable_runs(line))
    return runs


# Word sequences of the project's own text seen this often become phrases:
# the decoder's only view beyond a pair ("theo quy định của", "trên địa bàn tỉnh").
NGRAM_MIN_COUNT = 3
NGRAM_SIZES = (3, 4)


def frequent_ngrams(runs: list[list[str]]) -> list[tuple[str, ...]]:
    """Sequences of 3 and 4 syllables (no number, no abbreviation) seen NGRAM_MIN_COUNT times or more."""
    counts: Counter = Counter()
    for run in runs:
        for size in NGRAM_SIZES:
            for i in range(len(run) - size + 1):
                gram = tuple(run[i:i + size])
                if NUMBER not in gram and ABBREVIATION not in gram:
                    counts[gram] += 1
    return sorted(gram for gram, count in counts.items() if count >= NGRAM_MIN_COUNT)


def attestation_logp(attested: Counter, help_counts: Counter, own_counts: Counter) -> dict[str, float]:
    """Natural-log probability of each syllable from our sources alone.

    wordfreq's frequencies are added at run time (diacritics_fix.model), not
    copied here; the running texts shift the mass towards the domain, and the
    attestation counts keep rare but real syllables apart.
    """
    help_total = sum(help_counts.values()) or 1
    own_total = sum(own_counts.values()) or 1
    result = {}
    for syllable in attested:
        p = HELP_UNIGRAM_SHARE * help_counts[syllable] / help_total
        p += OWN_UNIGRAM_SHARE * own_counts[syllable] / own_total
        p += ATTESTATION_PROBABILITY * attested[syllable]
        result[syllable] = math.log(p)
    return result


def build(sources: Path, phrase_dir: Path, text_dir: Path, out: Path) -> None:
    words = dictionary_words(sources)
    tess_pairs = tesseract_pairs(sources)
    help_runs = help_text_runs(sources)
    own_runs = own_text_runs(text_dir)
    phrases = hand_phrases(phrase_dir)

    attested: Counter = Counter()
    for group in (words, help_runs, own_runs, phrases):
        for syllables in group:
            attested.update(syllables)
    for first, second in tess_pairs:
        attested.update((first, second))
    for word in read_lines(sources / "tess_words.txt"):
        if is_valid(word):
            attested[canonical(word)] += 1
    logp = attestation_logp(
        attested, Counter(s for run in help_runs for s in run), Counter(s for run in own_runs for s in run)
    )
    syllables = sorted(logp, key=lambda s: (-logp[s], s))
    id_of = {s: i for i, s in enumerate(syllables)}
    if len(syllables) >= (1 << PAIR_SHIFT) - 1:  # the last id is KEEP
        raise SystemExit("too many syllables for the pair key")

    def key(a: str, b: str) -> int:
        return id_of[a] << PAIR_SHIFT | id_of[b]

    masks: Counter = Counter()
    for syls in words:
        for a, b in zip(syls, syls[1:]):
            masks[key(a, b)] |= IN_WORD if len(syls) == 2 else IN_LONG_WORD
    for syls in phrases:
        for a, b in zip(syls, syls[1:]):
            masks[key(a, b)] |= IN_PHRASE
    for a, b in tess_pairs:
        masks[key(a, b)] |= IN_TESSERACT
    help_counts = Counter(key(a, b) for run in help_runs for a, b in zip(run, run[1:]))
    own_counts = Counter(key(a, b) for run in own_runs for a, b in zip(run, run[1:]))

    keys = sorted(set(masks) | set(help_counts) | set(own_counts))
    evidence = [PairEvidence(masks[k], help_counts[k], own_counts[k]) for k in keys]

    out.mkdir(parents=True, exist_ok=True)
    with open(out / "syllables.tsv", "w", encoding="utf-8", newline="\n") as handle:
        for syllable in syllables:
            handle.write(f"{syllable}\t{logp[syllable]:.4f}\n")
    write_pairs(out / "pairs.bin", keys, evidence)
    phrase_lines = sorted(
        {" ".join(w) for w in words if len(w) >= 3}
        | {" ".join(p) for p in phrases}
        | {" ".join(g) for g in frequent_ngrams(own_runs)}
    )
    with open(out / "phrases.txt", "w", encoding="utf-8", newline="\n") as handle:
        handle.write("# Generated by scripts/build_data.py; do not edit. Canonical spelling, one phrase a line:\n")
        handle.write("# Viet74K words of three syllables or more (GNU GPL) and data/phrases/*.txt (GPL-3.0-or-later).\n")
        for line in phrase_lines:
            handle.write(line + "\n")
    old_words = out / "words.txt"
    if old_words.exists():
        old_words.unlink()
    print(
        f"{len(syllables)} syllables, {len(keys)} pairs "
        f"({sum(1 for k in keys if masks[k] & IN_WORD)} in words, "
        f"{sum(1 for k in keys if masks[k] & IN_TESSERACT)} Tesseract, "
        f"{sum(1 for k in keys if masks[k] & IN_PHRASE)} phrases, "
        f"{len(help_counts)} in help text, {len(own_counts)} in own text "
        f"of {sum(map(len, own_runs))} syllables), {len(phrase_lines)} phrases"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, default=ROOT / "build" / "sources")
    parser.add_argument("--phrases", type=Path, default=ROOT / "data" / "phrases")
    parser.add_argument("--text", type=Path, default=ROOT / "data" / "text")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "lexicon")
    args = parser.parse_args()
    missing = [name for name in ("viet74k.txt", "tess_bigrams.txt", "tess_words.txt", "lo_text.txt")
               if not (args.sources / name).exists()]
    if missing:
        raise SystemExit(f"{args.sources}: missing {', '.join(missing)}; run scripts/fetch_sources.py first")
    build(args.sources, args.phrases, args.text, args.out)


if __name__ == "__main__":
    main()
