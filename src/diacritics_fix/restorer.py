"""The whole flow: text → tokens → candidates → decoding → text.

>>> restore("Cac dang bo truc thuoc Thanh uy")
'Các đảng bộ trực thuộc Thành ủy'
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from typing import Iterable, Iterator, Mapping, NamedTuple

import numpy as np

from . import tokens as tk
from . import paragraphs as pg
from . import phrasematch as pm
from .candidates import CONTEXT_PROPOSALS, KEEP, WEAK_READING, Slot, SlotCache, context_candidates
from .decode import Choice, Decoder
from .channel import candidate_index
from .language import is_english_word, tag_english
from .model import SHIFT, Model, load_model, with_user_models
from .options import Options, strings
from .symbols import AMOUNT, BOS, EOS, context_symbols, neighbour_symbol
from .syllable import restyle, skeleton


# Symbols that OCR puts for a letter standing alone ("ở" read as "&" or "@").
_OCR_SYMBOLS = frozenset("&@¢©®")


def _is_list_letter(tokens: list[tk.Token], i: int) -> bool:
    """A one-letter token followed by ")" or ".": the number of a list item."""
    token = tokens[i]
    following = tokens[i + 1].text if i + 1 < len(tokens) else ""
    return len(token.text) == 1 and token.text.isalpha() and following[:1] in (")", ".")


def _lone_symbol(tokens: list[tk.Token], i: int) -> bool:
    """A symbol standing alone between spaces, as OCR writes a lone letter it misread (``&`` for ``ở``)."""
    if tokens[i].text not in _OCR_SYMBOLS:
        return False
    before = tokens[i - 1].kind if i > 0 else tk.SPACE
    after = tokens[i + 1].kind if i + 1 < len(tokens) else tk.SPACE
    return before in (tk.SPACE, tk.BREAK) and after in (tk.SPACE, tk.BREAK)


class Change(NamedTuple):
    """One rewritten word, with why.

    ``start``/``end`` index the input text; ``alternatives`` are the runner-up
    readings with their confidence; ``reason`` says what decided it:
    ``phrase: …``, ``pair: …``, ``frequency``, ``abbreviation`` or ``style``.
    With ``mark_uncertain``, a doubtful word is a change too: ``restored``
    then carries the marker (and may be the original word inside it).
    """

    start: int
    end: int
    original: str
    restored: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...]
    reason: str


def _letters_upper(text: str) -> bool:
    """More than one letter, all capitals (digits and symbols aside): ``THANH``, ``T6I``."""
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) > 1 and all(ch.isupper() for ch in letters)


def apply_case(original: str, word: str, after_lowercase: bool = False) -> str:
    """Give *word* (lowercase) the case pattern of *original* (its letters).

    >>> apply_case("THANH", "thành"), apply_case("Thanh", "thành"), apply_case("thanh", "thành")
    ('THÀNH', 'Thành', 'thành')
    >>> apply_case("T6", "tổ"), apply_case("A", "à")
    ('Tổ', 'À')

    A capital that the reading replaces by another letter (OCR's ``I`` for
    ``l``) after a lowercase word was a misread small letter, not a capital:

    >>> apply_case("Iyc", "lực", after_lowercase=True), apply_case("Iyc", "lực")
    ('lực', 'Lực')
    """
    if _letters_upper(original):
        return word.upper()
    at, first = next(((i, ch) for i, ch in enumerate(original) if ch.isalpha()), (0, ""))
    if not first.isupper():
        return word
    if after_lowercase and skeleton(first) != skeleton(word[at:at + 1]):
        return word
    return word[:1].upper() + word[1:]


_LOADING = threading.RLock()
_ABBREV_OR_PROTECTED = (tk.ABBREV, tk.PROTECTED)


class Restorer:
    """Restores Vietnamese diacritics; loads its data once and can be reused.

    A Restorer holds no per-call state, so one instance may serve many
    threads; it pickles as its options (the data is reloaded, once per process).

    >>> r = Restorer(Options(style="hoà"))
    >>> r.restore("Hoa binh va phat trien")
    'Hoà bình và phát triển'
    """

    def __init__(self, options: Options | None = None, *, phrases: Iterable[str] = (), **overrides) -> None:
        options = (options or Options())._replace(**overrides).validate()
        extra = tuple(options.phrases) + strings("phrases", phrases)
        self.options = options._replace(phrases=extra, lexicon=tuple(options.lexicon),
                                        models=tuple(options.models))
        self._model: Model | None = None
        self._phrases: pm.PhraseIndex | None = None

    @property
    def model(self) -> Model:
        if self._model is None:
            with _LOADING:  # threads sharing a new restorer: one loads, the others wait
                if self._model is None:
                    self._load()
        return self._model  # type: ignore[return-value]

    def _load(self) -> None:
        """Load the model, and make the caches that go with it (set last: others test _model)."""
        options = self.options
        if options.models:  # the user's own text (learn.py)
            base = with_user_models(options.models, options.model_weight, options.weights)
        else:
            base = load_model(options.weights)
        if options.phrases or options.lexicon:
            base = base.copy()
            base.add_phrases((*options.phrases, *options.lexicon), pair_bonus=base.weights.user_phrase_pair)
            base.add_vocabulary(options.lexicon)
        self._slots = SlotCache(base, self.options.max_candidates)
        self._decoders = {domain: Decoder(base, domain=domain) for domain in base.domains}
        self._readings: dict[tuple, str | None] = {}
        self._skeleton_scores: dict[int, list[float]] = {}  # slot serial → each domain's log P of its skeleton
        self._max_entries = MAX_READINGS_KEPT  # of each of those two
        self._model = base

    def __getstate__(self) -> dict:
        return {"options": self.options}

    def __setstate__(self, state: dict) -> None:
        self.options = state["options"]
        self._model = None

    # -- the flow -----------------------------------------------------------

    def restore(self, text: str) -> str:
        """*text* with its diacritics restored; everything else kept exactly."""
        replacements = self._decide(text, explain=False)
        return _rebuild(text, replacements)

    def explain(self, text: str) -> list[Change]:
        """Every change :meth:`restore` would make, in order, with its reasons."""
        return self._decide(text, explain=True)

    def restore_and_explain(self, text: str, engine_confidence: Mapping[int, float | None] | None = None
                            ) -> tuple[str, list[Change]]:
        """The restored text and its changes.

        *engine_confidence* gives the OCR engine's confidence (0 to 1) of each
        whitespace-separated word of *text*, by the word's start offset (as
        hOCR, ALTO and TSV files carry them): in OCR output, a word the engine
        was sure of (:data:`ENGINE_SURE` or more) keeps its letters unless the
        context clearly wants others; its marks are restored as usual.
        """
        engine = _EngineConfidence(engine_confidence) if engine_confidence else None
        changes = self._decide(text, explain=True, engine=engine)
        return _rebuild(text, changes), changes

    def reading_modes(self, text: str) -> Counter[str]:
        """Words of *text* by how their paragraph is read: ``clean``, ``stripped``,
        ``ocr``, or ``other`` (code, another language: left alone).

        >>> Restorer().reading_modes("Cac dang bo truc thuoc Thanh uy")
        Counter({'stripped': 7})
        """
        _check_text(text)
        self.model  # noqa: B018 (loads the data and the slot cache)
        tokens = tk.tokenize(text)
        lines = pg.lines(text, tokens, self._slots)
        document = _document_counts(lines)
        modes: Counter[str] = Counter()
        for line in lines:
            if line.has_words:
                rate = pg.rate(line, document, self.options.mode)
                mode = "ocr" if rate is None else "other" if rate == 0.0 else "stripped" if rate >= 0.5 else "clean"
                modes[mode] += sum(line.counts)
        return modes

    def _decide(self, text: str, explain: bool, engine: "_EngineConfidence | None" = None) -> list[Change]:
        _check_text(text)
        self.model  # noqa: B018 (loads the data and the caches)
        with _collector_paused():
            return self._decide_text(text, explain, engine)

    def _decide_text(self, text: str, explain: bool, engine: "_EngineConfidence | None") -> list[Change]:
        options = self.options
        tokens = tk.tokenize(text)
        lines = pg.lines(text, tokens, self._slots)
        document = _document_counts(lines)
        out_style = options.style if options.style != "keep" else pg.document_style(tokens)
        changes: list[Change] = []
        passages: list[list[tuple[pg.Line, float | None]]] = [[]]
        previous_letter = ""  # of the list items a), b), …
        rates = [pg.rate(line, document, options.mode) for line in lines]
        settled = self._settled(tokens, lines, rates) if options.style == "keep" else set()
        special = [i for i, token in enumerate(tokens) if token.kind in _ABBREV_OR_PROTECTED]
        for number, (line, rate) in enumerate(zip(lines, rates)):
            if passages[-1] and not pg.goes_on(tokens, *passages[-1][-1], line, rate):
                passages.append([])
            if number in settled:
                rate = 0.0  # correct text whose every unmarked word stays: nothing to decode
            if rate == 0.0 or not line.has_words:
                if explain and line.has_words and number not in settled:
                    changes.append(_left_alone(text, tokens, line, document, options.mode))
                continue  # another language, or code, or no word: nothing to restore
            passages[-1].append((line, rate))
            for i in special[bisect.bisect_left(special, line.start):bisect.bisect_left(special, line.end)]:
                token = tokens[i]
                if token.kind == tk.ABBREV:
                    self._abbreviation(token, changes)
                elif _is_list_letter(tokens, i):
                    previous_letter = self._list_letter(token, previous_letter, rate, changes)
        lattices, words = [], []
        for passage in passages:
            for lattice, passage_words in self._lattices(tokens, passage, document, engine):
                if passage_words:
                    lattices.append(lattice)
                    words.append(passage_words)
        with_confidence = explain or options.mark_uncertain
        chosen = self._domains(lattices)
        decoded = self._decode(lattices, chosen, with_confidence)
        decoded = self._read_again(lattices, decoded, chosen, with_confidence)
        for _ in range(CONTEXT_ROUNDS):
            if not self._ask_context(lattices, words, decoded, chosen, with_confidence):
                break
        for lattice, passage_words, choices in zip(lattices, words, decoded):
            previous = None
            for position, token, rate in passage_words:
                if rate is _DOT:
                    self._dot(token, lattice, choices, position, explain, changes)
                else:
                    # A misread capital right after a lowercase word is no capital (apply_case).
                    after_lowercase = previous is not None and not token.text.islower() and \
                        previous.text[:1].islower() and text[previous.end:token.start].isspace()
                    self._note(token, lattice, choices, position, rate, out_style, explain, changes,
                               after_lowercase)
                previous = token
        changes.sort(key=lambda c: c[0])
        return changes

    def _settled(self, tokens: list[tk.Token], lines: list[pg.Line], rates: list[float | None]) -> set[int]:
        """The lines read as correct text that need no decoding: none of their unmarked words could
        lose to a marked reading, even with its best neighbours' help.

        Each unmarked word of a correct line is weighed with the words next to
        it (as written): a marked reading pays the clean-text channel cost,
        and it would have to come within :data:`SETTLE_SLACK` of the word as
        written for the line to be decoded.  Most correct lines have no such
        word, and cost little more than tokenising them.
        """
        clean = [n for n, (line, rate) in enumerate(zip(lines, rates))
                 if rate == pg.MIN_STRIP_RATE and line.counts[1]]
        settled = {n for n, (line, rate) in enumerate(zip(lines, rates))
                   if rate == pg.MIN_STRIP_RATE and not line.counts[1]}
        if not clean:
            return settled
        model, slots_of = self.model, self._slots
        owners, lefts, rights, rows = [], [], [], []
        open_lines = set()
        for n in clean:
            line = lines[n]
            for i in range(line.start, line.end):
                token = tokens[i]
                if token.kind != tk.WORD or slots_of.shape(token.text)[1]:
                    continue
                slot = slots_of.get(token.text, pg.MIN_STRIP_RATE)
                if slot.ids == [model.unknown_id] or slot.ids == [model.abbreviation_id]:
                    continue  # kept as written anyway
                if slot.candidates[0].channel != 0.0:
                    open_lines.add(n)  # no reading keeps it as written: it will change
                    continue
                owners.append(n)
                left = neighbour_symbol(tokens, i, -1, line.start, line.end)
                before = neighbour_symbol(tokens, _previous_word(tokens, i, line.start), -1, line.start, line.end) \
                    if left != BOS else BOS
                lefts.append((model.id_of.get(before, model.unknown_id), model.id_of.get(left, model.unknown_id)))
                rights.append(model.id_of.get(neighbour_symbol(tokens, i, 1, line.start, line.end), model.unknown_id))
                rows.append(slot)
        if rows:
            width = max(len(slot.ids) for slot in rows)
            ids = np.array([slot.ids + [slot.ids[0]] * (width - len(slot.ids)) for slot in rows], dtype=np.int64)
            unary = np.array([slot.unary + [-np.inf] * (width - len(slot.ids)) for slot in rows])
            contexts = np.array(lefts, dtype=np.int64)
            before = np.repeat(contexts[:, :1], width, axis=1).ravel()
            left = np.repeat(contexts[:, 1:], width, axis=1).ravel()
            right = np.repeat(np.array(rights, dtype=np.int64)[:, None], width, axis=1).ravel()
            shape, flat = ids.shape, ids.ravel()
            score = unary + (model.pair_scores(left, flat) + model.trigram_gains(before, left, flat)
                             + model.pair_scores(flat, right) + model.trigram_gains(left, flat, right)).reshape(shape)
            written = score[:, 0]  # the reading as written comes first: its channel costs nothing
            rival = score[:, 1:].max(axis=1) if width > 1 else np.full(len(rows), -np.inf)
            for n, close in zip(owners, (rival > written - SETTLE_SLACK).tolist()):
                if close:
                    open_lines.add(n)
        return settled | (set(clean) - open_lines)

    def _lattices(self, tokens: list[tk.Token], passage: list[tuple[pg.Line, float | None]], document: tuple,
                  engine: "_EngineConfidence | None" = None
                  ) -> Iterator[tuple[list[Slot], list[tuple[int, tk.Token, float | None]]]]:
        """The lattice of one passage (``<s>`` … ``</s>``), and its words: (position in the lattice, token, rate).

        A passage longer than :data:`LATTICE_SLOTS` (a megabyte on one line)
        is cut after a sentence's end, or anywhere at twice that length: the
        decoder's arrays grow with a lattice.
        """
        slots_of = self._slots
        lattice: list[Slot] = [slots_of.fixed(BOS)]
        words: list[tuple[int, tk.Token, float | None]] = []
        for paragraph, rate in passage:
            forced = self._fixed_words(tokens, paragraph, document, ocr=rate is None)
            torn_until = -1  # the last token of a word torn by a misread mark, read as one
            for index, symbol in context_symbols(tokens, paragraph.start, paragraph.end):
                if index <= torn_until:
                    continue
                token = tokens[index]
                if rate is None and symbol is None and index + 2 < paragraph.end:
                    torn = self._torn_word(tokens, index)
                    if torn is not None:
                        whole, slot = torn
                        torn_until = index + 1
                        while tokens[torn_until].end < whole.end:
                            torn_until += 1
                        words.append((len(lattice), whole, rate))
                        lattice.append(slot)
                        continue
                if rate is None and _space_read_as_dot(tokens, index):
                    words.append((len(lattice), token, _DOT))  # not a position: a space between two words
                    continue
                slot = None
                if symbol is None:
                    slot = forced.get(token.start)
                    if slot is None and rate is None and _dotted_letter(tokens, index):
                        slot = slots_of.keep_slot  # "v.v.", "T.Ư": one letter by a dot is an abbreviation
                    if slot is None:
                        if rate is None and _code_or_unit(tokens, index, self._numbering(lattice[-1])):
                            slot = slots_of.keep_slot  # "30 m2", "km/01", "mẫu số 1A", "K15": not words
                        elif rate is None:
                            slot = slots_of.ocr(token.text, sure=engine is not None and engine.sure(token.start))
                        elif token.kind == tk.WORD:
                            slot = slots_of.get(token.text, rate)
                        else:
                            slot = slots_of.keep_slot  # "iPhone": kept, an unknown word in context
                elif rate is None and token.kind == tk.NUMBER and len(token.text) <= 2 and token.text.isdigit() \
                        and not self._numbering(lattice[-1]):
                    slot = slots_of.ocr(token.text, number=symbol)  # "46" may be "độ"; "Điều 18" is no "Điều lệ"
                elif rate is None and _lone_symbol(tokens, index):
                    slot = slots_of.ocr(token.text)  # "&" may be "ở"
                elif rate is None and symbol == AMOUNT and (word := _digit_word(tokens, index)) is not None:
                    token = word
                    slot = slots_of.ocr(word.text, number=symbol)  # "4p" may be "áp", or an amount
                if slot is None:
                    lattice.append(slots_of.fixed(symbol))
                else:
                    words.append((len(lattice), token, rate))
                    lattice.append(slot)
                if len(lattice) >= LATTICE_SLOTS and (symbol in _SENTENCE_ENDS or len(lattice) >= 2 * LATTICE_SLOTS):
                    lattice.append(slots_of.fixed(EOS))
                    yield lattice, words
                    lattice, words = [slots_of.fixed(BOS)], []
        lattice.append(slots_of.fixed(EOS))
        yield lattice, words

    def _numbering(self, slot: Slot) -> bool:
        """Whether a word is likely read as one that numbers what follows (``Điều``, ``khoản``,
        ``ngày``): a number after it stays a number."""
        numbering = self._slots.numbering_ids
        return slot.text is not None and any(sid in numbering for sid in slot.ids[:NEIGHBOUR_READINGS])

    def _torn_word(self, tokens: list[tk.Token], index: int) -> tuple[tk.Token, Slot] | None:
        """A word OCR tore apart by printing a letter as a symbol (``chi?c``, ``tuy€n``, ``ngu¥i`` for
        ``chức``, ``tuyến``, ``người``) as one token with its slot, when the channel reads it whole
        (or it is English: ``don't``); else None."""
        end = index  # the last piece of the word
        while end + 2 < len(tokens):
            mark, right = tokens[end + 1], tokens[end + 2]
            if not (mark.start == tokens[end].end and right.start == mark.end and right.kind in (tk.WORD, tk.MIXED)
                    and mark.kind in (tk.PUNCT, tk.PROTECTED) and all(ch in _TEARING_MARKS for ch in mark.text)):
                break
            end += 2
        if end == index:
            return None
        after = tokens[end + 1] if end + 1 < len(tokens) else None
        if after is not None and after.kind not in (tk.PUNCT, tk.SPACE, tk.BREAK):
            return None  # more of the chunk follows (digits, a code): not one torn word
        text = "".join(token.text for token in tokens[index:end + 1])
        whole = tk.Token(tk.MIXED, text, tokens[index].start)
        if is_english_word(text.translate(_APOSTROPHES)):
            return whole, self._slots.keep_slot  # "don't": English, kept as one word
        if len(text) > MAX_TORN_WORD:
            return None
        slot = self._slots.ocr(text)
        if not any(c.syllable != KEEP and not c.tail and c.channel >= TORN_WORD_CHANNEL for c in slot.candidates):
            return None
        return whole, slot

    def _domains(self, lattices: list[list[Slot]]) -> list[str]:
        """The domain each lattice is read in first (see :func:`paragraphs.domains`)."""
        model = self.model
        if len(model.domains) == 1 or not lattices:
            return [model.default_domain] * len(lattices)
        names = list(model.domains)
        known = self._skeleton_scores
        missing = {slot.serial: slot for lattice in lattices for slot in lattice[1:-1] if slot.serial not in known}
        if missing:
            slots = list(missing.values())
            width = max(len(slot.ids) for slot in slots)
            ids = np.zeros((len(slots), width), dtype=np.int64)
            valid = np.zeros((len(slots), width), dtype=bool)
            for row, slot in enumerate(slots):
                ids[row, :len(slot.ids)] = slot.ids
                valid[row, :len(slot.ids)] = True
            per_slot = np.stack([model.skeleton_logps(ids, valid)[name] for name in names], axis=1)
            if len(known) + len(slots) > self._max_entries:
                known.clear()
            known.update(zip(missing, per_slot.tolist()))
        nothing = [0.0] * len(names)  # a slot whose scores another thread has just cleared
        sizes = [len(lattice) - 2 for lattice in lattices]
        rows = np.array([known.get(slot.serial, nothing) for lattice in lattices for slot in lattice[1:-1]]
                        + [nothing])  # (a last row of zeros: reduceat's index past the end)
        sums = np.add.reduceat(rows, np.cumsum([0, *sizes[:-1]]), axis=0)  # each lattice's slots, in order
        sums[np.array(sizes) == 0] = 0.0
        return pg.domains([dict(zip(names, row)) for row in sums.tolist()], sizes)

    def _read_again(self, lattices: list[list[Slot]], decoded: list[list[Choice]], chosen: list[str],
                    with_confidence: bool) -> list[list[Choice]]:
        """Decode again, in another domain, the passages whose readings that domain explains better.

        The first choice of domain sees only the words' skeletons; once read,
        a passage's syllables say more: their likelihood under each domain's
        model (with the document's, see :func:`paragraphs.domains`) decides.
        *chosen* is updated in place.
        """
        model = self.model
        if len(model.domains) == 1 or not lattices:
            return decoded
        sequences = [[slot.ids[choice.index] for slot, choice in zip(lattice, choices)]
                     for lattice, choices in zip(lattices, decoded)]
        second = np.array([sid for seq in sequences for sid in seq[1:]], dtype=np.int64)
        first = np.array([sid for seq in sequences for sid in seq[:-1]], dtype=np.int64)
        before = np.array([sid for seq in sequences for sid in [seq[0], *seq[:-2]]], dtype=np.int64)
        per_step = model.sequence_logps(before, first, second)
        sizes = [len(seq) - 1 for seq in sequences]
        bounds = np.cumsum([0, *sizes])
        scores = [{name: float(values[a:b].sum()) for name, values in per_step.items()}
                  for a, b in zip(bounds[:-1], bounds[1:])]
        again = pg.domains(scores, sizes, pg.PATH_PRIOR)
        changed = [n for n, (old, new) in enumerate(zip(chosen, again)) if old != new]
        if changed:
            for n, choices in zip(changed, self._decode([lattices[n] for n in changed],
                                                        [again[n] for n in changed], with_confidence)):
                decoded[n] = choices
                chosen[n] = again[n]
        return decoded

    def _decode(self, lattices: list[list[Slot]], chosen: list[str], with_confidence: bool) -> list[list[Choice]]:
        """Decode each lattice in its domain."""
        decoded: list[list[Choice]] = [[] for _ in lattices]
        for domain, decoder in self._decoders.items():
            mine = [n for n, name in enumerate(chosen) if name == domain]
            if mine:
                for n, choices in zip(mine, decoder.decode_all([lattices[n] for n in mine], with_confidence)):
                    decoded[n] = choices
        return decoded

    def _ask_context(self, lattices: list[list[Slot]], words: list, decoded: list[list[Choice]],
                     chosen: list[str], with_confidence: bool) -> bool:
        """Give weakly read OCR words the readings their neighbours ask for, and decode again what changed.

        A word whose reading the channel finds far-fetched (or that stays as
        written) gets the syllables the model expects after the two words
        before it and before the two after it, each weighed through the
        channel (see :func:`~diacritics_fix.candidates.context_candidates`).
        Returns whether any lattice changed.
        """
        model, slots_of = self.model, self._slots
        changed = []
        for n, (lattice, passage_words, choices) in enumerate(zip(lattices, words, decoded)):
            extended = False
            ocr = {position for position, _, rate in passage_words if rate is None and lattice[position].text is not None}
            asked: dict[int, list[int]] = defaultdict(list)  # position → the syllables asked for it
            for position, token, rate in passage_words:
                slot = lattice[position]
                if rate is not None or slot.text is None:
                    continue
                read = slot.candidates[choices[position].index]
                if read.channel >= WEAK_READING and read.syllable != KEEP:
                    continue

                def reading(i: int, last: bool = True) -> int:
                    here = lattice[i]
                    return (here.last_ids if last else here.ids)[choices[i].index]

                before = reading(position - 1)
                glued = lattice[position - 1].before_last[choices[position - 1].index]
                before_that = glued if glued is not None else reading(position - 2) if position >= 2 else model.bos_id
                following = reading(position + 1, last=False)
                after = reading(position + 2, last=False) if position + 2 < len(lattice) else None
                proposals = [sid for sid, _ in model.successors(before_that, before, CONTEXT_PROPOSALS)]
                proposals += [sid for sid, _ in model.predecessors(following, after, CONTEXT_PROPOSALS)]
                asked[position].extend(proposals)
            # Windows of OCR words holding two weak ones at least: there the neighbours that
            # proposed readings above are misread too, and a phrase may still match as a whole.
            weak = sorted(asked)
            windows = {(start, length) for position in weak for length in range(pm.SHORTEST, pm.LONGEST + 1)
                       for start in range(position - length + 1, position + 1)
                       if all(i in ocr for i in range(start, start + length))
                       and bisect.bisect_left(weak, start + length) - bisect.bisect_left(weak, start) >= 2}
            if windows:
                phrases = self._phrase_index()
                for start, length in sorted(windows):
                    span = range(start, start + length)
                    found = phrases.matches([lattice[i].text for i in span],
                                            [lattice[i].ids[:WINDOW_READINGS] for i in span])
                    for ids in found:
                        for i, sid in zip(span, ids):
                            asked[i].append(sid)
            for position, proposals in asked.items():
                slot = lattice[position]
                extra = context_candidates(slot.text, model, dict.fromkeys(proposals), slot.ids)
                if extra:
                    lattice[position] = slots_of.with_readings(slot, extra)
                    extended = True
            if extended:
                changed.append(n)
        if changed:
            again = self._decode([lattices[n] for n in changed], [chosen[n] for n in changed], with_confidence)
            for n, choices in zip(changed, again):
                decoded[n] = choices
        return bool(changed)

    def warm(self) -> "Restorer":
        """Make now what is otherwise made on first use: the data, the English frequencies, the OCR
        candidate index, the model's index of predecessors and the phrase index.  Worker processes
        forked after this share those pages rather than each making its own."""
        model = self.model
        is_english_word("warm")
        candidate_index(model)
        model.predecessors(model.first_syllable, None, 1)
        self._phrase_index()
        return self

    def share_caches(self, parts: int) -> "Restorer":
        """Keep a *parts*-th of what the caches would keep: this process is one of *parts* workers
        (a run of distinct text fills them to their bounds, and N workers would need N times
        the memory).  Loads the data first."""
        self.model  # noqa: B018 (loads the data and makes the caches)
        slots = self._slots
        slots.max_size = max(1_000, slots.max_size // parts)
        for decoder in self._decoders.values():
            decoder.share(parts)
        self._max_entries = max(1_000, self._max_entries // parts)
        index = candidate_index(self.model)
        index.max_cache = max(1_000, index.max_cache // parts)
        return self

    def _phrase_index(self) -> pm.PhraseIndex:
        """The domain phrases (and the user's) that OCR windows are matched against, made on first use."""
        if self._phrases is None:
            self._phrases = pm.PhraseIndex(self.model, [*pm.phrase_lines(), *self.options.phrases])
        return self._phrases

    def _dot(self, token: tk.Token, lattice: list[Slot], choices: list[Choice], position: int, explain: bool,
             changes: list) -> None:
        """A dot that OCR read for a space (``co.thanh``): a space again when both words around it are read."""
        model = self.model
        for at in (position - 1, position):
            candidate = lattice[at].candidates[choices[at].index]
            if candidate.syllable == KEEP or candidate.syllable < model.first_syllable:
                return
        if explain:
            changes.append(Change(token.start, token.end, token.text, " ", 1.0, (), "OCR: a space read as a dot"))
        else:
            changes.append((token.start, token.end, token.text, " "))

    def _note(self, token: tk.Token, lattice: list[Slot], choices: list[Choice], position: int,
              rate: float | None, out_style: str, explain: bool, changes: list[Change],
              after_lowercase: bool = False) -> None:
        """Note the change a decoded word makes, if any."""
        model, options = self.model, self.options
        slot, choice = lattice[position], choices[position]
        candidate = slot.candidates[choice.index]
        if candidate.syllable == model.abbreviation_id:
            self._abbreviation(token, changes)
            return
        key = (token.text, slot.serial, choice.index, rate is None, out_style, after_lowercase)
        readings = self._readings
        if key in readings:
            restored = readings[key]
        else:
            restored = self._reading(token, slot, choice, rate, out_style, after_lowercase)
            if len(readings) >= self._max_entries:
                readings.clear()
            readings[key] = restored
        doubtful = options.mark_uncertain and len(slot.ids) > 1 and choice.confidence < options.threshold
        if restored is None and not doubtful:
            return
        written = restored if restored is not None else token.text
        if doubtful:
            written = options.marker.replace("…", written)
        if not explain:  # restore() needs only where and what (see _rebuild)
            changes.append((token.start, token.end, token.text, written))
            return
        reason, alternatives = "style", ()
        if not slot.marked or rate is None:
            reason = _reason(choice, position, lattice, choices, model)
            alternatives = _alternatives(slot, choice, model, token.text, after_lowercase)
        changes.append(Change(token.start, token.end, token.text, written, choice.confidence, alternatives, reason))

    def _list_letter(self, token: tk.Token, previous: str, rate: float | None, changes: list[Change]) -> str:
        """Lists run a), b), c), d), đ), e): a second d) in a row lost the bar of its đ."""
        letter = token.text
        if letter in ("d", "D") and previous in ("d", "D") and (rate is None or rate > pg.MIN_STRIP_RATE):
            restored = "đ" if letter == "d" else "Đ"
            changes.append(Change(token.start, token.end, letter, restored, 1.0, (), "list order: d) then đ)"))
            return restored
        return letter

    def _abbreviation(self, token: tk.Token, changes: list[Change]) -> bool:
        restored = self.model.abbreviations.get(token.text)
        if restored and restored != token.text:
            changes.append(Change(token.start, token.end, token.text, restored, 1.0, (), "abbreviation"))
            return True
        return False

    def _fixed_words(self, tokens: list[tk.Token], paragraph: pg.Line, document: tuple,
                     ocr: bool = False) -> dict[int, Slot]:
        """Words of a paragraph that are not to be restored, by start offset, with the slot they get.

        English words (see language.py) keep their spelling; an all-caps word
        in a line that is not all caps is an acronym (``mạng nội bộ (LAN)``).
        In OCR output a word that is no syllable may still be a misread one:
        it is Vietnamese as far as its best reading is.
        """
        words = [t for t in tokens[paragraph.start:paragraph.end] if t.kind == tk.WORD]
        forced: dict[int, Slot] = {}
        if ocr:  # "1." opening a line (a list item) or a number alone on its line (a page) is no misread word
            line = [t for t in tokens[paragraph.start:paragraph.end] if t.kind not in (tk.SPACE, tk.BREAK)]
            if line and line[0].kind == tk.NUMBER and (len(line) == 1 or line[1].text in (".", ")")):
                forced[line[0].start] = self._slots.get(line[0].text, 1.0)
        capitals = [t for t in words if len(t.text) > 1 and t.text.isupper()]
        if ocr:  # "BO" for "Bộ": a capital misread is no acronym
            capitals = [t for t in capitals if not self._slots.looks_misread(t.text)]
        if capitals and 2 * len(capitals) < len(words):
            for token in capitals:
                forced[token.start] = self._slots.abbreviation_slot
        english_share = document[2] / max(1, sum(document[:3]))
        if paragraph.counts[2] or english_share > 0.05:
            vietnamese_logp = self._slots.ocr_logp if ocr else self._slots.vietnamese_logp
            # Acronyms (ADB, UBND) and single letters (điểm a, b và c) belong to no
            # language: they do not vote.
            voters = [t for t in words if len(t.text) > 1 and not (t.text.isupper() and not is_english_word(t.text))]
            tags = tag_english([t.text for t in voters], vietnamese_logp, english_share)
            after_amount = _after_number(tokens, paragraph)
            for token, english in zip(voters, tags):
                # a currency or unit after an amount is Vietnamese: "50.000 dong"
                if english and token.start not in after_amount:
                    forced[token.start] = self._slots.keep_slot
        return forced

    def _reading(self, token: tk.Token, slot: Slot, choice: Choice, rate: float | None, out_style: str,
                 after_lowercase: bool = False) -> str | None:
        """The text a decoded token becomes, or None when it stays as written."""
        model = self.model
        candidate = slot.candidates[choice.index]
        if candidate.syllable == KEEP or candidate.syllable < model.first_syllable:
            return None  # kept as written, or a number read as itself
        marked = slot.marked and rate is not None  # OCR marks are evidence, not the writer's
        if marked and self.options.style == "keep":
            return None
        words = [model.syllables[s] for s in candidate.syllables()]
        if out_style == "hoà":
            words = [restyle(word, out_style) for word in words]
        # A glued token read as two syllables gets its space back.
        upper = _letters_upper(token.text)
        restored = " ".join(apply_case(token.text, word, after_lowercase) if i == 0 else word.upper() if upper else word
                            for i, word in enumerate(words))
        if restored == token.text or (marked and restored == unicodedata.normalize("NFC", token.text)):
            return None  # unchanged, or only the normal form differs: keep the writer's code points
        return restored


#: How many decoded words' texts (and slots' domain scores) a restorer keeps at most.
MAX_READINGS_KEPT = 50_000

#: A correct line is decoded when a marked reading of one of its unmarked words comes within
#: this of the word as written, judged with the two words on each side (what a whole decode adds).
SETTLE_SLACK = 3.0

#: How many times weakly read OCR words may ask their context for readings (each time, the
#: passages that changed are decoded again).
CONTEXT_ROUNDS = 2
#: The readings of a word before a number that may make it a numbering word (Restorer._numbering).
NEIGHBOUR_READINGS = 3
#: The readings of each token (the channel's likeliest) that retrieve phrases for a window.
WINDOW_READINGS = 4
#: A passage is cut into lattices of about this many slots (see Restorer._lattices).
LATTICE_SLOTS = 4_096
_SENTENCE_ENDS = frozenset(".?!;…")
#: Symbols OCR prints for a letter inside a word (``chi?c`` for ``chức``), and how far-fetched
#: (channel log P) the best reading of the whole may be for the pieces to be read as one word.
_TEARING_MARKS = frozenset("?’'‘`´€¥£¢©®°{}|~^§")
TORN_WORD_CHANNEL = -13.0
MAX_TORN_WORD = 9
_APOSTROPHES = str.maketrans("’‘`´", "''''")

#: An OCR engine's confidence at or above which a word's letters are taken as read.
ENGINE_SURE = 0.95


class _EngineConfidence:
    """The OCR engine's confidence of the words of a text, looked up by any offset inside a word."""

    def __init__(self, by_start: Mapping[int, float | None]) -> None:
        self.starts = sorted(by_start)
        self.by_start = by_start

    def sure(self, offset: int) -> bool:
        found = bisect.bisect_right(self.starts, offset) - 1
        confidence = self.by_start[self.starts[found]] if found >= 0 else None
        return confidence is not None and confidence >= ENGINE_SURE


_DOT = "dot"  # marks, in a passage's words, a dot read for a space


def _dotted_letter(tokens: list[tk.Token], index: int) -> bool:
    """A single letter with a dot glued to it (``v.v.``, ``T.Ư``, ``Tp.``'s neighbours)."""
    token = tokens[index]
    if len(token.text) != 1:
        return False
    before = tokens[index - 1] if index else None
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    return bool(before and before.end == token.start and before.text.endswith(".")
                or after and after.start == token.end and after.text.startswith("."))


def _code_or_unit(tokens: list[tk.Token], index: int, numbered: bool) -> bool:
    """Whether an OCR token is a code or a unit, printed as read: a unit with a power (``m2``), a unit
    by a number or a slash (``30 km``, ``km/01``), digits and capitals after a word that numbers
    (``mẫu số 1A``; elsewhere they may be a misread word in capitals).  A capital and digits
    (``K15``) may be a code, but as often a misread word (``B6`` for ``Bộ``)."""
    text = tokens[index].text
    lower = text.lower()
    if lower in _UNIT_POWERS or (numbered and _NUMBERED_CODE.match(text)):
        return True
    if lower in _LONG_UNITS:
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        before = _previous_word(tokens, index, 0)
        return (after is not None and after.text[:1] == "/" and after.start == tokens[index].end) or (
            before < index and tokens[before].kind == tk.NUMBER)
    return False


_NUMBERED_CODE = re.compile(r"^\d{1,3}[A-ZĐ]{1,2}$")


def _digit_word(tokens: list[tk.Token], index: int) -> tk.Token | None:
    """A digit and one or two letters that are no unit (``4p`` for ``áp``, ``1p`` for ``lập``), as one
    token: OCR printed a letter as a digit.  ``5m``, ``3kg``, ``8h`` are amounts."""
    end = index
    while end + 1 < len(tokens) and tokens[end + 1].start == tokens[end].end \
            and tokens[end + 1].kind in (tk.PROTECTED, tk.NUMBER, tk.WORD, tk.MIXED):
        end += 1
    text = "".join(token.text for token in tokens[index:end + 1])
    match = _DIGIT_WORD.match(text)
    if match is None or match.group(1).lower() in _UNITS:
        return None
    return tk.Token(tk.MIXED, text, tokens[index].start)


_DIGIT_WORD = re.compile(r"^\d([^\W\d_A-ZĐ]{1,2})$")  # lowercase: "1A" is a code
#: Units written after a number without a space.
_UNITS = frozenset("m cm mm km dm g kg mg t ha l ml h s p' w kw mw v a gb mb kb tb đ d k".split())
#: Units with a power, printed as read (``m2`` is no misread ``mã``).
_UNIT_POWERS = frozenset("m2 m3 km2 cm2 cm3 dm2 dm3 mm2".split())
#: Those of two letters or more, kept as written after a number or before a slash (``km/01``).
_LONG_UNITS = frozenset(unit for unit in _UNITS if len(unit) > 1 and unit.isalpha())


def _space_read_as_dot(tokens: list[tk.Token], index: int) -> bool:
    """A lone dot glued between two words of two letters or more (``co.thanh``, ``ngudi.od``): OCR
    read a space as a dot.  One-letter parts (``v.v``) and file names (``report.docx``) are not."""
    token = tokens[index]
    if token.text != "." or index == 0 or index + 1 >= len(tokens):
        return False
    left, right = tokens[index - 1], tokens[index + 1]
    return (left.kind in (tk.WORD, tk.MIXED) and right.kind in (tk.WORD, tk.MIXED)
            and len(left.text) > 1 and len(right.text) > 1 and left.end == token.start and right.start == token.end
            and right.text[:1].islower())


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector kept off while one text is restored.

    Restoring a text makes a few tuples per word (tokens, slots, choices) and
    keeps them to the end: each of the collector's passes would walk them all,
    and now and then every object of the loaded model too, to find no garbage
    (measured: a fifth of the time spent on correct text, half of it on
    English, a tenth on stripped text).  The text's own reference
    cycles, if any, are collected after it.  Left as it was when the caller
    (or another thread) had it off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _previous_word(tokens: list[tk.Token], index: int, start: int) -> int:
    """The index of the token before ``tokens[index]`` (spaces skipped), or *start*."""
    j = index - 1
    while j > start and tokens[j].kind == tk.SPACE:
        j -= 1
    return max(j, start)


def _after_number(tokens: list[tk.Token], line: pg.Line) -> set[int]:
    """Start offsets of the words that follow a number (a space or a slash between)."""
    found = set()
    for i in range(line.start + 1, line.end):
        if tokens[i].kind != tk.WORD:
            continue
        j = i - 1
        while j > line.start and (tokens[j].kind == tk.SPACE or tokens[j].text == "/"):
            j -= 1
        if tokens[j].kind == tk.NUMBER:
            found.add(tokens[i].start)
    return found


def _document_counts(lines: list[pg.Line]) -> tuple[int, int, int, int]:
    """The evidence of all lines together."""
    totals = [0, 0, 0, 0]
    for line in lines:
        for k, count in enumerate(line.counts):
            totals[k] += count
    return totals[0], totals[1], totals[2], totals[3]


def _left_alone(text: str, tokens: list[tk.Token], line: pg.Line, document: tuple, mode: str) -> Change:
    """A note that a line was left alone, and why: a 'change' that changes nothing."""
    start = tokens[line.start].start
    end = tokens[line.end - 1].end
    while end > start and text[end - 1] in "\r\n\u2028\u2029\x0b\x0c\x85":
        end -= 1
    reason = "left alone: " + (pg.left_alone_reason(line, document, mode) or "nothing to restore")
    return Change(start, end, text[start:end], text[start:end], 1.0, (), reason)


def _alternatives(slot, choice: Choice, model: Model, original: str,
                  after_lowercase: bool = False) -> tuple[tuple[str, float], ...]:
    """The runner-up readings with their share of the max-marginal mass, each spelling once."""
    scores = choice.scores
    top = max(scores)
    temperature = model.weights.confidence_temperature
    weights = [math.exp((s - top) / temperature) for s in scores]
    total = sum(weights)

    def spelled(k: int) -> str:
        candidate = slot.candidates[k]
        if candidate.syllable == KEEP or KEEP in candidate.tail:
            return original
        words = " ".join(model.syllables[s] for s in candidate.syllables())
        return apply_case(original, words, after_lowercase)

    chosen = spelled(choice.index)
    mass: dict[str, float] = {}  # readings spelled alike (thu + a glued syllable, twice) add up
    for k in sorted(range(len(scores)), key=lambda k: -scores[k]):
        if slot.candidates[k].syllable != KEEP and (word := spelled(k)) != chosen:
            mass[word] = mass.get(word, 0.0) + weights[k] / total
    ranked = sorted(mass.items(), key=lambda item: -item[1])[:3]
    return tuple((word, round(share, 4)) for word, share in ranked)


def _reason(choice: Choice, position: int, lattice: list[Slot], choices: list[Choice], model: Model) -> str:
    """What decided a restored word: a phrase, a listed pair, the words around it, or frequency alone."""
    if choice.phrase:
        return "phrase: " + " ".join(model.syllables[s] for s in choice.phrase)

    def chosen(i: int) -> int:
        return lattice[i].ids[choices[i].index]

    sid = chosen(position)
    neighbours = [chosen(i) for i in (position - 1, position + 1)]
    for first, second in ((neighbours[0], sid), (sid, neighbours[1])):
        key = first << SHIFT | second
        keys = model.pair_keys
        where = int(keys.searchsorted(keys.dtype.type(key))) if len(keys) else 0
        if where < len(keys) and int(keys[where]) == key:
            return f"pair: {model.syllables[first]} {model.syllables[second]}"
    slot = lattice[position]
    best_alone = max(range(len(slot.ids)), key=lambda k: model.logp[slot.ids[k]] + slot.unary[k])
    if best_alone != choice.index:
        before = model.syllables[neighbours[0]]
        after = model.syllables[neighbours[1]]
        return f"context: {before} … {after}"
    return "frequency"


def _check_text(text: str) -> None:
    """A TypeError naming the argument, for anything but a str (bytes are decoded by the caller)."""
    if not isinstance(text, str):
        hint = ": decode it first, as data.decode('utf-8')" if isinstance(text, (bytes, bytearray)) else ""
        raise TypeError(f"text must be str, not {type(text).__name__}{hint}")


def _rebuild(text: str, changes: list) -> str:
    """The input with each change's span replaced; everything else copied as it was.

    A change is a :class:`Change`, or the tuple ``(start, end, original, restored)``
    that :meth:`Restorer.restore` makes do with.
    """
    if not changes:
        return text
    parts = []
    position = 0
    for change in changes:
        parts.append(text[position:change[0]])
        parts.append(change[3])
        position = change[1]
    parts.append(text[position:])
    return "".join(parts)


_DEFAULT: Restorer | None = None


def restore(text: str, **options) -> str:
    """Restore the diacritics of *text*; keyword arguments are :class:`Options` fields.

    >>> restore("CONG HOA XA HOI CHU NGHIA VIET NAM")
    'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'
    """
    global _DEFAULT
    if options:
        return Restorer(Options(**options)).restore(text)
    if _DEFAULT is None:
        _DEFAULT = Restorer()
    return _DEFAULT.restore(text)
