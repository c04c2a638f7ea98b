"""The development corpus, its fixed split, and the word-accuracy metric.

The corpus lives outside the repository (``../shared/corpus/dev`` beside the
project root, or ``$DIACRITICS_FIX_CORPUS``).  Its documents are split once
and for all **by source document**: the corpus cuts long laws into segments
(``dev-manifest.tsv`` gives each file's ``repo`` and ``path``), and all the
segments of one source document fall on the same side.  A source document is
**held out** when the SHA-256 of ``SALT|repo/path`` is divisible by five (about
a fifth of the documents, chosen at random once); held-out files are only ever
measured, and nothing shipped is built from them.  The rest is the *tune*
split: weights are tuned on it, and its counts may ship.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import os
import re
import unicodedata
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from diacritics_fix.syllable import canonical

ROOT = Path(__file__).resolve().parents[1]
_SYLLABLE = re.compile(r"[^\W\d_]+")


def corpus_dir() -> Path:
    return Path(os.environ.get("DIACRITICS_FIX_CORPUS", ROOT.parent / "shared" / "corpus" / "dev"))


SALT = "diacritics-fix held-out by document"


def source_of(repo: str, path: str) -> str:
    return f"{repo}/{path}"


def source_is_held_out(source: str) -> bool:
    """Whether a source document (``repo/path``) is on the held-out side."""
    digest = hashlib.sha256(f"{SALT}|{source}".encode("utf-8")).hexdigest()
    return int(digest, 16) % 5 == 0


@functools.lru_cache(maxsize=1)
def manifest() -> dict[str, dict[str, str]]:
    """The rows of ``dev-manifest.tsv`` by file name (``dev-0001.txt``)."""
    path = corpus_dir().parent / "dev-manifest.tsv"
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}


def is_held_out(name: str) -> bool:
    """Whether a dev file (``dev-0005.txt``, ``dev-0005``, an OCR pair's name) is held out.

    Decided by its source document, so no law has segments on both sides.
    """
    stem = Path(name).name.split(".")[0]
    row = manifest().get(stem + ".txt")
    if row is None:
        raise KeyError(f"{name}: not a file of {corpus_dir()}")
    return source_is_held_out(source_of(row["repo"], row["path"]))


def doctype(name: str) -> str:
    """The document type the manifest gives a dev file (``Luật/Bộ luật``, ``Quyết định``, …)."""
    return manifest()[Path(name).name.split(".")[0] + ".txt"]["doctype"]


def documents(split: str) -> list[Path]:
    """Paths of the ``held-out`` or ``tune`` documents, sorted."""
    paths = sorted(corpus_dir().glob("*.txt"))
    if split == "held-out":
        return [p for p in paths if is_held_out(p.name)]
    if split == "tune":
        return [p for p in paths if not is_held_out(p.name)]
    raise ValueError(split)


# (OCR, truth) pairs: the shared ones, and those scripts/make_ocr_pairs.py makes under build/.
SHARED_PAIRS = ROOT.parent / "shared" / "ocr"
MADE_PAIRS = ROOT / "build" / "ocr-pairs"
OCR_LEVELS = ("clean", "scan", "poor")


def pair_is_held_out(name: str) -> bool:
    """Whether an OCR pair (``dev-0005``, ``B-03``) is on the held-out side: the project's own text never is."""
    return name.startswith("dev-") and is_held_out(name)


def tune_fold(name: str, folds: int = 5) -> int:
    """Which of *folds* parts of the tune split a document or pair (``dev-0004``, ``B-03``) is in, by source.

    For choosing settings inside the tune split: learn on all folds but one,
    check on that one; the held-out split stays untouched.
    """
    stem = Path(name).name.split(".")[0]
    row = manifest().get(stem + ".txt")
    source = source_of(row["repo"], row["path"]) if row else stem
    return int(hashlib.sha256(f"{SALT}|fold|{source}".encode("utf-8")).hexdigest(), 16) % folds


def ocr_pairs(level: str, split: str, source: str = "all") -> list[Path]:
    """The truth files (``NAME.truth.txt``) of the OCR pairs of a level on one side of the split, sorted.

    *source* is ``shared`` (``../shared/ocr/dev-LEVEL``, and for the tune
    split at the scan level its DejaVu 12 pt folder), ``made`` (what
    ``scripts/make_ocr_pairs.py`` made: ``build/ocr-pairs/held-out/dev-LEVEL``
    to measure, ``build/ocr-pairs/train/LEVEL`` and ``train/text-LEVEL`` to
    learn from) or ``all``.  Each file's split is checked by its name, so a
    pair can never land on the wrong side.
    """
    if level not in OCR_LEVELS or split not in ("held-out", "tune") or source not in ("shared", "made", "all"):
        raise ValueError((level, split, source))
    folders: list[Path] = []
    if source in ("shared", "all"):
        folders.append(SHARED_PAIRS / f"dev-{level}")
        if split == "tune" and level == "scan":
            folders.append(SHARED_PAIRS / "dev-scan-dejavu12")
    if source in ("made", "all"):
        if split == "held-out":
            folders.append(MADE_PAIRS / "held-out" / f"dev-{level}")
        else:
            folders += [MADE_PAIRS / "train" / level, MADE_PAIRS / "train" / f"text-{level}"]
    found = []
    for folder in folders:
        for truth in sorted(folder.rglob("*.truth.txt")):
            name = truth.name.split(".")[0]
            complete = folder.is_relative_to(SHARED_PAIRS) or (truth.parent / "run_stats.json").exists()
            if complete and pair_is_held_out(name) == (split == "held-out"):
                found.append(truth)
    return found


def strip_marks(text: str) -> str:
    """Remove every Vietnamese mark (đ → d); everything else unchanged."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", kept.replace("đ", "d").replace("Đ", "D"))


def words_for_scoring(text: str) -> list[str]:
    """Letter runs, lowercased, tone placement folded (hoà = hòa)."""
    return [canonical(w) for w in _SYLLABLE.findall(unicodedata.normalize("NFC", text).lower())]


def matched_words(truth: str, hypothesis: str) -> tuple[int, int]:
    """(truth words matched by an identical word under a whole-document alignment, truth words)."""
    ref, hyp = words_for_scoring(truth), words_for_scoring(hypothesis)
    if not ref:
        return 0, 0
    bad = sum(1 for op in Levenshtein.editops(ref, hyp) if op.tag in ("replace", "delete"))
    return len(ref) - bad, len(ref)


# -- the training corpus's Wikipedia part, and the everyday text ------------------------


def train_dir() -> Path:
    return Path(os.environ.get("DIACRITICS_FIX_TRAIN", ROOT.parent / "shared" / "corpus" / "train"))


def wikipedia_split(docid: str) -> str:
    """Which part of the bench a Wikipedia article of the training corpus belongs to.

    ``bench`` (one in twenty): left out of the bench build's counts and measured
    there, never tuned on; ``tune`` (another one in twenty): left out of the
    tuning builds' counts and tuned on; ``counts``: the rest.  The shipped
    model counts all of them.
    """
    bucket = int(hashlib.sha256(f"wikipedia|{docid}".encode("utf-8")).hexdigest(), 16) % 20
    return "bench" if bucket == 0 else "tune" if bucket == 1 else "counts"


def train_documents(kind: str = "general") -> list[tuple[str, dict, list[str]]]:
    """(docid, manifest row, paragraphs) of the training corpus's ``admin`` or ``general`` shards."""
    folder = train_dir()
    with open(folder / "manifest.tsv", encoding="utf-8", newline="") as handle:
        rows = {row["docid"]: row for row in csv.DictReader(handle, delimiter="\t")}
    found = []
    for shard in sorted(folder.glob(f"train-{kind}-*.txt")):
        docid, lines = None, []
        for line in shard.read_text(encoding="utf-8").split("\n"):
            if line.startswith("@@@@ "):
                if docid:
                    found.append((docid, rows.get(docid, {}), lines))
                docid, lines = line[5:].strip(), []
            elif line.strip():
                lines.append(line)
        if docid:
            found.append((docid, rows.get(docid, {}), lines))
    return found


EVERYDAY_DIR = ROOT / "bench" / "everyday"
#: The files of data/text/everyday/ (by first letter) that tuning builds leave out and tune on.
TUNE_EVERYDAY = "HIJ"


def everyday_documents(split: str) -> list[Path]:
    """The everyday text written for the project: ``held-out`` (bench/everyday, never counted or
    tuned on) or ``tune`` (data/text/everyday/H-J, counted in the shipped model; left out of tuning builds)."""
    if split == "held-out":
        return sorted(EVERYDAY_DIR.glob("*.txt"))
    if split == "tune":
        return sorted(p for p in (ROOT / "data" / "text" / "everyday").glob("*.txt") if p.name[:1] in TUNE_EVERYDAY)
    raise ValueError(split)
