#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make more (OCR, truth) pairs with the shared tool: training pairs for the channel, measurement pairs for the bench.

    python scripts/make_ocr_pairs.py [--out build/ocr-pairs] [--jobs 1] [--only train/poor ...] [--list]

Drives ``../shared/tools/ocrpairs/make_pairs.py`` (real Tesseract, ``-l eng``)
over fixed sets of documents with fixed seeds, so that a regeneration gives
the same pairs:

* ``train/…`` — the *tune* split of the dev corpus (``bench/corpus.py``) and
  the project's own text (``data/text/``): every document at the ``poor``
  level, half the tune documents and all the project's text at the ``scan``
  level (the shared pairs have many more of it), a third of the tune
  documents ``clean``.  Each document gets one
  typeface (Liberation, DejaVu or Noto Serif) and one size (12, 13 or 14 pt)
  per level, drawn from a hash of its name, so that the channel learned from
  them (``scripts/build_channel.py``) is tied to no one font.
* ``held-out/dev-clean``, ``held-out/dev-scan``, ``held-out/dev-poor`` — every
  document of the *held-out* split at each level, in the settings of the
  shared pairs (Liberation Serif 14 pt, seed 3, with the ``-l vie`` reading as
  a reference), except those the shared pairs already hold.  Only measured
  (``bench/ocr.py``, ``bench/channel_eval.py``), never learned from.

Documents are done in batches of BATCH_SIZE; a batch whose ``run_stats.json``
exists is complete and skipped, so an interrupted run resumes where it
stopped.  Everything goes under ``build/`` (git-ignored): pairs made from dev
documents are never committed.  Tesseract is slow: a full regeneration takes
hours on two cores (the summary line gives the time of the run).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from corpus import corpus_dir, documents  # noqa: E402  (the project's one definition of the split)

SHARED = ROOT.parent / "shared"
TOOL = SHARED / "tools" / "ocrpairs" / "make_pairs.py"
SHARED_PAIRS = SHARED / "ocr"
# The seed of the shared pairs: the held-out sets are made in their settings.
SEED = 3
FONTS = ("liberation", "dejavu", "noto")
SIZES = (12, 13, 14)
BATCH_SIZE = 24
# The tool needs Pillow, which the project does not: Debian's python3-pil made the shared pairs.
DEFAULT_PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


class PairSet:
    """One set of pairs: which documents, at which level, in which typefaces.

    *share* keeps that fraction of the documents (chosen by a hash of the
    name); *fonts* and *sizes* are rotated over the documents the same way.
    """

    def __init__(self, name: str, source: str, level: str, share: float = 1.0,
                 fonts: tuple[str, ...] = FONTS, sizes: tuple[int, ...] = SIZES, vie: bool = False) -> None:
        self.name, self.source, self.level, self.share = name, source, level, share
        self.fonts, self.sizes, self.vie = fonts, sizes, vie

    def draw(self, document: str, what: str) -> int:
        """A fixed pseudo-random number for *document* in this set."""
        digest = hashlib.sha256(f"{self.name}|{what}|{document}".encode("utf-8")).hexdigest()
        return int(digest[:12], 16)

    def documents(self) -> list[Path]:
        found = source_documents(self.source)
        if self.share < 1.0:
            found = [p for p in found if self.draw(p.stem, "share") % 1000 < self.share * 1000]
        if self.source == "held-out":  # the shared pairs of this level are measured as they are
            have = {p.name.split(".")[0] for p in (SHARED_PAIRS / f"dev-{self.level}").glob("*.truth.txt")}
            found = [p for p in found if p.stem not in have]
        return found

    def batches(self) -> list[tuple[str, int, list[Path], str]]:
        """(font, size, documents, batch folder) for every batch of the set."""
        groups: dict[tuple[str, int], list[Path]] = {}
        for path in self.documents():
            font = self.fonts[self.draw(path.stem, "font") % len(self.fonts)]
            size = self.sizes[self.draw(path.stem, "size") % len(self.sizes)]
            groups.setdefault((font, size), []).append(path)
        found = []
        for (font, size), paths in sorted(groups.items()):
            for start in range(0, len(paths), BATCH_SIZE):
                folder = f"{self.name}/{font}-{size}/{start // BATCH_SIZE:02d}"
                found.append((font, size, paths[start:start + BATCH_SIZE], folder))
        return found


def source_documents(source: str) -> list[Path]:
    """The documents of a source: ``tune`` or ``held-out`` dev documents, or the project's ``text``."""
    if source == "text":
        return sorted((ROOT / "data" / "text").glob("*.txt"))
    return documents(source)


# In the order they are made: the poor level first (the channel's weakest),
# then the measurement sets, then the rest.
PLAN = (
    PairSet("train/poor", "tune", "poor"),
    PairSet("held-out/dev-poor", "held-out", "poor", fonts=("liberation",), sizes=(14,), vie=True),
    PairSet("held-out/dev-scan", "held-out", "scan", fonts=("liberation",), sizes=(14,), vie=True),
    PairSet("held-out/dev-clean", "held-out", "clean", fonts=("liberation",), sizes=(14,), vie=True),
    PairSet("train/scan", "tune", "scan", share=1 / 2),
    PairSet("train/text-poor", "text", "poor"),
    PairSet("train/text-scan", "text", "scan"),
    PairSet("train/clean", "tune", "clean", share=1 / 3),
)


def stage_input(paths: list[Path], folder: Path) -> None:
    """The batch's input folder: links to dev documents, the project's text without its comment header."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    for path in paths:
        target = folder / path.name
        if path.parent == corpus_dir():
            target.symlink_to(path)
        else:
            lines = path.read_text(encoding="utf-8").splitlines()
            target.write_text("\n".join(line for line in lines if not line.startswith("#")) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "ocr-pairs")
    parser.add_argument("--jobs", type=int, default=1, help="pages OCR'd at once (the machine is shared)")
    parser.add_argument("--only", nargs="+", help="make only these sets (names as in --list)")
    parser.add_argument("--list", action="store_true", help="list the sets and their batches, make nothing")
    parser.add_argument("--python", default=DEFAULT_PYTHON,
                        help="the Python that runs the tool (it needs Pillow; the shared pairs used Debian's)")
    args = parser.parse_args()
    if not TOOL.exists():
        sys.exit(f"{TOOL}: the shared OCR pair tool is missing")
    started = time.perf_counter()
    made = skipped = 0
    for pair_set in PLAN:
        if args.only and pair_set.name not in args.only:
            continue
        batches = pair_set.batches()
        if args.list:
            count = sum(len(paths) for _, _, paths, _ in batches)
            chars = sum(p.stat().st_size for _, _, paths, _ in batches for p in paths)
            print(f"{pair_set.name:<22}{pair_set.level:<7}{count:>5} documents {chars / 1e6:>6.2f} MB {len(batches):>4} batches")
            continue
        for font, size, paths, folder in batches:
            out = args.out / folder
            if (out / "run_stats.json").exists():
                skipped += 1
                continue
            staged = args.out / "input" / folder
            stage_input(paths, staged)
            command = [args.python, str(TOOL), str(staged), str(out), "--level", pair_set.level,
                       "--font", font, "--pt", str(size), "--seed", str(SEED), "--jobs", str(args.jobs), "--quiet"]
            if pair_set.vie:
                command.append("--vie")
            batch_started = time.perf_counter()
            subprocess.run(command, check=True)
            made += 1
            print(f"{folder}: {len(paths)} documents in {time.perf_counter() - batch_started:.0f}s "
                  f"({time.perf_counter() - started:.0f}s so far)", flush=True)
    if not args.list:
        print(f"{made} batches made, {skipped} already there, in {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
