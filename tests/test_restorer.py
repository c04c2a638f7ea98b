# SPDX-License-Identifier: GPL-3.0-or-later
"""The library API: restore(), Restorer, Options and explain()."""

from __future__ import annotations

import doctest
import functools
import pickle
import string
import unicodedata

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

import diacritics_fix
from diacritics_fix import Change, Options, Restorer, restore
from diacritics_fix.syllable import has_marks, is_valid, restyle, skeleton

# A short administrative text with everything that must not be touched:
# document codes, dates, times, money, percentages, a URL and an e-mail address.
NOTICE_STRIPPED = (
    "UY BAN NHAN DAN\n"
    "TINH QUANG NINH\n"
    "So: 1234/UBND-KT\n"
    "\n"
    "Can cu Ke hoach so 25-KH/TU ngay 12/3/2024 cua Ban Thuong vu Tinh uy;\n"
    "Uy ban nhan dan tinh giao So Tai chinh chu tri, phoi hop voi cac don vi lien quan.\n"
    "Muc chi 1.500.000 dong/nguoi/thang, ap dung tu ngay 01/7/2024.\n"
    "Ty le ho ngheo giam con 1,8%.\n"
    "Moi thac mac xin lien he vanthu@quangninh.gov.vn hoac truy cap https://quangninh.gov.vn/thong-bao.\n"
)

# Pieces of NOTICE_STRIPPED that must come out exactly as they went in.
PROTECTED_PIECES = [
    "1234/UBND-KT",
    "25-KH/TU",
    "12/3/2024",
    "1.500.000",
    "01/7/2024",
    "1,8%",
    "vanthu@quangninh.gov.vn",
    "https://quangninh.gov.vn/thong-bao.",
]

LETTER_RUNS = regex.compile(r"\p{L}[\p{L}\p{M}]*")


def canonical_words(text: str) -> str:
    """The words of *text*, lowercase in the hòa style, joined by single spaces."""
    return " ".join(restyle(word, "hòa") for word in LETTER_RUNS.findall(text.lower()))


def without_letters(text: str) -> str:
    """*text* with every run of letters (and the marks on them) taken out."""
    return LETTER_RUNS.sub("", text)


# --- restore() and Restorer ---------------------------------------------------------

def test_restore_gives_diacritics_back():
    assert restore("Cac dang bo truc thuoc Thanh uy") == "Các đảng bộ trực thuộc Thành ủy"
    assert restore("Doc lap - Tu do - Hanh phuc") == "Độc lập - Tự do - Hạnh phúc"


def test_restore_and_a_default_restorer_agree():
    restorer = Restorer()
    assert restorer.restore(NOTICE_STRIPPED) == restore(NOTICE_STRIPPED)
    assert Restorer(Options()).restore(NOTICE_STRIPPED) == restore(NOTICE_STRIPPED)


def test_restore_takes_options_as_keywords():
    assert restore("Uy ban nhan dan", style="hoà") == Restorer(Options(style="hoà")).restore("Uy ban nhan dan")
    assert restore("Uy ban nhan dan", style="hoà") == "Uỷ ban nhân dân"


def test_restorer_takes_option_overrides_as_keywords():
    assert Restorer(style="hoà").options.style == "hoà"
    assert Restorer(Options(mode="stripped"), style="hoà").options == Options(style="hoà", mode="stripped")


@pytest.mark.parametrize("text", ["", " ", "\n", "\r\n\r\n", "\t", "..."])
def test_empty_and_blank_text_comes_back_as_is(text):
    assert restore(text) == text


def test_the_package_docstring_example_holds():
    assert "restore" in diacritics_fix.__all__ and isinstance(diacritics_fix.__version__, str)
    assert restore("Cac dang bo truc thuoc Thanh uy") == "Các đảng bộ trực thuộc Thành ủy"


# --- case is kept --------------------------------------------------------------------

@pytest.mark.parametrize(
    "stripped, expected",
    [
        ("thanh uy", "thành ủy"),
        ("Thanh uy", "Thành ủy"),
        ("THANH UY", "THÀNH ỦY"),
        ("Ban Thuong vu Thanh uy", "Ban Thường vụ Thành ủy"),
        ("BAN THUONG VU TINH UY", "BAN THƯỜNG VỤ TỈNH ỦY"),
        ("DANG CONG SAN VIET NAM", "ĐẢNG CỘNG SẢN VIỆT NAM"),
    ],
)
def test_case_pattern_is_kept(stripped, expected):
    assert restore(stripped) == expected


@pytest.mark.parametrize(
    "text, kept",
    [
        ("UBND", ["UBND"]),
        ("Chu tich UBND thanh pho", ["UBND"]),
        ("UBND, HDND va MTTQ cac cap", ["UBND", "MTTQ"]),
        ("Thuong truc BCH, BTV Tinh uy", ["BCH", "BTV"]),
    ],
)
def test_abbreviations_without_a_d_stay_as_written(text, kept):
    restored = restore(text)
    for abbreviation in kept:
        assert abbreviation in restored
    assert restored != text or text == "UBND"


def test_upper_case_abbreviation_in_a_sentence_stays():
    assert restore("Chu tich UBND thanh pho") == "Chủ tịch UBND thành phố"


# --- everything but the words is kept -----------------------------------------------

def test_numbers_dates_codes_urls_and_emails_are_untouched_in_a_restored_text():
    restored = restore(NOTICE_STRIPPED)
    for piece in PROTECTED_PIECES:
        assert piece in restored
    assert without_letters(restored) == without_letters(NOTICE_STRIPPED)
    assert restored.count("\n") == NOTICE_STRIPPED.count("\n")


def test_the_words_around_protected_pieces_are_restored():
    restored = restore(NOTICE_STRIPPED)
    assert restored.startswith("ỦY BAN NHÂN DÂN\n")
    assert "Số: 1234/UBND-KT\n" in restored
    assert "ngày 12/3/2024 của Ban Thường vụ Tỉnh ủy;" in restored
    assert "áp dụng từ ngày 01/7/2024." in restored
    assert "liên hệ vanthu@quangninh.gov.vn hoặc truy cập https://quangninh.gov.vn/thong-bao." in restored


def test_line_endings_bom_and_odd_spaces_are_kept():
    text = "\ufeffUy ban nhan dan\r\nTinh  Quang\u00a0Ninh\t\r\n"
    restored = restore(text)
    assert restored.startswith("\ufeffỦy ban nhân dân\r\n")
    assert without_letters(restored) == without_letters(text)


# --- tone style -----------------------------------------------------------------------

OLD_STYLE_LINE = "Cộng hòa xã hội chủ nghĩa Việt Nam; Ủy ban nhân dân tỉnh Khánh Hòa."
NEW_STYLE_LINE = "Cộng hoà xã hội chủ nghĩa Việt Nam; Uỷ ban nhân dân tỉnh Khánh Hoà."
STRIPPED_LINE = "Cong trinh thuy loi bao ve suc khoe cua nhan dan"


def test_style_hoa_new_puts_the_mark_on_the_second_vowel_everywhere():
    options = Options(style="hoà")
    assert restore(STRIPPED_LINE, style="hoà") == "Công trình thuỷ lợi bảo vệ sức khoẻ của nhân dân"
    assert Restorer(options).restore(OLD_STYLE_LINE) == NEW_STYLE_LINE  # already-marked words too
    assert Restorer(options).restore(NEW_STYLE_LINE) == NEW_STYLE_LINE


def test_style_hoa_old_puts_the_mark_on_the_first_vowel_everywhere():
    options = Options(style="hòa")
    assert restore(STRIPPED_LINE, style="hòa") == "Công trình thủy lợi bảo vệ sức khỏe của nhân dân"
    assert Restorer(options).restore(NEW_STYLE_LINE) == OLD_STYLE_LINE  # already-marked words too
    assert Restorer(options).restore(OLD_STYLE_LINE) == OLD_STYLE_LINE


def test_style_only_moves_marks_of_open_oa_oe_uy():
    text = "Hoàn thành toàn diện, khoảng cách, ngoài quốc doanh, quý IV."
    assert restore(text, style="hoà") == text
    assert restore(text, style="hòa") == text


def test_style_keep_leaves_marked_words_as_written():
    mixed = "Thanh Hóa và Khánh Hoà; thủy lợi và thuỷ sản."
    assert restore(mixed) == mixed
    assert restore(mixed, style="keep") == mixed


def test_style_keep_restores_in_the_placement_the_document_uses():
    new_style_document = NEW_STYLE_LINE + "\n" + STRIPPED_LINE
    assert restore(new_style_document) == NEW_STYLE_LINE + "\nCông trình thuỷ lợi bảo vệ sức khoẻ của nhân dân"
    old_style_document = OLD_STYLE_LINE + "\n" + STRIPPED_LINE
    assert restore(old_style_document) == OLD_STYLE_LINE + "\nCông trình thủy lợi bảo vệ sức khỏe của nhân dân"


def test_style_keep_follows_the_majority_placement():
    majority_new = "Văn hoá, hoà nhập, tuỳ theo, khoẻ mạnh; Thanh Hóa.\n" + STRIPPED_LINE
    assert restore(majority_new).endswith("thuỷ lợi bảo vệ sức khoẻ của nhân dân")
    majority_old = "Văn hóa, hòa nhập, tùy theo, khỏe mạnh; Khánh Hoà.\n" + STRIPPED_LINE
    assert restore(majority_old).endswith("thủy lợi bảo vệ sức khỏe của nhân dân")


def test_style_keep_uses_the_old_placement_when_the_document_shows_none():
    assert restore(STRIPPED_LINE) == "Công trình thủy lợi bảo vệ sức khỏe của nhân dân"


# --- user phrases ----------------------------------------------------------------------

# A person's name: the default model reads "Tuy" as the common word tuy
# ("although"); the user knows the man is called Tùy.
NAME = "Phạm Văn Tùy"
NAME_LINE = "Ong Pham Van Tuy, Pho Chu tich UBND huyen, phat bieu chi dao Hoi nghi."
NAME_LINE_RESTORED = "Ông Phạm Văn Tùy, Phó Chủ tịch UBND huyện, phát biểu chỉ đạo Hội nghị."


def test_user_phrases_change_a_decision_of_the_default_model():
    default = restore(NAME_LINE)
    assert NAME not in default, "the default model now gets this name: pick a harder example"
    assert Restorer(phrases=[NAME]).restore(NAME_LINE) == NAME_LINE_RESTORED


@pytest.mark.parametrize("phrase", ["Phạm Văn Tùy", "Phạm Văn Tuỳ", "phạm văn tùy", "PHẠM VĂN TUỲ"])
def test_user_phrases_may_be_given_in_any_case_and_either_style(phrase):
    assert Restorer(phrases=[phrase]).restore(NAME_LINE) == NAME_LINE_RESTORED
    assert Restorer(Options(phrases=(phrase,))).restore(NAME_LINE) == NAME_LINE_RESTORED


def test_user_phrases_are_written_in_the_chosen_style():
    restorer = Restorer(Options(style="hoà"), phrases=[NAME])
    assert restorer.restore(NAME_LINE) == NAME_LINE_RESTORED.replace("Tùy", "Tuỳ")


def test_user_phrases_do_not_leak_into_other_restorers():
    Restorer(phrases=[NAME]).restore(NAME_LINE)
    assert Restorer().restore(NAME_LINE) == restore(NAME_LINE)
    assert NAME not in restore(NAME_LINE)


@pytest.mark.parametrize(
    "phrases, text",
    [
        pytest.param((NAME,), NAME_LINE, id="user-phrase"),
        pytest.param(
            ("Bàn Văn Sử",),
            "Ong Ban Van Su phat bieu",
            id="user-phrase-half-taken",
        ),
    ],
)
def test_a_phrase_given_as_reason_is_spelled_by_the_output(phrases, text):
    restorer = Restorer(phrases=phrases)
    restored, changes = restorer.restore_and_explain(text)
    cited = {c.reason[len("phrase: "):] for c in changes if c.reason.startswith("phrase: ")}
    assert cited
    spelled = canonical_words(restored)
    for phrase in cited:
        assert phrase in spelled, f"explain() cites {phrase!r}, the output reads {restored!r}"


def test_explain_names_the_user_phrase_that_decided():
    changes = Restorer(phrases=[NAME]).explain(NAME_LINE)
    tuy = next(c for c in changes if c.original == "Tuy")
    assert tuy.restored == "Tùy"
    assert tuy.reason == "phrase: phạm văn tùy"


# --- explain() ----------------------------------------------------------------------------

def test_explain_spans_index_the_input_and_rebuild_the_output():
    restorer = Restorer()
    changes = restorer.explain(NOTICE_STRIPPED)
    assert changes and all(isinstance(c, Change) for c in changes)
    rebuilt, position = [], 0
    for change in changes:
        assert position <= change.start < change.end <= len(NOTICE_STRIPPED)
        assert NOTICE_STRIPPED[change.start:change.end] == change.original
        assert change.restored != change.original
        assert skeleton(change.restored) == skeleton(change.original)
        rebuilt += [NOTICE_STRIPPED[position:change.start], change.restored]
        position = change.end
    rebuilt.append(NOTICE_STRIPPED[position:])
    assert "".join(rebuilt) == restorer.restore(NOTICE_STRIPPED)


def test_explain_gives_confidence_alternatives_and_a_reason():
    changes = Restorer().explain(NOTICE_STRIPPED)
    for change in changes:
        assert 0.0 <= change.confidence <= 1.0
        assert change.reason.startswith(("phrase: ", "pair: ", "frequency", "abbreviation", "style"))
        assert len(change.alternatives) <= 3
        for word, probability in change.alternatives:
            assert word != change.restored
            assert skeleton(word) == skeleton(change.original)
            assert 0.0 <= probability <= 1.0
        probabilities = [p for _, p in change.alternatives]
        assert probabilities == sorted(probabilities, reverse=True)


def test_restore_and_explain_agree_with_restore_and_explain():
    restorer = Restorer()
    restored, changes = restorer.restore_and_explain(NOTICE_STRIPPED)
    assert restored == restorer.restore(NOTICE_STRIPPED)
    assert [c[:4] for c in changes] == [c[:4] for c in restorer.explain(NOTICE_STRIPPED)]


def test_explain_of_a_restyle_says_style():
    changes = Restorer(Options(style="hoà")).explain("Ủy ban nhân dân tỉnh Hòa Bình")
    assert [(c.original, c.restored, c.reason) for c in changes] == [("Ủy", "Uỷ", "style"), ("Hòa", "Hoà", "style")]
    assert [(c.start, c.end) for c in changes] == [(0, 2), (21, 24)]


def test_explain_of_correct_text_is_empty():
    assert Restorer().explain(OLD_STYLE_LINE) == []
    assert Restorer().explain("") == []


def test_explain_spans_count_code_points_of_decomposed_input():
    text = unicodedata.normalize("NFD", "Điều 5.") + " Hieu luc thi hanh"
    changes = Restorer().explain(text)
    assert changes
    for change in changes:
        assert text[change.start:change.end] == change.original


# --- program code -------------------------------------------------------------------------

CODE_LINE = "if (so_luong > 0) { tong = tong + so_luong; }"


def test_explain_says_when_a_line_is_left_alone_as_code():
    text = "Ham nay tinh tong hai so.\n" + CODE_LINE + "\n"
    changes = Restorer().explain(text)
    notes = [c for c in changes if c.reason.startswith("left alone")]
    assert [(c.original, c.reason) for c in notes] == [(CODE_LINE, "left alone: program code")]
    assert notes[0].restored == notes[0].original  # a note, not a change
    assert Restorer().restore(text) == "Hàm này tính tổng hai số.\n" + CODE_LINE + "\n"


def test_a_mode_other_than_auto_overrides_the_code_guess():
    assert Restorer().restore(CODE_LINE) == CODE_LINE
    assert Restorer(mode="stripped").restore(CODE_LINE) == "if (so_luong > 0) { tổng = tổng + so_luong; }"


# --- pickling and threads ------------------------------------------------------------------

def test_a_restorer_pickles_small_and_restores_the_same_after_unpickling():
    restorer = Restorer(Options(style="hoà"), phrases=[NAME])
    before = restorer.restore(NOTICE_STRIPPED + NAME_LINE)
    data = pickle.dumps(restorer)
    assert len(data) < 2000, f"a used Restorer pickles to {len(data)} bytes: it carries its model or caches"
    clone = pickle.loads(data)
    assert clone.options == restorer.options
    assert clone.restore(NOTICE_STRIPPED + NAME_LINE) == before


def test_a_restorer_shared_by_threads_gives_the_sequential_results(in_threads):
    texts = [line for line in NOTICE_STRIPPED.splitlines() if line] + [
        NAME_LINE,
        STRIPPED_LINE,
        "Ha Noi, ngay 16 thang 5 nam 2013",
        "Thanh pho Ho Chi Minh, ngay 02 thang 10 nam 2023",
        "Doc lap - Tu do - Hanh phuc",
        "Kinh gui: Cac so, ban, nganh, doan the tinh;",
        "Noi nhan:\n- Nhu tren;\n- Luu: VT.",
    ]
    sequential = Restorer(phrases=[NAME])
    expected = [sequential.restore(text) for text in texts]

    shared = Restorer(phrases=[NAME])  # its model is loaded by the threads themselves

    def work(worker: int) -> list[str]:
        order = texts[worker:] + texts[:worker]
        return [shared.restore(text) for _ in range(5) for text in order]

    results = in_threads(work)
    for worker, out in results.items():
        order = expected[worker:] + expected[:worker]
        assert out == order * 5
    assert len(results) == 4


# --- Options.validate ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "options",
    [
        Options(style="hoa"),
        Options(style="HÒA"),
        Options(style=unicodedata.normalize("NFD", "hoà")),
        Options(style=""),
        Options(mode="fast"),
        Options(mode="Auto"),
        Options(max_candidates=0),
        Options(max_candidates=-3),
    ],
)
def test_options_validate_rejects_bad_values(options):
    with pytest.raises(ValueError):
        options.validate()
    with pytest.raises(ValueError):
        Restorer(options)


@pytest.mark.parametrize("style", ["keep", "hòa", "hoà"])
@pytest.mark.parametrize("mode", ["auto", "clean", "stripped"])
def test_options_validate_accepts_every_choice(style, mode):
    options = Options(style=style, mode=mode, max_candidates=1)
    assert options.validate() is options


@pytest.mark.parametrize(
    "call, error, named",
    [
        (lambda: restore("Thanh uy", max_candidates="3"), TypeError, "max_candidates"),
        (lambda: Restorer(Options(max_candidates="3")), TypeError, "max_candidates"),
        (lambda: Restorer(Options(threshold="0.9")), TypeError, "threshold"),
        (lambda: Restorer(Options(style=None)), TypeError, "style"),
        (lambda: restore(b"Thanh uy"), TypeError, "text"),
        (lambda: Restorer().explain(b"Thanh uy"), TypeError, "text"),
        (lambda: Restorer().restore(None), TypeError, "text"),
        (lambda: Restorer(Options(phrases="Khu công nghệ cao Hòa Lạc")), ValueError, "phrases"),
        (lambda: Restorer(phrases="Khu cong nghe cao Hoa Lac"), ValueError, "phrases"),
        (lambda: restore("Thanh uy", lexicon="Nậm Mằn"), ValueError, "lexicon"),
        (lambda: Restorer(phrases=[b"Hoa Lac"]), TypeError, "phrases"),
    ],
    ids=["restore-max-candidates", "options-max-candidates", "threshold", "style", "restore-bytes",
         "explain-bytes", "none", "options-phrases-string", "restorer-phrases-string", "lexicon-string",
         "phrases-of-bytes"],
)
def test_a_wrong_type_is_an_error_naming_the_argument(call, error, named):
    with pytest.raises(error, match=f"^{named} "):
        call()


def test_phrases_may_be_any_sequence_of_strings():
    restorer = Restorer(Options(phrases=["Phạm Văn Tùy"]), phrases=(p for p in ["Hòa Lạc"]))
    assert restorer.options.phrases == ("Phạm Văn Tùy", "Hòa Lạc")
    hash(restorer.options)  # a list given is kept as a tuple: options stay usable as a key


@pytest.mark.parametrize("module", [diacritics_fix.options, diacritics_fix.restorer], ids=["options", "restorer"])
def test_doctests_of_the_options_and_restorer_modules(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


def test_restore_rejects_bad_options():
    with pytest.raises(ValueError):
        restore("Thanh uy", style="nope")
    with pytest.raises(TypeError):
        restore("Thanh uy", colour="blue")


# --- properties ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _model_syllables() -> tuple[list[str], list[str]]:
    """The model's syllables that carry marks, and the skeletons of all its syllables."""
    syllables = [s for s in Restorer().model.syllables if is_valid(s)]
    return sorted({s for s in syllables if has_marks(s)}), sorted({skeleton(s) for s in syllables})


# Deferred, so that the model is loaded when a property runs, not when tests are collected.
MARKED_SYLLABLES = st.deferred(lambda: st.sampled_from(_model_syllables()[0]))
SKELETONS = st.deferred(lambda: st.sampled_from(_model_syllables()[1]))

SEPARATORS = st.sampled_from([" ", " ", " ", " ", ", ", ". ", "; ", ": ", " - ", "\n", "\r\n", "\t", " (", ") ", "/"])

ANY_TEXT = st.lists(
    st.one_of(
        SKELETONS,
        SKELETONS.map(str.title),
        SKELETONS.map(str.upper),
        MARKED_SYLLABLES,
        st.sampled_from(["15/2020/ND-CP", "20-NQ/TW", "1.500.000", "12,5%", "https://chinhphu.vn", "a@b.vn", "IV", "a)", "14h00", "UBND"]),
        st.sampled_from(["\r\n", "\n", "\t", "\u00a0", "\ufeff", "\u200b", "🎉", "👨\u200d👩\u200d👧", "\u0301", "“", "”"]),
        st.text(alphabet=string.printable, max_size=5),
        st.characters(),
    ),
    max_size=30,
).map(" ".join)


@given(ANY_TEXT)
def test_every_non_letter_and_the_line_structure_survive(text):
    # In OCR output digits and symbols inside words are misread letters ("s6" is "số"),
    # so the guarantee is for the stripped and clean readings; any mode keeps the lines.
    for mode in ("stripped", "clean"):
        restored = restore(text, mode=mode)
        assert len(restored.splitlines()) == len(text.splitlines())
        assert without_letters(restored) == without_letters(text)
    assert len(restore(text).splitlines()) == len(text.splitlines())


def _sentence(words: list[str], separators: list[str]) -> str:
    parts = [words[0]]
    for word, separator in zip(words[1:], separators):
        parts += [separator, word]
    return "".join(parts)


@given(
    st.lists(MARKED_SYLLABLES, min_size=1, max_size=15),
    st.lists(SEPARATORS, min_size=15, max_size=15),
    st.sampled_from(["lower", "title", "upper"]),
    st.sampled_from(["hòa", "hoà"]),
    st.booleans(),
)
def test_correct_vietnamese_is_a_fixed_point(words, separators, case, style, capitalise):
    words = [getattr(restyle(w, style), case)() for w in words]
    if capitalise:
        words[0] = words[0][:1].upper() + words[0][1:]
    text = _sentence(words, separators) + "."
    assert restore(text) == text


@given(
    st.lists(SKELETONS, min_size=1, max_size=15),
    st.lists(SEPARATORS, min_size=15, max_size=15),
    st.sampled_from(["lower", "title", "upper", "capitalize"]),
)
@settings(max_examples=80)
def test_restore_is_idempotent_on_its_own_output(skeletons, separators, case):
    text = getattr(_sentence(skeletons, separators), case)()
    once = restore(text)
    assert restore(once) == once


def test_a_restorer_sharing_its_caches_restores_the_same():
    """A worker's share of the caches (Restorer.share_caches): smaller bounds, emptied as often as
    they fill, and the same restored text, stripped or read by OCR."""
    from pathlib import Path

    from diacritics_fix.channel import MAX_CACHED_TOKENS, candidate_index

    ocr = (Path(__file__).parent / "cases" / "ocr" / "scan" / "cong-van.ocr.txt").read_text(encoding="utf-8")
    whole = Restorer()
    expected = [whole.restore(NOTICE_STRIPPED), whole.restore(ocr)]
    shared = Restorer().share_caches(10_000)  # bounds at their floor: every cache fills and empties
    assert shared._slots.max_size == 1_000 and shared._max_entries == 1_000
    assert all(d._tables.max_scores == 1_000 and d.max_lattices == 1_000 for d in shared._decoders.values())
    assert candidate_index(shared.model).max_cache == 1_000
    try:
        for _ in range(2):  # the second time, from caches that were emptied in between
            assert [shared.restore(NOTICE_STRIPPED), shared.restore(ocr)] == expected
    finally:
        candidate_index(shared.model).max_cache = MAX_CACHED_TOKENS  # (the index is the process's, not the restorer's)
