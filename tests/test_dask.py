# SPDX-License-Identifier: GPL-3.0-or-later
"""The Dask integration on a LocalCluster of two worker processes (skipped without dask)."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest

pytest.importorskip("dask.bag")
pytest.importorskip("distributed")

import dask.bag as db  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

import diacritics_fix.dask as dask_integration  # noqa: E402
from diacritics_fix import Options, Restorer  # noqa: E402
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
                                             details=True).compute()
    assert [record["path"] for record in records] == paths
    by_name = {Path(record["path"]).name: record for record in records}
    assert by_name["ban-chup.txt"]["status"] == "error" and "PDF" in by_name["ban-chup.txt"]["error"]
    assert by_name["tcvn3.txt"]["encoding"] == "tcvn3"
    assert by_name["van-ban-1.txt"]["mode"] == "stripped" and by_name["van-ban-1.txt"]["changed"] > 5
    json.dumps(records)  # the records are the report's
    restorer = Restorer()
    for number, text in enumerate(TEXTS):
        assert (out / "2024" / f"van-ban-{number}.txt").read_text(encoding="utf-8") == restorer.restore(text + "\n")
    assert (out / "tcvn3.txt").read_text(encoding="utf-8") == "ủy ban nhân dân tỉnh Hà Giang\n"
    assert not (out / "ban-chup.txt").exists()
    again = dask_integration.restore_files(db.from_sequence(paths, npartitions=2), str(out), str(archive)).compute()
    assert {record["status"] for record in again} == {"skipped", "error"}  # resumed: nothing to do


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
