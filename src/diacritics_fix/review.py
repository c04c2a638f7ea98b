# SPDX-License-Identifier: GPL-3.0-or-later
"""The review page: one self-contained HTML file showing every change of a run.

Reviewers of an archive look; they do not read JSON.  ``--review
review.html`` writes a page with, for each document, its counts (words,
changed, uncertain) and every line that has a change, the changed words
highlighted and coloured by confidence; hovering a word shows what the file
said before, the confidence and what decided it.  Words below the threshold
are marked as uncertain, and a switch at the top shows only the lines with
uncertain words.  For hOCR, ALTO and PDF files each line is labelled with its
page and line; for text, with its line.

The page needs nothing from outside: no script at all (the filter is CSS), no
font, no image; it opens from a USB stick in any browser.

>>> lines = review_lines("Ban Thuong vu\\nTinh uy", [Change(4, 10, "Thuong", "Thường", 0.99, (), "phrase")])
>>> [(line.line, line.text, [(m.start, m.end, m.original) for m in line.marks]) for line in lines]
[(1, 'Ban Thường vu', [(4, 10, 'Thuong')])]
"""

from __future__ import annotations

import html
import re
from typing import Iterable, NamedTuple, Sequence

from .restorer import Change

#: A confidence at or above this is shown as sure.
SURE = 0.95
_LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029\x0b\x0c\x85]")


class ReviewLine(NamedTuple):
    """A restored line that has changes; ``page`` is None for plain text."""

    page: int | None
    line: int
    text: str
    #: The changes in it, their spans moved into the restored line.
    marks: tuple[Change, ...]


class ReviewDocument(NamedTuple):
    """One input of the run, as the review page shows it."""

    path: str
    output: str | None
    status: str
    format: str | None
    words: int
    lines: tuple[ReviewLine, ...]
    reason: str | None = None


def review_lines(text: str, changes: Sequence, labels: Sequence[tuple[int, int]] | None = None,
                 first_line: int = 0) -> list[ReviewLine]:
    """The lines of the restored *text* that have changes, with their changes placed in them.

    *changes* are the restorer's (spans into *text*); *labels* gives each line
    of *text* its (page, line); without them lines are numbered from *first_line* + 1.
    """
    if not changes:
        return []
    pieces, marks, position, delta = [], [], 0, 0
    for change in changes:
        pieces.append(text[position:change.start])
        start = change.start + delta
        marks.append(change._replace(start=start, end=start + len(change.restored)))
        pieces.append(change.restored)
        delta += len(change.restored) - (change.end - change.start)
        position = change.end
    pieces.append(text[position:])
    restored = "".join(pieces)
    result: list[ReviewLine] = []
    starts = [0, *(match.end() for match in _LINE_BREAK.finditer(restored))]
    ends = [*(match.start() for match in _LINE_BREAK.finditer(restored)), len(restored)]
    mark_index = 0
    for number, (start, end) in enumerate(zip(starts, ends)):
        placed = []
        while mark_index < len(marks) and marks[mark_index].start < end + 1:
            mark = marks[mark_index]
            if mark.start >= start:
                placed.append(mark._replace(start=mark.start - start, end=min(mark.end, end) - start))
            mark_index += 1
        if placed:
            page, line = labels[number] if labels is not None and number < len(labels) else (None, first_line + number + 1)
            result.append(ReviewLine(page, line, restored[start:end], tuple(placed)))
    return result


# ---------------------------------------------------------------------------
# The page.
# ---------------------------------------------------------------------------

_STYLE = """
:root { --ink:#1f2328; --muted:#656d76; --line:#d8dee4; --paper:#ffffff; --band:#f6f8fa;
        --sure:#e3f5e7; --sure-ink:#11612b; --fair:#fff1c2; --fair-ink:#7a5300;
        --doubt:#ffd9d3; --doubt-ink:#9a1b0b; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif;
       color: var(--ink); background: var(--band); }
header { position: sticky; top: 0; z-index: 2; background: var(--paper); border-bottom: 1px solid var(--line);
         padding: 12px 24px; display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: center; }
header h1 { font-size: 18px; margin: 0; font-weight: 650; }
.totals { color: var(--muted); }
.totals b { color: var(--ink); }
.legend { display: flex; gap: 10px; align-items: center; font-size: 13px; color: var(--muted); }
.legend mark { cursor: default; }
mark.key { font-weight: 400; }
.filter { margin-left: auto; font-size: 14px; display: flex; align-items: center; gap: 6px; cursor: pointer;
          user-select: none; }
#only-uncertain { position: absolute; opacity: 0; pointer-events: none; }
.switch { width: 34px; height: 20px; border-radius: 10px; background: #c9d1d9; position: relative; transition: .15s; }
.switch::after { content: ""; position: absolute; top: 3px; left: 3px; width: 14px; height: 14px; border-radius: 50%;
                 background: #fff; transition: .15s; }
#only-uncertain:checked ~ header .switch { background: var(--doubt-ink); }
#only-uncertain:checked ~ header .switch::after { left: 17px; }
#only-uncertain:checked ~ main .row:not(.has-uncertain),
#only-uncertain:checked ~ main .document:not(.has-uncertain) { display: none; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
.document { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; margin: 0 0 16px;
            overflow: hidden; }
.document > h2 { margin: 0; padding: 10px 16px; font-size: 15px; font-weight: 600; background: var(--paper);
                 border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 4px 14px;
                 align-items: baseline; }
.path { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 14px; word-break: break-all; }
.badge { font-size: 12px; font-weight: 600; padding: 1px 7px; border-radius: 10px; background: #eaeef2;
         color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.counts { color: var(--muted); font-weight: 400; font-size: 13px; margin-left: auto; }
.counts .doubtful { color: var(--doubt-ink); font-weight: 600; }
.reason { padding: 10px 16px; color: var(--muted); }
.rows { margin: 0; padding: 4px 0; }
.row { display: grid; grid-template-columns: 108px 1fr; gap: 12px; padding: 3px 16px; }
.row:nth-child(even) { background: #fafbfc; }
.where { color: var(--muted); font: 12px/1.9 ui-monospace, "DejaVu Sans Mono", monospace; text-align: right;
         white-space: nowrap; }
.text { white-space: pre-wrap; word-break: break-word; }
.gap { height: 0; border-top: 1px dashed var(--line); margin: 3px 16px; }
mark { position: relative; border-radius: 3px; padding: 0 2px; cursor: help; }
mark.sure { background: var(--sure); color: inherit; }
mark.fair { background: var(--fair); color: var(--fair-ink); }
mark.doubt { background: var(--doubt); color: var(--doubt-ink); font-weight: 600;
             text-decoration: underline wavy var(--doubt-ink); text-decoration-thickness: 1px;
             text-underline-offset: 3px; }
mark .was { display: none; position: absolute; left: 0; bottom: calc(100% + 6px); z-index: 3; white-space: nowrap;
            background: #24292f; color: #fff; font-size: 13px; padding: 4px 8px; border-radius: 5px;
            box-shadow: 0 2px 8px rgba(0,0,0,.2); }
mark .was s { color: #ffb4a9; }
mark:hover .was, mark:focus .was { display: block; }
.empty { padding: 10px 16px; color: var(--muted); font-style: italic; }
footer { text-align: center; color: var(--muted); font-size: 12px; padding-bottom: 24px; }
"""


def _band(confidence: float, threshold: float) -> str:
    if confidence < threshold:
        return "doubt"
    return "sure" if confidence >= SURE else "fair"


def _mark_html(text: str, mark: Change, threshold: float) -> str:
    others = ", ".join(f"{word} {p:.2f}" for word, p in mark.alternatives)
    tip = f"was: {mark.original} · {mark.confidence:.2f} · {mark.reason}" + (f" · also {others}" if others else "")
    return (f'<mark class="{_band(mark.confidence, threshold)}" tabindex="0" title="{html.escape(tip)}">'
            f"{html.escape(text[mark.start:mark.end])}"
            f'<span class="was"><s>{html.escape(mark.original)}</s> → {html.escape(mark.restored)} '
            f"· {mark.confidence:.2f}</span></mark>")


def _line_html(line: ReviewLine, threshold: float) -> str:
    parts, position = [], 0
    for mark in line.marks:
        parts.append(html.escape(line.text[position:mark.start]))
        parts.append(_mark_html(line.text, mark, threshold))
        position = mark.end
    parts.append(html.escape(line.text[position:]))
    where = f"p. {line.page} · l. {line.line}" if line.page is not None else f"l. {line.line}"
    uncertain = " has-uncertain" if any(m.confidence < threshold for m in line.marks) else ""
    return f'<div class="row{uncertain}"><span class="where">{where}</span><span class="text">{"".join(parts)}</span></div>'


def _document_html(document: ReviewDocument, threshold: float) -> str:
    marks = [mark for line in document.lines for mark in line.marks]
    uncertain = sum(mark.confidence < threshold for mark in marks)
    name = html.escape(document.path)
    badge = f'<span class="badge">{html.escape(document.format or "text")}</span>'
    if document.status not in ("ok", "unchanged"):  # skipped or failed: why
        counts = f'<span class="counts">{html.escape(document.status)}</span>'
        body = f'<div class="reason">{html.escape(document.reason or "")}</div>'
        return f'<section class="document"><h2><span class="path">{name}</span>{badge}{counts}</h2>{body}</section>'
    counts = (f'<span class="counts">{document.words:,} words · {len(marks):,} changed · '
              f'<span class="{"doubtful" if uncertain else ""}">{uncertain:,} uncertain</span></span>')
    rows, previous = [], None
    for line in document.lines:
        if previous is not None and (line.page, line.line) != (previous.page, previous.line + 1):
            rows.append('<div class="gap"></div>')
        rows.append(_line_html(line, threshold))
        previous = line
    body = f'<div class="rows">{"".join(rows)}</div>' if rows else '<div class="empty">nothing changed</div>'
    flag = " has-uncertain" if uncertain else ""
    return f'<section class="document{flag}"><h2><span class="path">{name}</span>{badge}{counts}</h2>{body}</section>'


def review_page(documents: Iterable[ReviewDocument], threshold: float = 0.8, title: str = "diacritics-fix review") -> str:
    """The review page of *documents*: one HTML string, with nothing to fetch."""
    documents = list(documents)
    marks = [mark for document in documents for line in document.lines for mark in line.marks]
    uncertain = sum(mark.confidence < threshold for mark in marks)
    words = sum(document.words for document in documents)
    legend = (f'<span class="legend"><mark class="sure key">sure</mark> ≥ {SURE:.2f}'
              f'<mark class="fair key">fair</mark><mark class="doubt key">uncertain</mark> &lt; {threshold:.2f}</span>')
    return (
        "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        '<input type="checkbox" id="only-uncertain">'
        f"<header><h1>{html.escape(title)}</h1>"
        f'<span class="totals"><b>{len(documents):,}</b> documents · <b>{words:,}</b> words · '
        f"<b>{len(marks):,}</b> changed · <b>{uncertain:,}</b> uncertain</span>{legend}"
        '<label class="filter" for="only-uncertain"><span class="switch"></span>only uncertain</label></header>'
        f"<main>{''.join(_document_html(document, threshold) for document in documents)}</main>"
        "<footer>Hover or focus a highlighted word to see what the file said before.</footer>"
        "</body></html>\n"
    )


def review_document(record) -> ReviewDocument:
    """The review page's view of a batch record (``batch.Record``)."""
    return ReviewDocument(record.path, record.output, record.status, record.format, record.words,
                          tuple(record.review), record.error)


def write_review(path: str, records: Iterable, threshold: float = 0.8) -> None:
    """Write the review page of a run's records to *path* (UTF-8)."""
    page = review_page((review_document(record) for record in records), threshold)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(page)
