# SPDX-License-Identifier: GPL-3.0-or-later
"""Learning from the user's own text: ``diacritics-fix learn``, ``--model``, ``--lexicon``, ``--adapt``.

The corpus (``cases/learn/``) was written for these tests: letters of two
made-up communes, Nậm Mằn and Thèn Sin, whose names the shipped model reads
as "Nam Man" and "Then Sin".
"""

from __future__ import annotations

import json
import os
import random
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from diacritics_fix import Options, Restorer
from diacritics_fix.cli import main
from diacritics_fix.encodings import encode_document
from diacritics_fix.learn import Learner, adapt, learn
from diacritics_fix.model import LEXICON_LOGP, read_user_model, with_user_models
from diacritics_fix.syllable import all_syllables

CASES = Path(__file__).resolve().parent / "cases"
CORPUS = CASES / "learn"
NAM_MAN = "Uy ban nhan dan xa Nam Man to chuc hop giao ban."
THEN_SIN = "Hoi dong nhan dan xa Then Sin to chuc ky hop thu tam."


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("models") / "communes"
    learn([str(CORPUS)], folder)
    return str(folder)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_learn_writes_a_model_folder_with_its_manifest(model):
    manifest = json.loads((Path(model) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "diacritics-fix user model"
    assert manifest["tool_version"] and manifest["built"]
    assert sorted(Path(s["path"]).name for s in manifest["sources"]) == ["bao-cao.txt", "ke-hoach.txt", "thong-bao.txt"]
    assert manifest["counts"]["words"] == sum(s["words"] for s in manifest["sources"]) > 100
    counts = read_user_model(model)
    assert counts.counts.count("nậm", "mằn") >= 8 and counts.counts.count("xã", "nậm", "mằn") >= 4
    assert counts.counts.count("thèn") >= 5
    assert "Nậm Mằn" in counts.names and "Hợp Tác" not in counts.names


def test_the_shipped_model_does_not_know_the_communes():
    assert "Nam Man" in Restorer().restore(NAM_MAN)
    assert "Then Sin" in Restorer().restore(THEN_SIN)


def test_a_learned_model_restores_the_names_it_saw(model):
    restorer = Restorer(models=(model,))
    assert restorer.restore(NAM_MAN) == "Ủy ban nhân dân xã Nậm Mằn tổ chức họp giao ban."
    assert restorer.restore(THEN_SIN) == "Hội đồng nhân dân xã Thèn Sin tổ chức kỳ họp thứ tám."


def test_cli_model_option_is_repeatable(tmp_path, runner):
    learn([str(CORPUS / "nam-man")], tmp_path / "nam-man")
    learn([str(CORPUS / "then-sin" / "bao-cao.txt")], tmp_path / "then-sin")
    text = NAM_MAN + "\n" + THEN_SIN + "\n"
    one = runner.invoke(main, ["--model", str(tmp_path / "nam-man")], input=text)
    both = runner.invoke(main, ["--model", str(tmp_path / "nam-man"), "--model", str(tmp_path / "then-sin")],
                         input=text)
    assert one.exit_code == both.exit_code == 0
    assert "Nậm Mằn" in one.output and "Then Sin" in one.output
    assert "Nậm Mằn" in both.output and "Thèn Sin" in both.output


def test_cli_model_that_is_no_model_is_named(tmp_path, runner):
    result = runner.invoke(main, ["--model", str(tmp_path)], input=NAM_MAN)
    assert result.exit_code == 1
    assert str(tmp_path) in result.output and "not a diacritics-fix model" in result.output


def test_lexicon_phrases_and_vocabulary(tmp_path, runner):
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("# communes of the district\nNậm Mằn\nThèn Sin\nmằn\n", encoding="utf-8")
    result = runner.invoke(main, ["--lexicon", str(lexicon)], input=NAM_MAN)
    assert result.exit_code == 0
    assert result.output.startswith("Ủy ban nhân dân xã Nậm Mằn")
    restorer = Restorer(lexicon=("Thèn Sin", "mằn"))
    assert "Thèn Sin" in restorer.restore(THEN_SIN)
    model = restorer.model  # a single syllable is now weighed among the readings of "man"
    assert model.logp[model.id_of["mằn"]] >= LEXICON_LOGP
    assert model.id_of["mằn"] in model.by_skeleton["man"][:3]
    assert Restorer().model.id_of["mằn"] not in Restorer().model.by_skeleton["man"][:6]


def test_learn_reads_folders_and_globs_alike(tmp_path, runner):
    by_folder = runner.invoke(main, ["learn", str(CORPUS), "-o", str(tmp_path / "a")])
    by_glob = runner.invoke(main, ["learn", str(CORPUS / "*" / "*.txt"), "-o", str(tmp_path / "b")])
    assert by_folder.exit_code == by_glob.exit_code == 0, by_folder.output + by_glob.output
    a, b = read_user_model(tmp_path / "a"), read_user_model(tmp_path / "b")
    assert a.counts.symbols == b.counts.symbols
    assert (a.counts.trigram_keys == b.counts.trigram_keys).all() and (a.counts.unigrams == b.counts.unigrams).all()
    assert "words from 3 files" in by_folder.output


@pytest.mark.parametrize("name, content", [
    ("scan.pdf", b"%PDF-1.4\x00\x01\x02\xff\xfe binary"),
    ("missing.txt", None),
])
def test_a_bad_input_is_named_and_no_model_is_written(tmp_path, runner, name, content):
    bad = tmp_path / name
    if content is not None:
        bad.write_bytes(content)
    result = runner.invoke(main, ["learn", str(CORPUS), str(bad), "-o", str(tmp_path / "model")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(bad) in lines[0] and lines[0].startswith("diacritics-fix: ")
    assert not (tmp_path / "model").exists()


def test_text_with_no_marks_gives_no_model_and_exit_1(tmp_path, runner):
    stripped = tmp_path / "khong-dau.txt"
    stripped.write_text(NAM_MAN + "\n" + THEN_SIN + "\n", encoding="utf-8")
    result = runner.invoke(main, ["learn", str(stripped), "-o", str(tmp_path / "model")])
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith(f"diacritics-fix: {stripped}: no text with its marks to learn from")
    assert "2 of its 2 lines look stripped" in line
    assert not (tmp_path / "model").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["khong-dau.txt"]


def test_an_existing_model_is_replaced_only_with_force(tmp_path, runner):
    folder = tmp_path / "model"
    assert runner.invoke(main, ["learn", str(CORPUS / "nam-man"), "-o", str(folder)]).exit_code == 0
    before = (folder / "manifest.json").read_bytes()
    result = runner.invoke(main, ["learn", str(CORPUS / "then-sin"), "-o", str(folder)])
    assert result.exit_code == 1 and "--force" in result.output and str(folder) in result.output
    assert (folder / "manifest.json").read_bytes() == before
    result = runner.invoke(main, ["learn", str(CORPUS / "then-sin"), "-o", str(folder), "--force"])
    assert result.exit_code == 0, result.output
    replaced = read_user_model(folder)
    assert replaced.counts.count("thèn") >= 5 and replaced.counts.count("nậm") == 0


def test_a_model_folder_gets_the_usual_permissions(tmp_path):
    mask = os.umask(0o027)  # a team's umask: group may read
    try:
        learn([str(CORPUS / "nam-man")], tmp_path / "model")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "model").stat().st_mode) == 0o750
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "model").iterdir()} == {0o640}


def test_learn_reads_inputs_as_restoring_does(tmp_path):
    """Legacy encodings at any size, and a folder's files found in any case of their extension."""
    folder = tmp_path / "kho"
    folder.mkdir()
    letters = sorted((CORPUS / "nam-man").glob("*.txt"))
    (folder / "KE-HOACH.TXT").write_bytes(encode_document(letters[0].read_text(encoding="utf-8"), "vni"))
    (folder / "thong-bao.txt").write_bytes(encode_document(letters[1].read_text(encoding="utf-8"), "tcvn3"))
    learn([str(folder)], tmp_path / "legacy")
    learn([str(CORPUS / "nam-man")], tmp_path / "utf8")
    legacy, utf8 = read_user_model(tmp_path / "legacy"), read_user_model(tmp_path / "utf8")
    assert legacy.counts.count("nậm", "mằn") == utf8.counts.count("nậm", "mằn") >= 8
    manifest = json.loads((tmp_path / "legacy" / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(Path(source["path"]).name for source in manifest["sources"]) == ["KE-HOACH.TXT", "thong-bao.txt"]


def test_stripped_lines_are_not_learned():
    learner = Learner()
    learner.add_text("Uy ban nhan dan xa Nam Man to chuc hop\nỦy ban nhân dân xã Nậm Mằn tổ chức họp\n")
    assert learner.skipped_lines == 1
    assert learner.count("nam") == 0 and learner.count("nậm") == 1


def test_pruning_keeps_the_tables_within_budget(tmp_path):
    rng = random.Random(1)
    syllables = all_syllables()
    lines = [" ".join(rng.choices(syllables, k=12)) for _ in range(400)]
    lines += ["Ủy ban nhân dân xã Nậm Mằn"] * 50
    learner = Learner(pair_budget=500, phrase_budget=500)
    for start in range(0, len(lines), 20):
        learner.add_text("\n".join(lines[start:start + 20]))
    assert len(learner.pairs) <= 500 and len(learner.ngrams) <= 500
    assert learner.pairs.pruned_below > 1
    assert learner.count("nậm", "mằn") == 50  # frequent pairs survive, counted exactly
    manifest = learner.write(tmp_path / "model")
    assert manifest["counts"]["bigrams"] <= 500 and manifest["pruned_below"]["bigrams"] > 1


def test_adapt_returns_one_output_per_input(model):
    texts = [NAM_MAN, "", THEN_SIN, "Căn cứ Luật Tổ chức chính quyền địa phương"]
    outputs = adapt(texts, Restorer())
    assert len(outputs) == len(texts)
    assert outputs[1] == "" and outputs[3] == texts[3]
    assert adapt([]) == []


def test_cli_adapt(runner):
    result = runner.invoke(main, ["--adapt"], input="Cac dang bo truc thuoc Thanh uy\n")
    assert result.exit_code == 0 and result.output == "Các đảng bộ trực thuộc Thành ủy\n"


# The negative cases the shipped model already gets right (known failures are test_cases.py's business).
KNOWN_FAILURES = {case["label"] for case in json.loads((CASES / "known-failures.json").read_text(encoding="utf-8"))}
NEGATIVE = [case for case in json.loads((CASES / "negative.json").read_text(encoding="utf-8"))
            if case["label"] not in KNOWN_FAILURES]


@pytest.mark.parametrize("case", NEGATIVE, ids=[case["label"] for case in NEGATIVE])
def test_a_learned_model_leaves_correct_text_alone(model, case):
    assert Restorer(models=(model,)).restore(case["text"]) == case["text"]


def test_a_learned_model_leaves_its_own_corpus_alone(model):
    restorer = Restorer(models=(model,))
    for path in sorted(CORPUS.rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert restorer.restore(text) == text


def test_user_models_are_cached_and_reread_when_rewritten(tmp_path):
    learn([str(CORPUS / "nam-man")], tmp_path / "m")
    first = with_user_models([str(tmp_path / "m")])
    assert with_user_models([str(tmp_path / "m")]) is first
    learn([str(CORPUS / "then-sin")], tmp_path / "m", force=True)
    assert with_user_models([str(tmp_path / "m")]) is not first


def test_options_validate_the_model_weight():
    with pytest.raises(ValueError):
        Options(model_weight=1.0).validate()
    with pytest.raises(ValueError):
        Options(models="my-model").validate()


DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"


@pytest.mark.skipif(not DEV.is_dir(), reason="needs the development corpus (../shared/corpus/dev)")
def test_a_model_learned_from_the_tune_split_leaves_held_out_text_alone(tmp_path):
    documents = sorted(DEV.glob("*.txt"))
    tune = [str(p) for p in documents if int(p.stem[-4:]) % 5][:40]
    held_out = [p for p in documents if int(p.stem[-4:]) % 5 == 0][:5]
    learn(tune, tmp_path / "model")
    restorer = Restorer(models=(str(tmp_path / "model"),))
    for path in held_out:
        text = path.read_text(encoding="utf-8")
        assert restorer.restore(text).split() == text.split(), path.name


def test_a_model_of_the_first_format_asks_to_be_learned_again(tmp_path, runner):
    old = tmp_path / "old-model"
    old.mkdir()
    (old / "manifest.json").write_text('{"format": "diacritics-fix user model", "format_version": 1}', encoding="utf-8")
    (old / "syllables.tsv").write_text("nậm\t3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="older diacritics-fix; learn it again"):
        Restorer(models=(str(old),)).restore(NAM_MAN)
    result = runner.invoke(main, ["--model", str(old)], input=NAM_MAN)
    assert result.exit_code == 1
    assert str(old) in result.output and "learn it again" in result.output


def test_a_learned_model_adds_its_trigrams(model):
    counts = read_user_model(model).counts
    assert counts.count("nhân", "dân", "xã") >= 3
    assert len(counts.trigram_keys) > 100
