#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rebuild the generated files of data/lexicon/: the vocabulary, the trigram model, list evidence, phrases.

    python scripts/fetch_sources.py        # the word lists, into build/sources/
    python scripts/build_data.py --train ../shared/corpus/train --dev ../shared/corpus/dev

Inputs (all credited, with their licenses, in data/NOTICE):

* ``--train FOLDER`` — the training corpus: shards ``train-admin-*.txt`` (legal
  and administrative documents, public domain under Art. 15 of the Law on
  Intellectual Property) and ``train-general-*.txt`` (Vietnamese Wikipedia
  prose, CC BY-SA 4.0), one paragraph a line, ``@@@@ DOCID`` before each
  document, ``manifest.tsv`` giving each document's source and type;
* ``--dev FOLDER`` — the development corpus: only its *tune* split is
  counted (bench/corpus.py; the held-out split never is);
* ``data/text/`` — the project's own running text (written for it): administrative
  letters, reports and regulations, and in ``data/text/everyday/`` letters,
  messages, talk, stories and petitions;
* ``build/sources/`` — ``viet74k.txt``, ``tess_bigrams.txt``,
  ``tess_words.txt`` (fetched by ``scripts/fetch_sources.py``): which
  syllables exist, which pairs form words;
* ``data/phrases/*.txt`` — the project's hand-written phrase lists.

The text is counted in parts — administrative (the corpus's legal documents
and the dev tune split), general (Wikipedia), own (the project's
administrative text) and everyday (the project's everyday text) — each part is
made into an interpolated modified Kneser-Ney trigram model (trigrams seen
once pruned; see diacritics_fix/ngrams.py); wordfreq's Vietnamese word
frequencies are one more part, a unigram model; and the parts are mixed with
the weights of ``MIXTURES``, one mixture per domain (tuned on the tune sets, see bench/tune.py), so that
none drowns the others.  Only n-gram statistics are written, never text.

Outputs in ``--out`` (default data/lexicon): ``vocabulary.txt``, the model's
``*.npy`` tables (memory-mapped at run time), ``pairs_keys.npy`` /
``pairs_lists.npy`` (list evidence), ``manifest.json`` (sources, exclusions,
counts, discounts, mixtures).  The output is deterministic.

A model for measuring how the tool does on documents of a kind it has never
seen leaves documents out: ``--exclude-source tnt305 --exclude-type "Quyết
định"`` drops every document whose source repository contains one of the
given ``--exclude-source`` strings *and* whose type is one of the
``--exclude-type`` values (a filter not given matches every document);
``--exclude-docs FILE`` drops the document ids listed in FILE.  The shipped
model is built from everything.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from diacritics_fix import ngrams  # noqa: E402
from diacritics_fix.model import (  # noqa: E402
    IN_LONG_WORD, IN_PHRASE, IN_TESSERACT, IN_WORD, MODEL_FORMAT, MODEL_VERSION, SHIFT, phrase_syllables, read_list,
)
from diacritics_fix.symbols import CLASSES  # noqa: E402
from diacritics_fix.syllable import canonical, has_marks, is_valid, skeleton  # noqa: E402

#: The domains of the shipped model, each a mixture of the same parts with its own weights
#: (tuned on that domain's tune set with bench/tune.py --domain NAME); the first is the default.
#: The restorer reads each passage with the domain that explains it best (see paragraphs.py).
MIXTURES = {
    "admin": {"admin": 0.828, "general": 0.0282, "own": 0.1001, "everyday": 0.0375, "wordfreq": 0.0062},
    "general": {"admin": 0.0271, "general": 0.9375, "own": 0.0091, "everyday": 0.0203, "wordfreq": 0.006},
    "everyday": {"admin": 0.014, "general": 0.1404, "own": 0.0139, "everyday": 0.8246, "wordfreq": 0.007},
}
#: Trigrams seen fewer times than this are pruned (their mass goes to the backoff weights).
MIN_TRIGRAM = 2
COUNT_CACHE = ROOT / "build" / "counts"


# -- the corpora -------------------------------------------------------------------


class Exclusions:
    """Which training documents to leave out (see the module docstring)."""

    def __init__(self, sources: list[str], types: list[str], documents: set[str]) -> None:
        self.sources, self.types, self.documents = sources, types, documents

    def excludes(self, docid: str, row: dict[str, str] | None) -> bool:
        if docid in self.documents:
            return True
        if not (self.sources or self.types) or row is None:
            return False
        source_match = not self.sources or any(s in row["source_repo"] for s in self.sources)
        type_match = not self.types or row["type"] in self.types
        return source_match and type_match

    def describe(self) -> dict:
        return {"sources": self.sources, "types": self.types, "documents": len(self.documents)}


def train_documents(train: Path, pattern: str, exclusions: Exclusions) -> Iterator[tuple[str, list[str]]]:
    """(docid, paragraphs) of the training shards matching *pattern*, minus the excluded documents."""
    with open(train / "manifest.tsv", encoding="utf-8", newline="") as handle:
        manifest = {row["docid"]: row for row in csv.DictReader(handle, delimiter="\t")}
    for shard in sorted(train.glob(pattern)):
        docid, lines = None, []
        with open(shard, encoding="utf-8") as handle:
            for line in handle:
                line = line.rstrip("\n")
                if line.startswith("@@@@ "):
                    if docid and not exclusions.excludes(docid, manifest.get(docid)):
                        yield docid, lines
                    docid, lines = line[5:].strip(), []
                elif line.strip():
                    lines.append(line)
        if docid and not exclusions.excludes(docid, manifest.get(docid)):
            yield docid, lines


def dev_tune_documents(dev: Path) -> Iterator[tuple[str, list[str]]]:
    """(file name, paragraphs) of the dev corpus's tune split (never the held-out one)."""
    import os

    os.environ.setdefault("DIACRITICS_FIX_CORPUS", str(dev))
    from corpus import is_held_out

    for path in sorted(dev.glob("*.txt")):
        if not is_held_out(path.name):
            yield path.name, [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def own_documents(paths: list[Path]) -> Iterator[tuple[str, list[str]]]:
    """(file name, paragraphs) of the project's own text (``#`` lines are comments)."""
    for path in paths:
        yield path.name, read_list(path)


def count(documents: Iterable[tuple[str, list[str]]]) -> tuple[ngrams.NgramCounts, int]:
    counts = ngrams.Counts()
    n = 0
    for _, paragraphs in documents:
        n += 1
        for paragraph in paragraphs:
            counts.add(ngrams.paragraph_symbols(paragraph))
    return counts.ngrams(), n


def cached_count(name: str, key: str, documents: Iterable[tuple[str, list[str]]]) -> tuple[ngrams.NgramCounts, int]:
    """Counts of a part, kept in build/counts/ under a key of its inputs (rebuilding is then quick)."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    folder = COUNT_CACHE / f"{name}-{digest}"
    if (folder / "done").exists():
        return ngrams.read_counts(folder), int((folder / "done").read_text())
    counts, n = count(documents)
    ngrams.write_counts(counts, folder)
    (folder / "done").write_text(str(n))
    return counts, n


def inputs_key(paths: Iterable[Path], *extra: object) -> str:
    """What a part's counts depend on: its files (name, size, time) and the counting code."""
    code = [ROOT / "src" / "diacritics_fix" / name for name in ("ngrams.py", "symbols.py", "tokens.py", "syllable.py")]
    parts = [f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sorted(paths) + code]
    return "|".join(parts + [repr(e) for e in extra])


# -- word lists ----------------------------------------------------------------------


def read_lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


def dictionary_words(sources: Path) -> list[list[str]]:
    """Viet74K entries whose every part is a syllable, as canonical syllable lists."""
    return [s for s in (phrase_syllables(entry) for entry in read_lines(sources / "viet74k.txt")) if s]


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


def hand_phrases(phrase_dir: Path) -> list[list[str]]:
    phrases = []
    for path in sorted(phrase_dir.glob("*.txt")):
        for entry in read_list(path):
            syllables = phrase_syllables(entry)
            if syllables and len(syllables) > 1:
                phrases.append(syllables)
    return phrases


# -- the build -----------------------------------------------------------------------


def vocabulary_of(parts: dict[str, ngrams.NgramCounts], listed: Counter) -> list[str]:
    """The classes, then every syllable counted or listed, most frequent first (ties by spelling)."""
    frequency: Counter = Counter()
    for part in parts.values():
        for symbol, n in zip(part.symbols, part.unigrams.tolist()):
            frequency[symbol] += n
    syllables = {s for s in frequency if s not in CLASSES and is_valid(s)} | {s for s in listed if is_valid(s)}
    ordered = sorted(syllables, key=lambda s: (-frequency[s], -listed[s], s))
    if len(CLASSES) + len(ordered) >= ngrams.MAX_VOCABULARY:
        raise SystemExit("too many syllables for 16-bit ids")
    return [*CLASSES, *ordered]


def list_pairs(vocabulary: list[str], words, tess, phrases) -> tuple[np.ndarray, np.ndarray]:
    id_of = {s: i for i, s in enumerate(vocabulary)}
    masks: Counter = Counter()

    def mark(a: str, b: str, bit: int) -> None:
        masks[id_of[a] << SHIFT | id_of[b]] |= bit

    for syllables in words:
        for a, b in zip(syllables, syllables[1:]):
            mark(a, b, IN_WORD if len(syllables) == 2 else IN_LONG_WORD)
    for syllables in phrases:
        for a, b in zip(syllables, syllables[1:]):
            mark(a, b, IN_PHRASE)
    for a, b in tess:
        mark(a, b, IN_TESSERACT)
    keys = sorted(masks)
    return np.array(keys, dtype=np.uint32), np.array([masks[k] for k in keys], dtype=np.uint8)


def count_parts(args: argparse.Namespace) -> tuple[dict[str, ngrams.NgramCounts], dict[str, int], Exclusions]:
    """The counts of each part (admin, general, own), and how many documents each has."""
    exclusions = Exclusions(args.exclude_source, args.exclude_type,
                            set(read_list(args.exclude_docs)) if args.exclude_docs else set())
    parts: dict[str, ngrams.NgramCounts] = {}
    documents: dict[str, int] = {}
    train_key = exclusions.describe() | {"docs": sorted(exclusions.documents)}
    if args.train:
        for name, pattern in (("admin", "train-admin-*.txt"), ("general", "train-general-*.txt")):
            key = inputs_key([*args.train.glob(pattern), args.train / "manifest.tsv"], train_key)
            parts[name], documents[name] = cached_count(name, key, train_documents(args.train, pattern, exclusions))
    if args.dev:
        dev_counts, documents["dev-tune"] = cached_count(
            "dev-tune", inputs_key([*args.dev.glob("*.txt"), ROOT / "bench" / "corpus.py"]),
            dev_tune_documents(args.dev))
        parts["admin"] = ngrams.pool([parts["admin"], dev_counts], _union(parts["admin"], dev_counts)) \
            if "admin" in parts else dev_counts
    own_files = sorted(args.text.glob("*.txt"))
    parts["own"], documents["own"] = cached_count("own", inputs_key(own_files), own_documents(own_files))
    everyday_files = sorted((args.text / "everyday").glob("*.txt"))
    if args.exclude_everyday:
        everyday_files = [path for path in everyday_files if path.name[:1] not in args.exclude_everyday]
    if everyday_files:
        parts["everyday"], documents["everyday"] = cached_count(
            "everyday", inputs_key(everyday_files), own_documents(everyday_files))
    return parts, documents, exclusions


class Lists:
    """The word lists: dictionary words, Tesseract's pairs, hand-written phrases, and every syllable they name."""

    def __init__(self, sources: Path, phrase_dir: Path) -> None:
        self.words = dictionary_words(sources)
        self.tess = tesseract_pairs(sources)
        self.phrases = hand_phrases(phrase_dir)
        self.syllables: Counter = Counter()
        for group in (self.words, self.phrases):
            for syllables in group:
                self.syllables.update(syllables)
        for pair in self.tess:
            self.syllables.update(pair)
        for word in read_lines(sources / "tess_words.txt"):
            if is_valid(word):
                self.syllables[canonical(word)] += 1


def part_models(parts: dict[str, ngrams.NgramCounts], vocabulary: list[str]) -> dict[str, ngrams.BackoffModel]:
    """A Kneser-Ney model of each part, and wordfreq's Vietnamese frequencies as one more (unigram) part."""
    models = {name: ngrams.estimate(counts, min_trigram=MIN_TRIGRAM, vocabulary=vocabulary)
              for name, counts in parts.items()}
    models["wordfreq"] = wordfreq_model(vocabulary, models["admin"] if "admin" in models else next(iter(models.values())))
    return models


def wordfreq_model(vocabulary: list[str], reference: ngrams.BackoffModel) -> ngrams.BackoffModel:
    """wordfreq's Vietnamese word frequencies (subtitles, web, social media: everyday language)
    as a unigram model over the vocabulary.

    Syllables get their share of wordfreq's mass (both tone placements pooled);
    the context classes (punctuation, numbers …), which wordfreq does not
    count, get what the *reference* model gives them.
    """
    from wordfreq import get_frequency_dict

    frequency: Counter = Counter()
    for word, value in get_frequency_dict("vi").items():
        if is_valid(word):
            frequency[canonical(word)] += value
    p = np.zeros(len(vocabulary))
    classes = len(CLASSES)
    reference_p = np.exp(reference.unigram_logp.astype(float))
    class_mass = reference_p[:classes].sum()
    syllable_p = np.array([frequency.get(s, 0.0) for s in vocabulary[classes:]])
    syllable_p += 1e-9  # a syllable wordfreq lacks keeps a trace of probability
    p[classes:] = (1.0 - class_mass) * syllable_p / syllable_p.sum()
    p[:classes] = reference_p[:classes]
    p[vocabulary.index("<s>")] = 0.0
    with np.errstate(divide="ignore"):
        logp = np.where(p > 0, np.log(np.maximum(p, 1e-300)), -99.0)
    empty = np.zeros(0)
    return ngrams.BackoffModel(
        symbols=list(vocabulary), unigram_logp=logp.astype(np.float32),
        unigram_backoff=np.zeros(len(vocabulary), dtype=np.float32),
        bigram_keys=np.zeros(0, dtype=np.uint32), bigram_logp=empty.astype(np.float32),
        bigram_backoff=empty.astype(np.float32), trigram_keys=np.zeros(0, dtype=np.uint64),
        trigram_logp=empty.astype(np.float32), discounts={},
    )


def write_model(out: Path, vocabulary: list[str], models: dict[str, ngrams.BackoffModel],
                mixtures: dict[str, dict[str, float]], lists: Lists) -> dict[str, ngrams.BackoffModel]:
    """Mix the parts' models for each domain and write every generated file of the model folder but its manifest.

    Every part gets some weight in every domain, so that the domains share their n-grams (the union of the parts').
    """
    mixed = {}
    for domain, mixture in mixtures.items():
        weights = [max(mixture.get(name, 0.0), 1e-3) for name in models]
        mixed[domain] = ngrams.mix(list(models.values()), weights)
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("syllables.tsv", "pairs.bin", "words.txt", "phrases.txt", *(f"{t}.npy" for t in ngrams.VALUE_TABLES)):
        (out / stale).unlink(missing_ok=True)
    ngrams.save(mixed, out)
    pair_keys, pair_lists = list_pairs(vocabulary, lists.words, lists.tess, lists.phrases)
    np.save(out / "pairs_keys.npy", pair_keys)
    np.save(out / "pairs_lists.npy", pair_lists)
    return mixed


def write_manifest(out: Path, parts, documents, exclusions, models, mixtures, mixed, vocabulary) -> None:
    first = next(iter(mixed.values()))
    manifest = {
        "format": MODEL_FORMAT,
        "format_version": MODEL_VERSION,
        "domains": list(mixed),
        "mixtures": {domain: {name: round(weight, 4) for name, weight in mixture.items()}
                     for domain, mixture in mixtures.items()},
        "parts": {
            name: {
                "documents": documents.get(name, 0) + (documents.get("dev-tune", 0) if name == "admin" else 0),
                "symbols": int(parts[name].unigrams.sum()) if name in parts else None,
                "discounts": {order: [round(d, 4) for d in values] for order, values in models[name].discounts.items()},
            }
            for name in models
        },
        "dev_tune_documents": documents.get("dev-tune", 0),
        "excluded": exclusions.describe(),
        "min_trigram_count": MIN_TRIGRAM,
        "vocabulary": len(vocabulary),
        "bigrams": int(len(first.bigram_keys)),
        "trigrams": int(len(first.trigram_keys)),
    }
    with open(out / "manifest.json", "w", encoding="utf-8", newline="\n") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2)
        handle.write("\n")


def build(args: argparse.Namespace) -> None:
    started = time.time()
    parts, documents, exclusions = count_parts(args)
    lists = Lists(args.sources, args.phrases)
    vocabulary = vocabulary_of(parts, lists.syllables)
    models = part_models(parts, vocabulary)
    mixed = write_model(args.out, vocabulary, models, MIXTURES, lists)
    write_manifest(args.out, parts, documents, exclusions, models, MIXTURES, mixed, vocabulary)
    first = next(iter(mixed.values()))
    print(f"{len(vocabulary)} symbols, {len(first.bigram_keys)} bigrams, {len(first.trigram_keys)} trigrams, "
          f"{len(mixed)} domains; " + ", ".join(f"{n} {parts[n].unigrams.sum():,} symbols" for n in parts)
          + f"; {time.time() - started:.0f} s", file=sys.stderr)


def _union(*parts: ngrams.NgramCounts) -> list[str]:
    seen: dict[str, None] = {}
    for part in parts:
        seen.update(dict.fromkeys(part.symbols))
    return list(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, help="the training corpus folder (../shared/corpus/train)")
    parser.add_argument("--dev", type=Path, help="the development corpus folder; its tune split is counted")
    parser.add_argument("--sources", type=Path, default=ROOT / "build" / "sources")
    parser.add_argument("--phrases", type=Path, default=ROOT / "data" / "phrases")
    parser.add_argument("--text", type=Path, default=ROOT / "data" / "text")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "lexicon")
    parser.add_argument("--exclude-source", action="append", default=[], metavar="REPO")
    parser.add_argument("--exclude-type", action="append", default=[], metavar="TYPE")
    parser.add_argument("--exclude-docs", type=Path, metavar="FILE", help="document ids to leave out, one a line")
    parser.add_argument("--exclude-everyday", default="", metavar="LETTERS",
                        help="leave out the files of data/text/everyday whose names begin with one of these letters")
    args = parser.parse_args()
    missing = [name for name in ("viet74k.txt", "tess_bigrams.txt", "tess_words.txt")
               if not (args.sources / name).exists()]
    if missing:
        raise SystemExit(f"{args.sources}: missing {', '.join(missing)}; run scripts/fetch_sources.py first")
    if args.train and not (args.train / "manifest.tsv").exists():
        raise SystemExit(f"{args.train}: not the training corpus (no manifest.tsv)")
    build(args)


if __name__ == "__main__":
    main()
