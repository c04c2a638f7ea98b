# SPDX-License-Identifier: GPL-3.0-or-later
"""The OCR channel and its candidate generator (diacritics_fix.channel).

Every example here is written for this file, in the style of the documents
the project serves; none is taken from the shared OCR pairs.  The tests that
need the learned table skip when data/lexicon/channel.tsv has not been built
(``python scripts/build_channel.py``).
"""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diacritics_fix import channel as channel_module
from diacritics_fix.channel import (
    ANY, MARK, OTHER, SAME, Channel, align_tokens, context_letter, context_of, is_readable, load_channel, ocr_candidates, token_core,
)
from diacritics_fix.model import data_dir, load_model
from diacritics_fix.syllable import is_valid

TABLE = data_dir() / "lexicon" / "channel.tsv"
needs_table = pytest.mark.skipif(not TABLE.exists(), reason="channel.tsv not built (scripts/build_channel.py)")


@pytest.fixture(scope="module")
def channel() -> Channel:
    return load_channel()


@pytest.fixture(scope="module")
def model():
    return load_model()


def readings(token: str, model, limit: int = 8) -> list[tuple[str, ...]]:
    return [tuple(model.syllables[i] for i in ids) for ids, _ in ocr_candidates(token, model, limit)]


# -- the edit distance itself, on a hand-made table (no data needed) -----------------

DEFAULTS = {(SAME, SAME): 0.1, (MARK, MARK): 1.0, (OTHER, OTHER): 6.0, ("", OTHER): 5.0, (OTHER, ""): 4.0}
TOY = Channel({**DEFAULTS, ("ủ", "ii"): 0.5, ("ộ", "6"): 0.7})
# Context: the horn of ư printed as w mostly where ơ follows (trường,
# người), and ư printed as u least before n (chưng, những: the OCR drops the
# horn there).
TOY_CONTEXT = Channel(
    {**DEFAULTS, ("ư", "u"): 0.5, ("ư", "w"): 3.0, ("ơ", "o"): 0.4, ("ờ", "o"): 0.8},
    {("ư", "w", ANY, "ơ"): 0.3, ("ư", "u", ANY, "ơ"): 2.0, ("ư", "u", "h", "n"): 0.2},
)


@pytest.mark.parametrize(
    "table, ocr, syllable, expected, label",
    [
        (TOY, "chủ", "chủ", 0.3, "three letters read as themselves"),
        (TOY, "chu", "chủ", 1.2, "a tone mark lost: the same base letter"),
        (TOY, "chii", "chủ", 0.7, "a multi-character confusion: ủ printed as ii"),
        (TOY, "h6i", "hội", 0.9, "a letter printed as a digit"),
        (TOY, "chi", "chủ", 6.2, "no rule for ủ → i on this table: an unrelated substitution"),
        (TOY_CONTEXT, "tu", "tư", 0.6, "no rule for this neighbourhood: the plain rule"),
        (TOY_CONTEXT, "trwong", "trương", 1.1, "ư printed w before ơ: the context rule, cheaper than the plain one"),
        (TOY_CONTEXT, "truong", "trương", 2.8, "ư printed u before ơ: dearer there than anywhere else"),
        (TOY_CONTEXT, "nhung", "nhưng", 0.6, "both neighbours named: h before, n after"),
        (TOY_CONTEXT, "tung", "tưng", 0.8, "only the right neighbour matches a rule naming both: the plain rule"),
        (TOY_CONTEXT, "twong", "tương", 1.0, "the left neighbour is free (*)"),
    ],
)
def test_toy_costs(table, ocr, syllable, expected, label):
    assert table.cost(ocr, syllable) == pytest.approx(expected), label


def test_toy_alignment_names_the_rule():
    assert TOY.align("chii", "chủ")[1] == [("c", "c"), ("h", "h"), ("ủ", "ii")]


def test_cut_off_search_is_remembered_as_a_bound_only():
    assert TOY.cost("xyz", "hội", bound=1.0) == float("inf")  # gave up early
    assert TOY.cost("xyz", "hội") == pytest.approx(18.0)  # the cut-off did not poison the memo
    assert TOY.cost("xyz", "hội", bound=1.0) >= 1.0


# -- context: how a reading depends on the neighbouring truth letters ----------------

@pytest.mark.parametrize(
    "truth, start, end, expected",
    [
        ("trường", 2, 3, ("r", "ơ")),  # neighbours lose their tone, keep their quality marks
        ("ủy", 0, 1, ("^", "y")),
        ("ủy", 1, 2, ("u", "$")),
        ("người", 2, 4, ("g", "i")),  # a two-letter truth side (ườ)
    ],
)
def test_context_of(truth, start, end, expected):
    assert context_of(truth, start, end) == expected


def test_context_rows_round_trip_through_the_table_file(tmp_path):
    table = tmp_path / "channel.tsv"
    table.write_text(
        "# a table written for this test\n<same>\t<same>\t0.1\n<other>\t<other>\t6.0\nư\tu\t0.5\n"
        "ư\tw\t3.0\nư\tw\t0.3\t*\tơ\n", encoding="utf-8")
    read = Channel.read(table)
    assert read.contexts == {("ư", "w", ANY, "ơ"): 0.3}
    assert read.rules_at("ư", "t", "ơ")["w"] == pytest.approx(0.3)
    assert read.rules_at("ư", "t", "n")["w"] == pytest.approx(3.0)
    assert read.digest is not None


def test_the_skeleton_channel_stays_a_lower_bound_with_context():
    for ocr, syllable in [("trwong", "trương"), ("truong", "trường"), ("nhung", "nhừng"), ("twong", "tưởng")]:
        lower = TOY_CONTEXT.skeleton_channel.cost(ocr, channel_module.skeleton(syllable))
        assert lower <= TOY_CONTEXT.cost(ocr, syllable) + 1e-9, (ocr, syllable)


# -- token alignment (learning and measuring) ----------------------------------------

def test_align_tokens_pairs_glued_and_dropped_words():
    truth = ["Ủy", "ban", "nhân", "dân", "ở", "tỉnh"]
    ocr = ["Uy", "bannhan", "dan", "tinh"]
    assert align_tokens(truth, ocr) == [(0, 1, 0, 1), (1, 3, 1, 2), (3, 4, 2, 3), (4, 5, 3, 3), (5, 6, 3, 4)]


def test_token_core():
    assert token_core("“Quéc,") == "quéc"
    assert token_core("Igi") == "Igi"  # a capital I inside a lowercase word is a misread l
    assert token_core("TINH") == "tinh"


@pytest.mark.parametrize("core", ["2024", "15/2023/qd-ubnd", "3,5m", "12.5", "a)[3]"])
def test_numbers_and_codes_have_no_reading(core):
    assert not is_readable(core)


# -- the learned table ---------------------------------------------------------------

@needs_table
@pytest.mark.parametrize(
    "ocr, marked, unrelated",
    [
        ("é", "ế", "á"),
        ("e", "ề", "o"),
        ("a", "ả", "u"),
        ("thanh", "thành", "khanh"),
        ("quyet", "quyết", "quyen"),
        ("dinh", "định", "danh"),
    ],
)
def test_diacritic_only_differences_are_cheap(channel, ocr, marked, unrelated):
    # Cheaper than any unrelated substitution; how cheap is learned (Tesseract
    # prints ế as é far more often than as e, so é is the cheaper of the two).
    assert channel.cost(ocr, marked) < channel.other
    assert channel.cost(ocr, marked) < channel.cost(ocr, unrelated)


@needs_table
def test_the_commonest_misreadings_are_cheapest(channel):
    assert channel.cost("é", "ế") < channel.cost("e", "ế") < channel.cost("o", "ế")
    assert channel.cost("thanh", "thành") < 1.0


@needs_table
def test_table_header_says_what_it_is():
    header = "".join(line for line in TABLE.read_text(encoding="utf-8").splitlines(True) if line.startswith("#"))
    assert "Tesseract" in header and "tune split" in header and "GENERATED" in header


@needs_table
def test_table_rows_are_three_fields_or_five_with_a_context():
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            fields = line.split("\t")
            assert len(fields) in (3, 5), line
            assert float(fields[2]) >= 0.0, line
            # a neighbour is one character (toneless), ^ or $ (an edge), or * (any)
            assert len(fields) == 3 or all(len(n) == 1 and context_letter(n) == n for n in fields[3:]), line


# -- candidates ------------------------------------------------------------------------

@needs_table
@pytest.mark.parametrize(
    "token, expected, label",
    [
        ("s6", ("số",), "a digit for ố"),
        ("cia", ("của",), "ủ read as i"),
        ("x4", ("xã",), "a digit for ã"),
        ("Thanh", ("thành",), "tone lost, capital kept"),
        ("kinhté", ("kinh", "tế"), "two words printed without a space"),
        ("Quéc", ("quốc",), "ố printed as é"),
        ("h6i", ("hội",), "ộ printed as 6"),
        ("nghj", ("nghị",), "ị printed as j"),
        ("ngudi", ("người",), "ườ printed as ud"),
        ("(tinh,", ("tỉnh",), "edge punctuation around the word"),
        ("vanbản", ("văn", "bản"), "glued, one half already marked"),
    ],
)
def test_truth_among_top_candidates(model, token, expected, label):
    assert expected in readings(token, model), label


@needs_table
@pytest.mark.parametrize(
    "token, expected, label",
    [
        ("chinhquyén", ("chính", "quyền"), "ten characters: only two glued syllables can be printed so long"),
        ("nghiéngnghiéng", ("nghiêng", "nghiêng"), "the two longest syllables glued"),
        ("....:.resricennes", None, "a dotted leader with letters: longer than any two syllables, no reading"),
        ("thanhphé", ("thành", "phố"), "eight characters: still one syllable or two"),
    ],
)
def test_long_tokens_are_read_as_two_syllables_or_not_at_all(model, token, expected, label):
    found = readings(token, model)
    if expected is None:
        assert found == [], label
    else:
        assert expected in found, label  # among the readings: the context chooses
        if len(token_core(token)) > channel_module.MAX_SYLLABLE_CORE:
            assert all(len(r) == 2 for r in found), label


@needs_table
@pytest.mark.parametrize("token", ["thành", "Quốc", "phép", "hoà"])
def test_token_as_written_is_a_reading(model, token):
    from diacritics_fix.syllable import canonical

    assert (canonical(token),) in readings(token, model)


@needs_table
@pytest.mark.parametrize("token", ["2024", "15/2023/QĐ-UBND", "3,5m", "", "...", "—"])
def test_numbers_and_codes_are_left_alone(model, token):
    assert ocr_candidates(token, model) == []


@needs_table
def test_short_digit_runs_read_only_when_asked(model):
    assert ocr_candidates("46", model) == []
    found = ocr_candidates("46", model, numbers=True)
    assert ("độ",) in [tuple(model.syllables[i] for i in ids) for ids, _ in found]


@needs_table
def test_log_probabilities_are_channel_costs(model, channel):
    for ids, logp in ocr_candidates("hdi", model):
        if len(ids) == 1:
            assert logp == pytest.approx(-channel.cost("hdi", model.syllables[ids[0]]))


@needs_table
def test_lookups_are_cached_per_token(model):
    assert ocr_candidates("Tuyén", model) is ocr_candidates("Tuyén", model)


@needs_table
@given(st.text(alphabet="abcdeghiklmnopqrstuvxyAIBDTé0146@&¢-.,", min_size=1, max_size=9))
def test_candidates_are_always_valid_syllables(token):
    model = load_model()
    found = ocr_candidates(token, model)
    assert len(found) <= 8 + 1  # the limit, plus the token as written
    for ids, logp in found:
        assert 1 <= len(ids) <= 2
        assert logp <= 0.0
        # no single reading dearer than the ceiling (but the token as written, always a reading)
        assert len(ids) == 2 or logp >= -channel_module.CEILING or ids == (model.id_of.get(token_core(token)),)
        for sid in ids:
            assert is_valid(model.syllables[sid]), (token, model.syllables[sid])


@needs_table
@pytest.mark.parametrize("syllable, printed", [("của", "cia"), ("số", "s6"), ("người", "ngudi"), ("xã", "x4")])
def test_the_channel_read_forwards_prints_the_common_misreadings(channel, syllable, printed):
    found = dict(channel.misreadings(syllable, 8.0))
    assert printed in found
    # A string's forward cost is one alignment: never cheaper than the best one.
    for text, cost in found.items():
        assert channel.cost(text, syllable) <= cost + 1e-9, text


@needs_table
def test_learned_context_rows_are_probabilities(channel):
    assert channel.contexts, "the table has no context rows (scripts/build_channel.py)"
    assert all(cost >= 0.0 for cost in channel.contexts.values())


@needs_table
def test_module_examples():
    result = doctest.testmod(channel_module)
    assert result.failed == 0 and result.attempted > 0
