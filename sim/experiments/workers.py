"""Worker processes for replications and sweeps (standard library only: cheap to import, so a
command can start its workers before it imports anything else).

Workers start from a forkserver whose server process imports the model once; each worker forks
from it with everything imported, and no process forks while threads run (pyarrow and OpenBLAS
start threads). Where forkserver is unavailable (Windows, some macOS set-ups) workers are
spawned and import the model themselves.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from concurrent.futures import BrokenExecutor
from multiprocessing.context import BaseContext

#: What the server imports before it forks workers: the model (about 1.5 s, mostly Mesa's own
#: imports), the worker functions, and the command line, which a worker otherwise imports again
#: as its main module.
PRELOAD = ["sim.cli", "sim.experiments.runner", "sim.experiments.sweep", "sim.model"]


#: What going wrong with worker processes themselves raises (no /dev/shm, no semaphores, a process
#: limit, a worker killed): the caller then does the work in its own process.
UNAVAILABLE = (OSError, NotImplementedError, ImportError, BrokenExecutor)


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def context() -> BaseContext:
    """The multiprocessing context of every worker pool: forkserver (preloaded), else spawn."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return mp.get_context("spawn")


def start(workers: int | None) -> int:
    """The number of workers a command uses (``workers``, or one per CPU), their server started
    at once when there are several (:func:`prestart`)."""
    n = workers or available_cpus()
    if n > 1:
        prestart()
    return n


def prestart() -> None:
    """Start the server now, so that it imports the model while the caller still reads its
    input (a no-op without forkserver, or when the server already runs). A server that cannot
    start is left to the pool, whose users then fall back to their own process."""
    try:
        if context().get_start_method() == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()
    except UNAVAILABLE:
        pass


def fall_back(error: BaseException, what: str) -> None:
    """Say on stderr that ``what`` runs in this process because worker processes failed."""
    text = " ".join(str(error).split()) or type(error).__name__
    print(f"note: worker processes unavailable ({text}); {what} in this process instead",
          file=sys.stderr)
