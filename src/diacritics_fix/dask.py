# SPDX-License-Identifier: GPL-3.0-or-later
"""Scale out on Dask: the restorer mapped over a ``dask.bag`` of texts or of files.

Needs the extra: ``pip install 'diacritics-fix[dask]'``.  The functions only
build the graph; any scheduler runs it (a ``LocalCluster``, a remote
``Client("tcp://scheduler:8786")``, or none).  Each worker process makes one
:class:`~diacritics_fix.Restorer` per set of options, on first use, and keeps
it: the data is loaded once per worker, not per text or file.

>>> import dask.bag as db
>>> texts = db.from_sequence(["Ban Thuong vu Thanh uy", "Doc lap - Tu do - Hanh phuc"], npartitions=2)
>>> restore_texts(texts).compute(scheduler="sync")
['Ban Thường vụ Thành ủy', 'Độc lập - Tự do - Hạnh phúc']
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Iterable

from .batch import Settings, Task, Worker, canonical_encoding, settle
from .options import Options

if TYPE_CHECKING:  # pragma: no cover
    from dask.bag import Bag

__all__ = ["restore_files", "restore_texts"]

_WORKERS: dict[Settings, Worker] = {}
_LOCK = threading.Lock()


def _worker(settings: Settings) -> Worker:
    """This process's Worker for *settings*, made and loaded on first use."""
    with _LOCK:
        worker = _WORKERS.get(settings)
        if worker is None:
            worker = _WORKERS[settings] = Worker(settings).load()
        return worker


def restore_texts(texts: "Bag", options: Options | None = None) -> "Bag":
    """A bag of the restored *texts* (a bag of strings), in the same order."""
    return texts.map_partitions(_restore_texts, Settings(options or Options()))


def _restore_texts(texts: Iterable[str], settings: Settings) -> list[str]:
    restorer = _worker(settings).restorer
    return [restorer.restore(text) for text in texts]


def restore_files(paths: "Bag", output: str, root: str, options: Options | None = None, *,
                  encoding: str | None = None, force: bool = False, details: bool = False) -> "Bag":
    """Restore each file of *paths* (a bag of paths) into the folder *output*, mirroring its place under *root*.

    Files are read and written by the workers, so the paths must be the same
    on every worker (a shared file system).  As on the command line: the
    encoding is detected (*encoding* forces one), outputs are written
    atomically, an output newer than its input is skipped unless *force*.
    The result is a bag of report records (dicts with the fields of
    ``--report``; *details* adds changed and uncertain words and the mode).
    """
    settings = Settings(options or Options(), canonical_encoding(encoding), details=details)
    return paths.map_partitions(_restore_files, settings, os.fspath(output), os.fspath(root), force)


def _restore_files(paths: Iterable[str], settings: Settings, output: str, root: str, force: bool) -> list[dict]:
    worker = _worker(settings)
    records = []
    for path in paths:
        path = os.fspath(path)
        target = os.path.join(output, os.path.relpath(os.path.abspath(path), os.path.abspath(root)))
        task = settle(Task(path, target, make_parents=True), force)
        records.append(worker.restore(task).fields())
    return records
