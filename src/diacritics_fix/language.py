"""Which words of a Vietnamese paragraph are English: a two-state tagger.

Many English words share a skeleton with Vietnamese syllables (``to``, ``can``,
``an``, ``the``, ``long``), so a word alone does not say its language; its
neighbours do.  Over the words of a paragraph a Viterbi pass chooses, for each
word, Vietnamese or English, scoring

* each word by its probability in that language (wordfreq's English
  frequencies; the summed probability of the Vietnamese syllables it could
  be), a word that cannot be a Vietnamese syllable being English (or at least
  not Vietnamese) outright;
* each switch of language by a fixed cost, so that a run of English words
  (``Internet of Things``) is English while a lone ``to`` among Vietnamese
  words stays Vietnamese.

>>> tag_english(["ung", "dung", "Internet", "of", "Things"],
...             lambda w: -7.0 if w.lower() in ("ung", "dung", "to") else None)
[False, False, True, True, True]
"""

from __future__ import annotations

import functools
import math
from typing import Callable, Sequence

# log P(switching language between two neighbouring words).
SWITCH_COST = math.log(0.01)
# log P of a word wordfreq does not know, in English.
UNKNOWN_ENGLISH = math.log(1e-9)
# Above this log P a word counts as known English.
ENGLISH_WORD = math.log(1e-6)


@functools.lru_cache(maxsize=1)
def _english_frequencies() -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict("en")


def english_logp(word: str) -> float:
    """Natural-log frequency of *word* in English (wordfreq), a floor when unknown."""
    frequency = _english_frequencies().get(word.lower())
    return math.log(frequency) if frequency else UNKNOWN_ENGLISH


def is_english_word(word: str) -> bool:
    """A word wordfreq knows as reasonably common English (``WARRANTY``, ``program``).

    >>> is_english_word("WARRANTY"), is_english_word("UBND")
    (True, False)
    """
    return english_logp(word) > ENGLISH_WORD


def tag_english(
    words: Sequence[str], vietnamese_logp: Callable[[str], float | None], english_share: float = 0.05
) -> list[bool]:
    """For each word, True when it is better read as English than as Vietnamese.

    *vietnamese_logp* gives a word's log-probability as Vietnamese, or None
    when it cannot be a Vietnamese syllable; *english_share* is the prior
    probability that the text starts in English (the document's share of
    foreign words is a good one).
    """
    if not words:
        return []
    prior = min(0.99, max(0.01, english_share))
    # Scores of the best tagging ending in Vietnamese (index 0) or English (1).
    emissions = []
    for word in words:
        vi = vietnamese_logp(word)
        emissions.append((vi if vi is not None else -math.inf, english_logp(word)))
    score = [math.log(1 - prior) + emissions[0][0], math.log(prior) + emissions[0][1]]
    back: list[tuple[int, int]] = [(0, 1)]
    for vi, en in emissions[1:]:
        from_vi = (score[0], score[1] + SWITCH_COST)
        from_en = (score[0] + SWITCH_COST, score[1])
        best_vi = 0 if from_vi[0] >= from_vi[1] else 1
        best_en = 0 if from_en[0] > from_en[1] else 1
        score = [from_vi[best_vi] + vi, from_en[best_en] + en]
        back.append((best_vi, best_en))
    state = 0 if score[0] >= score[1] else 1
    tags = [False] * len(words)
    for i in range(len(words) - 1, -1, -1):
        tags[i] = state == 1
        state = back[i][state]
    return tags
