#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check the hand-written lists places.txt, names.txt and abbreviations.txt.

Each file: a "# " header naming the license, then one entry a line: UTF-8,
NFC, no empty lines, no stray spaces, no duplicates, sorted with Python's
sorted().  Place and name entries have two or more syllables (a lone "-" as
in "Bà Rịa - Vũng Tàu" is not a syllable) and put the tone mark of an open
oa/oe/uy rhyme on the first vowel (hòa, khỏe, thủy; not hoà, khoẻ, thuỷ).
Abbreviations are upper-case letters only, contain Đ, and no two of them
lose their Đ to the same stripped form.

Prints the count per file; exits 1 on any problem.
Usage: python scripts/check_lists.py [DATA_DIR]
"""
from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

LICENSE_LINE = "License: GPL-3.0-or-later (part of diacritics-fix)"
# Tone on the second vowel of an open oa/oe/uy rhyme ("quý" is qu + y, so fine).
NEW_STYLE_TONE = re.compile(r"(?<!q)(?:o[àáảãạ]|o[èéẻẽẹ]|u[ỳýỷỹỵ])$")
ABBREVIATION = re.compile(r"^[A-ZĐ]+$")


def read_entries(path: Path, problems: list[str]) -> list[str]:
    """The entries after the header; problems with the file's form are appended."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(f"{path.name}: not UTF-8 ({error})")
        return []
    if not text.endswith("\n"):
        problems.append(f"{path.name}: no newline at end of file")
    if "\r" in text or "\t" in text:
        problems.append(f"{path.name}: carriage return or tab in file")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = []
    while lines and lines[0].startswith("# "):
        header.append(lines.pop(0))
    if not header:
        problems.append(f"{path.name}: no '# ' header")
    else:
        if not any(LICENSE_LINE in line for line in header):
            problems.append(f"{path.name}: header does not state '{LICENSE_LINE}'")
        if not any("diacritics-fix" in line and "hand" in line.lower() for line in header):
            problems.append(f"{path.name}: header does not say it is hand-written for diacritics-fix")
    start = len(header) + 1
    entries = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start):
        where = f"{path.name}:{number}: {line!r}"
        if line == "":
            problems.append(f"{where}: empty line")
            continue
        if line.startswith("#"):
            problems.append(f"{where}: comment after the header")
            continue
        if line != unicodedata.normalize("NFC", line):
            problems.append(f"{where}: not NFC")
        if line != line.strip() or "  " in line:
            problems.append(f"{where}: stray spaces")
        if line in seen:
            problems.append(f"{where}: duplicate")
        seen.add(line)
        entries.append(line)
    for before, after in zip(entries, entries[1:]):
        if before > after:
            problems.append(f"{path.name}: not sorted ({before!r} before {after!r})")
            break
    return entries


def check_phrases(path: Path, entries: list[str], problems: list[str]) -> None:
    for entry in entries:
        tokens = entry.split(" ")
        syllables = [token for token in tokens if token != "-"]
        if tokens[0] == "-" or tokens[-1] == "-":
            problems.append(f"{path.name}: {entry!r}: hyphen at an end")
        if len(syllables) < 2:
            problems.append(f"{path.name}: {entry!r}: fewer than 2 syllables")
        for syllable in syllables:
            syllable = unicodedata.normalize("NFC", syllable)
            if not syllable.isalpha():
                problems.append(f"{path.name}: {entry!r}: {syllable!r} is not only letters")
            elif NEW_STYLE_TONE.search(syllable.lower()):
                problems.append(f"{path.name}: {entry!r}: {syllable!r} has the tone on the second vowel (write hòa, thủy)")


def check_abbreviations(path: Path, entries: list[str], problems: list[str]) -> None:
    stripped: dict[str, str] = {}
    for entry in entries:
        if not ABBREVIATION.match(entry):
            problems.append(f"{path.name}: {entry!r}: not upper-case letters only")
        if "Đ" not in entry:
            problems.append(f"{path.name}: {entry!r}: has no Đ")
        key = entry.replace("Đ", "D")
        if key in stripped:
            problems.append(f"{path.name}: {entry!r} and {stripped[key]!r} both strip to {key!r}")
        stripped[key] = entry


def main(argv: list[str]) -> int:
    data = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "data"
    files = [
        (data / "phrases" / "places.txt", check_phrases),
        (data / "phrases" / "names.txt", check_phrases),
        (data / "abbreviations.txt", check_abbreviations),
    ]
    problems: list[str] = []
    for path, check in files:
        if not path.exists():
            problems.append(f"{path}: missing")
            continue
        entries = read_entries(path, problems)
        check(path, entries, problems)
        print(f"{path.name:20} {len(entries):6}")
    for problem in problems:
        print("PROBLEM", problem)
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
