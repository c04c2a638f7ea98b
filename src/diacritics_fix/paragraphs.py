"""Tokens → paragraphs, and how each is to be read.

Every rule that decides what a line of the input *is* lives here: correct
Vietnamese (left alone but for a missing mark the context is sure of),
Vietnamese stripped of its marks, the output of an OCR engine without a
Vietnamese model, program code, or another language (both left alone); and
which lines go on one passage (a paragraph wrapped by hand, a scanned page).

The evidence is counted per line (:func:`lines`): words that carry marks,
words that could be Vietnamese syllables without them, foreign words, and
*garbled* words (no syllable, no English word, but a cheap misreading of one:
``téng``, ``cia``, ``s6``).  A short line borrows the evidence of its document.

>>> strip_rate(0, 12) == 1.0, strip_rate(20, 3) == MIN_STRIP_RATE
(True, True)
>>> is_code_line("def parse_config(path):"), is_code_line("Ty gia hom nay: 1 USD = 24.500 dong.")
(True, False)
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from typing import NamedTuple, Protocol, Sequence

import regex

from . import tokens as tk
from .language import is_english_word
from .syllable import has_marks, is_skeleton, tone_style

# A paragraph of correct Vietnamese has about 13% of its syllables unmarked;
# stripped text has none marked.  At or above this share of marked words a
# paragraph is taken as written correctly.
CLEAN_MARKED_SHARE = 0.35
# Above this share of words that cannot be Vietnamese syllables, a paragraph
# is taken as another language (English prose, code) and left alone; below
# it, language.py decides word by word.
FOREIGN_SHARE = 0.5
# The rate at which a clean paragraph is assumed to have lost marks: small
# enough that a correct unmarked word stays, large enough that a word whose
# unmarked spelling is rare gets its marks back when the context agrees
# ("Ủy ban nhân dân tinh đề nghị" → "tỉnh"): partly accented text is filled in.
MIN_STRIP_RATE = 1e-4
# At or above this share of garbled words a paragraph is taken as OCR output,
# given at least OCR_MIN_GARBLED garbled words in it or in the document.
OCR_GARBLED_SHARE = 0.08
OCR_MIN_GARBLED = 2
# A line ending in one of these ends its paragraph; otherwise a line that
# goes on in lowercase is the same paragraph wrapped.
PARAGRAPH_END = frozenset(".:;!?")


class WordShapes(Protocol):
    """What the line statistics need to know of a word (candidates.SlotCache provides it)."""

    #: A word's class (:func:`word_class`) by its text, kept by :func:`lines`.
    classes: dict[str, int]

    def shape(self, text: str) -> tuple[bool, bool]: ...

    def looks_misread(self, text: str) -> bool: ...


# The classes of words a line counts (the order of Line.counts), and words that count for nothing.
MARKED, UNMARKED, FOREIGN, GARBLED, NOTHING = range(5)
# At most this many words' classes are kept.
MAX_CLASSES = 100_000


def word_class(text: str, shapes: WordShapes) -> int:
    """How a word (a WORD token) counts in its line's evidence.

    All-caps words that are not English words (UBND, TT, HĐND) count for
    nothing: abbreviations say nothing about the language.
    """
    shaped, is_marked = shapes.shape(text)
    if shaped:
        return MARKED if is_marked else UNMARKED
    if is_english_word(text):
        return FOREIGN
    if len(text) == 1 or not text.isupper():
        return GARBLED if shapes.looks_misread(text) else FOREIGN
    return NOTHING


class Line(NamedTuple):
    """A line of the input: its tokens, its evidence, and whether it is program code."""

    start: int  # index of its first token
    end: int  # index after its last token (its line break included)
    counts: tuple[int, int, int, int]  # marked, unmarked, foreign and garbled words
    code: bool  # a line of program code or data

    @property
    def has_words(self) -> bool:
        return any(self.counts)


def lines(text: str, tokens: Sequence[tk.Token], shapes: WordShapes) -> list[Line]:
    """The lines of *text* with their counts of marked, unmarked, foreign and garbled words
    (:func:`word_class`)."""
    result = []
    start = 0
    counts = [0, 0, 0, 0, 0]
    classes = shapes.classes
    known = classes.get
    if len(classes) > MAX_CLASSES:
        classes.clear()

    def close(end: int) -> None:
        code = is_code_line(text[tokens[start].start:tokens[end - 1].end]) if end > start else False
        result.append(Line(start, end, (counts[0], counts[1], counts[2], counts[3]), code))

    for i, token in enumerate(tokens):
        kind = token.kind
        if kind == tk.WORD:
            word = token.text
            found = known(word)
            if found is None:
                found = classes[word] = word_class(word, shapes)
            counts[found] += 1
        elif kind == tk.MIXED:
            counts[GARBLED if shapes.looks_misread(token.text) else FOREIGN] += 1
        elif kind == tk.BREAK:
            close(i + 1)
            start, counts = i + 1, [0, 0, 0, 0, 0]
    close(len(tokens))
    return result


def strip_rate(marked: int, unmarked: int, foreign: int = 0,
               prior: tuple[int, ...] = (0, 0, 0), prior_weight: int = 6) -> float:
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


def is_ocr_output(counts: tuple[int, ...], prior: tuple[int, ...] = (0, 0, 0, 0), prior_weight: int = 6) -> bool:
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
    values = list(counts)
    total_prior = sum(prior)
    if total_prior:
        values = [c + p * prior_weight / total_prior for c, p in zip(values, prior)]
    total = sum(values)
    return total > 0 and values[3] / total >= OCR_GARBLED_SHARE


# -- program code ----------------------------------------------------------------------

# Words that begin or fill statements in the common languages.
_KEYWORDS = frozenset("""
    def class return import from lambda elif else if while for foreach in not and or is None True False
    function var let const new this null undefined typeof async await yield try catch finally throw
    public private protected static void int float double char bool boolean string struct enum
    include define echo print printf println console log require module exports export
    select insert update delete where join values set create table drop alter into
    SELECT INSERT UPDATE DELETE WHERE FROM JOIN VALUES SET CREATE TABLE DROP ALTER INTO AND OR NOT NULL
""".split())
# Signs of program text: an identifier with an underscore or inner capitals,
# a call, a member access, an operator of two signs, braces, a statement end.
_CODE_SIGNS = regex.compile(
    r"\b[A-Za-z]+_[A-Za-z0-9_]*\b|\b[A-Za-z_]\w*\(|\b[A-Za-z_]\w*\.[A-Za-z_]\w*\("
    r"|==|!=|<=|>=|&&|\|\||=>|->|\+=|-=|::|[{}]|;\s*$|^\s*[#/]{1,2}\s*\w|^\s*[)}\]]"
)
# An identifier with inner capitals (parseConfig) is code only beside a stronger
# sign: OCR output is full of such words ("truyBo", "bO").
_INNER_CAPITALS = regex.compile(r"\b[a-z]+[A-Z][A-Za-z]*\b")
_WORDS = regex.compile(r"\p{L}+")
# A quick look for anything _CODE_SIGNS could find (a superset of it).
# (The standard library's engine: quicker for such a plain pattern, asked of every line.)
_CODE_HINT = re.compile(r"[_{}=|&<>]|::|^\s*[#/]|[a-z][A-Z]|\w\(|;\s*$|^\s*[)}\]]")
_EDGES = "()[]{};:,.\"'!?"
# A line needs this many signs of code, and Vietnamese syllables for fewer
# than this share of its words, to be left alone as code.
CODE_SIGNS = 2
CODE_VIETNAMESE_SHARE = 0.5


def is_code_line(line: str) -> bool:
    """Whether a line is program code or data, decided by its words, not by one sign.

    Code has identifiers, keywords and operators, and few Vietnamese words:
    ``def parse_config(path):`` or ``if (x == 1) { return y; }`` are code;
    ``Tong cong: 3 + 4 = 7 trieu dong`` and ``echo "Anh kiem tra giup em = 5 nhe."``
    are Vietnamese sentences with a sign or a word of code in them.

    >>> is_code_line("if (x == 1) { return foo_bar(y); }"), is_code_line("SELECT * FROM users WHERE id = 5;")
    (True, True)
    >>> is_code_line('echo "Anh kiem tra giup em = 5 nhe."'), is_code_line("Xem muc {a} trong bang; ket qua tot.")
    (False, False)
    """
    if not _CODE_HINT.search(line):
        # No strong sign (those are all hinted): code only when it starts with a keyword
        # and has another (the rule below); most lines are decided here, cheaply.
        first = _WORDS.search(line)
        if first is None or first.group() not in _KEYWORDS:
            return False
    words = _WORDS.findall(line)
    strong = len(_CODE_SIGNS.findall(line))
    signs = strong + sum(1 for w in words if w in _KEYWORDS) + len(_INNER_CAPITALS.findall(line))
    if signs < CODE_SIGNS or not strong and not (words and words[0] in _KEYWORDS):
        return False
    # Words as written between spaces: an identifier (parse_config, MAX_RETRY) is one word.
    chunks = [chunk.strip(_EDGES) for chunk in line.split()]
    chunks = [chunk for chunk in chunks if any(ch.isalpha() for ch in chunk)]
    if not chunks:
        return True
    vietnamese = sum(1 for w in chunks if w not in _KEYWORDS and is_skeleton(w) and (len(w) > 1 or has_marks(w)))
    return vietnamese < CODE_VIETNAMESE_SHARE * len(chunks)


# -- passages ----------------------------------------------------------------------------


def goes_on(tokens: Sequence[tk.Token], previous: Line, previous_rate: float | None, line: Line,
            rate: float | None) -> bool:
    """Whether *line* goes on the passage that *previous* (the line before) ends.

    A *rate* is what :func:`rate` gives a line (None: OCR output).
    OCR lines go on until a blank line or a line that is not OCR output: a
    scanned page wraps sentences at line ends.  Other lines go on when the
    line before ends without closing punctuation and this one starts in
    lowercase: a paragraph wrapped by hand.
    """
    if rate == 0.0 or not line.has_words:
        return False
    if rate is None or previous_rate is None:
        return rate is None and previous_rate is None
    end = previous.end - 1
    while end >= previous.start and tokens[end].kind in (tk.SPACE, tk.BREAK):
        end -= 1
    if end < previous.start or tokens[end].text[-1:] in PARAGRAPH_END:
        return False
    first = next((t for t in tokens[line.start:line.end] if t.kind not in (tk.SPACE, tk.BREAK)), None)
    return first is not None and first.text[:1].islower()


def document_style(tokens: Sequence[tk.Token]) -> str:
    """The tone placement most used by the document's marked words (``hòa`` if none)."""
    votes: Counter[str] = Counter()
    for token in tokens:
        if token.kind == tk.WORD:
            style = _word_style(token.text)
            if style:
                votes[style] += 1
    return "hoà" if votes["hoà"] > votes["hòa"] else "hòa"


@functools.lru_cache(maxsize=50_000)
def _word_style(word: str) -> str | None:
    """:func:`tone_style` of a word as written (None for an unmarked one); words recur, so it is kept."""
    return tone_style(unicodedata.normalize("NFC", word).lower()) if has_marks(word) else None


def rate(line: Line, document: tuple[int, ...], mode: str) -> float | None:
    """How likely a word of *line* lost its marks: None for OCR output, 0.0 to leave it alone.

    *mode* is :attr:`Options.mode`: ``auto`` decides by the evidence (code and
    another language are left alone); ``stripped``, ``clean`` and ``ocr``
    read every line so.
    """
    if mode == "stripped":
        return 1.0
    if mode == "clean":
        return MIN_STRIP_RATE
    if mode == "ocr":
        return None
    if is_ocr_output(line.counts, document):
        return None  # before code: OCR damage looks like identifiers ("truyBo")
    if line.code:
        return 0.0
    return strip_rate(*line.counts[:3], prior=document[:3])


def left_alone_reason(line: Line, document: tuple[int, ...], mode: str) -> str | None:
    """Why a line is left alone (``program code``, ``another language``), or None when it is read."""
    if not line.has_words or rate(line, document, mode) != 0.0:
        return None
    return "program code" if line.code else "another language"


# -- domains ---------------------------------------------------------------------------

#: A passage borrows its document's evidence as if it had this many more words.
DOMAIN_PRIOR_WORDS = 20
#: log prior odds of each domain against the default (administrative text, the tool's first use).
#: These and PATH_PRIOR are tuned on the tune sets (bench/tune.py --priors).
DOMAIN_PRIOR = {"admin": 0.0, "general": -2.0, "everyday": -2.0}


#: … and once read, by the likelihood of its syllables: log prior odds, and how many words of
#: the document's evidence a passage borrows.
PATH_PRIOR = ({"admin": 0.0, "general": 0.0, "everyday": -4.0}, 20)


def domains(passage_scores: list[dict[str, float]], passage_words: list[int],
            prior: tuple[dict[str, float], int] | None = None) -> list[str]:
    """The domain each passage is read in: the one whose model explains its words best.

    *passage_scores* give, for each passage, each domain's log-likelihood of its
    words (their skeletons before they are read, see :meth:`Model.skeleton_logps`;
    their syllables after, see :meth:`Model.sequence_logps`); a passage adds its
    document's evidence, per word, as if it had :data:`DOMAIN_PRIOR_WORDS` more,
    and each domain its prior log odds (*prior*: the odds and the words, when
    not those of the first choice).

    >>> domains([{"admin": -40.0, "everyday": -30.0}, {"admin": -20.0, "everyday": -22.0}], [10, 10])
    ['everyday', 'everyday']
    >>> domains([{"admin": -40.0, "everyday": -41.0}], [10])
    ['admin']
    """
    if not passage_scores:
        return []
    odds, borrowed = prior if prior is not None else (DOMAIN_PRIOR, DOMAIN_PRIOR_WORDS)
    names = list(passage_scores[0])
    total_words = max(1, sum(passage_words))
    document = {name: sum(scores[name] for scores in passage_scores) / total_words for name in names}
    chosen = []
    for scores in passage_scores:
        best = max(names, key=lambda name: scores[name] + borrowed * document[name] + odds.get(name, 0.0))
        chosen.append(best)
    return chosen
