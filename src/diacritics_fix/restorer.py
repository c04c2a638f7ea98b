"""The whole flow: text → tokens → candidates → decoding → text.

>>> restore("Cac dang bo truc thuoc Thanh uy")
'Các đảng bộ trực thuộc Thành ủy'
"""

from __future__ import annotations

import copy
import math
import unicodedata

import regex
from collections import Counter
from typing import Iterable, NamedTuple

from . import tokens as tk
from .candidates import KEEP, MIN_STRIP_RATE, Slot, SlotCache, is_ocr_output, strip_rate
from .decode import Choice, Decoder
from .language import is_english_word, tag_english
from .model import PAIR_SHIFT, Model, load_model, with_user_models
from .options import Options
from .syllable import has_marks, place_tone, restyle, skeleton, split_tone, tone_style


# Dashes between words ("Độc lập - Tự do - Hạnh phúc") keep the words in one
# segment, so phrases spelled across them are found.
_JOINERS = frozenset("-–—")


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


def apply_case(original: str, word: str) -> str:
    """Give *word* (lowercase) the case pattern of *original* (its letters).

    >>> apply_case("THANH", "thành"), apply_case("Thanh", "thành"), apply_case("thanh", "thành")
    ('THÀNH', 'Thành', 'thành')
    >>> apply_case("T6", "tổ"), apply_case("A", "à")
    ('Tổ', 'À')
    """
    if _letters_upper(original):
        return word.upper()
    first = next((ch for ch in original if ch.isalpha()), "")
    if first.isupper():
        return word[:1].upper() + word[1:]
    return word


class _Paragraph(NamedTuple):
    start: int  # index of first token
    end: int  # index after last token
    counts: tuple[int, int, int, int]  # marked, unmarked, foreign and garbled words
    code: bool  # a line of program code or data


# A line of program code or data: left alone whatever its words look like.
_CODE_LINE = regex.compile(r'\{[^{}]*\}|":|\(\);|^\s*(?:import|def|class|return|var|let|const|SELECT|INSERT)\b|\s(?:==|=|&&|\|\|)\s')


def _paragraphs(text: str, tokens: list[tk.Token], slots: SlotCache) -> list[_Paragraph]:
    """Paragraphs (lines) with their counts of marked, unmarked, foreign and garbled words.

    A word that cannot be a Vietnamese syllable is garbled (OCR damage:
    ``téng``, ``cia``, ``s6``) when the OCR channel reads it cheaply as a
    syllable and English does not know it; foreign otherwise (``ipsum``).  All-caps
    words that are not English words (UBND, TT, HĐND) count for nothing:
    abbreviations say nothing about the language.
    """
    result = []
    start = 0
    counts = [0, 0, 0, 0]

    def close(end: int) -> None:
        line = text[tokens[start].start:tokens[end - 1].end] if end > start else ""
        result.append(_Paragraph(start, end, tuple(counts), bool(_CODE_LINE.search(line))))

    for i, token in enumerate(tokens):
        if token.kind == tk.WORD:
            shaped, is_marked = slots.shape(token.text)
            if shaped:
                counts[0 if is_marked else 1] += 1
            elif is_english_word(token.text):
                counts[2] += 1
            elif len(token.text) == 1 or not token.text.isupper():
                counts[3 if slots.looks_misread(token.text) else 2] += 1
        elif token.kind == tk.MIXED:
            counts[3 if slots.looks_misread(token.text) else 2] += 1
        elif token.kind == tk.BREAK:
            close(i + 1)
            start, counts = i + 1, [0, 0, 0, 0]
    close(len(tokens))
    return result


def _document_style(tokens: list[tk.Token]) -> str:
    """The tone placement most used by the document's marked words (``hòa`` if none)."""
    votes: Counter[str] = Counter()
    for token in tokens:
        if token.kind == tk.WORD and has_marks(token.text):
            style = tone_style(unicodedata.normalize("NFC", token.text).lower())
            if style:
                votes[style] += 1
    if votes["hoà"] > votes["hòa"]:
        return "hoà"
    return "hòa"


class Restorer:
    """Restores Vietnamese diacritics; loads its data once and can be reused.

    A Restorer holds no per-call state, so one instance may serve many
    threads; it pickles as its options (the data is reloaded, once per process).

    >>> r = Restorer(Options(style="hoà"))
    >>> r.restore("Hoa binh va phat trien")
    'Hoà bình và phát triển'
    """

    def __init__(self, options: Options | None = None, *, phrases: Iterable[str] = (), **overrides) -> None:
        options = options or Options()
        if overrides:
            options = options._replace(**overrides)
        extra = tuple(options.phrases) + tuple(phrases)
        self.options = options._replace(phrases=extra).validate()
        self._model: Model | None = None

    @property
    def model(self) -> Model:
        if self._model is None:
            options = self.options
            if options.models:  # the user's own text (learn.py)
                base = with_user_models(options.models, options.model_weight, options.weights)
            else:
                base = load_model(options.weights)
            if options.phrases or options.lexicon:
                base = copy.deepcopy(base)
                base.add_phrases((*options.phrases, *options.lexicon), pair_bonus=base.weights.user_phrase_pair)
                base.add_vocabulary(options.lexicon)
            self._slots = SlotCache(base, self.options.max_candidates)
            self._decoder = Decoder(base)
            self._model = base
        return self._model

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

    def restore_and_explain(self, text: str) -> tuple[str, list[Change]]:
        changes = self._decide(text, explain=True)
        return _rebuild(text, changes), changes

    def reading_modes(self, text: str) -> Counter[str]:
        """Words of *text* by how their paragraph is read: ``clean``, ``stripped``,
        ``ocr``, or ``other`` (code, another language: left alone).

        >>> Restorer().reading_modes("Cac dang bo truc thuoc Thanh uy")
        Counter({'stripped': 7})
        """
        self.model  # noqa: B018 (loads the data and the slot cache)
        tokens = tk.tokenize(text)
        paragraphs = _paragraphs(text, tokens, self._slots)
        document = tuple(sum(column) for column in zip(*(p.counts for p in paragraphs)))
        modes: Counter[str] = Counter()
        for paragraph in paragraphs:
            if any(paragraph.counts):
                rate = self._rate(paragraph, document)
                mode = "ocr" if rate is None else "other" if rate == 0.0 else "stripped" if rate >= 0.5 else "clean"
                modes[mode] += sum(paragraph.counts)
        return modes

    def _rate(self, paragraph: _Paragraph, document: tuple) -> float | None:
        """How likely a word of *paragraph* lost its marks; None: OCR output; 0: leave it alone."""
        mode = self.options.mode
        if paragraph.code:
            return 0.0
        if mode == "stripped":
            return 1.0
        if mode == "clean":
            return strip_rate(1, 0)
        if mode == "ocr" or (mode == "auto" and is_ocr_output(paragraph.counts, document)):
            return None
        return strip_rate(*paragraph.counts[:3], prior=document[:3])

    def _decide(self, text: str, explain: bool) -> list[Change]:
        model = self.model
        options = self.options
        tokens = tk.tokenize(text)
        paragraphs = _paragraphs(text, tokens, self._slots)
        document = tuple(sum(column) for column in zip(*(p.counts for p in paragraphs)))
        out_style = options.style if options.style != "keep" else _document_style(tokens)
        changes: list[Change] = []
        forced: dict[int, Slot] = {}
        segment: list[tk.Token] = []
        segment_rate: float | None = 1.0
        previous_letter = ""  # of the list items a), b), …
        for paragraph in paragraphs:
            rate = self._rate(paragraph, document)
            # A scanned page wraps sentences at line ends: OCR lines go on one
            # segment until a blank line or a line that is not OCR output.
            if segment and not (rate is None and segment_rate is None and any(paragraph.counts)):
                self._flush(segment, segment_rate, forced, out_style, explain, changes)
                segment = []
            if rate == 0.0:
                continue  # another language, or code: nothing to restore
            segment_rate = rate
            forced.update(self._fixed_words(tokens, paragraph, document, ocr=rate is None))
            for i in range(paragraph.start, paragraph.end):
                token = tokens[i]
                kind = token.kind
                if kind == tk.WORD or kind == tk.NUMBER or (
                    rate is None and (kind == tk.MIXED or _lone_symbol(tokens, i))
                ):
                    segment.append(token)
                    continue
                if segment and (kind == tk.SPACE or token.text in _JOINERS or (kind == tk.BREAK and rate is None)):
                    continue
                self._flush(segment, rate, forced, out_style, explain, changes)
                segment = []
                if kind == tk.ABBREV:
                    self._abbreviation(token, changes)
                elif kind == tk.PROTECTED and _is_list_letter(tokens, i):
                    previous_letter = self._list_letter(token, previous_letter, rate, changes)
        self._flush(segment, segment_rate, forced, out_style, explain, changes)
        changes.sort(key=lambda c: c.start)
        return changes

    def _list_letter(self, token: tk.Token, previous: str, rate: float | None, changes: list[Change]) -> str:
        """Lists run a), b), c), d), đ), e): a second d) in a row lost the bar of its đ."""
        letter = token.text
        if letter in ("d", "D") and previous in ("d", "D") and (rate is None or rate > MIN_STRIP_RATE):
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

    def _fixed_words(self, tokens: list[tk.Token], paragraph: _Paragraph, document: tuple,
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
            # Acronyms (ADB, UBND) belong to no language: they do not vote.
            voters = [t for t in words if not (len(t.text) > 1 and t.text.isupper() and not is_english_word(t.text))]
            tags = tag_english([t.text for t in voters], vietnamese_logp, english_share)
            for token, english in zip(voters, tags):
                if english:
                    forced[token.start] = self._slots.keep_slot
        return forced

    def _ocr_slot(self, token: tk.Token) -> Slot:
        if token.kind == tk.NUMBER:
            if len(token.text) <= 2:
                return self._slots.ocr(token.text, number=True)  # "46" may be "độ"
            return self._slots.get(token.text, 1.0)
        return self._slots.ocr(token.text)

    def _flush(self, segment, rate, forced, out_style, explain, changes) -> None:
        if not segment:
            return
        model = self.model
        options = self.options
        if rate is None:
            slots = [forced.get(t.start) or self._ocr_slot(t) for t in segment]
        else:
            slots = [forced.get(token.start) or self._slots.get(token.text, rate) for token in segment]
        choices = self._decoder.decode(slots, with_confidence=explain or options.mark_uncertain)
        for position, (token, slot, choice) in enumerate(zip(segment, slots, choices)):
            sid = slot.ids[choice.index]
            if sid == model.abbreviation_id:
                self._abbreviation(token, changes)
                continue
            restored = self._reading(token, slot, choice, rate, out_style)
            doubtful = options.mark_uncertain and len(slot.ids) > 1 and choice.confidence < options.threshold
            if restored is None and not doubtful:
                continue
            written = restored if restored is not None else token.text
            if doubtful:
                written = options.marker.replace("…", written)
            reason, alternatives = "style", ()
            if explain and (not slot.marked or rate is None):
                reason = _reason(choice, position, slots, choices, model)
                alternatives = _alternatives(slot, choice, model, token.text)
            changes.append(Change(token.start, token.end, token.text, written, choice.confidence, alternatives, reason))

    def _reading(self, token: tk.Token, slot: Slot, choice: Choice, rate: float | None, out_style: str) -> str | None:
        """The text a decoded token becomes, or None when it stays as written."""
        model = self.model
        candidate = slot.candidates[choice.index]
        if candidate.syllable in (KEEP, model.number_id):
            return None
        marked = slot.marked and rate is not None  # OCR marks are evidence, not the writer's
        if marked and self.options.style == "keep":
            return None
        words = [model.syllables[s] for s in candidate.syllables()]
        if out_style == "hoà":
            words = [restyle(word, out_style) for word in words]
        # A glued token read as two syllables gets its space back.
        upper = _letters_upper(token.text)
        restored = " ".join(apply_case(token.text, word) if i == 0 else word.upper() if upper else word
                            for i, word in enumerate(words))
        if restored == token.text or (marked and restored == unicodedata.normalize("NFC", token.text)):
            return None  # unchanged, or only the normal form differs: keep the writer's code points
        return restored


def _alternatives(slot, choice: Choice, model: Model, original: str) -> tuple[tuple[str, float], ...]:
    """The runner-up readings with their share of the max-marginal mass."""
    scores = choice.scores
    top = max(scores)
    temperature = model.weights.confidence_temperature
    weights = [math.exp((s - top) / temperature) for s in scores]
    total = sum(weights)
    ranked = sorted(range(len(scores)), key=lambda k: -scores[k])
    result = []
    for k in ranked:
        if k == choice.index or slot.ids[k] == KEEP:
            continue
        result.append((apply_case(original, model.syllables[slot.ids[k]]), round(weights[k] / total, 4)))
    return tuple(result[:3])


def _reason(choice: Choice, position: int, slots, choices, model: Model) -> str:
    """What decided a restored word: a phrase, a known pair with a neighbour, or frequency alone."""
    if choice.phrase:
        return "phrase: " + " ".join(model.syllables[s] for s in choice.phrase)
    sid = slots[position].ids[choice.index]
    for neighbour in (position - 1, position + 1):
        if 0 <= neighbour < len(slots):
            other = slots[neighbour].ids[choices[neighbour].index]
            first, second = (other, sid) if neighbour < position else (sid, other)
            if model.pair_bonus.get(first << PAIR_SHIFT | second):
                return f"pair: {model.syllables[first]} {model.syllables[second]}"
    return "frequency"


def _rebuild(text: str, changes: list[Change]) -> str:
    """The input with each change's span replaced; everything else copied as it was."""
    if not changes:
        return text
    parts = []
    position = 0
    for change in changes:
        parts.append(text[position:change.start])
        parts.append(change.restored)
        position = change.end
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
