"""The language model: the vocabulary, a trigram model of it, word-list evidence and phrases.

Everything here is read from the package's ``data/`` folder, lazily, once per
process (see :func:`load_model`).  The files of ``data/lexicon/`` are made by
``scripts/build_data.py`` (generated, never edited by hand):

``vocabulary.txt``
    the model's symbols, one a line, the line number being the symbol's id:
    the context classes of :mod:`diacritics_fix.symbols` first (``<s>``,
    ``<num>``, ``,`` …), then every syllable, canonical spelling;
``*.npy``
    a syllable trigram model with modified Kneser-Ney smoothing, pruned, in
    backoff form (see :mod:`diacritics_fix.ngrams`), estimated from counts of
    administrative and legal documents, Wikipedia prose and the project's own
    text, mixed with tuned weights; raw arrays, memory-mapped, so that the
    pages are read on demand and shared by worker processes;
``pairs_keys.npy``, ``pairs_lists.npy``
    syllable pairs that word lists vouch for, and which lists (a bit each:
    a dictionary word, a longer dictionary word, Tesseract's word pairs, a
    hand-written domain phrase).

The decoder scores a reading of a paragraph log-linearly: the model's
``log P(syllable | two before)`` times ``Weights.lm``, plus, for each pair
of neighbouring syllables, the weights of the lists that vouch for it, plus
bonuses for spelling a phrase the user gave.  Lists are evidence beside the
counts, never counts themselves; their weights are tuned on the tune split.
(A bonus for spelling a whole dictionary word or domain phrase was tried as
well: with the trigram counts it no longer helps, so the shipped lists count
through their pairs alone.)
"""

from __future__ import annotations

import functools
import json
import math
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable, NamedTuple

import numpy as np

from . import ngrams
from .ngrams import MAX_VOCABULARY  # noqa: F401 (candidates.KEEP is defined from it)
from .symbols import ABBR, BOS, CLASSES, EOS, NUM, UNK
from .syllable import canonical, is_valid, skeleton

#: What the shipped model folder's manifest says it is, and which layout.
MODEL_FORMAT = "diacritics-fix model"
MODEL_VERSION = 2
#: What a user model folder's manifest.json says it is (written by learn.py).
USER_MODEL_FORMAT = "diacritics-fix user model"
USER_MODEL_VERSION = 2
#: A user model of this many syllables gets half its weight in the mixture.
USER_PRIOR_SYLLABLES = 20_000
#: log P given to a word of a user's lexicon that the model finds rarer than this.
LEXICON_LOGP = -12.0

# Bits of a pair's list evidence.
IN_WORD = 1  # adjacent inside a two-syllable dictionary word
IN_LONG_WORD = 2  # adjacent inside a dictionary word of three syllables or more
IN_TESSERACT = 4  # a word pair of Tesseract's Vietnamese bigram list
IN_PHRASE = 8  # adjacent inside a hand-written domain phrase
SHIFT = ngrams.SHIFT
#: Stand-ins kept for callers of the first model format.
NUMBER, ABBREVIATION = NUM, ABBR


class Weights(NamedTuple):
    """Parameters of the decoder's score.  Defaults are tuned by ``bench/tune.py`` on the tune split."""

    lm: float = 1.0  # weight of the language model's log P
    trigram: float = 1.0  # weight of what the second syllable of context adds (0: a bigram model)
    in_word: float = 1.0  # a pair inside a two-syllable dictionary word
    in_long_word: float = 0.25  # … inside a longer dictionary word
    in_tesseract: float = 0.375  # … listed by Tesseract
    in_phrase: float = 0.5  # … inside a hand-written phrase
    phrase_per_syllable: float = 0.5  # bonus per extra syllable of a matched phrase (a user's)
    user_phrase_pair: float = 8.0  # bonus of each syllable pair inside a user's phrase
    ocr_channel: float = 1.0  # weight of the OCR channel's log P against the language model
    confidence_temperature: float = 1.5  # divides max-marginal scores before normalising (fitted on OCR tune pairs)
    unknown_logp: float = -16.0  # log P of a word the model does not know


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
    parts = unicodedata.normalize("NFC", phrase).replace("-", " ").split()
    if not parts or not all(is_valid(part) for part in parts):
        return None
    return [canonical(part) for part in parts]


def list_evidence(mask: int, weights: Weights) -> float:
    """The weighted list evidence of a pair."""
    score = 0.0
    if mask & IN_WORD:
        score += weights.in_word
    if mask & IN_LONG_WORD:
        score += weights.in_long_word
    if mask & IN_TESSERACT:
        score += weights.in_tesseract
    if mask & IN_PHRASE:
        score += weights.in_phrase
    return score


@dataclass
class UserModel:
    """A user's own counts made into a model over the restorer's vocabulary, and its weight."""

    lm: ngrams.BackoffModel
    weight: float  # λ' of the mixture λ'·P_user + (1 - λ')·P_shipped


@dataclass
class Model:
    """The vocabulary, the trigram tables, list evidence and phrases, ready for the decoder.

    Ids index :attr:`syllables` (the classes of :mod:`~diacritics_fix.symbols`
    first); :attr:`by_skeleton` lists the ids of every syllable with a given
    skeleton, most frequent first; :attr:`logp` is each id's unigram log P.
    """

    syllables: list[str]
    logp: list[float]
    #: The language model of each domain (``admin``, ``general``, ``everyday``): mixtures of the
    #: same counts with other weights, sharing their n-grams; the first is the default.
    domains: dict[str, ngrams.BackoffModel]
    pair_keys: np.ndarray  # sorted first << SHIFT | second
    pair_lists: np.ndarray  # IN_* bits of each
    abbreviations: dict[str, str]
    weights: Weights
    phrases: dict[tuple[str, ...], list[tuple[int, ...]]] = field(default_factory=dict)
    user: UserModel | None = None
    #: Extra pair evidence (a user's phrases), by pair key.
    user_pairs: dict[int, float] = field(default_factory=dict)
    id_of: dict[str, int] = field(init=False)
    by_skeleton: dict[str, list[int]] = field(init=False)
    max_phrase: int = field(init=False, default=0)
    #: The lengths of the phrases that begin with two skeletons, longest first.
    phrase_lengths: dict[tuple[str, str], list[int]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.id_of = {syl: i for i, syl in enumerate(self.syllables)}
        self.bos_id, self.eos_id = self.id_of[BOS], self.id_of[EOS]
        self.number_id, self.abbreviation_id, self.unknown_id = self.id_of[NUM], self.id_of[ABBR], self.id_of[UNK]
        #: Ids below this are context classes, not syllables.
        self.first_syllable = len(CLASSES)
        groups: dict[str, list[int]] = {}
        for i, syl in enumerate(self.syllables):
            if i >= len(CLASSES):
                groups.setdefault(skeleton(syl), []).append(i)
        for ids in groups.values():
            ids.sort(key=lambda i: -self.logp[i])
        self.by_skeleton = groups
        self.default_domain = next(iter(self.domains))
        self.shipped_size = len(self.lm.unigram_logp)
        self._by_second: tuple | None = None  # bigrams and trigrams by what follows their first syllable

    @property
    def lm(self) -> ngrams.BackoffModel:
        """The default domain's language model."""
        return self.domains[self.default_domain]

    # -- scores for the decoder (vectorised) --------------------------------------

    def pair_scores(self, first: np.ndarray, second: np.ndarray, domain: str | None = None) -> np.ndarray:
        """Weighted ``log P(second | first)`` plus list evidence, for arrays of ids (in *domain*'s model)."""
        weights = self.weights
        keys = ngrams.keys_of_pairs(first, second)
        order = ngrams.sort_order(keys)  # one sort for both tables
        logp = self._bigram_logps(first, second, domain, order)
        score = weights.lm * logp
        if len(self.pair_keys):
            where = np.minimum(ngrams.search_sorted(self.pair_keys, keys, order), len(self.pair_keys) - 1)
            masks = np.where(self.pair_keys[where] == keys, self.pair_lists[where], 0)
            if masks.any():
                table = np.array([list_evidence(m, weights) for m in range(16)])
                score = score + table[masks]
        if self.user_pairs:
            score = score + np.array([self.user_pairs.get(int(k), 0.0) for k in keys])
        return score

    def trigram_gains(self, before: np.ndarray, first: np.ndarray, second: np.ndarray,
                      domain: str | None = None) -> np.ndarray:
        """What the syllable *before* adds: weighted ``log P(second | before first) - log P(second | first)``."""
        (h, a, b), outside = self._known(before, first, second)
        if outside is None and self.user is None:
            gain = self.domains[domain or self.default_domain].trigram_gains(h, a, b)
        else:
            gain = self._trigram_logps(before, first, second, domain) - self._bigram_logps(first, second, domain)
        return (self.weights.lm * self.weights.trigram) * gain

    def sequence_logps(self, before: np.ndarray, first: np.ndarray, second: np.ndarray) -> dict[str, np.ndarray]:
        """For each domain, ``log P(second | before first)`` (the language model alone, no weights)."""
        if self.user is not None or max(before.max(initial=0), first.max(initial=0),
                                        second.max(initial=0)) >= self.shipped_size:
            return {name: self._trigram_logps(before, first, second, name) for name in self.domains}
        places = self.lm.locate(before, first, second)  # the domains share their keys: look up once
        return {name: lm.trigram_logps_at(places, first, second).astype(np.float64)
                for name, lm in self.domains.items()}

    def skeleton_logps(self, ids: np.ndarray, valid: np.ndarray) -> dict[str, np.ndarray]:
        """For each domain, ``log Σ P(reading)`` of each row of readings (*ids*, where *valid*):
        how likely each domain finds a word whose reading is not chosen yet."""
        found = {}
        clipped = np.where(ids < self.shipped_size, ids, self.unknown_id)
        for name, lm in self.domains.items():
            logp = np.where(valid, lm.unigram_logp[clipped].astype(np.float64), -np.inf)
            found[name] = np.logaddexp.reduce(logp, axis=1)
        return found

    def _known(self, *ids: np.ndarray) -> tuple[list[np.ndarray], np.ndarray | None]:
        """Ids the shipped tables can index (others as ``<unk>``), and which positions held other ids."""
        size = self.shipped_size
        outside = None
        for array in ids:
            if (array >= size).any():
                outside = array >= size if outside is None else outside | (array >= size)
        if outside is None:
            return list(ids), None
        unknown = self.unknown_id
        return [np.where(array >= size, unknown, array) for array in ids], outside

    def _bigram_logps(self, first: np.ndarray, second: np.ndarray, domain: str | None = None,
                      order: np.ndarray | None = None) -> np.ndarray:
        lm = self.domains[domain or self.default_domain]
        (a, b), outside = self._known(first, second)
        logp = lm.bigram_logps(a, b, order if outside is None else None).astype(np.float64)
        if outside is not None:  # a syllable the shipped model lacks (a user's word)
            logp = np.where(second >= self.shipped_size, self.weights.unknown_logp,
                            np.where(outside, lm.unigram_logp[b], logp))
        if self.user is not None:
            logp = self._mixed(logp, self.user.lm.bigram_logps(first, second))
        return logp

    def _trigram_logps(self, before: np.ndarray, first: np.ndarray, second: np.ndarray,
                       domain: str | None = None) -> np.ndarray:
        lm = self.domains[domain or self.default_domain]
        (h, a, b), outside = self._known(before, first, second)
        logp = lm.trigram_logps(h, a, b).astype(np.float64)
        if outside is not None:
            logp = np.where(outside, self._bigram_logps(first, second, domain) if self.user is None
                            else lm.bigram_logps(a, b).astype(np.float64), logp)
            if self.user is None:
                return logp
        if self.user is not None:
            logp = self._mixed(logp, self.user.lm.trigram_logps(before, first, second))
        return logp

    def _mixed(self, shipped: np.ndarray, user: np.ndarray) -> np.ndarray:
        weight = self.user.weight  # type: ignore[union-attr]
        return np.logaddexp(math.log1p(-weight) + shipped, math.log(weight) + user.astype(np.float64))

    # -- what the context expects (OCR repair) -------------------------------------------

    def successors(self, before: int, last: int, limit: int) -> list[tuple[int, float]]:
        """Syllables likeliest to follow ``before last``, best first, with their log P: those of the
        stored trigrams and bigrams that continue the context (the shipped model's)."""
        lm = self.lm
        parts_ids, parts_logp = [], []
        if before < self.shipped_size and last < self.shipped_size:
            low = np.uint64(before << 2 * SHIFT | last << SHIFT)
            a, b = np.searchsorted(lm.trigram_keys, np.array([low, low + np.uint64(0x10000)], dtype=np.uint64))
            parts_ids.append((np.asarray(lm.trigram_keys[a:b]) & np.uint64(0xFFFF)).astype(np.int64))
            parts_logp.append(np.asarray(lm.trigram_logp[a:b], dtype=np.float64))
        if last < self.shipped_size:
            low = last << SHIFT
            a, b = np.searchsorted(lm.bigram_keys, np.array([low, low + 0x10000], dtype=np.uint32))
            parts_ids.append((np.asarray(lm.bigram_keys[a:b]) & 0xFFFF).astype(np.int64))
            parts_logp.append(np.asarray(lm.bigram_logp[a:b], dtype=np.float64) + self._context_backoff(before, last))
        if not parts_ids:
            return []
        # a syllable the trigrams name keeps their score (they come first)
        ids, first = np.unique(np.concatenate(parts_ids), return_index=True)
        return self._best_syllables(ids, np.concatenate(parts_logp)[first], limit)

    def predecessors(self, following: int, after: int | None, limit: int) -> list[tuple[int, float]]:
        """Syllables likeliest to come just before ``following after``, best first, by
        ``log P(w) + log P(following | w)`` (``+ log P(after | w following)``: a stored trigram's,
        or what backing off gives)."""
        if following >= self.shipped_size:
            return []
        lm = self.lm
        if self._by_second is None:  # built on first use: only OCR repair asks
            keys2 = np.asarray(lm.bigram_keys).astype(np.int64)
            order2 = np.argsort(keys2 & 0xFFFF, kind="stable")
            keys3 = np.asarray(lm.trigram_keys)
            order3 = np.argsort(keys3 & np.uint64(0xFFFFFFFF), kind="stable")
            self._by_second = ((keys2 & 0xFFFF)[order2].astype(np.int32), order2.astype(np.int32),
                               (keys3 & np.uint64(0xFFFFFFFF))[order3].astype(np.uint32), order3.astype(np.int32))
        seconds, order2, tails, order3 = self._by_second
        a, b = np.searchsorted(seconds, [following, following + 1])
        where = order2[a:b]
        firsts = (np.asarray(lm.bigram_keys)[where] >> SHIFT).astype(np.int64)
        scores = lm.unigram_logp[firsts].astype(np.float64) + lm.bigram_logp[where]
        if after is not None and after < self.shipped_size and len(firsts):
            # the third syllable too: a stored trigram, or the backoff of w's pair and P(after | following)
            third = lm.bigram_backoff[where].astype(np.float64) + float(
                self._bigram_logps(np.array([following]), np.array([after]))[0])
            tail = following << SHIFT | after
            c, d = np.searchsorted(tails, [tail, tail + 1])
            stored = order3[c:d]
            if len(stored):
                firsts3 = (np.asarray(lm.trigram_keys)[stored] >> np.uint64(2 * SHIFT)).astype(np.int64)
                # firsts ascend (the bigram keys of one second syllable, in key order)
                at = np.minimum(np.searchsorted(firsts, firsts3), len(firsts) - 1)
                found = firsts[at] == firsts3
                third[at[found]] = lm.trigram_logp[stored][found]
            scores = scores + third
        return self._best_syllables(firsts, scores, limit)

    def _context_backoff(self, before: int, last: int) -> float:
        key = np.uint32(before << SHIFT | last)
        keys = self.lm.bigram_keys
        where = int(np.searchsorted(keys, key))
        return float(self.lm.bigram_backoff[where]) if where < len(keys) and keys[where] == key else 0.0

    def _best_syllables(self, ids: np.ndarray, scores: np.ndarray, limit: int) -> list[tuple[int, float]]:
        keep = ids >= self.first_syllable
        ids, scores = ids[keep], scores[keep]
        if len(ids) > limit:
            top = np.argpartition(-scores, limit)[:limit]
            ids, scores = ids[top], scores[top]
        order = np.argsort(-scores, kind="stable")
        return list(zip(ids[order].tolist(), scores[order].tolist()))

    # -- vocabulary and phrases ------------------------------------------------------

    def _syllable_id(self, syllable: str) -> int:
        sid = self.id_of.get(syllable)
        if sid is None:
            if len(self.syllables) >= ngrams.MAX_VOCABULARY - 1:
                return self.unknown_id
            sid = self.id_of[syllable] = len(self.syllables)
            self.syllables.append(syllable)
            self.logp.append(self.weights.unknown_logp)
            self.by_skeleton.setdefault(skeleton(syllable), []).append(sid)
        return sid

    def _phrase_length(self, key: tuple[str, ...]) -> None:
        lengths = self.phrase_lengths.setdefault(key[:2], [])
        if len(key) not in lengths:
            lengths.append(len(key))
            lengths.sort(reverse=True)
        self.max_phrase = max(self.max_phrase, len(key))

    def add_phrase_syllables(self, syllables: list[str]) -> bool:
        """Add one phrase given as canonical syllables; False when it was known or too short."""
        if len(syllables) < 2:
            return False
        ids = tuple(self._syllable_id(s) for s in syllables)
        key = tuple(skeleton(s) for s in syllables)
        entry = self.phrases.setdefault(key, [])
        if ids in entry:
            return False
        entry.append(ids)
        self._phrase_length(key)
        return True

    def add_phrases(self, phrases: Iterable[str], pair_bonus: float = 0.0) -> int:
        """Add phrases (any tone style, any case); returns how many were new.

        With *pair_bonus*, each pair of neighbouring syllables in a phrase also
        earns that bonus, so that the phrase is read as a whole: a user's own
        phrases (names of people and places of their archive) are meant.
        """
        added = 0
        for phrase in phrases:
            syllables = phrase_syllables(phrase)
            if syllables and self.add_phrase_syllables(syllables):
                added += 1
                if pair_bonus:
                    ids = [self.id_of[s] for s in syllables]
                    for a, b in zip(ids, ids[1:]):
                        key = a << SHIFT | b
                        self.user_pairs[key] = max(self.user_pairs.get(key, 0.0), pair_bonus)
        return added

    def add_vocabulary(self, words: Iterable[str], rank: int = 3) -> int:
        """Make the syllables of a user's lexicon readable; returns how many rose.

        A syllable the model lacks joins it.  One that its skeleton's other
        readings outrank (``mằn`` among màn, mắn, mãn, man …) rises to just
        above the *rank*-th of them (and at least to :data:`LEXICON_LOGP`), so
        that it is among the candidates the decoder weighs, and the context
        (a phrase of the lexicon, a known pair) can choose it.
        """
        raised = 0
        for word in words:
            for syllable in phrase_syllables(word) or ():
                sid = self._syllable_id(syllable)
                group = self.by_skeleton[skeleton(syllable)]
                floor = LEXICON_LOGP
                if len(group) >= rank:
                    floor = max(floor, self.logp[group[rank - 1]] + 0.01)
                if self.logp[sid] < floor and sid not in group[:rank]:
                    self.logp[sid] = floor
                    group.sort(key=lambda i: -self.logp[i])
                    raised += 1
        return raised

    def copy(self) -> "Model":
        """A copy whose vocabulary, phrases and user evidence can grow without touching this one
        (the memory-mapped tables are shared)."""
        other = Model(list(self.syllables), list(self.logp), self.domains, self.pair_keys, self.pair_lists,
                      dict(self.abbreviations), self.weights, {k: list(v) for k, v in self.phrases.items()},
                      self.user, dict(self.user_pairs))
        other.phrase_lengths = {key: list(lengths) for key, lengths in self.phrase_lengths.items()}
        other.max_phrase = self.max_phrase
        return other


def _load_abbreviations(path: Path) -> dict[str, str]:
    table = {}
    if path.exists():
        for entry in read_list(path):
            table[entry.replace("Đ", "D").replace("đ", "d")] = entry
    return table


def read_vocabulary(folder: Path) -> list[str]:
    with open(folder / "vocabulary.txt", encoding="utf-8") as handle:
        return handle.read().split("\n")[:-1]


@functools.lru_cache(maxsize=4)
def load_model(weights: Weights = Weights(), folder: str | None = None) -> Model:
    """Load the shipped model once per process (and per set of weights)."""
    root = Path(folder) if folder else data_dir()
    lexicon = root / "lexicon"
    try:
        with open(lexicon / "manifest.json", encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        raise ValueError(f"{lexicon}: no model (rebuild it with scripts/build_data.py)") from None
    if manifest.get("format") != MODEL_FORMAT or manifest.get("format_version") != MODEL_VERSION:
        raise ValueError(f"{lexicon}: a model of another diacritics-fix version (rebuild it with scripts/build_data.py)")
    symbols = read_vocabulary(lexicon)
    domains = ngrams.load(lexicon, manifest["domains"], symbols)
    default = domains[manifest["domains"][0]]
    model = Model(
        list(symbols), default.unigram_logp.tolist(), domains,
        ngrams.mapped(lexicon / "pairs_keys.npy"), ngrams.mapped(lexicon / "pairs_lists.npy"),
        _load_abbreviations(root / "abbreviations.txt"), weights,
    )
    return model


# -- user models (see learn.py) ------------------------------------------------

class UserCounts(NamedTuple):
    """What a user model folder holds (see learn.py for how it is made)."""

    counts: ngrams.NgramCounts
    phrases: list[str]  # frequent phrases, canonical syllables
    names: list[str]  # capitalised names, as written
    manifest: dict


def read_user_model(folder: str | Path) -> UserCounts:
    """Read a model folder written by ``diacritics-fix learn``; ValueError naming it when it is none."""
    root = Path(folder)
    try:
        with open(root / "manifest.json", encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        raise ValueError(f"{folder}: not a diacritics-fix model (no readable manifest.json)") from None
    if manifest.get("format") != USER_MODEL_FORMAT:
        raise ValueError(f"{folder}: not a diacritics-fix model")
    version = manifest.get("format_version", 0)
    if version < USER_MODEL_VERSION:
        raise ValueError(f"{folder}: a model made by an older diacritics-fix; learn it again "
                         f"(diacritics-fix learn YOUR-TEXT -o {folder} --force)")
    if version > USER_MODEL_VERSION:
        raise ValueError(f"{folder}: a model made by a newer diacritics-fix")
    try:
        counts = ngrams.read_counts(root)
        lists = []
        for name in ("phrases.txt", "names.txt"):
            path = root / name
            lists.append([line.split("\t")[0] for line in read_list(path)] if path.exists() else [])
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"{folder}: damaged model ({error})") from None
    return UserCounts(counts, lists[0], lists[1], manifest)


def _signature(folder: str) -> tuple[str, int]:
    """A model folder and when it was written: a rewritten model is read again."""
    path = Path(folder)
    try:
        return str(path.resolve()), (path / "manifest.json").stat().st_mtime_ns
    except OSError:
        raise ValueError(f"{folder}: not a diacritics-fix model (no readable manifest.json)") from None


def with_user_models(folders: Iterable[str], weight: float = 0.9, weights: Weights = Weights(),
                     folder: str | None = None) -> Model:
    """The shipped model interpolated with user models (folders written by ``diacritics-fix learn``).

    The user models' counts are pooled and made into a Kneser-Ney model over
    the shipped vocabulary (syllables only the user's text has join it).  With
    λ = *weight* and a user text of n syllables, every probability becomes the
    mixture ``λ' · P_user + (1 - λ') · P_shipped``, ``λ' = λ · n / (n +
    USER_PRIOR_SYLLABLES)`` (a small sample says little about what it lacks);
    the user's frequent phrases and names become phrases.

    Cached per set of models (a rewritten model is read again).
    """
    if not 0.0 <= weight < 1.0:
        raise ValueError("the weight of user models must be at least 0 and below 1")
    return _with_user_models(tuple(_signature(f) for f in folders), weight, weights, folder)


@functools.lru_cache(maxsize=4)
def _with_user_models(signatures: tuple[tuple[str, int], ...], weight: float, weights: Weights,
                      folder: str | None) -> Model:
    base = load_model(weights, folder)
    user = [read_user_model(path) for path, _ in signatures]
    model = base.copy()
    for counts in user:
        for symbol in counts.counts.symbols:
            if symbol not in model.id_of and is_valid(symbol):
                model._syllable_id(symbol)
    pooled = ngrams.pool([u.counts for u in user], model.syllables)
    syllables = int(pooled.unigrams[len(CLASSES):].sum())
    if syllables and weight > 0.0:
        lm = ngrams.estimate(pooled, min_trigram=1)
        mixture = weight * syllables / (syllables + USER_PRIOR_SYLLABLES)
        model.user = UserModel(lm, mixture)
        # readings ranked by the mixed unigram too
        user_p = np.exp(lm.unigram_logp.astype(np.float64))
        for sid in range(len(model.syllables)):
            shipped = math.exp(model.logp[sid]) if sid < model.shipped_size else 0.0
            p = mixture * user_p[sid] + (1.0 - mixture) * shipped
            model.logp[sid] = math.log(p) if p > 0.0 else weights.unknown_logp
        for ids in model.by_skeleton.values():
            ids.sort(key=lambda i: -model.logp[i])
    for counts in user:
        for phrase in counts.phrases:
            model.add_phrase_syllables(phrase.split())
        model.add_phrases(counts.names)
    return model
