"""Text → tokens with exact spans.

The tokenizer never changes text: it only says where the words are.  Every
character of the input belongs to exactly one token, so joining the token
texts gives the input back, byte for byte.

Kinds of token:

``WORD``
    a run of letters (with their combining marks) that may be a Vietnamese
    syllable: the only kind the restorer may rewrite;
``ABBREV``
    a run of letters inside a document code or an all-caps abbreviation
    (``ND`` in ``15/2020/ND-CP``, ``HDND``): only the Đ of a known
    abbreviation may come back;
``PROTECTED``
    URLs, e-mail addresses, file names, numbers, codes, mixed-case brand
    names, list bullets, roman numerals: kept exactly;
``MIXED``
    letters mixed with digits or ``@`` (``s6``, ``x4``, ``Thu@ng``), or a
    mixed-case run (``iPhone``, ``huGng``): in OCR output these may be words
    with misread letters; elsewhere they are kept;
``NUMBER``
    a plain number or date (``2020``, ``5.000.000``, ``8,05``, ``15/3/2024``): kept exactly, but
    seen by the language model as context ("ngày 15", "năm 2020");
``SPACE``
    whitespace; ``BREAK`` marks line breaks (paragraph ends);
``PUNCT``
    anything else.

>>> [t.text for t in tokenize("Căn cứ Nghị định 15/2020/ND-CP.") if t.kind == WORD]
['Căn', 'cứ', 'Nghị', 'định']
>>> "".join(t.text for t in tokenize("a\\r\\nb")) == "a\\r\\nb"
True
"""

from __future__ import annotations

import re
from typing import NamedTuple

import regex

WORD = "word"
ABBREV = "abbrev"
PROTECTED = "protected"
NUMBER = "number"
MIXED = "mixed"
SPACE = "space"
BREAK = "break"
PUNCT = "punct"


class Token(NamedTuple):
    """A piece of the input: its kind, its exact text and where it starts."""

    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


# Whitespace-separated chunks, with line breaks apart so paragraphs can be found.
_CHUNK = regex.compile(r"(?P<brk>\r\n|[\n\r\u2028\u2029\x0b\x0c\x85])|(?P<space>[^\S\r\n\u2028\u2029\x0b\x0c\x85]+)|(?P<chunk>\S+)")

_URL = regex.compile(
    r"(?i)^[(\[<\"'«“]*(?:(?:https?|ftp|file)://|www\.|mailto:)\S+$"
    r"|^[^\s@]+@[^\s@]+\.[^\s@]+$"
)
# Letters with their combining marks (NFD text keeps its marks inside the word).
_LETTERS = regex.compile(r"\p{L}[\p{L}\p{M}]*")
# Characters that make a chunk a code, a path or a number rather than words.
_CODE_CHAR = regex.compile(r"[\d/\\_@=<>#&+*|~^$%]")
# A dot between two letters: file names, domains, abbreviations like "v.v" are left alone.
_INNER_DOT = regex.compile(r"\p{L}[\p{M}]*\.\p{L}")
_ROMAN = regex.compile(r"^(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})$")
# Case shapes a Vietnamese word may have: lower, Title, UPPER.
_WORD_CASE = regex.compile(r"^(?:\p{Ll}[\p{Ll}\p{M}]*|\p{Lu}[\p{Ll}\p{M}]*|\p{Lu}[\p{Lu}\p{M}]*)$")


# Lowercase words joined by slashes: "đồng/người/tháng", "và/hoặc".
_SLASHED_WORDS = regex.compile(r"^[(\[\"'«“]*\p{Ll}[\p{Ll}\p{M}]*(?:/\p{Ll}[\p{Ll}\p{M}]*)+[)\]\"'»”.,;:!?]*$")


def is_roman(text: str) -> bool:
    """A roman numeral as documents number chapters and terms: ``IV``, ``XII``.

    >>> is_roman("XII"), is_roman("XIIII"), is_roman("MIX")
    (True, False, False)
    """
    return bool(text) and _ROMAN.match(text) is not None


def is_address(text: str) -> bool:
    """A URL or an e-mail address."""
    return _URL.match(text) is not None


# An amount and its unit, or words per unit: "đồng/01", "1.500.000đ/tháng",
# "đồng/người/tháng", "100.000đ/lượt".  Its lowercase letter runs are words.
_PER_UNIT = regex.compile(
    r"^(?:\d+(?:[.,]\d+)*)?(?:\p{Ll}[\p{Ll}\p{M}]*)?(?:/(?:\d+(?:[.,]\d+)*|\p{Ll}[\p{Ll}\p{M}]*))+[.,;:)]*$"
)
_PER_UNIT_PART = regex.compile(r"(?P<number>\d+(?:[.,]\d+)*)|(?P<word>\p{Ll}[\p{Ll}\p{M}]*)|(?P<sign>[^\d\p{L}]+)")


def _split_per_unit(chunk: str, offset: int, out: list[Token]) -> None:
    """Numbers, words and signs of an amount-per-unit chunk; a unit glued to a number stays as it is."""
    for match in _PER_UNIT_PART.finditer(chunk):
        text, start = match.group(), offset + match.start()
        if match.lastgroup == "number":
            out.append(Token(NUMBER, text, start))
        elif match.lastgroup == "word" and out and out[-1].kind == NUMBER and out[-1].end == start:
            out[-1] = Token(NUMBER, out[-1].text + text, out[-1].start)  # "1.500.000đ": one amount
        elif match.lastgroup == "word":
            out.append(Token(WORD, text, start))
        else:
            out.append(Token(PUNCT, text, start))


def _chunk_kind(chunk: str) -> str:
    """How the letter runs inside one whitespace-free chunk are to be treated."""
    if _URL.match(chunk):
        return PROTECTED
    if _SLASHED_WORDS.match(chunk):
        return WORD
    if _CODE_CHAR.search(chunk) or _INNER_DOT.search(chunk):
        return ABBREV
    return WORD


def _is_bullet(word: str, trail: str, line_start: bool) -> bool:
    """``a)``, ``(b)``, and ``c.`` where a list item may start: a letter numbering a list item."""
    if len(word) != 1:
        return False
    if trail[:1] == ")":
        return True
    return line_start and trail[:1] == "." and trail[1:] in ("", ")")


# Letters with digits or symbols in one word: "s6" (số), "d6i" (đối), "Thu@ng" (Thường),
# "tr¢" (trợ) in OCR output.
_MIXED = regex.compile(
    r"^(?P<lead>[(\[\"'“«]*)"
    r"(?P<core>(?=[\p{L}\p{M}\d@¢&©®§$]*\p{L})(?=[\p{L}\p{M}\d@¢&©®§$]*[\d@¢&©®§$])[\p{L}\p{M}\d@¢&©®§$]{2,12})"
    r"(?P<trail>[)\]\"'”».,;:!?…]*)$"
)
# … but not codes and measures: QH15, B40, 5kg, 14h, 10ha, 220kV ("T6" may be "Tổ" misread).
_CODE_OR_MEASURE = regex.compile(
    r"^(?:\p{Lu}{2,6}\d+|\p{Lu}\d{2,}|\d+(?:k?g|mg|[kcm]?m[23]?|ha|h|l|ml|k?[wW]h?|[kKM][wWVv]h?|[vV]|s|p|ph)|\d+)$"
)


def _split_chunk(chunk: str, offset: int, out: list[Token], line_start: bool) -> None:
    mixed = _MIXED.match(chunk)
    if mixed and not _CODE_OR_MEASURE.match(mixed.group("core")):
        lead, core, trail = mixed.group("lead", "core", "trail")
        if lead:
            out.append(Token(PUNCT, lead, offset))
        out.append(Token(MIXED, core, offset + len(lead)))
        if trail:
            out.append(Token(PUNCT, trail, offset + len(lead) + len(core)))
        return
    if "/" in chunk and _PER_UNIT.match(chunk) and any(ch.isalpha() for ch in chunk):
        _split_per_unit(chunk, offset, out)
        return
    kind = _chunk_kind(chunk)
    if kind == PROTECTED:
        out.append(Token(PROTECTED, chunk, offset))
        return
    # Words joined by dots and nothing else code-like: "v.v", "cay.néng", "report.docx".
    dotted_words = kind == ABBREV and not _CODE_CHAR.search(chunk)
    position = 0
    for match in _LETTERS.finditer(chunk):
        start, end = match.span()
        if start > position:
            out.append(Token(PUNCT if kind == WORD else PROTECTED, chunk[position:start], offset + position))
        run = match.group()
        if kind == ABBREV:
            if run.isupper():
                run_kind = ABBREV
            elif dotted_words:
                run_kind = MIXED  # "cay.néng": a space OCR read as a dot, or a file name
            else:
                run_kind = PROTECTED
        elif not _WORD_CASE.match(run):
            run_kind = MIXED  # iPhone, or "huGng" misread by OCR
        elif _ROMAN.match(run) or _is_bullet(run, chunk[end:], line_start and start == 0):
            run_kind = PROTECTED
        else:
            run_kind = WORD
        out.append(Token(run_kind, run, offset + start))
        position = end
    if position < len(chunk):
        out.append(Token(PUNCT if kind == WORD else PROTECTED, chunk[position:], offset + position))


# The common chunk, found in one step: a word with simple punctuation around it.
_SIMPLE = regex.compile(
    r"(?P<lead>[(\[\"'“«]*)(?P<word>\p{L}[\p{L}\p{M}]*)(?P<trail>[)\]\"'”».,;:!?…]*)(?=\s|\Z)"
)
_NUMBER = regex.compile(r"(?P<number>\d+(?:[.,/-]\d+)*)(?P<ntrail>[)\]\"'”».,;:!?…]*)(?=\s|\Z)")
_TOKEN = regex.compile(
    _CHUNK.pattern.replace(
        "(?P<chunk>\\S+)", f"(?P<simple>{_SIMPLE.pattern})|(?P<num>{_NUMBER.pattern})|(?P<chunk>\\S+)"
    )
)
# The same pattern for the standard library's faster engine, usable when the
# text has no combining marks (then a letter run is simply [^\W\d_]+).
_TOKEN_PLAIN = re.compile(_TOKEN.pattern.replace(r"\p{L}[\p{L}\p{M}]*", r"[^\W\d_]+"))
_COMBINING = re.compile(r"[\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


_ROMAN_LETTERS = frozenset("IVX")


def _word_kind(word: str, trail: str, line_start: bool) -> str:
    if len(word) == 1 and _is_bullet(word, trail, line_start):
        return PROTECTED  # a list bullet: "a)", "b."
    kind = _KIND_OF_WORD.get(word)
    if kind is None:
        if word.islower() or (word[0].isupper() and word[1:].islower()):
            kind = WORD
        elif not word.isupper():
            kind = MIXED  # iPhone, or "huGng" misread by OCR
        elif _ROMAN_LETTERS.issuperset(word) and _ROMAN.match(word):
            kind = PROTECTED  # a roman numeral (II, XIV)
        else:
            kind = WORD
        if len(_KIND_OF_WORD) < 100_000:
            _KIND_OF_WORD[word] = kind
    return kind


_KIND_OF_WORD: dict[str, str] = {}


def tokenize(text: str) -> list[Token]:
    """Split *text* into tokens whose texts join back to *text* exactly."""
    tokens: list[Token] = []
    append = tokens.append
    new = tuple.__new__  # Token(kind, text, start) without the call through Token.__new__: a word makes two or three
    kind_of = _KIND_OF_WORD.get
    pattern = _TOKEN if _COMBINING.search(text) else _TOKEN_PLAIN
    line_start = True  # a list item may start here: after a line break, ";" or ":"
    for match in pattern.finditer(text):
        group = match.lastgroup
        if group == "space":
            append(new(Token, (SPACE, match.group(), match.start())))
            continue
        if group == "brk":
            append(new(Token, (BREAK, match.group(), match.start())))
            line_start = True
            continue
        if group == "simple" or match.group("word") is not None:
            start = match.start()
            lead, word, trail = match.group("lead", "word", "trail")
            if lead:
                append(new(Token, (PUNCT, lead, start)))
                start += len(lead)
            kind = kind_of(word) if len(word) > 1 else None
            append(new(Token, (kind or _word_kind(word, trail, line_start and not lead), word, start)))
            if trail:
                append(new(Token, (PUNCT, trail, start + len(word))))
                line_start = trail[-1] in ";:"
            else:
                line_start = False
            continue
        if group == "num":
            number = match.group("number")
            append(new(Token, (NUMBER, number, match.start())))
            if len(number) < len(match.group()):
                append(new(Token, (PUNCT, match.group("ntrail"), match.start() + len(number))))
        else:
            _split_chunk(match.group(), match.start(), tokens, line_start)
        line_start = match.group().endswith((";", ":"))
    return tokens
