#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check the hand-written domain phrase lists in data/phrases/*.txt.

For every file: a "# " header that names the license, then one phrase a line,
NFC, sorted with Python's sorted(), no duplicates, no empty lines, no trailing
spaces, 2 to 8 syllables, only letters and spaces (a lone " - " is allowed
inside names such as "Lao động - Thương binh và Xã hội"), every syllable a
well-formed Vietnamese syllable with its tone mark where the traditional
convention puts it (hòa, thủy, khỏe, not hoà, thuỷ, khoẻ), or a short
upper-case abbreviation such as the VT of "Lưu VT".

Prints the count per file and in total; exits 1 on any problem.
Usage: python scripts/check_phrases.py [DIR]
"""
from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

MIN_SYLLABLES, MAX_SYLLABLES = 2, 8
LICENSE_LINE = "License: GPL-3.0-or-later (part of diacritics-fix)"

TONE_MARKS = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}  # huyền sắc hỏi ngã nặng
MODIFIED = set("ăâêôơư")
VOWELS = set("aeiouy") | MODIFIED
ONSETS = sorted(
    "ngh ng nh ch gh gi kh ph qu th tr b c d đ g h k l m n p r s t v x".split(),
    key=len, reverse=True,
)
STOP_FINALS = ("p", "t", "c", "ch")
RHYMES = set("""
a ă â e ê i o ô ơ u ư y
ai ao au ay âu ây eo êu ia iu oa oe oi ôi ơi ua uê ui uơ uy ưa ưi ưu
iêu yêu oai oao oay oeo uây uôi uya uyu ươi ươu
am an ang anh ap at ac ach ăm ăn ăng ăp ăt ăc âm ân âng âp ât âc
em en eng ep et ec êm ên ênh êp êt êch im in inh ip it ich
om on ong op ot oc oong ooc ôm ôn ông ôp ôt ôc ơm ơn ơp ơt
um un ung up ut uc ưm ưn ưng ưt ưc
iêm iên iêng iêp iêt iêc yêm yên yêng yêt
oam oan oang oanh oap oat oac oach oăm oăn oăng oăt oăc oen oeng oet
uân uâng uât uêch uênh uơn uyn uynh uyt uych
uôm uôn uông uôt uôc ươm ươn ương ươp ươt ươc uyên uyêt
ym yn ynh yt ych
""".split())
FRONT = ("i", "e", "ê", "y")


def split_char(ch: str) -> tuple[str, str]:
    """Return (base letter with its vowel modifier, tone mark or '')."""
    d = unicodedata.normalize("NFD", ch)
    tone = "".join(c for c in d if c in TONE_MARKS)
    base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONE_MARKS))
    return base, tone


def syllable_problem(syl: str) -> str | None:
    """None if syl is a well-formed Vietnamese syllable, else a reason."""
    low = syl.lower()
    parts = [split_char(c) for c in low]
    tones = [(i, t) for i, (_, t) in enumerate(parts) if t]
    if len(tones) > 1 or any(len(t) > 1 for _, t in tones):
        return "more than one tone mark"
    bare = "".join(b for b, _ in parts)
    if not all(b in VOWELS or b in "bcdđghklmnpqrstvx" for b in bare):
        return "letter that is not Vietnamese"
    for onset in ONSETS + [""]:
        if not bare.startswith(onset):
            continue
        rest = bare[len(onset):]
        if onset == "gi" and (rest == "" or rest[0] == "ê"):
            continue  # gì, giếng: read as g + i...
        if rest not in RHYMES:
            continue
        first = rest[0]
        if onset == "c" and first in FRONT:
            continue
        if onset == "k" and first not in FRONT:
            continue
        if onset in ("gh", "ngh") and first not in ("i", "e", "ê"):
            continue
        if onset in ("g", "ng") and first in ("e", "ê"):
            continue
        if onset == "qu" and first in ("o", "u", "ư"):
            continue
        if onset == "" and first == "y" and rest not in ("y", "yêu", "yên", "yêm", "yêt", "yêng"):
            continue
        tone = tones[0][1] if tones else ""
        if rest.endswith(STOP_FINALS) and tone not in ("\u0301", "\u0323"):
            return "stop final with a tone other than sắc or nặng"
        if tone and tones[0][0] != len(onset) + tone_index(rest):
            return "tone mark on the wrong vowel (write hòa, thủy, khỏe)"
        return None
    return "not a Vietnamese syllable"


def is_abbreviation(token: str) -> bool:
    """Upper-case abbreviations used in documents, e.g. the VT of "Lưu VT"."""
    return 2 <= len(token) <= 6 and all(c in "ABCDEFGHIKLMNOPQRSTUVXYĐ" for c in token) \
        and syllable_problem(token) is not None


def tone_index(rhyme: str) -> int:
    """Index in rhyme of the vowel that carries the tone (traditional style)."""
    vowel_pos = [i for i, c in enumerate(rhyme) if c in VOWELS]
    modified = [i for i in vowel_pos if rhyme[i] in MODIFIED]
    if modified:
        return modified[-1]
    if vowel_pos[-1] < len(rhyme) - 1:  # closed rhyme: hoàn, huỳnh
        return vowel_pos[-1]
    if len(vowel_pos) == 3:  # ngoài, khuỷu
        return vowel_pos[1]
    return vowel_pos[0]  # hòa, thủy, khỏe, của, mía


def check_file(path: Path) -> tuple[int, list[str]]:
    problems: list[str] = []
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return 0, [f"{path.name}: not UTF-8 ({e})"]
    if text and not text.endswith("\n"):
        problems.append(f"{path.name}: no newline at end of file")
    if "\r" in text:
        problems.append(f"{path.name}: carriage return in file")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = []
    while lines and lines[0].startswith("# "):
        header.append(lines.pop(0))
    if not header:
        problems.append(f"{path.name}: no '# ' header")
    elif not any(LICENSE_LINE in h for h in header):
        problems.append(f"{path.name}: header does not state '{LICENSE_LINE}'")
    start = len(header) + 1
    seen: set[str] = set()
    for n, line in enumerate(lines, start):
        where = f"{path.name}:{n}: {line!r}"
        if line == "":
            problems.append(f"{where}: empty line")
            continue
        if line != unicodedata.normalize("NFC", line):
            problems.append(f"{where}: not NFC")
        if line != line.strip() or "  " in line:
            problems.append(f"{where}: stray spaces")
        if line.startswith("#"):
            problems.append(f"{where}: comment after the header")
            continue
        if line in seen:
            problems.append(f"{where}: duplicate")
        seen.add(line)
        tokens = line.split(" ")
        syllables = [t for t in tokens if t != "-"]
        if tokens[0] == "-" or tokens[-1] == "-":
            problems.append(f"{where}: hyphen at an end")
        if not MIN_SYLLABLES <= len(syllables) <= MAX_SYLLABLES:
            problems.append(f"{where}: {len(syllables)} syllables")
        for syl in syllables:
            if not syl.isalpha():
                problems.append(f"{where}: {syl!r} has characters other than letters")
                continue
            if is_abbreviation(syl):
                continue
            why = syllable_problem(syl)
            if why:
                problems.append(f"{where}: {syl!r}: {why}")
    body = lines
    if body != sorted(body):
        for n, (a, b) in enumerate(zip(body, body[1:]), start + 1):
            if a > b:
                problems.append(f"{path.name}:{n}: not sorted ({a!r} before {b!r})")
                break
    return len(seen), problems


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "data" / "phrases"
    files = sorted(root.glob("*.txt"))
    if not files:
        print(f"no phrase files in {root}")
        return 1
    total, all_problems = 0, []
    for path in files:
        count, problems = check_file(path)
        total += count
        all_problems += problems
        print(f"{path.name:20} {count:6}")
    print(f"{'total':20} {total:6}")
    for p in all_problems:
        print("PROBLEM", p)
    if all_problems:
        print(f"{len(all_problems)} problem(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
