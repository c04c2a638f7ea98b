# SPDX-License-Identifier: GPL-3.0-or-later
"""Fuzzy matching of OCR windows against the domain phrase list.

On a poor copy every word of a phrase may be damaged at once (``va XE bt chd
ti`` for ``và Xã hội chủ trì``): the channel reads each token as what it is
near, and the words the language model would expect are asked of neighbours
that are misread too.  Read as a whole, such a window is still close to the
phrase it was printed from.  So a window of three to six OCR tokens around a
weakly read word is compared, character by character and spaces included
(``rapidfuzz``), with the skeletons of the hand-written domain phrases
(``data/phrases/``) of the same length; each phrase close enough proposes its
syllables to the window's tokens, and each proposal is then weighed through
the full channel like any other (``candidates.context_candidates``).

A window is compared only with the phrases an index retrieves for it: those
that have, at some position, one of the readings the channel already gives
the token at that position, at two positions at least.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Sequence

from rapidfuzz import fuzz
from unidecode import unidecode

from .model import Model, data_dir, phrase_syllables

#: Phrases of these lengths (syllables) are matched against windows of as many tokens.
SHORTEST, LONGEST = 3, 6
#: A window and a phrase match from this similarity on (``fuzz.ratio``, 0-100) …
MIN_SIMILARITY = 60.0
#: … when at least this many of the window's positions already have the phrase's syllable among
#: their readings (what retrieves the phrase).
MIN_SHARED = 2


class PhraseIndex:
    """The domain phrases of three to six syllables, by (length, position, syllable id)."""

    def __init__(self, model: Model, phrases: Sequence[str]) -> None:
        self.phrases: list[tuple[tuple[int, ...], str]] = []  # syllable ids, skeleton text
        self.by_reading: dict[tuple[int, int, int], list[int]] = defaultdict(list)
        seen = set()
        id_of = model.id_of
        for phrase in phrases:
            parts = phrase.replace("-", " ").split()
            if not SHORTEST <= len(parts) <= LONGEST:
                continue
            ids = tuple(id_of.get(part.lower(), -1) for part in parts)  # the lists are canonical NFC …
            if -1 in ids:
                syllables = phrase_syllables(phrase)  # … a user's phrases may not be
                if syllables is None:
                    continue
                ids = tuple(id_of.get(syllable, -1) for syllable in syllables)
            if -1 in ids or ids in seen:
                continue
            seen.add(ids)
            number = len(self.phrases)
            self.phrases.append((ids, " ".join(model.syllables[sid] for sid in ids).translate(_ASCII)))
            for position, sid in enumerate(ids):
                self.by_reading[len(ids), position, sid].append(number)

    def __len__(self) -> int:
        return len(self.phrases)

    def matches(self, texts: Sequence[str], readings: Sequence[Sequence[int]]) -> list[tuple[int, ...]]:
        """The phrases (syllable ids) that a window of OCR tokens *texts*, whose tokens the channel
        reads as *readings* (ids), matches: retrieved by shared readings, close as a whole."""
        length = len(texts)
        shared: Counter[int] = Counter()
        for position, ids in enumerate(readings):
            for number in {n for sid in ids for n in self.by_reading.get((length, position, sid), ())}:
                shared[number] += 1
        if not shared:
            return []
        window = window_skeleton(texts)
        found = []
        for number, count in shared.items():
            if count < MIN_SHARED or count == length:
                continue  # too little to retrieve it, or nothing it could add
            ids, phrase = self.phrases[number]
            if fuzz.ratio(window, phrase) >= MIN_SIMILARITY:
                found.append(ids)
        return found


def window_skeleton(texts: Sequence[str]) -> str:
    """OCR tokens as the phrases' skeletons are written: lowercase ASCII letters and digits, one space
    between tokens (a digit may be a misread letter: ``t6`` for ``tổ``)."""
    words = []
    for text in texts:
        word = unicodedata.normalize("NFC", text).translate(_ASCII).lower()
        words.append("".join(ch for ch in word if ch.isalnum()))
    return " ".join(words)


class _Ascii(dict):
    """A ``str.translate`` table of each character to its ``unidecode`` spelling, filled as met."""

    def __missing__(self, code: int) -> str:
        self[code] = unidecode(chr(code))
        return self[code]


_ASCII = _Ascii()


def phrase_lines(folder: Path | None = None) -> list[str]:
    """The phrases of the shipped lists, ``data/phrases/*.txt`` (comment lines left out)."""
    folder = folder or data_dir() / "phrases"
    lines = []
    for path in sorted(folder.glob("*.txt")):
        with open(path, encoding="utf-8") as handle:
            lines.extend(line.strip() for line in handle if line.strip() and not line.startswith("#"))
    return lines
