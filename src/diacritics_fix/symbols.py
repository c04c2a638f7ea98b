"""Tokens → what the language model sees: syllables to decide, and context symbols.

The language model reads a paragraph as a sequence of *symbols*.  A word is
a syllable (the decoder chooses which); everything else stands for its kind,
so that its neighbours are read in context: ``xã , phường , thị trấn``,
``ngày <num> tháng <num> năm <year>``, ``số <code>``, ``khóa <roman>``,
``<amount> đồng / <num> bản``.  The same function turns the training corpus
into symbols when the counts are built (``scripts/build_data.py``,
``diacritics-fix learn``) and the restorer's input into positions to decode,
so both sides see the same classes.

>>> from diacritics_fix.tokens import tokenize
>>> tokens = tokenize("Theo Quyết định số 12/QĐ-UBND ngày 05/3/2024, khóa XII:")
>>> [symbol or tokens[i].text for i, symbol in context_symbols(tokens)]
['Theo', 'Quyết', 'định', 'số', '<code>', 'ngày', '<date>', ',', 'khóa', '<roman>', ':']
"""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from . import tokens as tk

#: Paragraph start and end.
BOS, EOS = "<s>", "</s>"
#: A plain number (``Điều 5``, ``ngày 15``), a year (``năm 2024``), an amount
#: with separators (``50.000``, ``8,5``), a date (``05/3/2024``).
NUM, YEAR, AMOUNT, DATE = "<num>", "<year>", "<amount>", "<date>"
#: A document code or other mix of letters, digits and signs (``12/QĐ-UBND``, ``Covid-19``).
CODE = "<code>"
#: A roman numeral (``khóa XII``, ``Chương IV``).
ROMAN = "<roman>"
#: An all-caps abbreviation (``UBND``, ``HĐND``).
ABBR = "<abbr>"
#: A list marker at the start of an item (``a)``, ``b.``).
LIST = "<list>"
#: An address: URL, e-mail, file name.
URL = "<url>"
#: A word that is no Vietnamese syllable (a foreign word, a name, damage).
UNK = "<unk>"
#: Punctuation the model knows by itself; any other sign is PUNCT.
PUNCT = "<punct>"
PUNCTUATION = (",", ";", ":", ".", "(", ")", '"', "/", "-", "?", "!", "…", "%", "[", "]", "*", "+", "=")

#: Every class symbol, in a fixed order (ids of a model's vocabulary begin with these).
CLASSES = (BOS, EOS, NUM, YEAR, AMOUNT, DATE, CODE, ROMAN, ABBR, LIST, URL, UNK, PUNCT, *PUNCTUATION)

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "'": '"', "‘": '"', "’": '"',
                         "–": "-", "—": "-", "‐": "-", "‑": "-"})
_DATE = re.compile(r"^\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?$|^\d{1,2}/\d{4}$")
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_PERCENT = re.compile(r"^(\d[\d.,]*)(%)$")
# A measure: a number and its unit ("10ha", "2,5m", "220kV").
_MEASURE = re.compile(r"^\d[\d.,]*[^\W\d_]{1,3}\d?$")
# Signs that end a code chunk without belonging to the code ("20-NQ/TW.", "Covid-19,").
_TRAILING = re.compile(r"[.,;:!?)\]\"'”’»…]+$")


def number_symbol(text: str) -> str:
    """The class of a number token.

    >>> number_symbol("15"), number_symbol("2024"), number_symbol("5.000.000"), number_symbol("03/02/2020")
    ('<num>', '<year>', '<amount>', '<date>')
    """
    if _DATE.match(text):
        return DATE
    if _YEAR.match(text):
        return YEAR
    if not text.isdigit():
        return AMOUNT
    return NUM


def punctuation_symbols(text: str) -> list[str]:
    """The symbols of a run of punctuation: one per sign, quotes and dashes folded, ``...`` as ``…``.

    >>> punctuation_symbols(");"), punctuation_symbols("“"), punctuation_symbols("...")
    ([')', ';'], ['"'], ['…'])
    """
    text = text.translate(_QUOTES).replace("...", "…")
    return [ch if ch in PUNCTUATION else PUNCT for ch in text if not ch.isspace()]


def _is_code_part(token: tk.Token) -> bool:
    return token.kind in (tk.ABBREV, tk.PROTECTED)


def context_symbols(tokens: Sequence[tk.Token], start: int = 0, end: int | None = None,
                    ) -> Iterator[tuple[int, str | None]]:
    """``(token index, symbol)`` for each position the model sees in ``tokens[start:end]``.

    The symbol is None for a word (WORD or MIXED token): its reading is what is
    decided (or, when counting, its own spelling).  Spaces and line breaks are
    not positions.  A run of code parts inside one whitespace-free chunk is one
    ``<code>`` (its index is that of its first token); punctuation closing the
    chunk is punctuation again.
    """
    end = len(tokens) if end is None else end
    i = start
    while i < end:
        token = tokens[i]
        kind = token.kind
        if kind in (tk.WORD, tk.MIXED):
            yield i, None
        elif kind == tk.NUMBER:
            yield i, number_symbol(token.text)
        elif kind == tk.PUNCT:
            for symbol in punctuation_symbols(token.text):
                yield i, symbol
        elif kind == tk.PROTECTED and len(token.text) == 1 and token.text.isalpha() and (
                i + 1 < len(tokens) and tokens[i + 1].text[:1] in ")."):
            yield i, LIST  # a list bullet: "a)"
        elif kind == tk.PROTECTED and tk.is_roman(token.text):
            yield i, ROMAN
        elif kind == tk.PROTECTED and tk.is_address(token.text):
            yield i, URL
        elif _is_code_part(token):
            first = i
            while i + 1 < end and _is_code_part(tokens[i + 1]):
                i += 1
            text = "".join(t.text for t in tokens[first:i + 1])
            trailing = _TRAILING.search(text)
            core = text[:trailing.start()] if trailing else text
            percent = _PERCENT.match(core)
            if percent:
                yield first, AMOUNT
                yield first, "%"
            elif _MEASURE.match(core):
                yield first, AMOUNT
            elif core:
                yield first, ABBR if core.isalpha() and core.isupper() else CODE
            if trailing:
                for symbol in punctuation_symbols(trailing.group()):
                    yield i, symbol
        # SPACE and BREAK are not positions
        i += 1


_WORD_SYMBOLS: dict[str, str] = {}


def neighbour_symbol(tokens: Sequence[tk.Token], index: int, step: int, start: int, end: int) -> str:
    """The symbol next to ``tokens[index]`` (before it with *step* -1, after it with +1) within a line.

    A quick look, for screening correct text (see Restorer): a word is read
    as written, a run of signs by its nearest sign, and the line's ends are
    ``<s>`` and ``</s>``.

    >>> from diacritics_fix.tokens import tokenize
    >>> tokens = tokenize("Ủy ban nhân dân tinh, xã")
    >>> neighbour_symbol(tokens, 8, -1, 0, len(tokens)), neighbour_symbol(tokens, 8, 1, 0, len(tokens))
    ('dân', ',')
    """
    j = index + step
    while start <= j < end and tokens[j].kind == tk.SPACE:
        j += step
    if not start <= j < end or tokens[j].kind == tk.BREAK:
        return BOS if step < 0 else EOS
    token = tokens[j]
    if token.kind == tk.WORD:
        symbol = _WORD_SYMBOLS.get(token.text)
        if symbol is None:
            symbol = ngrams.word_symbol(token.text)
            if len(_WORD_SYMBOLS) < 100_000:
                _WORD_SYMBOLS[token.text] = symbol
        return symbol
    if token.kind == tk.NUMBER:
        return number_symbol(token.text)
    if token.kind == tk.PUNCT:
        signs = punctuation_symbols(token.text)
        return (signs[-1] if step < 0 else signs[0]) if signs else PUNCT
    if token.kind == tk.MIXED:
        return UNK
    return CODE


from . import ngrams  # noqa: E402 (ngrams imports this module: bound last, used at call time)
