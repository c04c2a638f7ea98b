# SPDX-License-Identifier: GPL-3.0-or-later
"""Rebuild the OCR fixtures of ``tests/cases/formats/`` from the documents in ``source/``.

The documents (an official letter and a commune report, written for this
project) are rendered as scanned A4 pages by the shared tool
``ocrpairs/make_pairs.py --level scan --keep-images``; each page image is
saved as a JPEG (quality 40, as scanners do, and to keep the fixtures small),
and read by Debian's Tesseract and OCRmyPDF with the English model:

* ``scan/NAME.{hocr,xml,tsv,pdf,txt}``: ``tesseract pages.txt NAME -l eng hocr alto tsv pdf txt``
  (all pages of a document in one run);
* ``scan/NAME.chars.hocr`` (the one-page letter only): hOCR with a box per character
  (``-c hocr_char_boxes=1``);
* ``scan/NAME.ocrmypdf.pdf``, ``NAME.ocrmypdf-plain.pdf``, ``NAME.ocrmypdf-hocr.pdf`` (the letter
  only): ``ocrmypdf -l eng`` on an image-only PDF of the pages, with its
  default sandwich renderer as PDF/A (Ghostscript rewrites the layer), the same
  with ``--output-type pdf`` (the layer stays a Form XObject), and with
  ``--pdf-renderer hocr``;
* ``scan/NAME.truth.txt`` and ``scan/NAME.ocr.txt``: the shared tool's line-aligned pair.

Run from anywhere (needs tesseract, ocrmypdf, and a Python with Pillow and img2pdf,
by default ``/usr/bin/python3``)::

    python tests/cases/formats/make_fixtures.py
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOOL = HERE.parents[3] / "shared" / "tools" / "ocrpairs" / "make_pairs.py"
#: The one-page document that also gets character boxes and OCRmyPDF's three kinds of PDF.
SMALL_DOCUMENTS = ("cong-van",)

_TO_JPEG = """
import sys
from PIL import Image
for png in sys.argv[1:]:
    image = Image.open(png)
    image.save(png[:-4] + ".jpg", quality=40, dpi=image.info.get("dpi"))
"""
_TO_PDF = """
import sys, img2pdf
with open(sys.argv[1], "wb") as out:
    out.write(img2pdf.convert(sys.argv[2:]))
"""


def run(*command: str, cwd: Path | None = None) -> None:
    subprocess.run(command, check=True, cwd=cwd, stdout=subprocess.DEVNULL)


def make_ocr_files(source: Path, out: Path, python: str = "/usr/bin/python3", small: tuple[str, ...] = SMALL_DOCUMENTS,
                   ocrmypdf_documents: tuple[str, ...] | None = None, level: str = "scan") -> None:
    """Render every ``source/*.txt`` as scanned pages and write what the OCR engines make of them into *out*.

    *small* documents also get character boxes; *ocrmypdf_documents* (default: *small*) OCRmyPDF's PDFs.
    """
    ocrmypdf_documents = small if ocrmypdf_documents is None else ocrmypdf_documents
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run(python, str(TOOL), str(source), str(work), "--level", level, "--keep-images", "--jobs", "1", "--quiet")
        for document in sorted(source.glob("*.txt")):
            name = document.stem
            for suffix in (".truth.txt", ".ocr.txt"):
                shutil.copy(work / f"{name}{suffix}", out / f"{name}{suffix}")
            pngs = sorted(str(path) for path in work.glob(f"{name}.p*.png"))
            run(python, "-c", _TO_JPEG, *pngs)
            jpegs = [png[:-4] + ".jpg" for png in pngs]
            pages = work / f"{name}.pages.txt"
            # Relative image names: the files name their images, and should not name a temporary folder.
            pages.write_text("".join(f"{Path(jpeg).name}\n" for jpeg in jpegs), encoding="utf-8")
            run("tesseract", pages.name, str(out / name), "-l", "eng", "hocr", "alto", "tsv", "pdf", "txt", cwd=work)
            if name in small:
                run("tesseract", pages.name, f"{name}.chars", "-l", "eng", "-c", "hocr_char_boxes=1", "hocr", cwd=work)
                shutil.copy(work / f"{name}.chars.hocr", out / f"{name}.chars.hocr")
            if name not in ocrmypdf_documents:
                continue
            images = work / f"{name}.images.pdf"
            run(python, "-c", _TO_PDF, str(images), *jpegs)
            for variant, options in OCRMYPDF_VARIANTS:
                run("ocrmypdf", "-q", "-l", "eng", *options, str(images), str(out / f"{name}.{variant}.pdf"))


#: OCRmyPDF's kinds of searchable PDF: its default (sandwich renderer, PDF/A through Ghostscript),
#: the same without Ghostscript (the layer stays a Form XObject), and its hocr renderer.
OCRMYPDF_VARIANTS = (("ocrmypdf", ()), ("ocrmypdf-plain", ("--output-type", "pdf")),
                     ("ocrmypdf-hocr", ("--pdf-renderer", "hocr")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default="/usr/bin/python3", help="a Python with Pillow and img2pdf")
    parser.add_argument("--output", default=str(HERE / "scan"))
    args = parser.parse_args()
    make_ocr_files(HERE / "source", Path(args.output), args.python)


if __name__ == "__main__":
    main()
