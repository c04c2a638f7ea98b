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
    assert len(model.phrases) > 20000
    assert model.abbreviations["ND"] == "NĐ" and model.abbreviations["HDND"] == "HĐND"
    # Every phrase reading is made of known syllables with the phrase's skeletons.
    some = list(model.phrases.items())[:500]
    assert all(len(key) == len(ids) for key, readings in some for ids in readings)


def test_the_notice_credits_every_source():
    notice = (data_dir() / "NOTICE").read_text(encoding="utf-8")
    for source in ("Viet74K", "Tesseract", "wordfreq", "Vietnamese Wikipedia contributors", "Article 15",
                   "GPL-3.0-or-later", "CC-BY-SA-4.0"):
        assert source in notice
