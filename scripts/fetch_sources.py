#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Download and extract the raw sources of the diacritics-fix lexicon and language model.

Every shipped data file of diacritics-fix is rebuilt from package-registry sources.
This script fetches those packages with the ordinary clients (pip, npm, apt-get),
pulls the raw word lists and text out of them and writes, in the output folder
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

``lo_text.txt``
    Vietnamese running text from LibreOffice's help (Debian ``libreoffice-help-vi``,
    HTML pages) and user-interface messages (Debian ``libreoffice-l10n-vi``,
    gettext ``.mo`` catalogues): markup stripped, split into sentences, only the
    lines that are mostly Vietnamese kept, duplicates dropped.
    License: MPL-2.0 (The Document Foundation; parts Apache-2.0 upstream).

``SOURCES.json``
    For each source: package, exact version, registry, the file(s) used inside it,
    license, the sha256 of the downloaded package, and the outputs with line counts.

Downloads are cached in ``<out>/downloads/`` and reused on the next run unless
``--force`` is given; the extraction steps always run again (they take seconds).
Only the Python standard library is needed; the external tools are ``pip``
(through the running interpreter), ``npm``, ``apt-get``, ``dpkg-deb``,
``combine_tessdata`` and ``dawg2wordlist``.

This script reads nothing but what it downloads: in particular it never reads the
shared development corpus.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
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

# Debian versions move with security updates, so they are not pinned here: the
# version downloaded is recorded in SOURCES.json and its .deb stays in the cache.
LO_HELP_PACKAGE = "libreoffice-help-vi"
LO_L10N_PACKAGE = "libreoffice-l10n-vi"
LO_HELP_DIR = "usr/share/libreoffice/help/vi/text"
LO_MO_DIR = "usr/lib/libreoffice/program/resource/vi/LC_MESSAGES"

LICENSES = {
    "viet74k": "GPL (word list by Hồ Ngọc Đức, Free Vietnamese Dictionary Project, "
    "distributed by its author under the GNU GPL; underthesea's Apache-2.0 label "
    "does not cover it)",
    "tesseract": "Apache-2.0 (Google tessdata; the npm wrapper package is labelled MIT)",
    "libreoffice": "MPL-2.0 (The Document Foundation; some upstream parts Apache-2.0)",
}

# --- Vietnamese letters -----------------------------------------------------------

_VI_MARKED_LOWER = (
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
)
VI_MARKED = frozenset(_VI_MARKED_LOWER + _VI_MARKED_LOWER.upper())
VI_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz") | frozenset(_VI_MARKED_LOWER)
LETTER_RUN = re.compile(r"[^\W\d_]+")

# A line of LibreOffice text is kept when at least this share of its letter-runs
# are Vietnamese (marked or a known syllable) and at least MIN_MARKED_SHARE carry a
# Vietnamese diacritic: English lines made of words that happen to spell Vietnamese
# syllables ("to", "in", "the") fail the second test.
MIN_VI_SHARE = 0.6
MIN_MARKED_SHARE = 0.25
MIN_LETTER_RUNS = 2


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


def apt_download(package: str, downloads: Path, force: bool) -> Path:
    """Download (never install) a Debian package into `downloads`; return the .deb."""
    existing = sorted(downloads.glob(f"{package}_*.deb"))
    if existing and not force:
        log(f"  cached: {existing[-1].name}")
        return existing[-1]
    for stale in existing:
        stale.unlink()
    cmd = ["apt-get", "download", package]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # As root apt would drop to the _apt user, which may not write here.
        cmd[1:1] = ["-o", "APT::Sandbox::User=root"]
    run(cmd, cwd=downloads,
        hint=f"Run 'apt-get update' first; is {package} in the apt sources?")
    found = sorted(downloads.glob(f"{package}_*.deb"))
    if not found:
        raise FetchError(f"apt-get download did not produce {package}_*.deb")
    return found[-1]


def deb_record(deb: Path, files_inside: str) -> dict:
    package = run(["dpkg-deb", "-f", str(deb), "Package"]).strip()
    return {
        "name": package,
        "package": package,
        "version": run(["dpkg-deb", "-f", str(deb), "Version"]).strip(),
        "registry": "Debian",
        "download": deb.name,
        "sha256": sha256_of(deb),
        "files_inside": [files_inside],
        "license": LICENSES["libreoffice"],
    }


def unpack_deb(deb: Path, dest: Path) -> Path:
    run(["dpkg-deb", "-x", str(deb), str(dest)])
    return dest


class HelpPageText(HTMLParser):
    """Collects the visible text blocks of one LibreOffice help page.

    Page chrome (header, side bars, debug footer), code samples and the hidden
    platform/module variants of a switch are dropped; of a switch only the
    "default" variant is kept.
    """

    SKIP = {"head", "script", "style", "header", "aside", "footer", "nav", "pre", "code"}
    SKIP_CLASSES = {"bascode", "pycode", "code", "codeintable"}
    BLOCKS = {"p", "div", "li", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
              "br", "table", "ol", "ul", "dt", "dd", "body"}
    VOID = {"br", "img", "input", "meta", "link", "hr", "area", "base", "col", "embed",
            "source", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._buffer: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, skipped)

    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self._stack)

    def _flush(self) -> None:
        text = " ".join("".join(self._buffer).split())
        if text:
            self.blocks.append(text)
        self._buffer = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self._flush()
        if tag in self.VOID:
            return
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        hidden = "hidden" in attributes and not (attributes.get("id") or "").startswith("default")
        skipped = tag in self.SKIP or bool(classes & self.SKIP_CLASSES) or hidden
        self._stack.append((tag, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self._flush()
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                break

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def help_page_blocks(path: Path) -> list[str]:
    parser = HelpPageText()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser.blocks


def mo_messages(path: Path) -> Iterator[str]:
    """Yield the translated strings of a gettext .mo catalogue, header left out."""
    data = path.read_bytes()
    for order in ("<", ">"):
        if struct.unpack(order + "I", data[:4])[0] == 0x950412DE:
            break
    else:
        raise FetchError(f"{path}: not a gettext .mo file")
    count, originals, translations = struct.unpack(order + "3I", data[8:20])
    for index in range(count):
        original_length, _ = struct.unpack_from(order + "2I", data, originals + 8 * index)
        if original_length == 0:
            continue  # the catalogue header (Project-Id-Version: ...)
        length, offset = struct.unpack_from(order + "2I", data, translations + 8 * index)
        yield from data[offset:offset + length].decode("utf-8").split("\x00")  # plurals


def ui_message_lines(message: str) -> list[str]:
    """Split a UI string at its line breaks, dropping placeholders (%1, %FILENAME,
    $(ARG1)) and mnemonic markers (~ and _, which may stand inside a word)."""
    message = re.sub(r"\$\([A-Z0-9_]+\)|%\w+", " ", message)
    return message.replace("~", "").replace("_", "").splitlines()


def split_sentences(text: str) -> list[str]:
    """Split after . ! ? … where the next piece starts with a capital (so not in "v.v. và")."""
    pieces = re.split(r"(?<=[.!?…])\s+", " ".join(text.split()))
    sentences: list[str] = []
    for piece in pieces:
        if sentences and not piece[:1].isupper():
            sentences[-1] += " " + piece
        else:
            sentences.append(piece)
    return sentences


def known_syllables(viet74k: Path) -> frozenset[str]:
    """Lower-case syllables of the Viet74K entries (spaces and hyphens split them)."""
    syllables = set()
    for entry in viet74k.read_text(encoding="utf-8").splitlines():
        for token in LETTER_RUN.findall(entry.lower()):
            if set(token) <= VI_LETTERS:
                syllables.add(token)
    return frozenset(syllables)


def is_marked(token: str) -> bool:
    """A letter-run spelt with Vietnamese letters, at least one of them marked."""
    return not VI_MARKED.isdisjoint(token) and set(token.lower()) <= VI_LETTERS


def is_mostly_vietnamese(line: str, syllables: frozenset[str]) -> bool:
    runs = LETTER_RUN.findall(line)
    if len(runs) < MIN_LETTER_RUNS:
        return False
    marked = sum(1 for r in runs if is_marked(r))
    vietnamese = sum(1 for r in runs if is_marked(r) or r.lower() in syllables)
    return vietnamese >= MIN_VI_SHARE * len(runs) and marked >= MIN_MARKED_SHARE * len(runs)


def vietnamese_lines(blocks: Iterable[str], syllables: frozenset[str]) -> Iterator[str]:
    for block in blocks:
        for sentence in split_sentences(nfc(block)):
            if is_mostly_vietnamese(sentence, syllables):
                yield sentence


def unique(lines: Iterable[str]) -> Iterator[str]:
    seen: set[str] = set()
    for line in lines:
        if line not in seen:
            seen.add(line)
            yield line


def help_lines(deb: Path, work: Path, syllables: frozenset[str]) -> tuple[list[str], int]:
    """Vietnamese sentences of the help pages in libreoffice-help-vi; and the page count."""
    pages = sorted((unpack_deb(deb, work) / LO_HELP_DIR).rglob("*.html"))
    if not pages:
        raise FetchError(f"{deb.name}: no help pages under {LO_HELP_DIR}; has the layout changed?")
    blocks = (block for page in pages for block in help_page_blocks(page))
    return list(unique(vietnamese_lines(blocks, syllables))), len(pages)


def ui_lines(deb: Path, work: Path, syllables: frozenset[str]) -> tuple[list[str], int]:
    """Vietnamese UI messages of libreoffice-l10n-vi; and the catalogue count."""
    catalogues = sorted((unpack_deb(deb, work) / LO_MO_DIR).glob("*.mo"))
    if not catalogues:
        raise FetchError(f"{deb.name}: no .mo files under {LO_MO_DIR}; has the layout changed?")
    blocks = (line for mo in catalogues for message in mo_messages(mo)
              for line in ui_message_lines(message))
    return list(unique(vietnamese_lines(blocks, syllables))), len(catalogues)


def fetch_libreoffice(
    out: Path, downloads: Path, force: bool, syllables: frozenset[str]
) -> list[dict]:
    log(f"[libreoffice] Debian {LO_HELP_PACKAGE}, {LO_L10N_PACKAGE}")
    require_tools(["apt-get", "dpkg-deb"], "This step needs a Debian-based system.")
    help_deb = apt_download(LO_HELP_PACKAGE, downloads, force)
    l10n_deb = apt_download(LO_L10N_PACKAGE, downloads, force)
    with tempfile.TemporaryDirectory(prefix="lo-") as tmp:
        from_help, n_pages = help_lines(help_deb, Path(tmp) / "help", syllables)
        from_ui, n_catalogues = ui_lines(l10n_deb, Path(tmp) / "l10n", syllables)

    lines = list(unique(from_help + from_ui))
    count = write_lines(out / "lo_text.txt", lines)
    tokens = sum(len(line.split()) for line in lines)
    log(f"  {n_pages:,} help pages -> {len(from_help):,} lines; "
        f"{n_catalogues} UI catalogues -> {len(from_ui):,} lines; "
        f"lo_text.txt: {tokens:,} whitespace tokens")

    note = (f"lo_text.txt: {count:,} distinct lines, {tokens:,} whitespace tokens, from both "
            "packages (the per-package counts are before merging their duplicates)")
    help_record = deb_record(help_deb, f"{LO_HELP_DIR}/**/*.html ({n_pages} pages)")
    help_record.update(outputs={"lo_text.txt": len(from_help)}, note=note)
    l10n_record = deb_record(l10n_deb, f"{LO_MO_DIR}/*.mo ({n_catalogues} catalogues)")
    l10n_record.update(outputs={"lo_text.txt": len(from_ui)}, note=note)
    return [help_record, l10n_record]


# --- main ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Download the registry packages that diacritics-fix's data is built "
        "from (PyPI underthesea wheel, npm @tesseract.js-data/vie, Debian "
        "libreoffice-help-vi/-l10n-vi) and extract word lists and Vietnamese text.",
        epilog="Outputs: viet74k.txt, tess_bigrams.txt, tess_words.txt, tess_freq.txt, "
        "lo_text.txt, SOURCES.json (downloads cached in OUT/downloads/).",
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
        syllables = known_syllables(out / "viet74k.txt")
        records += fetch_libreoffice(out, downloads, args.force, syllables)
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
