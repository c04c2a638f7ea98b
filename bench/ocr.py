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
* words/s of diacritics-fix on the OCR input, one core, first pass;
* the misses of diacritics-fix by cause (:func:`miss_causes`).
"""

from __future__ import annotations

import time
from collections import Counter

from rapidfuzz.distance import Levenshtein

from corpus import SHARED_PAIRS, matched_words, ocr_pairs, strip_marks

from diacritics_fix.channel import align_tokens, truth_core
from diacritics_fix.syllable import canonical, is_valid

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


#: The causes of a miss, in the order the table gives them.
CAUSES = ("no candidate proposed", "proposed, not chosen", "split or merge", "not a syllable")


def miss_causes(truths: list[str], ocrs: list[str], outputs: list[str], readings) -> Counter:
    """Why the words of the truth that the output misses were missed, and how many words there were.

    Line by line, truth words are lined up with the output's words and with
    the OCR's (``channel.align_tokens``).  A truth word (with letters) not
    matched one-to-one by the same output word (lowercase, tone placement
    folded) is a miss: *split or merge* when the OCR printed it glued to a
    neighbour, torn in two or not at all; *not a syllable* when it is a name,
    code or foreign word the lexicon does not hold; else *proposed, not
    chosen* when it is among the readings the channel gives its OCR token
    (*readings*: token → set of syllables), and *no candidate proposed* when
    it is not (a reading the context proposed and the decoder did not take
    counts here too).
    """
    causes: Counter = Counter()
    for truth, ocr, output in zip(truths, ocrs, outputs):
        for t_line, o_line, r_line in zip(truth.split("\n"), ocr.split("\n"), output.split("\n")):
            t_words, o_words, r_words = t_line.split(), o_line.split(), r_line.split()
            right = {ts for ts, te, rs, re_ in align_tokens(t_words, r_words)
                     if te - ts == 1 and re_ - rs == 1 and _fold(t_words[ts]) == _fold(r_words[rs])}
            for ts, te, os_, oe in align_tokens(t_words, o_words):
                for i in range(ts, te):
                    core = truth_core(t_words[i])
                    if not any(ch.isalpha() for ch in core):
                        continue  # numbers and punctuation: see numbers kept
                    causes["words"] += 1
                    if i in right:
                        continue
                    syllable = canonical(core)
                    if te - ts != 1 or oe - os_ != 1:
                        causes["split or merge"] += 1
                    elif not is_valid(syllable):
                        causes["not a syllable"] += 1
                    elif syllable in readings(o_words[os_]):
                        causes["proposed, not chosen"] += 1
                    else:
                        causes["no candidate proposed"] += 1
    return causes


def _fold(word: str) -> str:
    core = truth_core(word)
    return canonical(core) if is_valid(canonical(core)) else core


def measure_level(level: str, systems: dict, source: str = "all", readings=None) -> list[dict]:
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
            if readings is not None:
                row["causes"] = miss_causes(truths, ocrs, outputs, readings)
        rows.append(row)
    vie = [v for _, _, v in data]
    if all(v is not None for v in vie):
        rows.append({"level": level, "system": "Tesseract -l vie (reference)", "scores": error_rates(truths, vie)})
    for row in rows:
        row["documents"] = len(data)
    return rows
