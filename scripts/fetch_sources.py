#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Download and extract the word lists that diacritics-fix's data is built from.

The shipped word-list data of diacritics-fix is rebuilt from package-registry
sources (the language model's counts come from the training corpus: see
scripts/build_data.py). This script fetches those packages with the ordinary
clients (pip, npm), pulls the raw word lists out of them and writes, in the output folder
(default ``build/sources/``; ``--out DIR`` to change), UTF-8 NFC text with one item
a line:

``viet74k.txt``
    The Viet74K word list (73,901 headwords: syllables, compounds, idioms, names),
    read out of the PyPI wheel ``underthesea==9.5.0`` at
    ``underthesea/corpus/data/Viet74K.txt`` (the wheel is downloaded, never
    installed). Entries are kept as they are, only NFC-normalised and stripped.
    License: the list comes from Hồ Ngọc Đức's Free Vietnamese Dictionary Project,
    whose word lists the author distributed under the GNU GPL. underthesea's
    Apache-2.0 label covers underthesea's code, not this list.

``tess_bigrams.txt``, ``tess_words.txt``, ``tess_freq.txt``
    The word pairs, words and top-frequency words of Tesseract's legacy Vietnamese
    model (``bigram-dawg``, ``word-dawg`` and ``freq-dawg`` of
    ``4.0.0/vie.traineddata.gz`` in the npm package ``@tesseract.js-data/vie``),
    unpacked with ``combine_tessdata`` and ``dawg2wordlist`` from Debian's
    ``tesseract-ocr``. Kept as Tesseract lists them (they include a few
    ``?`` placeholders and non-Vietnamese tokens; later steps filter).
    License: Apache-2.0 (Google's tessdata; the npm wrapper itself says MIT).

``SOURCES.json``
    For each source: package, exact version, registry, the file(s) used inside it,
    license, the sha256 of the downloaded package, and the outputs with line counts.

Downloads are cached in ``<out>/downloads/`` and reused on the next run unless
``--force`` is given; the extraction steps always run again (they take seconds).
Only the Python standard library is needed; the external tools are ``pip``
(through the running interpreter), ``npm``, ``combine_tessdata`` and
``dawg2wordlist`` (Debian's tesseract-ocr).

This script reads nothing but what it downloads: in particular it never reads the
shared development corpus.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Iterable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "build" / "sources"

# --- pinned sources ---------------------------------------------------------------

UNDERTHESEA_VERSION = "9.5.0"
UNDERTHESEA_WHEEL = f"underthesea-{UNDERTHESEA_VERSION}-py3-none-any.whl"
UNDERTHESEA_SHA256 = "81400f41b75ceff6f80c52b4ad043806c80f5899ec555d8e6374d468a59bce56"
VIET74K_MEMBER = "underthesea/corpus/data/Viet74K.txt"

TESS_NPM_NAME = "@tesseract.js-data/vie"
TESS_NPM_VERSION = "1.0.0"
TESS_TARBALL = f"tesseract.js-data-vie-{TESS_NPM_VERSION}.tgz"
TESS_SHA256 = "4f0a17b39722269c1c5e5f10d7aa3acd9a74fe46b109621973450caa4d9fe19f"
TESS_MEMBER = "package/4.0.0/vie.traineddata.gz"
# dawg component of vie.traineddata -> output file
TESS_DAWGS = {
    "bigram-dawg": "tess_bigrams.txt",
    "word-dawg": "tess_words.txt",
    "freq-dawg": "tess_freq.txt",
}

LICENSES = {
    "viet74k": "GPL (word list by Hồ Ngọc Đức, Free Vietnamese Dictionary Project, "
    "distributed by its author under the GNU GPL; underthesea's Apache-2.0 label "
    "does not cover it)",
    "tesseract": "Apache-2.0 (Google tessdata; the npm wrapper package is labelled MIT)",
}

class FetchError(RuntimeError):
    """A step failed; the message says what to do."""


# --- small helpers ----------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run(cmd: list[str], *, cwd: Path | None = None, hint: str = "") -> str:
    """Run a command, return its stdout; raise FetchError with its stderr on failure."""
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise FetchError(f"cannot run {cmd[0]!r}: not found. {hint}".strip()) from exc
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()
        raise FetchError(
            f"command failed ({proc.returncode}): {' '.join(cmd)}\n{detail}\n{hint}".strip()
        )
    return proc.stdout


def require_tools(tools: Iterable[str], install_hint: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise FetchError(f"missing tool(s): {', '.join(missing)}. {install_hint}")


def write_lines(path: Path, lines: Iterable[str]) -> int:
    """Write NFC-normalised, stripped, non-empty lines; return how many."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            line = nfc(line).strip()
            if line:
                handle.write(line + "\n")
                count += 1
    log(f"  wrote {path.name}: {count:,} lines")
    return count


def cached(path: Path, force: bool) -> bool:
    """True when `path` is already downloaded and may be reused; else clear the way."""
    if path.is_file() and not force:
        log(f"  cached: {path.name}")
        return True
    path.unlink(missing_ok=True)
    return False


def download_pinned(target: Path, cmd: list[str], sha256: str, force: bool, hint: str) -> str:
    """Run `cmd` to download `target` unless cached; check its pinned sha256; return it."""
    if not cached(target, force):
        run(cmd, hint=hint)
        if not target.is_file():
            raise FetchError(f"the download did not produce {target}: {' '.join(cmd)}")
    actual = sha256_of(target)
    if actual != sha256:
        raise FetchError(
            f"{target.name}: sha256 {actual} does not match the pinned {sha256}; "
            "run again with --force to download it afresh"
        )
    return actual


def debian_installed_version(package: str) -> str | None:
    try:
        return run(["dpkg-query", "-W", "-f=${Version}", package]).strip() or None
    except FetchError:
        return None


# --- 1. Viet74K from the underthesea wheel ------------------------------------------


def fetch_viet74k(out: Path, downloads: Path, force: bool) -> dict:
    log(f"[viet74k] PyPI underthesea=={UNDERTHESEA_VERSION}")
    wheel = downloads / UNDERTHESEA_WHEEL
    digest = download_pinned(
        wheel,
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--disable-pip-version-check", "-d", str(downloads),
         f"underthesea=={UNDERTHESEA_VERSION}"],
        UNDERTHESEA_SHA256, force,
        hint="Is pip available for this Python, and PyPI reachable?",
    )

    try:
        with zipfile.ZipFile(wheel) as archive:
            raw = archive.read(VIET74K_MEMBER)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise FetchError(f"cannot read {VIET74K_MEMBER} from {wheel.name}: {exc}") from exc
    count = write_lines(out / "viet74k.txt", raw.decode("utf-8").splitlines())

    return {
        "name": "viet74k",
        "package": "underthesea",
        "version": UNDERTHESEA_VERSION,
        "registry": "PyPI",
        "download": wheel.name,
        "sha256": digest,
        "files_inside": [VIET74K_MEMBER],
        "license": LICENSES["viet74k"],
        "outputs": {"viet74k.txt": count},
    }


# --- 2. Tesseract vie word lists from npm -------------------------------------------


def fetch_tesseract(out: Path, downloads: Path, force: bool) -> dict:
    log(f"[tesseract] npm {TESS_NPM_NAME}@{TESS_NPM_VERSION}")
    require_tools(
        ["combine_tessdata", "dawg2wordlist"],
        "Install them with: apt-get install tesseract-ocr",
    )
    tarball = downloads / TESS_TARBALL
    digest = download_pinned(
        tarball,
        ["npm", "pack", "--silent", f"{TESS_NPM_NAME}@{TESS_NPM_VERSION}",
         "--pack-destination", str(downloads)],
        TESS_SHA256, force,
        hint="Is npm installed (apt-get install npm) and the npm registry reachable?",
    )

    outputs = {}
    with tempfile.TemporaryDirectory(prefix="tess-") as tmp:
        work = Path(tmp)
        traineddata = work / "vie.traineddata"
        try:
            with tarfile.open(tarball, "r:gz") as archive:
                member = archive.extractfile(TESS_MEMBER)
                if member is None:
                    raise KeyError(TESS_MEMBER)
                traineddata.write_bytes(gzip.decompress(member.read()))
        except (tarfile.TarError, KeyError, OSError) as exc:
            raise FetchError(f"cannot read {TESS_MEMBER} from {tarball.name}: {exc}") from exc

        run(["combine_tessdata", "-u", traineddata.name, "vie."], cwd=work)
        for component, out_name in TESS_DAWGS.items():
            listing = work / f"{component}.txt"
            run(["dawg2wordlist", "vie.unicharset", f"vie.{component}", listing.name], cwd=work)
            lines = listing.read_text(encoding="utf-8").splitlines()
            outputs[out_name] = write_lines(out / out_name, lines)

    return {
        "name": "tesseract-vie",
        "package": TESS_NPM_NAME,
        "version": TESS_NPM_VERSION,
        "registry": "npm",
        "download": tarball.name,
        "sha256": digest,
        "files_inside": [f"{TESS_MEMBER} -> vie.{c}" for c in TESS_DAWGS],
        "license": LICENSES["tesseract"],
        "tools": {"tesseract-ocr": debian_installed_version("tesseract-ocr")},
        "outputs": outputs,
    }


# --- 3. LibreOffice Vietnamese help and UI text from Debian ---------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Download the registry packages that diacritics-fix's word lists are built "
        "from (PyPI underthesea wheel, npm @tesseract.js-data/vie) and extract the lists.",
        epilog="Outputs: viet74k.txt, tess_bigrams.txt, tess_words.txt, tess_freq.txt, "
        "SOURCES.json (downloads cached in OUT/downloads/).",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help=f"output folder (default: {DEFAULT_OUT.relative_to(REPO_ROOT)}/)")
    parser.add_argument("--force", action="store_true",
                        help="download the packages again even when they are cached")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = args.out.resolve()
    downloads = out / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        records = [fetch_viet74k(out, downloads, args.force),
                   fetch_tesseract(out, downloads, args.force)]
    except FetchError as exc:
        log(f"error: {exc}")
        return 1
    manifest = {"generated_by": "scripts/fetch_sources.py", "sources": records}
    (out / "SOURCES.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    log(f"done in {time.monotonic() - started:.1f}s: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
