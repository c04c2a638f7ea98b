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

import functools
import itertools
import math
import unicodedata
from typing import Iterable, NamedTuple

from .model import MAX_VOCABULARY, Model
from .syllable import canonical, has_marks, is_valid, skeleton

#: Id of a reading that keeps the token as written (unknown to the model);
#: the language model sees it as ``<unk>``.
KEEP = MAX_VOCABULARY - 1

class Candidate(NamedTuple):
    """One reading of a token: a syllable id (or KEEP), the channel log-probability,
    and, when the token is two syllables glued together (OCR), the ids after the first."""

    syllable: int
    channel: float
    tail: tuple[int, ...] = ()

    def syllables(self) -> tuple[int, ...]:
        return (self.syllable, *self.tail)


#: Words after which a number is a number, however cheaply the channel reads it as a word.
NUMBERING_WORDS = ("điều", "chương", "mục", "khoản", "điểm", "phần", "lục", "số", "ngày", "tháng", "năm",
                   "lần", "tiết", "quyển", "tập", "trang", "bước", "đoạn", "khóa", "lớp", "phòng", "tầng")

#: Channel readings kept per OCR token: as deep as the misreading index goes (its tokens need no search).
OCR_READINGS = 12

#: A reading whose unigram log P is this far below its skeleton's commonest is
#: left out (the truth is that far behind for about one word in ten thousand).
READING_MARGIN = 7.0


def word_candidates(word: str, model: Model, strip_rate: float, limit: int = 12) -> list[Candidate]:
    """The readings of one word token, best first (by frequency and channel).

    A word that carries marks and is a valid syllable has one reading: itself.
    A word without marks may be any syllable of the same skeleton within
    :data:`READING_MARGIN` of the commonest (at most *limit* of them, and the
    word as written always among them); readings with marks cost
    ``log(strip_rate)``, since the writer would have had to drop them.
    A word the model cannot read gets the single reading :data:`KEEP`.
    """
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
    logp, syllables = model.logp, model.syllables
    floor = logp[ids[0]] - READING_MARGIN  # ids are commonest first
    chosen = [sid for sid in ids[:limit] if logp[sid] >= floor]
    as_written = model.id_of.get(text)
    if as_written is not None and as_written not in chosen:
        chosen[-1:] = [as_written] if len(chosen) >= limit else [*chosen[-1:], as_written]
    scored = [(logp[sid] + (0.0 if syllables[sid] == text else penalty), sid) for sid in chosen]
    scored.sort(key=lambda item: -item[0])
    return [Candidate(sid, 0.0 if syllables[sid] == text else penalty) for _, sid in scored]


#: Each of a SlotCache's tables keeps at most this many entries (a slot of an OCR token, with its
#: dozen readings, takes a kilobyte or two).
MAX_ENTRIES = 20_000

# A word whose best single-syllable reading has at least this channel log P
# looks like a misread syllable.
MISREAD_CHANNEL = -4.0
# log P that an OCR token which is no syllable (a code, a name, junk) is right as it is.
OCR_KEEP = -14.0
# log P that the OCR engine misread the letters of a word it was sure of (see
# ocr_word_candidates): marks it cannot read, but its letters are seldom wrong.
SURE_LETTERS = -4.0


def ocr_word_candidates(word: str, model: Model, limit: int = 8, number: str | None = None,
                        sure: bool = False) -> list[Candidate]:
    """The readings of one token of OCR output, best first, with the token as written last.

    Marks in OCR output are evidence, not truth: a word that is a valid
    syllable still gets the readings the channel finds near it, and keeps
    its own spelling only if the channel and the context prefer it.  A short
    number (``46`` for ``độ``, ``14`` for ``là``), given with its class
    *number* (``<num>``), is first of all itself.  A word the OCR engine was
    *sure* of (its own confidence, from hOCR, ALTO, TSV) has its letters right
    far more often than not, its marks aside: readings with other letters cost
    :data:`SURE_LETTERS` more.
    """
    from .channel import ocr_candidates

    weight = model.weights.ocr_channel
    readings = ocr_candidates(word, model, limit, numbers=number is not None)
    letters = skeleton(unicodedata.normalize("NFC", word)) if sure else None
    found = []
    for ids, logp in readings:
        channel = weight * logp
        if sure and "".join(skeleton(model.syllables[s]) for s in ids) != letters:
            channel += SURE_LETTERS
        found.append(Candidate(ids[0], channel, ids[1:]))
    if number is not None:
        return [Candidate(model.id_of.get(number, model.number_id), 0.0), *found]
    text = unicodedata.normalize("NFC", word).lower()
    if not is_valid(text):
        found.append(Candidate(KEEP, OCR_KEEP))
    return found or [Candidate(KEEP, 0.0)]


# A reading of an OCR token whose channel log P is below this is weak: the
# token may take the readings its neighbours ask for (see context_candidates).
WEAK_READING = -4.0
# The context proposes at most this many syllables from each side …
CONTEXT_PROPOSALS = 12
# … and one joins the readings when the channel reads the token so at no more than this cost.
CONTEXT_CEILING = 13.0


def context_candidates(text: str, model: Model, proposals: Iterable[int], have: Iterable[int]) -> list[Candidate]:
    """Readings of an OCR token that its neighbours ask for, scored through the full channel.

    The channel's own search reads a badly damaged token (``ming``, ``og``)
    only as what it is near; the language model, from the words around it,
    knows what it should be (``tác động đến môi trường``).  Each syllable the
    context proposes is aligned with the token (``-log P(token | syllable)``),
    and joins the readings when that costs no more than :data:`CONTEXT_CEILING`.
    """
    from .channel import is_readable, load_channel, token_core

    core = token_core(text)
    if not is_readable(core):
        return []
    channel = load_channel()
    weight = model.weights.ocr_channel
    skip = set(have)
    found = []
    for sid in proposals:
        if sid in skip or sid >= len(model.syllables):
            continue
        skip.add(sid)
        cost = channel.cost(core, model.syllables[sid], CONTEXT_CEILING)
        if cost <= CONTEXT_CEILING:
            found.append(Candidate(sid, -weight * cost))
    return found


class Slot:
    """The readings of one position of a lattice, ready for the decoder.

    Slots are made once per distinct token text and reading mode (or per
    fixed symbol), and cached (see :class:`SlotCache`); ``serial`` identifies
    a slot in the decoder's caches.  ``ids`` are the language model's ids of
    each reading's first syllable (``<unk>`` for :data:`KEEP`), ``last_ids``
    those of its last, and ``before_last`` the one before the last inside a
    glued reading (None for one syllable); ``unary`` scores a reading on its
    own: its channel, and the pair inside a glued reading.  ``skeleton`` is
    None for a fixed symbol (no phrase runs across it).
    """

    __slots__ = ("serial", "candidates", "ids", "last_ids", "before_last", "unary", "skeleton", "marked", "text")

    def __init__(self, serial: int, candidates: list[Candidate], model: Model, text: str | None) -> None:
        self.serial = serial
        self.text = text
        self.skeleton = skeleton(text) if text is not None else None
        self.marked = has_marks(text) if text is not None else False
        self.candidates = candidates
        unknown = model.unknown_id
        self.ids = [unknown if c.syllable == KEEP else c.syllable for c in candidates]
        self.last_ids = [c.tail[-1] if c.tail else i for c, i in zip(candidates, self.ids)]
        self.before_last = [(c.syllables()[-2] if c.tail else None) for c in candidates]
        self.unary = [c.channel for c in candidates]
        glued = [(k, c) for k, c in enumerate(candidates) if c.tail]
        if glued:
            import numpy as np

            firsts = [c.syllables()[j] for _, c in glued for j in range(len(c.tail))]
            seconds = [c.syllables()[j + 1] for _, c in glued for j in range(len(c.tail))]
            scores = model.pair_scores(np.array(firsts, dtype=np.int64), np.array(seconds, dtype=np.int64)).tolist()
            position = 0
            for k, c in glued:
                self.unary[k] += sum(scores[position:position + len(c.tail)])
                position += len(c.tail)

    @property
    def fixed(self) -> bool:
        return len(self.ids) == 1


_SERIALS = itertools.count(1)  # next() is atomic: threads never share a serial


class SlotCache:
    """Slots by (token text, strip rate), made on first use; bounded in size.

    Safe to share between threads: the worst a race does is build a slot twice.
    """

    def __init__(self, model: Model, limit: int, max_size: int = MAX_ENTRIES) -> None:
        self.model = model
        self.limit = limit
        self.max_size = max_size
        self._slots: dict[tuple[str, float], Slot] = {}
        self._ocr_slots: dict[tuple[str, str | None, bool], Slot] = {}
        self._misread: dict[str, bool] = {}  # looks_misread, for words with no OCR slot yet
        self._shapes: dict[str, tuple[bool, bool]] = {}
        self.classes: dict[str, int] = {}  # paragraphs.word_class, kept by paragraphs.lines
        self._logps: dict[str, float | None] = {}

        self._serials = _SERIALS  # one count for every cache: a decoder never sees two slots with one serial
        self._fixed: dict[str, Slot] = {}
        self._extended: dict[tuple, Slot] = {}
        #: Slots for words that must stay as written, and for acronyms.
        self.keep_slot = Slot(next(self._serials), [Candidate(KEEP, 0.0)], model, None)
        self.abbreviation_slot = self.fixed("<abbr>")

    def fixed(self, symbol: str) -> Slot:
        """The slot of a fixed symbol (``<s>``, ``,``, ``<num>`` …): one reading, the symbol itself."""
        slot = self._fixed.get(symbol)
        if slot is None:
            sid = self.model.id_of.get(symbol, self.model.unknown_id)
            slot = self._fixed[symbol] = Slot(next(self._serials), [Candidate(sid, 0.0)], self.model, None)
        return slot

    def get(self, text: str, rate: float) -> Slot:
        slot = self._slots.get((text, rate))
        if slot is None:
            if len(self._slots) >= self.max_size:
                self._slots.clear()
            candidates = word_candidates(text, self.model, rate, self.limit)
            slot = Slot(next(self._serials), candidates, self.model, unicodedata.normalize("NFC", text))
            self._slots[(text, rate)] = slot
        return slot


    def ocr(self, text: str, number: str | None = None, sure: bool = False) -> Slot:
        """The slot of a token of OCR output (a short number, its class *number*, may be a misread
        word; see :func:`ocr_word_candidates` for *sure*)."""
        key = (text, number, sure)
        slot = self._ocr_slots.get(key)
        if slot is None:
            if len(self._ocr_slots) >= self.max_size:
                self._ocr_slots.clear()
            candidates = ocr_word_candidates(text, self.model, OCR_READINGS, number, sure)
            slot = Slot(next(self._serials), candidates, self.model, unicodedata.normalize("NFC", text))
            self._ocr_slots[key] = slot
        return slot

    def with_readings(self, slot: Slot, extra: list[Candidate]) -> Slot:
        """*slot* with more readings (those its context asks for), made once per slot and readings."""
        key = (slot.serial, tuple(sorted(c.syllable for c in extra)))
        found = self._extended.get(key)
        if found is None:
            if len(self._extended) >= self.max_size:
                self._extended.clear()
            found = Slot(next(self._serials), [*slot.candidates, *extra], self.model, slot.text)
            self._extended[key] = found
        return found

    @functools.cached_property
    def numbering_ids(self) -> frozenset[int]:
        """The words that number what follows them (``Điều 18``, ``khoản 2``, ``ngày 15``)."""
        id_of = self.model.id_of
        return frozenset(id_of[word] for word in NUMBERING_WORDS if word in id_of)

    def looks_misread(self, text: str) -> bool:
        """A word the OCR channel turns into a syllable cheaply: ``téng`` (tổng), not ``ipsum``.
        (Only its one-syllable readings are looked for: an English page asks it of every word.)"""
        slot = self._ocr_slots.get((text, None, False))
        if slot is not None:
            return any(c.channel >= MISREAD_CHANNEL for c in slot.candidates if c.syllable != KEEP and not c.tail)
        found = self._misread.get(text)
        if found is None:
            from .channel import candidate_index

            weight = self.model.weights.ocr_channel
            costs = candidate_index(self.model).single_costs(text, OCR_READINGS)
            found = any(-weight * cost >= MISREAD_CHANNEL for cost in costs)
            if len(self._misread) >= self.max_size:
                self._misread.clear()
            self._misread[text] = found
        return found

    def ocr_logp(self, text: str) -> float | None:
        """log P of an OCR token as Vietnamese: its best reading, channel included."""
        slot = self.ocr(text)
        logp = self.model.logp
        readings = [logp[c.syllable] + u for c, u in zip(slot.candidates, slot.unary) if c.syllable != KEEP]
        return max(readings) if readings else None

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
