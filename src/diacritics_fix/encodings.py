# SPDX-License-Identifier: GPL-3.0-or-later
"""Legacy encodings of Vietnamese documents: the bytes of a file in, NFC text out.

Archives of Vietnamese administrative documents hold text in the encodings of
the 1990s and 2000s.  :func:`decode_document` finds which one a file uses and
returns its text as NFC Unicode, with the name of the encoding it read:

==================  =========================================================
``utf-8``           plain UTF-8 (also pure ASCII and empty input)
``utf-8-sig``       UTF-8 with a byte-order mark
``utf-16``          UTF-16 with a byte-order mark (little- or big-endian)
``utf-32``          UTF-32 with a byte-order mark (rare; read so as not to be
                    mistaken for UTF-16, whose mark it begins with)
``cp1258``          Windows-1258: precomposed â ê ô ă ơ ư đ, tone marks as
                    combining characters after the letter
``tcvn3``           TCVN 5712:1993 VN3, the "ABC" encoding of the .Vn fonts
``vni``             VNI-Windows (VNI-Times fonts): base letter + mark byte
``viscii``          VISCII (RFC 1456): one byte per letter, both cases
``*-as-cp1252``     mojibake: bytes in ``tcvn3``, ``vni``, ``viscii`` or
                    ``utf-8`` that a program read as Windows-1252 and saved
                    again as UTF-8 ("Céng hßa", "Coäng hoøa", "Cá»™ng hÃ²a")
``viqr``            7-bit VIQR ("Vie^.t Nam"); only when asked for, since
                    reading English as VIQR would damage it
==================  =========================================================

Detection, in order:

1. magic numbers of binary formats (PDF, PNG, JPEG, ZIP, Word .doc …) and NUL
   bytes raise :class:`BinaryFileError`;
2. a byte-order mark decides;
3. valid UTF-8 is UTF-8, unless another reading of it is clearly more
   Vietnamese: the ``*-as-cp1252`` repairs (ftfy's for ``utf-8``, the tables
   here for the others), or, for a short text full of misfits, a legacy
   reading of the bytes (VISCII's ươ is the valid UTF-8 sequence DF BD);
4. other bytes are read with each of :data:`AUTO_ENCODINGS` and the reading
   that looks most Vietnamese wins;
5. when even that reading is mostly garbage, :class:`UndecodableError` names
   the first byte that is not UTF-8 (text in another Latin-script language,
   mostly ASCII with no control characters, is read as ``cp1258``).

How Vietnamese a reading looks is :func:`vietnamese_evidence`: letter runs
that are possible syllables with marks *and* in common use (wordfreq's
Vietnamese list) count for it, impossible ones and foreign letters against,
and between two readings with as much evidence the commoner words win
("Số", not "Sè").

The text is kept as read: line endings, a byte-order mark (as U+FEFF at the
start: the restorer preserves it) and every character outside the converted
letters.  Letters written as a base plus combining marks (Windows-1258, and
decomposed UTF-8) are composed to NFC; nothing else is normalised.

TCVN3 cannot tell case.  Its fonts come in pairs: ``.VnTime`` draws the codes
as lowercase letters, ``.VnTimeH`` draws the *same* codes as capitals, and the
font is not in a plain-text file.  Only Ă Â Ê Ô Ơ Ư Đ have codes of their own;
every capital with a tone mark is stored as its lowercase code.  The decoder
recovers capitals where the other letters show an all-caps word or line
("CéNG HßA" → "CỘNG HÒA"); elsewhere it gives lowercase ("ñy ban" → "ủy ban"
for "Ủy ban").  Compare TCVN3 text case-insensitively.

:func:`encode_document` writes text in any of these encodings; it exists to
build test cases and benchmarks.

>>> decode_document("Céng hßa x· héi chñ nghÜa ViÖt Nam".encode("cp1252"))
Decoded(text='Cộng hòa xã hội chủ nghĩa Việt Nam', encoding='tcvn3')
>>> decode_document(encode_document("Độc lập - Tự do - Hạnh phúc", "vni"))
Decoded(text='Độc lập - Tự do - Hạnh phúc', encoding='vni')
>>> decode_document(b"Vie^.t Nam", encoding="viqr").text
'Việt Nam'
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from typing import Callable, NamedTuple

from .syllable import MARKED_LETTERS, canonical, has_marks, is_valid

__all__ = [
    "AUTO_ENCODINGS",
    "ENCODINGS",
    "BinaryFileError",
    "Decoded",
    "Evidence",
    "UndecodableError",
    "decode_document",
    "encode_document",
    "vietnamese_evidence",
]


class Decoded(NamedTuple):
    """The text of a document and the name of the encoding it was read in."""

    text: str
    encoding: str


class UndecodableError(ValueError):
    """No encoding reads the bytes as text; ``offset`` is the first offending byte."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


class BinaryFileError(UndecodableError):
    """The bytes are a binary file (PDF, image, archive, Word .doc …), not text."""


#: Every name :func:`decode_document` returns or accepts.
ENCODINGS = (
    "utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1258", "tcvn3", "vni", "viscii",
    "tcvn3-as-cp1252", "vni-as-cp1252", "viscii-as-cp1252", "utf-8-as-cp1252", "viqr",
)
#: The legacy readings tried on bytes that are not UTF-8, in order of preference on a tie.
AUTO_ENCODINGS = ("cp1258", "tcvn3", "vni", "viscii")

_ALIASES = {
    "utf8": "utf-8", "utf-8": "utf-8", "utf8-sig": "utf-8-sig", "utf-8-sig": "utf-8-sig",
    "utf16": "utf-16", "utf-16": "utf-16", "utf32": "utf-32", "utf-32": "utf-32",
    "cp1258": "cp1258", "windows-1258": "cp1258",
    "tcvn3": "tcvn3", "tcvn": "tcvn3", "tcvn-3": "tcvn3", "abc": "tcvn3",
    "vni": "vni", "vni-windows": "vni", "viscii": "viscii", "viqr": "viqr",
}


def _canonical_name(encoding: str) -> str:
    name = encoding.strip().lower().replace("_", "-")
    if name.endswith("-as-cp1252") or name.endswith("-as-windows-1252"):
        inner = _ALIASES.get(name.split("-as-")[0])
        if inner in ("tcvn3", "vni", "viscii", "utf-8"):
            return f"{inner}-as-cp1252"
    elif name in _ALIASES:
        return _ALIASES[name]
    raise LookupError(f"unknown encoding {encoding!r}; known: {', '.join(ENCODINGS)}")


# ---------------------------------------------------------------------------
# Windows-1252 as every legacy file is seen by Windows programs.
# ---------------------------------------------------------------------------

def _build_cp1252() -> str:
    """The 256 characters Windows shows for the bytes 00–FF in code page 1252.

    The five bytes the code page leaves undefined (81 8D 8F 90 9D) come through
    as the C1 controls of the same number, as Windows converts them.
    """
    chars = []
    for byte in range(256):
        try:
            chars.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(byte))
    return "".join(chars)


_CP1252 = _build_cp1252()
_CP1252_BYTE = {ch: byte for byte, ch in enumerate(_CP1252)}
_LATIN1_TO_CP1252 = {byte: _CP1252[byte] for byte in range(0x80, 0xA0)}
_C1_HOLES = frozenset(chr(byte) for byte in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
# C1 controls other than the holes are no Windows-1252 character: map them out of Latin-1.
_CP1252_TO_LATIN1: dict[int, int | str] = {byte: "\uffff" for byte in range(0x80, 0xA0)}
_CP1252_TO_LATIN1.update({ord(_CP1252[byte]): byte for byte in range(0x80, 0xA0)})


def _bytes_to_view(data: bytes) -> str:
    """The bytes as Windows-1252 characters: one character per byte."""
    return data.decode("latin-1").translate(_LATIN1_TO_CP1252)


def _view_to_bytes(view: str) -> bytes | None:
    """Inverse of :func:`_bytes_to_view`, or None when a character is not in Windows-1252."""
    try:
        return view.translate(_CP1252_TO_LATIN1).encode("latin-1")
    except UnicodeEncodeError:
        return None


# ---------------------------------------------------------------------------
# The character tables.  Rows are the twelve vowels and đ, columns the tones:
# no mark, huyền (grave), sắc (acute), hỏi (hook), ngã (tilde), nặng (dot below).
# ---------------------------------------------------------------------------

_TONE_MARKS = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")


def _letter(base: str, tone: int) -> str:
    return unicodedata.normalize("NFC", base + _TONE_MARKS[tone])


def _parse_grid(grid: str, cell: Callable[[str], str]) -> dict[str, str]:
    """{letter: code} from rows ``base code code …`` (one code per tone, or one for đ)."""
    table: dict[str, str] = {}
    for line in grid.strip().splitlines():
        base, *codes = line.split()
        for tone, code in enumerate(codes):
            table[_letter(base, tone)] = cell(code)
    return table


def _hex_byte(code: str) -> str:
    return _CP1252[int(code, 16)]


# TCVN 5712:1993, table VN3: the "ABC" encoding of the .VnTime/.VnArial fonts,
# the one in use in government offices.  Bytes in hexadecimal.  Only these seven
# capitals have codes.  Bytes without a letter are Windows-1252 (smart quotes,
# dashes) as Word wrote them.
_TCVN3_GRID = """
a  61 B5 B8 B6 B7 B9
ă  A8 BB BE BC BD C6
â  A9 C7 CA C8 C9 CB
e  65 CC D0 CE CF D1
ê  AA D2 D5 D3 D4 D6
i  69 D7 DD D8 DC DE
o  6F DF E3 E1 E2 E4
ô  AB E5 E8 E6 E7 E9
ơ  AC EA ED EB EC EE
u  75 EF F3 F1 F2 F4
ư  AD F5 F8 F6 F7 F9
y  79 FA FD FB FC FE
đ  AE
Ă  A1
Â  A2
Ê  A3
Ô  A4
Ơ  A5
Ư  A6
Đ  A7
"""

# The fuller tables of the same standard (VN1, VN2) put capitals with tone
# marks in the bytes of the upper half that VN3 leaves free; a file written by
# a program that knew them keeps its capitals.  Read only: VN3 writes these
# capitals as their lowercase codes.  (VN1's capitals in 01–17 and 80–9F are
# not read: those bytes are controls, and Word's quotes and dashes, in VN3 files.)
_TCVN3_VN1_CAPITALS = """
AF Ằ  BA Ẳ  BF Ẵ  C0 Ắ  C1 Ầ  C2 Ẩ  C3 Ẫ  C4 Ấ  C5 Ề  CD Ể  D9 Ễ  DA Ế  DB Ồ  E0 Ổ  F0 Ỗ  FF Ố
"""

# VISCII 1.1 (Viet-Std group; RFC 1456, "Vietnamese Standard Code for
# Information Interchange"): every letter in both cases, six capitals in the
# C0 range (02 05 06 14 19 1E), the rest in 80–FF.  Bytes in hexadecimal.
_VISCII_GRID = """
a  61 E0 E1 E4 E3 D5
ă  E5 A2 A1 C6 C7 A3
â  E2 A5 A4 A6 E7 A7
e  65 E8 E9 EB A8 A9
ê  EA AB AA AC AD AE
i  69 EC ED EF EE B8
o  6F F2 F3 F6 F5 F7
ô  F4 B0 AF B1 B2 B5
ơ  BD B6 BE B7 DE FE
u  75 F9 FA FC FB F8
ư  DF D7 D1 D8 E6 F1
y  79 CF FD D6 DB DC
đ  F0
A  41 C0 C1 C4 C3 80
Ă  C5 82 81 02 05 83
Â  C2 85 84 86 06 87
E  45 C8 C9 CB 88 89
Ê  CA 8B 8A 8C 8D 8E
I  49 CC CD 9B CE 98
O  4F D2 D3 99 A0 9A
Ô  D4 90 8F 91 92 93
Ơ  B4 96 95 97 B3 94
U  55 D9 DA 9C 9D 9E
Ư  BF BB BA BC FF B9
Y  59 9F DD 14 19 1E
Đ  D0
"""

# VNI-Windows (VNI Software, the VNI-Times family of fonts): a letter is its
# ASCII base followed by one mark byte, shown here as the Windows-1252
# character of that byte, the way VNI text looks in a program without the
# fonts ("Vieät Nam").  Marks: ø ù û õ ï (huyền sắc hỏi ngã nặng), â (the hat
# of â ê ô), ê (the breve of ă), à á å ã ä (hat + tone), è é ú ü ë (breve +
# tone).  Single bytes: ô = ơ, ö = ư, ñ = đ, and the i's and ỵ (ì í æ ó ò î).
# Capitals use the capital of each byte (Ø Ù …, Ô = Ơ, Ñ = Đ).
_VNI_GRID = """
a  a   aø  aù  aû  aõ  aï
ă  aê  aè  aé  aú  aü  aë
â  aâ  aà  aá  aå  aã  aä
e  e   eø  eù  eû  eõ  eï
ê  eâ  eà  eá  eå  eã  eä
i  i   ì   í   æ   ó   ò
o  o   oø  où  oû  oõ  oï
ô  oâ  oà  oá  oå  oã  oä
ơ  ô   ôø  ôù  ôû  ôõ  ôï
u  u   uø  uù  uû  uõ  uï
ư  ö   öø  öù  öû  öõ  öï
y  y   yø  yù  yû  yõ  î
đ  ñ
A  A   AØ  AÙ  AÛ  AÕ  AÏ
Ă  AÊ  AÈ  AÉ  AÚ  AÜ  AË
Â  AÂ  AÀ  AÁ  AÅ  AÃ  AÄ
E  E   EØ  EÙ  EÛ  EÕ  EÏ
Ê  EÂ  EÀ  EÁ  EÅ  EÃ  EÄ
I  I   Ì   Í   Æ   Ó   Ò
O  O   OØ  OÙ  OÛ  OÕ  OÏ
Ô  OÂ  OÀ  OÁ  OÅ  OÃ  OÄ
Ơ  Ô   ÔØ  ÔÙ  ÔÛ  ÔÕ  ÔÏ
U  U   UØ  UÙ  UÛ  UÕ  UÏ
Ư  Ö   ÖØ  ÖÙ  ÖÛ  ÖÕ  ÖÏ
Y  Y   YØ  YÙ  YÛ  YÕ  Î
Đ  Ñ
"""


class _TableCodec:
    """A legacy encoding given as {letter: byte sequence}, over Windows-1252.

    Decoding works on the Windows-1252 view of the bytes (one character per
    byte), so the same code reads a legacy file and its ``-as-cp1252`` mojibake.
    Bytes that spell no letter keep their Windows-1252 meaning.
    """

    def __init__(self, name: str, letters: dict[str, str], read_only: dict[str, str] | None = None) -> None:
        self.name = name
        self.encode_map = dict(letters)
        read_only = read_only or {}
        # A byte that is a letter on its own, or a mark after a base letter, cannot
        # also stand for its Windows-1252 character.
        used = {code[-1] for code in self.encode_map.values()} | set(read_only)
        self.plain = frozenset(ch for ch in _CP1252 if ch not in used and ch not in _C1_HOLES)
        decode_map = {code: letter for letter, code in self.encode_map.items() if code != letter}
        decode_map.update(read_only)
        # A mark byte after a base of the other case still marks it (typing slips).
        for code, letter in list(decode_map.items()):
            if len(code) > 1:
                decode_map.setdefault(code[0] + code[1:].swapcase(), letter)
        self._decode_map = decode_map
        self.decodes = frozenset(decode_map)
        self._translate = {ord(code): letter for code, letter in decode_map.items() if len(code) == 1}
        self._pattern: re.Pattern[str] | None = None
        if any(len(code) > 1 for code in decode_map):
            keys = sorted(decode_map, key=len, reverse=True)  # "ôø" (ờ) before "ô" (ơ)
            self._pattern = re.compile("|".join(map(re.escape, keys)))

    def decode_view(self, view: str) -> str:
        if self._pattern is not None:
            return self._pattern.sub(lambda m: self._decode_map[m.group()], view)
        return view.translate(self._translate)

    def encode_view(self, text: str, errors: str = "strict") -> str:
        out = []
        for index, ch in enumerate(text):
            code = self.encode_map.get(ch)
            if code is None:
                if ch in self.plain:
                    code = ch
                elif self.name == "tcvn3" and ch.lower() in self.encode_map:
                    code = self.encode_map[ch.lower()]  # the .VnTimeH convention
                elif errors == "replace":
                    code = "?"
                else:
                    raise UnicodeEncodeError(self.name, text, index, index + 1, "not in the character table")
            out.append(code)
        return "".join(out)


def _parse_pairs(pairs: str) -> dict[str, str]:
    """{Windows-1252 character of the byte: letter} from ``hex letter`` pairs."""
    items = pairs.split()
    return {_hex_byte(code): letter for code, letter in zip(items[::2], items[1::2])}


_TCVN3 = _TableCodec("tcvn3", _parse_grid(_TCVN3_GRID, _hex_byte), _parse_pairs(_TCVN3_VN1_CAPITALS))
_VISCII = _TableCodec("viscii", _parse_grid(_VISCII_GRID, _hex_byte))
_VNI = _TableCodec("vni", _parse_grid(_VNI_GRID, str))
_TABLE_CODECS = {"tcvn3": _TCVN3, "vni": _VNI, "viscii": _VISCII}


# ---------------------------------------------------------------------------
# TCVN3 capitals: recovered from context where the letters around show them.
# ---------------------------------------------------------------------------

_LETTER_RUN = re.compile(r"[^\W\d_]+")
_TCVN3_LOWER_ONLY = frozenset(
    letter for letter in MARKED_LETTERS if letter.islower() and letter.upper() not in _TCVN3.encode_map
)
_TCVN3_CAPITAL = {ord(letter): letter.upper() for letter in _TCVN3_LOWER_ONLY}


def _capitals(word: str) -> int:
    """Capitals in *word*, or -1 when it has a lowercase letter other than TCVN3's case-less ones."""
    capitals = 0
    for ch in word:
        if ch.isupper():
            capitals += 1
        elif ch not in _TCVN3_LOWER_ONLY:
            return -1
    return capitals


def _recover_tcvn3_capitals(text: str) -> str:
    """Uppercase the case-less TCVN3 letters of all-caps words and lines.

    A word is all caps when its other letters are, with two capitals at least
    ("CộNG", not "Tõ", which may be "Từ"); a word with one capital is, next to
    an all-caps word with a case-less letter ("Kỹ THUậT").  A whole line is,
    when it has no lowercase letter but the case-less ones and either such a
    word or three all-caps words ("VÒ VIÖC", "TM. ñY BAN NH¢N D¢N"; but not
    "Sè: 12/Q§-UBND", which is "Số").

    >>> _recover_tcvn3_capitals("CộNG HòA xã hội\\nVề VIệC\\nSố: 12/QĐ-UBND\\nvề Kỹ THUậT mới")
    'CỘNG HÒA xã hội\\nVỀ VIỆC\\nSố: 12/QĐ-UBND\\nvề KỸ THUẬT mới'
    """
    if _TCVN3_LOWER_ONLY.isdisjoint(text):
        return text
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        if line.islower() or _TCVN3_LOWER_ONLY.isdisjoint(line):
            continue  # no capital to go by, or nothing to recover
        words = list(_LETTER_RUN.finditer(line))
        if not any(ch in _TCVN3_LOWER_ONLY for word in words for ch in word.group()):
            continue
        capitals = [_capitals(word.group()) for word in words]
        toned = [not _TCVN3_LOWER_ONLY.isdisjoint(word.group()) for word in words]
        caps = [count >= 2 for count in capitals]
        if not any(caps):
            continue
        if -1 not in capitals and (any(c and t for c, t in zip(caps, toned)) or sum(caps) >= 3):
            lines[number] = line.translate(_TCVN3_CAPITAL)
            continue
        upper = list(caps)
        for index, count in enumerate(capitals):
            if count == 1 and toned[index]:
                neighbours = [j for j in (index - 1, index + 1) if 0 <= j < len(words)]
                upper[index] = any(caps[j] and toned[j] for j in neighbours)
        pieces, last = [], 0
        for word, make_upper in zip(words, upper):
            if make_upper:
                pieces += [line[last : word.start()], word.group().translate(_TCVN3_CAPITAL)]
                last = word.end()
        lines[number] = "".join(pieces) + line[last:]
    return "".join(lines)


# ---------------------------------------------------------------------------
# Windows-1258: tone marks as combining characters.
# ---------------------------------------------------------------------------

_COMBINING_RUN = re.compile(r"[A-Za-z\u00C0-\u024F][\u0300-\u036F]+")
_TONE_CHARS = frozenset(_TONE_MARKS[1:])


def _compose(text: str) -> str:
    """NFC for Latin letters followed by combining marks; everything else as it is."""
    return _COMBINING_RUN.sub(lambda m: unicodedata.normalize("NFC", m.group()), text)


def _encode_cp1258(text: str, errors: str = "strict") -> bytes:
    """Windows-1258 as Windows writes Vietnamese: precomposed where the code page
    has the letter (á, â, ơ, đ …), otherwise the letter without its tone mark
    followed by the combining tone mark (ấ → â + U+0301)."""
    out = bytearray()
    for index, ch in enumerate(text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = [mark for mark in parts if mark in _TONE_CHARS]
        base = unicodedata.normalize("NFC", "".join(mark for mark in parts if mark not in _TONE_CHARS))
        try:
            if len(tones) != 1:
                raise UnicodeEncodeError("cp1258", text, index, index + 1, "not in the code page")
            out += (base + tones[0]).encode("cp1258")
        except UnicodeEncodeError:
            if errors != "replace":
                raise UnicodeEncodeError("cp1258", text, index, index + 1, "not in the code page") from None
            out += b"?"
    return bytes(out)


# ---------------------------------------------------------------------------
# VIQR (RFC 1456): marks typed after the letter, only when asked for.
# ---------------------------------------------------------------------------

_VIQR_QUALITY = {"(": "\u0306", "^": "\u0302", "+": "\u031B"}
_VIQR_QUALITY_BASES = {"(": "aA", "^": "aeoAEO", "+": "ouOU"}
_VIQR_TONES = {"`": "\u0300", "'": "\u0301", "?": "\u0309", "~": "\u0303", ".": "\u0323"}
_VIQR_MARKS = frozenset(_VIQR_QUALITY) | frozenset(_VIQR_TONES)
_VIQR_VOWELS = frozenset("aeiouyAEIOUY")
_VIQR_OF_MARK = {mark: char for char, mark in {**_VIQR_QUALITY, **_VIQR_TONES}.items()}


def _decode_viqr(text: str) -> str:
    """Read VIQR: ``Vie^.t Nam`` → ``Việt Nam``, ``DDi^.a`` → ``Địa``.

    A mark character right after a vowel it can modify is a mark (RFC 1456);
    ``\\`` before it keeps it literal.  ``dd`` is đ at the start of a word,
    ``DD`` anywhere (``QDD`` is QĐ).  At the end of a word, where a mark and
    punctuation look alike, a tone mark is taken only when the word has no tone
    yet and becomes a valid syllable, and ``.`` or ``?`` before a line end is
    always punctuation.
    """
    out: list[str] = []  # letters as NFD clusters, other characters as they are
    word_start = 0
    index, length = 0, len(text)
    while index < length:
        ch = text[index]
        prev_is_letter = bool(out) and out[-1][:1].isalpha()
        if ch == "\\" and index + 1 < length and (text[index + 1] in _VIQR_MARKS or text[index + 1] in "dD"):
            out.append(text[index + 1])
            index += 2
            continue
        pair = text[index : index + 2]
        if pair in ("dd", "Dd", "DD") and (not prev_is_letter or pair == "DD"):
            out.append("đ" if ch == "d" else "Đ")
            word_start = len(out) - 1
            index += 2
            continue
        if ch.isalpha():
            if not prev_is_letter:
                word_start = len(out)
            out.append(ch)
            index += 1
            continue
        if prev_is_letter and out[-1][0] in _VIQR_VOWELS and ch in _VIQR_MARKS:
            cluster = out[-1]
            following = text[index + 1 : index + 2]
            mid_word = following.isalpha() or following in _VIQR_MARKS
            if ch in _VIQR_QUALITY:
                if cluster[0] in _VIQR_QUALITY_BASES[ch] and len(cluster) == 1:
                    out[-1] = cluster + _VIQR_QUALITY[ch]
                    index += 1
                    continue
            elif not any(mark in _TONE_CHARS for mark in cluster):
                word = "".join(out[word_start:])
                has_tone = any(mark in _TONE_CHARS for mark in unicodedata.normalize("NFD", word))
                sentence_end = ch in ".?" and following in ("", "\n", "\r")
                candidate = unicodedata.normalize("NFC", word + _VIQR_TONES[ch])
                if mid_word or (not has_tone and not sentence_end and is_valid(candidate)):
                    out[-1] = cluster + _VIQR_TONES[ch]
                    index += 1
                    continue
        out.append(ch)
        index += 1
    return unicodedata.normalize("NFC", "".join(out))


def _encode_viqr(text: str) -> str:
    out = []
    after_vowel = False
    for ch in text:
        if ch in "đĐ":
            out.append("dd" if ch == "đ" else "DD")
            after_vowel = False
            continue
        parts = unicodedata.normalize("NFD", ch)
        if parts[0] in _VIQR_VOWELS and all(mark in _VIQR_OF_MARK for mark in parts[1:]):
            quality = [_VIQR_OF_MARK[m] for m in parts[1:] if m not in _TONE_CHARS]
            tone = [_VIQR_OF_MARK[m] for m in parts[1:] if m in _TONE_CHARS]
            out.append(parts[0] + "".join(quality) + "".join(tone))
            after_vowel = True
            continue
        if (ch in _VIQR_MARKS and after_vowel) or (ch in "dD" and out and out[-1] in ("d", "D")):
            out.append("\\")
        out.append(ch)
        after_vowel = ch in _VIQR_MARKS and after_vowel
    return "".join(out)


# ---------------------------------------------------------------------------
# How Vietnamese a reading looks.
# ---------------------------------------------------------------------------

_CONSONANTS = frozenset("bcdđfghjklmnpqrstvwxz")
_VIETNAMESE_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz") | frozenset(
    ch for ch in MARKED_LETTERS if ch.islower()
)
# Windows-1252 signs that a legacy letter byte shows as: after a letter (or, for
# signs also used after words, between two letters) they mean a misreading.
_SIGNS_AFTER_LETTER = "¡¢¤¥¦§¨ª¬¯±´µ¶·¸¹º¼½¾¿×÷ˆ˜"
_SIGNS_BETWEEN_LETTERS = "€‚„…†‡‰•™©®°²³»«\xa0"
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v\x1a")  # \x1a ends many DOS-era files


class Evidence(NamedTuple):
    """Letter runs that look Vietnamese (``good``), that cannot be (``bad``), of ``words``.

    ``common`` adds up the Zipf frequencies of the good ones: between two
    readings with as much evidence, the one in commoner words wins.
    """

    good: int
    bad: int
    words: int
    common: float = 0.0

    @property
    def net(self) -> int:
        return self.good - self.bad

    @property
    def rank(self) -> tuple[int, float]:
        return self.net, self.common


#: Frequency (wordfreq's, per word) from which a syllable counts as seen in use.
KNOWN_FREQUENCY = 1e-7


@functools.lru_cache(maxsize=1)
def _syllable_frequencies() -> dict[str, float]:
    from wordfreq import get_frequency_dict  # a dependency of the package

    return get_frequency_dict("vi")


def _frequency(word: str) -> float:
    """How common *word* (lowercase) is in Vietnamese, in either tone style."""
    frequencies = _syllable_frequencies()
    return max(frequencies.get(word, 0.0), frequencies.get(canonical(word), 0.0))


@functools.lru_cache(maxsize=1 << 16)
def _word_evidence(word: str) -> float:
    """The Zipf frequency (> 0) of a marked syllable in common use; -1 for an
    impossible one or a foreign letter; 0 for the rest.

    A possible syllable nobody writes ("sè", "cã") says nothing: misreadings
    make such syllables by chance.
    """
    lower = word.lower()
    if not _VIETNAMESE_LETTERS.issuperset(lower):
        return -1
    if not has_marks(lower) or _CONSONANTS.issuperset(lower):
        return 0  # no mark, or an abbreviation ("đ" for đồng, "NĐ", "HĐND")
    if not is_valid(lower):
        return -1
    frequency = _frequency(lower)
    return math.log10(frequency) + 9 if frequency >= KNOWN_FREQUENCY else 0


_SUSPECT = re.compile(
    r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f\ufffd]"
    r"|[\u0370-\u07ff]"  # Greek to NKo: what two legacy bytes make when they happen to be UTF-8
    rf"|(?<=[^\W\d_])[{_SIGNS_AFTER_LETTER}]"
    rf"|(?<=[^\W\d_])[{_SIGNS_BETWEEN_LETTERS}](?=[^\W\d_])"
)


def vietnamese_evidence(text: str, limit: int = 50_000, shortest: int = 1) -> Evidence:
    """Count how Vietnamese *text* (NFC) looks, over its first *limit* letter runs (those of
    *shortest* letters or more: see :func:`_read_utf8`).

    >>> vietnamese_evidence("Cộng hòa xã hội")[:3]
    (4, 0, 4)
    >>> vietnamese_evidence("Céng hßa x· héi")
    Evidence(good=0, bad=4, words=4, common=0.0)
    """
    good = bad = words = 0
    common = 0.0
    for words, match in enumerate(_LETTER_RUN.finditer(text), start=1):
        if match.end() - match.start() < shortest:
            continue
        value = _word_evidence(match.group())
        if value > 0:
            good += 1
            common += value
        elif value < 0:
            bad += 1
        if words >= limit:
            text = text[: match.end()]
            break
    bad += len(_SUSPECT.findall(text))
    return Evidence(good, bad, words, round(common, 2))


_ASCII_LETTER = re.compile(r"[A-Za-z]")
_ANY_LETTER = re.compile(r"[^\W\d_]")
_BROKEN = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f\ufffd]")


def _acceptable(evidence: Evidence, text: str, name: str) -> bool:
    """A reading is text when its misfits are outweighed or a small minority.

    Windows-1258 also takes text in another Latin-script language (a French
    name in an English letter): no broken character, three letters in four ASCII.
    """
    if evidence.bad <= evidence.good or evidence.bad <= 0.02 * evidence.words:
        return True
    if name != "cp1258" or _BROKEN.search(text):
        return False
    letters = len(_ANY_LETTER.findall(text))
    return letters > 0 and len(_ASCII_LETTER.findall(text)) >= 0.75 * letters


# ---------------------------------------------------------------------------
# Binary files and byte-order marks.
# ---------------------------------------------------------------------------

_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx/.odt)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE2 file (Word .doc, Excel .xls)"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip file"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "a Windows executable"),
)

_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8"),
    (b"\xff\xfe", "utf-16", "utf-16-le"),
    (b"\xfe\xff", "utf-16", "utf-16-be"),
)


def _check_binary(data: bytes) -> None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            if magic == b"MZ" and b"\x00" not in data[:512]:
                continue  # "MZ" also starts ordinary text
            raise BinaryFileError(f"binary data: {what}, not a text file", 0)


def _check_nul(data: bytes) -> None:
    nul = data.find(b"\x00")
    if nul >= 0:
        raise BinaryFileError(f"binary data: NUL byte at offset {nul}, not a text file", nul)


def _bom(data: bytes) -> tuple[str, str] | None:
    for mark, name, codec in _BOMS:
        if data.startswith(mark):
            return name, codec
    return None


def _strict_decode(data: bytes, codec: str, name: str, skip: int = 0) -> str:
    try:
        return data[skip:].decode(codec)
    except UnicodeDecodeError as err:
        offset = skip + err.start
        raise UndecodableError(
            f"not {name}: byte 0x{data[offset]:02x} at offset {offset} cannot be decoded", offset
        ) from None


# ---------------------------------------------------------------------------
# Decoding.
# ---------------------------------------------------------------------------

def _decode_legacy_view(view: str, name: str) -> str:
    if name == "cp1258":
        return _compose(view)  # the view of cp1258 bytes is already their text
    text = _TABLE_CODECS[name].decode_view(view)
    return _recover_tcvn3_capitals(text) if name == "tcvn3" else text


def _cp1258_text(data: bytes, errors: str = "replace") -> str:
    return _compose(data.decode("cp1258", errors=errors))


def _fix_cp1252_utf8(text: str) -> str | None:
    """The repair of UTF-8 read as Windows-1252, or None when there is none.

    ftfy's, which also mends what the misreading lost (a no-break space that
    became a space); where ftfy sees too little to act (a short all-caps line),
    the plain reversal when it is valid UTF-8.
    """
    import ftfy  # imported here so that plain decoding does not pay for it

    fixed, steps = ftfy.fix_encoding_and_explain(text)
    if fixed != text and any(step[0] == "decode" and step[1].startswith("utf-8") for step in steps):
        return fixed
    raw = _view_to_bytes(text)
    if raw is None or raw.isascii():
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _split_bom(text: str) -> tuple[str, str]:
    return ("\ufeff", text[1:]) if text.startswith("\ufeff") else ("", text)


def _read_utf8(data: bytes, text: str, name: str) -> Decoded:
    """Valid UTF-8: as it is, unless another reading is clearly more Vietnamese.

    The other readings: the ``*-as-cp1252`` repairs of the text, and, when
    misfits are a fair share of its evidence, the legacy readings of the bytes
    themselves (a short VISCII text can be valid UTF-8 by chance; a long one
    cannot).  A reading must look Vietnamese
    (more good words than bad) and beat the text as it is; ftfy's repair,
    which only acts on text it judges broken, may also tie with it.  Words of
    one letter are no evidence here: a sign standing alone in unmarked text
    ("2 × 3", "± 5%") reads as a lone vowel with a mark in a legacy table; and
    a reading must make a quarter of the words or more good syllables, as a
    Vietnamese text does (the "m³" of a stripped text reads as one).
    """
    if text.isascii() or all("\u2010" <= ch <= "\u205e" or ch == "\xa0" for ch in text if not ch.isascii()):
        # Beyond ASCII only dashes, quotes, ellipses (General Punctuation): stripped or English text
        # ("Doc lap – Tu do"). Read as VISCII in cp1252 clothes, "–" would become "Ờ"; a real VISCII
        # text has small letters with marks too, which cp1252 shows as other letters (Ã, ä, ø, …).
        return Decoded(text, name)
    text = _compose(text)
    bom, body = _split_bom(text)
    as_is = vietnamese_evidence(body, shortest=2)
    readings: list[tuple[str, str]] = []
    repaired = _fix_cp1252_utf8(body)
    if repaired is not None:
        readings.append((bom + _compose(repaired), "utf-8-as-cp1252"))
    if _view_to_bytes(body) is not None:
        for legacy in ("tcvn3", "vni", "viscii"):
            readings.append((bom + _decode_legacy_view(body, legacy), f"{legacy}-as-cp1252"))
    if as_is.bad and as_is.bad * 5 >= as_is.good:
        body_bytes = data[len(bom.encode("utf-8")) :]
        for legacy in AUTO_ENCODINGS:
            readings.append((bom + _legacy_text(body_bytes, legacy), legacy))
    best: tuple[Evidence, str, str] | None = None
    for candidate, candidate_name in readings:
        evidence = vietnamese_evidence(candidate, shortest=2)
        if evidence.good <= evidence.bad or evidence.net < as_is.net or 4 * evidence.good < evidence.words:
            continue
        if evidence.net == as_is.net and candidate_name != "utf-8-as-cp1252":
            continue
        if best is None or evidence.rank > best[0].rank:
            best = (evidence, candidate, candidate_name)
    if best is None:
        return Decoded(text, name)
    return Decoded(best[1], best[2])


def _legacy_text(data: bytes, name: str) -> str:
    if name == "cp1258":
        return _cp1258_text(data)
    return _decode_legacy_view(_bytes_to_view(data), name)


def _read_legacy(data: bytes, utf8_error: UnicodeDecodeError) -> Decoded:
    """Bytes that are not UTF-8: the 8-bit reading that looks most Vietnamese."""
    best: tuple[Evidence, str, str] | None = None
    for name in AUTO_ENCODINGS:
        text = _legacy_text(data, name)
        evidence = vietnamese_evidence(text)
        if best is None or evidence.rank > best[0].rank:
            best = (evidence, text, name)
    assert best is not None
    evidence, text, name = best
    if not _acceptable(evidence, text, name):
        latin = _legacy_text(data, "cp1258")
        if _acceptable(vietnamese_evidence(latin), latin, "cp1258"):
            return Decoded(latin, "cp1258")
        offset = utf8_error.start
        raise UndecodableError(
            f"cannot decode: byte 0x{data[offset]:02x} at offset {offset} is not UTF-8, and no "
            f"Vietnamese legacy encoding ({', '.join(AUTO_ENCODINGS)}) reads the file as text "
            f"(best: {name}, {evidence.bad} of {evidence.words} words impossible)",
            offset,
        )
    return Decoded(text, name)


def _first_undefined(view: str, name: str) -> int | None:
    """Index of the first byte that is neither a letter of *name* nor Windows-1252."""
    holes = _C1_HOLES - set(_TABLE_CODECS[name].decodes)
    for index, ch in enumerate(view):
        if ch in holes:
            return index
    return None


def _decode_forced(data: bytes, name: str) -> Decoded:
    if name in ("utf-8", "utf-8-sig"):
        return Decoded(_compose(_strict_decode(data, "utf-8", "UTF-8")), name)
    if name in ("utf-16", "utf-32"):
        bom = _bom(data)
        if bom is not None and bom[0] == name:
            mark = {"utf-16": 2, "utf-32": 4}[name]
            return Decoded("\ufeff" + _compose(_strict_decode(data, bom[1], name.upper(), mark)), name)
        return Decoded(_compose(_strict_decode(data, name, name.upper())), name)
    if name == "cp1258":
        return Decoded(_compose(_strict_decode(data, "cp1258", "Windows-1258")), name)
    if name == "viqr":
        return Decoded(_decode_viqr(_strict_decode(data, "utf-8", "VIQR (ASCII)")), name)
    if name in _TABLE_CODECS:
        view = _bytes_to_view(data)
        hole = _first_undefined(view, name)
        if hole is not None:
            raise UndecodableError(f"not {name}: byte 0x{data[hole]:02x} at offset {hole} is undefined", hole)
        return Decoded(_decode_legacy_view(view, name), name)
    # The mojibake forms: UTF-8 text whose characters are Windows-1252 readings of bytes.
    bom, body = _split_bom(_strict_decode(data, "utf-8", "UTF-8"))
    legacy = name.split("-as-")[0]
    if legacy == "utf-8":
        repaired = _fix_cp1252_utf8(body)
        return Decoded(bom + _compose(repaired if repaired is not None else body), name)
    for index, ch in enumerate(body):
        if ch not in _CP1252_BYTE:
            offset = len((bom + body[:index]).encode("utf-8"))
            raise UndecodableError(
                f"not {name}: {ch!r} at byte offset {offset} is not a Windows-1252 character", offset
            )
    return Decoded(bom + _decode_legacy_view(body, legacy), name)


def decode_document(data: bytes, encoding: str | None = None) -> Decoded:
    """The text of a document's bytes, in NFC, and the encoding it was read in.

    With *encoding* (a name from :data:`ENCODINGS`), read it so; otherwise
    detect it.  Raises :class:`BinaryFileError` for binary files and
    :class:`UndecodableError` when no encoding fits.

    >>> decode_document("Hà Nội".encode("utf-8"))
    Decoded(text='Hà Nội', encoding='utf-8')
    >>> decode_document("Coäng hoøa".encode("cp1252"))
    Decoded(text='Cộng hòa', encoding='vni')
    >>> decode_document(b"")
    Decoded(text='', encoding='utf-8')
    """
    if encoding is not None:
        return _decode_forced(data, _canonical_name(encoding))
    _check_binary(data)
    bom = _bom(data)
    if bom is not None:
        name, codec = bom
        if name in ("utf-16", "utf-32"):
            return _decode_forced(data, name)
        return _read_utf8(data, _strict_decode(data, "utf-8", "UTF-8"), name)
    _check_nul(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return _read_legacy(data, err)
    return _read_utf8(data, text, "utf-8")


# ---------------------------------------------------------------------------
# Encoding (for tests and benchmarks).
# ---------------------------------------------------------------------------

def encode_document(text: str, encoding: str, errors: str = "strict") -> bytes:
    """*text* (NFC first) written in *encoding*, a name from :data:`ENCODINGS`.

    ``errors="replace"`` writes ``?`` for characters the encoding lacks;
    otherwise they raise :class:`UnicodeEncodeError`.  TCVN3 writes capitals
    with a tone mark as their lowercase code, as the ``.VnTimeH`` fonts expect.
    The ``*-as-cp1252`` forms give the UTF-8 bytes of the legacy bytes read as
    Windows-1252.

    >>> encode_document("Việt Nam", "vni")
    b'Vie\\xe4t Nam'
    >>> encode_document("Việt Nam", "tcvn3-as-cp1252").decode("utf-8")
    'ViÖt Nam'
    """
    name = _canonical_name(encoding)
    if errors not in ("strict", "replace"):
        raise ValueError(f"errors must be 'strict' or 'replace', not {errors!r}")
    text = unicodedata.normalize("NFC", text)
    if name in ("utf-8", "utf-8-sig"):
        if name == "utf-8-sig" and not text.startswith("\ufeff"):
            text = "\ufeff" + text
        return text.encode("utf-8")
    if name in ("utf-16", "utf-32"):
        bom, body = _split_bom(text)
        return ("\ufeff" + body).encode(f"{name}-le")
    if name == "cp1258":
        return _encode_cp1258(text, errors)
    if name == "viqr":
        return _encode_viqr(text).encode("utf-8", errors="replace" if errors == "replace" else "strict")
    if name in _TABLE_CODECS:
        raw = _view_to_bytes(_TABLE_CODECS[name].encode_view(text, errors))
        assert raw is not None  # the codec writes only Windows-1252 characters
        return raw
    bom, body = _split_bom(text)
    legacy = name.split("-as-")[0]
    if legacy == "utf-8":
        raw = body.encode("utf-8")
    else:
        raw = encode_document(body, legacy, errors)
    return (bom + _bytes_to_view(raw)).encode("utf-8")
