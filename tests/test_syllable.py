# SPDX-License-Identifier: GPL-3.0-or-later
"""The Vietnamese syllable: skeletons, tone placement, and which spellings exist."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diacritics_fix.syllable import (
    HOI,
    HUYEN,
    NANG,
    NGA,
    NGANG,
    SAC,
    all_syllables,
    canonical,
    has_marks,
    is_valid,
    place_tone,
    restyle,
    skeleton,
    split_tone,
    tone_style,
)

ALL = all_syllables()


# --- skeleton: the key of the lexicon ----------------------------------------

@pytest.mark.parametrize(
    "word, expected",
    [
        ("Thường", "thuong"),
        ("đảng", "dang"),
        ("Đảng", "dang"),
        ("ĐẢNG", "dang"),
        ("QUỐC HỘI", "quoc hoi"),
        ("nghĩa", "nghia"),
        ("Nguyễn", "nguyen"),
        ("khuyến", "khuyen"),
        ("hoà", "hoa"),
        ("hòa", "hoa"),
        ("thuỷ", "thuy"),
        ("ưu", "uu"),
        ("ăn", "an"),
        ("ỵ", "y"),
        ("dân", "dan"),
        ("thanh", "thanh"),  # nothing to take off
        ("UBND", "ubnd"),
        ("Müller", "müller"),  # letters that are not Vietnamese pass through, lowercased
        ("2024", "2024"),
    ],
)
def test_skeleton(word, expected):
    assert skeleton(word) == expected


@pytest.mark.parametrize(
    "word, marked",
    [("can", False), ("cần", True), ("dân", True), ("đi", True), ("Đi", True), ("UBND", False), ("", False)],
)
def test_has_marks(word, marked):
    assert has_marks(word) is marked


# --- split_tone: take the tone off, keep the letters ---------------------------

@pytest.mark.parametrize(
    "syllable, base, tone",
    [
        ("thường", "thương", HUYEN),
        ("Thường", "Thương", HUYEN),
        ("HOÀ", "HOA", HUYEN),
        ("quốc", "quôc", SAC),
        ("chủ", "chu", HOI),
        ("nghĩa", "nghia", NGA),
        ("hạnh", "hanh", NANG),
        ("dân", "dân", NGANG),
        ("đảng", "đang", HOI),
        ("gìn", "gin", HUYEN),
    ],
)
def test_split_tone(syllable, base, tone):
    assert split_tone(syllable) == (base, tone)


# --- canonical: one spelling per syllable -------------------------------------

@pytest.mark.parametrize(
    "new_style, old_style",
    [
        ("hoà", "hòa"),
        ("hoá", "hóa"),
        ("hoạ", "họa"),
        ("thuỷ", "thủy"),
        ("thuý", "thúy"),
        ("khoẻ", "khỏe"),
        ("uỷ", "ủy"),
        ("tuỳ", "tùy"),
        ("luỹ", "lũy"),
        ("xoè", "xòe"),
    ],
)
def test_both_tone_placements_fold_to_one_canonical_spelling(new_style, old_style):
    assert canonical(new_style) == old_style
    assert canonical(old_style) == old_style


@pytest.mark.parametrize(
    "written, expected",
    [
        ("HOÀ", "hòa"),
        ("Thuỷ", "thủy"),
        ("Quốc", "quốc"),
        ("NGHĨA", "nghĩa"),
        (unicodedata.normalize("NFD", "hoà"), "hòa"),  # decomposed input is composed first
        (unicodedata.normalize("NFD", "Nguyễn"), "nguyễn"),
        ("hoàn", "hoàn"),  # closed rhymes have one placement only
        ("dân", "dân"),
    ],
)
def test_canonical_is_lowercase_nfc_old_style(written, expected):
    assert canonical(written) == expected


# --- place_tone / restyle: where each style puts the mark ----------------------

# base, tone, "hòa" style, "hoà" style
PLACEMENTS = [
    # open oa / oe / uy: the only rhymes where the styles differ
    ("hoa", HUYEN, "hòa", "hoà"),
    ("hoa", SAC, "hóa", "hoá"),
    ("hoa", NANG, "họa", "hoạ"),
    ("khoe", HOI, "khỏe", "khoẻ"),
    ("thuy", HOI, "thủy", "thuỷ"),
    ("uy", HOI, "ủy", "uỷ"),
    ("tuy", HUYEN, "tùy", "tuỳ"),
    ("Hoa", HUYEN, "Hòa", "Hoà"),
    ("THUY", HOI, "THỦY", "THUỶ"),
    # closed oa / oe / uy: on the second vowel in both styles
    ("hoan", HUYEN, "hoàn", "hoàn"),
    ("toan", SAC, "toán", "toán"),
    ("khoang", HOI, "khoảng", "khoảng"),
    ("hoach", NANG, "hoạch", "hoạch"),
    ("xoen", SAC, "xoén", "xoén"),
    ("huynh", HUYEN, "huỳnh", "huỳnh"),
    ("khuyt", SAC, "khuýt", "khuýt"),
    # three vowels: the middle one
    ("ngoai", HUYEN, "ngoài", "ngoài"),
    ("loai", NANG, "loại", "loại"),
    ("khoai", HOI, "khoải", "khoải"),
    # a vowel with a quality mark takes the tone (ươ, uyê, iê, uô: the second)
    ("thương", HUYEN, "thường", "thường"),
    ("nươc", SAC, "nước", "nước"),
    ("ươn", HOI, "ưởn", "ưởn"),
    ("mươi", HUYEN, "mười", "mười"),
    ("rươu", NANG, "rượu", "rượu"),
    ("nguyên", NGA, "nguyễn", "nguyễn"),
    ("khuyên", SAC, "khuyến", "khuyến"),
    ("tuyêt", SAC, "tuyết", "tuyết"),
    ("chuyên", NANG, "chuyện", "chuyện"),
    ("uyên", HUYEN, "uyền", "uyền"),
    ("tiêng", SAC, "tiếng", "tiếng"),
    ("yêu", SAC, "yếu", "yếu"),
    ("cuôc", NANG, "cuộc", "cuộc"),
    ("thuơ", HOI, "thuở", "thuở"),
    ("khuây", SAC, "khuấy", "khuấy"),
    # qu-: the u belongs to the onset
    ("qua", HOI, "quả", "quả"),
    ("quy", SAC, "quý", "quý"),
    ("quy", NGA, "quỹ", "quỹ"),
    ("quynh", HUYEN, "quỳnh", "quỳnh"),
    ("quôc", SAC, "quốc", "quốc"),
    ("quyên", HUYEN, "quyền", "quyền"),
    ("quyêt", SAC, "quyết", "quyết"),
    ("quân", NANG, "quận", "quận"),
    ("que", HOI, "quẻ", "quẻ"),
    ("Qua", SAC, "Quá", "Quá"),
    ("quay", HUYEN, "quày", "quày"),
    # gi-: the i belongs to the onset, except when it is the only vowel
    ("gia", SAC, "giá", "giá"),
    ("giưa", NGA, "giữa", "giữa"),
    ("giup", SAC, "giúp", "giúp"),
    ("giai", HOI, "giải", "giải"),
    ("giêng", SAC, "giếng", "giếng"),
    ("gi", HUYEN, "gì", "gì"),
    ("gin", HUYEN, "gìn", "gìn"),
    # everything else
    ("ca", SAC, "cá", "cá"),
    ("chu", HOI, "chủ", "chủ"),
    ("nghia", NGA, "nghĩa", "nghĩa"),
    ("mua", HUYEN, "mùa", "mùa"),
    ("cua", HOI, "của", "của"),
    ("mưa", SAC, "mứa", "mứa"),
    ("đang", HOI, "đảng", "đảng"),
    ("ăn", SAC, "ắn", "ắn"),
    ("dân", NGANG, "dân", "dân"),
    ("hoa", NGANG, "hoa", "hoa"),
]


@pytest.mark.parametrize("base, tone, old_style, new_style", PLACEMENTS)
def test_place_tone_in_both_styles(base, tone, old_style, new_style):
    assert place_tone(base, tone) == old_style
    assert place_tone(base, tone, "hòa") == old_style
    assert place_tone(base, tone, "hoà") == new_style


@pytest.mark.parametrize("base, tone, old_style, new_style", PLACEMENTS)
def test_restyle_moves_the_mark_between_styles(base, tone, old_style, new_style):
    assert restyle(old_style, "hoà") == new_style
    assert restyle(new_style, "hòa") == old_style
    assert restyle(old_style, "hòa") == old_style
    assert restyle(new_style, "hoà") == new_style


@pytest.mark.parametrize(
    "syllable, style",
    [("hoà", "hoà"), ("hòa", "hòa"), ("Thuỷ", "hoà"), ("KHỎE", "hòa"), ("hoàn", None), ("quý", None), ("dân", None), ("hoa", None)],
)
def test_tone_style_names_the_placement_when_the_styles_differ(syllable, style):
    assert tone_style(syllable) == style


# --- is_valid: which spellings can be syllables ---------------------------------

@pytest.mark.parametrize(
    "syllable",
    [
        "a", "ý", "ủy", "uỷ", "ăn", "ưu", "yêu", "yếu",
        "nghĩa", "Nghĩa", "NGHĨA", "nghiêng", "nghỉ", "ngủ",
        "ghế", "gà", "gì", "gìn", "giữa", "giếng", "già",
        "kem", "kim", "kẻ", "cá", "của",
        "quốc", "quý", "quỳnh", "quả", "quẻ", "quyền", "quyết",
        "hòa", "hoà", "thủy", "thuỷ", "khỏe", "khoẻ", "hoàn", "toán", "khoảng",
        "ngoài", "loại", "khuấy", "khuya", "nguyễn", "chuyện", "tuyết", "thuở",
        "thường", "nước", "rượu", "hươu", "xuống",
        "bắc", "hoắc", "xoăn", "đảng", "Đảng",
        "Đắk", "Lắk", "Kạn",  # spellings of official place names
    ],
)
def test_is_valid_accepts_real_syllables(syllable):
    assert is_valid(syllable)


@pytest.mark.parametrize(
    "spelling, why",
    [
        ("ngĩa", "ng before i is written ngh"),
        ("ngiêng", "ng before i is written ngh"),
        ("nghá", "ngh only before i, e, ê"),
        ("ngỉ", "ng before i is written ngh"),
        ("ka", "k only before i, e, ê, y"),
        ("cé", "c before e is written k"),
        ("ghá", "gh only before i, e, ê"),
        ("gé", "g before e is written gh"),
        ("tàc", "a stop coda takes only the sắc or nặng tone"),
        ("bảc", "a stop coda takes only the sắc or nặng tone"),
        ("hoãt", "a stop coda takes only the sắc or nặng tone"),
        ("qa", "q is always written qu"),
        ("qốc", "q is always written qu"),
        ("q", "q is always written qu"),
        ("hóá", "two tone marks"),
        ("nguyễñ", "not a Vietnamese letter"),
        ("àa", "no such rhyme"),
        ("tyếng", "iê after an onset is not written yê"),
        ("iêu", "iê without an onset is written yê"),
        ("gìa", "the tone of gia goes on the a"),
        ("thửơng", "the tone of ươ goes on the ơ"),
        ("hoàt", "a stop coda takes only the sắc or nặng tone"),
        ("xx", "no vowel"),
        ("b", "no vowel"),
        ("abc", "no such rhyme"),
        ("", "empty"),
        ("strength", "English"),
    ],
)
def test_is_valid_rejects_impossible_spellings(spelling, why):
    assert not is_valid(spelling), why


def test_is_valid_reads_decomposed_text():
    assert is_valid(unicodedata.normalize("NFD", "Nghĩa"))
    assert not is_valid(unicodedata.normalize("NFD", "ngĩa"))


# --- all_syllables: the inventory -------------------------------------------------

def test_all_syllables_is_a_sorted_inventory_of_canonical_spellings():
    assert 12_000 < len(ALL) < 25_000
    assert ALL == sorted(set(ALL))
    for word in ("a", "quốc", "nghĩa", "hòa", "thủy", "khỏe", "ủy", "người", "đồng", "gì", "Đắk".lower()):
        assert word in ALL
    for word in ("hoà", "thuỷ", "khoẻ", "uỷ", "ngĩa", "ka", "tàc", "Quốc"):
        assert word not in ALL


def test_all_syllables_sizes_follow_the_tone_rules():
    """Stop-coda syllables take only sắc and nặng; all others take all six tones."""
    by_tone = {tone: 0 for tone in range(6)}
    for syllable in ALL:
        by_tone[split_tone(syllable)[1]] += 1
    assert by_tone[NGANG] == by_tone[HUYEN] == by_tone[HOI] == by_tone[NGA]
    assert by_tone[SAC] == by_tone[NANG]
    stop_bases = {split_tone(s)[0] for s in ALL if s.endswith(("c", "ch", "p", "t", "k"))}
    assert by_tone[SAC] == by_tone[NGANG] + len(stop_bases)
    assert len(stop_bases) > 1000


def test_all_syllables_are_valid_in_every_case_and_style():
    invalid = [
        s for s in ALL
        if not (is_valid(s) and is_valid(s.upper()) and is_valid(s.title()) and is_valid(restyle(s, "hoà")))
    ]
    assert invalid == []


@given(st.sampled_from(ALL), st.sampled_from(["lower", "title", "upper"]))
def test_every_syllable_survives_a_trip_through_the_new_style(syllable, case):
    """canonical(restyle(s, "hoà")) == s, whatever the case it is written in."""
    written = getattr(syllable, case)()
    assert canonical(restyle(written, "hoà")) == syllable
    assert canonical(unicodedata.normalize("NFD", restyle(written, "hoà"))) == syllable
    assert restyle(syllable, "hòa") == syllable


@given(st.sampled_from(ALL))
def test_every_skeleton_is_ascii_letters(syllable):
    key = skeleton(syllable)
    assert key.isascii() and key.isalpha()
    assert len(key) == len(syllable)
    assert key == skeleton(restyle(syllable, "hoà")) == skeleton(syllable.upper())


@given(st.sampled_from(ALL))
def test_split_then_place_gives_the_syllable_back(syllable):
    base, tone = split_tone(syllable)
    assert place_tone(base, tone) == syllable
    assert not any(unicodedata.normalize("NFD", base).count(mark) for mark in "\u0300\u0301\u0309\u0303\u0323")
