# SPDX-License-Identifier: GPL-3.0-or-later
"""Worker processes that never hang a run (``workers.py``).

Each test runs a small script in a process of its own, so that no worker is
forked from pytest's process (which may hold threads, Dask's among them).  The
batch-level behaviour (a killed worker's file retried, a large file split) is
tested in test_batch.py.
"""

from __future__ import annotations

import json

from test_batch import DOCUMENTS, run_script, write_tree


# Units are numbers: a worker returns its square, and kills itself (as the out-of-memory killer
# would) on 13 every time, and on 7 the first time only.
POOL = """
import json, os, signal, sys
from diacritics_fix.workers import WorkerDied, WorkerPool
flag = sys.argv[1]

def serve(unit):
    if unit == 13 or (unit == 7 and not os.path.exists(flag)):
        open(flag, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return unit * unit

died = []
results = {}
with WorkerPool(2, serve, died=lambda unit, pid: died.append(unit)) as pool:
    units = iter(range(20))
    for unit in units:
        while not pool.room():
            results.update(pool.collect(1.0))
        pool.submit(unit, unit)
    while pool.busy():
        results.update(pool.collect(1.0))
print(json.dumps({"results": {k: v if isinstance(v, int) else v.reason for k, v in results.items()},
                  "died": sorted(died)}))
"""


def test_a_unit_that_kills_its_worker_is_tried_once_more_then_reported(tmp_path):
    process = run_script(POOL, str(tmp_path / "died-once"))
    assert process.returncode == 0, process.stderr.decode()
    outcome = json.loads(process.stdout)
    results = {int(unit): result for unit, result in outcome["results"].items()}
    assert results.pop(13) == "killed by SIGKILL (out of memory?)"
    assert results == {unit: unit * unit for unit in range(20) if unit != 13}  # 7 too, on its second try
    assert outcome["died"] == [7, 13, 13]


# The command line, with every SIGTERM handler a process installs wrapped so that it notes
# the process it ran in (whatever module installs it).
NOTING_SIGTERM = """
import os, signal, sys
noted = sys.argv[1]
install = signal.signal

def noting(number, handler):
    if number == signal.SIGTERM and callable(handler):
        inner = handler
        def handler(signum, frame):
            with open(noted, "a") as out:
                out.write(f"{os.getpid()}\\n")
            return inner(signum, frame)
    return install(number, handler)

signal.signal = noting
from diacritics_fix.cli import main
main(sys.argv[2:])
"""


def test_a_run_ends_its_workers_without_a_signal(tmp_path):
    """The flaky hang: terminating the workers at the end of every run (SIGTERM while an idle
    worker went back to sleep on a queue lock) could leave one asleep and the run waiting forever."""
    archive = write_tree(tmp_path / "luu-tru")
    for number in range(6):
        (archive / f"them-{number}.txt").write_text(DOCUMENTS["thong-bao.txt"], encoding="utf-8")
    for attempt in range(3):
        noted = tmp_path / f"sigterm-{attempt}.txt"
        process = run_script(NOTING_SIGTERM, str(noted), str(archive), "-o", str(tmp_path / f"out-{attempt}"),
                             "--jobs", "2")
        assert process.returncode == 0, process.stderr.decode()
        assert not noted.exists(), "workers were stopped with SIGTERM at the end of a run"


# A worker stuck in a unit, deaf to SIGTERM: stopping the pool still ends.
STUCK = """
import signal, sys, time
from diacritics_fix import workers
workers.STOP_SECONDS = 1.0

def serve(unit):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(3600)

pool = workers.WorkerPool(1, serve, died=lambda unit, pid: print("killed", unit))
pool.submit("stuck", "stuck")
assert pool.collect(0.5) == []
started = time.monotonic()
pool.close()
print(f"closed in {time.monotonic() - started:.1f} s")
"""


def test_stopping_never_waits_forever_for_a_stuck_worker():
    process = run_script(STUCK, timeout=60)
    assert process.returncode == 0, process.stderr.decode()
    killed, closed = process.stdout.decode().splitlines()
    assert killed == "killed stuck"
    assert closed.startswith("closed in ") and float(closed.split()[2]) < 5
