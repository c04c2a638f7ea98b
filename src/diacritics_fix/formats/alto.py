# SPDX-License-Identifier: GPL-3.0-or-later
"""ALTO XML (v2 to v4, any namespace): ``Page`` › ``TextBlock`` › ``TextLine`` › ``String``.

A word's text is its ``String``'s ``CONTENT`` attribute; its confidence is
``WC`` (0 to 1).  The file is read with expat, which gives the byte offset of
every start tag, and only the ``CONTENT`` values of ``String`` (and of their
``Glyph`` elements, one character each, see :func:`~.words.spread`) are
replaced, in the bytes: the declaration, namespaces, attribute order, quoting,
whitespace and every other byte stay as they were.  Values are unescaped for
the restorer (``x&amp;c`` → ``x&c``) and escaped again, with the same quote.

Archives hold untrusted files: the parser reads no DTD, fetches nothing, and
refuses any entity declaration (a "billion laughs" or an external entity
is an error naming the file, not a hang or a read of another file).

>>> alto = (b'<?xml version="1.0" encoding="UTF-8"?>\\n<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">'
...         b'<Layout><Page ID="p1"><PrintSpace><TextBlock ID="b1"><TextLine ID="l1">'
...         b'<String ID="s1" CONTENT="Thanh" WC="0.93"/><SP/><String ID="s2" CONTENT="x&amp;c" WC="0.40"/>'
...         b'</TextLine></TextBlock></PrintSpace></Page></Layout></alto>')
>>> document = read(alto)
>>> [(word.text, word.confidence) for word in document.words]
[('Thanh', 0.93), ('x&c', 0.4)]
>>> document.write({0: "Thành", 1: "xã"}).decode().count('CONTENT="Thành" WC="0.93"/><SP/><String ID="s2" CONTENT="xã"')
1
"""

from __future__ import annotations

import codecs
import re
from xml.parsers import expat

from . import FormatError
from .words import OcrWord, spread

_TAG = re.compile(rb"<[^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*>")
_UNDEFINED_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")
_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([\w.-]+)["']""")


_CONTENT = re.compile(rb"\sCONTENT\s*=\s*(?P<quote>[\"'])(?P<value>.*?)(?P=quote)", re.DOTALL)


def escape(value: str, quote: str) -> str:
    """*value* escaped for an XML attribute between *quote* s.

    >>> escape('x&c <"a">', '"')
    'x&amp;c &lt;&quot;a&quot;>'
    """
    value = value.replace("&", "&amp;").replace("<", "&lt;")
    value = value.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")
    return value.replace(quote, "&quot;" if quote == '"' else "&apos;")


class _Word:
    def __init__(self, span: tuple[int, int] | None, quote: str, confidence: float | None,
                 page: int, line: int, block: int) -> None:
        self.span, self.quote, self.confidence = span, quote, confidence
        self.page, self.line, self.block = page, line, block
        self.glyphs: list[tuple[tuple[int, int], str]] = []  # CONTENT span and quote of each Glyph


class AltoDocument:
    """The words of an ALTO file and where their CONTENT values are in its bytes."""

    def __init__(self, data: bytes, encoding: str, words: list[_Word], texts: list[str]) -> None:
        self.data, self.encoding = data, encoding
        self._words = words
        self.words = [OcrWord(text, word.confidence, word.page, word.line, word.block)
                      for word, text in zip(words, texts)]
        self.notes: list[str] = []

    def write(self, texts: dict[int, str]) -> bytes:
        replacements = []
        for index, new in texts.items():
            word = self._words[index]
            if word.span is None:
                continue  # a String without CONTENT (invalid ALTO): nothing to put it in
            replacements.append((word.span, escape(new, word.quote)))
            for (span, quote), piece in zip(word.glyphs, spread(new, len(word.glyphs))):
                replacements.append((span, escape(piece, quote)))
        out, position = [], 0
        for (start, end), value in sorted(replacements):
            out += [self.data[position:start], value.encode(self.encoding, "xmlcharrefreplace")]
            position = end
        out.append(self.data[position:])
        return b"".join(out)


def _refuse(what: str):
    def handler(*_args):
        raise FormatError(f"ALTO: {what} (refused: archives hold untrusted files)")
    return handler


def _encoding(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FormatError("ALTO: UTF-16 files are not supported; convert the file to UTF-8")
    declared = _ENCODING.match(data)
    name = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise FormatError(f"ALTO: unknown encoding {name}") from None


def read(data: bytes) -> AltoDocument:
    """The words of an ALTO file, with their pages, blocks, lines, confidences and byte spans."""
    encoding = _encoding(data)
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse("the file declares entities")
    parser.ExternalEntityRefHandler = _refuse("the file refers to an external entity")
    parser.SkippedEntityHandler = _refuse("the file uses an entity it does not define")
    parser.StartDoctypeDeclHandler = lambda name, system, public, internal: (
        _refuse("the file has a DTD of its own, where entities are declared")() if internal else None)
    words: list[_Word] = []
    texts: list[str] = []
    state = {"page": 0, "line": 0, "block": 0, "lines_on_page": 0, "string": None, "root": None}

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1]
        if state["root"] is None:
            state["root"] = local
            if local.lower() != "alto":
                raise FormatError(f"not ALTO (its root element is {name})")
        if local == "Page":
            state["page"] += 1
            state["lines_on_page"] = 0
        elif local == "TextBlock":
            state["block"] += 1
        elif local == "TextLine":
            state["lines_on_page"] += 1
            state["line"] = state["lines_on_page"]
        elif local in ("String", "Glyph"):
            offset = parser.CurrentByteIndex
            tag = _TAG.match(data, offset)
            if tag is None:
                raise FormatError(f"ALTO: a <{name}> tag at byte {offset} is not closed")
            content = _CONTENT.search(tag.group())
            if content and _UNDEFINED_ENTITY.search(content.group("value")):
                _refuse("the file uses an entity it does not define")()
            span = (offset + content.start("value"), offset + content.end("value")) if content else None
            quote = content.group("quote").decode("ascii") if content else '"'
            if local == "String":
                try:
                    confidence = float(attributes["WC"]) if "WC" in attributes else None
                except ValueError:
                    raise FormatError(f"ALTO: WC={attributes['WC']!r} is not a number (byte {offset})") from None
                word = _Word(span, quote, confidence, max(state["page"], 1), max(state["line"], 1), state["block"])
                words.append(word)
                texts.append(attributes.get("CONTENT", ""))
                state["string"] = word
            elif state["string"] is not None and span is not None:
                state["string"].glyphs.append((span, quote))

    def end(name: str) -> None:
        if name.rsplit(":", 1)[-1] == "String":
            state["string"] = None

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise FormatError(f"ALTO: {_explain(error, data, encoding)}") from None
    return AltoDocument(data, encoding, words, texts)


def _explain(error: expat.ExpatError, data: bytes, encoding: str) -> str:
    """expat's message, saying so when the bytes are not in the encoding the file declares."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as bad:
        return f"the bytes are not {encoding} as the file declares (byte 0x{data[bad.start]:02x} at offset {bad.start})"
    message = expat.ErrorString(error.code)
    if error.code == expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS]:
        message = "the file ends before its elements do"
    return f"{message} at line {error.lineno}, column {error.offset + 1} (truncated or malformed file)"
