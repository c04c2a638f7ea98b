"""Bilingual documents and do-no-harm: English, names and correct Vietnamese stay as they are.

The byte-identical cases (English prose, code, tables, both tone placements)
are in cases/negative.json; these are the mixed ones, where some words change
and the others must not.
"""

from __future__ import annotations

import pytest

from diacritics_fix import Restorer, restore
from diacritics_fix.language import is_english_word, tag_english

MIXED = [
    ("inline-iot",
     "Ung dung Internet of Things (IoT) trong quan ly do thi thong minh.",
     "Ứng dụng Internet of Things (IoT) trong quản lý đô thị thông minh."),
    ("inline-term-in-parentheses",
     "Chuyen doi so (digital transformation) la nhiem vu trong tam cua tinh.",
     "Chuyển đổi số (digital transformation) là nhiệm vụ trọng tâm của tỉnh."),
    ("organisation-names",
     "Hoi nghi co su tham gia cua dai dien World Bank, ADB va JICA.",
     "Hội nghị có sự tham gia của đại diện World Bank, ADB và JICA."),
    ("acronym-in-parentheses-kept",
     "Nang cap mang noi bo (LAN) cua co quan.",
     "Nâng cấp mạng nội bộ (LAN) của cơ quan."),
    ("english-line-then-vietnamese-line",
     "The meeting was held in Hanoi on 5 June 2024.\nHoi nghi duoc to chuc tai Ha Noi ngay 5/6/2024.",
     "The meeting was held in Hanoi on 5 June 2024.\nHội nghị được tổ chức tại Hà Nội ngày 5/6/2024."),
    ("vietnamese-lookalikes-in-vietnamese",
     "Can bo can to chuc an toan cho nguoi dan.",
     "Cán bộ cần tổ chức an toàn cho người dân."),
    ("place-names",
     "Dai bieu Quoc hoi thanh pho Ha Noi tiep xuc cu tri tai quan Ba Dinh.",
     "Đại biểu Quốc hội thành phố Hà Nội tiếp xúc cử tri tại quận Ba Đình."),
]


@pytest.mark.parametrize("label, text, expected", MIXED, ids=[m[0] for m in MIXED])
def test_mixed_text(label, text, expected):
    assert restore(text) == expected


PARTLY_ACCENTED = [
    ("missing-marks-filled",
     "Ủy ban nhân dân tinh đề nghị các sở, ban, ngành phối hợp thực hiện.",
     "Ủy ban nhân dân tỉnh đề nghị các sở, ban, ngành phối hợp thực hiện."),
    ("unattested-spellings-filled",
     "Các đảng bộ truc thuoc Thành ủy tổ chức học tập nghị quyết.",
     "Các đảng bộ trực thuộc Thành ủy tổ chức học tập nghị quyết."),
]


@pytest.mark.parametrize("label, text, expected", PARTLY_ACCENTED, ids=[m[0] for m in PARTLY_ACCENTED])
def test_partly_accented_text_keeps_its_marks_and_gets_the_missing_ones(label, text, expected):
    assert restore(text) == expected


def test_correct_unmarked_words_in_correct_text_stay():
    text = "Ông Trần Văn Nam sinh năm 1975 tại Long An, hiện công tác trong ngành giao thông."
    assert restore(text) == text


def test_a_lone_lookalike_in_a_vietnamese_sentence_is_vietnamese():
    words = "Can bo to chuc hop".split()
    tags = tag_english(words, lambda w: -7.0)
    assert tags == [False] * len(words)


def test_a_run_of_english_words_is_english():
    words = ["ung", "dung", "Internet", "of", "Things", "trong", "do", "thi"]
    viet = {"ung", "dung", "trong", "do", "thi"}
    tags = tag_english(words, lambda w: -7.0 if w.lower() in viet else None)
    assert tags == [False, False, True, True, True, False, False, False]


def test_english_words_are_known_and_abbreviations_are_not():
    assert is_english_word("transformation") and is_english_word("WARRANTY")
    assert not is_english_word("UBND") and not is_english_word("HĐND")


def test_tone_placement_of_marked_words_is_the_writers():
    mixed_styles = "Hòa bình và thuỷ lợi; khoẻ mạnh và hoà giải."
    assert Restorer().restore(mixed_styles) == mixed_styles
    assert Restorer(style="hòa").restore(mixed_styles) == "Hòa bình và thủy lợi; khỏe mạnh và hòa giải."
