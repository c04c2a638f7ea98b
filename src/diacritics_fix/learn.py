"""Learning from the user's own text: domain models and self-adaptation.

:func:`learn` reads clean Vietnamese text (files, folders, glob patterns),
counts its syllables and syllable pairs, picks out its frequent phrases and
capitalised names, and writes a *user model* folder::

    manifest.json     sources, counts, build date, tool version
    vocabulary.txt    the symbols counted (context classes, then syllables), one a line
    *.npy             unigram, bigram and trigram counts of those symbols
    phrases.txt       frequent phrases of three or four syllables, with counts
    names.txt         capitalised names of two syllables or more, with counts

Text is read into the same symbols as the shipped model's counts
(:func:`diacritics_fix.ngrams.paragraph_symbols`: syllables, punctuation,
number classes, codes), so a user model adds its trigrams to the shipped ones.

A restorer given the folder (``Options(models=(folder,))``,
``diacritics-fix --model folder``) interpolates it with the shipped model
(see :func:`diacritics_fix.model.with_user_models`).

:func:`adapt` is self-adaptation over a set of documents: a first pass
restores them, the words it restored with high confidence become the counts
of a document-set model, and a second pass decodes again with it.

Counting streams the text and keeps its tables bounded (rare pairs and
phrases are pruned when a table outgrows its budget), so that memory does not
grow with the corpus.

>>> from diacritics_fix.learn import Learner
>>> learner = Learner()
>>> learner.add_text("Ủy ban nhân dân xã Tân Phú")
>>> learner.count("phú"), learner.count("nhân", "dân"), learner.count("xã", "tân", "phú")
(1, 1, 1)
"""

from __future__ import annotations

import datetime
import glob
import json
import os
import secrets
import shutil
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import regex

import numpy as np

from . import ngrams
from .batch import InputError, find_files, read_blocks
from .model import USER_MODEL_FORMAT, USER_MODEL_VERSION
from .symbols import ABBR, BOS, CLASSES, UNK
from .syllable import has_marks, is_valid, skeleton

#: The files of a folder that learning reads (restoring also takes OCR files: hOCR, PDF, …).
TEXT_GLOBS = ("*.txt",)
#: Table budgets, in entries: past its budget a table drops its rarest entries.
#: About 120 bytes an entry: with the defaults counting stays under about
#: 700 MB however large the corpus (bench/learn.py measures the worst case).
PAIR_BUDGET = 1_000_000
TRIGRAM_BUDGET = 1_000_000
PHRASE_BUDGET = 1_000_000
NAME_BUDGET = 200_000
#: A phrase is written when seen this often, and when it is the reading of
#: its unmarked spelling at least this share of the time.
MIN_PHRASE_COUNT = 3
PHRASE_SHARE = 0.9
MIN_NAME_COUNT = 2

_SHIFT = ngrams.SHIFT  # a pair key is first << _SHIFT | second (learner ids)
_MASK = (1 << _SHIFT) - 1
_FOUR = 1 << 4 * _SHIFT  # marks the key of a four-syllable phrase

# Two or more capitalised words in a row: a name (Tân Phú, Nguyễn Văn An).
_NAME = regex.compile(r"(?<![\p{L}\p{N}])\p{Lu}\p{Ll}+(?:[ \t]+\p{Lu}\p{Ll}+)+(?![\p{L}\p{N}])")


class LearnError(Exception):
    """A user-facing problem with one input (its message names it)."""


class _BoundedCounter(Counter):
    """A Counter that drops its rarest entries when it outgrows *budget*.

    After a prune at threshold t every count that survived is exact up to
    t (lossy counting): frequent entries are kept, the long tail goes.
    """

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = budget
        self.pruned_below = 0  # entries seen fewer times than this may be missing

    def add(self, keys: list) -> None:
        self.update(keys)
        if len(self) > self.budget:
            self.prune()

    def prune(self) -> None:
        threshold = self.pruned_below
        while len(self) > self.budget // 2:
            threshold += 1
            for key in [k for k, v in self.items() if v < threshold]:
                del self[key]
        self.pruned_below = threshold


class Learner:
    """Counts of running text: unigrams, bigrams and trigrams of its symbols, phrases and names.

    Feed it text with :meth:`add_text` (any amount, in pieces of whole lines),
    then :meth:`write` a model folder.  A line whose syllables are mostly
    unmarked (text typed without marks, English) is skipped: it would teach
    the stripped spellings.
    """

    def __init__(self, pair_budget: int = PAIR_BUDGET, phrase_budget: int = PHRASE_BUDGET,
                 name_budget: int = NAME_BUDGET, phrases: bool = True, trigram_budget: int = TRIGRAM_BUDGET) -> None:
        self.vocabulary: dict[str, int] = {symbol: i for i, symbol in enumerate(CLASSES)}
        self.syllables: list[str] = list(CLASSES)  # symbols by learner id
        self.unigrams: Counter = Counter()
        self.pairs = _BoundedCounter(pair_budget)
        self.trigrams = _BoundedCounter(trigram_budget)
        self.ngrams = _BoundedCounter(phrase_budget)  # three- and four-syllable phrases
        self.names = _BoundedCounter(name_budget)
        self.count_phrases = phrases
        self.words = 0  # words of the counted lines
        self.lines = 0
        self.skipped_lines = 0
        self._first_syllable = len(CLASSES)

    # -- counting ------------------------------------------------------------

    def _id(self, symbol: str) -> int:
        sid = self.vocabulary.get(symbol)
        if sid is None:
            if len(self.syllables) >= ngrams.MAX_VOCABULARY - 1:
                return self.vocabulary[UNK]
            sid = self.vocabulary[symbol] = len(self.syllables)
            self.syllables.append(symbol)
        return sid

    def add_text(self, text: str) -> None:
        """Count the lines of *text* (NFC or not; any line endings)."""
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        flat: list[int] = []
        names: list[str] = []
        first = self._first_syllable
        for line in text.splitlines():
            if not line.strip():
                continue
            symbols = ngrams.paragraph_symbols(line)
            ids = [self._id(symbol) for symbol in symbols]
            syllables = [symbol for symbol, sid in zip(symbols, ids) if sid >= first]
            self.lines += 1
            marked = sum(1 for syllable in syllables if has_marks(syllable))
            if 2 * marked < len(syllables):
                self.skipped_lines += 1
                continue
            self.words += len(syllables) + sum(1 for symbol in symbols if symbol in (ABBR, UNK))
            flat.extend(ids)
            if self.count_phrases:
                names.extend(_NAME.findall(line))
            if len(flat) > 100_000:  # a whole file may be one text: keep the key lists small
                self._count(flat)
                flat = []
        self._count(flat)
        if names:
            self.names.add([" ".join(name.split()) for name in names])

    def _count(self, flat: list[int]) -> None:
        """Count paragraphs given as one list of ids (each paragraph ``<s> … </s>``)."""
        if not flat:
            return
        bos, eos = self.vocabulary[BOS], self.vocabulary["</s>"]
        self.unigrams.update(sid for sid in flat if sid != bos)
        self.pairs.add([a << _SHIFT | b for a, b in zip(flat, flat[1:]) if a != eos])
        self.trigrams.add([(a << _SHIFT | b) << _SHIFT | c for a, b, c in zip(flat, flat[1:], flat[2:])
                           if a != eos and b != eos])
        if self.count_phrases:
            first = self._first_syllable
            triples = [(a << _SHIFT | b) << _SHIFT | c for a, b, c in zip(flat, flat[1:], flat[2:])
                       if a >= first and b >= first and c >= first]
            quads = [(a << _SHIFT | b) << 2 * _SHIFT | c << _SHIFT | d
                     for a, b, c, d in zip(flat, flat[1:], flat[2:], flat[3:])
                     if a >= first and b >= first and c >= first and d >= first]
            self.ngrams.add(triples + [q | _FOUR for q in quads])

    def count(self, *symbols: str) -> int:
        """How often a syllable, a pair or a triple of symbols was counted."""
        ids = [self.vocabulary.get(symbol) for symbol in symbols]
        if None in ids:
            return 0
        if len(ids) == 1:
            return self.unigrams[ids[0]]
        key = 0
        for sid in ids:
            key = key << _SHIFT | sid
        return (self.pairs if len(ids) == 2 else self.trigrams)[key]

    def counts(self) -> ngrams.NgramCounts:
        """The n-gram counts, consistent for estimating: a trigram whose pairs were pruned goes too."""
        unigrams = np.zeros(len(self.syllables), dtype=np.int64)
        for sid, n in self.unigrams.items():
            unigrams[sid] = n
        bigram_keys = np.array(sorted(self.pairs), dtype=np.uint32)
        bigram_counts = np.array([self.pairs[k] for k in bigram_keys.tolist()], dtype=np.int64)
        keys = sorted(self.trigrams)
        trigram_keys = np.array(keys, dtype=np.uint64)
        trigram_counts = np.array([self.trigrams[k] for k in keys], dtype=np.int64)
        if len(trigram_keys):
            known = set(bigram_keys.tolist())
            keep = np.array([(k >> _SHIFT) in known and (k & 0xFFFFFFFF) in known for k in keys])
            trigram_keys, trigram_counts = trigram_keys[keep], trigram_counts[keep]
        return ngrams.NgramCounts(list(self.syllables), unigrams, bigram_keys, bigram_counts,
                                  trigram_keys, trigram_counts)

    # -- results -------------------------------------------------------------

    def _ngram_syllables(self, key: int) -> tuple[str, ...]:
        if key & _FOUR:
            key ^= _FOUR
            length = 4
        else:
            length = 3
        ids = [(key >> (_SHIFT * (length - 1 - i))) & _MASK for i in range(length)]
        return tuple(self.syllables[i] for i in ids)

    def phrases(self) -> list[tuple[str, int]]:
        """Frequent three- and four-syllable phrases that are the usual reading of their unmarked spelling."""
        by_skeleton: dict[tuple[str, ...], list[tuple[int, tuple[str, ...]]]] = {}
        for key, count in self.ngrams.items():
            syllables = self._ngram_syllables(key)
            if not all(is_valid(s) for s in syllables):
                continue
            by_skeleton.setdefault(tuple(skeleton(s) for s in syllables), []).append((count, syllables))
        found = []
        for readings in by_skeleton.values():
            total = sum(count for count, _ in readings)
            count, syllables = max(readings)
            if count >= MIN_PHRASE_COUNT and count >= PHRASE_SHARE * total:
                found.append((" ".join(syllables), count))
        found.sort(key=lambda item: (-item[1], item[0]))
        return found

    def frequent_names(self) -> list[tuple[str, int]]:
        """Capitalised names seen at least :data:`MIN_NAME_COUNT` times whose words are all syllables."""
        found = [(name, count) for name, count in self.names.items()
                 if count >= MIN_NAME_COUNT and all(is_valid(w) for w in name.split())]
        found.sort(key=lambda item: (-item[1], item[0]))
        return found

    def write(self, folder: str | Path, sources: Sequence[dict] = ()) -> dict:
        """Write the model folder (atomically: a half-written model never appears); returns the manifest."""
        from . import __version__

        folder = Path(folder)
        parent = folder.parent if str(folder.parent) else Path(".")
        parent.mkdir(parents=True, exist_ok=True)
        building = _new_folder(parent, f".{folder.name}.")
        try:
            counts = self.counts()
            ngrams.write_counts(counts, building)
            phrases = self.phrases() if self.count_phrases else []
            names = self.frequent_names() if self.count_phrases else []
            for name, entries in (("phrases.txt", phrases), ("names.txt", names)):
                with open(building / name, "w", encoding="utf-8", newline="\n") as out:
                    for entry, count in entries:
                        out.write(f"{entry}\t{count}\n")
            manifest = {
                "format": USER_MODEL_FORMAT,
                "format_version": USER_MODEL_VERSION,
                "tool": "diacritics-fix",
                "tool_version": __version__,
                "built": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "sources": list(sources),
                "counts": {
                    "lines": self.lines,
                    "skipped_lines": self.skipped_lines,
                    "words": self.words,
                    "syllable_tokens": int(counts.unigrams[len(CLASSES):].sum()),
                    "syllables": int(np.count_nonzero(counts.unigrams[len(CLASSES):])),
                    "bigrams": len(counts.bigram_keys),
                    "trigrams": len(counts.trigram_keys),
                    "phrases": len(phrases),
                    "names": len(names),
                },
                "pruned_below": {"bigrams": self.pairs.pruned_below, "trigrams": self.trigrams.pruned_below,
                                 "phrases": self.ngrams.pruned_below, "names": self.names.pruned_below},
            }
            with open(building / "manifest.json", "w", encoding="utf-8", newline="\n") as out:
                json.dump(manifest, out, ensure_ascii=False, indent=2)
                out.write("\n")
            if folder.exists():
                if not (folder / "manifest.json").exists() and any(folder.iterdir()):
                    raise LearnError(f"{folder}: exists and is not a model folder; not overwritten")
                shutil.rmtree(folder)
            os.replace(building, folder)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        return manifest


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new empty folder in *parent* with a name of its own, made with the usual permissions
    (0777 less the umask: a team, or Dask workers under another user, read the model; mkdtemp gives 0700)."""
    while True:
        folder = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            folder.mkdir(0o777)
            return folder
        except FileExistsError:
            continue


# -- inputs ------------------------------------------------------------------


def source_files(patterns: Iterable[str]) -> list[str]:
    """The files named by *patterns*: files, folders (their text files, found as restoring
    finds them: :func:`~diacritics_fix.batch.find_files`) and glob patterns.

    Raises :class:`LearnError` naming a pattern that gives no file.
    """
    found: list[str] = []
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            files = list(find_files(pattern, TEXT_GLOBS))
            if not files:
                raise LearnError(f"{pattern}: folder holds no text files ({', '.join(TEXT_GLOBS)})")
        elif path.is_file():
            files = [pattern]
        elif path.exists():
            raise LearnError(f"{pattern}: not a regular file")
        elif glob.has_magic(pattern):
            files = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
            if not files:
                raise LearnError(f"{pattern}: no file matches")
        else:
            raise LearnError(f"{pattern}: no such file")
        found.extend(files)
    seen: set[str] = set()
    unique = []
    for path in found:
        resolved = os.path.realpath(path)
        if resolved not in seen:
            seen.add(resolved)
            unique.append(path)
    return unique


def read_chunks(path: str) -> Iterator[tuple[str, int]]:
    """The text of a file in blocks, as restoring reads it (any encoding it recognises,
    any size), with the bytes each took.  Raises :class:`LearnError` naming the file
    when it cannot be read as text."""
    try:
        for text, _, size in read_blocks(path):
            yield text, size
    except InputError as error:
        raise LearnError(f"{path}: {error}") from None


def learn(
    patterns: Iterable[str],
    output: str | Path,
    progress: Callable[[int], None] | None = None,
    learner: Learner | None = None,
    force: bool = False,
) -> dict:
    """Learn a user model from the text files named by *patterns* and write it to *output*.

    *progress*, when given, is called with the number of bytes read since its
    last call.  Returns the manifest.  Raises :class:`LearnError` naming the
    first input that cannot be read, when the text holds nothing to learn (no
    line with its marks), or when *output* exists (unless *force*); no model
    is written then.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("Ủy ban nhân dân xã Tân Phú\\n", encoding="utf-8")
    >>> learn([str(folder / "a.txt")], folder / "model")["counts"]["words"]
    7
    """
    if os.path.lexists(output) and not force:
        raise LearnError(f"{output}: exists already; give --force to replace it")
    patterns = list(patterns)
    files = source_files(patterns)
    learner = learner or Learner()
    sources = []
    for path in files:
        words_before = learner.words
        for text, size in read_chunks(path):
            learner.add_text(text)
            if progress:
                progress(size)
        sources.append({"path": path, "bytes": os.path.getsize(path), "words": learner.words - words_before})
    if learner.words == 0:
        stripped = f"{learner.skipped_lines:,} of its {learner.lines:,} lines look stripped of their marks"
        raise LearnError(f"{', '.join(patterns)}: no text with its marks to learn from ({stripped}); "
                         "nothing written")
    try:
        return learner.write(output, sources)
    except OSError as error:
        raise LearnError(f"{output}: cannot write the model: {error.strerror or error}") from None


def total_bytes(patterns: Iterable[str]) -> int:
    """The size of every file :func:`learn` would read (for a progress bar)."""
    return sum(os.path.getsize(path) for path in source_files(patterns))


# -- self-adaptation -----------------------------------------------------------

#: A first-pass reading at least this confident is trusted as the document set's own text.
#: Chosen on the tune split (stripped word accuracy of the documents against
#: no adaptation: 0.8 +0.08 points, 0.9 ±0, 0.97 -0.19: a stricter threshold
#: keeps only the easy words, and their counts then crowd out the rarer readings).
ADAPT_CONFIDENCE = 0.8
_DOUBT_OPEN, _DOUBT_CLOSE = "\ue000", "\ue001"
_DOUBTFUL = regex.compile(f"{_DOUBT_OPEN}[^{_DOUBT_CLOSE}]*{_DOUBT_CLOSE}")


def adapted_restorer(texts: Sequence[str], restorer, confidence: float = ADAPT_CONFIDENCE):
    """A restorer that also knows the document set *texts*: the first pass of :func:`adapt`.

    The texts are restored with *restorer*; every word whose reading is at
    least *confidence* sure is counted (the doubtful ones break the runs), and
    the counts join the restorer's models as one more user model.  The
    returned restorer holds its data already loaded; it does not pickle into
    another process (the document-set model's folder is gone by then).
    """
    from .restorer import Restorer

    marking = Restorer(restorer.options._replace(
        mark_uncertain=True, threshold=confidence, marker=f"{_DOUBT_OPEN}…{_DOUBT_CLOSE}"))
    learner = Learner(phrases=False)
    for text in texts:
        learner.add_text(_DOUBTFUL.sub("\n", marking.restore(text)))
    folder = tempfile.mkdtemp(prefix="diacritics-fix-adapt-")
    try:
        learner.write(Path(folder) / "model")
        adapted = Restorer(restorer.options._replace(models=(*restorer.options.models, str(Path(folder) / "model"))))
        adapted.model  # load now: the folder goes away
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return adapted


def adapt(texts: Sequence[str], restorer=None, confidence: float = ADAPT_CONFIDENCE) -> list[str]:
    """Restore a set of documents twice: the second time with what the first pass was sure of.

    Names and turns of phrase that recur across the set, but that the shipped
    model does not know, are learned from the places where the context made
    them clear and then read the same way where it does not.  Returns one
    output per text, in order.

    >>> adapt(["Cac dang bo truc thuoc Thanh uy"])
    ['Các đảng bộ trực thuộc Thành ủy']
    """
    from .restorer import Restorer

    restorer = restorer or Restorer()
    if not texts:
        return []
    second = adapted_restorer(texts, restorer, confidence)
    return [second.restore(text) for text in texts]
