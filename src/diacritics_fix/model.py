"""The language model: syllables, their frequencies, syllable pairs and phrases.

Everything here is read from the package's ``data/`` folder, lazily, once per
process (see :func:`load_model`).  The files are made by
``scripts/build_data.py`` (generated, never edited by hand) except the
hand-written lists ``data/phrases/*.txt`` and ``data/abbreviations.txt``.

``data/lexicon/syllables.tsv``
    one canonical syllable a line with a natural-log probability from the
    shipped sources (small; it keeps rare syllables apart); the line number is
    the syllable's id.  At load time wordfreq's Vietnamese frequencies, read
    through its API, are added (see :func:`unigram_logp`).
``data/lexicon/pairs.bin``
    every known syllable pair with the evidence for it (see :class:`PairEvidence`),
    as compact arrays.
``data/lexicon/words.txt``
    dictionary words of three syllables or more, one a line.

The pair score is a log-linear mix of the evidence, with weights in
:class:`Weights` (tuned on a training part of the development corpus).
"""

from __future__ import annotations

import array
import functools
import math
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable, NamedTuple

from .syllable import canonical, is_valid, skeleton

PAIR_MAGIC = b"DFPAIRS1"

# Bits of the evidence mask of a syllable pair.
IN_WORD = 1  # adjacent inside a two-syllable dictionary word
IN_LONG_WORD = 2  # adjacent inside a dictionary word of three syllables or more
IN_TESSERACT = 4  # a word pair of Tesseract's Vietnamese bigram list
IN_PHRASE = 8  # adjacent inside a hand-written domain phrase
PAIR_SHIFT = 16  # pair key = first id << PAIR_SHIFT | second id


class Weights(NamedTuple):
    """Weights of the log-linear score.  Defaults are tuned by ``bench/tune.py``."""

    unigram: float = 0.2
    in_word: float = 4.0
    in_long_word: float = 1.5
    in_tesseract: float = 2.0
    in_phrase: float = 2.5
    text_count: float = 0.8
    phrase_per_syllable: float = 1.0
    unknown_logp: float = -16.0


@dataclass(frozen=True)
class PairEvidence:
    """What the data says about one syllable pair: a bit mask and a running-text count."""

    mask: int
    count: int


def data_dir() -> Path:
    """The folder holding the shipped data (inside the installed package, or the repo's)."""
    packaged = resources.files("diacritics_fix").joinpath("data")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "data"


def read_list(path: Path) -> list[str]:
    """Lines of a hand-written list: comments (``#``) and blank lines skipped."""
    entries = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith("#"):
                entries.append(line)
    return entries


def phrase_syllables(phrase: str) -> list[str] | None:
    """Canonical syllables of a phrase, or None when a part is not a syllable.

    >>> phrase_syllables("Bà Rịa - Vũng Tàu")
    ['bà', 'rịa', 'vũng', 'tàu']
    """
    parts = [part for part in phrase.replace("-", " ").split()]
    if not parts or not all(is_valid(part) for part in parts):
        return None
    return [canonical(part) for part in parts]


def write_pairs(path: Path, keys: list[int], evidence: list[tuple[int, int]]) -> None:
    """Write the pair table: sorted keys, and per key an index into a table of distinct evidence."""
    combos = sorted(set(evidence))
    combo_index = {combo: i for i, combo in enumerate(combos)}
    key_array = array.array("I", keys)
    combo_array = array.array("H", (combo_index[e] for e in evidence))
    combo_table = array.array("I", (mask << 24 | min(count, 0xFFFFFF) for mask, count in combos))
    if sys.byteorder != "little":
        for arr in (key_array, combo_array, combo_table):
            arr.byteswap()
    with open(path, "wb") as handle:
        handle.write(PAIR_MAGIC)
        handle.write(array.array("I", [len(keys), len(combos)]).tobytes())
        combo_table.tofile(handle)
        key_array.tofile(handle)
        combo_array.tofile(handle)


def read_pairs(path: Path) -> tuple[array.array, array.array, list[PairEvidence]]:
    """Read what :func:`write_pairs` wrote."""
    with open(path, "rb") as handle:
        if handle.read(len(PAIR_MAGIC)) != PAIR_MAGIC:
            raise ValueError(f"{path}: not a diacritics-fix pair table")
        sizes = array.array("I")
        sizes.fromfile(handle, 2)
        combo_table, keys, combos = array.array("I"), array.array("I"), array.array("H")
        if sys.byteorder != "little":
            sizes.byteswap()
        n_keys, n_combos = sizes
        combo_table.fromfile(handle, n_combos)
        keys.fromfile(handle, n_keys)
        combos.fromfile(handle, n_keys)
    if sys.byteorder != "little":
        for arr in (combo_table, keys, combos):
            arr.byteswap()
    evidence = [PairEvidence(value >> 24, value & 0xFFFFFF) for value in combo_table]
    return keys, combos, evidence


def pair_score(evidence: PairEvidence, weights: Weights) -> float:
    """The bonus a pair earns over independent syllables."""
    mask = evidence.mask
    score = 0.0
    if mask & IN_WORD:
        score += weights.in_word
    if mask & IN_LONG_WORD:
        score += weights.in_long_word
    if mask & IN_TESSERACT:
        score += weights.in_tesseract
    if mask & IN_PHRASE:
        score += weights.in_phrase
    if evidence.count:
        score += weights.text_count * math.log1p(evidence.count)
    return score


@dataclass
class Model:
    """Syllables, pair scores and phrases, ready for the decoder.

    Ids index :attr:`syllables`; :attr:`by_skeleton` lists the ids of every
    syllable with a given skeleton, most frequent first.
    """

    syllables: list[str]
    logp: list[float]
    pair_bonus: dict[int, float]
    phrases: dict[tuple[str, ...], list[tuple[int, ...]]]
    abbreviations: dict[str, str]
    weights: Weights
    id_of: dict[str, int] = field(init=False)
    by_skeleton: dict[str, list[int]] = field(init=False)
    max_phrase: int = field(init=False)
    phrase_starts: set[tuple[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        self.id_of = {syl: i for i, syl in enumerate(self.syllables)}
        groups: dict[str, list[int]] = {}
        for i, syl in enumerate(self.syllables):
            groups.setdefault(skeleton(syl), []).append(i)
        for ids in groups.values():
            ids.sort(key=lambda i: -self.logp[i])
        self.by_skeleton = groups
        self.max_phrase = max((len(k) for k in self.phrases), default=0)
        self.phrase_starts = {key[:2] for key in self.phrases}

    def add_phrases(self, phrases: Iterable[str], source: str = "user") -> int:
        """Add phrases (any tone style, any case); returns how many were usable."""
        added = 0
        for phrase in phrases:
            syls = phrase_syllables(phrase)
            if not syls or len(syls) < 2:
                continue
            ids = []
            for syl in syls:
                if syl not in self.id_of:
                    self.id_of[syl] = len(self.syllables)
                    self.syllables.append(syl)
                    self.logp.append(self.weights.unknown_logp)
                    self.by_skeleton.setdefault(skeleton(syl), []).append(self.id_of[syl])
                ids.append(self.id_of[syl])
            key = tuple(skeleton(s) for s in syls)
            self.phrase_starts.add(key[:2])
            entry = self.phrases.setdefault(key, [])
            if tuple(ids) not in entry:
                entry.append(tuple(ids))
                added += 1
            self.max_phrase = max(self.max_phrase, len(key))
        return added


def unigram_logp(syllables: list[str], attestation_logp: list[float]) -> list[float]:
    """Natural-log unigram probabilities: wordfreq's, plus the shipped attestation mass."""
    from wordfreq import get_frequency_dict

    frequency: dict[str, float] = {}
    for word, freq in get_frequency_dict("vi").items():
        if len(word) <= 7 and word.isalpha():
            key = canonical(word)
            frequency[key] = frequency.get(key, 0.0) + freq
    return [math.log(frequency.get(s, 0.0) + math.exp(a)) for s, a in zip(syllables, attestation_logp)]


def _load_phrase_files(folder: Path) -> list[str]:
    phrases: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        phrases.extend(read_list(path))
    return phrases


def _load_abbreviations(path: Path) -> dict[str, str]:
    table = {}
    if path.exists():
        for entry in read_list(path):
            table[entry.replace("Đ", "D").replace("đ", "d")] = entry
    return table


@functools.lru_cache(maxsize=4)
def load_model(weights: Weights = Weights(), folder: str | None = None) -> Model:
    """Load the shipped model once per process (and per set of weights)."""
    root = Path(folder) if folder else data_dir()
    lexicon = root / "lexicon"
    syllables, logp = [], []
    with open(lexicon / "syllables.tsv", encoding="utf-8") as handle:
        for line in handle:
            syl, value = line.rstrip("\n").split("\t")
            syllables.append(syl)
            logp.append(float(value))
    logp = unigram_logp(syllables, logp)
    keys, combos, evidence = read_pairs(lexicon / "pairs.bin")
    combo_scores = [pair_score(e, weights) for e in evidence]
    pair_bonus = dict(zip(keys, map(combo_scores.__getitem__, combos)))
    model = Model(syllables, logp, pair_bonus, {}, _load_abbreviations(root / "abbreviations.txt"), weights)
    model.add_phrases(read_list(lexicon / "words.txt"))
    model.add_phrases(_load_phrase_files(root / "phrases"))
    return model
