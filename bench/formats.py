"""Restoring through the OCR formats: accuracy, bytes kept, PDFs, and the cost of the format layer.

Pages of held-out development documents (never used for tuning) are rendered
as scans by the shared ``ocrpairs`` tool and read by Debian's Tesseract
(``hocr alto tsv pdf txt``, one run) and OCRmyPDF (its default PDF/A, the same
with ``--output-type pdf``, and its hocr renderer), into a build folder outside
the repository (``../build-formats/bench`` by default; made once, reused).
For every document:

* word accuracy of the plain-text path (Tesseract's own ``.txt`` of the same
  run, restored) and through each format (the restored words read back from
  the restored file), with and without the engine's word confidences;
* bytes outside the words identical (hOCR, ALTO, TSV), every word element kept;
* PDFs: ``pdftotext`` of the output scored like the text path, page images
  bit-identical, ``qpdf --check`` clean, pages left as they were;
* the format layer's time (read, lay out, map back, write) against the
  restoration between them (``restore_and_explain``), over the whole batch
  with a fresh restorer, medians of five runs.

    python bench/formats.py [--documents 12] [--build ../build-formats/bench]
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import ROOT, documents, matched_words

sys.path.insert(0, str(ROOT / "tests" / "cases" / "formats"))
from make_fixtures import OCRMYPDF_VARIANTS, make_ocr_files  # noqa: E402

from diacritics_fix import Restorer  # noqa: E402
from diacritics_fix.formats import read_document, restore_document  # noqa: E402
from diacritics_fix.formats.words import layout, word_texts  # noqa: E402

MARKUP = {"hocr": ".hocr", "alto": ".xml", "tsv": ".tsv"}
PDFS = ("pdf", *(variant for variant, _ in OCRMYPDF_VARIANTS))
OUTSIDE_WORDS = {
    "hocr": lambda text: re.sub(r"(<span class='ocrx_(?:word|cinfo)'[^>]*>)[^<]*", r"\1", text),
    "alto": lambda text: re.sub(r'CONTENT="[^"]*"', 'CONTENT=""', text),
    "tsv": lambda text: re.sub(r"\t[^\t\n]*$", "\t", text, flags=re.MULTILINE),
}


def build(folder: Path, count: int, max_chars: int) -> list[str]:
    """The held-out pages, made once: *count* documents spread over the split, each cut to its first lines."""
    source = folder / "source"
    out = folder / "ocr"
    held_out = documents("held-out")
    chosen = held_out[:: max(1, len(held_out) // count)][:count]
    names = [path.stem for path in chosen]
    if all((out / f"{name}.ocrmypdf-hocr.pdf").exists() for name in names):
        return names
    source.mkdir(parents=True, exist_ok=True)
    for path in chosen:
        text = path.read_text(encoding="utf-8")
        cut = text.rfind("\n", 0, max_chars)
        (source / path.name).write_text(text[:cut if cut > 0 else max_chars].strip() + "\n", encoding="utf-8")
    started = time.monotonic()
    make_ocr_files(source, out, small=(), ocrmypdf_documents=tuple(names))
    print(f"(pages built in {time.monotonic() - started:.0f} s)", file=sys.stderr)
    return names


def accuracy(pairs: list[tuple[str, str]]) -> float:
    good = total = 0
    for truth, output in pairs:
        g, n = matched_words(truth, output)
        good += g
        total += n
    return 100 * good / total


def pdftotext(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        return subprocess.run(["pdftotext", handle.name, "-"], check=True, capture_output=True, text=True).stdout


def qpdf_ok(data: bytes) -> bool:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        return subprocess.run(["qpdf", "--check", handle.name], capture_output=True).returncode == 0


def images(data: bytes) -> list[bytes]:
    import pikepdf

    def walk(owner):
        for _, xobject in owner.get("/Resources", {}).get("/XObject", {}).items():
            if xobject.get("/Subtype") == "/Image":
                yield xobject.read_raw_bytes()
            elif xobject.get("/Subtype") == "/Form":
                yield from walk(xobject)

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [raw for page in pdf.pages for raw in walk(page.obj)]


def overhead(paths: list[Path], kind: str, confidence: bool, runs: int = 5) -> str:
    """What the format layer adds to the restoration of a batch of files, as a share of it.

    Each run restores the files in turn with a fresh restorer (its caches warm up
    within the batch, as in real use), timing the format layer's stages (read,
    lay out, map the changes back, write) apart from the restoration between
    them; the shares of the runs' medians.
    """
    layer_times, restore_times = [], []
    for _ in range(runs):
        restorer = Restorer()
        restorer.model  # noqa: B018 (the data loaded before the clock starts)
        layer = restore = 0.0
        for path in paths:
            data = path.read_bytes()
            started = time.perf_counter()
            document = read_document(data, kind)
            text, starts, _ = layout(document.words)
            confidences = None
            if confidence and any(word.confidence is not None for word in document.words):
                confidences = {s: w.confidence for s, w in zip(starts, document.words) if s >= 0}
            laid_out = time.perf_counter()
            _, changes = restorer.restore_and_explain(text, engine_confidence=confidences)
            restored = time.perf_counter()
            document.write(word_texts(document.words, starts, [(c.start, c.end, c.restored) for c in changes]))
            layer += laid_out - started + time.perf_counter() - restored
            restore += restored - laid_out
        layer_times.append(layer)
        restore_times.append(restore)
    added, base = statistics.median(layer_times), statistics.median(restore_times)
    return f"+{100 * added / base:.1f}% ({added:.2f} s of {base:.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=12)
    parser.add_argument("--max-chars", type=int, default=3500, help="each document cut to about this much text")
    parser.add_argument("--build", default=str(ROOT.parent / "build-formats" / "bench"))
    args = parser.parse_args()
    folder = Path(args.build)
    names = build(folder, args.documents, args.max_chars)
    ocr = folder / "ocr"
    restorer = Restorer()
    truths = {name: (ocr / f"{name}.truth.txt").read_text(encoding="utf-8") for name in names}
    text_path = {name: restorer.restore((ocr / f"{name}.txt").read_text(encoding="utf-8")) for name in names}
    raw = accuracy([(truths[n], (ocr / f"{n}.txt").read_text(encoding="utf-8")) for n in names])
    base = accuracy([(truths[n], text_path[n]) for n in names])
    words = sum(len(re.findall(r"[^\W\d_]+", truths[n])) for n in names)
    import pikepdf

    pages = sum(len(pikepdf.open(ocr / f"{name}.pdf").pages) for name in names)
    print(f"{len(names)} held-out documents, {pages} pages, {words:,} words; "
          f"raw OCR {raw:.2f}%, plain-text path {base:.2f}%\n")
    rows = []
    for kind, suffix in MARKUP.items():
        for confidence in (False, True):
            outputs, identical, kept = [], 0, 0
            for name in names:
                data = (ocr / f"{name}{suffix}").read_bytes()
                restored = restore_document(data, kind, restorer, confidence)
                out_words = read_document(restored.data, kind).words
                outputs.append((truths[name], " ".join(word.text for word in out_words)))
                identical += OUTSIDE_WORDS[kind](restored.data.decode()) == OUTSIDE_WORDS[kind](data.decode())
                kept += len(out_words) == len(read_document(data, kind).words)
            label = f"{kind} ({'with' if confidence else 'without'} engine confidence)"
            rows.append((label, accuracy(outputs), f"{identical}/{len(names)}", f"{kept}/{len(names)}", "–", "–",
                         overhead([ocr / f"{name}{suffix}" for name in names], kind, confidence)))
    for variant in PDFS:
        outputs, same_images, valid, left = [], 0, 0, 0
        paths = [ocr / (f"{name}.{variant}.pdf" if variant != "pdf" else f"{name}.pdf") for name in names]
        for name, path in zip(names, paths):
            data = path.read_bytes()
            restored = restore_document(data, "pdf", restorer)
            outputs.append((truths[name], pdftotext(restored.data)))
            same_images += images(restored.data) == images(data)
            valid += qpdf_ok(restored.data)
            left += sum("left as it was" in note for note in restored.notes)
        label = {"pdf": "Tesseract pdf", "ocrmypdf": "OCRmyPDF (PDF/A)", "ocrmypdf-plain": "OCRmyPDF --output-type pdf",
                 "ocrmypdf-hocr": "OCRmyPDF --pdf-renderer hocr"}[variant]
        rows.append((f"{label}: pdftotext", accuracy(outputs), "–", "–", f"{same_images}/{len(names)}",
                     f"{valid}/{len(names)}, {left} pages left", overhead(paths, "pdf", True)))
    print("| path | word accuracy | bytes outside words identical | word elements kept | page images identical "
          "| qpdf --check | format layer time |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| plain text (Tesseract's .txt, restored) | {base:.2f}% | – | – | – | – | – |")
    for row in rows:
        print(f"| {row[0]} | {row[1]:.2f}% | " + " | ".join(row[2:]) + " |")


if __name__ == "__main__":
    main()
