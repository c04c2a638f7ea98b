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


class Transitions(NamedTuple):
    """What the model knows between two neighbouring slots."""

    known: tuple[tuple[int, tuple[tuple[int, float], ...]], ...]  # (right index, ((left index, bonus), …))
    starts_phrase: bool  # the two skeletons begin some known phrase


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
        self._transitions: dict[int, Transitions] = {}
        # Whole segments recur ("của Ủy ban nhân dân tỉnh"): their best readings are kept.
        self._segments: dict[tuple[int, ...], list[Choice]] = {}

    def transitions(self, left: Slot, right: Slot) -> Transitions:
        """The pairs the model knows between two slots, sparse.

        For each candidate of *right* that has any: (its index, ((index in *left*,
        bonus), …)); and whether the two skeletons may start a phrase.
        """
        key = left.serial << 32 | right.serial
        found = self._transitions.get(key)
        if found is None:
            get = self.model.pair_bonus.get
            left_keys = [sid << PAIR_SHIFT for sid in left.last_ids]
            known = []
            for k, sid in enumerate(right.ids):
                incoming = tuple((j, bonus) for j, lkey in enumerate(left_keys) if (bonus := get(lkey | sid)))
                if incoming:
                    known.append((k, incoming))
            found = Transitions(tuple(known), (left.skeleton, right.skeleton) in self.model.phrase_starts)
            if len(self._transitions) >= self.max_cache:
                self._transitions.clear()
            self._transitions[key] = found
        return found

    def phrase_bonuses(
        self, slots: Sequence[Slot], links: Sequence[Transitions]
    ) -> dict[tuple[int, int], tuple[float, tuple[int, ...]]]:
        """(position, candidate index) → (bonus, phrase) for readings that spell a known phrase.

        ``links[i]`` joins position i to i + 1 and says whether a phrase may start there.
        """
        model = self.model
        phrases = model.phrases
        n = len(slots)
        found: dict[tuple[int, int], tuple[float, tuple[int, ...]]] = {}
        skeletons = None
        per_syllable = model.weights.phrase_per_syllable
        for start, link in enumerate(links):
            if not link.starts_phrase:
                continue
            if skeletons is None:
                skeletons = [slot.skeleton for slot in slots]
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
        links = [self.transitions(slots[i], slots[i + 1]) for i in range(n - 1)]
        phrase = self.phrase_bonuses(slots, links)
        unary = [slot.unary for slot in slots]
        outgoing = [slot.outgoing for slot in slots]  # unary + backoff
        if phrase:
            unary = [row[:] for row in unary]
            outgoing = [row[:] for row in outgoing]
            for (i, k), (value, _) in phrase.items():
                unary[i][k] += value
                outgoing[i][k] += value

        # g[i][k]: best score of a path ending in candidate k at i, plus k's backoff.
        g = outgoing[0]
        scores = [g]
        back: list[list[int]] = [[0] * len(g)]
        for i in range(1, n):
            best_prev = max(g)
            arg_prev = g.index(best_prev)
            own = outgoing[i]
            row = [best_prev + o for o in own]
            row_back = [arg_prev] * len(own)
            for k, incoming in links[i - 1].known:
                best, arg = best_prev, arg_prev
                for j, bonus in incoming:
                    score = g[j] + bonus
                    if score > best:
                        best, arg = score, j
                row[k] = best + own[k]
                row_back[k] = arg
            g = row
            scores.append(g)
            back.append(row_back)

        # No word follows the last one: its backoff does not count.
        last = [s - b for s, b in zip(g, slots[-1].backoff)]
        k = last.index(max(last))
        path = [0] * n
        for i in range(n - 1, -1, -1):
            path[i] = k
            k = back[i][k]

        if not phrase and not with_confidence:
            return [Choice(k, 1.0, None, ()) for k in path]

        def phrase_of(i: int) -> tuple[int, ...] | None:
            entry = phrase.get((i, path[i]))
            return entry[1] if entry else None

        if not with_confidence:
            return [Choice(path[i], 1.0, phrase_of(i), ()) for i in range(n)]
        backward = self._backward(slots, unary, links)
        # The scores are not calibrated log-probabilities: a temperature, fitted on
        # the tune split, makes the confidences match how often readings are right.
        temperature = self.model.weights.confidence_temperature
        choices = []
        for i in range(n):
            forward = [s - b for s, b in zip(scores[i], slots[i].backoff)]
            marginals = [f + b for f, b in zip(forward, backward[i])]
            top = max(marginals)
            total = sum(math.exp((m - top) / temperature) for m in marginals)
            confidence = math.exp((marginals[path[i]] - top) / temperature) / total
            choices.append(Choice(path[i], confidence, phrase_of(i), tuple(marginals)))
        return choices

    def _backward(self, slots: Sequence[Slot], unary: list[list[float]], links: Sequence[Transitions]) -> list[list[float]]:
        """Best continuation score after each candidate, its backoff included (the mirror of the forward pass)."""
        n = len(slots)
        backward: list[list[float]] = [[0.0] * len(slots[-1].ids)]
        for i in range(n - 2, -1, -1):
            following = [u + b for u, b in zip(unary[i + 1], backward[0])]
            row = [max(following)] * len(slots[i].ids)
            for k_next, incoming in links[i].known:
                for j, bonus in incoming:
                    score = following[k_next] + bonus
                    if score > row[j]:
                        row[j] = score
            backward.insert(0, [r + b for r, b in zip(row, slots[i].backoff)])
        return backward
