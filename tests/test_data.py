"""The shipped data: hand-written lists are well-formed, generated tables load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from diacritics_fix.model import data_dir, load_model

ROOT = Path(__file__).resolve().parents[1]


def test_hand_written_lists_pass_their_checks():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_lists.py")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]


def test_the_model_knows_the_domain():
    model = load_model()
    assert len(model.syllables) > 7000
    assert set(model.domains) == {"admin", "general", "everyday"} and model.default_domain == "admin"
    assert len(model.lm.trigram_keys) > 500_000 and len(model.pair_keys) > 100_000
    assert model.abbreviations["ND"] == "NĐ" and model.abbreviations["HDND"] == "HĐND"
    # The counts know administrative Vietnamese: "nhân dân tỉnh" beats "nhân dân tính"
    i = model.id_of
    assert model.lm.logp(["nhân", "dân"], "tỉnh") > model.lm.logp(["nhân", "dân"], "tính") + 5
    # … and each domain its own words: "nhé" is likelier in everyday text than in legal text
    everyday, admin = model.domains["everyday"], model.domains["admin"]
    assert everyday.unigram_logp[i["nhé"]] > admin.unigram_logp[i["nhé"]] + 1


def test_the_model_tables_are_memory_mapped_arrays():
    import numpy as np

    model = load_model()
    for table in (model.lm.trigram_keys, model.lm.bigram_logp, model.domains["everyday"].trigram_logp,
                  model.pair_keys):
        assert isinstance(table.base, np.memmap) and not table.flags.writeable  # the file's pages, read-only
    assert model.lm.trigram_keys is model.domains["everyday"].trigram_keys  # the domains share their keys


def test_the_notice_credits_every_source():
    notice = (data_dir() / "NOTICE").read_text(encoding="utf-8")
    for source in ("Viet74K", "Tesseract", "wordfreq", "Vietnamese Wikipedia contributors", "Article 15",
                   "GPL-3.0-or-later", "CC-BY-SA-4.0"):
        assert source in notice
