"""OCR repair figures on the held-out (OCR, truth) pairs: ../shared/ocr and build/ocr-pairs/held-out.

For each degradation level, over the documents of the held-out split (never
used to learn the channel or tune anything):

* word accuracy (words lowercased, tone placement folded, aligned over whole
  documents), CER and WER (whitespace words, case and punctuation kept) of
  the raw OCR, of diacritics-fix, of the stripped-text restorer run on the
  OCR with its marks removed (what a diacritic restorer without a channel
  can do), of the unigram baseline on the same, and of Tesseract's own
  Vietnamese model reading the page images (``-l vie``: a reference that
  needs the images, which users no longer have);
* numbers kept: of the tokens with digits that the OCR read exactly as the
  truth has them (per line), the share diacritics-fix leaves unchanged;
* words/s of diacritics-fix on the OCR input, one core, first pass.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from corpus import SHARED_PAIRS, matched_words, ocr_pairs, strip_marks

OCR_DIR = SHARED_PAIRS
LEVELS = ("dev-clean", "dev-scan", "dev-poor")


def pairs(level: str, source: str = "all") -> list[tuple[str, str, str | None]]:
    """(truth, ocr, vie reading or None) for the held-out documents of a level (``dev-scan``).

    *source* as in :func:`corpus.ocr_pairs`: the shared pairs, those made by
    ``scripts/make_ocr_pairs.py``, or both.
    """
    found = []
    for truth_path in ocr_pairs(level.removeprefix("dev-"), "held-out", source):
        name = truth_path.name.split(".")[0]
        vie = truth_path.with_name(f"{name}.vie.txt")
        found.append((
            truth_path.read_text(encoding="utf-8"),
            truth_path.with_name(f"{name}.ocr.txt").read_text(encoding="utf-8"),
            vie.read_text(encoding="utf-8") if vie.exists() else None,
        ))
    return found


def error_rates(truths: list[str], outputs: list[str]) -> tuple[float, float, float]:
    """(word accuracy, CER, WER) over whole documents, micro-averaged."""
    good = total = char_edits = chars = word_edits = words = 0
    for truth, output in zip(truths, outputs):
        g, n = matched_words(truth, output)
        good += g
        total += n
        t, o = " ".join(truth.split()), " ".join(output.split())
        char_edits += Levenshtein.distance(t, o)
        chars += len(t)
        word_edits += Levenshtein.distance(truth.split(), output.split())
        words += len(truth.split())
    return good / total, char_edits / chars, word_edits / words


def numbers_kept(truths: list[str], ocrs: list[str], outputs: list[str]) -> tuple[int, int]:
    """(kept, seen): digit tokens the OCR read right (per line) that the output still has."""
    kept = seen = 0
    for truth, ocr, output in zip(truths, ocrs, outputs):
        for t_line, o_line, r_line in zip(truth.splitlines(), ocr.splitlines(), output.splitlines()):
            right = Counter(w for w in o_line.split() if any(c.isdigit() for c in w)) & Counter(t_line.split())
            after = Counter(r_line.split())
            for word, count in right.items():
                seen += count
                kept += min(count, after[word])
    return kept, seen


def measure_level(level: str, systems: dict, source: str = "all") -> list[dict]:
    """Rows for one level: raw OCR, each system, and the -l vie reference."""
    data = pairs(level, source)
    truths = [t for t, _, _ in data]
    ocrs = [o for _, o, _ in data]
    rows = [{"level": level, "system": "raw OCR (-l eng)", "scores": error_rates(truths, ocrs)}]
    for name, restore in systems.items():
        inputs = ocrs if name == "diacritics-fix" else [strip_marks(o) for o in ocrs]
        started = time.perf_counter()
        outputs = [restore(text) for text in inputs]
        elapsed = time.perf_counter() - started
        row = {"level": level, "system": name if name == "diacritics-fix" else f"{name} (marks stripped first)",
               "scores": error_rates(truths, outputs)}
        if name == "diacritics-fix":
            row["words_per_second"] = sum(len(o.split()) for o in ocrs) / elapsed
            row["numbers"] = numbers_kept(truths, ocrs, outputs)
        rows.append(row)
    vie = [v for _, _, v in data]
    if all(v is not None for v in vie):
        rows.append({"level": level, "system": "Tesseract -l vie (reference)", "scores": error_rates(truths, vie)})
    for row in rows:
        row["documents"] = len(data)
    return rows
