# SPDX-License-Identifier: GPL-3.0-or-later
"""The command line: ``diacritics-fix [OPTIONS] [FILE|-]``.

Most tests call the click command in-process with CliRunner; a few run
``python -m diacritics_fix.cli`` as a real process, end to end.
"""

from __future__ import annotations

import json
import os
import random
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import diacritics_fix
from diacritics_fix import Options, Restorer
from diacritics_fix.cli import main

SRC = Path(__file__).resolve().parent.parent / "src"

LETTER = (
    "Kinh gui: So Tai chinh tinh Quang Ninh\n"
    "Can cu Ke hoach so 25-KH/TU ngay 12/3/2024 cua Ban Thuong vu Tinh uy;\n"
    "Uy ban nhan dan tinh de nghi So Tai chinh bao cao truoc ngay 30/4/2024.\n"
)


def expected(text: str, **options) -> str:
    return Restorer(Options(**options)).restore(text)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def letter(tmp_path: Path) -> Path:
    path = tmp_path / "cong-van.txt"
    path.write_bytes(LETTER.encode("utf-8"))
    return path


def run_module(*args: str, input: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m diacritics_fix.cli`` with this checkout's source on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "diacritics_fix.cli", *args],
        input=input,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


# --- where the text comes from and goes to ------------------------------------------------

def test_reads_standard_input_when_no_file_is_given(runner):
    result = runner.invoke(main, [], input="Cac dang bo truc thuoc Thanh uy\n".encode())
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == "Các đảng bộ trực thuộc Thành ủy\n".encode()


def test_reads_standard_input_when_file_is_a_dash(runner):
    result = runner.invoke(main, ["-"], input=LETTER.encode())
    assert result.exit_code == 0, result.output
    assert result.stdout == expected(LETTER)


def test_restores_a_file_to_standard_output(runner, letter):
    result = runner.invoke(main, [str(letter)])
    assert result.exit_code == 0, result.output
    assert result.stdout == expected(LETTER)
    assert "Ủy ban nhân dân tỉnh" in result.stdout
    assert letter.read_text(encoding="utf-8") == LETTER  # the input is not touched


def test_output_option_writes_the_file(runner, letter, tmp_path):
    out = tmp_path / "fixed.txt"
    result = runner.invoke(main, [str(letter), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == expected(LETTER)
    assert letter.read_text(encoding="utf-8") == LETTER


def test_output_dash_means_standard_output(runner, letter):
    result = runner.invoke(main, [str(letter), "--output", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout == expected(LETTER)


def test_output_into_a_missing_folder_fails_cleanly(runner, letter, tmp_path):
    result = runner.invoke(main, [str(letter), "-o", str(tmp_path / "no" / "such" / "dir.txt")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "dir.txt" in result.stderr


# --- --in-place -----------------------------------------------------------------------------

def test_in_place_rewrites_the_file_and_keeps_a_backup(runner, letter):
    result = runner.invoke(main, ["--in-place", str(letter)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert letter.read_text(encoding="utf-8") == expected(LETTER)
    backup = letter.with_name(letter.name + ".orig")
    assert backup.read_bytes() == LETTER.encode()
    leftovers = sorted(p.name for p in letter.parent.iterdir())
    assert leftovers == ["cong-van.txt", "cong-van.txt.orig"], "a temporary file was left behind"


def test_in_place_never_overwrites_an_existing_backup(runner, letter):
    backup = letter.with_name(letter.name + ".orig")
    backup.write_text("the very first version\n", encoding="utf-8")
    result = runner.invoke(main, ["--in-place", str(letter)])
    assert result.exit_code == 0, result.output
    assert backup.read_text(encoding="utf-8") == "the very first version\n"
    assert letter.read_text(encoding="utf-8") == expected(LETTER)


def test_in_place_twice_keeps_the_first_original(runner, letter):
    assert runner.invoke(main, ["--in-place", str(letter)]).exit_code == 0
    assert runner.invoke(main, ["--in-place", str(letter)]).exit_code == 0
    assert letter.with_name(letter.name + ".orig").read_bytes() == LETTER.encode()


def test_in_place_with_no_backup_keeps_no_orig(runner, letter):
    result = runner.invoke(main, ["--in-place", "--no-backup", str(letter)])
    assert result.exit_code == 0, result.output
    assert letter.read_text(encoding="utf-8") == expected(LETTER)
    assert [p.name for p in letter.parent.iterdir()] == ["cong-van.txt"]


def test_in_place_keeps_the_file_mode(runner, letter):
    letter.chmod(0o640)
    assert runner.invoke(main, ["--in-place", str(letter)]).exit_code == 0
    assert stat.S_IMODE(letter.stat().st_mode) == 0o640


@pytest.mark.parametrize(
    "args",
    [
        ["--in-place", "-o", "out.txt", "cong-van.txt"],
        ["--in-place", "--output", "out.txt", "cong-van.txt"],
        ["--in-place", "-"],
        ["--in-place"],
        ["--no-backup", "cong-van.txt"],
        ["--style", "hoa", "cong-van.txt"],
        ["--explain-format", "xml", "cong-van.txt"],
        ["--no-such-option", "cong-van.txt"],
    ],
)
def test_usage_errors_exit_2_and_touch_nothing(runner, letter, args, monkeypatch):
    monkeypatch.chdir(letter.parent)
    result = runner.invoke(main, args, input=b"Thanh uy")
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in letter.parent.iterdir()) == ["cong-van.txt"]
    assert letter.read_bytes() == LETTER.encode()


# --- failing inputs ----------------------------------------------------------------------------

def test_missing_file_exits_1_with_one_line_naming_it(runner, tmp_path):
    missing = tmp_path / "khong-co.txt"
    result = runner.invoke(main, [str(missing)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and str(missing) in lines[0]
    assert "Traceback" not in result.output


# Bytes that no encoding reads as text (legacy encodings are detected: see test_batch.py).
_RANDOM = random.Random(1456)
UNDECODABLE = b"Thanh uy\n" + bytes(_RANDOM.randrange(0x80, 0x100) for _ in range(600))


def test_undecodable_bytes_exit_1_naming_the_file(runner, tmp_path):
    path = tmp_path / "garbled.txt"
    path.write_bytes(UNDECODABLE)
    result = runner.invoke(main, [str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and str(path) in lines[0]
    assert "Traceback" not in result.output


def test_undecodable_standard_input_is_named_stdin(runner):
    result = runner.invoke(main, ["-"], input=UNDECODABLE)
    assert result.exit_code == 1
    assert "<stdin>" in result.stderr


def test_a_folder_is_not_a_file(runner, tmp_path):
    result = runner.invoke(main, [str(tmp_path)])
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1 and str(tmp_path) in result.stderr


def test_end_to_end_missing_file_has_no_traceback(tmp_path):
    process = run_module("khong-co.txt", cwd=tmp_path)
    assert process.returncode == 1
    assert process.stdout == b""
    message = process.stderr.decode()
    assert message.count("\n") == 1 and "khong-co.txt" in message
    assert "Traceback" not in message


def test_end_to_end_undecodable_file(tmp_path):
    (tmp_path / "garbled.txt").write_bytes(UNDECODABLE)
    process = run_module("garbled.txt", cwd=tmp_path)
    assert process.returncode == 1
    message = process.stderr.decode()
    assert message.count("\n") == 1 and "garbled.txt" in message
    assert "Traceback" not in message


# --- bytes are kept ----------------------------------------------------------------------------

def test_bom_and_crlf_are_kept_byte_for_byte(runner, tmp_path):
    source = "\ufeffUY BAN NHAN DAN\r\nTINH QUANG NINH\r\n\r\nSo: 1234/UBND-KT\r\n"
    path = tmp_path / "crlf.txt"
    path.write_bytes(source.encode("utf-8"))
    result = runner.invoke(main, [str(path)])
    assert result.exit_code == 0, result.output
    out = result.stdout_bytes
    assert out.startswith(b"\xef\xbb\xbf")
    assert out.count(b"\r\n") == 4 and out.count(b"\n") == 4
    assert out == expected(source).encode("utf-8")
    assert out.decode("utf-8").startswith("\ufeffỦY BAN NHÂN DÂN\r\n")


def test_in_place_keeps_bom_and_crlf(runner, tmp_path):
    source = "\ufeffNoi nhan:\r\n- Nhu tren;\r\n- Luu: VT.\r\n"
    path = tmp_path / "noi-nhan.txt"
    path.write_bytes(source.encode("utf-8"))
    assert runner.invoke(main, ["--in-place", str(path)]).exit_code == 0
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 3 and data.count(b"\n") == 3
    assert data == expected(source).encode("utf-8")


def test_end_to_end_stdin_to_stdout_keeps_bytes(tmp_path):
    source = "\ufeffDoc lap - Tu do - Hanh phuc\r\nHa Noi, ngay 16 thang 5 nam 2013\r\n"
    process = run_module(input=source.encode("utf-8"), cwd=tmp_path)
    assert process.returncode == 0, process.stderr.decode()
    assert process.stdout == expected(source).encode("utf-8")
    assert process.stdout.startswith("\ufeffĐộc lập - Tự do - Hạnh phúc\r\n".encode())


def test_end_to_end_file_to_output_file(tmp_path, letter):
    process = run_module(str(letter), "-o", "fixed.txt", cwd=tmp_path)
    assert process.returncode == 0, process.stderr.decode()
    assert (tmp_path / "fixed.txt").read_text(encoding="utf-8") == expected(LETTER)


# --- --explain ------------------------------------------------------------------------------------

def test_explain_prints_one_line_per_change_on_stderr(runner, letter):
    result = runner.invoke(main, ["--explain", str(letter)])
    assert result.exit_code == 0, result.output
    assert result.stdout == expected(LETTER)  # the text itself is unchanged by --explain
    changes = Restorer().explain(LETTER)
    lines = result.stderr.splitlines()
    assert len(lines) == len(changes) > 10
    first = changes[0]
    assert lines[0].startswith(f"{letter}:1:1: {first.original} -> {first.restored} (")
    for line, change in zip(lines, changes):
        assert f" {change.original} -> {change.restored} (" in line


def test_explain_of_standard_input_names_stdin(runner):
    result = runner.invoke(main, ["--explain"], input=b"Thanh uy")
    assert result.exit_code == 0
    assert result.stdout == "Thành ủy"
    assert result.stderr.splitlines()[0].startswith("<stdin>:1:1: Thanh -> Thành (")


JSON_FIELDS = {"file", "line", "column", "start", "end", "original", "restored", "confidence", "alternatives", "reason"}


def test_explain_format_json_prints_json_lines(runner, letter):
    result = runner.invoke(main, ["--explain", "--explain-format", "json", str(letter)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stderr.splitlines()]
    changes = Restorer().explain(LETTER)
    assert len(records) == len(changes)
    lines = LETTER.split("\n")
    for record, change in zip(records, changes):
        assert set(record) == JSON_FIELDS
        assert record["file"] == str(letter)
        assert (record["start"], record["end"]) == (change.start, change.end)
        assert (record["original"], record["restored"]) == (change.original, change.restored)
        assert LETTER[record["start"]:record["end"]] == record["original"]
        line = lines[record["line"] - 1]
        column = record["column"] - 1
        assert line[column:column + len(record["original"])] == record["original"]
        assert 0.0 <= record["confidence"] <= 1.0
        assert isinstance(record["reason"], str) and record["reason"]
        for alternative in record["alternatives"]:
            word, probability = alternative
            assert isinstance(word, str) and 0.0 <= probability <= 1.0
    assert any(record["line"] == 3 for record in records)


def test_explain_json_keeps_vietnamese_readable(runner):
    result = runner.invoke(main, ["--explain", "--explain-format", "json"], input=b"Thanh uy")
    assert "Thành" in result.stderr and "\\u" not in result.stderr


# --- --phrases and --style ----------------------------------------------------------------------

NAME_LINE = "Dong chi Pham Van Tuy, Bi thu Dang uy xa\n"


def test_phrases_file_adds_phrases(runner, tmp_path):
    phrases = tmp_path / "ten-rieng.txt"
    phrases.write_text("# tên riêng của cán bộ\n\nPhạm Văn Tùy\n", encoding="utf-8")
    without = runner.invoke(main, [], input=NAME_LINE.encode())
    with_phrases = runner.invoke(main, ["--phrases", str(phrases)], input=NAME_LINE.encode())
    assert with_phrases.exit_code == 0, with_phrases.output
    assert with_phrases.stdout == "Đồng chí Phạm Văn Tùy, Bí thư Đảng ủy xã\n"
    assert without.stdout != with_phrases.stdout


def test_phrases_option_repeats(runner, tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("Phạm Văn Tùy\n", encoding="utf-8")
    second.write_text("Kiên Giang\n", encoding="utf-8")
    result = runner.invoke(main, ["--phrases", str(first), "--phrases", str(second)], input=NAME_LINE.encode())
    assert result.exit_code == 0, result.output
    assert result.stdout == expected(NAME_LINE, phrases=("Phạm Văn Tùy", "Kiên Giang"))
    assert "Phạm Văn Tùy" in result.stdout


def test_phrases_file_with_crlf_line_endings(runner, tmp_path):
    phrases = tmp_path / "windows.txt"
    phrases.write_bytes("# cán bộ\r\nPhạm Văn Tùy\r\n".encode("utf-8"))
    result = runner.invoke(main, ["--phrases", str(phrases)], input=NAME_LINE.encode())
    assert result.stdout == "Đồng chí Phạm Văn Tùy, Bí thư Đảng ủy xã\n"


def test_phrases_file_with_a_bom(runner, tmp_path):
    phrases = tmp_path / "notepad.txt"
    phrases.write_bytes("\ufeffPhạm Văn Tùy\r\n".encode("utf-8"))
    result = runner.invoke(main, ["--phrases", str(phrases)], input=NAME_LINE.encode())
    assert result.stdout == "Đồng chí Phạm Văn Tùy, Bí thư Đảng ủy xã\n"


def test_missing_phrases_file_exits_1(runner, tmp_path):
    result = runner.invoke(main, ["--phrases", str(tmp_path / "none.txt")], input=b"Thanh uy")
    assert result.exit_code == 1
    assert "none.txt" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(
    "style, output",
    [
        ("keep", "Ủy ban nhân dân tỉnh Hòa Bình\n"),
        ("hòa", "Ủy ban nhân dân tỉnh Hòa Bình\n"),
        ("hoà", "Uỷ ban nhân dân tỉnh Hoà Bình\n"),
    ],
)
def test_style_option(runner, style, output):
    result = runner.invoke(main, ["--style", style], input=b"Uy ban nhan dan tinh Hoa Binh\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == output


def test_style_option_restyles_marked_text(runner):
    result = runner.invoke(main, ["--style", "hòa"], input="Sức khoẻ là vốn quý.\n".encode())
    assert result.stdout == "Sức khỏe là vốn quý.\n"


# --- a file named like a subcommand, --version, --help ------------------------------------------

def test_a_file_named_learn_is_restored_when_given_as_dot_slash(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("learn").write_text("Thanh uy\n", encoding="utf-8")
    result = runner.invoke(main, ["./learn"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Thành ủy\n"


def test_end_to_end_file_named_learn(tmp_path):
    (tmp_path / "learn").write_text("Ban Thuong vu Thanh uy\n", encoding="utf-8")
    process = run_module("./learn", cwd=tmp_path)
    assert process.returncode == 0, process.stderr.decode()
    assert process.stdout.decode("utf-8") == "Ban Thường vụ Thành ủy\n"


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    assert diacritics_fix.__version__ in result.stdout
    assert "diacritics-fix" in result.stdout


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(runner, flag):
    result = runner.invoke(main, [flag])
    assert result.exit_code == 0, result.output
    usage, learn_usage = result.stdout.splitlines()[:2]
    assert usage == "Usage: diacritics-fix [OPTIONS] [FILE|FOLDER|-]..."
    assert learn_usage.split() == ["diacritics-fix", "learn", "[OPTIONS]", "CORPUS..."]
    for option in ("--in-place", "--output", "--style", "--explain", "--phrases", "--no-backup", "--version"):
        assert option in result.stdout
    commands = result.stdout.split("Commands:")[1]
    assert commands.split()[0] == "learn"
    assert "Examples:" in result.stdout and "diacritics-fix learn archive/ -o my-model" in result.stdout
    assert "restore" not in usage + learn_usage


def test_a_command_has_its_own_help(runner):
    result = runner.invoke(main, ["learn", "--help"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: diacritics-fix learn [OPTIONS] CORPUS...")
    assert "--force" in result.stdout


@pytest.mark.parametrize("args, named", [
    (["--no-such-option", "cong-van.txt"], "diacritics-fix"),
    (["--style", "hoa", "cong-van.txt"], "diacritics-fix"),
    (["learn", "--no-such-option", "x"], "diacritics-fix learn"),
    (["learn", "corpus"], "diacritics-fix learn"),  # no -o
])
def test_usage_errors_point_to_the_help_of_what_was_typed(runner, args, named):
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert f"Try '{named} --help' for help." in result.stderr
    assert "restore" not in result.stderr


def test_end_to_end_help():
    process = run_module("--help")
    assert process.returncode == 0
    assert b"--in-place" in process.stdout
    assert process.stdout.startswith(b"Usage: diacritics-fix [OPTIONS]")


# --- standard output closed early ----------------------------------------------------------------

def test_output_closed_by_its_reader_stops_quietly(tmp_path):
    """``diacritics-fix big.txt | head -1``: no message, the status of a process its pipe closed on."""
    line = "Ho va ten: " + "." * 300 + "\n"  # quick to restore: mostly dots
    path = tmp_path / "so-dang-ky.txt"
    path.write_text(line * 8000, encoding="utf-8")  # some 2.4 MB: several blocks
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    process = subprocess.Popen([sys.executable, "-m", "diacritics_fix.cli", str(path)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    assert process.stdout.readline().decode("utf-8").startswith("Họ và tên: ....")
    process.stdout.close()  # as head -1 does
    _, stderr = process.communicate(timeout=120)
    assert stderr == b""
    assert process.returncode == 141


# --- lists read as inputs are ---------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1258", "vni", "tcvn3", "utf-8-as-cp1252"])
def test_phrases_and_lexicon_files_in_any_encoding_inputs_may_have(runner, tmp_path, encoding):
    from diacritics_fix.encodings import encode_document

    phrases = tmp_path / "ten-rieng.txt"
    phrases.write_bytes(encode_document("# cán bộ của xã\nPhạm Văn Tùy\n", encoding))
    for option in ("--phrases", "--lexicon"):
        result = runner.invoke(main, [option, str(phrases)], input=NAME_LINE.encode())
        assert result.exit_code == 0, result.output
        assert result.stdout == "Đồng chí Phạm Văn Tùy, Bí thư Đảng ủy xã\n"


def test_a_phrases_folder_is_called_a_folder(runner, tmp_path):
    result = runner.invoke(main, ["--phrases", str(tmp_path)], input=b"Thanh uy")
    assert result.exit_code == 1
    assert result.stderr == f"diacritics-fix: {tmp_path}: is a folder\n"
