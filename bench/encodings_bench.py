# SPDX-License-Identifier: GPL-3.0-or-later
"""Legacy encodings: share of letters right after encode → automatic decode.

    python bench/encodings_bench.py [N]

Each text of the development corpus (``../shared/corpus/dev`` or
``$DIACRITICS_FIX_CORPUS``, read in place, never copied) or, without it, the test paragraphs of ``tests/test_encodings.py``
is written in each legacy encoding with :func:`encode_document` and read back
with :func:`decode_document` without naming the encoding.  A letter is right
when it comes back identical (for TCVN3, identical ignoring case: its capitals
with tone marks share the lowercase codes; the last column counts case too,
to show how many capitals the decoder recovers from context).  Characters an encoding cannot
write (curly quotes in VISCII, say) are written as ``?`` and left out of the
count.  Target: 99.9 % of letters right.
"""

from __future__ import annotations

import difflib
import functools
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import corpus_dir  # noqa: E402
from diacritics_fix.encodings import decode_document, encode_document  # noqa: E402

ENCODINGS = (
    "cp1258", "tcvn3", "vni", "viscii",
    "tcvn3-as-cp1252", "vni-as-cp1252", "viscii-as-cp1252", "utf-8-as-cp1252",
)
CASELESS = ("tcvn3", "tcvn3-as-cp1252")


def texts(limit: int) -> tuple[str, list[str]]:
    paths = sorted(corpus_dir().glob("*.txt"))[:limit]
    if paths:
        return f"dev corpus ({len(paths)} documents)", [p.read_text(encoding="utf-8") for p in paths]
    from test_encodings import PARAGRAPHS  # the tests' own administrative text

    return f"test paragraphs ({len(PARAGRAPHS)})", list(PARAGRAPHS)


@functools.lru_cache(maxsize=None)
def can_write(ch: str, encoding: str) -> bool:
    try:
        encode_document(ch, encoding)
    except UnicodeEncodeError:
        return False
    return True


def writable(text: str, encoding: str) -> str:
    """*text* with the characters *encoding* cannot write replaced by ``?`` (one for one)."""
    return "".join(ch if can_write(ch, encoding) else "?" for ch in text)


def letters_right(truth: str, decoded: str, caseless: bool) -> tuple[int, int]:
    """(letters of *truth* that *decoded* has at the same place, letters of *truth*)."""
    if caseless:
        truth, decoded = truth.lower(), decoded.lower()
    total = sum(ch.isalpha() for ch in truth)
    if len(truth) == len(decoded):
        return sum(a == b for a, b in zip(truth, decoded) if a.isalpha()), total
    matcher = difflib.SequenceMatcher(None, truth, decoded, autojunk=False)
    right = sum(
        sum(ch.isalpha() for ch in truth[block.a : block.a + block.size])
        for block in matcher.get_matching_blocks()
    )
    return right, total


def main() -> None:
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 10**9
    source, documents = texts(limit)
    documents = [unicodedata.normalize("NFC", text) for text in documents]
    print(f"encode → auto-decode on {source}")
    print(
        f"{'encoding':<18} {'letters right':>14} {'letters':>10} {'detected':>10} "
        f"{'unwritable':>10} {'s':>6}  {'with case':>10}"
    )
    for encoding in ENCODINGS:
        right = total = detected = unwritable = cased = 0
        started = time.perf_counter()
        for text in documents:
            truth = writable(text, encoding)
            unwritable += sum(a != b for a, b in zip(text, truth))
            decoded = decode_document(encode_document(truth, encoding))
            detected += decoded.encoding == encoding
            r, t = letters_right(truth, decoded.text, encoding in CASELESS)
            right += r
            total += t
            cased += letters_right(truth, decoded.text, False)[0]
        elapsed = time.perf_counter() - started
        share = right / total if total else 1.0
        print(
            f"{encoding:<18} {share:>13.4%} {total:>10} {detected:>5}/{len(documents):<4} "
            f"{unwritable:>10} {elapsed:>6.1f}  {cased / total if total else 1.0:>10.4%}"
        )


if __name__ == "__main__":
    main()
