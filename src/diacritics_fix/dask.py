# SPDX-License-Identifier: GPL-3.0-or-later
"""Scale out on Dask: the restorer mapped over a ``dask.bag`` of texts, or over the files of an archive.

Needs the extra: ``pip install 'diacritics-fix[dask]'``.  Any cluster runs
it: a ``LocalCluster`` on this machine, or a remote scheduler
(``Client("tcp://scheduler:8786")``) whose workers have diacritics-fix
installed.  Each worker process makes one
:class:`~diacritics_fix.Restorer` per set of options, on first use, and
keeps it: the data is loaded once per worker, not per text or file.

* :func:`restore_texts` builds a bag of restored texts (any scheduler).
* :func:`restore_files` restores files on the cluster's workers, as the
  command line does, and returns a report record per file.  A file larger
  than a few blocks becomes a task per piece (cut at the blocks the
  streaming reader cuts, so the output is that of one process), and a task
  that writes the pieces end to end.  A task that still fails after Dask's
  retries (its worker died, say) comes back as a record with status
  ``error``: one bad file never fails the whole run.

>>> import dask.bag as db
>>> texts = db.from_sequence(["Ban Thuong vu Thanh uy", "Doc lap - Tu do - Hanh phuc"], npartitions=2)
>>> restore_texts(texts).compute(scheduler="sync")
['Ban Thường vụ Thành ủy', 'Độc lập - Tự do - Hạnh phúc']
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any, Iterable

from .batch import (
    BLOCK_SIZE,
    ERROR,
    UP_TO_DATE,
    Piece,
    PieceResult,
    Record,
    Settings,
    Task,
    Worker,
    canonical_encoding,
    settle,
    settled_record,
    split_file,
    splittable,
)
from .options import Options
from .workers import SplitFile

if TYPE_CHECKING:  # pragma: no cover
    from dask.bag import Bag
    from distributed import Client

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


def restore_files(paths: "Bag | Iterable[str]", output: str, root: str, options: Options | None = None, *,
                  encoding: str | None = None, force: bool = False, details: bool = False,
                  client: "Client | None" = None, retries: int = 2, block_size: int = BLOCK_SIZE) -> list[dict]:
    """Restore each file of *paths* into the folder *output*, mirroring its place under *root*; its records.

    *paths* is a list (or a ``dask.bag``) of paths, the same on every worker
    (a shared file system): the workers read and write the files.  As on the
    command line: the encoding is detected (*encoding* forces one), outputs
    are written atomically, and an output newer than its input is skipped
    unless *force*.  Blocks are of about *block_size* bytes, and a file larger
    than a piece of four of them is restored piece by piece by several tasks.

    The tasks run on *client* (by default the current one); a task that
    raises is tried again up to *retries* times, and one whose worker dies is
    given to another worker as Dask's ``distributed.scheduler.allowed-failures``
    says.  Returns one record per path, in order: a dict with the fields of
    ``--report`` (*details* adds changed and uncertain words and the mode),
    status ``error`` for a file whose task failed all the same.
    """
    from distributed import as_completed

    client = _client(client)
    if hasattr(paths, "__dask_graph__"):  # a bag
        paths = client.compute(paths).result()
    settings = Settings(options or Options(), canonical_encoding(encoding), details=details, block_size=block_size)
    output, root = os.fspath(output), os.path.abspath(os.fspath(root))
    tasks = []
    for path in map(os.fspath, paths):
        target = os.path.join(output, os.path.relpath(os.path.abspath(path), root))
        tasks.append(Task(path, target, make_parents=True))
    records: list[dict | None] = [None] * len(tasks)
    writing: dict[Any, int] = {}  # the task that writes a split file's pieces → its index
    run = time.time_ns()
    started = {client.submit(_restore_or_split, task, settings, force, run, retries=retries, pure=False): index
               for index, task in enumerate(tasks)}
    for future in as_completed(started):
        index = started[future]
        result = _result(future, tasks[index])
        if isinstance(result, dict):
            records[index] = result
            continue
        task, pieces = result
        parts = [client.submit(_restore_piece, task, piece, settings, retries=retries, pure=False) for piece in pieces]
        writing[client.submit(_write_pieces, task, settings.details, *parts, retries=retries, pure=False)] = index
    for future in as_completed(writing):
        index = writing[future]
        records[index] = _result(future, tasks[index])
    return records


def _client(client: "Client | None") -> "Client":
    if client is not None:
        return client
    from distributed import get_client

    try:
        return get_client()
    except ValueError:
        raise ValueError("restore_files needs a Dask client: make one first, as Client(LocalCluster()) "
                         "or Client('tcp://scheduler:8786')") from None


def _result(future, task: Task) -> Any:
    """The result of a finished *future*, or the error record of *task* when it failed for good."""
    if future.status != "error":
        return future.result()
    error = future.exception()
    reason = f"its Dask task failed: {type(error).__name__}: {error}"
    return Record(task.source, task.target, ERROR, error=reason).fields()


def _restore_or_split(task: Task, settings: Settings, force: bool, run: int) -> dict | tuple[Task, list[Piece]]:
    """On a worker: restore *task*'s file (its record), or, when it is large, cut it into pieces.

    An output written since the *run* began (nanoseconds) is this run's own:
    Dask ran the task again, its result having died with a worker.  It is
    restored again (to the same bytes), not skipped as done before.
    """
    task = settle(task, force)
    if task.skip == UP_TO_DATE and os.stat(task.target).st_mtime_ns >= run:
        task = task._replace(skip=None)
    if settled_record(task) is None and splittable(task, settings.piece_size, settings.format):
        try:
            pieces = split_file(task.source, settings.encoding, settings.block_size, settings.piece_size)
        except OSError:
            pieces = None  # restoring it says what is wrong
        if pieces is not None and len(pieces) > 1:
            return task, pieces
    return _worker(settings).restore(task).fields()


def _restore_piece(task: Task, piece: Piece, settings: Settings) -> PieceResult:
    return _worker(settings).restore_piece(task, piece)


def _write_pieces(task: Task, details: bool, *pieces: PieceResult) -> dict:
    """On a worker: the restored pieces of *task*'s file, written end to end; its record."""
    split = SplitFile(task, len(pieces), details)
    for index, piece in enumerate(pieces):
        split.add(index, piece)
    assert split.record is not None
    return split.record.fields()
