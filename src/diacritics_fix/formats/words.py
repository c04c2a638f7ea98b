# SPDX-License-Identifier: GPL-3.0-or-later
"""OCR words → the restorer's text → the words' new texts.

Every reader of an OCR format (hOCR, ALTO, TSV, PDF) hands over its words in
reading order as :class:`OcrWord` s, each knowing its page, paragraph and
line.  :func:`layout` writes them as plain text the way the page reads — a
space between the words of a line, a line break between lines, a blank line
between paragraphs — so the restorer sees lines and paragraphs as on the page
(OCR lines of one paragraph are decoded together, since sentences wrap).
:func:`restore_words` restores that text and turns the changes back into the
new text of each word, by the words' offsets in it; the writer then puts each
new text back into its own element, touching nothing else.

A word split in two (``kinhté`` → ``kinh tế``) keeps its one element, the
space inside its text.  A change that spans several words (two words merged
into one) goes into the first word's element; the others are emptied, their
elements and boxes kept, so the file stays valid and no box moves.

>>> from diacritics_fix import Restorer
>>> words = [OcrWord("Thanh", 0.9, 1, 1, 1), OcrWord("iy", 0.4, 1, 1, 1), OcrWord("téng", 0.6, 1, 2, 1)]
>>> text, starts, _ = layout(words)
>>> text
'Thanh iy\\nténg'
>>> word_texts(words, starts, [(6, 8, "ủy")])
{1: 'ủy'}
"""

from __future__ import annotations

import bisect
from typing import NamedTuple, Sequence


class OcrWord(NamedTuple):
    """One word of an OCR file as its reader found it.

    ``text`` is the word's text (entities decoded), ``confidence`` the OCR
    engine's own, from 0 to 1 (``None`` when the file has none); ``page`` and
    ``line`` count from 1 (lines within their page), and ``paragraph`` is any
    value that changes where a paragraph (a block) of the page changes.
    """

    text: str
    confidence: float | None
    page: int
    line: int
    paragraph: object


class LineLabel(NamedTuple):
    """Where a line of the laid-out text is on the pages."""

    page: int
    line: int


def layout(words: Sequence[OcrWord]) -> tuple[str, list[int], list[LineLabel]]:
    """The text of *words* as the page reads, each word's offset in it, and each text line's place.

    Words with no text (or only spaces) get the offset -1: they are not part of the text.
    """
    parts: list[str] = []
    starts: list[int] = []
    labels: list[LineLabel] = []
    position = 0
    previous: OcrWord | None = None
    for word in words:
        if not word.text.strip():
            starts.append(-1)
            continue
        if previous is None:
            labels.append(LineLabel(word.page, word.line))
        else:
            same_paragraph = (word.page, word.paragraph) == (previous.page, previous.paragraph)
            if same_paragraph and word.line == previous.line:
                gap = " "
            else:
                gap = "\n" if same_paragraph else "\n\n"
                labels.extend([LineLabel(word.page, word.line)] * gap.count("\n"))
            parts.append(gap)
            position += len(gap)
        starts.append(position)
        parts.append(word.text)
        position += len(word.text)
        previous = word
    return "".join(parts), starts, labels


def word_texts(words: Sequence[OcrWord], starts: Sequence[int],
               changes: Sequence[tuple[int, int, str]]) -> dict[int, str]:
    """The new text of each word that changes, by word index, for *changes* (start, end, new text)
    given as spans into the text :func:`layout` made.  Changes are in order and do not overlap."""
    placed = [(start, index) for index, start in enumerate(starts) if start >= 0]
    offsets = [start for start, _ in placed]
    edits: dict[int, list[tuple[int, int, str]]] = {}
    emptied: set[int] = set()
    for start, end, new in changes:
        first = _word_at(offsets, start)
        last = _word_at(offsets, max(start, end - 1))
        first_index, first_start = placed[first][1], placed[first][0]
        if first == last:
            edits.setdefault(first_index, []).append((start - first_start, end - first_start, new))
            continue
        # A change across words: it all goes into the first word, the rest is emptied.
        last_index, last_start = placed[last][1], placed[last][0]
        tail = words[last_index].text[end - last_start:]
        length = len(words[first_index].text)
        edits.setdefault(first_index, []).append((start - first_start, length, new + tail))
        emptied.update(placed[k][1] for k in range(first + 1, last + 1))
    result = {index: "" for index in emptied}
    for index, pieces in edits.items():
        text = words[index].text
        out, position = [], 0
        for start, end, new in pieces:
            out.append(text[position:start])
            out.append(new)
            position = end
        out.append(text[position:])
        result[index] = "".join(out)
    return {index: text for index, text in result.items() if text != words[index].text}


def _word_at(offsets: list[int], position: int) -> int:
    return max(0, bisect.bisect_right(offsets, position) - 1)


def spread(text: str, count: int) -> list[str]:
    """*text* shared out over *count* character elements (hOCR ``ocrx_cinfo``, ALTO ``Glyph``).

    One character each while there are elements enough, the extra characters
    in the last one, surplus elements emptied; the elements' boxes never change.

    >>> spread("tổng", 4), spread("tổng", 3), spread("tế", 3)
    (['t', 'ổ', 'n', 'g'], ['t', 'ổ', 'ng'], ['t', 'ế', ''])
    """
    if count <= 0:
        return []
    if len(text) <= count:
        return [*text, *[""] * (count - len(text))]
    return [*text[:count - 1], text[count - 1:]]


class Restoration(NamedTuple):
    """What restoring the words of one file gave."""

    #: The new text of every word that changes, by word index.
    texts: dict[int, str]
    #: The laid-out text the restorer read, its changes (spans into it), and each text line's place.
    text: str
    changes: list
    labels: list[LineLabel]
    #: Words with any text.
    words: int


def restore_words(words: Sequence[OcrWord], restorer, engine_confidence: bool = True) -> Restoration:
    """Restore *words* as the page reads them; the new text of each word that changes.

    With *engine_confidence* the OCR engine's confidence of each word is
    evidence for the restorer (see ``Restorer.restore_and_explain``).
    """
    text, starts, labels = layout(words)
    confidences = None
    if engine_confidence and any(word.confidence is not None for word in words):
        confidences = {start: word.confidence for start, word in zip(starts, words) if start >= 0}
    _, changes = restorer.restore_and_explain(text, engine_confidence=confidences)
    texts = word_texts(words, starts, [(c.start, c.end, c.restored) for c in changes])
    return Restoration(texts, text, changes, labels, sum(1 for start in starts if start >= 0))


def without_pages(restoration: Restoration, pages: set[int]) -> Restoration:
    """*restoration* less the changes on *pages* (pages a writer had to leave as they were)."""
    if not pages:
        return restoration
    line_starts = [0, *(k + 1 for k, char in enumerate(restoration.text) if char == "\n")]
    kept = [change for change in restoration.changes
            if restoration.labels[bisect.bisect_right(line_starts, change.start) - 1].page not in pages]
    return restoration._replace(changes=kept)
