# SPDX-License-Identifier: GPL-3.0-or-later
"""The tokenizer: it never changes text, it only says which pieces are words."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diacritics_fix.tokens import ABBREV, BREAK, MIXED, NUMBER, PROTECTED, PUNCT, SPACE, WORD, tokenize

KINDS = {MIXED, WORD, ABBREV, PROTECTED, NUMBER, SPACE, BREAK, PUNCT}


def words(text: str) -> list[str]:
    return [token.text for token in tokenize(text) if token.kind == WORD]


def assert_exact_cover(text: str) -> None:
    """Tokens are non-empty, in order, without gaps or overlaps, and join back to *text*."""
    tokens = tokenize(text)
    assert "".join(token.text for token in tokens) == text
    position = 0
    for token in tokens:
        assert token.kind in KINDS
        assert token.text, "empty token"
        assert token.start == position
        assert text[token.start:token.end] == token.text
        position = token.end
    assert position == len(text)


# --- the tokens are the text -------------------------------------------------------

EXAMPLES = [
    "",
    " ",
    "Căn cứ Nghị định số 15/2020/NĐ-CP ngày 03 tháng 02 năm 2020 của Chính phủ;",
    "Can cu Nghi dinh so 15/2020/ND-CP ngay 03 thang 02 nam 2020 cua Chinh phu;",
    "Noi nhan:\r\n- Nhu tren;\r\n- Luu: VT.\r\n",
    "Ho va ten:\tNguyen Van An\tChuc vu:\tTruong phong",
    "\ufeffUY BAN NHAN DAN\nTINH NGHE AN\n",
    unicodedata.normalize("NFD", "Đường thủy nội địa được hoà vào mạng lưới giao thông."),
    "Chuc mung nam moi! 🎆🧧 👨\u200d👩\u200d👧\u200d👦",
    "Dieu\u00a05. Hieu luc thi hanh\u2028Van\u200bban",
    "Xem tai https://chinhphu.vn hoac lien he vanthu@hanoi.gov.vn.",
    "\n\n\r\r\n\x0b\x0c\x85\u2029",
    "a) Noi dung; b) Thoi gian; c) Dia diem.",
]


@pytest.mark.parametrize("text", EXAMPLES)
def test_tokens_join_back_to_the_input_exactly(text):
    assert_exact_cover(text)


# Arbitrary text, weighted towards what trips tokenizers: Vietnamese letters in
# both normal forms, lone combining marks, every kind of line break and space,
# emoji sequences, code punctuation, and any other Unicode character.
TEXTS = st.lists(
    st.one_of(
        st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯQXY")),
        st.sampled_from(list("àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")),
        st.sampled_from(["\u0300", "\u0301", "\u0309", "\u0303", "\u0323", "\u0302", "\u0306", "\u031b"]),
        st.sampled_from(list("0123456789/-.,;:()[]\"'“”«»_@#&%+*=~\\")),
        st.sampled_from([" ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u2028", "\u200b", "\ufeff", "\x0b", "\x85"]),
        st.sampled_from(["🎉", "🇻🇳", "👍🏽", "❤️", "👨\u200d👩\u200d👧", "https://", "www.", "@"]),
        st.characters(),
    ),
    max_size=40,
).map("".join)


@given(TEXTS)
def test_tokens_join_back_for_any_text(text):
    assert_exact_cover(text)


@given(st.lists(st.sampled_from(["Thanh", "uy", "\r\n", " ", "\t", "15/2020/ND-CP", "https://a.vn/x", "a)", "IV", "đồng/người"]), max_size=20))
def test_tokens_join_back_for_administrative_pieces(pieces):
    assert_exact_cover("".join(pieces))


def test_nfd_marks_stay_inside_their_word():
    text = unicodedata.normalize("NFD", "Nghĩa vụ quân sự")
    assert words(text) == text.split(" ")


def test_line_breaks_are_break_tokens_and_crlf_is_one_break():
    tokens = tokenize("Noi nhan:\r\n- Nhu tren;\n\n- Luu: VT.")
    assert [t.text for t in tokens if t.kind == BREAK] == ["\r\n", "\n", "\n"]
    assert all("\n" not in t.text and "\r" not in t.text for t in tokens if t.kind != BREAK)


def test_spaces_and_tabs_are_space_tokens():
    tokens = tokenize("Ho va ten:\tNguyen  Van An")
    assert [t.text for t in tokens if t.kind == SPACE] == [" ", " ", "\t", "  ", " "]


# --- what is a word, and what is not ------------------------------------------------

@pytest.mark.parametrize(
    "text, expected_words",
    [
        ("Căn cứ Nghị định 15/2020/ND-CP.", ["Căn", "cứ", "Nghị", "định"]),
        ("Cac dang bo truc thuoc Thanh uy", ["Cac", "dang", "bo", "truc", "thuoc", "Thanh", "uy"]),
        ("CONG HOA XA HOI CHU NGHIA VIET NAM", ["CONG", "HOA", "XA", "HOI", "CHU", "NGHIA", "VIET", "NAM"]),
        ("Muc chi 1.500.000 dong/nguoi/thang.", ["Muc", "chi", "dong", "nguoi", "thang"]),
        ("Mức chi 1.500.000 đồng/người/tháng.", ["Mức", "chi", "đồng", "người", "tháng"]),
        ("Kinh gui: Cac so, ban, nganh;", ["Kinh", "gui", "Cac", "so", "ban", "nganh"]),
        ("Doc lap - Tu do - Hanh phuc", ["Doc", "lap", "Tu", "do", "Hanh", "phuc"]),
        ("“Co quan dat chuan van hoa”", ["Co", "quan", "dat", "chuan", "van", "hoa"]),
        ("va/hoac", ["va", "hoac"]),
    ],
)
def test_word_tokens(text, expected_words):
    assert words(text) == expected_words


@pytest.mark.parametrize(
    "text, not_words",
    [
        # URLs and e-mail addresses, even with Vietnamese-looking slugs
        ("Xem tai https://chinhphu.vn/van-ban-moi.htm nhe", ["chinhphu", "vn", "van", "ban", "moi", "htm"]),
        ("Truy cap www.moj.gov.vn de tra cuu", ["moj", "gov", "vn"]),
        ("(https://dichvucong.gov.vn)", ["dichvucong", "gov", "vn"]),
        ("ftp://files.example.org/pub/data.csv", ["files", "example", "org", "pub", "data", "csv"]),
        ("Lien he vanthu@hanoi.gov.vn.", ["vanthu", "hanoi", "gov", "vn"]),
        ("mailto:sotc@danang.gov.vn", ["mailto", "sotc", "danang", "gov", "vn"]),
        # file names and paths
        ("Dinh kem tep bao_cao_tong_ket.docx", ["bao", "cao", "tong", "ket", "docx"]),
        ("Tep Bao-cao-quy-III.docx da gui", ["Bao", "cao", "quy", "III", "docx"]),
        ("ke_hoach_thang_5.xlsx", ["ke", "hoach", "thang", "xlsx"]),
        ("/home/vanthu/tai-lieu/phu-luc.pdf", ["home", "vanthu", "tai", "lieu", "phu", "luc", "pdf"]),
        # numbers and document codes
        ("Ngay 30/12/2023, luc 14h00, 1.500.000 dong", ["h"]),
        ("So 15/2020/ND-CP", ["ND", "CP"]),
        ("Nghi quyet 20-NQ/TW", ["NQ", "TW"]),
        ("Cong van 1046-CV/TU", ["CV", "TU"]),
        ("So: 2567/QD-UBND", ["QD", "UBND"]),
        ("Tieu chuan TCVN 5945:2005", []),
        ("Ma so QH15", ["QH"]),
        # roman numerals and list bullets
        ("Chuong IV, Muc II, Phan XII", ["IV", "II", "XII"]),
        ("I. MUC DICH, YEU CAU", ["I"]),
        ("a) Noi dung; b) Thoi gian; c) Dia diem", ["a", "b", "c"]),
        ("(d) Kinh phi; e. Trach nhiem", ["d", "e"]),
        # mixed-case brand and system names
        ("Tai khoan VNeID va ung dung iPhone", ["VNeID", "iPhone"]),
    ],
)
def test_things_that_are_not_words(text, not_words):
    found = words(text)
    for piece in not_words:
        assert piece not in found, f"{piece!r} was taken for a word in {text!r}"
    assert "".join(t.text for t in tokenize(text)) == text


@pytest.mark.parametrize("number", ["2020", "15/3/2024", "5.000.000", "8,05", "03", "1.234"])
def test_plain_numbers_and_dates_are_number_tokens(number):
    text = f"ngay {number}, nam 2024."
    kinds = [(t.kind, t.text) for t in tokenize(text)]
    assert (NUMBER, number) in kinds
    assert (NUMBER, "2024") in kinds
    assert words(text) == ["ngay", "nam"]


def test_document_code_letters_are_abbreviation_tokens():
    kinds = {t.text: t.kind for t in tokenize("So 15/2020/ND-CP va 20-NQ/TW")}
    assert kinds["ND"] == ABBREV and kinds["CP"] == ABBREV
    assert kinds["NQ"] == ABBREV and kinds["TW"] == ABBREV
    assert kinds["15/2020/"] == PROTECTED


def test_urls_and_emails_are_single_protected_tokens():
    url = "https://baochinhphu.vn/tang-cuong-cong-tac-phong-chong-thien-tai-102240612.htm"
    tokens = tokenize(f"Dang tai {url} ngay 12/6/2024.")
    assert (PROTECTED, url) in [(t.kind, t.text) for t in tokens]
    tokens = tokenize("Gui vanthu@hanoi.gov.vn")
    assert tokens[-1].kind == PROTECTED and tokens[-1].text == "vanthu@hanoi.gov.vn"


@pytest.mark.parametrize("text", ["đồng/người/tháng", "dong/nguoi/thang", "(đồng/người/tháng)", "đồng/người/tháng."])
def test_slashed_units_are_words(text):
    assert words(text) in (["đồng", "người", "tháng"], ["dong", "nguoi", "thang"])


def test_a_one_letter_word_inside_a_sentence_is_a_word():
    assert words("A ha, o day co y kien") == ["A", "ha", "o", "day", "co", "y", "kien"]


def test_a_one_letter_word_ending_a_sentence_is_not_a_bullet():
    assert words("Dong y.") == ["Dong", "y"]
    assert words("Toi dong y.") == ["Toi", "dong", "y"]
