"""Bilingual test documents built from the held-out corpus and English prose.

Two kinds, both deterministic (seeded):

* **interleaved** — the paragraphs of a Vietnamese document, stripped of their
  marks, alternating with paragraphs of English prose (the licence texts
  every Debian system ships in /usr/share/common-licenses);
* **inline** — Vietnamese sentences, stripped, with English terms in
  parentheses after some of them, as documents write them
  ("chuyển đổi số (digital transformation)").

Each builder returns (truth, input) pairs: the truth keeps the Vietnamese
marks and the English as written.
"""

from __future__ import annotations

import random
from pathlib import Path

from corpus import strip_marks

ENGLISH_DIR = Path("/usr/share/common-licenses")

INLINE_TERMS = (
    "digital transformation", "Internet of Things", "e-Government", "smart city", "big data",
    "cloud computing", "start-up", "artificial intelligence", "open data", "blockchain",
    "public-private partnership", "one-stop shop", "Global Positioning System", "machine learning",
    "supply chain", "e-commerce", "green growth", "circular economy", "know-how", "roadmap",
)


def english_paragraphs() -> list[str]:
    """Paragraphs of English prose (blank-line separated), joined onto one line each."""
    paragraphs = []
    for path in sorted(ENGLISH_DIR.glob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for block in text.split("\n\n"):
            line = " ".join(block.split())
            if len(line.split()) >= 8:
                paragraphs.append(line)
    return paragraphs


def interleaved(truths: list[str], seed: int = 1) -> list[tuple[str, str]]:
    """Vietnamese paragraphs (stripped in the input) alternating with English ones."""
    english = english_paragraphs()
    rng = random.Random(seed)
    pairs = []
    for truth in truths:
        truth_lines, input_lines = [], []
        for line in truth.splitlines():
            truth_lines.append(line)
            input_lines.append(strip_marks(line))
            if english and rng.random() < 0.5:
                paragraph = rng.choice(english)
                truth_lines.append(paragraph)
                input_lines.append(paragraph)
        pairs.append(("\n".join(truth_lines), "\n".join(input_lines)))
    return pairs


def inline(truths: list[str], seed: int = 2) -> list[tuple[str, str]]:
    """Vietnamese sentences with English terms in parentheses after about a third of them."""
    rng = random.Random(seed)
    pairs = []
    for truth in truths:
        truth_lines = []
        for line in truth.splitlines():
            sentences = line.split(". ")
            for i, sentence in enumerate(sentences):
                if len(sentence.split()) > 4 and rng.random() < 0.35:
                    words = sentence.split()
                    cut = rng.randrange(2, len(words))
                    words.insert(cut, f"({rng.choice(INLINE_TERMS)})")
                    sentences[i] = " ".join(words)
            truth_lines.append(". ".join(sentences))
        mixed = "\n".join(truth_lines)
        pairs.append((mixed, strip_marks(mixed)))
    return pairs
