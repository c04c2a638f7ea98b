"""The language model: syllables, their frequencies, syllable pairs and phrases.

Everything here is read from the package's ``data/`` folder, lazily, once per
process (see :func:`load_model`).  The files of ``data/lexicon/`` are made by
``scripts/build_data.py`` (generated, never edited by hand) from registry
sources and from the project's own hand-written lists and text.

``syllables.tsv``
    one canonical syllable a line with a natural-log probability from the
    shipped sources (small; it keeps rare syllables apart); the line number is
    the syllable's id.  At load time wordfreq's Vietnamese frequencies, read
    through its API, are added (see :func:`unigram_logp`).
``pairs.bin``
    every known syllable pair with its evidence (see :class:`PairEvidence`):
    which word lists vouch for it and how often it occurs in running text.
``phrases.txt``
    multi-syllable dictionary words and domain phrases, canonical spelling.

The model is an interpolated syllable bigram model.  With ``c(a, b)`` the
weighted running-text count of a pair, ``c(a)`` that of its first syllable,
``P(b)`` the unigram probability and ``E(a, b)`` the summed weights of the
word lists that vouch for the pair,

    P(b | a) = (c(a, b) + μ · P(b) · exp(E(a, b))) / (c(a) + μ)

so a pair that no list knows and no text shows falls back on ``P(b)``, and a
pair a dictionary knows is taken as ``exp(E)`` times likelier than chance.
For the decoder this splits into ``backoff(a) = log(μ / (c(a) + μ))``, the
unigram ``log P(b)`` and a non-negative pair *bonus*.
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

PAIR_MAGIC = b"DFPAIRS2"

# Bits of the evidence mask of a syllable pair.
IN_WORD = 1  # adjacent inside a two-syllable dictionary word
IN_LONG_WORD = 2  # adjacent inside a dictionary word of three syllables or more
IN_TESSERACT = 4  # a word pair of Tesseract's Vietnamese bigram list
IN_PHRASE = 8  # adjacent inside a hand-written domain phrase
PAIR_SHIFT = 16  # pair key = first id << PAIR_SHIFT | second id
#: The model's stand-in for any number ("ngày 15", "5.000.000 đồng", "năm 2020").
NUMBER = "0"
#: … and for any all-caps abbreviation ("UBND tỉnh", "TP Hồ Chí Minh").
ABBREVIATION = "A0"
#: What a user model folder's manifest.json says it is (written by learn.py).
USER_MODEL_FORMAT = "diacritics-fix user model"
USER_MODEL_VERSION = 1
#: A user model of this many syllables gets half its weight in the unigram mixture.
USER_PRIOR_SYLLABLES = 20_000
#: log P given to a word of a user's lexicon that the model finds rarer than this.
LEXICON_LOGP = -12.0


class Weights(NamedTuple):
    """Parameters of the model.  Defaults are tuned by ``bench/tune.py`` on the tune split."""

    unigram: float = 1.0  # weight of log P(syllable)
    in_word: float = 4.0  # E for a pair inside a two-syllable dictionary word
    in_long_word: float = 1.5  # … inside a longer dictionary word
    in_tesseract: float = 2.0  # … listed by Tesseract
    in_phrase: float = 2.5  # … inside a hand-written phrase
    own_text: float = 1.0  # weight of a count from the project's own text
    help_text: float = 0.3  # weight of a count from LibreOffice's help text
    smoothing: float = 50.0  # μ
    phrase_per_syllable: float = 1.0  # bonus per extra syllable of a matched phrase
    user_phrase_pair: float = 8.0  # bonus of each syllable pair inside a user's phrase
    ocr_channel: float = 1.0  # weight of the OCR channel's log P against the language model
    confidence_temperature: float = 1.5  # divides max-marginal scores before normalising (fitted on OCR tune pairs)
    unknown_logp: float = -16.0  # log P of a word the model does not know


class PairEvidence(NamedTuple):
    """What the data says about one syllable pair."""

    mask: int  # IN_* bits
    help_count: int  # occurrences in LibreOffice's help text
    own_count: int  # occurrences in the project's own text


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
    parts = phrase.replace("-", " ").split()
    if not parts or not all(is_valid(part) for part in parts):
        return None
    return [canonical(part) for part in parts]


def _little_endian(*arrays: array.array) -> None:
    if sys.byteorder != "little":
        for arr in arrays:
            arr.byteswap()


def write_pairs(path: Path, keys: list[int], evidence: list[PairEvidence]) -> None:
    """Write the pair table: sorted keys, and per key an index into the distinct evidence."""
    combos = sorted(set(evidence))
    if len(combos) > 0xFFFF:
        raise ValueError("too many distinct pair evidences for the table format")
    combo_index = {combo: i for i, combo in enumerate(combos)}
    key_array = array.array("I", keys)
    combo_array = array.array("H", (combo_index[e] for e in evidence))
    combo_table = array.array("I", (v for combo in combos for v in combo))
    _little_endian(key_array, combo_array, combo_table)
    with open(path, "wb") as handle:
        handle.write(PAIR_MAGIC)
        sizes = array.array("I", [len(keys), len(combos)])
        _little_endian(sizes)
        handle.write(sizes.tobytes())
        combo_table.tofile(handle)
        key_array.tofile(handle)
        combo_array.tofile(handle)


def read_pairs(path: Path) -> tuple[array.array, array.array, list[PairEvidence]]:
    """Read what :func:`write_pairs` wrote: keys, combo index per key, distinct evidence."""
    with open(path, "rb") as handle:
        if handle.read(len(PAIR_MAGIC)) != PAIR_MAGIC:
            raise ValueError(f"{path}: not a diacritics-fix pair table (rebuild with scripts/build_data.py)")
        sizes = array.array("I")
        sizes.fromfile(handle, 2)
        _little_endian(sizes)
        n_keys, n_combos = sizes
        combo_table, keys, combos = array.array("I"), array.array("I"), array.array("H")
        combo_table.fromfile(handle, 3 * n_combos)
        keys.fromfile(handle, n_keys)
        combos.fromfile(handle, n_keys)
    _little_endian(combo_table, keys, combos)
    evidence = [PairEvidence(*combo_table[i:i + 3]) for i in range(0, len(combo_table), 3)]
    return keys, combos, evidence


def list_evidence(mask: int, weights: Weights) -> float:
    """E: how much likelier than chance the word lists make a pair."""
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


def unigram_logp(syllables: list[str], attestation_logp: list[float]) -> list[float]:
    """Natural-log unigram probabilities: wordfreq's, plus the shipped attestation mass."""
    from wordfreq import get_frequency_dict

    frequency: dict[str, float] = {}
    for word, freq in get_frequency_dict("vi").items():
        if len(word) <= 7 and word.isalpha():
            key = canonical(word)
            frequency[key] = frequency.get(key, 0.0) + freq
    return [math.log(frequency.get(s, 0.0) + math.exp(a)) for s, a in zip(syllables, attestation_logp)]


@dataclass
class Model:
    """Syllables, pair scores and phrases, ready for the decoder.

    Ids index :attr:`syllables`; :attr:`by_skeleton` lists the ids of every
    syllable with a given skeleton, most frequent first.  ``pair_bonus`` is
    keyed by ``first << PAIR_SHIFT | second``; ``backoff`` is indexed by id.
    """

    syllables: list[str]
    logp: list[float]
    backoff: list[float]
    pair_bonus: dict[int, float]
    abbreviations: dict[str, str]
    weights: Weights
    phrases: dict[tuple[str, ...], list[tuple[int, ...]]] = field(default_factory=dict)
    id_of: dict[str, int] = field(init=False)
    by_skeleton: dict[str, list[int]] = field(init=False)
    max_phrase: int = field(init=False, default=0)
    phrase_starts: set[tuple[str, str]] = field(init=False, default_factory=set)
    number_id: int = field(init=False)
    abbreviation_id: int = field(init=False)

    def __post_init__(self) -> None:
        self.id_of = {syl: i for i, syl in enumerate(self.syllables)}
        self.number_id = self.id_of.get(NUMBER, (1 << PAIR_SHIFT) - 1)
        self.abbreviation_id = self.id_of.get(ABBREVIATION, (1 << PAIR_SHIFT) - 1)
        groups: dict[str, list[int]] = {}
        for i, syl in enumerate(self.syllables):
            groups.setdefault(skeleton(syl), []).append(i)
        for ids in groups.values():
            ids.sort(key=lambda i: -self.logp[i])
        self.by_skeleton = groups

    def _syllable_id(self, syllable: str) -> int:
        sid = self.id_of.get(syllable)
        if sid is None:
            sid = self.id_of[syllable] = len(self.syllables)
            self.syllables.append(syllable)
            self.logp.append(self.weights.unknown_logp)
            self.backoff.append(0.0)
            self.by_skeleton.setdefault(skeleton(syllable), []).append(sid)
        return sid

    def add_compiled_phrases(self, phrases: Iterable[list[str]]) -> None:
        """Add the shipped phrase table fast: distinct phrases of known canonical syllables."""
        id_of, phrases_by_key, starts = self.id_of, self.phrases, self.phrase_starts
        skeletons = [skeleton(s) for s in self.syllables]
        longest = self.max_phrase
        for syllables in phrases:
            try:
                ids = tuple([id_of[s] for s in syllables])
            except KeyError:
                continue  # a table built for other syllables: skip what does not fit
            key = tuple([skeletons[i] for i in ids])
            found = phrases_by_key.get(key)
            if found is None:
                phrases_by_key[key] = [ids]
                starts.add(key[:2])
                if len(key) > longest:
                    longest = len(key)
            else:
                found.append(ids)
        self.max_phrase = longest

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
        self.phrase_starts.add(key[:2])
        self.max_phrase = max(self.max_phrase, len(key))
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
                        key = a << PAIR_SHIFT | b
                        self.pair_bonus[key] = max(self.pair_bonus.get(key, 0.0), pair_bonus)
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


def _load_abbreviations(path: Path) -> dict[str, str]:
    table = {}
    if path.exists():
        for entry in read_list(path):
            table[entry.replace("Đ", "D").replace("đ", "d")] = entry
    return table


def pair_scores(
    keys: array.array, combos: array.array, evidence: list[PairEvidence], logp: list[float], weights: Weights,
    extra: dict[int, float] | None = None,
) -> tuple[dict[int, float], list[float]]:
    """The decoder's pair bonuses and per-syllable backoffs (see the module docstring).

    *extra* adds counts by pair key: a user's own text (see :func:`with_user_models`).
    """
    mu = weights.smoothing
    counts = [weights.own_text * e.own_count + weights.help_text * e.help_count for e in evidence]
    boost = [math.exp(list_evidence(e.mask, weights)) for e in evidence]
    first_total = [0.0] * len(logp)
    bonus = {}
    if extra:
        extra = dict(extra)
        for key, combo in zip(keys, combos):
            if key in extra:
                # the shipped evidence and the user's count, in one formula below
                bonus[key] = boost[combo]
                extra[key] += counts[combo]
        for key, count in extra.items():
            first_total[key >> PAIR_SHIFT] += count
            second = key & ((1 << PAIR_SHIFT) - 1)
            bonus[key] = math.log(count / (mu * math.exp(logp[second])) + bonus.get(key, 1.0))
        keys_combos = [(k, c) for k, c in zip(keys, combos) if k not in extra]
    else:
        keys_combos = zip(keys, combos)
    for key, combo in keys_combos:
        count = counts[combo]
        if count:
            first_total[key >> PAIR_SHIFT] += count
            second = key & ((1 << PAIR_SHIFT) - 1)
            bonus[key] = math.log(count / (mu * math.exp(logp[second])) + boost[combo])
        elif boost[combo] > 1.0:
            bonus[key] = math.log(boost[combo])
    backoff = [math.log(mu / (total + mu)) for total in first_total]
    return bonus, backoff


@functools.lru_cache(maxsize=4)
def load_model(weights: Weights = Weights(), folder: str | None = None) -> Model:
    """Load the shipped model once per process (and per set of weights)."""
    root = Path(folder) if folder else data_dir()
    lexicon = root / "lexicon"
    syllables, attestation = [], []
    with open(lexicon / "syllables.tsv", encoding="utf-8") as handle:
        for line in handle:
            syllable, value = line.rstrip("\n").split("\t")
            syllables.append(syllable)
            attestation.append(float(value))
    logp = unigram_logp(syllables, attestation)
    keys, combos, evidence = read_pairs(lexicon / "pairs.bin")
    bonus, backoff = pair_scores(keys, combos, evidence, logp, weights)
    model = Model(syllables, logp, backoff, bonus, _load_abbreviations(root / "abbreviations.txt"), weights)
    with open(lexicon / "phrases.txt", encoding="utf-8") as handle:
        model.add_compiled_phrases(line.split() for line in handle if not line.startswith("#"))
    return model


# -- user models (see learn.py) ------------------------------------------------

class UserCounts(NamedTuple):
    """What a user model folder holds (see learn.py for how it is made)."""

    unigrams: dict[str, int]  # canonical syllable → count
    pairs: dict[tuple[str, str], int]  # (first, second) → count
    phrases: list[str]  # frequent phrases, canonical syllables
    names: list[str]  # capitalised names, as written
    manifest: dict


def read_user_model(folder: str | Path) -> UserCounts:
    """Read a model folder written by ``diacritics-fix learn``; ValueError naming it when it is none."""
    import gzip
    import json

    root = Path(folder)
    try:
        with open(root / "manifest.json", encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        raise ValueError(f"{folder}: not a diacritics-fix model (no readable manifest.json)") from None
    if manifest.get("format") != USER_MODEL_FORMAT or manifest.get("format_version", 0) > USER_MODEL_VERSION:
        raise ValueError(f"{folder}: not a model of this diacritics-fix version")
    try:
        unigrams: dict[str, int] = {}
        with open(root / "syllables.tsv", encoding="utf-8") as handle:
            for line in handle:
                syllable, count = line.rstrip("\n").split("\t")
                unigrams[syllable] = int(count)
        pairs: dict[tuple[str, str], int] = {}
        with gzip.open(root / "pairs.tsv.gz", "rt", encoding="utf-8") as handle:
            for line in handle:
                first, second, count = line.rstrip("\n").split("\t")
                pairs[first, second] = int(count)
        lists = []
        for name in ("phrases.txt", "names.txt"):
            path = root / name
            lists.append([line.split("\t")[0] for line in read_list(path)] if path.exists() else [])
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"{folder}: damaged model ({error})") from None
    return UserCounts(unigrams, pairs, lists[0], lists[1], manifest)


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

    The user models' counts are pooled.  With λ = *weight*:

    * unigrams become the mixture ``λ' · P_user + (1 - λ') · P_shipped``,
      ``λ' = λ · n / (n + USER_PRIOR_SYLLABLES)`` for a user text of n
      syllables (a small sample says little about the words it lacks);
      syllables the user's text attests but the shipped model lacks join it;
    * each pair's running-text count ``c(a, b)`` (and so ``c(a)``) gets the
      user's count times ``λ / (1 - λ)`` added, in the formula of :func:`pair_scores`;
    * the user's frequent phrases and names become phrases.

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
    unigrams: dict[str, int] = {}
    pairs: dict[tuple[str, str], int] = {}
    for counts in user:
        for syllable, count in counts.unigrams.items():
            unigrams[syllable] = unigrams.get(syllable, 0) + count
        for pair, count in counts.pairs.items():
            pairs[pair] = pairs.get(pair, 0) + count

    syllables = list(base.syllables)
    id_of = dict(base.id_of)
    for syllable in unigrams:
        if syllable not in id_of and is_valid_token(syllable) and len(syllables) < (1 << PAIR_SHIFT) - 1:
            id_of[syllable] = len(syllables)
            syllables.append(syllable)
    total = sum(unigrams.values()) or 1
    # A small sample says little about the rest of the vocabulary: its share of
    # the mixture grows with its size.
    mixture = weight * total / (total + USER_PRIOR_SYLLABLES)
    logp = []
    for sid, syllable in enumerate(syllables):
        shipped = math.exp(base.logp[sid]) if sid < len(base.logp) else 0.0
        p = mixture * unigrams.get(syllable, 0) / total + (1.0 - mixture) * shipped
        logp.append(math.log(p) if p > 0.0 else weights.unknown_logp)

    scale = weight / (1.0 - weight)
    extra: dict[int, float] = {}
    for (first, second), count in pairs.items():
        a, b = id_of.get(first), id_of.get(second)
        if a is not None and b is not None:
            extra[a << PAIR_SHIFT | b] = scale * count
    root = Path(folder) if folder else data_dir()
    keys, combos, evidence = read_pairs(root / "lexicon" / "pairs.bin")
    bonus, backoff = pair_scores(keys, combos, evidence, logp, weights, extra)

    model = Model(syllables, logp, backoff, bonus, dict(base.abbreviations), weights)
    model.phrases = {key: list(readings) for key, readings in base.phrases.items()}
    model.phrase_starts = set(base.phrase_starts)
    model.max_phrase = base.max_phrase
    for counts in user:
        for phrase in counts.phrases:
            model.add_phrase_syllables(phrase.split())
        model.add_phrases(counts.names)
    return model


def is_valid_token(syllable: str) -> bool:
    """A syllable the model may hold: a valid one, or a stand-in (NUMBER, ABBREVIATION)."""
    return syllable in (NUMBER, ABBREVIATION) or is_valid(syllable)
