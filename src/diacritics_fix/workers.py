# SPDX-License-Identifier: GPL-3.0-or-later
"""Worker processes for a batch (``--jobs N``): a run no dying worker can hang, and large files split among them.

* :class:`WorkerPool` keeps *N* processes, each serving one unit of work at a
  time (and holding the next).  On Linux they are forked after the language
  data is loaded, so they start with it and share its pages as long as nobody
  writes them (the collector is kept off them: ``gc.freeze``).  A worker that
  dies (killed, out of memory) is replaced by a fresh one, where its unit is
  tried once more; if that one dies too, the unit comes back as
  :class:`WorkerDied`, naming why.
* :func:`run_in_workers` shares a batch out: each file is a unit, except
  that a file larger than a piece is split at the blocks the streaming
  reader cuts (:func:`~diacritics_fix.batch.split_file`) and its pieces go to
  several workers; this process writes them end to end as they come back.
  Decisions made per block (``--style keep``, how a paragraph is read) are
  therefore those of one process, and the output is the same whatever the
  number of workers.  Records come in task order.

Ctrl-C reaches this process only (workers ignore it).  Stopping the pool
then ends the busy workers with SIGTERM (they unwind, removing their
temporary files) and the idle ones by word over their pipes; every output is
whole or absent.
"""

from __future__ import annotations

import contextlib
import gc
import glob
import multiprocessing
import os
import signal
import sys
import time
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Callable, Hashable, Iterator, NamedTuple

from .batch import (
    ERROR,
    OK,
    UNCHANGED,
    Counters,
    OutputClosed,
    Piece,
    PieceResult,
    Record,
    Settings,
    Task,
    Worker,
    _failure,
    _Output,
    _Tally,
    settled_record,
    split_file,
    splittable,
)
from .restorer import Restorer

#: Pieces of split files handed out but not yet written, per worker: bounds the memory they take.
PIECES_AHEAD = 4
#: How long stopped workers get to remove their temporary files before they are killed.
STOP_SECONDS = 10.0


class WorkerDied(NamedTuple):
    """What comes back for a unit whose worker died, twice."""

    reason: str


def cpu_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _context():
    # fork starts workers at once with the parent's loaded data; elsewhere the default.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


class _Process(NamedTuple):
    process: Any  # a multiprocessing Process
    connection: Any  # its end of the pipe, in this process
    slot: int  # its number, 0 to jobs - 1 (a replacement takes the number of the worker it replaces)


class _Out(NamedTuple):
    """A unit handed to a worker."""

    key: Hashable
    unit: Any
    deaths: int  # workers it killed so far


class WorkerPool:
    """*jobs* worker processes, each running ``serve(unit)`` for one unit at a time.

    ``setup(slot, *setup_args)`` runs first in each worker, *slot* being its
    number (0 to *jobs* - 1; a worker replacing a dead one takes its number).
    A worker holds up to :attr:`AHEAD` units, the one it works on and the next,
    so that it never waits for this process to hand it one.  A unit handed out
    with :meth:`submit` always comes back from :meth:`collect`: its result, or
    a :class:`WorkerDied` once it killed two workers (the units queued behind
    it go to the fresh worker, untouched).  *died* is called with the unit and
    the process id of each worker that died working on it (to remove what it
    left behind).  Use it as a context manager: leaving stops the workers.

    Nothing here waits without an end: the workers share no lock, a worker
    that is done is told so over its pipe (no signal, which a worker asleep in
    a C call might note and never act on), and one that does not leave when
    stopped is killed.
    """

    AHEAD = 2

    def __init__(self, jobs: int, serve: Callable[[Any], Any], setup: Callable[..., None] | None = None,
                 setup_args: tuple = (), died: Callable[[Any, int], None] | None = None, context=None) -> None:
        self.context = context or _context()
        self.serve, self.setup, self.setup_args, self.died = serve, setup, setup_args, died
        # Each worker and the units it holds, the one it works on first.
        self._workers: dict[_Process, list[_Out]] = {}
        for slot in range(jobs):
            self._workers[self._start(slot)] = []

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def room(self) -> int:
        """How many more units the workers can take now."""
        return sum(self.AHEAD - len(units) for units in self._workers.values())

    def busy(self) -> int:
        """How many units are out."""
        return sum(len(units) for units in self._workers.values())

    def submit(self, key: Hashable, unit: Any) -> None:
        """Hand *unit* to the least busy worker; its result comes back from :meth:`collect` with *key*."""
        worker = min(self._workers, key=lambda w: len(self._workers[w]))
        assert len(self._workers[worker]) < self.AHEAD, "no room: collect() first"
        if not self._workers[worker] and not worker.process.is_alive():  # died idle: nothing lost
            self._retire(worker)
            worker = self._replace(worker, [])
        self._hand(worker, _Out(key, unit, 0))

    def collect(self, timeout: float | None = None) -> list[tuple[Hashable, Any]]:
        """The (key, result) of the units done, waiting up to *timeout* seconds for one."""
        busy = [worker for worker, units in self._workers.items() if units]
        if not busy:
            return []
        handles = {}
        for worker in busy:
            handles[worker.connection] = handles[worker.process.sentinel] = worker
        done = []
        for ready in {handles[handle] for handle in wait(list(handles), timeout)}:
            units = self._workers[ready]
            try:
                while units and ready.connection.poll():
                    result = ready.connection.recv()
                    done.append((units.pop(0).key, result))
            except (EOFError, OSError):
                pass  # it died (while sending, maybe)
            if not units or ready.process.is_alive():
                continue  # (a worker that died idle is replaced when it is next handed a unit)
            first, *queued = units
            reason = _death(ready.process)
            self._retire(ready)
            if self.died is not None:
                self.died(first.unit, ready.process.pid)
            fresh = self._replace(ready, [])
            if first.deaths == 0:
                self._hand(fresh, first._replace(deaths=1))  # once more, in a fresh worker
            else:
                done.append((first.key, WorkerDied(reason)))
            for out in queued:
                self._hand(fresh, out)
        return done

    def close(self) -> None:
        """Stop the workers: idle ones are asked to leave, busy ones get SIGTERM (and SIGKILL if they linger)."""
        for worker, units in self._workers.items():
            if units:
                worker.process.terminate()
            else:
                with contextlib.suppress(OSError):
                    worker.connection.send(None)
        deadline = time.monotonic() + STOP_SECONDS
        for worker, units in self._workers.items():
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
                if units and self.died is not None:
                    self.died(units[0].unit, worker.process.pid)
            worker.connection.close()
        self._workers = {}

    def _start(self, slot: int) -> _Process:
        ours, theirs = self.context.Pipe()
        # The pipe ends of this process, which a forked worker must not keep: while one holds
        # another's, that worker would wait on when this process is gone.
        ends = [ours, *(worker.connection for worker in self._workers)]
        process = self.context.Process(target=_serve, daemon=True,
                                       args=(theirs, ends, self.serve, self.setup, (slot, *self.setup_args)))
        # Ctrl-C held until the worker ignores it: a signal to the process group in between
        # would otherwise interrupt it with a traceback.
        with _sigint_held():
            process.start()
        theirs.close()
        return _Process(process, ours, slot)

    def _replace(self, worker: _Process, units: list[_Out]) -> _Process:
        """A fresh worker in *worker*'s place (and slot)."""
        del self._workers[worker]
        fresh = self._start(worker.slot)
        self._workers[fresh] = units
        return fresh

    def _hand(self, worker: _Process, out: _Out) -> None:
        self._workers[worker].append(out)
        with contextlib.suppress(OSError):  # died already: collect() finds out
            worker.connection.send(out.unit)

    @staticmethod
    def _retire(worker: _Process) -> None:
        worker.process.join(1.0)
        worker.connection.close()


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _serve(connection, ends: list, serve: Callable[[Any], Any], setup: Callable[..., None] | None,
           setup_args: tuple) -> None:
    """A worker's life: units in, results out, until told to stop (None), or its parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
    signal.signal(signal.SIGTERM, _stop)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    for end in ends:
        end.close()  # the parent's, copied by fork: the pipe then ends when the parent does
    parent = os.getppid()
    if setup is not None:
        setup(*setup_args)
    while True:
        try:
            while not connection.poll(1.0):
                if os.getppid() != parent:
                    return  # the parent was killed: nobody waits for the results
            unit = connection.recv()
            if unit is None:
                return
            connection.send(serve(unit))
        except (EOFError, OSError):
            return  # the parent is gone


def _stop(signum, frame) -> None:
    # Unwinds the unit at hand (its temporary file is removed) and ends the process quietly.
    raise SystemExit(1)


def _death(process) -> str:
    """Why a worker process ended, in words."""
    process.join(1.0)
    code = process.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        return f"killed by {name}" + (" (out of memory?)" if -code == signal.SIGKILL else "")
    return f"ended with exit status {code}"


# ---------------------------------------------------------------------------
# A batch shared out among workers.
# ---------------------------------------------------------------------------

class SharedCounters:
    """:class:`Counters` shared by worker processes, without a lock (a worker may be killed at
    any moment, and must not take one with it): each worker adds to a slot of its own, given
    by :attr:`slot`, and readers add the slots up."""

    def __init__(self, context, slots: int) -> None:
        self._values = context.RawArray("q", 2 * slots)  # bytes, words of each slot
        self.slot = 0

    def add(self, nbytes: int, nwords: int) -> None:
        self._values[2 * self.slot] += nbytes
        self._values[2 * self.slot + 1] += nwords

    @property
    def bytes(self) -> int:
        return sum(self._values[0::2])

    @property
    def words(self) -> int:
        return sum(self._values[1::2])


class _Unit(NamedTuple):
    """A whole task, or one piece of a split task (*piece* given)."""

    task: Task
    piece: Piece | None = None


_WORKER: Worker | None = None


def _start_worker(slot: int, settings: Settings, counters: SharedCounters, jobs: int) -> None:
    """One Worker per process (kept from the parent when forked), counting in its own slot; its
    caches keep a *jobs*-th of what one process would (the workers together, about as much)."""
    global _WORKER
    if _WORKER is None or _WORKER.settings != settings:
        _WORKER = Worker(settings).load()
    _WORKER.restorer.share_caches(jobs)
    counters.slot = slot
    _WORKER.counters = counters
    _WORKER.explain = None


def _restore_unit(unit: _Unit) -> Record | PieceResult:
    assert _WORKER is not None
    if unit.piece is None:
        return _WORKER.restore(unit.task)
    return _WORKER.restore_piece(unit.task, unit.piece)


def _remove_leftovers(unit: _Unit, pid: int) -> None:
    """Remove the temporary files a killed worker *pid* left beside its unit's output."""
    if unit.piece is not None or unit.task.target is None:
        return  # pieces write nothing themselves
    target = Path(unit.task.target)
    pattern = f".{glob.escape(target.name)}*.{pid}.*.tmp"  # AtomicFile's names (and its backup copy's)
    for leftover in target.parent.glob(pattern):
        with contextlib.suppress(OSError):
            leftover.unlink()


class SplitFile:
    """A file restored in *count* pieces by several workers: written end to end, in order, as they come back.

    :meth:`add` takes each piece's result; :attr:`record` is set once the
    file is written (or failed).  Used here and by :mod:`.dask`.
    """

    def __init__(self, task: Task, count: int, details: bool) -> None:
        self.task = task
        self.count = count
        self.output = _Output(task)
        self.tally = _Tally(details)
        self.tally.format = "text"  # only plain text is split (batch.splittable)
        self.started = time.perf_counter()
        self.waiting: dict[int, PieceResult | WorkerDied] = {}
        self.handed = self.written = 0  # pieces handed out, pieces written
        self.record: Record | None = None
        with contextlib.suppress(OSError):
            found = os.stat(task.source)
            self.tally.size, self.tally.mtime_ns = found.st_size, found.st_mtime_ns

    def add(self, index: int, result: PieceResult | WorkerDied) -> None:
        """Take the result of piece *index*; :attr:`record` is set once the file is done."""
        if self.record is not None:
            return  # failed already
        self.waiting[index] = result
        try:
            while self.written in self.waiting:
                result = self.waiting.pop(self.written)
                if isinstance(result, WorkerDied):
                    return self._finish(ERROR, f"a worker died restoring it, twice ({result.reason})")
                self.tally.add(result.tally)
                if result.error is not None:
                    return self._finish(ERROR, result.error)
                self.output.write(result.data)
                self.written += 1
            if self.written == self.count:
                self._finish(OK if self.output.commit() else UNCHANGED)
        except OutputClosed:
            raise
        except Exception as error:  # cannot write the output
            self._finish(ERROR, _failure(error))

    def _finish(self, status: str, error: str | None = None) -> None:
        self.close()
        self.waiting.clear()
        self.record = self.tally.record(self.task, status, time.perf_counter() - self.started, error)

    def close(self) -> None:
        """Let go of the output: removed unless committed."""
        self.output.__exit__(None, None, None)


def run_in_workers(tasks: list[Task], settings: Settings, jobs: int, counters: Counters | None = None,
                   restorer: Restorer | None = None) -> Iterator[Record]:
    """Restore *tasks* in *jobs* worker processes, yielding a record per task, in task order.

    *counters* follow the bytes and words done; *restorer*, if given, is one
    already made with ``settings.options`` (the workers are forked with it).
    """
    global _WORKER
    context = _context()
    if context.get_start_method() == "fork" and (_WORKER is None or _WORKER.settings != settings):
        _WORKER = Worker(settings, restorer=restorer).load(warm=True)  # the workers inherit it, loaded
    jobs = min(jobs, _most_units(tasks, settings))
    shared = SharedCounters(context, jobs)
    records: dict[int, Record] = {}  # done, not yet yielded
    splits: dict[int, SplitFile] = {}
    units = _units(tasks, settings, records, splits)
    upcoming: tuple[Any, _Unit] | None = None
    following = 0  # the next task to yield
    seen = (0, 0)
    gc.freeze()  # the collector, run in a worker, would write to (and so copy) every page of the loaded data
    pool = WorkerPool(jobs, _restore_unit, _start_worker, (settings, shared, jobs), _remove_leftovers, context)
    try:
        while following < len(tasks):
            while pool.room():
                upcoming = upcoming or next(units, None)
                if upcoming is None:
                    break
                key, unit = upcoming
                if unit.piece is not None:
                    if sum(s.handed - s.written for s in splits.values()) >= PIECES_AHEAD * jobs:
                        break  # the file's earlier pieces are to be written first
                    splits[key[0]].handed += 1
                pool.submit(key, unit)
                upcoming = None
            for key, result in pool.collect(timeout=0.2 if pool.busy() else 0):
                if isinstance(key, tuple):  # a piece
                    split = splits.get(key[0])
                    if split is not None:  # (a split file that failed drops its later pieces)
                        split.add(key[1], result)
                        if split.record is not None:
                            records[key[0]] = splits.pop(key[0]).record
                elif isinstance(result, WorkerDied):
                    task = tasks[key]
                    records[key] = Record(task.source, task.target, ERROR,
                                          error=f"a worker died restoring it, twice ({result.reason})")
                else:
                    records[key] = result
            if counters is not None:
                now = (shared.bytes, shared.words)
                counters.add(now[0] - seen[0], now[1] - seen[1])
                seen = now
            while following in records:
                yield records.pop(following)
                following += 1
    finally:
        pool.close()
        gc.unfreeze()
        for split in splits.values():
            split.close()


def _most_units(tasks: list[Task], settings: Settings) -> int:
    """At most how many units *tasks* make: no more workers are needed."""
    piece_size = settings.piece_size
    return sum(-(-task.size // piece_size) if splittable(task, piece_size, settings.format) else 1
               for task in tasks if settled_record(task) is None)


def _units(tasks: list[Task], settings: Settings, records: dict[int, Record],
           splits: dict[int, SplitFile]) -> Iterator[tuple[Any, _Unit]]:
    """The units of work of *tasks*, in order, with their keys: the task's index, or
    (index, piece number) for a piece.  Tasks settled already go into *records*,
    split tasks into *splits*."""
    for index, task in enumerate(tasks):
        settled = settled_record(task)
        if settled is not None:
            records[index] = settled
            continue
        pieces = None
        if splittable(task, settings.piece_size, settings.format):
            try:
                pieces = split_file(task.source, settings.encoding, settings.block_size, settings.piece_size)
            except OSError:
                pieces = None  # the worker reading it will say what is wrong
        if pieces is None or len(pieces) < 2:
            yield index, _Unit(task)
            continue
        splits[index] = SplitFile(task, len(pieces), settings.details)
        for number, piece in enumerate(pieces):
            yield (index, number), _Unit(task, piece)
