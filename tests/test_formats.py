# SPDX-License-Identifier: GPL-3.0-or-later
"""hOCR, ALTO, Tesseract TSV and searchable PDFs restored in their own format.

The fixtures in ``cases/formats/scan/`` are pages of two documents written for
this project (``cases/formats/source/``: an official letter about floods and
a commune report on digital transformation), rendered as scans by the shared
``ocrpairs`` tool and read by Debian's ``tesseract -l eng`` and ``ocrmypdf``
(``cases/formats/make_fixtures.py`` rebuilds them).  ``cases/formats/hand/``
holds small files written by hand in correct Vietnamese: nothing in them may
change.  Tests that need pikepdf, qpdf, pdftotext or chromium skip without them.
"""

from __future__ import annotations

import html.parser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rapidfuzz.distance import Levenshtein

from diacritics_fix import Options, Restorer
from diacritics_fix.cli import main
from diacritics_fix.formats import FormatError, NotRewritable, detect, restore_document
from diacritics_fix.formats import alto, hocr, tsv
from diacritics_fix.formats.words import OcrWord, layout, spread, word_texts
from diacritics_fix.review import review_lines, review_page
from diacritics_fix.syllable import canonical

CASES = Path(__file__).parent / "cases" / "formats"
SCAN, HAND = CASES / "scan", CASES / "hand"
DOCUMENTS = ("cong-van", "bao-cao")
RESTORER = Restorer()


def word_accuracy(truth: str, output: str) -> float:
    """Share of truth words (lowercase letter runs, tone placement folded) an alignment matches."""
    def words(text: str) -> list[str]:
        return [canonical(w) for w in re.findall(r"[^\W\d_]+", text.lower())]
    ref, hyp = words(truth), words(output)
    bad = sum(1 for op in Levenshtein.editops(ref, hyp) if op.tag in ("replace", "delete"))
    return 1 - bad / len(ref)


def words_of(kind: str, data: bytes) -> list[str]:
    module = {"hocr": hocr, "alto": alto, "tsv": tsv}[kind]
    return [word.text for word in module.read(data).words]


# What is not a word's text: every other byte must come back as it was.
OUTSIDE_WORDS = {
    "hocr": lambda text: re.sub(r"(<span class='ocrx_(?:word|cinfo)'[^>]*>)[^<]*", r"\1", text),
    "alto": lambda text: re.sub(r'CONTENT="[^"]*"', 'CONTENT=""', text),
    "tsv": lambda text: re.sub(r"\t[^\t\n]*$", "\t", text, flags=re.MULTILINE),
}
SUFFIX = {"hocr": ".hocr", "alto": ".xml", "tsv": ".tsv"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# --- recognising the format -----------------------------------------------------------------------

DETECT_CASES = [
    ("tesseract hOCR", (SCAN / "cong-van.hocr").read_bytes()[:3000], "hocr"),
    ("hand-written HTML hOCR", (HAND / "lich-tiep-dan.hocr").read_bytes(), "hocr"),
    ("ALTO v3 from tesseract", (SCAN / "cong-van.xml").read_bytes()[:3000], "alto"),
    ("ALTO v2 with a comment before the root", (HAND / "lich-tiep-dan.xml").read_bytes(), "alto"),
    ("TSV with its header", (SCAN / "cong-van.tsv").read_bytes(), "tsv"),
    ("TSV with CRLF", (HAND / "lich-tiep-dan.tsv").read_bytes(), "tsv"),
    ("PDF", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
    ("plain letter", "Kính gửi: Ủy ban nhân dân các xã.\n".encode(), "text"),
    ("text about <tags>", b"Dung the <br> trong HTML\n", "text"),
]


@pytest.mark.parametrize("label, head, expected", DETECT_CASES, ids=[case[0] for case in DETECT_CASES])
def test_the_format_is_recognised_from_the_content(label, head, expected):
    assert detect(head) == expected


NOT_REWRITABLE = [
    ("METS", b'<?xml version="1.0"?>\n<mets:mets xmlns:mets="http://www.loc.gov/METS/"/>', "mets:mets"),
    ("TEI", b'<?xml version="1.0" encoding="UTF-8"?><TEI xmlns="http://www.tei-c.org/ns/1.0"/>', "TEI"),
    ("web page", b"<!DOCTYPE html>\n<html><body><p>Tin tuc</p></body></html>", "web page"),
]


@pytest.mark.parametrize("label, head, reason", NOT_REWRITABLE, ids=[case[0] for case in NOT_REWRITABLE])
def test_other_markup_is_not_rewritable(label, head, reason):
    with pytest.raises(NotRewritable, match=reason):
        detect(head)


# --- words in, words out ----------------------------------------------------------------------------

W = OcrWord
SPLIT_AND_MERGE = [
    ("one word restored", [W("Thanh", None, 1, 1, 1), W("iy", None, 1, 1, 1)], [(6, 8, "ủy")], {1: "ủy"}),
    ("a glued pair split keeps its element", [W("kinhté", None, 1, 1, 1)], [(0, 6, "kinh tế")], {0: "kinh tế"}),
    ("two words merged: the first holds it, the second is emptied",
     [W("Thu", None, 1, 1, 1), W("ong", None, 1, 1, 1), W("mai", None, 1, 1, 1)], [(0, 7, "Thương")],
     {0: "Thương", 1: ""}),
    ("punctuation around a change stays", [W("(nguy", None, 1, 1, 1), W("co).", None, 1, 1, 1)],
     [(1, 5, "nguy"), (6, 8, "cơ")], {1: "cơ)."}),
    ("words of the next line", [W("a", None, 1, 1, 1), W("dan", None, 1, 2, 1)], [(2, 5, "dân")], {1: "dân"}),
]


@pytest.mark.parametrize("label, words, changes, expected", SPLIT_AND_MERGE, ids=[c[0] for c in SPLIT_AND_MERGE])
def test_changes_go_back_into_their_words(label, words, changes, expected):
    _, starts, _ = layout(words)
    assert word_texts(words, starts, changes) == expected


def test_layout_reads_lines_and_paragraphs_as_the_page():
    words = [W("Dieu", None, 1, 1, "a"), W("1.", None, 1, 1, "a"), W("Pham", None, 1, 2, "a"), W("vi", None, 1, 2, "a"),
             W("", None, 1, 2, "a"), W("Dieu", None, 1, 3, "b"), W("2.", None, 2, 1, "c")]
    text, starts, labels = layout(words)
    assert text == "Dieu 1.\nPham vi\n\nDieu\n\n2."
    assert starts[4] == -1  # a word with no text is no part of the text
    assert [tuple(label) for label in labels] == [(1, 1), (1, 2), (1, 3), (1, 3), (2, 1), (2, 1)]


GLYPHS = [
    ("as many characters as glyphs", "tổng", 4, ["t", "ổ", "n", "g"]),
    ("more characters: the last glyph takes the rest", "người", 4, ["n", "g", "ư", "ời"]),
    ("fewer characters: surplus glyphs emptied", "tế", 3, ["t", "ế", ""]),
    ("a split word's space is a character too", "kinh tế", 6, ["k", "i", "n", "h", " ", "tế"]),
]


@pytest.mark.parametrize("label, word, count, expected", GLYPHS, ids=[case[0] for case in GLYPHS])
def test_character_elements_share_the_restored_word(label, word, count, expected):
    assert spread(word, count) == expected
    assert "".join(spread(word, count)) == word


# --- hOCR, ALTO, TSV: in place, byte for byte ---------------------------------------------------------

@pytest.mark.parametrize("kind", ["hocr", "alto", "tsv"])
@pytest.mark.parametrize("name", DOCUMENTS)
def test_restored_files_keep_every_byte_outside_the_words(kind, name):
    data = (SCAN / f"{name}{SUFFIX[kind]}").read_bytes()
    restored = restore_document(data, kind, RESTORER)
    out = restored.data
    assert out != data and len(restored.restoration.changes) > 100
    assert OUTSIDE_WORDS[kind](out.decode()) == OUTSIDE_WORDS[kind](data.decode())
    before, after = words_of(kind, data), words_of(kind, out)
    assert len(after) == len(before)  # every word element is still there, with its box


@pytest.mark.parametrize("kind", ["hocr", "alto", "tsv"])
@pytest.mark.parametrize("name", DOCUMENTS)
def test_word_accuracy_through_each_format_equals_the_text_path(kind, name):
    """The same OCR (Tesseract's own .txt of the same run) restored as plain text, and through the format."""
    truth = (SCAN / f"{name}.truth.txt").read_text(encoding="utf-8")
    text_path = word_accuracy(truth, RESTORER.restore((SCAN / f"{name}.txt").read_text(encoding="utf-8")))
    out = restore_document((SCAN / f"{name}{SUFFIX[kind]}").read_bytes(), kind, RESTORER, engine_confidence=False)
    through_format = word_accuracy(truth, " ".join(words_of(kind, out.data)))
    assert word_accuracy(truth, (SCAN / f"{name}.txt").read_text(encoding="utf-8")) < 0.25
    assert through_format > 0.85
    assert abs(through_format - text_path) <= 0.005, (through_format, text_path)


@pytest.mark.parametrize("name", ["lich-tiep-dan.hocr", "lich-tiep-dan.xml", "lich-tiep-dan.tsv"])
def test_a_file_with_nothing_to_change_comes_back_identical(runner, tmp_path, name):
    out = tmp_path / name
    result = runner.invoke(main, [str(HAND / name), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (HAND / name).read_bytes()


def test_hocr_character_boxes_spell_the_restored_word():
    data = (SCAN / "cong-van.chars.hocr").read_bytes()
    out = restore_document(data, "hocr", RESTORER).data.decode()
    plain = restore_document((SCAN / "cong-van.hocr").read_bytes(), "hocr", RESTORER).data
    assert words_of("hocr", out.encode()) == words_of("hocr", plain)
    # The boxes of the characters did not move, and there are as many character elements.
    boxes = lambda text: re.findall(r"x_bboxes [\d ]+", text)
    assert boxes(out) == boxes(data.decode())
    assert out.count("ocrx_cinfo") == data.decode().count("ocrx_cinfo")


def test_alto_glyphs_and_entities():
    data = (HAND / "lich-tiep-dan.xml").read_bytes()
    document = alto.read(data)
    assert [w.text for w in document.words][9] == "&"  # &amp; read as &
    source = data.replace("CONTENT='Lịch'".encode(), b"CONTENT='Lich'").replace("CONTENT='ị'".encode(), b"CONTENT='i'")
    out = alto.read(source).write({0: "Lịch sử", 9: "x&y"}).decode()
    assert "CONTENT='Lịch sử'" in out and "CONTENT='x&amp;y'" in out
    assert re.findall(r"<Glyph ID='G\d' [^/]*CONTENT='([^']*)'", out) == ["L", "ị", "c", "h sử"]


def test_hocr_escapes_and_keeps_its_markup():
    data = (HAND / "lich-tiep-dan.hocr").read_bytes()
    document = hocr.read(data)
    assert [w.text for w in document.words][:5] == ["Lịch", "tiếp", "công", "dân", "Q&A"]
    out = document.write({0: "Lịch sử", 4: "Hỏi & đáp"}).decode()
    assert "<strong>Lịch sử</strong>" in out and ">Hỏi &amp; đáp</span>" in out


def test_hocr_in_another_declared_charset_gets_character_references():
    data = ('<html><head><meta charset="iso-8859-1"></head><body><div class="ocr_page">'
            '<span class="ocr_line"><span class="ocrx_word">Thanh</span></span></div></body></html>').encode("latin-1")
    out = hocr.read(data).write({0: "Thành"})
    assert out == data.replace(b">Thanh<", b">Th&#224;nh<") or out == data.replace(b">Thanh<", b">Th\xe0nh<")


def test_tsv_rows_keep_their_columns_and_line_endings():
    data = (HAND / "lich-tiep-dan.tsv").read_bytes()
    document = tsv.read(data)
    out = document.write({0: "Uỷ", 1: ""})
    assert out.count(b"\r\n") == data.count(b"\r\n")
    assert out.split(b"\r\n")[2].split(b"\t")[:11] == data.split(b"\r\n")[2].split(b"\t")[:11]
    assert [w.text for w in tsv.read(out).words][:2] == ["Uỷ", ""]


# --- bad and hostile files ------------------------------------------------------------------------------

BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE alto [\n <!ENTITY lol "lol">\n'
                  + b"".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'.encode()
                             for i in range(1, 10))
                  + b']>\n<alto><Layout><Page><TextBlock><TextLine><String CONTENT="&lol9;"/></TextLine></TextBlock>'
                    b'</Page></Layout></alto>')
XXE = (b'<?xml version="1.0"?>\n<!DOCTYPE alto [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
       b'<alto><Layout><Page><TextBlock><TextLine><String CONTENT="&secret;"/></TextLine></TextBlock></Page></Layout></alto>')
EXTERNAL_DTD = (b'<?xml version="1.0"?>\n<!DOCTYPE alto SYSTEM "http://example.invalid/alto.dtd">\n'
                b'<alto><Layout><Page><TextBlock><TextLine><String CONTENT="&x;"/></TextLine></TextBlock></Page></Layout></alto>')
ALTO_TEXT = (SCAN / "cong-van.xml").read_bytes()
HOCR_TEXT = (SCAN / "cong-van.hocr").read_bytes()
TSV_TEXT = (SCAN / "cong-van.tsv").read_bytes()

BROKEN = [
    ("billion laughs", "bomb.xml", BILLION_LAUGHS, "entit"),
    ("external entity", "xxe.xml", XXE, "entit"),
    ("external DTD and an undefined entity", "dtd.xml", EXTERNAL_DTD, "entity"),
    ("truncated ALTO", "cat-ngang.xml", ALTO_TEXT[:len(ALTO_TEXT) // 2], "truncated"),
    ("ALTO whose declared encoding lies", "sai-ma.xml", ALTO_TEXT.replace(b'CONTENT="BAN"', b'CONTENT="B\xc0N"'),
     "not utf-8"),
    ("truncated hOCR", "cat-ngang.hocr", HOCR_TEXT[:len(HOCR_TEXT) // 2], "truncated"),
    ("hOCR whose declared charset lies", "sai-ma.hocr", HOCR_TEXT.replace(b">BAN<", b">B\xc0N<"), "not utf-8"),
    ("truncated TSV", "cat-ngang.tsv", TSV_TEXT[:len(TSV_TEXT) // 2 + 3], "columns"),
    ("TSV with text in a number column", "hong.tsv", TSV_TEXT.replace(b"\t176\t", b"\tabc\t", 1), "number"),
]


@pytest.mark.parametrize("label, name, data, message", BROKEN, ids=[case[0] for case in BROKEN])
def test_a_broken_file_is_one_error_and_the_batch_goes_on(runner, tmp_path, label, name, data, message):
    archive = tmp_path / "kho"
    archive.mkdir()
    (archive / name).write_bytes(data)
    shutil.copy(HAND / "lich-tiep-dan.tsv", archive / "lich.tsv")
    out = tmp_path / "out"
    result = runner.invoke(main, [str(archive), "-o", str(out)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if str(archive / name) in line]
    assert len(errors) == 1 and message in errors[0].lower(), result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["lich.tsv"]  # nothing written for it


def test_a_billion_laughs_is_refused_quickly():
    with pytest.raises(FormatError, match="entit"):
        alto.read(BILLION_LAUGHS)


HOSTILE_MARKUP = [
    ("processing instructions that never close", b"<?a?>" * 5000 + b"!"),
    ("comments before no element", b"<!--a-->" * 5000 + b"!"),
    ("an unclosed quote in every tag", b"<div class='ocr_page'>" + b'<a " ' * 100_000),
    ("an unclosed comment", b"<div class='ocr_page'><span class='ocrx_word'>x</span></div>" + b"<!--" * 100_000 + b">"),
]


@pytest.mark.parametrize("label, data", HOSTILE_MARKUP, ids=[case[0] for case in HOSTILE_MARKUP])
def test_hostile_markup_cannot_make_the_reader_hang(label, data):
    """Patterns that make backtracking scanners take hours are read (or refused) at once."""
    import time
    started = time.perf_counter()
    try:
        if detect(data) == "hocr":
            hocr.read(data)
    except (FormatError, NotRewritable):
        pass
    assert time.perf_counter() - started < 10


def test_files_that_are_not_ocr_formats_are_skipped_not_failed(runner, tmp_path):
    archive = tmp_path / "kho"
    archive.mkdir()
    (archive / "mets.xml").write_bytes(NOT_REWRITABLE[0][1])
    (archive / "trang-web.html").write_bytes(NOT_REWRITABLE[2][1])
    shutil.copy(SCAN / "cong-van.tsv", archive / "CONG-VAN.TSV")  # the default globs in any case
    out = tmp_path / "out"
    report = tmp_path / "r.jsonl"
    result = runner.invoke(main, [str(archive), "-o", str(out), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["CONG-VAN.TSV"]
    assert "mets.xml: XML but not ALTO" in result.stderr and "trang-web.html: a web page" in result.stderr
    assert "2 skipped, 0 failed" in result.stderr
    import json
    records = {Path(r["path"]).name: r for r in map(json.loads, report.read_text(encoding="utf-8").splitlines())}
    assert records["CONG-VAN.TSV"]["format"] == "tsv" and records["CONG-VAN.TSV"]["changed"] > 100
    assert records["mets.xml"]["status"] == "skipped"


def test_glob_narrows_the_formats(runner, tmp_path):
    archive = tmp_path / "kho"
    archive.mkdir()
    for name in ("cong-van.tsv", "cong-van.xml", "cong-van.hocr"):
        shutil.copy(SCAN / name, archive / name)
    out = tmp_path / "out"
    result = runner.invoke(main, [str(archive), "-o", str(out), "--glob", "*.xml"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["cong-van.xml"]


def test_format_option_forces_a_format(runner, tmp_path):
    source = tmp_path / "trang-1.txt"
    shutil.copy(SCAN / "cong-van.hocr", source)
    forced = runner.invoke(main, [str(source), "--format", "hocr"])
    assert forced.exit_code == 0 and forced.stdout_bytes == restore_document(source.read_bytes(), "hocr", RESTORER).data
    as_text = runner.invoke(main, [str(source), "--format", "text"])
    assert as_text.exit_code == 0 and as_text.stdout_bytes != forced.stdout_bytes


def test_in_place_jobs_and_resume_work_for_formats(runner, tmp_path):
    archive = tmp_path / "kho"
    archive.mkdir()
    for name in ("cong-van.tsv", "bao-cao.xml", "cong-van.hocr"):
        shutil.copy(SCAN / name, archive / name)
    before = {p.name: p.read_bytes() for p in archive.iterdir()}
    result = runner.invoke(main, ["--in-place", str(archive), "--jobs", "2", "-q"])
    assert result.exit_code == 0, result.output
    for name, data in before.items():
        assert (archive / f"{name}.orig").read_bytes() == data
        kind = {".tsv": "tsv", ".xml": "alto", ".hocr": "hocr"}[Path(name).suffix]
        assert (archive / name).read_bytes() == restore_document(data, kind, RESTORER).data
    again = runner.invoke(main, ["--in-place", str(archive)])
    assert again.exit_code == 0 and "0 files restored, 3 skipped" in again.stderr


# --- the engine's confidence ---------------------------------------------------------------------------

# From the OCR of the commune report: "văn bản đi, đến" (documents sent and received).
SENT_AND_RECEIVED = ("chifc x4 sir dyng thanh thao hé théng quan ly van ban va diéu\n"
                     "hanh (e-Office); 100% van ban di, dén duc xir ly trén méi truvéng mang, tif van\n")


def test_a_word_the_engine_was_sure_of_keeps_its_letters():
    text = SENT_AND_RECEIVED
    starts = [match.start() for match in re.finditer(r"\S+", text)]
    sent = text.index("di,")
    sure = {start: 0.97 if start == sent else 0.6 for start in starts}
    unsure = {start: 0.6 for start in starts}
    plain = RESTORER.restore(text)
    assert "văn bản đi, đến" in RESTORER.restore_and_explain(text, engine_confidence=sure)[0]
    assert RESTORER.restore_and_explain(text, engine_confidence=unsure)[0] == plain  # unsure: nothing said
    # what "sure" means: readings that change the letters pay SURE_LETTERS, marks are free
    from diacritics_fix.candidates import SURE_LETTERS, ocr_word_candidates
    from diacritics_fix.model import load_model
    from diacritics_fix.syllable import skeleton

    model = load_model()
    doubtful = {c.syllable: c.channel for c in ocr_word_candidates("di", model)}
    sure_of = {c.syllable: c.channel for c in ocr_word_candidates("di", model, sure=True)}
    for sid, channel in sure_of.items():
        changed_letters = sid < len(model.syllables) and skeleton(model.syllables[sid]) != "di"
        assert channel == pytest.approx(doubtful[sid] + (SURE_LETTERS if changed_letters else 0.0))


def test_a_sure_word_still_gets_its_marks_and_yields_to_clear_context():
    text = "Uy ban nhan dan huyén dé nghj cac xa bao cdo két qua"
    sure = {match.start(): 0.99 for match in re.finditer(r"\S+", text)}
    assert RESTORER.restore_and_explain(text, engine_confidence=sure)[0] == (
        "Ủy ban nhân dân huyện đề nghị các xã báo cáo kết quả")


# --- searchable PDFs ---------------------------------------------------------------------------------------

try:
    import pikepdf
except ImportError:
    pikepdf = None
needs_pikepdf = pytest.mark.skipif(pikepdf is None, reason="pikepdf is not installed: pip install 'diacritics-fix[pdf]'")


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def images_of(data: bytes) -> list[bytes]:
    import io
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [image.read_raw_bytes() for page in pdf.pages for image in _images(page.obj)]


def _images(owner):
    xobjects = owner.get("/Resources", {}).get("/XObject", {})
    for _, xobject in xobjects.items():
        if xobject.get("/Subtype") == "/Image":
            yield xobject
        elif xobject.get("/Subtype") == "/Form":
            yield from _images(xobject)


PDFS = ["cong-van.pdf", "bao-cao.pdf", "cong-van.ocrmypdf.pdf", "cong-van.ocrmypdf-plain.pdf"]


@needs_pikepdf
@pytest.mark.parametrize("name", PDFS)
def test_pdf_text_layer_is_restored_and_the_rest_untouched(tmp_path, name):
    source = SCAN / name
    data = source.read_bytes()
    restored = restore_document(data, "pdf", RESTORER)
    out = tmp_path / name
    out.write_bytes(restored.data)
    assert restored.notes == []
    assert images_of(restored.data) == images_of(data)  # page images bit for bit
    import io
    with pikepdf.open(io.BytesIO(data)) as before, pikepdf.open(io.BytesIO(restored.data)) as after:
        assert after.check_pdf_syntax() == []
        assert len(after.pages) == len(before.pages)
        assert dict(after.docinfo.items()) == dict(before.docinfo.items())
        if "/Metadata" in before.Root:
            assert after.Root.Metadata.read_bytes() == before.Root.Metadata.read_bytes()
    if shutil.which("qpdf"):
        check = subprocess.run(["qpdf", "--check", str(out)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    name_stem = name.split(".")[0]
    truth = (SCAN / f"{name_stem}.truth.txt").read_text(encoding="utf-8")
    text_path = word_accuracy(truth, RESTORER.restore((SCAN / f"{name_stem}.txt").read_text(encoding="utf-8")))
    searchable = pdf_text(out)
    assert "Ủy ban nhân dân" in searchable or "ỦY BAN NHÂN" in searchable
    # Within two points on one page (pdftotext lays out the signature block its own way); bench/formats.py
    # holds the one-point target on 8,000 words.
    assert abs(word_accuracy(truth, searchable) - text_path) <= 0.02


@needs_pikepdf
def test_pdf_words_keep_their_width(tmp_path):
    data = (SCAN / "cong-van.pdf").read_bytes()
    out = restore_document(data, "pdf", RESTORER).data
    import io
    def words(blob):
        with pikepdf.open(io.BytesIO(blob)) as pdf:
            result, scale = [], None
            for operands, operator in pikepdf.parse_content_stream(pdf.pages[0].obj):
                if str(operator) == "Tz":
                    scale = float(operands[0])
                elif str(operator) == "TJ":
                    result.append((scale, len(bytes(operands[0][0])) // 2))
            return result
    before, after = words(data), words(out)
    assert len(before) == len(after)
    assert sum(b != a for b, a in zip(before, after)) > 20  # words that changed length
    for (old_scale, old_len), (new_scale, new_len) in zip(before, after):
        assert old_scale * old_len == pytest.approx(new_scale * new_len, rel=2e-3)


@needs_pikepdf
def test_a_pdf_font_without_the_letters_leaves_its_page_as_it_was(runner, tmp_path):
    """OCRmyPDF's hocr renderer writes Helvetica in WinAnsiEncoding: no ộ, no ư."""
    source = SCAN / "cong-van.ocrmypdf-hocr.pdf"
    out = tmp_path / "out.pdf"
    result = runner.invoke(main, [str(source), "-o", str(out), "--review", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert "page 1: left as it was: its font" in result.stderr and "cannot write" in result.stderr
    assert out.read_bytes() == source.read_bytes()
    assert "0 changed" in (tmp_path / "r.html").read_text(encoding="utf-8")


def make_pdf(tmp_path: Path, name: str, text_mode: int | None, **save) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    if text_mode is not None:
        font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                    BaseFont=pikepdf.Name.Helvetica,
                                                    Encoding=pikepdf.Name.WinAnsiEncoding))
        pdf.pages[0].Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        pdf.pages[0].Contents = pdf.make_stream(f"BT {text_mode} Tr /F1 12 Tf 72 720 Td (Bao cao tong ket) Tj ET".encode())
    path = tmp_path / name
    pdf.save(path, **save)
    return path


@needs_pikepdf
def test_pdfs_that_cannot_be_rewritten_are_skipped_with_the_reason(runner, tmp_path):
    archive = tmp_path / "kho"
    archive.mkdir()
    make_pdf(archive, "ban-dien-tu.pdf", 0)
    make_pdf(archive, "chua-ocr.pdf", None)
    make_pdf(archive, "ma-hoa.pdf", 3, encryption=pikepdf.Encryption(owner="chu", user="", R=6))
    signed = make_pdf(archive, "da-ky.pdf", 3)
    with pikepdf.open(signed, allow_overwriting_input=True) as pdf:
        pdf.Root.AcroForm = pikepdf.Dictionary(SigFlags=3, Fields=pikepdf.Array())
        pdf.save(signed)
    (archive / "hong.pdf").write_bytes((SCAN / "cong-van.pdf").read_bytes()[:5000])
    out = tmp_path / "out"
    result = runner.invoke(main, [str(archive), "-o", str(out)])
    assert result.exit_code == 1  # the damaged one
    said = {Path(line.split(": ")[1]).name: line for line in result.stderr.splitlines()[:-1]}
    assert "born digital" in said["ban-dien-tu.pdf"] and "no text layer" in said["chua-ocr.pdf"]
    assert "encrypted" in said["ma-hoa.pdf"] and "signed" in said["da-ky.pdf"]
    assert "PDF" in said["hong.pdf"]
    assert not out.exists() or list(out.iterdir()) == []
    assert "0 files restored, 4 skipped, 1 failed" in result.stderr


@needs_pikepdf
def test_a_page_without_a_text_layer_is_named(runner, tmp_path):
    scan = tmp_path / "ho-so.pdf"
    with pikepdf.open(SCAN / "cong-van.pdf") as pdf:
        pdf.add_blank_page(page_size=(595, 842))  # a page the OCR never saw (a photo, a blank back)
        pdf.save(scan)
    out = tmp_path / "out.pdf"
    result = runner.invoke(main, [str(scan), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{scan}: page 2: no text layer" in result.stderr
    assert "Ủy ban nhân dân" in pdf_text(out)
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 2


def test_a_missing_pdf_extra_is_a_clear_error(runner, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pikepdf", None)
    out = tmp_path / "out.pdf"
    result = runner.invoke(main, [str(SCAN / "cong-van.pdf"), "-o", str(out)])
    assert result.exit_code == 1 and "pip install 'diacritics-fix[pdf]'" in result.stderr
    assert not out.exists()


# --- the review page ---------------------------------------------------------------------------------------

class PageReader(html.parser.HTMLParser):
    """What a reviewer sees: documents, marks with their hover text, and anything fetched from outside."""

    def __init__(self) -> None:
        super().__init__()
        self.documents: list[str] = []
        self.marks: list[dict] = []
        self.outside: list[str] = []
        self.wheres: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if attrs.get(key):
                self.outside.append(attrs[key])
        if tag == "link" or tag == "script":
            self.outside.append(tag)
        if tag == "mark" and "class" in attrs and attrs["class"] in ("sure", "fair", "doubt"):
            self.marks.append(attrs)
        if tag == "span" and attrs.get("class") in ("path", "where"):
            self._in = attrs["class"]

    def handle_data(self, data):
        if self._in == "path":
            self.documents.append(data)
        elif self._in == "where":
            self.wheres.append(data)
        self._in = None


def test_review_page_shows_every_change_with_its_original(runner, tmp_path):
    archive = tmp_path / "kho"
    archive.mkdir()
    shutil.copy(SCAN / "bao-cao.xml", archive / "bao-cao.xml")
    (archive / "ghi-chu.txt").write_text("Ban Thuong vu Huyen uy\nCac dang bo truc thuoc\n", encoding="utf-8")
    (archive / "mets.xml").write_bytes(NOT_REWRITABLE[0][1])
    page = tmp_path / "review.html"
    result = runner.invoke(main, [str(archive), "-o", str(tmp_path / "out"), "--review", str(page), "--threshold", "0.9"])
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    reader = PageReader()
    reader.feed(text)
    assert reader.outside == [] and "url(" not in text and "@import" not in text
    assert [Path(name).name for name in reader.documents] == ["bao-cao.xml", "ghi-chu.txt", "mets.xml"]
    alto_changes = restore_document((SCAN / "bao-cao.xml").read_bytes(), "alto", RESTORER).restoration.changes
    text_changes = RESTORER.explain("Ban Thuong vu Huyen uy\nCac dang bo truc thuoc\n")
    assert len(reader.marks) == len(alto_changes) + len(text_changes)
    assert all(mark["title"].startswith("was: ") for mark in reader.marks)
    doubtful = [mark for mark in reader.marks if mark["class"] == "doubt"]
    assert len(doubtful) == sum(c.confidence < 0.9 for c in [*alto_changes, *text_changes]) > 0
    assert any(where.startswith("p. 2 · l. ") for where in reader.wheres)  # the report's second page
    assert "l. 1" in reader.wheres and "XML but not ALTO" in text
    assert 'id="only-uncertain"' in text and "#only-uncertain:checked" in text


def test_review_lines_place_changes_in_their_lines():
    text = "Ban Thuong vu\nTinh uy Quang Nam"
    changes = RESTORER.explain(text)
    lines = review_lines(text, changes, labels=[(3, 7), (3, 8)])
    assert [(line.page, line.line, line.text) for line in lines] == [(3, 7, "Ban Thường vụ"), (3, 8, "Tỉnh ủy Quảng Nam")]
    for line in lines:
        for mark in line.marks:
            assert line.text[mark.start:mark.end] == mark.restored


def test_review_page_renders_in_chromium(tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed")
    text = (SCAN / "cong-van.txt").read_text(encoding="utf-8")
    changes = RESTORER.explain(text)
    from diacritics_fix.review import ReviewDocument
    page = tmp_path / "review.html"
    page.write_text(review_page([ReviewDocument("cong-van.txt", None, "ok", "text", 300,
                                                tuple(review_lines(text, changes)))]), encoding="utf-8")
    shot = tmp_path / "review.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,900",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000  # a page with text and colour, not a blank one
