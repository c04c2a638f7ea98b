"""Candidates → the best sequence: Viterbi over the candidate lattice.

A *segment* is a run of word tokens with nothing but spaces (or dashes)
between them; each position holds a :class:`~diacritics_fix.candidates.Slot`.
The score of a path is

    Σ unary (unigram weight · log P(syllable) + channel)
    + Σ backoff(previous syllable) + pair bonus(previous syllable, syllable)
    + phrase bonuses,

where phrase bonuses reward readings that spell a known multi-syllable word
or domain phrase (longer matches earn more).  Pair bonuses are never
negative, so each step only has to look at the pairs the model knows: the
best previous state is the fallback.  The known pairs between two slots are
cached, since the same neighbouring words recur throughout a document.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

from .candidates import Slot
from .model import PAIR_SHIFT, Model

NEG_INF = float("-inf")


class Choice(NamedTuple):
    """The decision at one position."""

    index: int  # index into the slot's candidates
    confidence: float  # posterior-like probability of that choice, 1.0 when not computed
    phrase: tuple[int, ...] | None  # the phrase that supported it, if any
    scores: tuple[float, ...]  # max-marginal score of every candidate (empty when not computed)


class Decoder:
    """Finds the best reading of segments; holds a bounded cache of slot-pair transitions."""

    def __init__(self, model: Model, max_cache: int = 500_000) -> None:
        self.model = model
        self.max_cache = max_cache
        self._transitions: dict[int, list[tuple[tuple[int, float], ...]]] = {}
        # Whole segments recur ("của Ủy ban nhân dân tỉnh"): their best readings are kept.
        self._segments: dict[tuple[int, ...], list[Choice]] = {}

    def transitions(self, left: Slot, right: Slot) -> list[tuple[tuple[int, float], ...]]:
        """For each candidate of *right*: the (index in *left*, bonus) pairs the model knows."""
        key = left.serial << 32 | right.serial
        found = self._transitions.get(key)
        if found is None:
            get = self.model.pair_bonus.get
            left_keys = [sid << PAIR_SHIFT for sid in left.ids]
            found = []
            for sid in right.ids:
                known = []
                for j, lkey in enumerate(left_keys):
                    bonus = get(lkey | sid)
                    if bonus:
                        known.append((j, bonus))
                found.append(tuple(known))
            if len(self._transitions) >= self.max_cache:
                self._transitions.clear()
            self._transitions[key] = found
        return found

    def phrase_bonuses(self, slots: Sequence[Slot]) -> dict[tuple[int, int], tuple[float, tuple[int, ...]]]:
        """(position, candidate index) → (bonus, phrase) for readings that spell a known phrase."""
        model = self.model
        phrases = model.phrases
        starts = model.phrase_starts
        n = len(slots)
        found: dict[tuple[int, int], tuple[float, tuple[int, ...]]] = {}
        if n < 2:
            return found
        skeletons = [slot.skeleton for slot in slots]
        per_syllable = model.weights.phrase_per_syllable
        for start in range(n - 1):
            if (skeletons[start], skeletons[start + 1]) not in starts:
                continue
            for length in range(min(model.max_phrase, n - start), 1, -1):
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

    def decode(self, slots: Sequence[Slot], with_confidence: bool = False) -> list[Choice]:
        """The best reading of a segment: one :class:`Choice` per position."""
        n = len(slots)
        if n == 0:
            return []
        if not with_confidence:
            key = tuple(slot.serial for slot in slots)
            found = self._segments.get(key)
            if found is None:
                found = self._decode(slots, False)
                if len(self._segments) >= self.max_cache:
                    self._segments.clear()
                self._segments[key] = found
            return found
        return self._decode(slots, True)

    def _decode(self, slots: Sequence[Slot], with_confidence: bool) -> list[Choice]:
        n = len(slots)
        phrase = self.phrase_bonuses(slots)
        unary = [slot.unary for slot in slots]
        if phrase:
            unary = [row[:] for row in unary]
            for (i, k), (value, _) in phrase.items():
                unary[i][k] += value

        forward = [unary[0]]
        back: list[list[int]] = [[0] * len(unary[0])]
        for i in range(1, n):
            prev = [f + b for f, b in zip(forward[-1], slots[i - 1].backoff)]
            best_prev = max(prev)
            arg_prev = prev.index(best_prev)
            row, row_back = [], []
            for incoming, own in zip(self.transitions(slots[i - 1], slots[i]), unary[i]):
                best, arg = best_prev, arg_prev
                for j, bonus in incoming:
                    score = prev[j] + bonus
                    if score > best:
                        best, arg = score, j
                row.append(best + own)
                row_back.append(arg)
            forward.append(row)
            back.append(row_back)

        last = forward[-1]
        k = last.index(max(last))
        path = [0] * n
        for i in range(n - 1, -1, -1):
            path[i] = k
            k = back[i][k]

        def phrase_of(i: int) -> tuple[int, ...] | None:
            entry = phrase.get((i, path[i]))
            return entry[1] if entry else None

        if not with_confidence:
            return [Choice(path[i], 1.0, phrase_of(i), ()) for i in range(n)]
        backward = self._backward(slots, unary)
        choices = []
        for i in range(n):
            marginals = [f + b for f, b in zip(forward[i], backward[i])]
            top = max(marginals)
            total = sum(math.exp(m - top) for m in marginals)
            confidence = math.exp(marginals[path[i]] - top) / total
            choices.append(Choice(path[i], confidence, phrase_of(i), tuple(marginals)))
        return choices

    def _backward(self, slots: Sequence[Slot], unary: list[list[float]]) -> list[list[float]]:
        """Best continuation score after each candidate (the mirror of the forward pass)."""
        n = len(slots)
        backward: list[list[float]] = [[0.0] * len(slots[-1].ids)]
        for i in range(n - 2, -1, -1):
            following = [u + b for u, b in zip(unary[i + 1], backward[0])]
            row = [max(following)] * len(slots[i].ids)
            for k_next, incoming in enumerate(self.transitions(slots[i], slots[i + 1])):
                for j, bonus in incoming:
                    score = following[k_next] + bonus
                    if score > row[j]:
                        row[j] = score
            backward.insert(0, [r + b for r, b in zip(row, slots[i].backoff)])
        return backward
