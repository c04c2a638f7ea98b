#!/usr/bin/env python3
"""Check the hand-written lists: data/phrases/*.txt and data/abbreviations.txt.

    python scripts/check_lists.py [DATA_DIR]

Every list: UTF-8, NFC, a ``# `` header naming its license, then one entry a
line, no blank lines, no trailing spaces, sorted with Python's sorted(), no
duplicates.  Phrases: two syllables or more, each a valid Vietnamese syllable
(diacritics_fix.syllable.is_valid) or a short all-caps abbreviation, tone
marks of open oa/oe/uy on the first vowel (hòa, thủy, khỏe).  Abbreviations:
capital letters only, with Đ in them.  Prints the count per file; exit 1 on
any problem.
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from diacritics_fix.syllable import is_valid, tone_style  # noqa: E402


def read_entries(path: Path, problems: list[str]) -> list[str]:
    """The entries of a list, after checking the things every list shares."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or not lines[0].startswith("# "):
        problems.append(f"{path.name}: no '# ' header")
    if not any("License:" in line for line in lines if line.startswith("#")):
        problems.append(f"{path.name}: the header names no license")
    entries = []
    for number, line in enumerate(lines, 1):
        if line.startswith("#"):
            continue
        where = f"{path.name}:{number}"
        if not line.strip():
            problems.append(f"{where}: blank line")
        elif line != line.strip():
            problems.append(f"{where}: spaces around {line!r}")
        elif unicodedata.normalize("NFC", line) != line:
            problems.append(f"{where}: not NFC")
        else:
            entries.append(line)
    if entries != sorted(entries):
        problems.append(f"{path.name}: not sorted")
    if len(set(entries)) != len(entries):
        problems.append(f"{path.name}: duplicates")
    return entries


def is_abbreviation(part: str) -> bool:
    return 1 < len(part) <= 6 and part.isupper() and part.isalpha()


def check_phrase(where: str, phrase: str, problems: list[str]) -> None:
    parts = phrase.replace(" - ", " ").split()
    if len(parts) < 2:
        problems.append(f"{where}: fewer than two syllables: {phrase!r}")
    for part in parts:
        if is_abbreviation(part):
            continue
        if not is_valid(part):
            problems.append(f"{where}: not a syllable: {part!r} in {phrase!r}")
        elif tone_style(part.lower()) == "hoà":
            problems.append(f"{where}: tone on the second vowel: {part!r} (write it hòa-style)")


def check_abbreviation(where: str, entry: str, problems: list[str]) -> None:
    if not (entry.isupper() and entry.replace("Đ", "").isalpha() and "Đ" in entry):
        problems.append(f"{where}: not a capital abbreviation with Đ: {entry!r}")


def main(argv: list[str]) -> int:
    data = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1] / "data"
    problems: list[str] = []
    total = 0
    lists = [(path, check_phrase) for path in sorted((data / "phrases").glob("*.txt"))]
    lists.append((data / "abbreviations.txt", check_abbreviation))
    for path, check in lists:
        entries = read_entries(path, problems)
        for entry in entries:
            check(path.name, entry, problems)
        total += len(entries)
        print(f"{path.name:20} {len(entries):6}")
    print(f"{'total':20} {total:6}")
    for problem in problems:
        print("PROBLEM", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
