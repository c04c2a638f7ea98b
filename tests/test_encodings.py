# SPDX-License-Identifier: GPL-3.0-or-later
"""Legacy encodings: detection, decoding, and the tables behind them.

The paragraphs below are administrative text written for this project; taken
together they use every Vietnamese letter with every tone, in both cases.
Each legacy encoding must write them and read them back, detected without
being named, letter for letter (TCVN3 ignoring case: its fonts draw capitals
from the lowercase codes).
"""

from __future__ import annotations

import doctest
import random
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diacritics_fix import encodings
from diacritics_fix.encodings import (
    BinaryFileError,
    Decoded,
    UndecodableError,
    decode_document,
    encode_document,
)
from diacritics_fix.syllable import MARKED_LETTERS, all_syllables

PARAGRAPHS = (
    "ỦY BAN NHÂN DÂN\r\nTỈNH QUẢNG NGÃI\r\n"
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\r\nĐộc lập - Tự do - Hạnh phúc\r\n"
    "Số: 125/QĐ-UBND\r\nQuảng Ngãi, ngày 18 tháng 3 năm 2024",

    "QUYẾT ĐỊNH\n"
    "VỀ VIỆC BAN HÀNH QUY CHẾ PHỐI HỢP QUẢN LÝ NHÀ NƯỚC VỀ KHOA HỌC, KỸ THUẬT "
    "VÀ ĐỔI MỚI SÁNG TẠO TRÊN ĐỊA BÀN TỈNH",

    "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH\n"
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, "
    "bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương;\n"
    "Xét đề nghị của Giám đốc Sở Khoa học và Công nghệ tại Tờ trình số 45/TTr-SKHCN, "
    "kèm theo hồ sơ đã được thẩm định.",

    "Điều 1. Ban hành kèm theo Quyết định này Quy chế phối hợp giữa các cơ quan, đơn vị "
    "trong việc hỗ trợ doanh nghiệp nhỏ và vừa ứng dụng kỹ thuật mới, chuyển giao công nghệ, "
    "bảo hộ quyền sở hữu trí tuệ phù hợp với từng lĩnh vực, đặc biệt ở cấp cơ sở. "
    "Quyết định này cũng có hiệu lực kể từ ngày ký; những quy định trước "
    "đây trái với Quyết định này đều bị bãi bỏ.",

    "Điều 2. Chánh Văn phòng Ủy ban nhân dân tỉnh, Thủ trưởng các sở, ban, ngành; Chủ tịch "
    "Ủy ban nhân dân các huyện, thị xã, thành phố chịu trách nhiệm thi hành. Trường hợp có "
    "vướng mắc, các đơn vị kịp thời phản ánh bằng văn bản để xem xét, giải quyết; không được "
    "ỷ lại, né tránh hay để chậm trễ. Người đứng đầu phải thẳng thắn, sẵn sàng lắng nghe ý kiến "
    "của nhân dân, giữ gìn kỷ cương, xử lý nghiêm những vi phạm và giúp đỡ người tỵ nạn, "
    "trẻ em, phụ nữ bồng ẵm con nhỏ; định kỳ sáu tháng báo cáo rõ kết quả, sẽ được miễn giảm "
    "nhẹ phí theo hướng dẫn.",

    "PHỤ LỤC: NHỮNG ĐIỂM CẦN LƯU Ý KHI ỨNG DỤNG\n"
    "1. ĐẨY MẠNH CẢI CÁCH, BỒI DƯỠNG CÁN BỘ, ĐẶC BIỆT LÀ Ở CẤP XÃ; ĐÚNG THẨM QUYỀN, "
    "RÕ TRÁCH NHIỆM, KHÔNG ĐỂ TỒN ĐỌNG HỒ SƠ.\n"
    "2. TỪ NGÀY KÝ, MỖI SỞ GỬI BẢN KẾ HOẠCH TỔNG HỢP: ỔN ĐỊNH, BỀN VỮNG, ÍT RỦI RO; "
    "VẼ SƠ ĐỒ, GHI CHÚ ĐỦ, CHỈ RÕ NGƯỜI CHỊU TRÁCH NHIỆM; KHÔNG ĐƯỢC CHẬM TRỄ, "
    "LẪN LỘN HAY BỎ SÓT.\n"
    "3. CHUẨN BỊ ĐẦY ĐỦ TÀI LIỆU: SỔ SÁCH, CHỨNG TỪ, HỢP ĐỒNG, BIÊN BẢN KIỂM KÊ, "
    "THƯ MỜI, PHIẾU GHI Ý KIẾN; LƯU Ở BỘ PHẬN MỘT CỬA; CÁC ĐƠN VỊ PHẢI NỖ LỰC, "
    "HỖ TRỢ LẪN NHAU, TRÁNH ĐÙN ĐẨY, CỞI MỞ, CỨNG RẮN VỚI TIÊU CỰC, TRÁNH ĐỔ LỖI.\n"
    "4. ĐỊNH KỲ HẰNG NĂM, CÁC ĐƠN VỊ CHỦ ĐỘNG KIỂM TRA, KHÔNG Ỷ LẠI CẤP TRÊN; SẴN SÀNG XỬ LÝ "
    "THẲNG THẮN, NGHIÊM MINH; BẢO ĐẢM AN TOÀN CHO TRẺ EM VÀ NGƯỜI TỴ NẠN; GIỮ KỶ LUẬT, "
    "KỶ CƯƠNG. CŨNG CẦN GIẢM NHẸ THỦ TỤC, KỂ CẢ VIỆC KÈM THEO GIẤY TỜ KHI XÉT DUYỆT HỒ SƠ, "
    "VÌ LỢI ÍCH CỦA NHÂN DÂN.",

    "Nơi nhận:\n- Như Điều 2;\n- Thường trực Tỉnh ủy;\n- Lưu: VT, KGVX.\n"
    "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nNguyễn Thị Hồng Nhung",
)
DOCUMENT = "\r\n\r\n".join(PARAGRAPHS)

LEGACY = ("cp1258", "tcvn3", "vni", "viscii")
MOJIBAKE = ("tcvn3-as-cp1252", "vni-as-cp1252", "viscii-as-cp1252", "utf-8-as-cp1252")
CASELESS = ("tcvn3", "tcvn3-as-cp1252")


def same_text(expected: str, actual: str, encoding: str) -> bool:
    if encoding in CASELESS:
        return expected.lower() == actual.lower()
    return expected == actual


def test_the_paragraphs_use_every_letter_with_every_tone_in_both_cases():
    missing = sorted(MARKED_LETTERS - set(DOCUMENT))
    assert missing == [], "write these letters into PARAGRAPHS: " + " ".join(missing)


def test_module_examples():
    result = doctest.testmod(encodings)
    assert result.attempted > 0 and result.failed == 0


# --- Round trips: encode, then decode without naming the encoding ----------

@pytest.mark.parametrize("encoding", LEGACY + MOJIBAKE)
def test_whole_document_round_trip_and_detection(encoding):
    decoded = decode_document(encode_document(DOCUMENT, encoding))
    assert decoded.encoding == encoding
    assert same_text(DOCUMENT, decoded.text, encoding)
    assert decoded.text.count("\r\n") == DOCUMENT.count("\r\n"), "line endings are kept"


@pytest.mark.parametrize("encoding", LEGACY + MOJIBAKE)
@pytest.mark.parametrize("number", range(len(PARAGRAPHS)))
def test_each_paragraph_round_trip_and_detection(encoding, number):
    paragraph = PARAGRAPHS[number]
    decoded = decode_document(encode_document(paragraph, encoding))
    assert decoded.encoding == encoding
    assert same_text(paragraph, decoded.text, encoding)
    assert unicodedata.is_normalized("NFC", decoded.text)


@pytest.mark.parametrize("encoding", LEGACY + MOJIBAKE + ("viqr", "utf-8", "utf-8-sig", "utf-16"))
def test_forced_decoding_reads_back_what_encoding_wrote(encoding):
    decoded = decode_document(encode_document(DOCUMENT, encoding), encoding=encoding)
    assert decoded.encoding == encoding
    expected = "\ufeff" + DOCUMENT if encoding in ("utf-8-sig", "utf-16") else DOCUMENT
    assert same_text(expected, decoded.text, encoding)


VIETNAMESE_WORDS = st.lists(st.sampled_from(all_syllables()), min_size=1, max_size=12)


@given(words=VIETNAMESE_WORDS, capitalise=st.lists(st.sampled_from(["lower", "title", "upper"]), min_size=12))
@pytest.mark.parametrize("encoding", LEGACY + ("viqr",))
def test_any_syllables_in_any_case_survive_forced_decoding(encoding, words, capitalise):
    cased = [getattr(word, style)() for word, style in zip(words, capitalise)]
    text = " ".join(cased) + ", " + "-".join(cased) + "."
    decoded = decode_document(encode_document(text, encoding), encoding=encoding)
    assert same_text(text, decoded.text, encoding)


# --- The tables: bytes from the published standards -------------------------

@pytest.mark.parametrize(
    "text, encoding, expected",
    [
        ("Việt Nam", "tcvn3", b"Vi\xd6t Nam"),  # TCVN 5712 VN3: ệ = D6
        ("Đường", "tcvn3", b"\xa7\xad\xeang"),  # Đ = A7, ư = AD, ờ = EA
        ("ẵ ỵ ỹ ả", "tcvn3", b"\xbd \xfe \xfc \xb6"),
        ("Việt Nam", "vni", b"Vie\xe4t Nam"),  # VNI: e + ä (hat and dot below)
        ("Đường", "vni", b"\xd1\xf6\xf4\xf8ng"),  # Ñ ö ôø: Đ, ư, ơ + huyền
        ("ĩ ị ỉ ỵ Ặ", "vni", b"\xf3 \xf2 \xe6 \xee A\xcb"),
        ("Việt Nam", "viscii", b"Vi\xaet Nam"),  # RFC 1456: ệ = AE
        ("Ẳ Ẵ Ẫ Ỷ Ỹ Ỵ", "viscii", b"\x02 \x05 \x06 \x14 \x19 \x1e"),  # the six in C0
        ("Việt", "cp1258", b"Vi\xea\xf2t"),  # ê, then the combining dot below (F2)
        ("Hà Nội", "cp1258", b"H\xe0 N\xf4\xf2i"),  # à is precomposed in cp1258
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_published_byte_values(text, encoding, expected):
    assert encode_document(text, encoding) == expected
    assert same_text(text, decode_document(expected, encoding=encoding).text, encoding)


def test_tcvn3_capitals_are_stored_as_lowercase_codes():
    assert encode_document("Ủy", "tcvn3") == encode_document("ủy", "tcvn3")


def test_tcvn3_capitals_come_back_in_all_caps_lines_and_words():
    text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nVỀ VIỆC BAN HÀNH\nQuyết định về KỸ THUẬT mới"
    assert decode_document(encode_document(text, "tcvn3")).text == text


def test_tcvn3_capital_alone_in_a_lowercase_word_comes_back_lowercase():
    # Documented limitation: "Ủy ban" and "ủy ban" are the same bytes in TCVN3.
    decoded = decode_document(encode_document("Ủy ban nhân dân tỉnh Quảng Ngãi", "tcvn3"))
    assert decoded == Decoded("ủy ban nhân dân tỉnh Quảng Ngãi", "tcvn3")


def test_tcvn3_reads_the_vn1_capitals_in_bytes_vn3_leaves_free():
    # TCVN 5712 VN1 has Ắ at C0 and Ố at FF; VN3 has no letter there.
    assert decode_document(b"\xc0 \xff", encoding="tcvn3").text == "Ắ Ố"


def test_windows_1258_with_decomposed_letters_is_composed():
    decoded = decode_document(b"Qu\xf4\xecc h\xf4\xf2i", encoding="cp1258")
    assert decoded.text == "Quốc hội"
    assert unicodedata.is_normalized("NFC", decoded.text)


# --- Mojibake: legacy or UTF-8 bytes read as Windows-1252 and saved as UTF-8 ---

@pytest.mark.parametrize(
    "mojibake, encoding",
    [
        ("Céng hßa x· héi chñ nghÜa ViÖt Nam", "tcvn3-as-cp1252"),
        ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "vni-as-cp1252"),
        ("Cá»™ng hÃ²a xÃ£ há»™i chá»§ nghÄ©a Viá»‡t Nam", "utf-8-as-cp1252"),
        ("C\xb5ng h\xf2a x\xe3 h\xb5i ch\xfc ngh\xeea Vi\xaet Nam", "viscii-as-cp1252"),
    ],
    ids=lambda value: value if value.endswith("cp1252") else None,
)
def test_mojibake_is_repaired(mojibake, encoding):
    if encoding == "viscii-as-cp1252":
        mojibake = encodings._bytes_to_view(mojibake.encode("latin-1"))
    decoded = decode_document(mojibake.encode("utf-8"))
    assert decoded == Decoded("Cộng hòa xã hội chủ nghĩa Việt Nam", encoding)


def test_mojibake_with_a_byte_order_mark_keeps_the_mark():
    data = "\ufeffCéng hßa x· héi chñ nghÜa ViÖt Nam".encode("utf-8")
    assert decode_document(data) == Decoded("\ufeffCộng hòa xã hội chủ nghĩa Việt Nam", "tcvn3-as-cp1252")


# --- Do no harm: text that is fine comes back unchanged ----------------------

@pytest.mark.parametrize(
    "text",
    [
        "The Ministry of Finance issued Circular No. 12/2024/TT-BTC on 5 March 2024.\r\n",
        "He said “don’t” – and left… The café’s résumé was naïve, 25°C, 10 m², 5 €.",
        "Cộng hòa xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc\n",
        "Cà phê và trà",  # every letter also exists in Windows-1252
        "Hà Nội, ngày 5 tháng 3 năm 2024 — Công văn số 12/UBND-VP “về việc” ©",
        "Vie^.t Nam",  # VIQR is never detected
        "",
    ],
    ids=["english", "english-with-signs", "vietnamese", "vietnamese-latin-1-letters",
         "vietnamese-with-signs", "viqr-looking", "empty"],
)
def test_valid_utf8_text_is_left_as_it_is(text):
    assert decode_document(text.encode("utf-8")) == Decoded(text, "utf-8")


def test_decomposed_utf8_letters_are_composed_and_nothing_else_changes():
    text = unicodedata.normalize("NFD", "Cộng hòa") + " \u212b"  # Å as the angstrom sign
    decoded = decode_document(text.encode("utf-8"))
    assert decoded == Decoded("Cộng hòa \u212b", "utf-8")


@pytest.mark.parametrize(
    "text",
    ["It’s “fine” – really.", "Café crème, résumé naïve — it’s fine.", "Straße"],
    ids=["english", "french", "german"],
)
def test_other_latin_text_in_windows_1252_reads_as_windows_code_page(text):
    assert decode_document(text.encode("cp1252")) == Decoded(text, "cp1258")


@pytest.mark.parametrize(
    "text, encoding",
    [
        ("Số: 75/2021/NĐ-CP", "tcvn3"),  # "Sè" would be possible too, but nobody writes it
        ("Số: 75/2021/NĐ-CP", "tcvn3-as-cp1252"),
        ("Chương I", "viscii"),  # ươ is DF BD, valid UTF-8 by chance
        ("CHƯƠNG I", "utf-8-as-cp1252"),  # too short for ftfy to act
        ("QUY ĐỊNH CHUNG", "viscii"),
        ("Có", "tcvn3-as-cp1252"),
    ],
)
def test_short_texts_are_detected(text, encoding):
    decoded = decode_document(encode_document(text, encoding))
    assert decoded.encoding == encoding
    assert same_text(text, decoded.text, encoding)


# --- Byte-order marks -------------------------------------------------------

@pytest.mark.parametrize(
    "data, expected",
    [
        ("\ufeffHà Nội\r\n".encode("utf-8"), Decoded("\ufeffHà Nội\r\n", "utf-8-sig")),
        ("\ufeffHà Nội".encode("utf-16-le"), Decoded("\ufeffHà Nội", "utf-16")),
        ("\ufeffHà Nội".encode("utf-16-be"), Decoded("\ufeffHà Nội", "utf-16")),
        ("\ufeffHà Nội".encode("utf-32-le"), Decoded("\ufeffHà Nội", "utf-32")),
    ],
    ids=["utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le"],
)
def test_byte_order_marks_decide_and_stay_in_the_text(data, expected):
    assert decode_document(data) == expected


# --- What cannot be read ------------------------------------------------------

@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        b"PK\x03\x04\x14\x00\x06\x00word/document.xml",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00",
        "Céng hßa\x00\x00x· héi".encode("cp1252"),
    ],
    ids=["pdf", "png", "jpeg", "zip-docx", "word-doc", "nul-bytes"],
)
def test_binary_files_are_refused(data):
    with pytest.raises(BinaryFileError, match="binary"):
        decode_document(data)


def test_random_bytes_are_undecodable_with_the_offending_offset():
    rng = random.Random(1456)
    data = b"Report " + bytes(rng.randrange(0x80, 0x100) for _ in range(600))
    with pytest.raises(UndecodableError, match="offset 7") as caught:
        decode_document(data)
    assert type(caught.value) is UndecodableError
    assert caught.value.offset == 7


@pytest.mark.parametrize(
    "data, encoding, offset",
    [
        (b"Vi\xd6t Nam", "utf-8", 2),
        (b"abc \x81 def", "cp1258", 4),
        (b"abc \x90 def", "tcvn3", 4),
        ("Cộng".encode("utf-8"), "tcvn3-as-cp1252", 1),
    ],
)
def test_forced_encoding_names_the_first_byte_it_cannot_read(data, encoding, offset):
    with pytest.raises(UndecodableError, match=f"offset {offset}") as caught:
        decode_document(data, encoding=encoding)
    assert caught.value.offset == offset


def test_unknown_encoding_names_are_refused():
    with pytest.raises(LookupError, match="unknown encoding"):
        decode_document(b"abc", encoding="koi8-r")


# --- VIQR: only when asked for ------------------------------------------------

@pytest.mark.parametrize(
    "viqr, expected",
    [
        ("Vie^.t Nam", "Việt Nam"),
        ("Ha` No^.i.", "Hà Nội."),  # the last full stop ends the sentence
        ("DDie^`u 1. Pha.m vi ddie^`u chi?nh", "Điều 1. Phạm vi điều chỉnh"),
        ("So^': 125/QDD-UBND", "Số: 125/QĐ-UBND"),
        ("nhie^.m vu. cu?a bo^..", "nhiệm vụ của bộ."),
        ("Tru+o+`ng ho+.p kho^ng?", "Trường hợp không?"),
        ("gi`\\? d\\d/mm", "gì? dd/mm"),  # backslash keeps a mark character literal
    ],
)
def test_viqr_when_forced(viqr, expected):
    assert decode_document(viqr.encode("ascii"), encoding="viqr") == Decoded(expected, "viqr")


# --- Encoders -------------------------------------------------------------------

def test_encoders_refuse_or_replace_what_the_encoding_lacks():
    with pytest.raises(UnicodeEncodeError):
        encode_document("“Việt Nam”", "viscii")  # VISCII gives 80–9F to letters
    assert encode_document("“Việt Nam”", "viscii", errors="replace") == b"?Vi\xaet Nam?"
    assert encode_document("“Việt Nam”", "tcvn3") == b"\x93Vi\xd6t Nam\x94"
    with pytest.raises(UnicodeEncodeError):
        encode_document("Français", "tcvn3")  # ç's byte is ỗ in TCVN3


def test_mojibake_encoders_write_utf8_of_windows_1252_characters():
    assert encode_document("Việt Nam", "tcvn3-as-cp1252") == "ViÖt Nam".encode("utf-8")
    assert encode_document("Việt", "utf-8-as-cp1252") == "Viá»‡t".encode("utf-8")


@pytest.mark.parametrize("text", [
    "CONG HOA XA HOI CHU NGHIA VIET NAM\nDoc lap – Tu do – Hanh phuc\n",  # stripped, with en dashes
    "Theo “Ke hoach” so 12/KH-UBND… — xem Phu luc\n",
    "The report – “final” version…\n",
])
def test_utf8_text_whose_only_other_characters_are_dashes_and_quotes_is_utf8(text):
    # cp1252 shows the en dash's byte 0x96, which VISCII reads as "Ờ": no reason to read it so.
    assert decode_document(text.encode("utf-8")) == Decoded(text, "utf-8")


@pytest.mark.parametrize("text", [
    # stripped text with signs that legacy tables (in cp1252 clothes) read as lone marked vowels
    "Dien tich san xay dung: 12 × 18 m.\n",
    "HSDSV = Tong so vu tai nan giao thong × 100.000 / Tong dan so\n" * 4,
    "Dien tich san xay dung: 12 × 18 m; tong muc dau tu 1.250 trieu dong ± 5%.\n"
    "Kich thuoc bien bao 60 × 90 cm, chu cao 15 cm… (xem Phu luc 2).\n" * 3,
    "He so dieu chinh K = 1,2 × 0,85 ÷ 1,05 ≥ 0,9; sai so cho phep ± 0,5%.\n",
    "Khoi luong be tong mong: 35 m³, cot thep 2,4 tan.\n",
])
def test_stripped_utf8_text_with_lone_signs_is_utf8(text):
    # "×" is byte 0xd7 in cp1252, a marked vowel in TCVN3: alone, it is no Vietnamese word.
    assert decode_document(text.encode("utf-8")) == Decoded(text, "utf-8")
