# SPDX-License-Identifier: GPL-3.0-or-later
"""The OCR pair sets of scripts/make_ocr_pairs.py and how bench/corpus.py finds pairs.

What is learned from and what is measured on must never mix: training sets
hold tune documents and the project's own text, measurement sets held-out
documents only, and the choice of documents, typefaces and sizes is the same
on every run.  Needs the development corpus (skips without it); runs no OCR.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "corpus" / "dev"
pytestmark = pytest.mark.skipif(not DEV.is_dir(), reason="needs the development corpus (../shared/corpus/dev)")


@pytest.fixture(scope="module")
def tools():
    for folder in ("scripts", "bench"):
        if str(ROOT / folder) not in sys.path:
            sys.path.insert(0, str(ROOT / folder))
    return importlib.import_module("make_ocr_pairs"), importlib.import_module("corpus")


def test_training_sets_never_hold_a_held_out_document(tools):
    make, corpus = tools
    for pair_set in make.PLAN:
        if pair_set.name.startswith("train/"):
            for path in pair_set.documents():
                assert not corpus.pair_is_held_out(path.stem), (pair_set.name, path.name)


def test_measurement_sets_hold_only_held_out_documents_not_already_shared(tools):
    make, corpus = tools
    for pair_set in make.PLAN:
        if pair_set.name.startswith("held-out/"):
            shared = {p.name.split(".")[0] for p in (make.SHARED_PAIRS / f"dev-{pair_set.level}").glob("*.truth.txt")}
            names = [path.stem for path in pair_set.documents()]
            assert names and all(corpus.is_held_out(name) for name in names), pair_set.name
            assert not shared & set(names), pair_set.name


def test_batches_are_the_same_on_every_run_and_cover_each_document_once(tools):
    make, _ = tools
    for pair_set in make.PLAN:
        batches = pair_set.batches()
        assert batches == pair_set.batches()
        names = [path.name for _, _, paths, _ in batches for path in paths]
        assert sorted(names) == sorted(path.name for path in pair_set.documents())


def test_training_pairs_come_in_every_typeface_and_size(tools):
    make, _ = tools
    poor = next(s for s in make.PLAN if s.name == "train/poor")
    assert {(font, size) for font, size, _, _ in poor.batches()} == {
        (font, size) for font in make.FONTS for size in make.SIZES
    }


@pytest.mark.parametrize("level", ["clean", "scan", "poor"])
def test_pairs_are_found_on_their_own_side_of_the_split(tools, level):
    _, corpus = tools
    for split in ("held-out", "tune"):
        for path in corpus.ocr_pairs(level, split):
            assert corpus.pair_is_held_out(path.name.split(".")[0]) == (split == "held-out"), path
