"""Candidates → the best sequence: Viterbi over the candidate lattice.

A *segment* is a run of word tokens with nothing but spaces between them.
Each position holds its candidates; the score of a path is

    Σ unigram weight · log P(syllable) + channel
    + Σ pair bonus(previous syllable, syllable)
    + phrase bonuses,

where phrase bonuses reward readings that spell a known multi-syllable word
or domain phrase (longer matches earn more).  :func:`decode` returns the best
path and, when asked, a confidence per position from max-marginals
(forward and backward Viterbi scores, normalised over the position's candidates).
"""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

from .candidates import KEEP, Candidate
from .model import PAIR_SHIFT, Model

NEG_INF = float("-inf")


class Choice(NamedTuple):
    """The decision at one position."""

    index: int  # index into the position's candidates
    confidence: float  # posterior-like probability of that choice, 1.0 when not computed
    phrase: tuple[int, ...] | None  # the phrase that supported it, if any
    scores: tuple[float, ...]  # max-marginal score of every candidate (empty when not computed)


def phrase_bonuses(
    skeletons: Sequence[str], candidates: Sequence[Sequence[Candidate]], model: Model
) -> tuple[list[list[float]], list[list[tuple[int, ...] | None]]]:
    """Bonus per candidate for spelling a known phrase, and which phrase gave it."""
    n = len(skeletons)
    bonus = [[0.0] * len(c) for c in candidates]
    source: list[list[tuple[int, ...] | None]] = [[None] * len(c) for c in candidates]
    phrases = model.phrases
    if n < 2 or not phrases:
        return bonus, source
    per_syllable = model.weights.phrase_per_syllable
    max_len = model.max_phrase
    for start in range(n - 1):
        for length in range(min(max_len, n - start), 1, -1):
            readings = phrases.get(tuple(skeletons[start:start + length]))
            if not readings:
                continue
            value = per_syllable * (length - 1)
            for ids in readings:
                slots = []
                for offset, sid in enumerate(ids):
                    slot = next((k for k, c in enumerate(candidates[start + offset]) if c.syllable == sid), -1)
                    if slot < 0:
                        break
                    slots.append(slot)
                else:
                    for offset, slot in enumerate(slots):
                        if value > bonus[start + offset][slot]:
                            bonus[start + offset][slot] = value
                            source[start + offset][slot] = ids
    return bonus, source


def decode(
    skeletons: Sequence[str],
    candidates: Sequence[Sequence[Candidate]],
    model: Model,
    with_confidence: bool = False,
) -> list[Choice]:
    """The best reading of a segment: one :class:`Choice` per position."""
    n = len(candidates)
    if n == 0:
        return []
    bonus, source = phrase_bonuses(skeletons, candidates, model)
    weight = model.weights.unigram
    logp = model.logp
    unknown = model.weights.unknown_logp
    unary = []
    for i, cands in enumerate(candidates):
        row = []
        for k, cand in enumerate(cands):
            base = logp[cand.syllable] if cand.syllable != KEEP else unknown
            row.append(weight * base + cand.channel + bonus[i][k])
        unary.append(row)

    get = model.pair_bonus.get
    # Forward pass: best score of a path ending in each candidate, and its back pointer.
    # KEEP has an id no pair uses, so it needs no special case here.
    forward = [unary[0]]
    back: list[list[int]] = [[0] * len(unary[0])]
    prev_keys = [c.syllable << PAIR_SHIFT for c in candidates[0]]
    for i in range(1, n):
        prev_scores = forward[-1]
        row_scores, row_back = [], []
        for k, cand in enumerate(candidates[i]):
            sid = cand.syllable
            scores = [p + get(key | sid, 0.0) for p, key in zip(prev_scores, prev_keys)]
            best = max(scores)
            row_scores.append(best + unary[i][k])
            row_back.append(scores.index(best))
        forward.append(row_scores)
        back.append(row_back)
        prev_keys = [c.syllable << PAIR_SHIFT for c in candidates[i]]

    last = forward[-1]
    k = max(range(len(last)), key=last.__getitem__)
    path = [0] * n
    for i in range(n - 1, -1, -1):
        path[i] = k
        k = back[i][k]

    if not with_confidence:
        return [Choice(path[i], 1.0, source[i][path[i]], ()) for i in range(n)]
    return _with_confidence(candidates, unary, forward, path, source, model)


def _with_confidence(candidates, unary, forward, path, source, model) -> list[Choice]:
    """Max-marginals: forward score + best continuation, normalised per position."""
    n = len(candidates)
    get = model.pair_bonus.get
    backward = [[0.0] * len(c) for c in candidates]
    for i in range(n - 2, -1, -1):
        next_cands = candidates[i + 1]
        for k, cand in enumerate(candidates[i]):
            best = NEG_INF
            key = cand.syllable << PAIR_SHIFT
            for j, nxt in enumerate(next_cands):
                score = get(key | nxt.syllable, 0.0) + unary[i + 1][j] + backward[i + 1][j]
                if score > best:
                    best = score
            backward[i][k] = best
    choices = []
    for i in range(n):
        marginals = [f + b for f, b in zip(forward[i], backward[i])]
        top = max(marginals)
        total = sum(math.exp(m - top) for m in marginals)
        chosen = path[i]
        confidence = math.exp(marginals[chosen] - top) / total
        choices.append(Choice(chosen, confidence, source[i][chosen], tuple(marginals)))
    return choices
