# SPDX-License-Identifier: GPL-3.0-or-later
"""The misreading index (diacritics_fix.misreadings) and how the candidate generator uses it.

The tokens checked against the search are those of the project's own OCR
pairs (``tests/cases/ocr``: a report and an official letter written for this
project, rendered and read by Tesseract with the shared tool).  Tests of the
shipped index skip when ``data/lexicon/misreadings.bin`` has not been built
(``python scripts/build_misreadings.py``).
"""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from diacritics_fix import misreadings as misreadings_module
from diacritics_fix.channel import CandidateIndex, load_channel, token_core
from diacritics_fix.misreadings import MisreadingIndex, shipped_index, vocabulary_digest, write_index
from diacritics_fix.model import data_dir, load_model

SHIPPED = data_dir() / "lexicon" / "misreadings.bin"
needs_index = pytest.mark.skipif(not SHIPPED.exists(), reason="misreadings.bin not built (scripts/build_misreadings.py)")
OCR_CASES = Path(__file__).parent / "cases" / "ocr"


def own_ocr_tokens() -> list[str]:
    """Distinct token cores of the project's own OCR pairs, both levels."""
    cores = set()
    for path in sorted(OCR_CASES.glob("*/*.ocr.txt")):
        cores.update(token_core(token) for token in path.read_text(encoding="utf-8").split())
    return sorted(core for core in cores if core)


# -- the file format, on a hand-made index (no shipped data needed) -------------------

SMALL = {
    "cia": [(3, 0.61), (7, 1.507)],
    "s6": [(5, 1.498)],
    "ngudi": [(9, 1.168), (2, 2.77)],
    "nuéc": [(4, 0.845)],
    "Igi": [(1, 2.0)],
}
SYLLABLES = ["và", "lợi", "người", "của", "nước", "số", "x", "cua", "y", "người"]


@pytest.fixture()
def small_index(tmp_path) -> MisreadingIndex:
    path = tmp_path / "misreadings.bin"
    header = {"vocabulary": len(SYLLABLES), "vocabulary_sha256": vocabulary_digest(SYLLABLES),
              "channel_sha256": "abc", "prior": 1.0, "depth": 2}
    write_index(path, header, [0.5 * i for i in range(len(SYLLABLES))], SMALL)
    return MisreadingIndex(path)


@pytest.mark.parametrize("core", sorted(SMALL))
def test_round_trip_gives_back_every_reading(small_index, core):
    assert small_index.get(core) == [(sid, pytest.approx(cost)) for sid, cost in SMALL[core]]


@pytest.mark.parametrize("core", ["cua", "s", "ngudi ", "igi", "", "ngudiii"])
def test_a_token_not_written_is_absent(small_index, core):
    assert small_index.get(core) is None


def test_header_and_penalties_round_trip(small_index):
    assert (small_index.tokens, small_index.depth, small_index.vocabulary) == (len(SMALL), 2, len(SYLLABLES))
    assert small_index.changed([0.5 * i for i in range(len(SYLLABLES))]) == []
    moved = [0.5 * i for i in range(len(SYLLABLES))]
    moved[4] += 1.0
    assert small_index.changed(moved) == [4]


@pytest.mark.parametrize(
    "syllables, digest, prior, fits, label",
    [
        (SYLLABLES, "abc", 1.0, True, "the vocabulary and channel it was built for"),
        (SYLLABLES + ["mới"], "abc", 1.0, True, "a syllable added after them (a user lexicon)"),
        (SYLLABLES[::-1], "abc", 1.0, False, "the same syllables in another order: other ids"),
        (SYLLABLES[:-1], "abc", 1.0, False, "fewer syllables"),
        (SYLLABLES, "other", 1.0, False, "another channel table"),
        (SYLLABLES, None, 1.0, False, "a channel built in memory"),
        (SYLLABLES, "abc", 0.5, False, "another ranking prior"),
    ],
)
def test_the_index_fits_only_its_own_vocabulary_and_channel(small_index, syllables, digest, prior, fits, label):
    assert small_index.fits(syllables, digest, prior) is fits, label


def test_not_an_index_is_refused_with_its_name(tmp_path):
    path = tmp_path / "misreadings.bin"
    path.write_bytes(b"not an index at all")
    with pytest.raises(ValueError, match="misreadings.bin"):
        MisreadingIndex(path)


# -- the shipped index against the search ------------------------------------------------

@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def searched(model) -> CandidateIndex:
    """A candidate generator that searches every token (no index)."""
    index = CandidateIndex(model, load_channel())
    index.use_misreadings(None)
    return index


@pytest.fixture(scope="module")
def indexed(model) -> CandidateIndex:
    index = CandidateIndex(model, load_channel())
    assert index.use_misreadings(shipped_index())
    return index


@needs_index
def test_the_shipped_index_fits_the_shipped_model(model):
    assert shipped_index().fits(model.syllables, load_channel().digest, 1.0)


def test_the_shipped_index_holds_as_many_readings_as_the_restorer_asks_for():
    """A shallower index is never used for a lookup: every token would be searched for."""
    from diacritics_fix.candidates import OCR_READINGS

    assert shipped_index().depth >= OCR_READINGS


@needs_index
def test_most_tokens_of_a_real_scan_are_in_the_index():
    cores = own_ocr_tokens()
    found = sum(1 for core in cores if shipped_index().get(core) is not None)
    assert found / len(cores) > 0.6


@needs_index
def test_indexed_readings_are_at_least_as_good_as_the_search(indexed, searched):
    # The index was built with a wider search: its k-th reading never ranks
    # below the k-th reading a lookup-time search finds.
    checked = 0
    for core in own_ocr_tokens():
        stored = indexed._indexed(core, 8)
        if stored is None:
            continue
        found = searched.search(core, 8)
        assert len(stored) >= len(found), core
        for mine, theirs in zip(stored, found):
            assert mine[0] <= theirs[0] + 1e-6, (core, mine, theirs)
        checked += 1
    assert checked > 100


@needs_index
@pytest.mark.parametrize(
    "token, expected, label",
    [
        ("cia", "của", "ủ printed as i"),
        ("s6", "số", "ố printed as 6"),
        ("nuéc", "nước", "ướ printed as ué"),
        ("ngudi", "người", "ườ printed as ud"),
        ("Tinh", "tỉnh", "a capital, tone lost"),
    ],
)
def test_common_misreadings_come_from_the_index(indexed, model, token, expected, label):
    assert shipped_index().get(token_core(token)) is not None, label
    best = [model.syllables[sid] for sid, _ in indexed.syllable_readings(token_core(token), 8)[:3]]
    assert expected in best, label


# -- fallback: models the index was not built for ---------------------------------------

@needs_index
def test_a_lexicon_syllable_joins_the_indexed_readings(model):
    # A user's lexicon adds a syllable the shipped model lacks ("Xoòng", a
    # place name).  "xoong" is in the index, which knows nothing of the new
    # syllable: it must still be among the readings, found by the search of
    # the changed syllables and merged with the index's readings.
    extended = load_model.__wrapped__()  # a private copy: add_vocabulary changes the model
    extended.add_vocabulary(["Xoòng"])
    new = extended.id_of["xoòng"]
    assert new >= shipped_index().vocabulary and shipped_index().get("xoong") is not None
    index = CandidateIndex(extended, load_channel())
    assert index.use_misreadings(shipped_index())
    assert new in [sid for sid, _ in index.syllable_readings("xoong", 8)]
    stored = [sid for sid, _ in shipped_index().get("xoong")]
    assert new not in stored


@needs_index
def test_another_vocabulary_falls_back_to_the_search(model):
    other = load_model.__wrapped__()
    other.syllables[0], other.syllables[1] = other.syllables[1], other.syllables[0]
    index = CandidateIndex(other, load_channel())
    assert index.use_misreadings(shipped_index()) is False
    assert index.syllable_readings("cia", 8) == [(sid, cost) for _, cost, sid in index.search("cia", 8)]


def test_module_examples():
    result = doctest.testmod(misreadings_module)
    assert result.failed == 0 and result.attempted > 0
