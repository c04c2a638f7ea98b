"""The development corpus, its fixed split, and the word-accuracy metric.

The corpus lives outside the repository (``../shared/corpus/dev`` beside the
project root, or ``$DIACRITICS_FIX_CORPUS``).  Its documents are split once
and for all by number: every fifth document (``dev-0005``, ``dev-0010``, …) is
**held out** and only ever measured; the rest may be used for tuning.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from diacritics_fix.syllable import canonical

ROOT = Path(__file__).resolve().parents[1]
_SYLLABLE = re.compile(r"[^\W\d_]+")


def corpus_dir() -> Path:
    return Path(os.environ.get("DIACRITICS_FIX_CORPUS", ROOT.parent / "shared" / "corpus" / "dev"))


def is_held_out(name: str) -> bool:
    """dev-0005, dev-0010, …: never used for tuning."""
    number = int(re.sub(r"\D", "", Path(name).stem) or 0)
    return number % 5 == 0


def documents(split: str) -> list[Path]:
    """Paths of the ``held-out`` or ``tune`` documents, sorted."""
    paths = sorted(corpus_dir().glob("*.txt"))
    if split == "held-out":
        return [p for p in paths if is_held_out(p.name)]
    if split == "tune":
        return [p for p in paths if not is_held_out(p.name)]
    raise ValueError(split)


def strip_marks(text: str) -> str:
    """Remove every Vietnamese mark (đ → d); everything else unchanged."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", kept.replace("đ", "d").replace("Đ", "D"))


def words_for_scoring(text: str) -> list[str]:
    """Letter runs, lowercased, tone placement folded (hoà = hòa)."""
    return [canonical(w) for w in _SYLLABLE.findall(unicodedata.normalize("NFC", text).lower())]


def matched_words(truth: str, hypothesis: str) -> tuple[int, int]:
    """(truth words matched by an identical word under a whole-document alignment, truth words)."""
    ref, hyp = words_for_scoring(truth), words_for_scoring(hypothesis)
    if not ref:
        return 0, 0
    bad = sum(1 for op in Levenshtein.editops(ref, hyp) if op.tag in ("replace", "delete"))
    return len(ref) - bad, len(ref)
