# SPDX-License-Identifier: GPL-3.0-or-later
"""Searchable PDFs: the invisible OCR text layer over a page image, rewritten (needs ``pikepdf``).

Tesseract's ``pdf`` output writes each word as ``<h> Tz [<UTF-16BE hex>] TJ``
in its GlyphLessFont (Type0, Identity-H, an identity ToUnicode) in text render
mode 3 (invisible), placed by ``Tm`` at a block's start and ``Td`` after it.
OCRmyPDF puts the same layer in a Form XObject the page draws (its default
``sandwich`` renderer) or writes its own (``hocr`` renderer); its PDF/A output
has the layer rewritten by Ghostscript (a ``Tm`` and a ``Tj`` per word, a
subset font).  All of these are the same thing here: the invisible
text-showing operations of a page and of the forms it draws, read through
their fonts into words, in the order they are drawn.

Each restored word keeps its position operators; its string becomes the
restored word (NFC) in the font's codes, with the spaces the producer wrote
around it, and its horizontal scaling (``Tz``) becomes ``old × old_width /
new_width`` so the word covers the same stretch of the image (for the
GlyphLessFont, where every glyph is as wide, ``old_Tz × old_len / new_len``).
A layer is rewritten only where its font maps every character of the restored
words; a glyph-less identity font that simply lacks a character in its
ToUnicode (a Ghostscript subset) gets the mapping added.  Otherwise the page
is left as it was, with the reason in the notes.  Page images, visible
content, metadata and bookmarks are untouched; the other streams are written
as they were read (no decoding, no recompression).

Encrypted and signed files, and PDFs with no invisible text (born digital, or
never OCR'd), are skipped with the reason; pages without a text layer in a
scanned file are named in the notes.
"""

from __future__ import annotations

import decimal
import io
import math
import re
import unicodedata
from typing import NamedTuple

from . import FormatError, NotRewritable
from .words import OcrWord

INVISIBLE = (3, 7)  # text render modes that paint nothing (7 also clips)
_SHOWS = frozenset(("Tj", "TJ", "'", '"'))
_MAX_FORM_DEPTH = 4


def _pikepdf():
    try:
        import pikepdf
    except ImportError:
        raise FormatError("PDF: restoring PDFs needs pikepdf: pip install 'diacritics-fix[pdf]'") from None
    return pikepdf


class Unwritable(Exception):
    """A character a font has no code for."""


# ---------------------------------------------------------------------------
# Fonts: codes ↔ text, and widths.
# ---------------------------------------------------------------------------

def parse_cmap(data: bytes) -> dict[int, str]:
    """The code → text map of a ToUnicode CMap (``bfchar`` and both forms of ``bfrange``).

    >>> sorted(parse_cmap(b"1 beginbfrange <0041> <0043> <0061> endbfrange 1 beginbfchar <00e9> <1ec7> endbfchar").items())
    [(65, 'a'), (66, 'b'), (67, 'c'), (233, 'ệ')]
    """
    def text(hexa: bytes) -> str:
        raw = bytes.fromhex(hexa.decode("ascii"))
        return raw.decode("utf-16-be", "replace") if len(raw) % 2 == 0 else raw.decode("latin-1")

    mapping: dict[int, str] = {}
    for section in re.finditer(rb"beginbfchar(.*?)endbfchar", data, re.DOTALL):
        for code, target in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", section.group(1)):
            mapping[int(code, 16)] = text(target)
    for section in re.finditer(rb"beginbfrange(.*?)endbfrange", data, re.DOTALL):
        body = section.group(1)
        for match in re.finditer(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]*>|\[[^\]]*\])", body):
            first, last = int(match.group(1), 16), int(match.group(2), 16)
            target = match.group(3)
            if last - first > 0xFFFF:
                continue
            if target.startswith(b"["):
                for offset, item in enumerate(re.findall(rb"<([0-9a-fA-F]*)>", target)):
                    mapping[first + offset] = text(item)
                continue
            start = target[1:-1]
            if first == 0 and last == 0xFFFF and int(start or b"0", 16) == 0:
                mapping[-1] = "identity"  # the whole two-byte range maps to itself
                continue
            base = text(start)
            if not base:
                continue
            for offset in range(last - first + 1):
                mapping[first + offset] = base[:-1] + chr(ord(base[-1]) + offset)
    return mapping


def cmap_bytes(mapping: dict[int, str]) -> bytes:
    """A ToUnicode CMap for a two-byte code → text *mapping*."""
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
    items = sorted((code, text) for code, text in mapping.items() if code >= 0)
    for chunk in range(0, len(items), 100):
        part = items[chunk:chunk + 100]
        lines.append(f"{len(part)} beginbfchar")
        lines += [f"<{code:04X}> <{text.encode('utf-16-be').hex().upper()}>" for code, text in part]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return ("\n".join(lines) + "\n").encode("ascii")


class FontCodec:
    """How one font turns string bytes into text and back, and how wide its codes are."""

    def __init__(self, font, name: str) -> None:
        pikepdf = _pikepdf()
        self.font = font
        self.name = str(font.get("/BaseFont", name)).lstrip("/")
        subtype = str(font.get("/Subtype", ""))
        encoding = font.get("/Encoding")
        self.two_byte = subtype == "/Type0"
        self.problem: str | None = None
        self.added: dict[int, str] = {}
        to_unicode = font.get("/ToUnicode")
        self.map: dict[int, str] = {}
        if isinstance(to_unicode, pikepdf.Stream):
            self.map = parse_cmap(to_unicode.read_bytes())
        self.identity = self.map.pop(-1, None) is not None
        if self.two_byte:
            if str(encoding) != "/Identity-H":
                self.problem = f"its font {self.name} has the encoding {encoding} (only Identity-H is rewritten)"
            elif not self.map and not self.identity:
                self.problem = f"its font {self.name} has no ToUnicode map"
            descendant = font.DescendantFonts[0]
            self.default_width = float(descendant.get("/DW", 1000))
            self.widths = _cid_widths(descendant.get("/W"))
            # A glyph-less font (Tesseract's, or a subset of it) maps codes to themselves;
            # a missing mapping can be added without changing anything on the page.
            self.extendable = "GlyphLessFont" in self.name and all(
                len(text) == 1 and ord(text) == code for code, text in self.map.items())
        else:
            self.extendable = False
            if not self.map:
                if str(encoding) == "/WinAnsiEncoding" or encoding is None:
                    self.map = {code: bytes([code]).decode("cp1252") for code in range(32, 256)
                                if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
                else:
                    self.problem = f"its font {self.name} has an encoding this tool does not read ({encoding})"
            first = int(font.get("/FirstChar", 0))
            widths = [float(w) for w in font.get("/Widths", [])]
            self.widths = {first + k: w for k, w in enumerate(widths)}
            descriptor = font.get("/FontDescriptor")
            self.default_width = float(descriptor.get("/MissingWidth", 500)) if descriptor is not None else 500.0
        self.reverse = {text: code for code, text in sorted(self.map.items(), reverse=True) if len(text) == 1}

    def codes(self, data: bytes) -> list[int]:
        if self.two_byte:
            return [high << 8 | low for high, low in zip(data[::2], data[1::2])]
        return list(data)

    def text(self, codes: list[int]) -> str:
        if self.identity:
            return "".join(chr(code) for code in codes)
        return "".join(self.map.get(code, "\ufffd") for code in codes)

    def encode(self, text: str) -> list[int]:
        """The codes of *text*; raises :class:`Unwritable` naming a character the font cannot write."""
        codes = []
        for char in text:
            code = self.reverse.get(char)
            if code is None:
                if self.identity and self.two_byte and ord(char) <= 0xFFFF:
                    code = ord(char)
                elif self.extendable and ord(char) <= 0xFFFF:
                    code = ord(char)
                    self.added[code] = char
                else:
                    raise Unwritable(char)
            codes.append(code)
        return codes

    def data(self, codes: list[int]) -> bytes:
        if self.two_byte:
            return b"".join(code.to_bytes(2, "big") for code in codes)
        return bytes(codes)

    def width(self, code: int) -> float:
        return self.widths.get(code, self.default_width)

    def commit(self, pdf) -> None:
        """Add the mappings :meth:`encode` needed to the font's ToUnicode map."""
        if self.added:
            merged = {**self.map, **self.added}
            self.font.ToUnicode = pdf.make_stream(cmap_bytes(merged))
            self.map = merged
            self.added = {}


def _cid_widths(array) -> dict[int, float]:
    widths: dict[int, float] = {}
    if array is None:
        return widths
    items = list(array)
    k = 0
    while k < len(items):
        first = int(items[k])
        following = items[k + 1] if k + 1 < len(items) else None
        if following is not None and not isinstance(following, (int, float)) and hasattr(following, "__iter__") \
                and not isinstance(following, (str, bytes)):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            k += 2
        else:
            last, width = int(items[k + 1]), float(items[k + 2])
            for code in range(first, min(last, first + 0xFFFF) + 1):
                widths[code] = width
            k += 3
    return widths


# ---------------------------------------------------------------------------
# Reading a page: the invisible text-showing operations, as words in lines.
# ---------------------------------------------------------------------------

class _Show(NamedTuple):
    """One invisible text-showing operation: where it is, in which state, and what it says."""

    layer: int  # index into the document's layers
    index: int  # instruction index in the layer
    font: FontCodec
    size: float
    scale: float  # Th × 100 (the Tz value in force)
    spacing: tuple[float, float]  # Tc, Tw
    old_width: float  # of its strings, in text space units before Th
    lead: str  # spaces the producer wrote before and after the word
    trail: str


class _Layer:
    """A content stream (a page's, or a form's) and its parsed instructions."""

    def __init__(self, owner, page: int, instructions: list, is_page: bool) -> None:
        self.owner, self.page, self.instructions, self.is_page = owner, page, instructions, is_page
        self.names: list[str] = []  # each instruction's operator, as read
        # Replaced instructions, and Tz operations to insert before or after one, by instruction index.
        self.edits: dict[int, object] = {}
        self.before: dict[int, object] = {}
        self.after: dict[int, object] = {}

    @property
    def changed(self) -> bool:
        return bool(self.edits)

    def edited(self) -> list:
        out = []
        for index, instruction in enumerate(self.instructions):
            if index in self.before:
                out.append(self.before[index])
            out.append(self.edits.get(index, instruction))
            if index in self.after:
                out.append(self.after[index])
        return out


def _width(font: FontCodec, codes: list[int], size: float, spacing: tuple[float, float]) -> float:
    """How far *codes* advance in text space, before horizontal scaling (PDF 9.4.4)."""
    tc, tw = spacing
    widths, default = font.widths, font.default_width
    glyphs = default * len(codes) if not widths else sum(widths.get(code, default) for code in codes)
    total = glyphs / 1000 * size + tc * len(codes)
    if tw and not font.two_byte:
        total += tw * codes.count(32)
    return total


class PdfDocument:
    """The words of a searchable PDF's text layers, and how to write them back."""

    def __init__(self, pdf, data: bytes) -> None:
        self.pdf = pdf
        self.data = data
        self.layers: list[_Layer] = []
        self.shows: list[_Show] = []
        self.words: list[OcrWord] = []
        self.notes: list[str] = []
        #: Pages whose words could not be written (their font lacks a letter): left as they were.
        self.pages_left: set[int] = set()
        self._fonts: dict[tuple, FontCodec] = {}

    # -- reading ------------------------------------------------------------

    def _font(self, resources, name: str, page: int) -> FontCodec | None:
        fonts = resources.get("/Font") if resources is not None else None
        font = fonts.get(name) if fonts is not None else None
        if font is None:
            return None
        key = font.objgen if font.is_indirect else (page, name, id(resources))
        codec = self._fonts.get(key)
        if codec is None:
            codec = self._fonts[key] = FontCodec(font, name)
        return codec

    def read_page(self, number: int, page) -> tuple[int, int]:
        """Collect the invisible words of page *number*; (invisible, visible) text operations seen."""
        pikepdf = _pikepdf()
        counts = [0, 0]
        seen: set = set()

        def walk(owner, resources, depth: int, is_page: bool) -> None:
            try:
                instructions = list(pikepdf.parse_content_stream(owner))
            except (pikepdf.PdfError, TypeError) as error:
                raise FormatError(f"PDF: page {number}: cannot read its content ({error})") from None
            layer = _Layer(owner, number, instructions, is_page)
            self.layers.append(layer)
            self._read_layer(len(self.layers) - 1, resources, counts)
            if depth >= _MAX_FORM_DEPTH:
                return
            xobjects = resources.get("/XObject") if resources is not None else None
            for instruction in instructions:
                if str(instruction.operator) != "Do" or xobjects is None:
                    continue
                form = xobjects.get(instruction.operands[0])
                if form is None or form.get("/Subtype") != "/Form" or form.objgen in seen:
                    continue
                seen.add(form.objgen)
                walk(form, form.get("/Resources", resources), depth + 1, False)

        walk(page.obj, page.obj.get("/Resources"), 0, True)
        return counts[0], counts[1]

    def _read_layer(self, layer_index: int, resources, counts: list[int]) -> None:
        """The invisible words of one content stream, following the text state (PDF 9.3) as it goes."""
        layer = self.layers[layer_index]
        # The text state, and what q/Q save of it.
        font, size, scale, spacing, mode, leading = None, 0.0, 100.0, (0.0, 0.0), 0, 0.0
        stack = []
        line_matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        previous = None  # the line matrix of the previous word
        pitch = None  # the distance between the lines of the paragraph so far
        paragraph = line = 0
        names = layer.names
        for index, instruction in enumerate(layer.instructions):
            operator = str(instruction.operator)
            names.append(operator)
            if operator in _SHOWS:
                if operator != "TJ" and operator != "Tj":  # ' and ": to the next line first
                    a, b, c, d, e, f = line_matrix
                    line_matrix = (a, b, c, d, e - leading * c, f - leading * d)
                if mode not in INVISIBLE:
                    counts[1] += 1
                    continue
                counts[0] += 1
                if font is None:
                    raise FormatError(f"PDF: page {layer.page}: text shown with no font")
                distance = _off_baseline(previous, line_matrix) if previous is not None else None
                if distance is None or distance > 0.5 * size:  # a new line
                    # A new paragraph: a new text object, or a gap well over the line pitch.
                    if distance is None or distance > (1.6 * pitch if pitch else 2.5 * size):
                        paragraph += 1
                        pitch = None
                    else:
                        pitch = min(pitch or distance, distance)
                    line += 1
                previous = line_matrix
                self._add_word(layer_index, index, instruction, font, size, scale, spacing, line, paragraph)
            elif operator == "Tz":
                scale = float(instruction.operands[0])
            elif operator == "Td" or operator == "TD":
                operands = instruction.operands
                tx, ty = float(operands[0]), float(operands[1])
                a, b, c, d, e, f = line_matrix
                line_matrix = (a, b, c, d, e + tx * a + ty * c, f + tx * b + ty * d)
                if operator == "TD":
                    leading = -ty
            elif operator == "Tm":
                line_matrix = tuple(float(x) for x in instruction.operands)
            elif operator == "Tf":
                operands = instruction.operands
                font = self._font(resources, operands[0], layer.page)
                size = float(operands[1])
            elif operator == "BT":
                line_matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
                previous = pitch = None
            elif operator == "T*":
                a, b, c, d, e, f = line_matrix
                line_matrix = (a, b, c, d, e - leading * c, f - leading * d)
            elif operator == "Tr":
                mode = int(instruction.operands[0])
            elif operator == "Tc":
                spacing = (float(instruction.operands[0]), spacing[1])
            elif operator == "Tw":
                spacing = (spacing[0], float(instruction.operands[0]))
            elif operator == "TL":
                leading = float(instruction.operands[0])
            elif operator == "q":
                stack.append((font, size, scale, spacing, mode, leading))
            elif operator == "Q" and stack:
                font, size, scale, spacing, mode, leading = stack.pop()

    def _add_word(self, layer_index: int, index: int, instruction, font: FontCodec, size: float, scale: float,
                  spacing: tuple[float, float], line: int, paragraph: int) -> None:
        pieces = instruction.operands[-1]
        kerning = 0.0
        if not isinstance(pieces, _pikepdf().Array):
            codes = font.codes(bytes(pieces))
        elif len(pieces) == 1:  # Tesseract's [<…>] TJ
            codes = font.codes(bytes(pieces[0]))
        else:
            codes = []
            for item in pieces:
                if isinstance(item, (int, float, decimal.Decimal)):  # a kerning adjustment
                    kerning += float(item)
                else:
                    codes += font.codes(bytes(item))
        width = _width(font, codes, size, spacing) - kerning / 1000 * size
        text = font.text(codes)
        core = text.strip(" ")
        lead = text[:len(text) - len(text.lstrip(" "))]
        trail = text[len(text.rstrip(" ")):] if core else ""
        page = self.layers[layer_index].page
        self.shows.append(_Show(layer_index, index, font, size, scale, spacing, width, lead, trail))
        self.words.append(OcrWord(core, None, page, line, paragraph))

    # -- writing ------------------------------------------------------------

    def write(self, texts: dict[int, str]) -> bytes:
        pikepdf = _pikepdf()
        by_page: dict[int, list[int]] = {}
        for index in sorted(texts):
            by_page.setdefault(self.words[index].page, []).append(index)
        for page, indexes in sorted(by_page.items()):
            planned = []
            fonts = {self.shows[index].font for index in indexes}
            added_before = {font: dict(font.added) for font in fonts}
            try:
                for index in indexes:
                    show = self.shows[index]
                    new = unicodedata.normalize("NFC", texts[index])
                    planned.append((index, show.font.encode(show.lead + new + show.trail if new else "")))
            except Unwritable as error:
                for font, added in added_before.items():
                    font.added = added  # what the other pages need, without this page's
                font = self.shows[index].font.name
                self.notes.append(f"page {page}: left as it was: its font {font} cannot write {str(error)!r}")
                self.pages_left.add(page)
                continue
            for index, codes in planned:
                self._rewrite(self.shows[index], codes, pikepdf)
        for codec in self._fonts.values():
            codec.commit(self.pdf)
        for layer in self.layers:
            if layer.changed:
                data = pikepdf.unparse_content_stream(layer.edited())
                if layer.is_page:
                    layer.owner.Contents = self.pdf.make_stream(data)
                else:
                    layer.owner.write(data)
        if not any(layer.changed for layer in self.layers):
            return self.data  # nothing to change: the file as it was, byte for byte
        out = io.BytesIO()
        self.pdf.save(out, fix_metadata_version=False, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                      object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()

    def _rewrite(self, show: _Show, codes: list[int], pikepdf) -> None:
        """Put *codes* in the show's string and scale it to its old width (edits kept in its layer)."""
        layer = self.layers[show.layer]
        instruction = layer.instructions[show.index]
        operator = str(instruction.operator)
        string = pikepdf.String(show.font.data(codes))
        operands = list(instruction.operands)
        operands[-1] = pikepdf.Array([string]) if operator == "TJ" else string
        layer.edits[show.index] = pikepdf.ContentStreamInstruction(operands, instruction.operator)
        new_width = _width(show.font, codes, show.size, show.spacing)
        if new_width <= 0 or show.old_width <= 0 or math.isclose(new_width, show.old_width):
            return
        scale = pikepdf.ContentStreamInstruction([round(show.scale * show.old_width / new_width, 3)],
                                                  pikepdf.Operator("Tz"))
        names = layer.names
        if show.index > 0 and names[show.index - 1] == "Tz":
            layer.edits[show.index - 1] = scale
        else:
            layer.before[show.index] = scale
        # The scale in force after the word stays what it was, unless the stream sets it again first.
        for following in range(show.index + 1, len(names)):
            name = names[following]
            if name == "Tz":
                return
            if name in _SHOWS or name == "ET" or name == "Q":
                break
        layer.after[show.index] = pikepdf.ContentStreamInstruction([show.scale], pikepdf.Operator("Tz"))


def _off_baseline(previous: tuple, current: tuple) -> float:
    """How far *current*'s origin is from the baseline of *previous* (line matrices), in text space units."""
    a, b, c, d, e, f = previous
    dx, dy = current[4] - e, current[5] - f
    return abs(-b * dx + a * dy) / (math.hypot(a, b) or 1.0) / (math.hypot(c, d) or 1.0)


def _signed(pdf) -> bool:
    form = pdf.Root.get("/AcroForm")
    if form is None:
        return False
    if int(form.get("/SigFlags", 0)) & 1:
        return True
    return any(field.get("/FT") == "/Sig" and "/V" in field for field in form.get("/Fields", []))


def read(data: bytes) -> PdfDocument:
    """The words of a searchable PDF's invisible text layers."""
    pikepdf = _pikepdf()
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise NotRewritable("an encrypted PDF (it needs a password): left as it is") from None
    except pikepdf.PdfError as error:
        raise FormatError(f"PDF: cannot open it: {error}") from None
    if pdf.is_encrypted:
        raise NotRewritable("an encrypted PDF: left as it is")
    if _signed(pdf):
        raise NotRewritable("a signed PDF: rewriting it would break its signature")
    document = PdfDocument(pdf, data)
    without, visible_only = [], []
    try:
        for number, page in enumerate(pdf.pages, 1):
            invisible, visible = document.read_page(number, page)
            if not invisible:
                (visible_only if visible else without).append(number)
    except pikepdf.PdfError as error:
        raise FormatError(f"PDF: damaged: {error}") from None
    if not document.words:
        if visible_only:
            raise NotRewritable("a PDF with no OCR text layer (its text is visible: born digital)")
        raise NotRewritable("a PDF with no text layer (not OCR'd)")
    for number in without:
        document.notes.append(f"page {number}: no text layer")
    for number in visible_only:
        document.notes.append(f"page {number}: visible text only, no OCR layer")
    problems = {show.font.problem for show in document.shows if show.font.problem}
    if problems:
        # Words whose font cannot be read or written are left out of the restoring.
        for k, show in enumerate(document.shows):
            if show.font.problem:
                document.words[k] = document.words[k]._replace(text="")
        for problem in sorted(problems):
            document.notes.append(f"text left as it was: {problem}")
    return document
