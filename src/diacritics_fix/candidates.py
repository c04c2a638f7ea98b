"""Tokens → candidates: the syllables each word token could have been.

A :class:`Candidate` is one reading of one token with its *channel* score,
``log P(what we see | this reading)``.  For diacritic-stripped text the channel
is simple: a word written without marks is any syllable with the same
skeleton; how likely its marks were lost depends on the paragraph (see
:func:`strip_rate`).  A word written with marks keeps them.

>>> from diacritics_fix.model import load_model
>>> model = load_model()
>>> [model.syllables[c.syllable] for c in word_candidates("cac", model, strip_rate=1.0)][:1]
['các']
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from typing import NamedTuple

from .model import PAIR_SHIFT, Model
from .syllable import canonical, has_marks, is_valid, skeleton

#: Id of a reading that keeps the token as written (unknown to the model);
#: no syllable pair uses it.
KEEP = (1 << PAIR_SHIFT) - 1

# A paragraph of correct Vietnamese has about 13% of its syllables unmarked;
# stripped text has none marked.  At or above this share of marked words a
# paragraph is taken as written correctly.
CLEAN_MARKED_SHARE = 0.35
# Above this share of words that cannot be Vietnamese syllables, a paragraph
# is taken as another language (English prose, code) and left alone; below
# it, language.py decides word by word.
FOREIGN_SHARE = 0.5
# The rate at which a clean paragraph is assumed to have lost marks: small
# enough that a correct unmarked word stays (99.997% of the words of correct
# held-out documents are left as written), large enough that a word whose
# unmarked spelling is rare gets its marks back when the context agrees
# ("Ủy ban nhân dân tinh đề nghị" → "tỉnh"): partly accented text is filled in.
MIN_STRIP_RATE = 1e-4


class Candidate(NamedTuple):
    """One reading of a token: a syllable id (or KEEP), the channel log-probability,
    and, when the token is two syllables glued together (OCR), the ids after the first."""

    syllable: int
    channel: float
    tail: tuple[int, ...] = ()

    def syllables(self) -> tuple[int, ...]:
        return (self.syllable, *self.tail)


def strip_rate(marked: int, unmarked: int, foreign: int = 0,
               prior: tuple[int, int, int] = (0, 0, 0), prior_weight: int = 6) -> float:
    """Estimate the probability that a word of this paragraph lost its marks.

    *marked* and *unmarked* count the words of the paragraph that can be
    Vietnamese syllables, *foreign* those that cannot; *prior* gives the same
    counts for the whole document, scaled to *prior_weight* words, so that a
    short line borrows the document's evidence.

    A paragraph in another language gets 0: nothing in it is touched.

    >>> strip_rate(0, 12) == 1.0, strip_rate(20, 3) == MIN_STRIP_RATE, strip_rate(0, 3, 7)
    (True, True, 0.0)
    """
    counts = [marked, unmarked, foreign]
    doc_total = sum(prior)
    if doc_total:
        scale = prior_weight / doc_total
        counts = [c + p * scale for c, p in zip(counts, prior)]
    marked, unmarked, foreign = counts
    total = marked + unmarked + foreign
    if total == 0:
        return 1.0
    if foreign / total > FOREIGN_SHARE:
        return 0.0
    share = marked / (marked + unmarked) if marked + unmarked else 0.0
    if share >= CLEAN_MARKED_SHARE:
        return MIN_STRIP_RATE
    return max(MIN_STRIP_RATE, 1.0 - share / CLEAN_MARKED_SHARE)


# At or above this share of garbled words (no Vietnamese syllable, no English
# word: "téng", "cia", "s6") a paragraph is taken as OCR output.
OCR_GARBLED_SHARE = 0.08
OCR_MIN_GARBLED = 2


def is_ocr_output(counts: tuple[int, int, int, int], prior: tuple = (0, 0, 0, 0), prior_weight: int = 6) -> bool:
    """Whether a paragraph with these counts (marked, unmarked, foreign, garbled) is OCR output.

    Clean and stripped Vietnamese have next to no garbled words; text read by
    an OCR engine without a Vietnamese model has one in five or more.  A short
    line borrows the document's evidence (*prior*, scaled to *prior_weight* words).

    At least :data:`OCR_MIN_GARBLED` garbled words in the paragraph or the
    document are needed: one odd code (``TTr-SNV``) makes no scan.

    >>> is_ocr_output((3, 5, 0, 4)), is_ocr_output((30, 5, 0, 0)), is_ocr_output((0, 2, 0, 0), (40, 60, 0, 30))
    (True, False, True)
    >>> is_ocr_output((0, 0, 0, 1), (0, 0, 0, 1))
    False
    """
    if max(counts[3], prior[3]) < OCR_MIN_GARBLED:
        return False
    counts = list(counts)
    total_prior = sum(prior)
    if total_prior:
        counts = [c + p * prior_weight / total_prior for c, p in zip(counts, prior)]
    total = sum(counts)
    return total > 0 and counts[3] / total >= OCR_GARBLED_SHARE


def word_candidates(word: str, model: Model, strip_rate: float, limit: int = 6) -> list[Candidate]:
    """The readings of one word token, best first (by frequency and channel).

    A word that carries marks and is a valid syllable has one reading: itself.
    A word without marks may be any syllable of the same skeleton; readings
    with marks cost ``log(strip_rate)`` since the writer would have had to drop them.
    A word the model cannot read gets the single reading :data:`KEEP`.
    """
    if word[:1].isdigit():
        return [Candidate(model.number_id, 0.0)]
    text = unicodedata.normalize("NFC", word).lower()
    abbreviation = len(word) > 1 and word.isupper()
    if has_marks(text):
        if not is_valid(text):
            return [Candidate(model.abbreviation_id if abbreviation else KEEP, 0.0)]
        sid = model.id_of.get(canonical(text), KEEP)
        return [Candidate(sid, 0.0)]
    ids = model.by_skeleton.get(text)
    if not ids:
        return [Candidate(model.abbreviation_id if abbreviation else KEEP, 0.0)]
    penalty = math.log(strip_rate) if strip_rate < 1.0 else 0.0
    weight = model.weights.unigram
    scored = []
    for sid in ids:
        channel = 0.0 if model.syllables[sid] == text else penalty
        scored.append((weight * model.logp[sid] + channel, Candidate(sid, channel)))
    scored.sort(key=lambda item: -item[0])
    best = scored[0][0]
    return [cand for score, cand in scored[:limit] if score > best - 12.0]


# A word whose best single-syllable reading has at least this channel log P
# looks like a misread syllable.
MISREAD_CHANNEL = -3.5
# log P that an OCR token which is no syllable (a code, a name, junk) is right as it is.
OCR_KEEP = -14.0
# log P that the OCR engine misread the letters of a word it was sure of (see
# ocr_word_candidates): marks it cannot read, but its letters are seldom wrong.
SURE_LETTERS = -4.0


def ocr_word_candidates(word: str, model: Model, limit: int = 8, number: bool = False,
                        sure: bool = False) -> list[Candidate]:
    """The readings of one token of OCR output, best first, with the token as written last.

    Marks in OCR output are evidence, not truth: a word that is a valid
    syllable still gets the readings the channel finds near it, and keeps
    its own spelling only if the channel and the context prefer it.  A short
    *number* (``46`` for ``độ``, ``14`` for ``là``) is first of all itself.
    A word the OCR engine was *sure* of (its own confidence, from hOCR, ALTO,
    TSV) has its letters right far more often than not, its marks aside:
    readings with other letters cost :data:`SURE_LETTERS` more.
    """
    from .channel import ocr_candidates

    weight = model.weights.ocr_channel
    readings = ocr_candidates(word, model, limit, numbers=number)
    letters = skeleton(unicodedata.normalize("NFC", word)) if sure else None
    found = []
    for ids, logp in readings:
        channel = weight * logp
        if sure and "".join(skeleton(model.syllables[s]) for s in ids) != letters:
            channel += SURE_LETTERS
        found.append(Candidate(ids[0], channel, ids[1:]))
    if number:
        return [Candidate(model.number_id, 0.0), *found]
    text = unicodedata.normalize("NFC", word).lower()
    if not is_valid(text):
        found.append(Candidate(KEEP, OCR_KEEP))
    return found or [Candidate(KEEP, 0.0)]


class Slot:
    """The readings of one token, ready for the decoder.

    Slots are made once per distinct token text and reading mode, and cached
    (see :class:`SlotCache`); ``serial`` identifies a slot in the decoder's
    caches.  ``ids`` and ``last_ids`` are each reading's first and last
    syllable (they differ only for glued tokens); ``unary`` scores a reading
    on its own (with the pairs inside a glued reading), ``backoff`` is what
    its last syllable costs when the next word is unknown to it.
    """

    __slots__ = ("serial", "candidates", "ids", "last_ids", "unary", "backoff", "outgoing", "skeleton", "marked")

    def __init__(self, serial: int, candidates: list[Candidate], model: Model, text: str) -> None:
        self.serial = serial
        self.skeleton = skeleton(text)
        self.marked = has_marks(text)
        self.candidates = candidates
        self.ids = [c.syllable for c in candidates]
        self.last_ids = [c.tail[-1] if c.tail else c.syllable for c in candidates]
        weight, unknown, logp = model.weights.unigram, model.weights.unknown_logp, model.logp
        self.unary = [weight * (logp[c.syllable] if c.syllable != KEEP else unknown) + c.channel for c in candidates]
        for k, cand in enumerate(candidates):
            previous = cand.syllable
            for sid in cand.tail:
                self.unary[k] += model.backoff[previous] + model.pair_bonus.get(previous << PAIR_SHIFT | sid, 0.0)
                self.unary[k] += weight * logp[sid]
                previous = sid
        self.backoff = [model.backoff[sid] if sid != KEEP else 0.0 for sid in self.last_ids]
        self.outgoing = [u + b for u, b in zip(self.unary, self.backoff)]


class SlotCache:
    """Slots by (token text, strip rate), made on first use; bounded in size.

    Safe to share between threads: the worst a race does is build a slot twice.
    """

    def __init__(self, model: Model, limit: int, max_size: int = 200_000) -> None:
        self.model = model
        self.limit = limit
        self.max_size = max_size
        self._slots: dict[tuple[str, float], Slot] = {}
        self._ocr_slots: dict[tuple[str, bool], Slot] = {}
        self._shapes: dict[str, tuple[bool, bool]] = {}
        self._logps: dict[str, float | None] = {}

        self._serials = itertools.count(1)  # next() is atomic: threads never share a serial
        #: Slots for words that must stay as written, and for acronyms.
        self.keep_slot = Slot(next(self._serials), [Candidate(KEEP, 0.0)], model, "")
        self.abbreviation_slot = Slot(next(self._serials), [Candidate(model.abbreviation_id, 0.0)], model, "")

    def get(self, text: str, rate: float) -> Slot:
        slot = self._slots.get((text, rate))
        if slot is None:
            if len(self._slots) >= self.max_size:
                self._slots.clear()
            candidates = word_candidates(text, self.model, rate, self.limit)
            slot = Slot(next(self._serials), candidates, self.model, unicodedata.normalize("NFC", text))
            self._slots[(text, rate)] = slot
        return slot


    def ocr(self, text: str, number: bool = False, sure: bool = False) -> Slot:
        """The slot of a token of OCR output (a short *number* may be a misread word; see
        :func:`ocr_word_candidates` for *sure*)."""
        key = (text, sure)
        slot = self._ocr_slots.get(key)
        if slot is None:
            if len(self._ocr_slots) >= self.max_size:
                self._ocr_slots.clear()
            candidates = ocr_word_candidates(text, self.model, max(8, self.limit), number, sure)
            slot = Slot(next(self._serials), candidates, self.model, unicodedata.normalize("NFC", text))
            self._ocr_slots[key] = slot
        return slot

    def looks_misread(self, text: str) -> bool:
        """A word the OCR channel turns into a syllable cheaply: ``téng`` (tổng), not ``ipsum``."""
        slot = self.ocr(text)
        return any(c.channel >= MISREAD_CHANNEL for c in slot.candidates if c.syllable != KEEP and not c.tail)

    def ocr_logp(self, text: str) -> float | None:
        """log P of an OCR token as Vietnamese: its best reading, channel included."""
        slot = self.ocr(text)
        best = max(u for u, sid in zip(slot.unary, slot.ids) if sid != KEEP) if len(slot.ids) > 1 else None
        return best

    def vietnamese_logp(self, text: str) -> float | None:
        """log P of *text* as Vietnamese (all readings of an unmarked word), None if it cannot be."""
        if text in self._logps:
            return self._logps[text]
        word = unicodedata.normalize("NFC", text).lower()
        logp = self.model.logp
        if has_marks(word):
            sid = self.model.id_of.get(canonical(word)) if is_valid(word) else None
            found = logp[sid] if sid is not None else None
        else:
            ids = self.model.by_skeleton.get(word)
            found = math.log(sum(math.exp(logp[i]) for i in ids)) if ids else None
        if len(self._logps) >= self.max_size:
            self._logps.clear()
        self._logps[text] = found
        return found

    def shape(self, text: str) -> tuple[bool, bool]:
        """:func:`is_vietnamese_shaped`, cached."""
        found = self._shapes.get(text)
        if found is None:
            if len(self._shapes) >= self.max_size:
                self._shapes.clear()
            found = self._shapes[text] = is_vietnamese_shaped(text, self.model)
        return found


def is_vietnamese_shaped(word: str, model: Model) -> tuple[bool, bool]:
    """(can be a Vietnamese syllable, carries marks), for paragraph statistics."""
    text = unicodedata.normalize("NFC", word).lower()
    if has_marks(text):
        return is_valid(text), True
    return skeleton(text) in model.by_skeleton, False
