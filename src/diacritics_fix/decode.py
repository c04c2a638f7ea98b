"""Candidates → the best sequence: a trigram Viterbi over the candidate lattice.

A *lattice* is the sequence of :class:`~diacritics_fix.candidates.Slot` of a
passage: ``<s>``, then one slot per position the language model sees (a word
with its readings, or a fixed symbol: punctuation, a number class, a code),
then ``</s>``.  The score of a path is

    Σ unary (channel; a glued reading's inner pair)
    + Σ weighted log P(syllable | previous syllable) + list evidence of the pair
    + Σ what the syllable before the previous one adds (the trigram)
    + phrase bonuses,

where phrase bonuses reward readings that spell a known multi-syllable word
or domain phrase (longer matches earn more).  Decoding takes two passes:

1. a first-order pass (pairs only) gives every reading its max-marginal
   score; readings more than :data:`BEAM` below the best of their slot, and
   all but the :data:`KEEP_READINGS` best, are dropped;
2. a second-order Viterbi over what remains adds the trigram.

The first pass runs over all the lattices of a text at once: a slot with a
single reading cuts a lattice into independent *pieces*, and all pieces are
stepped through together with array operations.  Pair scores between two
slots are cached (the same neighbouring words recur throughout a document),
and so are decoded lattices; scores come from the model in batches.

>>> from diacritics_fix.model import load_model
>>> from diacritics_fix.candidates import SlotCache
>>> model = load_model()
>>> slots = SlotCache(model, 6)
>>> lattice = [slots.fixed("<s>"), slots.get("uy", 1.0), slots.get("ban", 1.0), slots.fixed("</s>")]
>>> [model.syllables[lattice[i].ids[c.index]] for i, c in enumerate(Decoder(model).decode(lattice))]
['<s>', 'ủy', 'ban', '</s>']
"""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import numpy as np

from .candidates import Slot
from .model import Model

NEG_INF = float("-inf")
#: After the first pass, a reading whose max-marginal is this far below its slot's best is dropped.
BEAM = 7.0
#: … and at most this many readings of a slot go on to the trigram pass.
KEEP_READINGS = 3

Phrases = dict[tuple[int, int], tuple[float, tuple[int, ...]]]


class Choice(NamedTuple):
    """The decision at one position."""

    index: int  # index into the slot's candidates
    confidence: float  # posterior-like probability of that choice, 1.0 when not computed
    phrase: tuple[int, ...] | None  # the phrase that supported it, if any
    scores: tuple[float, ...]  # max-marginal score of every candidate (empty when not computed)


class Decoder:
    """Finds the best reading of lattices; holds bounded caches of pair scores and decoded lattices.

    Safe to share between threads: caches only grow or are cleared whole, and
    a race at worst computes an entry twice.
    """

    def __init__(self, model: Model, max_cache: int = 500_000) -> None:
        self.model = model
        self.max_cache = max_cache
        self._pairs: dict[int, np.ndarray] = {}
        self._lattices: dict[tuple[int, ...], list[Choice]] = {}

    # -- scores ----------------------------------------------------------------------

    def pair_matrices(self, lattices: Sequence[Sequence[Slot]]) -> list[list[np.ndarray]]:
        """For each lattice, for each neighbouring pair of its slots, the matrix of pair scores
        ``[left reading, right reading]``."""
        cache = self._pairs
        keys = [[left.serial << 32 | right.serial for left, right in zip(slots, slots[1:])] for slots in lattices]
        missing: dict[int, tuple[Slot, Slot]] = {}
        for slots, row in zip(lattices, keys):
            for n, key in enumerate(row):
                if key not in cache and key not in missing:
                    missing[key] = (slots[n], slots[n + 1])
        if missing:
            firsts, seconds, shapes = [], [], []
            for key, (left, right) in missing.items():
                shapes.append((key, len(left.last_ids), len(right.ids)))
                for a in left.last_ids:
                    firsts.extend([a] * len(right.ids))
                    seconds.extend(right.ids)
            scores = self.model.pair_scores(np.array(firsts, dtype=np.int64), np.array(seconds, dtype=np.int64))
            if len(cache) + len(shapes) > self.max_cache:
                cache.clear()
            position = 0
            for key, rows, columns in shapes:
                cache[key] = scores[position:position + rows * columns].reshape(rows, columns)
                position += rows * columns
        return [[cache[key] for key in row] for row in keys]

    def phrase_bonuses(self, slots: Sequence[Slot]) -> Phrases:
        """(position, candidate index) → (bonus, phrase) for readings that spell a known phrase."""
        model = self.model
        phrases, lengths = model.phrases, model.phrase_lengths
        per_syllable = model.weights.phrase_per_syllable
        found: Phrases = {}
        if not per_syllable:
            return found
        skeletons = [slot.skeleton for slot in slots]
        n = len(slots)
        for start in range(n - 1):
            first = skeletons[start]
            if first is None:
                continue
            possible = lengths.get((first, skeletons[start + 1]))
            if not possible:
                continue
            for length in possible:
                if start + length > n:
                    continue
                readings = phrases.get(tuple(skeletons[start:start + length]))
                if not readings:
                    continue
                value = per_syllable * (length - 1)
                for ids in readings:
                    indexes = []
                    for offset, sid in enumerate(ids):
                        slot_ids = slots[start + offset].ids
                        if sid not in slot_ids:
                            break
                        indexes.append(slot_ids.index(sid))
                    else:
                        for offset, k in enumerate(indexes):
                            key = (start + offset, k)
                            if value > found.get(key, (0.0,))[0]:
                                found[key] = (value, ids)
        return found

    # -- decoding ----------------------------------------------------------------------

    def decode(self, slots: Sequence[Slot], with_confidence: bool = False) -> list[Choice]:
        """The best reading of a lattice (``<s>`` … ``</s>`` included): one :class:`Choice` per slot."""
        return self.decode_all([slots], with_confidence)[0]

    def decode_all(self, lattices: Sequence[Sequence[Slot]], with_confidence: bool = False) -> list[list[Choice]]:
        """:meth:`decode` for many lattices at once (the first pass runs over all of them together)."""
        results: list[list[Choice] | None] = [None] * len(lattices)
        todo = []
        for n, slots in enumerate(lattices):
            if not slots:
                results[n] = []
            elif not with_confidence and (found := self._lattices.get(tuple(s.serial for s in slots))) is not None:
                results[n] = found
            else:
                todo.append(n)
        if todo:
            chosen = self._decode([lattices[n] for n in todo], with_confidence)
            if not with_confidence:
                if len(self._lattices) + len(todo) > self.max_cache // 10:
                    self._lattices.clear()
            for n, choices in zip(todo, chosen):
                results[n] = choices
                if not with_confidence:
                    self._lattices[tuple(s.serial for s in lattices[n])] = choices
        return results  # type: ignore[return-value]

    def _decode(self, lattices: Sequence[Sequence[Slot]], with_confidence: bool) -> list[list[Choice]]:
        pairs = self.pair_matrices(lattices)
        phrases = [self.phrase_bonuses(slots) for slots in lattices]
        unaries = []
        for slots, phrase in zip(lattices, phrases):
            unary = [slot.unary for slot in slots]
            if phrase:
                unary = [row[:] for row in unary]
                for (i, k), (value, _) in phrase.items():
                    unary[i][k] += value
            unaries.append(unary)
        kept = _first_pass(pairs, unaries)
        gains = self._trigram_gains(lattices, kept)
        temperature = self.model.weights.confidence_temperature
        results = []
        for n in range(len(lattices)):
            path = _viterbi(pairs[n], unaries[n], kept[n], gains[n])
            phrase = phrases[n]
            supports = [phrase.get((i, k), (0.0, None))[1] for i, k in enumerate(path)]
            if not with_confidence:
                results.append([Choice(k, 1.0, support, ()) for k, support in zip(path, supports)])
                continue
            # The scores are not calibrated log-probabilities: a temperature, fitted on
            # the tune split, makes the confidences match how often readings are right.
            marginals = _max_marginals(pairs[n], unaries[n], kept[n], gains[n])
            choices = []
            for k, support, row in zip(path, supports, marginals):
                top = max(row)
                weights = [math.exp((m - top) / temperature) for m in row]
                choices.append(Choice(k, weights[k] / sum(weights), support, tuple(row)))
            results.append(choices)
        return results

    def _trigram_gains(self, lattices: Sequence[Sequence[Slot]], kept: list[list[list[int]]],
                       ) -> list[list[dict[tuple[int, int, int], float]]]:
        """For each lattice and position i ≥ 2: (a, b, c) → what the reading two back adds
        (a, b, c index the kept readings of positions i-2, i-1, i)."""
        befores, firsts, seconds, where = [], [], [], []
        for n, (slots, keep) in enumerate(zip(lattices, kept)):
            for i in range(2, len(slots)):
                k0, k1, k2 = keep[i - 2], keep[i - 1], keep[i]
                if len(k0) == 1 and len(k1) == 1 and len(k2) == 1:
                    continue  # one path through here: what it adds changes no choice
                s0, s1, s2 = slots[i - 2], slots[i - 1], slots[i]
                for a, ka in enumerate(k0):
                    for b, kb in enumerate(k1):
                        before = s1.before_last[kb]
                        if before is None:
                            before = s0.last_ids[ka]
                        last = s1.last_ids[kb]
                        for c, kc in enumerate(k2):
                            befores.append(before)
                            firsts.append(last)
                            seconds.append(s2.ids[kc])
                            where.append((n, i, a, b, c))
        gains: list[list[dict[tuple[int, int, int], float]]] = [[{} for _ in slots] for slots in lattices]
        if where:
            values = self.model.trigram_gains(np.array(befores, dtype=np.int64), np.array(firsts, dtype=np.int64),
                                              np.array(seconds, dtype=np.int64)).tolist()
            for (n, i, a, b, c), value in zip(where, values):
                gains[n][i][(a, b, c)] = value
        return gains


_ONE = [0]


def _first_pass(pairs: list[list[np.ndarray]], unaries: list[list[list[float]]]) -> list[list[list[int]]]:
    """The readings of each slot of each lattice kept for the second pass, best first.

    Max-marginals with pairs only: the forward and backward scores of every
    reading.  A slot with one reading cuts a lattice into independent pieces
    (what lies before it cannot change what is best after it), and all pieces
    of all lattices are stepped through together, longest first: at each
    step, the pieces still going on are a prefix of the batch.
    """
    kept = [[_ONE] * len(unary) for unary in unaries]
    pieces = []  # (length, lattice, first slot, last slot): both ends have one reading
    width = 1
    for n, unary in enumerate(unaries):
        start = 0
        for i in range(1, len(unary)):
            size = len(unary[i])
            if size == 1:
                if i - start > 1:
                    pieces.append((i - start + 1, n, start, i))
                start = i
            elif size > width:
                width = size
    if not pieces:
        return kept
    pieces.sort(key=lambda piece: -piece[0])
    count, length = len(pieces), pieces[0][0]
    # Slot rows and pair matrices of every piece, padded to the common width
    # and length (past its end, a piece carries its single last reading on).
    pads = [[-np.inf] * (width - k) for k in range(width + 1)]
    carry = [0.0] + pads[1]
    carry_matrix = np.full((width, width), -np.inf)
    carry_matrix[0, 0] = 0.0
    values: list[float] = []
    matrices = np.empty((count, length - 1, width, width))
    for p, (size, n, start, end) in enumerate(pieces):
        for row in unaries[n][start:end + 1]:
            values.extend(row)
            values.extend(pads[len(row)])
        values.extend(carry * (length - size))
        target = matrices[p]
        for step, matrix in enumerate(pairs[n][start:end]):
            rows, columns = matrix.shape
            if rows == width and columns == width:
                target[step] = matrix
            else:
                target[step] = -np.inf
                target[step, :rows, :columns] = matrix
        target[size - 1:] = carry_matrix
    u = np.array(values).reshape(count, length, width)
    active = [sum(1 for piece in pieces if piece[0] > step) for step in range(length)]
    forward = np.full_like(u, -np.inf)
    forward[:, 0] = u[:, 0]
    for step in range(1, length):
        m = active[step]
        forward[:m, step] = np.max(forward[:m, step - 1, :, None] + matrices[:m, step - 1], axis=1) + u[:m, step]
    backward = np.zeros_like(u)
    for step in range(length - 2, -1, -1):
        m = active[step + 1]
        following = (u[:m, step + 1] + backward[:m, step + 1])[:, None, :]
        backward[:m, step] = np.max(matrices[:m, step] + following, axis=2)
    with np.errstate(invalid="ignore"):
        marginals = forward + backward
    marginals[np.isnan(marginals)] = -np.inf
    best = marginals.max(axis=2, keepdims=True)
    alive = np.minimum((marginals >= best - BEAM).sum(axis=2), KEEP_READINGS).tolist()
    # the best few of each slot, best first: repeated argmax (cheaper than a sort of every row)
    ranked = []
    rest = marginals.copy()
    rows_index, columns_index = np.indices(rest.shape[:2])
    for _ in range(min(KEEP_READINGS, width)):
        top = rest.argmax(axis=2)
        ranked.append(top.tolist())
        rest[rows_index, columns_index, top] = -np.inf
    for p, (size, n, start, end) in enumerate(pieces):
        keep, counts = kept[n], alive[p]
        for offset in range(1, size - 1):
            keep[start + offset] = [ranked[r][p][offset] for r in range(counts[offset])]
    return kept


def _viterbi(pairs: list[np.ndarray], unary: list[list[float]], kept: list[list[int]],
             gains: list[dict[tuple[int, int, int], float]]) -> list[int]:
    """The best path over the kept readings, with pairs and trigram gains: a candidate index per slot."""
    n = len(unary)
    if all(len(k) == 1 for k in kept):
        return [k[0] for k in kept]
    first = pairs[0]
    # score[(b, c)]: best path ending with kept[i-1][b], kept[i][c]
    score = {(b, c): unary[0][kb] + float(first[kb, kc]) + unary[1][kc]
             for b, kb in enumerate(kept[0]) for c, kc in enumerate(kept[1])}
    back: list[dict[tuple[int, int], int]] = [{}, {}]
    for i in range(2, n):
        matrix, own, gain = pairs[i - 1], unary[i], gains[i]
        before, previous, current = kept[i - 2], kept[i - 1], kept[i]
        if len(before) == 1 and len(previous) == 1 and len(current) == 1:
            (value,) = score.values()
            score = {(0, 0): value + float(matrix[previous[0], current[0]]) + own[current[0]]}
            back.append({(0, 0): 0})
            continue
        new_score: dict[tuple[int, int], float] = {}
        pointers: dict[tuple[int, int], int] = {}
        for b, kb in enumerate(previous):
            for c, kc in enumerate(current):
                best, arg = NEG_INF, 0
                for a in range(len(before)):
                    value = score[(a, b)] + gain.get((a, b, c), 0.0)
                    if value > best:
                        best, arg = value, a
                new_score[(b, c)] = best + float(matrix[kb, kc]) + own[kc]
                pointers[(b, c)] = arg
        score = new_score
        back.append(pointers)
    b, c = max(score, key=score.get)
    path = [0] * n
    path[n - 1], path[n - 2] = kept[n - 1][c], kept[n - 2][b]
    for i in range(n - 1, 1, -1):
        a = back[i][(b, c)]
        path[i - 2] = kept[i - 2][a]
        b, c = a, b
    return path


def _max_marginals(pairs: list[np.ndarray], unary: list[list[float]], kept: list[list[int]],
                   gains: list[dict[tuple[int, int, int], float]]) -> list[list[float]]:
    """Each reading's best path score (-inf for a dropped reading), forward and backward over pair states."""
    n = len(unary)
    marginals = [[NEG_INF] * len(row) for row in unary]
    if n == 1:
        for k in kept[0]:
            marginals[0][k] = unary[0][k]
        return marginals
    forward: list[dict[tuple[int, int], float]] = [{} for _ in range(n)]
    forward[1] = {(b, c): unary[0][kb] + float(pairs[0][kb, kc]) + unary[1][kc]
                  for b, kb in enumerate(kept[0]) for c, kc in enumerate(kept[1])}
    for i in range(2, n):
        forward[i] = {
            (b, c): max(forward[i - 1][(a, b)] + gains[i].get((a, b, c), 0.0) for a in range(len(kept[i - 2])))
            + float(pairs[i - 1][kb, kc]) + unary[i][kc]
            for b, kb in enumerate(kept[i - 1]) for c, kc in enumerate(kept[i])
        }
    backward: list[dict[tuple[int, int], float]] = [{} for _ in range(n)]
    backward[n - 1] = {state: 0.0 for state in forward[n - 1]}
    for i in range(n - 2, 0, -1):
        backward[i] = {
            (a, b): max(backward[i + 1][(b, c)] + gains[i + 1].get((a, b, c), 0.0)
                        + float(pairs[i][kept[i][b], kc]) + unary[i + 1][kc] for c, kc in enumerate(kept[i + 1]))
            for a in range(len(kept[i - 1])) for b in range(len(kept[i]))
        }
    for i in range(1, n):
        for (b, c), value in forward[i].items():
            total = value + backward[i][(b, c)]
            kc = kept[i][c]
            marginals[i][kc] = max(marginals[i][kc], total)
            if i == 1:
                kb = kept[0][b]
                marginals[0][kb] = max(marginals[0][kb], total)
    return marginals
