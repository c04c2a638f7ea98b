"""Tokens → candidates: the syllables each word token could have been.

A :class:`Candidate` is one reading of one token with its *channel* score,
``log P(what we see | this reading)``.  For diacritic-stripped text the channel
is simple: a word written without marks is any syllable with the same
skeleton; how likely its marks were lost depends on the paragraph (see
:func:`strip_rate`).  A word written with marks keeps them.

>>> from diacritics_fix.model import load_model
>>> model = load_model()
>>> [model.syllables[c.syllable] for c in word_candidates("cac", model, strip_rate=1.0)][:2]
['các', 'các']
"""

from __future__ import annotations

import math
import unicodedata
from typing import NamedTuple

from .model import PAIR_SHIFT, Model
from .syllable import canonical, has_marks, is_valid, skeleton

#: Id of a reading that keeps the token as written (unknown to the model);
#: no syllable pair uses it.
KEEP = (1 << PAIR_SHIFT) - 1

# Expected share of syllables carrying a mark in correctly written Vietnamese
# (measured on administrative text: 0.87).
MARKED_SHARE_CLEAN = 0.87
MIN_STRIP_RATE = 1e-4


class Candidate(NamedTuple):
    """One reading of a token: a syllable id (or KEEP) and the channel log-probability."""

    syllable: int
    channel: float


def strip_rate(marked: int, unmarked: int, prior: tuple[int, int] = (0, 0), prior_weight: int = 6) -> float:
    """Estimate the probability that a word of this paragraph lost its marks.

    *marked* and *unmarked* count the Vietnamese-looking words of the paragraph;
    *prior* gives the same counts for the whole document, used (scaled to
    *prior_weight* words) so that a short line borrows the document's evidence.

    >>> strip_rate(0, 12) == 1.0, strip_rate(20, 3) < 0.01
    (True, True)
    """
    doc_marked, doc_unmarked = prior
    doc_total = doc_marked + doc_unmarked
    if doc_total:
        scale = prior_weight / doc_total
        marked += doc_marked * scale
        unmarked += doc_unmarked * scale
    total = marked + unmarked
    if total == 0:
        return 1.0
    share = marked / total
    rate = 1.0 - share / MARKED_SHARE_CLEAN
    # A paragraph of correct text has about 13% unmarked words: below ~40% it is clean.
    if share > 0.6:
        return MIN_STRIP_RATE
    return min(1.0, max(MIN_STRIP_RATE, rate))


def word_candidates(word: str, model: Model, strip_rate: float, limit: int = 6) -> list[Candidate]:
    """The readings of one word token, best first (by frequency and channel).

    A word that carries marks and is a valid syllable has one reading: itself.
    A word without marks may be any syllable of the same skeleton; readings
    with marks cost ``log(strip_rate)`` since the writer would have had to drop them.
    A word the model cannot read gets the single reading :data:`KEEP`.
    """
    text = unicodedata.normalize("NFC", word).lower()
    if has_marks(text):
        if not is_valid(text):
            return [Candidate(KEEP, 0.0)]
        sid = model.id_of.get(canonical(text), KEEP)
        return [Candidate(sid, 0.0)]
    ids = model.by_skeleton.get(text)
    if not ids:
        return [Candidate(KEEP, 0.0)]
    penalty = math.log(strip_rate) if strip_rate < 1.0 else 0.0
    weight = model.weights.unigram
    scored = []
    for sid in ids:
        channel = 0.0 if model.syllables[sid] == text else penalty
        scored.append((weight * model.logp[sid] + channel, Candidate(sid, channel)))
    scored.sort(key=lambda item: -item[0])
    best = scored[0][0]
    return [cand for score, cand in scored[:limit] if score > best - 12.0]


def is_vietnamese_shaped(word: str, model: Model) -> tuple[bool, bool]:
    """(looks like a Vietnamese syllable, carries marks) for paragraph statistics."""
    text = unicodedata.normalize("NFC", word).lower()
    if has_marks(text):
        return is_valid(text), True
    return skeleton(text) in model.by_skeleton, False
