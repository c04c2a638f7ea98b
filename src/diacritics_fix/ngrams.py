"""Counting syllable n-grams and estimating a Kneser-Ney language model from them.

Used at build time (``scripts/build_data.py`` turns the training corpus into
the shipped model) and by ``diacritics-fix learn`` (a user's own text into a
user model).  Text becomes symbols with :func:`paragraph_symbols` (the
restorer sees the same symbols, see :mod:`diacritics_fix.symbols`); a
:class:`Counts` gathers unigrams, bigrams and trigrams of paragraphs
(``<s> … </s>``); :func:`estimate` makes an interpolated modified
Kneser-Ney model of them (Chen & Goodman 1998; the estimate KenLM makes):

* the discounts ``D1, D2, D3+`` of each order come from the count-of-counts of
  the *unpruned* (adjusted) counts;
* lower orders use continuation counts (how many different words precede);
* then rare trigrams (and, if asked, bigrams) are pruned: the probabilities
  of those kept are those of the full model, and the mass of the pruned ones
  moves to the backoff weights, so that every context still sums to one.

The result, a :class:`BackoffModel`, is in the backoff form every n-gram
toolkit reads (ARPA's): ``log P(c | a b)`` is the stored trigram's, or the
backoff weight of ``a b`` plus ``log P(c | b)``, and so on down to the
unigram.  :func:`mix` interpolates several such models (an administrative
part, a general part) into one with fixed weights.

Keys pack symbol ids (below 2**16) into integers: a bigram is ``a << 16 | b``
(uint32), a trigram ``a << 32 | b << 16 | c`` (uint64); arrays of keys are
sorted, so lookups are binary searches (:meth:`BackoffModel.logp`).

>>> counts = Counts()
>>> for line in ["ủy ban nhân dân tỉnh", "ủy ban nhân dân huyện", "ban nhân dân"]:
...     counts.add(paragraph_symbols(line))
>>> model = estimate(counts)
>>> model.logp(["ủy", "ban"], "nhân") > model.logp(["ủy", "ban"], "tỉnh")
True
"""

from __future__ import annotations

import math
from pathlib import Path
import unicodedata
from array import array
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import tokens as tk
from .symbols import ABBR, BOS, CLASSES, EOS, UNK, context_symbols
from .syllable import canonical, is_valid

SHIFT = 16
MASK = (1 << SHIFT) - 1
MAX_VOCABULARY = 1 << SHIFT
LOG10 = math.log(10.0)


def word_symbol(word: str) -> str:
    """The symbol of a correctly written word: its canonical syllable, ``<abbr>`` or ``<unk>``.

    >>> word_symbol("Thuỷ"), word_symbol("UBND"), word_symbol("Internet")
    ('thủy', '<abbr>', '<unk>')
    """
    text = unicodedata.normalize("NFC", word)
    lower = text.lower()
    if is_valid(lower):
        return canonical(lower)
    if len(text) > 1 and text.isupper():
        return ABBR
    return UNK


_WORD_SYMBOLS: dict[str, str] = {}


def paragraph_symbols(paragraph: str) -> list[str]:
    """The symbols of one paragraph of correct text, between ``<s>`` and ``</s>``.

    >>> paragraph_symbols("Điều 5. Xã, phường")
    ['<s>', 'điều', '<num>', '.', 'xã', ',', 'phường', '</s>']
    """
    tokens = tk.tokenize(paragraph)
    symbols = [BOS]
    cache = _WORD_SYMBOLS
    for index, symbol in context_symbols(tokens):
        if symbol is None:
            word = tokens[index].text
            symbol = cache.get(word)
            if symbol is None:
                symbol = word_symbol(word) if tokens[index].kind == tk.WORD else UNK
                if len(cache) < 500_000:
                    cache[word] = symbol
        symbols.append(symbol)
    symbols.append(EOS)
    return symbols


class Counts:
    """Symbol sequences gathered for counting (paragraphs, each ``<s> … </s>``).

    Symbols get ids in order of first sight; :meth:`ngrams` counts them.
    """

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {symbol: i for i, symbol in enumerate(CLASSES)}
        self._stream = array("I")
        self.paragraphs = 0

    def add(self, symbols: Sequence[str]) -> None:
        """Add one paragraph's symbols (as :func:`paragraph_symbols` gives them)."""
        vocabulary = self.vocabulary
        ids = []
        for symbol in symbols:
            sid = vocabulary.get(symbol)
            if sid is None:
                if len(vocabulary) >= MAX_VOCABULARY - 1:
                    sid = vocabulary[UNK]
                else:
                    sid = vocabulary[symbol] = len(vocabulary)
            ids.append(sid)
        self._stream.extend(ids)
        self.paragraphs += 1

    def add_text(self, text: str) -> None:
        """Add every non-empty line of *text* as a paragraph."""
        for line in text.split("\n"):
            if line.strip():
                self.add(paragraph_symbols(line))

    def __len__(self) -> int:
        """Symbols gathered, ``<s>`` and ``</s>`` included."""
        return len(self._stream)

    def ngrams(self) -> "NgramCounts":
        """Unigram, bigram and trigram counts of everything added (no n-gram spans two paragraphs)."""
        stream = np.frombuffer(self._stream, dtype=np.uint32).astype(np.uint64)
        eos = self.vocabulary[EOS]
        size = len(self.vocabulary)
        unigrams = np.bincount(stream.astype(np.int64), minlength=size).astype(np.int64)
        a, b = stream[:-1], stream[1:]
        keep = a != eos
        bigram_keys, bigram_counts = np.unique((a[keep] << SHIFT) | b[keep], return_counts=True)
        a, b, c = stream[:-2], stream[1:-1], stream[2:]
        keep = (a != eos) & (b != eos)
        trigram_keys, trigram_counts = np.unique(
            (a[keep] << 2 * SHIFT) | (b[keep] << SHIFT) | c[keep], return_counts=True
        )
        symbols = [""] * size
        for symbol, sid in self.vocabulary.items():
            symbols[sid] = symbol
        return NgramCounts(symbols, unigrams, bigram_keys.astype(np.uint32), bigram_counts.astype(np.int64),
                           trigram_keys, trigram_counts.astype(np.int64))


@dataclass
class NgramCounts:
    """Raw counts: symbols by id, unigram counts by id, sorted bigram and trigram keys with counts."""

    symbols: list[str]
    unigrams: np.ndarray
    bigram_keys: np.ndarray
    bigram_counts: np.ndarray
    trigram_keys: np.ndarray
    trigram_counts: np.ndarray

    def count(self, *symbols: str) -> int:
        """How often one symbol, a pair or a triple was counted (0 when never).

        >>> counts = Counts()
        >>> counts.add(paragraph_symbols("Nậm Mằn"))
        >>> counts.ngrams().count("nậm", "mằn")
        1
        """
        try:
            ids = [self.symbols.index(symbol) for symbol in symbols]
        except ValueError:
            return 0
        if len(ids) == 1:
            return int(self.unigrams[ids[0]])
        key = 0
        for sid in ids:
            key = key << SHIFT | sid
        keys, counts = (self.bigram_keys, self.bigram_counts) if len(ids) == 2 else (self.trigram_keys, self.trigram_counts)
        where = int(np.searchsorted(keys, keys.dtype.type(key)))
        return int(counts[where]) if where < len(keys) and int(keys[where]) == key else 0

    def renumbered(self, symbols: list[str]) -> "NgramCounts":
        """The same counts over another vocabulary (a superset of this one's symbols, in its order)."""
        position = {symbol: i for i, symbol in enumerate(symbols)}
        table = np.array([position[s] for s in self.symbols], dtype=np.uint64)
        unigrams = np.zeros(len(symbols), dtype=np.int64)
        unigrams[table.astype(np.int64)] = self.unigrams
        b = self.bigram_keys.astype(np.uint64)
        bigrams = (table[(b >> SHIFT).astype(np.int64)] << SHIFT) | table[(b & MASK).astype(np.int64)]
        order = np.argsort(bigrams, kind="stable")
        t = self.trigram_keys
        trigrams = ((table[(t >> 2 * SHIFT).astype(np.int64)] << 2 * SHIFT)
                    | (table[((t >> SHIFT) & MASK).astype(np.int64)] << SHIFT)
                    | table[(t & MASK).astype(np.int64)])
        order3 = np.argsort(trigrams, kind="stable")
        return NgramCounts(list(symbols), unigrams, bigrams[order].astype(np.uint32), self.bigram_counts[order],
                           trigrams[order3], self.trigram_counts[order3])


def discounts(adjusted: np.ndarray) -> tuple[float, float, float]:
    """Modified Kneser-Ney discounts ``D1, D2, D3+`` from count-of-counts (Chen & Goodman).

    >>> [round(d, 3) for d in discounts(np.array([1] * 60 + [2] * 20 + [3] * 10 + [4] * 5))]
    [0.6, 1.1, 1.8]
    """
    n = [int(np.count_nonzero(adjusted == k)) for k in (1, 2, 3, 4)]
    if min(n) == 0:
        return 0.5, 1.0, 1.5  # too few counts to estimate: the usual values
    y = n[0] / (n[0] + 2 * n[1])
    result = tuple(max(0.1, min(k, k - (k + 1) * y * n[k] / n[k - 1])) for k in (1, 2, 3))
    return result  # type: ignore[return-value]


def _discount_of(adjusted: np.ndarray, d: tuple[float, float, float]) -> np.ndarray:
    return np.where(adjusted >= 3, d[2], np.where(adjusted == 2, d[1], np.where(adjusted == 1, d[0], 0.0)))


def _group_sums(groups: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(groups, weights=values, minlength=size)


@dataclass
class BackoffModel:
    """A pruned n-gram model in backoff form (natural-log probabilities and backoff weights).

    ``unigram_logp`` and ``unigram_backoff`` are indexed by symbol id;
    ``bigram_keys`` (sorted) index ``bigram_logp`` and ``bigram_backoff``
    (the weight of the bigram as a trigram context); ``trigram_keys`` (sorted)
    index ``trigram_logp``.
    """

    symbols: list[str]
    unigram_logp: np.ndarray
    unigram_backoff: np.ndarray
    bigram_keys: np.ndarray
    bigram_logp: np.ndarray
    bigram_backoff: np.ndarray
    trigram_keys: np.ndarray
    trigram_logp: np.ndarray
    discounts: dict

    # -- queries (vectorised) -------------------------------------------------

    def bigram_logps(self, a: np.ndarray, b: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
        """``log P(b | a)`` for arrays of ids (*order*, if given, sorts their pairs: :func:`search_sorted`)."""
        keys = keys_of_pairs(a, b)
        backed = self.unigram_backoff[a] + self.unigram_logp[b]
        if not len(self.bigram_keys):
            return backed
        where, found = _lookup(self.bigram_keys, keys, order)
        return np.where(found, self.bigram_logp[where], backed)

    def trigram_logps(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """``log P(c | a b)`` for arrays of ids."""
        if not len(self.trigram_keys):
            return self.bigram_logps(b, c)
        (where3, found3), (where2, found2) = self._trigrams_and_contexts(a, b, c)
        backoff = np.where(found2, self.bigram_backoff[where2], 0.0)
        return np.where(found3, self.trigram_logp[where3], backoff + self.bigram_logps(b, c))

    def trigram_gains(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """``log P(c | a b) - log P(c | b)`` for arrays of ids: what *a* adds.  Where the trigram
        is not stored that is the backoff weight of ``a b`` alone, so ``b c`` is looked up only
        for the stored trigrams."""
        gain = np.zeros(len(c))
        if not len(self.trigram_keys):
            return gain
        (where3, found3), (where2, found2) = self._trigrams_and_contexts(a, b, c)
        gain[found2] = self.bigram_backoff[where2[found2]]
        if found3.any():
            gain[found3] = self.trigram_logp[where3[found3]] - self.bigram_logps(b[found3], c[found3])
        return gain

    def locate(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple:
        """Where the trigrams ``a b c``, the contexts ``a b`` and the bigrams ``b c`` are in the keys:
        models that share their keys (the domains) look them up once (see :meth:`trigram_logps_at`)."""
        return (*self._trigrams_and_contexts(a, b, c), _lookup(self.bigram_keys, keys_of_pairs(b, c)))

    def _trigrams_and_contexts(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple:
        """Where the trigrams ``a b c`` and their contexts ``a b`` are in the keys, each as
        (positions, found): one sort of the trigrams sorts their contexts too."""
        triples = a.astype(np.uint64) << 2 * SHIFT | b.astype(np.uint64) << SHIFT | c.astype(np.uint64)
        order = sort_order(triples)
        return _lookup(self.trigram_keys, triples, order), _lookup(self.bigram_keys, keys_of_pairs(a, b), order)

    def trigram_logps_at(self, places: tuple, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """``log P(c | a b)`` from what :meth:`locate` found (of this model or one sharing its keys)."""
        (where3, found3), (where2, found2), (where_bc, found_bc) = places
        backoff = np.where(found2, self.bigram_backoff[where2], 0.0)
        bigram = np.where(found_bc, self.bigram_logp[where_bc], self.unigram_backoff[b] + self.unigram_logp[c])
        return np.where(found3, self.trigram_logp[where3], backoff + bigram)

    def logp(self, context: Sequence[str], symbol: str) -> float:
        """``log P(symbol | context)`` for symbols (the last two of *context* count)."""
        position = {s: i for i, s in enumerate(self.symbols)}
        ids = [position[s] for s in [*context[-2:], symbol]]
        if len(ids) == 1:
            return float(self.unigram_logp[ids[0]])
        arrays = [np.array([i]) for i in ids]
        if len(ids) == 2:
            return float(self.bigram_logps(*arrays)[0])
        return float(self.trigram_logps(*arrays)[0])

    def perplexity(self, stream: np.ndarray, eos: int) -> float:
        """Perplexity of a symbol-id stream of paragraphs (``<s>`` never predicted)."""
        a, b, c = stream[:-2], stream[1:-1], stream[2:]
        bos = self.symbols.index(BOS)
        # each symbol after the first of its paragraph, with its two predecessors in the paragraph
        first = (b == bos) & (c != bos)
        logps = []
        if first.any():
            logps.append(self.bigram_logps(b[first], c[first]))
        inner = (b != eos) & (a != eos) & (c != bos) & (b != bos)
        logps.append(self.trigram_logps(a[inner], b[inner], c[inner]))
        values = np.concatenate(logps)
        return float(np.exp(-values.mean()))


def keys_of_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The keys of the pairs ``a b`` of ids, as the bigram tables store them."""
    return (a.astype(np.uint64) << SHIFT | b.astype(np.uint64)).astype(np.uint32)


#: From this many queries on, a search sorts them first (see search_sorted).
SORTED_SEARCH = 64


def sort_order(queries: np.ndarray) -> np.ndarray | None:
    """The order that sorts *queries* for :func:`search_sorted`, or None when too few to pay."""
    return np.argsort(queries) if len(queries) >= SORTED_SEARCH else None


def search_sorted(keys: np.ndarray, queries: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
    """``np.searchsorted(keys, queries)``, quicker for many queries: searched in order (each
    search starts where the last ended, in memory a cache has seen), then put back.  *order*,
    if given, sorts the queries (a caller searching two tables with one order sorts once)."""
    if order is None:
        order = sort_order(queries)
        if order is None:
            return np.searchsorted(keys, queries)
    where = np.empty(len(queries), dtype=np.intp)
    where[order] = np.searchsorted(keys, queries[order])
    return where


def _lookup(keys: np.ndarray, queries: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Positions of *queries* in sorted *keys*, and whether each was found (*order*: see :func:`search_sorted`)."""
    where = search_sorted(keys, queries, order)
    where = np.minimum(where, len(keys) - 1) if len(keys) else np.zeros_like(where)
    found = keys[where] == queries if len(keys) else np.zeros(len(queries), dtype=bool)
    return where, found


def estimate(counts: Counts | NgramCounts, min_trigram: int = 2, min_bigram: int = 1,
             vocabulary: Sequence[str] | None = None) -> BackoffModel:
    """An interpolated modified Kneser-Ney model of the counts, pruned, in backoff form.

    Trigrams seen fewer than *min_trigram* times, and bigrams fewer than
    *min_bigram* times, are pruned (a bigram that is the context of a kept
    trigram is kept).  *vocabulary*, a superset of the counted symbols, gives
    the model's symbols and order (the unigram distribution spreads its
    interpolation mass over all of it, so a syllable never seen keeps a small
    probability).
    """
    raw = counts.ngrams() if isinstance(counts, Counts) else counts
    if vocabulary is not None:
        raw = raw.renumbered(list(vocabulary))
    symbols = raw.symbols
    size = len(symbols)
    bos = symbols.index(BOS)

    # -- adjusted counts -------------------------------------------------------
    t_keys, t_counts = raw.trigram_keys, raw.trigram_counts
    b_keys, b_counts = raw.bigram_keys, raw.bigram_counts
    b_first = (b_keys >> SHIFT).astype(np.int64)
    b_second = (b_keys & MASK).astype(np.int64)
    # continuation count of a bigram: how many different symbols precede it
    suffixes, left_types = np.unique((t_keys & 0xFFFFFFFF).astype(np.uint32), return_counts=True)
    where, found = _lookup(suffixes, b_keys)
    b_adjusted = np.where(found, left_types[where], 0).astype(np.int64)
    # n-grams that begin a paragraph have no left context: their own count
    starts = b_first == bos
    b_adjusted[starts] = b_counts[starts]
    b_adjusted = np.maximum(b_adjusted, 1)
    u_adjusted = np.bincount(b_second, minlength=size).astype(np.int64)  # distinct left neighbours
    u_adjusted[bos] = 0

    # -- unigrams --------------------------------------------------------------
    d1 = discounts(u_adjusted[u_adjusted > 0])
    total = u_adjusted.sum()
    predicted = np.ones(size, dtype=bool)
    predicted[bos] = False
    kinds = [np.count_nonzero(u_adjusted == 1), np.count_nonzero(u_adjusted == 2), np.count_nonzero(u_adjusted >= 3)]
    gamma0 = (d1[0] * kinds[0] + d1[1] * kinds[1] + d1[2] * kinds[2]) / total
    p1 = np.maximum(u_adjusted - _discount_of(u_adjusted, d1), 0.0) / total + gamma0 / predicted.sum()
    p1[bos] = 0.0

    # -- bigrams ---------------------------------------------------------------
    d2 = discounts(b_adjusted)
    context_total = _group_sums(b_first, b_adjusted.astype(float), size)
    mass = _group_sums(b_first, _discount_of(b_adjusted, d2), size)
    safe_total = np.where(context_total > 0, context_total, 1.0)
    gamma1 = np.where(context_total > 0, mass / safe_total, 1.0)
    u2 = (b_adjusted - _discount_of(b_adjusted, d2)) / safe_total[b_first]
    p2 = u2 + gamma1[b_first] * p1[b_second]

    # -- trigrams --------------------------------------------------------------
    d3 = discounts(t_counts)
    t_context = (t_keys >> SHIFT).astype(np.uint32)  # the bigram a b
    ctx_where, ctx_found = _lookup(b_keys, t_context)
    assert ctx_found.all(), "every trigram's context is a counted bigram"
    suffix_where, suffix_found = _lookup(b_keys, (t_keys & 0xFFFFFFFF).astype(np.uint32))
    assert suffix_found.all(), "every trigram's suffix is a counted bigram"
    n_bigrams = len(b_keys)
    ctx_total = _group_sums(ctx_where, t_counts.astype(float), n_bigrams)
    ctx_mass = _group_sums(ctx_where, _discount_of(t_counts, d3), n_bigrams)
    ctx_safe = np.where(ctx_total > 0, ctx_total, 1.0)
    gamma2 = np.where(ctx_total > 0, ctx_mass / ctx_safe, 1.0)
    u3 = (t_counts - _discount_of(t_counts, d3)) / ctx_safe[ctx_where]
    p3 = u3 + gamma2[ctx_where] * p2[suffix_where]

    # -- pruning: kept probabilities as they are, the rest into the backoff weights --
    keep3 = t_counts >= min_trigram
    keep2 = (b_counts >= min_bigram) | starts
    keep2[np.unique(ctx_where[keep3])] = True  # contexts of kept trigrams
    keep2[suffix_where[keep3]] = True  # … and their suffixes, so backing off lands on a stored bigram
    # bigram level: bo1(a) = gamma1(a) + Σ_pruned u2 / (1 - Σ_kept p1(b))
    pruned_u2 = _group_sums(b_first[~keep2], u2[~keep2], size)
    kept_p1 = _group_sums(b_first[keep2], p1[b_second[keep2]], size)
    bo1 = np.where(context_total > 0, gamma1 + pruned_u2 / np.maximum(1.0 - kept_p1, 1e-12), 1.0)
    # trigram level, over the stored lower order (a pruned bigram backs off)
    stored_p2 = np.where(keep2, p2, bo1[b_first] * p1[b_second])
    pruned_u3 = _group_sums(ctx_where[~keep3], u3[~keep3], n_bigrams)
    kept_p2 = _group_sums(ctx_where[keep3], stored_p2[suffix_where[keep3]], n_bigrams)
    bo2 = np.where(ctx_total > 0, gamma2 + pruned_u3 / np.maximum(1.0 - kept_p2, 1e-12), 1.0)

    with np.errstate(divide="ignore"):
        unigram_logp = np.where(p1 > 0, np.log(np.maximum(p1, 1e-300)), -99.0)
    return BackoffModel(
        symbols=list(symbols),
        unigram_logp=unigram_logp.astype(np.float32),
        unigram_backoff=np.log(bo1).astype(np.float32),
        bigram_keys=b_keys[keep2],
        bigram_logp=np.log(p2[keep2]).astype(np.float32),
        bigram_backoff=np.log(bo2[keep2]).astype(np.float32),
        trigram_keys=t_keys[keep3],
        trigram_logp=np.log(p3[keep3]).astype(np.float32),
        discounts={"unigram": d1, "bigram": d2, "trigram": d3},
    )


def mix(models: Sequence[BackoffModel], weights: Sequence[float]) -> BackoffModel:
    """Interpolate models over one vocabulary: ``P(c | a b) = Σ λ_i · P_i(c | a b)``.

    The mixture stores every n-gram any part stores, with the mixed
    probability (each part backing off where it lacks it), and new backoff
    weights that make each context sum to one (the static mixture SRILM's
    ``ngram -mix-lm`` makes).  All models must share their symbols.
    """
    symbols = models[0].symbols
    if any(m.symbols != symbols for m in models):
        raise ValueError("models to mix must share one vocabulary")
    total = float(sum(weights))
    weights = [w / total for w in weights]
    size = len(symbols)

    p1 = sum(w * np.exp(m.unigram_logp.astype(float)) for m, w in zip(models, weights))
    b_keys = np.unique(np.concatenate([m.bigram_keys for m in models]))
    first = (b_keys >> SHIFT).astype(np.int64)
    second = (b_keys & MASK).astype(np.int64)
    p2 = sum(w * np.exp(m.bigram_logps(first, second).astype(float)) for m, w in zip(models, weights))
    kept_p2 = _group_sums(first, p2, size)
    kept_p1 = _group_sums(first, p1[second], size)
    seen = np.bincount(first, minlength=size) > 0
    bo1 = np.where(seen, np.maximum(1.0 - kept_p2, 1e-12) / np.maximum(1.0 - kept_p1, 1e-12), 1.0)

    t_keys = np.unique(np.concatenate([m.trigram_keys for m in models]))
    a = (t_keys >> 2 * SHIFT).astype(np.int64)
    b = ((t_keys >> SHIFT) & MASK).astype(np.int64)
    c = (t_keys & MASK).astype(np.int64)
    p3 = sum(w * np.exp(m.trigram_logps(a, b, c).astype(float)) for m, w in zip(models, weights))
    ctx_where, ctx_found = _lookup(b_keys, (t_keys >> SHIFT).astype(np.uint32))
    assert ctx_found.all(), "a part's trigram context is its stored bigram"
    suffix_where, suffix_found = _lookup(b_keys, (t_keys & 0xFFFFFFFF).astype(np.uint32))
    # the mixture's own bigram probability of each trigram's suffix (stored, or backed off)
    suffix_p2 = np.where(suffix_found, p2[suffix_where], bo1[b] * p1[c])
    n_bigrams = len(b_keys)
    kept_p3 = _group_sums(ctx_where, p3, n_bigrams)
    kept_suffix = _group_sums(ctx_where, suffix_p2, n_bigrams)
    has_trigrams = np.bincount(ctx_where, minlength=n_bigrams) > 0
    bo2 = np.where(has_trigrams, np.maximum(1.0 - kept_p3, 1e-12) / np.maximum(1.0 - kept_suffix, 1e-12), 1.0)
    with np.errstate(divide="ignore"):
        unigram_logp = np.where(p1 > 0, np.log(np.maximum(p1, 1e-300)), -99.0)
    return BackoffModel(
        symbols=list(symbols),
        unigram_logp=unigram_logp.astype(np.float32),
        unigram_backoff=np.log(bo1).astype(np.float32),
        bigram_keys=b_keys,
        bigram_logp=np.log(p2).astype(np.float32),
        bigram_backoff=np.log(bo2).astype(np.float32),
        trigram_keys=t_keys,
        trigram_logp=np.log(p3).astype(np.float32),
        discounts={"mixture": tuple(weights)},
    )


#: The arrays of a stored model, each a raw ``.npy`` file of the model folder: the keys,
#: shared by every domain's model, and the probabilities, one set per domain.
KEY_TABLES = {"bigram_keys": np.uint32, "trigram_keys": np.uint64}
VALUE_TABLES = {
    "unigram_logp": np.float32, "unigram_backoff": np.float32,
    "bigram_logp": np.float16, "bigram_backoff": np.float16, "trigram_logp": np.float16,
}


def save(models: dict[str, BackoffModel], folder: Path) -> None:
    """Write models that share their n-grams (mixtures of the same parts with other weights):
    the keys once, each model's values as ``NAME.TABLE.npy``, and ``vocabulary.txt``."""
    folder.mkdir(parents=True, exist_ok=True)
    first = next(iter(models.values()))
    for model in models.values():
        if model.symbols != first.symbols or not (
                np.array_equal(model.bigram_keys, first.bigram_keys) and np.array_equal(model.trigram_keys, first.trigram_keys)):
            raise ValueError("models saved together must share their vocabulary and n-grams")
    for table, dtype in KEY_TABLES.items():
        np.save(folder / f"{table}.npy", np.ascontiguousarray(getattr(first, table), dtype=dtype))
    for name, model in models.items():
        for table, dtype in VALUE_TABLES.items():
            np.save(folder / f"{name}.{table}.npy", np.ascontiguousarray(getattr(model, table), dtype=dtype))
    with open(folder / "vocabulary.txt", "w", encoding="utf-8", newline="\n") as handle:
        for symbol in first.symbols:
            handle.write(symbol + "\n")


def load(folder: Path, names: Sequence[str], symbols: list[str] | None = None) -> dict[str, BackoffModel]:
    """The models *names* of *folder*, memory-mapped (pages are shared between processes and read on
    demand); they share one copy of the keys.  *symbols*: ``vocabulary.txt``, if read already."""
    if symbols is None:
        with open(folder / "vocabulary.txt", encoding="utf-8") as handle:
            symbols = handle.read().split("\n")[:-1]
    keys = {table: mapped(folder / f"{table}.npy") for table in KEY_TABLES}
    return {
        name: BackoffModel(symbols=symbols, discounts={}, **keys,
                           **{table: mapped(folder / f"{name}.{table}.npy") for table in VALUE_TABLES})
        for name in names
    }


def mapped(path: Path) -> np.ndarray:
    """A ``.npy`` file memory-mapped read-only, as a plain array (indexing a ``np.memmap``
    goes through Python code each time; the plain view reads the same mapped pages)."""
    return np.asarray(np.load(path, mmap_mode="r"))


COUNT_TABLES = {
    "unigram_counts": np.int64, "bigram_keys": np.uint32, "bigram_counts": np.int64,
    "trigram_keys": np.uint64, "trigram_counts": np.int64,
}


def write_counts(counts: NgramCounts, folder: Path) -> None:
    """Write raw counts (a user model: see learn.py) as ``.npy`` files and ``vocabulary.txt``."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"unigram_counts": counts.unigrams, "bigram_keys": counts.bigram_keys,
              "bigram_counts": counts.bigram_counts, "trigram_keys": counts.trigram_keys,
              "trigram_counts": counts.trigram_counts}
    for name, dtype in COUNT_TABLES.items():
        np.save(folder / f"{name}.npy", np.ascontiguousarray(arrays[name], dtype=dtype))
    with open(folder / "vocabulary.txt", "w", encoding="utf-8", newline="\n") as handle:
        for symbol in counts.symbols:
            handle.write(symbol + "\n")


def read_counts(folder: Path) -> NgramCounts:
    """What :func:`write_counts` wrote."""
    with open(folder / "vocabulary.txt", encoding="utf-8") as handle:
        symbols = handle.read().split("\n")[:-1]
    arrays = {name: np.load(folder / f"{name}.npy") for name in COUNT_TABLES}
    if len(arrays["unigram_counts"]) != len(symbols):
        raise ValueError("the vocabulary and the unigram counts differ in length")
    return NgramCounts(symbols, arrays["unigram_counts"], arrays["bigram_keys"], arrays["bigram_counts"],
                       arrays["trigram_keys"], arrays["trigram_counts"])


def pool(parts: Sequence[NgramCounts], vocabulary: Sequence[str]) -> NgramCounts:
    """The sum of several counts, over *vocabulary* (which holds all their symbols)."""
    renumbered = [part.renumbered(list(vocabulary)) for part in parts]
    unigrams = np.zeros(len(vocabulary), dtype=np.int64)
    for part in renumbered:
        unigrams += part.unigrams

    def merged(keys: list[np.ndarray], counts: list[np.ndarray], dtype) -> tuple[np.ndarray, np.ndarray]:
        if not keys:
            return np.zeros(0, dtype=dtype), np.zeros(0, dtype=np.int64)
        unique, inverse = np.unique(np.concatenate(keys), return_inverse=True)
        return unique.astype(dtype), np.bincount(inverse.ravel(), weights=np.concatenate(counts)).astype(np.int64)

    bigrams = merged([p.bigram_keys for p in renumbered], [p.bigram_counts for p in renumbered], np.uint32)
    trigrams = merged([p.trigram_keys for p in renumbered], [p.trigram_counts for p in renumbered], np.uint64)
    return NgramCounts(list(vocabulary), unigrams, *bigrams, *trigrams)
