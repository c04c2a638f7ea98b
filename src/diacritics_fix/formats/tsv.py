# SPDX-License-Identifier: GPL-3.0-or-later
"""Tesseract's TSV output: one row per page, block, paragraph, line and word.

Rows have twelve tab-separated columns, ``level page_num block_num par_num
line_num word_num left top width height conf text``; words are the rows of
level 5, ``conf`` is the engine's confidence from 0 to 100 (-1 for rows that
are no word).  Only the ``text`` column of word rows is ever rewritten, in
place; the header, the other columns, the line endings and every other row
stay byte for byte.  A word merged into the one before it is left with an
empty ``text`` (as Tesseract's own rows above level 5 have).

>>> document = read(b"5\\t1\\t1\\t1\\t1\\t1\\t10\\t10\\t60\\t20\\t96.1\\tThanh\\n")
>>> document.words
[OcrWord(text='Thanh', confidence=0.961, page=1, line=1, paragraph=(1, 1))]
>>> document.write({0: "Thành"}).decode()
'5\\t1\\t1\\t1\\t1\\t1\\t10\\t10\\t60\\t20\\t96.1\\tThành\\n'
"""

from __future__ import annotations

from . import FormatError
from .words import OcrWord

COLUMNS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num",
           "left", "top", "width", "height", "conf", "text")
WORD_LEVEL = 5


class TsvDocument:
    """The words of a TSV file and where each one's text is in its bytes."""

    def __init__(self, data: bytes, words: list[OcrWord], spans: list[tuple[int, int]]) -> None:
        self.data = data
        self.words = words
        self.spans = spans
        self.notes: list[str] = []

    def write(self, texts: dict[int, str]) -> bytes:
        out, position = [], 0
        for index in sorted(texts):
            start, end = self.spans[index]
            out += [self.data[position:start], _clean(texts[index]).encode("utf-8")]
            position = end
        out.append(self.data[position:])
        return b"".join(out)


def _clean(text: str) -> str:
    # A tab or line break would break the row (the restorer never writes one; a marker might).
    return " ".join(text.split("\t")).replace("\r", " ").replace("\n", " ")


def read(data: bytes) -> TsvDocument:
    """The words of a Tesseract TSV file (UTF-8, with or without its header row)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FormatError(f"TSV: not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})") from None
    words: list[OcrWord] = []
    spans: list[tuple[int, int]] = []
    position = 0
    line_number = 0
    line_on_page: dict[tuple, int] = {}
    lines_of_page: dict[int, int] = {}
    for raw in data.splitlines(keepends=True):
        line_number += 1
        start = position
        position += len(raw)
        row = raw.rstrip(b"\r\n")
        if not row.strip() or (line_number == 1 and row.lstrip(b"\xef\xbb\xbf").startswith(b"level\t")):
            continue
        fields = row.split(b"\t")
        if len(fields) != len(COLUMNS):
            raise FormatError(f"TSV line {line_number}: {len(fields)} columns, not {len(COLUMNS)} "
                              "(truncated or not Tesseract TSV)")
        try:
            numbers = [int(field) for field in fields[:10]]
            confidence = float(fields[10])
        except ValueError:
            raise FormatError(f"TSV line {line_number}: a column that should be a number is not") from None
        if numbers[0] != WORD_LEVEL:
            continue
        level, page, block, paragraph, line = numbers[:5]
        # Line numbers restart in every paragraph: number the lines of each page in order.
        key = (page, block, paragraph, line)
        if key not in line_on_page:
            line_on_page[key] = lines_of_page[page] = lines_of_page.get(page, 0) + 1
        text_start = start + len(row) - len(fields[11])
        words.append(OcrWord(fields[11].decode("utf-8"), confidence / 100 if confidence >= 0 else None,
                             page, line_on_page[key], (block, paragraph)))
        spans.append((text_start, text_start + len(fields[11])))
    return TsvDocument(data, words, spans)
