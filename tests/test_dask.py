# SPDX-License-Identifier: GPL-3.0-or-later
"""The Dask integration on a LocalCluster of two worker processes (skipped without dask)."""

from __future__ import annotations

import doctest
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("dask.bag")
pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.bag as db  # noqa: E402
from distributed import Client, LocalCluster, WorkerPlugin, get_task_stream  # noqa: E402

import diacritics_fix.dask as dask_integration  # noqa: E402
from diacritics_fix import Options, Restorer, batch  # noqa: E402
from diacritics_fix.batch import Settings, find_files  # noqa: E402
from diacritics_fix.encodings import encode_document  # noqa: E402

TEXTS = [
    "Ban Thuong vu Huyen uy de nghi cac chi bo to chuc hoc tap nghi quyet.",
    "Uy ban nhan dan xa bao cao ket qua thu ngan sach nam 2024.",
    "Phong Van hoa va Thong tin huong dan cac thon xay dung quy uoc.",
    "Doc lap - Tu do - Hanh phuc",
    "Căn cứ Luật Tổ chức chính quyền địa phương;",
]


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def test_doctests_of_the_dask_module():
    result = doctest.testmod(dask_integration)
    assert result.failed == 0 and result.attempted > 0


def test_restore_texts_on_a_local_cluster(client):
    bag = db.from_sequence(TEXTS * 4, npartitions=4)
    restored = dask_integration.restore_texts(bag, Options(style="hoà")).compute()
    restorer = Restorer(Options(style="hoà"))
    assert restored == [restorer.restore(text) for text in TEXTS * 4]
    assert restored[1] == "Uỷ ban nhân dân xã báo cáo kết quả thu ngân sách năm 2024."


def test_restore_files_on_a_local_cluster(client, tmp_path):
    archive = tmp_path / "luu-tru"
    (archive / "2024").mkdir(parents=True)
    for number, text in enumerate(TEXTS):
        (archive / "2024" / f"van-ban-{number}.txt").write_text(text + "\n", encoding="utf-8")
    (archive / "tcvn3.txt").write_bytes(encode_document("Ủy ban nhân dân tỉnh Hà Giang\n", "tcvn3"))
    (archive / "ban-chup.txt").write_bytes(b"%PDF-1.4\n")
    paths = list(find_files(str(archive)))
    out = tmp_path / "out"
    records = dask_integration.restore_files(db.from_sequence(paths, npartitions=3), str(out), str(archive),
                                             details=True)
    assert [record["path"] for record in records] == paths
    by_name = {Path(record["path"]).name: record for record in records}
    assert by_name["ban-chup.txt"]["status"] == "error" and "PDF" in by_name["ban-chup.txt"]["error"]
    assert by_name["tcvn3.txt"]["encoding"] == "tcvn3"
    assert by_name["van-ban-1.txt"]["mode"] == "stripped" and by_name["van-ban-1.txt"]["changed"] > 5
    assert by_name["van-ban-4.txt"]["status"] == "unchanged"  # correct already
    json.dumps(records)  # the records are the report's
    restorer = Restorer()
    for number, text in enumerate(TEXTS):
        assert (out / "2024" / f"van-ban-{number}.txt").read_text(encoding="utf-8") == restorer.restore(text + "\n")
    assert (out / "tcvn3.txt").read_text(encoding="utf-8") == "ủy ban nhân dân tỉnh Hà Giang\n"
    assert not (out / "ban-chup.txt").exists()
    again = dask_integration.restore_files(paths, str(out), str(archive))  # a list of paths will do
    assert {record["status"] for record in again} == {"skipped", "error"}  # resumed: nothing to do


def test_a_large_file_becomes_a_task_per_piece(client, tmp_path):
    archive = tmp_path / "luu-tru"
    archive.mkdir()
    text = "\n".join(TEXTS * 60) + "\n"  # some 20 KB: pieces of 4 blocks of 1 KB
    (archive / "so-tay.txt").write_text(text, encoding="utf-8")
    (archive / "nho.txt").write_text(TEXTS[0] + "\n", encoding="utf-8")
    with get_task_stream(client) as stream:
        records = dask_integration.restore_files([str(archive / "so-tay.txt"), str(archive / "nho.txt")],
                                                 tmp_path / "out", archive, block_size=1024, details=True)
    assert [record["status"] for record in records] == ["ok", "ok"]
    pieces = batch.split_file(str(archive / "so-tay.txt"), size=1024, piece_size=4096)
    assert sum("_restore_piece" in task["key"] for task in stream.data) == len(pieces) > 3
    with open(archive / "so-tay.txt", "rb") as whole:  # as one process restores it: block by block
        wanted = "".join(Restorer().restore(block.decode("utf-8")) for block in batch.byte_blocks(whole, 1024))
    assert (tmp_path / "out" / "so-tay.txt").read_text(encoding="utf-8") == wanted
    one = batch.Worker(Settings(details=True, block_size=1024)).restore(batch.Task(str(archive / "so-tay.txt"), None))
    assert {k: records[0][k] for k in ("words", "changed", "uncertain", "mode", "encoding")} == \
        {k: getattr(one, k) for k in ("words", "changed", "uncertain", "mode", "encoding")}


class DieOnSomeFiles(WorkerPlugin):
    """Makes a worker process die (as an out-of-memory kill would) when it restores oom-*.txt,
    in every worker, and in the fresh ones the nanny starts."""

    def setup(self, worker):
        import os

        from diacritics_fix import batch as batch_module

        restore = batch_module.Worker.restore

        def dying(self, task):
            if os.path.basename(task.source).startswith("oom-"):
                os._exit(1)
            return restore(self, task)

        batch_module.Worker.restore = dying


def test_a_file_whose_task_fails_for_good_is_an_error_record(tmp_path):
    archive = tmp_path / "luu-tru"
    archive.mkdir()
    for name, text in (("a.txt", TEXTS[0]), ("oom-b.txt", TEXTS[1]), ("c.txt", TEXTS[2])):
        (archive / name).write_text(text + "\n", encoding="utf-8")
    paths = [str(archive / name) for name in ("a.txt", "oom-b.txt", "c.txt")]
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address=":0") as cluster, Client(cluster) as client:
        client.register_plugin(DieOnSomeFiles())
        records = dask_integration.restore_files(paths, tmp_path / "out", archive, client=client, retries=1)
    assert [record["status"] for record in records] == ["ok", "error", "ok"]
    assert records[1]["error"].startswith("its Dask task failed: KilledWorker")
    assert (tmp_path / "out" / "c.txt").read_text(encoding="utf-8") == Restorer().restore(TEXTS[2] + "\n")


def test_each_worker_loads_the_data_once(client):
    options = Options(max_candidates=5)  # settings no other test uses
    settings = Settings(options)
    bag = db.from_sequence(TEXTS * 10, npartitions=10)

    def loaded() -> dict:
        return client.run(lambda: id(dask_integration._WORKERS[settings]) if settings in dask_integration._WORKERS
                          else None)

    assert set(loaded().values()) == {None}
    dask_integration.restore_texts(bag, options).compute()
    first = loaded()
    dask_integration.restore_texts(bag, options).compute()
    assert loaded() == first  # the same Restorer served every partition, both times
    assert any(value is not None for value in first.values())


README = Path(__file__).resolve().parent.parent / "README.md"
SRC = Path(__file__).resolve().parent.parent / "src"


def test_the_readme_example_runs_on_a_local_cluster(tmp_path):
    section = README.read_text(encoding="utf-8").split("### Dask", 1)[1]
    example = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    (tmp_path / "archive" / "2024").mkdir(parents=True)
    for number, text in enumerate(TEXTS):
        (tmp_path / "archive" / "2024" / f"van-ban-{number}.txt").write_text(text + "\n", encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    process = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=300)
    assert process.returncode == 0, process.stderr[-3000:]
    assert process.stdout.splitlines() == ["4 files restored", "['Ban Thường vụ Tỉnh ủy', 'Ủy ban nhân dân tỉnh']"]
    restorer = Restorer(Options(style="hòa"))
    for number, text in enumerate(TEXTS):
        restored = (tmp_path / "restored" / "2024" / f"van-ban-{number}.txt").read_text(encoding="utf-8")
        assert restored == restorer.restore(text + "\n")
