# SPDX-License-Identifier: GPL-3.0-or-later
"""Batch restoring: folders and several files, resume, jobs, report, encodings, bad input.

Most tests call the click command in-process with CliRunner; the ones about
processes, memory and signals run ``python -m diacritics_fix.cli``.  Every
document here was written for these tests, in the style of the letters and
decisions of a provincial administration, and stripped of its marks.
"""

from __future__ import annotations

import doctest
import io
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from diacritics_fix import Options, Restorer, batch
from diacritics_fix.batch import BLOCK_SIZE, byte_blocks, text_blocks
from diacritics_fix.cli import main
from diacritics_fix.encodings import BinaryFileError, encode_document

SRC = Path(__file__).resolve().parent.parent / "src"

DOCUMENTS = {
    "cong-van/2023/so-112.txt": (
        "UY BAN NHAN DAN HUYEN DONG HY\n"
        "So: 112/UBND-VP\n"
        "V/v bao cao ket qua cai cach hanh chinh quy III nam 2023\n\n"
        "Kinh gui: Cac phong, ban chuyen mon thuoc huyen.\n"
        "Thuc hien chi dao cua Uy ban nhan dan tinh, Uy ban nhan dan huyen de nghi cac don vi "
        "tong hop ket qua thuc hien nhiem vu cai cach hanh chinh, gui ve Van phong truoc ngay 20/9/2023.\n"
    ),
    "cong-van/2024/so-045.txt": (
        "So: 45/UBND-TNMT\n"
        "V/v kiem tra cong tac bao ve moi truong tai cac lang nghe\n\n"
        "Giao Phong Tai nguyen va Moi truong chu tri, phoi hop voi Uy ban nhan dan cac xa "
        "kiem tra viec thu gom, xu ly chat thai tai cac co so san xuat; bao cao ket qua truoc ngay 15/5/2024.\n"
    ),
    "quyet-dinh/qd-2031.txt": (
        "QUYET DINH\n"
        "Ve viec thanh lap To cong tac chuyen doi so cua huyen\n\n"
        "Dieu 1. Thanh lap To cong tac chuyen doi so gom cac ong, ba co ten sau day.\n"
        "Dieu 2. To cong tac co nhiem vu tham muu cho Chu tich Uy ban nhan dan huyen "
        "chi dao, dieu hanh cac nhiem vu chuyen doi so tren dia ban.\n"
        "Dieu 3. Quyet dinh nay co hieu luc ke tu ngay ky.\n"
    ),
    "thong-bao.txt": (
        "THONG BAO\n"
        "Ket luan cua Chu tich Uy ban nhan dan huyen tai buoi lam viec voi Phong Giao duc va Dao tao\n\n"
        "Yeu cau Phong Giao duc va Dao tao ra soat co so vat chat cac truong hoc, "
        "chuan bi tot cho nam hoc moi.\n"
    ),
}


def expected(text: str, **options) -> str:
    return Restorer(Options(**options)).restore(text)


def write_tree(root: Path, documents: dict[str, str] = DOCUMENTS) -> Path:
    for name, text in documents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def report_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "luu-tru")


def run_module(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "diacritics_fix.cli", *args], capture_output=True, cwd=cwd,
                          env=env, timeout=300, **kwargs)


def test_doctests_of_the_batch_module():
    result = doctest.testmod(batch)
    assert result.failed == 0 and result.attempted > 0


# --- folders and several files ------------------------------------------------------------------

def test_a_folder_is_mirrored_into_the_output_folder(runner, archive, tmp_path):
    out = tmp_path / "da-khoi-phuc"
    result = runner.invoke(main, [str(archive), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(files_under(out)) == sorted(DOCUMENTS)
    for name, text in DOCUMENTS.items():
        assert (out / name).read_text(encoding="utf-8") == expected(text)
        assert (archive / name).read_text(encoding="utf-8") == text  # inputs untouched
    assert "Ủy ban nhân dân huyện" in (out / "cong-van/2023/so-112.txt").read_text(encoding="utf-8")
    assert result.stderr.splitlines()[-1].startswith("diacritics-fix: 4 files restored, 0 skipped, 0 failed;")


def test_only_files_matching_the_glob_are_taken(runner, archive, tmp_path):
    (archive / "ghi-chu.md").write_text("Ghi chu cua van thu\n", encoding="utf-8")
    (archive / "scan.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01")
    out = tmp_path / "out"
    assert runner.invoke(main, [str(archive), "-o", str(out)]).exit_code == 0
    assert sorted(files_under(out)) == sorted(DOCUMENTS)
    out_md = tmp_path / "out-md"
    result = runner.invoke(main, [str(archive), "-o", str(out_md), "--glob", "*.md", "--glob", "qd-*.txt"])
    assert result.exit_code == 0, result.output
    assert sorted(files_under(out_md)) == ["ghi-chu.md", "quyet-dinh/qd-2031.txt"]
    assert (out_md / "ghi-chu.md").read_text(encoding="utf-8") == expected("Ghi chu cua van thu\n")


def test_the_default_glob_takes_extensions_in_any_case(runner, archive, tmp_path):
    (archive / "scan").mkdir()
    (archive / "scan" / "BAO-CAO.TXT").write_text("Bao cao ket qua\n", encoding="utf-8")
    (archive / "scan" / "To-trinh.Txt").write_text("To trinh\n", encoding="utf-8")
    out = tmp_path / "out"
    assert runner.invoke(main, [str(archive), "-o", str(out)]).exit_code == 0
    assert {"scan/BAO-CAO.TXT", "scan/To-trinh.Txt"} <= set(files_under(out))
    assert (out / "scan" / "BAO-CAO.TXT").read_text(encoding="utf-8") == "Báo cáo kết quả\n"


def test_several_files_go_into_the_folder_below_their_common_folder(runner, archive, tmp_path):
    first, second = archive / "cong-van/2023/so-112.txt", archive / "cong-van/2024/so-045.txt"
    out = tmp_path / "out"
    result = runner.invoke(main, [str(first), str(second), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(files_under(out)) == ["2023/so-112.txt", "2024/so-045.txt"]


def test_one_file_into_a_folder_named_with_a_slash(runner, archive, tmp_path):
    source = archive / "thong-bao.txt"
    result = runner.invoke(main, [str(source), "-o", str(tmp_path / "moi") + "/"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "moi" / "thong-bao.txt").read_text(encoding="utf-8") == expected(DOCUMENTS["thong-bao.txt"])


def test_one_file_with_output_stays_a_file(runner, archive, tmp_path):
    out = tmp_path / "ket-qua.txt"
    assert runner.invoke(main, [str(archive / "thong-bao.txt"), "-o", str(out)]).exit_code == 0
    assert out.is_file() and out.read_text(encoding="utf-8") == expected(DOCUMENTS["thong-bao.txt"])


@pytest.mark.parametrize(
    "args",
    [
        ["a.txt", "b.txt"],
        ["a.txt", "-", "-o", "out"],
        ["luu-tru", "-o", "luu-tru"],
        ["luu-tru", "--explain", "-o", "out"],
        ["luu-tru", "-o", "a.txt"],
        ["luu-tru", "--encoding", "koi8-r", "-o", "out"],
        ["luu-tru", "--jobs", "-1", "-o", "out"],
    ],
)
def test_usage_errors_exit_2_and_write_nothing(runner, archive, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Thanh uy\n", encoding="utf-8")
    before = files_under(tmp_path)
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.stderr and "Traceback" not in result.output
    assert files_under(tmp_path) == before


def test_a_folder_without_output_exits_1_naming_it(runner, archive):
    result = runner.invoke(main, [str(archive)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"diacritics-fix: {archive}: is a folder: give -o FOLDER or --in-place to restore the files in it"]


def test_an_output_folder_inside_the_input_folder_is_not_read_again(runner, archive):
    out = archive / "da-khoi-phuc"
    assert runner.invoke(main, [str(archive), "-o", str(out)]).exit_code == 0
    result = runner.invoke(main, [str(archive), "-o", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert sorted(files_under(out)) == sorted(DOCUMENTS)


# --- resume ------------------------------------------------------------------------------------------

def test_rerunning_skips_outputs_newer_than_their_inputs(runner, archive, tmp_path):
    out, report = tmp_path / "out", tmp_path / "bao-cao.jsonl"
    assert runner.invoke(main, [str(archive), "-o", str(out)]).exit_code == 0
    touched = archive / "thong-bao.txt"
    later = (out / "thong-bao.txt").stat().st_mtime_ns + 10**9
    os.utime(touched, ns=(later, later))  # edited after the first run
    (out / "quyet-dinh/qd-2031.txt").unlink()  # lost
    result = runner.invoke(main, [str(archive), "-o", str(out), "--report", str(report)])
    assert result.exit_code == 0, result.output
    status = {Path(r["path"]).relative_to(archive).as_posix(): r["status"] for r in report_lines(report)}
    assert status == {
        "thong-bao.txt": "ok",
        "cong-van/2023/so-112.txt": "skipped",
        "cong-van/2024/so-045.txt": "skipped",
        "quyet-dinh/qd-2031.txt": "ok",
    }
    assert "2 files restored, 2 skipped, 0 failed" in result.stderr


def test_force_restores_everything_again(runner, archive, tmp_path):
    out, report = tmp_path / "out", tmp_path / "r.jsonl"
    assert runner.invoke(main, [str(archive), "-o", str(out)]).exit_code == 0
    (out / "thong-bao.txt").write_text("sua tay\n", encoding="utf-8")
    assert runner.invoke(main, [str(archive), "-o", str(out), "--force", "--report", str(report)]).exit_code == 0
    assert {r["status"] for r in report_lines(report)} == {"ok"}
    assert (out / "thong-bao.txt").read_text(encoding="utf-8") == expected(DOCUMENTS["thong-bao.txt"])


def test_in_place_batch_keeps_backups_and_resumes(runner, archive, tmp_path):
    report = tmp_path / "r.jsonl"
    result = runner.invoke(main, ["--in-place", str(archive)])
    assert result.exit_code == 0, result.output
    for name, text in DOCUMENTS.items():
        assert (archive / name).read_text(encoding="utf-8") == expected(text)
        assert (archive / (name + ".orig")).read_text(encoding="utf-8") == text
    # Again: every file has its .orig, so nothing is done, and backups are not inputs.
    result = runner.invoke(main, ["--in-place", str(archive), "--glob", "*", "--report", str(report)])
    assert result.exit_code == 0, result.output
    records = report_lines(report)
    assert len(records) == len(DOCUMENTS) and {r["status"] for r in records} == {"skipped"}
    assert all(".orig exists" in r["error"] for r in records)


def test_force_in_place_never_overwrites_an_orig(runner, archive):
    assert runner.invoke(main, ["--in-place", str(archive)]).exit_code == 0
    target = archive / "thong-bao.txt"
    target.write_text("Phong Noi vu bao cao\n", encoding="utf-8")  # a new version
    assert runner.invoke(main, ["--in-place", "--force", str(archive)]).exit_code == 0
    assert target.read_text(encoding="utf-8") == expected("Phong Noi vu bao cao\n")
    assert (archive / "thong-bao.txt.orig").read_text(encoding="utf-8") == DOCUMENTS["thong-bao.txt"]


def test_in_place_batch_without_backup(runner, archive):
    assert runner.invoke(main, ["--in-place", "--no-backup", str(archive)]).exit_code == 0
    assert sorted(files_under(archive)) == sorted(DOCUMENTS)
    assert (archive / "thong-bao.txt").read_text(encoding="utf-8") == expected(DOCUMENTS["thong-bao.txt"])


CORRECT = {  # already written with every mark: --in-place has nothing to change
    "da-dung/quyet-dinh.txt": "QUYẾT ĐỊNH\nVề việc phê duyệt Kế hoạch chuyển đổi số năm 2024\n",
    "da-dung/thong-bao.txt": "Ủy ban nhân dân huyện thông báo lịch tiếp công dân tháng 6.\n",
}


def test_in_place_leaves_files_that_need_no_change_untouched(runner, archive, tmp_path):
    write_tree(archive, CORRECT)
    legacy = archive / "da-dung" / "vni.txt"  # correct too, but converted to UTF-8: a change
    legacy.write_bytes(encode_document(CORRECT["da-dung/thong-bao.txt"], "vni"))
    before = {name: os.stat(archive / name) for name in CORRECT}
    report = tmp_path / "r.jsonl"
    result = runner.invoke(main, ["--in-place", str(archive), "--report", str(report)])
    assert result.exit_code == 0, result.output
    for name, text in CORRECT.items():
        path = archive / name
        assert path.read_text(encoding="utf-8") == text and not path.with_name(path.name + ".orig").exists()
        assert (os.stat(path).st_ino, os.stat(path).st_mtime_ns) == (before[name].st_ino, before[name].st_mtime_ns)
    assert legacy.read_text(encoding="utf-8") == CORRECT["da-dung/thong-bao.txt"]
    assert legacy.with_name("vni.txt.orig").exists()
    status = {Path(r["path"]).relative_to(archive).as_posix(): r["status"] for r in report_lines(report)}
    assert status == {**{name: "ok" for name in DOCUMENTS}, **{name: "unchanged" for name in CORRECT},
                      "da-dung/vni.txt": "ok"}
    assert "5 files restored, 2 unchanged, 0 skipped, 0 failed;" in result.stderr


def test_a_rerun_in_place_skips_the_unchanged_files_its_report_names(runner, tmp_path):
    folder = write_tree(tmp_path / "da-dung", CORRECT)
    report = tmp_path / "r.jsonl"
    assert runner.invoke(main, ["--in-place", str(folder), "--report", str(report)]).exit_code == 0
    first = report_lines(report)
    assert [r["status"] for r in first] == ["unchanged", "unchanged"]
    edited = folder / "da-dung/thong-bao.txt"
    edited.write_text(DOCUMENTS["thong-bao.txt"], encoding="utf-8")  # replaced by a stripped one
    result = runner.invoke(main, ["--in-place", str(folder), "--report", str(report)])
    assert result.exit_code == 0, result.output
    again = {Path(r["path"]).name: r for r in report_lines(report)}
    assert again["quyet-dinh.txt"] == first[0]  # skipped, its record carried over
    assert again["thong-bao.txt"]["status"] == "ok"  # edited since: restored
    assert edited.read_text(encoding="utf-8") == expected(DOCUMENTS["thong-bao.txt"])
    assert "1 file restored, 1 skipped, 0 failed;" in result.stderr


def test_a_resumed_batch_keeps_the_earlier_records_in_input_order(runner, archive, tmp_path, monkeypatch):
    out, report = tmp_path / "out", tmp_path / "bao-cao.jsonl"
    interrupt_on_call(monkeypatch, 3, "restore_and_explain")  # during the third file (a report counts changes)
    result = runner.invoke(main, [str(archive), "-o", str(out), "--report", str(report)])
    assert result.exit_code == 130
    done = report_lines(report)
    assert [r["status"] for r in done] == ["ok", "ok"] and all(r["words"] > 10 for r in done)
    monkeypatch.undo()
    result = runner.invoke(main, [str(archive), "-o", str(out), "--report", str(report)])
    assert result.exit_code == 0, result.output
    records = report_lines(report)
    assert records[:2] == done  # carried over as they were
    names = [Path(r["path"]).relative_to(archive).as_posix() for r in records]
    assert names == ["thong-bao.txt", "cong-van/2023/so-112.txt", "cong-van/2024/so-045.txt",
                     "quyet-dinh/qd-2031.txt"]
    assert [r["status"] for r in records] == ["ok"] * 4
    assert "2 files restored, 2 skipped, 0 failed;" in result.stderr


def test_a_rerun_with_nothing_to_do_says_so(runner, archive, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(main, [str(archive), "-o", str(out)]).exit_code == 0
    result = runner.invoke(main, [str(archive), "-o", str(out)])
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1] == "diacritics-fix: 0 files restored, 4 skipped, 0 failed: nothing needed work"


# --- jobs -----------------------------------------------------------------------------------------

def test_jobs_1_and_2_give_identical_output_and_reports(archive, tmp_path):
    for extra in range(6):  # enough files for both workers
        (archive / f"them/van-ban-{extra}.txt").parent.mkdir(exist_ok=True)
        (archive / f"them/van-ban-{extra}.txt").write_text(
            DOCUMENTS["thong-bao.txt"] * (extra + 1), encoding="utf-8")
    (archive / "them/hong.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    runs = {}
    for jobs in ("1", "2", "0"):
        out, report = tmp_path / f"out-{jobs}", tmp_path / f"r-{jobs}.jsonl"
        process = run_module(str(archive), "-o", str(out), "--jobs", jobs, "--report", str(report))
        assert process.returncode == 1, process.stderr.decode()  # the PNG
        assert b"Traceback" not in process.stderr
        records = [{k: v for k, v in r.items() if k not in ("seconds", "output")} for r in report_lines(report)]
        runs[jobs] = files_under(out), records
    assert runs["1"] == runs["2"] == runs["0"]
    assert len(runs["1"][0]) == len(DOCUMENTS) + 6


def run_script(script: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run a Python *script* with this checkout's source on the path (forks stay out of pytest's process)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, env=env, timeout=timeout)


# A worker killed as the kernel's out-of-memory killer kills: every time on oom-*.txt, the first
# time only on once-*.txt.  The script runs the command line with the arguments it is given.
KILLED_WORKERS = """
import os, signal, sys
from diacritics_fix import batch
from diacritics_fix.cli import main
restore = batch.Worker.restore
def dying(self, task):
    name = os.path.basename(task.source)
    if name.startswith("oom-") or (name.startswith("once-") and not os.path.exists(task.source + ".died")):
        open(task.source + ".died", "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return restore(self, task)
batch.Worker.restore = dying
main(sys.argv[1:])
"""


def test_a_killed_worker_is_replaced_and_its_file_retried_once(archive, tmp_path):
    (archive / "once-bao-cao.txt").write_text(DOCUMENTS["thong-bao.txt"], encoding="utf-8")
    (archive / "oom-so-lieu.txt").write_text(DOCUMENTS["quyet-dinh/qd-2031.txt"], encoding="utf-8")
    out, report = tmp_path / "out", tmp_path / "r.jsonl"
    process = run_script(KILLED_WORKERS, str(archive), "-o", str(out), "--jobs", "2", "--report", str(report))
    assert process.returncode == 1, process.stderr.decode()
    assert b"Traceback" not in process.stderr
    records = {Path(r["path"]).name: r for r in report_lines(report)}
    assert records["once-bao-cao.txt"]["status"] == "ok"  # died once: done by a fresh worker
    failed = records.pop("oom-so-lieu.txt")
    assert failed["status"] == "error" and "killed by SIGKILL" in failed["error"]
    assert f"{archive / 'oom-so-lieu.txt'}: a worker died restoring it, twice" in process.stderr.decode()
    assert {r["status"] for r in records.values()} == {"ok"}
    assert (out / "once-bao-cao.txt").read_text(encoding="utf-8") == expected(DOCUMENTS["thong-bao.txt"])
    assert not (out / "oom-so-lieu.txt").exists() and not list(out.rglob(".*.tmp"))
    for name, text in DOCUMENTS.items():
        assert (out / name).read_text(encoding="utf-8") == expected(text)


# Restores a file with the library, in one process or two, with small blocks (so that a small
# file is split); prints the records, and writes which process restored each piece to a log.
SPLIT_RUN = """
import json, os, sys
from diacritics_fix import Options, batch
log = sys.argv[4]
restore_piece = batch.Worker.restore_piece
def logged(self, task, piece):
    with open(log, "a") as out:
        out.write(f"{os.getpid()} {piece.offset}\\n")
    return restore_piece(self, task, piece)
batch.Worker.restore_piece = logged
plan = batch.plan([sys.argv[1]], sys.argv[2])
settings = batch.Settings(Options(), details=True, block_size=2048)
for record in batch.run(plan.tasks, settings, jobs=int(sys.argv[3])):
    print(record.to_json())
"""


def test_a_large_file_is_split_among_workers_at_the_blocks_one_process_reads(tmp_path):
    # Parts written in either tone placement: --style keep restores each block in the placement it shows.
    old_style = "Uỷ ban nhân dân tỉnh Hoà Bình.\nCac so, nganh phoi hop thuc hien; bao cao ket qua ve Uy ban nhan dan tinh.\n"
    new_style = "Ủy ban nhân dân tỉnh Hòa Bình.\nThu truong cac co quan va Uy ban nhan dan huyen thi hanh.\n"
    text = "".join(old_style * 25 + "\n" + new_style * 25 + "\n" for _ in range(6))
    text += "Dong cuoi: " + "Uy ban nhan dan tinh de nghi. " * 300 + "\n"  # a line longer than a block
    source = tmp_path / "in" / "so-tay.txt"
    source.parent.mkdir()
    source.write_text(text, encoding="utf-8")
    runs = {}
    for jobs in ("1", "2"):
        out, log = tmp_path / f"out-{jobs}.txt", tmp_path / f"pieces-{jobs}.log"
        process = run_script(SPLIT_RUN, str(source), str(out), jobs, str(log))
        assert process.returncode == 0, process.stderr.decode()
        [record] = [json.loads(line) for line in process.stdout.splitlines()]
        runs[jobs] = out.read_bytes(), {k: v for k, v in record.items() if k not in ("seconds", "output")}
    assert runs["1"] == runs["2"]
    restored = runs["2"][0].decode("utf-8")
    assert "Các sở, ngành phối hợp thực hiện; báo cáo kết quả về Uỷ ban nhân dân" in restored
    assert "Thủ trưởng các cơ quan và Ủy ban nhân dân huyện thi hành." in restored
    pieces = batch.split_file(str(source), size=2048, piece_size=4 * 2048)
    assert len(pieces) >= 4 and sum(sum(p.blocks) for p in pieces) == len(text.encode())
    log = [line.split() for line in (tmp_path / "pieces-2.log").read_text().splitlines()]
    assert sorted(int(offset) for _, offset in log) == [p.offset for p in pieces]  # each piece once
    assert len({pid for pid, _ in log}) == 2  # by both workers
    assert not (tmp_path / "pieces-1.log").exists()  # one process reads the file whole


def test_split_pieces_carry_the_encoding_found_before_them(tmp_path):
    start = "Can cu Luat To chuc chinh quyen dia phuong;\n" * 60  # ASCII: the encoding is not known yet
    letter = "Ủy ban nhân dân tỉnh Cao Bằng đề nghị các sở báo cáo.\n" * 60
    path = tmp_path / "tcvn3.txt"
    path.write_bytes(start.encode() + encode_document(letter, "tcvn3"))
    pieces = batch.split_file(str(path), size=512, piece_size=1024)
    assert pieces[0].encoding is None and pieces[-1].encoding == "tcvn3"
    worker = batch.Worker(batch.Settings(block_size=512))
    task = batch.Task(str(path), None)
    parts = [worker.restore_piece(task, piece) for piece in pieces]
    assert all(part.error is None for part in parts)
    assert b"".join(part.data for part in parts).decode("utf-8") == start.replace(
        "Can cu Luat To chuc chinh quyen dia phuong", "Căn cứ Luật Tổ chức chính quyền địa phương") + \
        letter.replace("Ủy", "ủy")  # TCVN3 has no capital Ủ
    bad = tmp_path / "hong.txt"
    bad.write_bytes(start.encode() + b"\x00\x01binary" + start.encode())
    pieces = batch.split_file(str(bad), size=512, piece_size=1024)
    assert sum(sum(p.blocks) for p in pieces) < bad.stat().st_size  # the piece with the bad block is the last
    failed = worker.restore_piece(batch.Task(str(bad), None), pieces[-1])
    assert "NUL byte at offset" in failed.error and str(len(start)) in failed.error


# --- report -----------------------------------------------------------------------------------------

REPORT_FIELDS = {"path", "output", "status", "encoding", "mode", "words", "changed", "uncertain", "seconds", "error",
                 "format", "notes", "size", "mtime_ns"}


def test_report_has_one_record_per_input_in_order(runner, archive, tmp_path):
    (archive / "hong.txt").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    (archive / "rong.txt").write_bytes(b"")
    (archive / "da-dung.txt").write_text("Căn cứ Luật Tổ chức chính quyền địa phương;\n", encoding="utf-8")
    report = tmp_path / "bao-cao.jsonl"
    result = runner.invoke(main, [str(archive), "-o", str(tmp_path / "out"), "--report", str(report)])
    assert result.exit_code == 1
    records = report_lines(report)
    assert all(set(record) == REPORT_FIELDS for record in records)
    names = [Path(r["path"]).relative_to(archive).as_posix() for r in records]
    assert names == ["da-dung.txt", "hong.txt", "rong.txt", "thong-bao.txt", "cong-van/2023/so-112.txt",
                     "cong-van/2024/so-045.txt", "quyet-dinh/qd-2031.txt"]
    by_name = dict(zip(names, records))
    ok = by_name["thong-bao.txt"]
    text = DOCUMENTS["thong-bao.txt"]
    changes = Restorer().explain(text)
    assert ok["status"] == "ok" and ok["error"] is None and ok["encoding"] == "utf-8"
    assert ok["mode"] == "stripped"
    assert ok["words"] == len(re.findall(r"[^\W\d_]+", text))
    assert ok["changed"] == len(changes) and ok["uncertain"] == sum(c.confidence < 0.8 for c in changes)
    assert 0 <= ok["seconds"] < 60
    assert ok["size"] == len(text.encode()) and ok["mtime_ns"] == (archive / "thong-bao.txt").stat().st_mtime_ns
    clean = by_name["da-dung.txt"]
    assert clean["status"] == "unchanged" and clean["mode"] == "clean" and clean["changed"] == 0
    failed = by_name["hong.txt"]
    assert failed["status"] == "error" and "PDF" in failed["error"] and failed["words"] == 0
    assert by_name["rong.txt"]["status"] == "skipped" and "empty" in by_name["rong.txt"]["error"]


def test_report_of_a_single_file(runner, archive, tmp_path):
    report = tmp_path / "r.jsonl"
    result = runner.invoke(main, [str(archive / "thong-bao.txt"), "--report", str(report)])
    assert result.exit_code == 0
    assert result.stdout == expected(DOCUMENTS["thong-bao.txt"])
    [record] = report_lines(report)
    assert record["status"] == "ok" and record["output"] is None


def test_report_into_a_missing_folder_is_a_usage_error(runner, archive, tmp_path):
    result = runner.invoke(main, [str(archive), "-o", str(tmp_path / "out"), "--report", str(tmp_path / "x/r.jsonl")])
    assert result.exit_code == 2 and "--report" in result.stderr
    assert not (tmp_path / "out").exists()


def test_progress_bar_shows_files_words_rate_and_eta():
    stream = io.StringIO()
    bar = batch.ProgressBar(stream, files=10, total_bytes=1000, enabled=True)
    bar.started -= 5  # five seconds in
    bar.counters.add(250, 3000)
    bar.file_done()
    bar.draw(force=True)
    line = stream.getvalue()
    assert "1/10 files" in line and "3.0k words" in line and "600 words/s" in line and "ETA 0:00:15" in line
    bar.echo("diacritics-fix: hong.txt: binary data")
    assert "diacritics-fix: hong.txt: binary data\n" in stream.getvalue()
    silent = io.StringIO()
    quiet = batch.ProgressBar(silent, files=10, total_bytes=1000, enabled=False)
    quiet.started -= 5
    quiet.file_done()
    assert silent.getvalue() == ""


def test_quiet_leaves_out_the_summary(runner, archive, tmp_path):
    result = runner.invoke(main, [str(archive), "-o", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0 and result.stderr == ""


# --- encodings ---------------------------------------------------------------------------------------

LETTER = (
    "ỦY BAN NHÂN DÂN TỈNH HÀ GIANG\n"
    "Số: 318/UBND-KGVX\n"
    "Thực hiện Kế hoạch của Tỉnh ủy, Ủy ban nhân dân tỉnh đề nghị các sở, ngành báo cáo kết quả.\n"
)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1258", "tcvn3", "vni", "viscii",
                                      "tcvn3-as-cp1252", "vni-as-cp1252", "utf-8-as-cp1252"])
def test_legacy_encodings_are_read_and_written_as_utf8(runner, tmp_path, encoding):
    source = tmp_path / "in" / "cong-van.txt"
    source.parent.mkdir()
    source.write_bytes(encode_document(LETTER, encoding))
    report = tmp_path / "r.jsonl"
    result = runner.invoke(main, [str(source.parent), "-o", str(tmp_path / "out"), "--report", str(report)])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "cong-van.txt").read_bytes().decode("utf-8").lstrip("\ufeff")
    if encoding.startswith("tcvn3"):  # TCVN3 has no capitals with tone marks but where the line shows them
        assert text.lower() == LETTER.lower()
    else:
        assert text == LETTER
    [record] = report_lines(report)
    assert record["encoding"] == encoding


def test_a_legacy_file_given_alone_is_restored_to_standard_output(runner, tmp_path):
    stripped = "Uy ban nhan dan tinh de nghi cac so, nganh bao cao ket qua.\n"
    path = tmp_path / "vni.txt"
    path.write_bytes(encode_document("Ủy ban nhân dân tỉnh Quảng Nam\n", "vni") + stripped.encode("ascii"))
    result = runner.invoke(main, [str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode("utf-8") == expected("Ủy ban nhân dân tỉnh Quảng Nam\n" + stripped)


def test_encoding_option_forces_viqr(runner, tmp_path):
    path = tmp_path / "viqr.txt"
    path.write_bytes(b"Vie^.t Nam\n")
    assert runner.invoke(main, [str(path)]).stdout.startswith("Vie^.t N")  # VIQR is never guessed
    result = runner.invoke(main, [str(path), "--encoding", "viqr"])
    assert result.exit_code == 0 and result.stdout == "Việt Nam\n"


def test_encoding_is_found_after_an_ascii_start():
    start = b"Can cu Luat Ban hanh van ban quy pham phap luat;\n" * 20
    data = start + encode_document("Ủy ban nhân dân tỉnh Cao Bằng\n", "tcvn3")
    blocks = list(text_blocks(io.BytesIO(data), size=256))
    assert len(blocks) > 2
    assert "".join(text for text, _, _ in blocks) == start.decode() + "ủy ban nhân dân tỉnh Cao Bằng\n"
    assert blocks[-1][1] == "tcvn3" and sum(n for _, _, n in blocks) == len(data)


def test_a_later_block_that_does_not_fit_the_encoding_names_its_offset(runner, tmp_path):
    head = "Chỉ thị của Ủy ban nhân dân tỉnh về công tác phòng chống thiên tai.\n".encode() * 5000
    path = tmp_path / "lan.txt"
    path.write_bytes(head + b"Th\xe0nh \xfay\n")
    out = tmp_path / "out.txt"
    result = runner.invoke(main, [str(path), "-o", str(out)])
    assert result.exit_code == 1
    assert f"offset {len(head) + 2}" in result.stderr and str(path) in result.stderr
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["lan.txt"]


# --- blocks ----------------------------------------------------------------------------------------

class Trickle(io.RawIOBase):
    """A stream that returns a few bytes at a time, like a pipe."""

    def __init__(self, data: bytes, seed: int) -> None:
        self.data, self.position, self.random = data, 0, random.Random(seed)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        step = self.random.randint(1, 97)
        piece = self.data[self.position:self.position + min(step, size if size >= 0 else step)]
        self.position += len(piece)
        return piece


def test_blocks_end_at_line_breaks_and_do_not_depend_on_reads():
    lines = [f"Dieu {n}. Noi dung quy dinh so {n};" + " x" * (n % 37) for n in range(400)]
    data = ("\r\n".join(lines[:200]) + "\r\n\r\n" + "\n".join(lines[200:]) + "\n").encode()
    whole = list(byte_blocks(io.BytesIO(data), size=1000))
    assert b"".join(whole) == data
    assert all(block.endswith(b"\n") for block in whole)
    assert all(len(block) <= 1000 for block in whole)
    for seed in range(3):
        assert list(byte_blocks(Trickle(data, seed), size=1000)) == whole


LONG_LINE = ("Dieu 4. Trach nhiem thi hanh: Chanh Van phong Uy ban nhan dan tinh, Giam doc cac so, ban, nganh; "
             "Chu tich Uy ban nhan dan cac huyen chiu trach nhiem thi hanh Quyet dinh nay. ") * 40


@pytest.mark.parametrize("label, data, sentence_ends", [
    ("sentences", LONG_LINE.encode(), True),
    ("clauses and spaces", LONG_LINE.replace(". ", ", ").replace("; ", ", ").encode(), False),
    ("marked text", LONG_LINE.replace("Uy ban", "Ủy ban").encode(), True),
])
def test_a_line_longer_than_a_block_is_cut_at_a_sentence_end_or_a_space(label, data, sentence_ends):
    whole = list(byte_blocks(io.BytesIO(data), size=1000))
    assert b"".join(whole) == data and len(whole) > 5
    assert all(len(block) <= 1000 for block in whole)
    for block in whole[:-1]:
        assert block.endswith((b". ", b"; ") if sentence_ends else b" "), block[-20:]
        block.decode("utf-8")  # never inside a character
    for seed in range(3):
        assert list(byte_blocks(Trickle(data, seed), size=1000)) == whole


def test_a_line_without_spaces_is_cut_between_characters():
    data = "Đường_dẫn_tới_tệp_tin_lưu_trữ_".encode() * 200
    blocks = list(byte_blocks(io.BytesIO(data), size=1000))
    assert b"".join(blocks) == data and all(len(block) <= 1000 for block in blocks)
    assert [block.decode("utf-8") for block in blocks]  # each block whole characters
    assert list(byte_blocks(Trickle(data, 5), size=1000)) == blocks


def test_old_mac_line_ends_are_cut_too():
    data = b"Dong mot\rDong hai\rDong ba\r" * 100
    blocks = list(byte_blocks(io.BytesIO(data), size=100))
    assert b"".join(blocks) == data and all(block.endswith(b"\r") for block in blocks)


# --- bad input -------------------------------------------------------------------------------------

_RANDOM = random.Random(7)
GARBLED = bytes(_RANDOM.randrange(0x80, 0x100) for _ in range(800))


def test_bad_inputs_are_named_and_the_batch_goes_on(runner, archive, tmp_path):
    bad = archive / "hong"
    bad.mkdir()
    (bad / "ban-chup.txt").write_bytes(b"%PDF-1.5\n%\xb5\xb5\xb5\xb5\n1 0 obj\n")
    (bad / "anh.txt").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01")
    (bad / "rac.txt").write_bytes(b"Bao cao " + GARBLED)
    (bad / "nul.txt").write_bytes(b"Bao cao\x00\x00\x00")
    (bad / "rong.txt").write_bytes(b"")
    (bad / "mat-lien-ket.txt").symlink_to(bad / "khong-co.txt")
    missing = tmp_path / "khong-ton-tai.txt"
    out = tmp_path / "out"
    result = runner.invoke(main, [str(archive), str(missing), "-o", str(out)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    messages = {line.split(": ")[1]: line for line in lines[:-1]}
    assert set(messages) == {str(bad / name) for name in
                             ("ban-chup.txt", "anh.txt", "rac.txt", "nul.txt", "rong.txt", "mat-lien-ket.txt")
                             } | {str(missing)}
    assert "PDF" in messages[str(bad / "ban-chup.txt")]
    assert "JPEG" in messages[str(bad / "anh.txt")]
    assert "cannot decode" in messages[str(bad / "rac.txt")]
    assert "NUL" in messages[str(bad / "nul.txt")]
    assert "empty" in messages[str(bad / "rong.txt")]
    assert "symbolic link" in messages[str(bad / "mat-lien-ket.txt")]
    assert "no such file" in messages[str(missing)]
    assert lines[-1].startswith("diacritics-fix: 4 files restored, 1 skipped, 6 failed;")
    assert sorted(files_under(out)) == sorted(f"luu-tru/{name}" for name in DOCUMENTS)  # nothing partial


def test_bad_inputs_in_place_leave_the_originals_untouched(runner, tmp_path):
    folder = tmp_path / "in-place"
    folder.mkdir()
    (folder / "rac.txt").write_bytes(b"Bao cao " + GARBLED)
    (folder / "ban-chup.txt").write_bytes(b"%PDF-1.5\n")
    (folder / "tot.txt").write_text("Thanh uy\n", encoding="utf-8")
    before = files_under(folder)
    result = runner.invoke(main, ["--in-place", str(folder)])
    assert result.exit_code == 1
    after = files_under(folder)
    assert after.pop("tot.txt.orig") == before["tot.txt"] and after.pop("tot.txt") == "Thành ủy\n".encode()
    assert after == {name: data for name, data in before.items() if name != "tot.txt"}


def test_a_folder_where_the_output_file_should_go(runner, archive, tmp_path):
    out = tmp_path / "out"
    (out / "thong-bao.txt").mkdir(parents=True)  # in the way
    result = runner.invoke(main, [str(archive), "-o", str(out)])
    assert result.exit_code == 1
    [line] = [line for line in result.stderr.splitlines() if "thong-bao.txt" in line]
    assert str(out / "thong-bao.txt") in line and "cannot write" in line
    assert (out / "thong-bao.txt").is_dir() and list((out / "thong-bao.txt").iterdir()) == []
    assert len(files_under(out)) == len(DOCUMENTS) - 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_unreadable_file(runner, archive, tmp_path):
    locked = archive / "mat.txt"
    locked.write_text("Tai lieu mat\n", encoding="utf-8")
    locked.chmod(0)
    result = runner.invoke(main, [str(archive), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and f"{locked}: cannot read" in result.stderr


def test_an_empty_file_given_alone_gives_empty_output(runner, tmp_path):
    path = tmp_path / "rong.txt"
    path.write_bytes(b"")
    result = runner.invoke(main, [str(path)])
    assert result.exit_code == 0 and result.stdout_bytes == b"" and result.stderr == ""
    out = tmp_path / "out.txt"
    assert runner.invoke(main, [str(path), "-o", str(out)]).exit_code == 0 and out.read_bytes() == b""


def test_a_five_megabyte_single_line(runner, tmp_path):
    unit = f"Ho va ten: {'.' * 300}; Chuc vu: {'.' * 100}; "
    line = unit * (5 * 1024 * 1024 // len(unit) + 1)
    path = tmp_path / "mot-dong.txt"
    path.write_text(line, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(main, [str(path), "-o", str(out) + "/"])
    assert result.exit_code == 0, result.output
    restored = (out / "mot-dong.txt").read_text(encoding="utf-8")
    assert restored == expected(line)
    assert restored.startswith("Họ và tên: ....")


# --- Ctrl-C -------------------------------------------------------------------------------------------

def interrupt_on_call(monkeypatch, number: int, method: str = "restore") -> None:
    """Make the restorer's *number*-th call raise KeyboardInterrupt, as Ctrl-C would."""
    calls = []
    real = getattr(Restorer, method)

    def restore(self, text):
        calls.append(1)
        if len(calls) == number:
            raise KeyboardInterrupt
        return real(self, text)

    monkeypatch.setattr(Restorer, method, restore)


def test_ctrl_c_in_the_middle_of_a_file_leaves_no_output(runner, tmp_path, monkeypatch):
    path = tmp_path / "dai.txt"
    text = DOCUMENTS["thong-bao.txt"] * (3 * BLOCK_SIZE // len(DOCUMENTS["thong-bao.txt"]))
    path.write_text(text, encoding="utf-8")
    interrupt_on_call(monkeypatch, 2)  # the second block
    out = tmp_path / "out.txt"
    result = runner.invoke(main, [str(path), "-o", str(out)])
    assert result.exit_code == 130 and "interrupted" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["dai.txt"]  # no output, no temporary file


def test_ctrl_c_in_place_leaves_the_original_and_no_backup(runner, tmp_path, monkeypatch):
    path = tmp_path / "dai.txt"
    text = DOCUMENTS["quyet-dinh/qd-2031.txt"] * (2 * BLOCK_SIZE // len(DOCUMENTS["quyet-dinh/qd-2031.txt"]))
    path.write_text(text, encoding="utf-8")
    interrupt_on_call(monkeypatch, 2)
    result = runner.invoke(main, ["--in-place", str(path)])
    assert result.exit_code == 130
    assert [p.name for p in tmp_path.iterdir()] == ["dai.txt"] and path.read_text(encoding="utf-8") == text


def test_ctrl_c_in_a_batch_then_resume(runner, archive, tmp_path, monkeypatch):
    out = tmp_path / "out"
    interrupt_on_call(monkeypatch, 3)  # during the third file
    result = runner.invoke(main, [str(archive), "-o", str(out)])
    assert result.exit_code == 130 and "run the same command again to resume" in result.stderr
    done = files_under(out)
    assert sorted(done) == ["cong-van/2023/so-112.txt", "thong-bao.txt"]
    assert not [p for p in out.rglob(".*")]  # no temporary file
    monkeypatch.undo()
    report = tmp_path / "r.jsonl"
    result = runner.invoke(main, [str(archive), "-o", str(out), "--report", str(report)])
    assert result.exit_code == 0
    assert [r["status"] for r in report_lines(report)] == ["skipped", "skipped", "ok", "ok"]
    for name, text in DOCUMENTS.items():
        assert (out / name).read_text(encoding="utf-8") == expected(text)


def test_ctrl_c_with_worker_processes_leaves_no_half_written_file(archive, tmp_path):
    """A real SIGINT to a --jobs 2 run: every output is whole or absent, no temporary file stays."""
    big = archive / "lon"
    big.mkdir()
    for n in range(4):
        (big / f"so-{n}.txt").write_text(DOCUMENTS["cong-van/2023/so-112.txt"] * 3000, encoding="utf-8")
    out = tmp_path / "out"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    process = subprocess.Popen([sys.executable, "-m", "diacritics_fix.cli", str(archive), "-o", str(out),
                                "--jobs", "2"], stderr=subprocess.PIPE, env=env, start_new_session=True)
    deadline = 60.0
    started = time.monotonic()
    while not list(out.rglob(".*.tmp")) and time.monotonic() - started < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, 2)  # Ctrl-C reaches the whole process group
    _, stderr = process.communicate(timeout=60)
    # 130 when the signal came mid-run; 0 when the run had already finished (a fast machine).
    assert process.returncode in (130, 0), stderr.decode()
    assert b"Traceback" not in stderr
    assert not list(out.rglob(".*.tmp"))
    for path in out.rglob("*.txt"):
        name = path.relative_to(out).as_posix()
        source = (archive / name).read_text(encoding="utf-8")
        assert path.read_text(encoding="utf-8") == expected(source), f"{name} is not whole"


# --- a big file in bounded memory ---------------------------------------------------------------------

_LEADER = "." * 300
BIG_LINES = [  # a register of requests: mostly dotted leaders and rules, as printed forms are
    f"Ho va ten nguoi de nghi: {_LEADER}\n",
    f"Dia chi thuong tru: {_LEADER}\n",
    f"Xac nhan cua Uy ban nhan dan xa: {_LEADER}\n",
    "-" * 320 + "\n",
    "-" * 320 + "\n",
    "\n",
    "Noi dung de nghi: cap ban sao trich luc giay khai sinh cho cong dan.\n",
]
PEAK_MEMORY = (
    "import resource, subprocess, sys\n"
    "process = subprocess.run(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(process.returncode)\n"
)


def peak_memory_mb(*args: str) -> float:
    """Run the command line in a process of its own; its peak resident memory in MB."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    process = subprocess.run([sys.executable, "-c", PEAK_MEMORY, sys.executable, "-m", "diacritics_fix.cli", *args],
                             capture_output=True, env=env, timeout=300)
    assert process.returncode == 0, process.stderr.decode()
    return int(process.stdout.split()[-1]) / 1024


def test_a_big_file_is_restored_in_bounded_memory(tmp_path):
    """About 24 MB, restored block by block: the output is each line restored alone, and the
    memory is that of a one-line file plus a little (restoring it whole takes some 400 MB more)."""
    rng = random.Random(2015)
    lines = []
    size = 0
    while size < 24_000_000:
        lines.append(rng.choice(BIG_LINES))
        size += len(lines[-1])
    path = tmp_path / "so-dang-ky.txt"
    path.write_text("".join(lines), encoding="utf-8")
    (tmp_path / "mot-dong.txt").write_text(BIG_LINES[-1], encoding="utf-8")
    baseline = peak_memory_mb(str(tmp_path / "mot-dong.txt"), "-o", str(tmp_path / "mot-dong.out"))
    peak = peak_memory_mb(str(path), "-o", str(tmp_path / "out.txt"))
    assert peak < baseline + 60, f"peak memory {peak:.0f} MB, {baseline:.0f} MB for one line"
    restorer = Restorer()
    restored_line = {line: restorer.restore(line) for line in BIG_LINES}
    with open(tmp_path / "out.txt", encoding="utf-8", newline="") as restored:
        count = 0
        for number, (line, got) in enumerate(zip(lines, restored)):
            assert got == restored_line[line], f"line {number + 1}"
            count += 1
        assert count == len(lines) and restored.read() == ""
    assert restored_line[BIG_LINES[0]].startswith("Họ và tên người đề nghị:")


ADDRESS_SPACE_CEILING = (
    "import resource, subprocess, sys\n"
    "limit = int(sys.argv[1]) << 20\n"
    "ceiling = lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
    "sys.exit(subprocess.run(sys.argv[2:], preexec_fn=ceiling).returncode)\n"
)


def test_a_three_megabyte_line_is_restored_under_a_250_mb_ceiling(tmp_path):
    """A file with no line break is cut at sentence ends: restoring it whole took over 1 GB."""
    unit = ("Uy ban nhan dan tinh de nghi cac so, ban, nganh tong hop ket qua thuc hien nhiem vu "
            "cai cach hanh chinh quy III nam 2024, gui ve So Noi vu truoc ngay 15/10/2024. ")
    line = unit * (3 * 1024 * 1024 // len(unit))
    path, out = tmp_path / "mot-dong.txt", tmp_path / "ket-qua.txt"
    path.write_text(line, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    process = subprocess.run([sys.executable, "-c", ADDRESS_SPACE_CEILING, "250", sys.executable, "-m",
                              "diacritics_fix.cli", str(path), "-o", str(out)],
                             capture_output=True, env=env, timeout=300)
    assert process.returncode == 0, process.stderr.decode()[-2000:]
    restorer = Restorer()
    restored = {}  # the blocks repeat: restore each distinct one once
    with open(path, "rb") as stream:
        blocks = [block.decode("utf-8") for block in byte_blocks(stream)]
    assert len(blocks) >= 12 and all(block.endswith(". ") for block in blocks)
    wanted = "".join(restored.setdefault(block, restorer.restore(block)) for block in blocks)
    assert out.read_text(encoding="utf-8") == wanted
    assert wanted.startswith("Ủy ban nhân dân tỉnh đề nghị các sở, ")


def test_explain_positions_run_on_across_blocks(runner, tmp_path):
    unit = DOCUMENTS["cong-van/2024/so-045.txt"].replace("\n", "\r\n")
    text = "\ufeff" + unit * (BLOCK_SIZE // len(unit) + 40)
    path = tmp_path / "hai-khoi.txt"
    path.write_bytes(text.encode("utf-8"))
    result = runner.invoke(main, ["--explain", "--explain-format", "json", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Phòng Tài nguyên và Môi trường chủ trì") == text.count("Phong Tai nguyen va Moi")
    records = [json.loads(line) for line in result.stderr.splitlines()]
    lines = text.split("\r\n")
    assert records[-1]["line"] > len(lines) * 0.9
    for record in records[:: max(1, len(records) // 500)] + records[-3:]:
        assert text[record["start"]:record["end"]] == record["original"]
        line = lines[record["line"] - 1].lstrip("\ufeff")
        column = record["column"] - 1
        assert line[column:column + len(record["original"])] == record["original"]


@pytest.mark.parametrize("head", [b"Thanh uy\n" * 100, "Thành ủy\n".encode() * 100], ids=["ascii", "utf-8"])
def test_nul_bytes_in_a_later_block_are_binary(head):
    data = head + b"So lieu\x00\x01\x02\n"
    with pytest.raises(BinaryFileError, match=f"NUL byte at offset {len(head) + 7}"):
        list(text_blocks(io.BytesIO(data), size=256))


def test_new_outputs_get_the_usual_file_mode(runner, archive, tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    out = tmp_path / "out"
    assert runner.invoke(main, [str(archive), "-o", str(out)]).exit_code == 0
    assert {path.stat().st_mode & 0o777 for path in out.rglob("*.txt")} == {0o666 & ~mask}
