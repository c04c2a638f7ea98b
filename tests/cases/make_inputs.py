# SPDX-License-Identifier: GPL-3.0-or-later
"""Regenerate the stripped ("input") side of the test data from the accented side.

The accented text is the source of truth; the stripped text is never edited by
hand.  This script rewrites:

* ``tests/cases/stripped.json`` and ``everyday.json``: for every case, ``"input"`` is recomputed from
  ``"expected"``.  Keys are written in the order label, input, expected,
  comment (any other keys follow, unchanged).
* ``examples/cong-van.txt``: recomputed from ``examples/cong-van.expected.txt``.
  Line endings (LF, CRLF) and a leading BOM are preserved byte for byte.

How a string is stripped (``strip_diacritics``), character by character:

1. ``đ`` -> ``d`` and ``Đ`` -> ``D``.
2. Any other character is decomposed (NFD).  If it is a vowel ``a e i o u y``
   (either case) carrying only Vietnamese marks -- grave, acute, tilde, hook
   above, dot below (the five tones), circumflex, breve, horn -- it is replaced
   by the bare vowel.  For NFC Vietnamese text this is exactly "NFD, drop the
   combining marks, NFC".
3. Every other character is kept as it is: ASCII, digits, punctuation, the BOM,
   CR/LF, tabs, emoji, and also non-Vietnamese letters such as ``ü`` or ``ñ``.

The ``"expected"`` strings must be NFC; the script refuses to run otherwise, so
that the only difference between input and expected is the diacritics.

JSON is written with ``ensure_ascii=False`` and two-space indentation so the
Vietnamese stays readable; invisible or easily-lost characters (BOM, zero-width
characters, non-breaking spaces, lone combining marks, other control/format
characters) are written as ``\\uXXXX`` escapes so that editors cannot silently
drop or normalise them.

The script is idempotent: running it twice gives the same bytes, and a run on
up-to-date files writes nothing.

Usage (from the repository root or anywhere)::

    python tests/cases/make_inputs.py          # rewrite files that are stale
    python tests/cases/make_inputs.py --check  # exit 1 if anything is stale
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
STRIPPED_JSON = HERE / "stripped.json"
EVERYDAY_JSON = HERE / "everyday.json"
EXAMPLE_EXPECTED = ROOT / "examples" / "cong-van.expected.txt"
EXAMPLE_STRIPPED = ROOT / "examples" / "cong-van.txt"

# Combining marks used by Vietnamese: the five tone marks and the three
# vowel-quality marks.
VIETNAMESE_MARKS = frozenset(
    "\u0300"  # grave (huyền)
    "\u0301"  # acute (sắc)
    "\u0303"  # tilde (ngã)
    "\u0309"  # hook above (hỏi)
    "\u0323"  # dot below (nặng)
    "\u0302"  # circumflex (â ê ô)
    "\u0306"  # breve (ă)
    "\u031b"  # horn (ơ ư)
)
VOWELS = frozenset("aeiouyAEIOUY")
KEY_ORDER = ("label", "input", "expected", "comment")


def _strip_char(ch: str) -> str:
    if ch == "đ":
        return "d"
    if ch == "Đ":
        return "D"
    decomposed = unicodedata.normalize("NFD", ch)
    if (
        len(decomposed) > 1
        and decomposed[0] in VOWELS
        and all(m in VIETNAMESE_MARKS for m in decomposed[1:])
    ):
        return decomposed[0]
    return ch


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics from NFC text, leaving everything else alone."""
    if not unicodedata.is_normalized("NFC", text):
        raise ValueError(f"text is not NFC: {text!r}")
    return "".join(_strip_char(ch) for ch in text)


def _needs_escape(ch: str) -> bool:
    if ch in "\n\r\t ":
        return False  # json.dumps already escapes \n \r \t; space is fine
    cat = unicodedata.category(ch)
    return cat[0] in "CMZ"  # control/format, combining marks, separators


def _escape(ch: str) -> str:
    code = ord(ch)
    if code > 0xFFFF:
        code -= 0x10000
        return "\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))
    return "\\u%04x" % code


def dumps(data) -> str:
    """Serialise test-case data the way all files in tests/cases are written."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    # All JSON syntax is ASCII, so these characters can only occur in strings.
    return "".join(_escape(c) if _needs_escape(c) else c for c in text) + "\n"


def regenerate_cases(path: Path = STRIPPED_JSON) -> str:
    cases = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for case in cases:
        case = dict(case, input=strip_diacritics(case["expected"]))
        ordered = {k: case[k] for k in KEY_ORDER if k in case}
        ordered.update((k, v) for k, v in case.items() if k not in KEY_ORDER)
        out.append(ordered)
    return dumps(out)


def regenerate_example(path: Path = EXAMPLE_EXPECTED) -> bytes:
    # newline="" keeps CRLF/LF exactly as they are in the file.
    with open(path, encoding="utf-8", newline="") as fh:
        text = fh.read()
    return strip_diacritics(text).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only report stale files; exit 1 if any"
    )
    args = parser.parse_args(argv)

    targets = [
        (STRIPPED_JSON, regenerate_cases().encode("utf-8")),
        (EVERYDAY_JSON, regenerate_cases(EVERYDAY_JSON).encode("utf-8")),
        (EXAMPLE_STRIPPED, regenerate_example()),
    ]
    stale = []
    for path, new in targets:
        old = path.read_bytes() if path.exists() else None
        if old == new:
            continue
        stale.append(path)
        if not args.check:
            path.write_bytes(new)
    for path in stale:
        verb = "stale" if args.check else "rewrote"
        print(f"{verb}: {path.relative_to(ROOT)}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
