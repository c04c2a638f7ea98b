# SPDX-License-Identifier: GPL-3.0-or-later
"""OCR files restored in their own format: hOCR, ALTO, Tesseract TSV and searchable PDFs.

Each format has its reader and writer module (:mod:`.hocr`, :mod:`.alto`,
:mod:`.tsv`, :mod:`.pdf`).  A reader finds the words of the file, with their
pages, lines, paragraphs and the OCR engine's confidence, and remembers where
each word's text is in the bytes; :mod:`.words` gives the restorer those words
as lines and paragraphs of plain text and turns its changes into new word
texts; the writer puts each new text back where the old one was, and every
other byte of the file stays as it was.

:func:`detect` tells the format from the content (the file name is not
asked); :func:`restore_document` is the one entry point the batch calls.

>>> detect(b'<?xml version="1.0"?><alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">')
'alto'
>>> detect("Kính gửi: Ủy ban nhân dân các xã".encode())
'text'
"""

from __future__ import annotations

import codecs
import re
from typing import NamedTuple, Protocol

from .words import OcrWord, Restoration, restore_words, without_pages

__all__ = ["FORMATS", "Document", "FormatError", "NotRewritable", "Restored", "detect", "restore_document"]

#: The formats --format names; ``text`` is plain text (the restorer's own path).
FORMATS = ("text", "hocr", "alto", "tsv", "pdf")
#: How much of a file :func:`detect` looks at.
HEAD_SIZE = 64 * 1024


class FormatError(ValueError):
    """A file in one of these formats that is broken (truncated, malformed, hostile):
    one clear line names it, nothing is written for it, and the batch goes on."""


class NotRewritable(Exception):
    """A file that is not one of these formats or cannot be rewritten safely (a METS
    ``.xml``, a web page, a born-digital or encrypted PDF): skipped, with the reason."""


class Document(Protocol):
    """What a reader gives: the words, and how to write the file with new word texts."""

    words: list[OcrWord]
    #: What the reader has to say about parts of the file it leaves alone ("page 3: no text layer").
    notes: list[str]

    def write(self, texts: dict[int, str]) -> bytes:
        """The file's bytes with each word of *texts* (by index) given its new text."""


class Restored(NamedTuple):
    """A file restored in its format."""

    data: bytes
    restoration: Restoration
    notes: list[str]


_TSV_HEADER = b"level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
_TSV_ROW = re.compile(rb"^\d+(?:\t-?\d+){9}\t-?\d+(?:\.\d+)?\t[^\t\r\n]*\r?$")
_HOCR = re.compile(r"""class\s*=\s*["']?[^"'>]*\bocr(?:_page|x_word|_line)\b|<meta[^>]+ocr-system""", re.IGNORECASE)
_ELEMENT = re.compile(r"<([A-Za-z_][\w.:-]*)")


def _first_element(text: str) -> tuple[str | None, str | None]:
    """(the name of the first element, the DOCTYPE's name) of markup, after the declaration,
    comments and processing instructions; found in one pass (no backtracking on hostile files)."""
    position, doctype = 0, None
    while True:
        while position < len(text) and text[position] in " \t\r\n\ufeff":
            position += 1
        if text.startswith("<?", position):
            end = text.find("?>", position)
            position = end + 2
        elif text.startswith("<!--", position):
            end = text.find("-->", position)
            position = end + 3
        elif text[position:position + 9].upper() == "<!DOCTYPE":
            close, bracket = text.find(">", position), text.find("[", position)
            if 0 <= bracket < close:  # an internal subset: up to "]" and the ">" after it
                close = text.find(">", text.find("]", bracket))
            doctype = text[position + 9:close].split()[0] if close > position + 9 else ""
            end, position = close, close + 1
        else:
            match = _ELEMENT.match(text, position)
            return (match.group(1) if match else None), doctype
        if end < 0:
            return None, doctype


def _head_text(head: bytes) -> str:
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return head[:len(head) - len(head) % 2 if name == "utf-16" else len(head)].decode(name, "replace")
    return head.decode("latin-1")


def detect(head: bytes) -> str:
    """The format of a file from its first bytes: one of :data:`FORMATS`.

    Raises :class:`NotRewritable` for markup that is none of them: an XML file
    whose root is not ``alto`` (METS, MODS, TEI …) or a web page without hOCR words.
    """
    if b"%PDF-" in head[:1024]:
        return "pdf"
    first_line = head.split(b"\n", 1)[0].rstrip(b"\r")
    if first_line.lstrip(codecs.BOM_UTF8) == _TSV_HEADER or (_TSV_ROW.match(first_line) and b"\t" in first_line):
        return "tsv"
    text = _head_text(head[:HEAD_SIZE])
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped.startswith("<"):
        return "text"
    if _HOCR.search(text):
        return "hocr"
    name, doctype = _first_element(stripped)
    local = name.rsplit(":", 1)[-1].lower() if name else None
    if local == "alto":
        return "alto"
    if local in ("html", "head", "body") or (doctype or "").lower() == "html":
        raise NotRewritable("a web page (HTML without hOCR words)")
    if name is not None:
        raise NotRewritable(f"XML but not ALTO (its root element is {name})")
    return "text"


def read_document(data: bytes, kind: str) -> Document:
    """The :class:`Document` of *data* in format *kind* (``hocr``, ``alto``, ``tsv`` or ``pdf``)."""
    if kind == "hocr":
        from . import hocr as module
    elif kind == "alto":
        from . import alto as module
    elif kind == "tsv":
        from . import tsv as module
    elif kind == "pdf":
        from . import pdf as module
    else:
        raise ValueError(f"not a format of OCR words: {kind}")
    return module.read(data)


def restore_document(data: bytes, kind: str, restorer, engine_confidence: bool = True) -> Restored:
    """Restore the words of a file in format *kind*; its bytes in the same format, and what changed.

    >>> from diacritics_fix import Restorer
    >>> rows = [f"5\\t1\\t1\\t1\\t1\\t{n}\\t{40 * n}\\t10\\t30\\t20\\t88.0\\t{word}"
    ...         for n, word in enumerate("Thanh iy téng hgp".split(), 1)]
    >>> restored = restore_document("\\n".join(rows).encode(), "tsv", Restorer())
    >>> [row.split("\\t")[-1] for row in restored.data.decode().splitlines()]
    ['Thành', 'ủy', 'tổng', 'hợp']
    """
    document = read_document(data, kind)
    restoration = restore_words(document.words, restorer, engine_confidence)
    output = document.write(restoration.texts)
    # A page the writer had to leave as it was (a PDF font without the letters) changed nothing.
    restoration = without_pages(restoration, getattr(document, "pages_left", set()))
    return Restored(output, restoration, list(document.notes))
