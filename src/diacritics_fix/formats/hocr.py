# SPDX-License-Identifier: GPL-3.0-or-later
"""hOCR: HTML with a box per word (``ocr_page`` › ``ocr_carea`` › ``ocr_par`` › ``ocr_line`` › ``ocrx_word``).

The markup is scanned, not parsed into a tree and written out again (that
would change quoting, entities and the DOCTYPE): a small tokenizer finds tags,
comments and text with their exact offsets, and only the text inside
``ocrx_word`` elements is replaced.  Text is unescaped for the restorer
(``&amp;`` → ``&``) and escaped again when written; a character the file's
encoding cannot hold is written as a character reference.  Where a word has
character elements (``ocrx_cinfo``, Tesseract's ``hocr_char_boxes``), each
gets one character of the restored word, the last one any extra, surplus ones
nothing (:func:`~.words.spread`); their boxes do not change.  The engine's
``x_wconf`` (0–100) is the word's confidence.

>>> page = (b"<div class='ocr_page' title='bbox 0 0 900 100'><span class='ocr_line'>"
...         b"<span class='ocrx_word' title='bbox 10 10 90 40; x_wconf 93'>Thanh</span> "
...         b"<span class='ocrx_word' title='bbox 100 10 130 40; x_wconf 51'>iy</span></span></div>")
>>> document = read(page)
>>> [(word.text, word.confidence, word.line) for word in document.words]
[('Thanh', 0.93, 1), ('iy', 0.51, 1)]
>>> new = document.write({0: "Thành", 1: "ủy"})
>>> [word.text for word in read(new).words], new.replace("Thành".encode(), b"Thanh").replace("ủy".encode(), b"iy") == page
(['Thành', 'ủy'], True)
"""

from __future__ import annotations

import codecs
import html
import re

from . import FormatError
from .words import OcrWord, spread

# Tags (quoted attribute values may hold ">", not "<"), comments, CDATA, declarations and processing
# instructions.  Unclosed ones are found before scanning (_check_closed), so no scan runs away.
_MARKUP = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<![^>]*>|<\?.*?\?>"
    r"|<(?P<end>/)?(?P<name>[A-Za-z][\w:.-]*)(?P<attrs>[^>\"']*(?:(?:\"[^\"<]*\"|'[^'<]*')[^>\"']*)*)>",
    re.DOTALL,
)
_CLASS = re.compile(r"""(?:^|\s)class\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_TITLE = re.compile(r"""(?:^|\s)title\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_RAW_TEXT = ("script", "style")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)|<\?xml[^>]+encoding\s*=\s*["']([\w-]+)""", re.IGNORECASE)

PAGE, PARAGRAPH, WORD, CHARACTER = "ocr_page", "ocr_par", "ocrx_word", "ocrx_cinfo"
LINES = frozenset({"ocr_line", "ocrx_line", "ocr_textfloat", "ocr_header", "ocr_caption"})
BLOCKS = frozenset({"ocr_carea", "ocrx_block", PARAGRAPH})


def _classes(attrs: str) -> set[str]:
    match = _CLASS.search(attrs) if "class" in attrs or "CLASS" in attrs else None
    return set((match.group(1) or match.group(2) or match.group(3) or "").split()) if match else set()


def _title(attrs: str) -> str:
    match = _TITLE.search(attrs)
    return html.unescape(match.group(1) or match.group(2) or match.group(3) or "") if match else ""


def _confidence(title: str) -> float | None:
    match = re.search(r"\bx_wconf\s+(-?[\d.]+)", title)
    return float(match.group(1)) / 100 if match else None


class _Word:
    def __init__(self, confidence: float | None, page: int, line: int, paragraph: int, content: int) -> None:
        self.confidence, self.page, self.line, self.paragraph = confidence, page, line, paragraph
        # Spans of its text nodes (spaces around them left out); an empty word is written where its content starts.
        self.texts: list[tuple[int, int]] = []
        self.content = content
        self.characters: list[list[tuple[int, int]]] = []  # the text spans of each ocrx_cinfo, likewise


class HocrDocument:
    """The words of an hOCR file and where their texts are in it."""

    def __init__(self, text: str, encoding: str, bom: bytes, words: list[_Word]) -> None:
        self.text, self.encoding, self.bom = text, encoding, bom
        self._words = words
        self.words = [OcrWord(self._word_text(word), word.confidence, word.page, word.line, word.paragraph)
                      for word in words]
        self.notes: list[str] = []

    def _word_text(self, word: _Word) -> str:
        if word.characters:
            return "".join(html.unescape(self.text[s:e]) for spans in word.characters for s, e in spans)
        return "".join(html.unescape(self.text[start:end]) for start, end in word.texts)

    def write(self, texts: dict[int, str]) -> bytes:
        replacements: list[tuple[int, int, str]] = []
        for index, new in texts.items():
            word = self._words[index]
            if word.characters:
                groups, pieces = word.characters, spread(new, len(word.characters))
            else:
                groups, pieces = [word.texts], [new]
            for spans, piece in zip(groups, pieces):
                replacements.append((*spans[0], html.escape(piece, quote=False)))
                replacements.extend((start, end, "") for start, end in spans[1:])
        out, position = [], 0
        for start, end, piece in sorted(replacements):
            out += [self.text[position:start], piece]
            position = end
        out.append(self.text[position:])
        return self.bom + "".join(out).encode(self.encoding, "xmlcharrefreplace")


def _decode(data: bytes) -> tuple[str, str, bytes]:
    """The text, encoding and byte-order mark of an hOCR file (its declared charset, else UTF-8)."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            body, encoding = data[len(bom):], name
            break
    else:
        bom, body = b"", data
        declared = _CHARSET.search(data[:4096])
        encoding = (declared.group(1) or declared.group(2)).decode("ascii").lower() if declared else "utf-8"
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise FormatError(f"hOCR: unknown charset {encoding}") from None
    try:
        return body.decode(encoding), encoding, bom
    except UnicodeDecodeError as error:
        raise FormatError(f"hOCR: the bytes are not {encoding} as the file declares "
                          f"(byte 0x{body[error.start]:02x} at offset {error.start + len(bom)})") from None


def _check_closed(text: str) -> None:
    """A comment, processing instruction, CDATA section or tag the file never closes: truncated."""
    if "<" in text[text.rfind(">") + 1:]:
        raise FormatError("hOCR: the file ends inside a tag (truncated)")
    for opener, closer in (("<!--", "-->"), ("<?", "?>"), ("<![CDATA[", "]]>")):
        last = text.rfind(closer)
        if text.find(opener, last + len(closer) if last >= 0 else 0) >= 0:
            raise FormatError(f"hOCR: a {opener} … {closer} is not closed (truncated or malformed file)")


def read(data: bytes) -> HocrDocument:
    """The words of an hOCR file, with their pages, paragraphs, lines and confidences."""
    text, encoding, bom = _decode(data)
    _check_closed(text)
    words: list[_Word] = []
    stack: list[tuple[str, set[str]]] = []  # open elements: (tag name, hOCR classes)
    page = line = paragraph = 0
    lines_on_page = 0
    word: _Word | None = None
    word_depth = character_depth = -1
    character_start = 0
    position = 0

    def add_text(start: int, end: int) -> None:
        chunk = text[start:end]
        if word is None or not chunk.strip():
            return
        start += len(chunk) - len(chunk.lstrip())
        end -= len(chunk) - len(chunk.rstrip())
        if character_depth >= 0:
            word.characters[-1].append((start, end))
        else:
            word.texts.append((start, end))

    for match in _MARKUP.finditer(text):
        add_text(position, match.start())
        position = match.end()
        name = match.group("name")
        if name is None:
            continue
        name = name.lower()
        if match.group("end"):
            while stack and stack[-1][0] != name:
                stack.pop()  # HTML leaves some end tags out: close what they would have closed
            if stack:
                stack.pop()
            if len(stack) <= word_depth:
                if not word.texts and not word.characters:
                    word.texts.append((word.content, word.content))
                word, word_depth = None, -1
            if len(stack) <= character_depth:
                character_depth = -1
                if word is not None and not word.characters[-1]:
                    word.characters[-1].append((character_start, character_start))
            continue
        if name in _VOID or match.group("attrs").rstrip().endswith("/"):
            continue
        if name in _RAW_TEXT:
            close = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(text, position)
            if close is None:
                raise FormatError(f"hOCR: a <{name}> element is not closed (truncated file)")
            position = close.end()
            continue
        classes = _classes(match.group("attrs"))
        if PAGE in classes:
            page, lines_on_page, word = page + 1, 0, None
        if classes & BLOCKS:
            paragraph += 1
        if classes & LINES:
            lines_on_page += 1
            line = lines_on_page
        if WORD in classes:
            if word is not None:
                raise FormatError(f"hOCR: a word inside a word at offset {match.start()} (malformed file)")
            word = _Word(_confidence(_title(match.group("attrs"))), max(page, 1), max(line, 1), paragraph,
                         match.end())
            words.append(word)
            word_depth = len(stack)
        elif CHARACTER in classes and word is not None:
            word.characters.append([])
            character_depth = len(stack)
            character_start = match.end()
        stack.append((name, classes))
    add_text(position, len(text))
    if word is not None or any(PAGE in classes for _, classes in stack):
        raise FormatError("hOCR: the file ends inside a page or a word (truncated)")
    if not page and not words:
        raise FormatError("hOCR: no ocr_page and no ocrx_word")
    return HocrDocument(text, encoding, bom, words)
