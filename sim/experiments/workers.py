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
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import BrokenExecutor
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Times a task may be in flight in a pool whose worker died before it is given up
#: (:func:`map_unordered`): a task that kills its worker every time is not retried forever.
MAX_ATTEMPTS = 3

#: What the server imports before it forks workers: the model (about 1.5 s, mostly Mesa's own
#: imports), the worker functions, and the command line, which a worker otherwise imports again
#: as its main module.
PRELOAD = ["sim.cli", "sim.experiments.runner", "sim.sweeps.executors", "sim.model"]


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


# --------------------------------------------------------------------------------------------
# worker pools that survive a dead worker and die with their parent


def _watch_parent(pid: int) -> None:
    """In a worker: end this process as soon as process ``pid`` (the command) is gone.

    Workers fork from a server, not from the command, so the kernel's parent-death signal does
    not reach them; a daemon thread waits on a pidfd of the command (Linux), else checks every
    second, and leaves by ``os._exit`` within about a second of the command's death.
    """
    import time

    try:
        fd = os.pidfd_open(pid)  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        import select

        select.select([fd], [], [])  # readable once the process has exited
        os._exit(1)
    while True:
        time.sleep(1.0)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass


def worker_init(parent: int) -> None:
    """Initializer of every worker: Ctrl-C is the command's to handle (a worker ignores it),
    and the worker exits when the command ``parent`` dies, however it dies."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                     name="triplewin-parent-watch").start()


def pool(workers: int) -> Any:
    """A process pool of ``workers`` workers from :func:`context`, each started by
    :func:`worker_init`."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=context(),
                               initializer=worker_init, initargs=(os.getpid(),))


def stop(executor: Any) -> None:
    """Stop a pool now: queued work is cancelled and running workers are terminated (used when
    the command is interrupted, so that it does not wait for the tasks in flight)."""
    procs = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        try:
            p.terminate()
        except (OSError, ValueError, AttributeError):
            pass
    for p in procs:
        try:
            p.join(timeout=5)
        except (OSError, ValueError, AssertionError, AttributeError):
            pass


def map_unordered(fn: Callable[[T], R], tasks: Iterable[T], on_result: Callable[[R], None], *,
                  workers: int, window: int | None = None, what: str = "tasks",
                  on_lost: Callable[[T, int], None] | None = None) -> None:
    """Run ``fn(task)`` for every task on ``workers`` worker processes; ``on_result`` gets each
    result in this process, in the order they finish.

    At most ``window`` tasks are in flight (default twice the workers), so the tasks may be a
    lazy, endless-looking iterator and memory stays flat. A worker that dies (killed, out of
    memory) breaks its pool: the pool is replaced, the tasks that had not finished are submitted
    again and a note says so on stderr; finished results are kept, so every task's result
    reaches ``on_result`` exactly once. A task in flight at :data:`MAX_ATTEMPTS` such deaths is
    handed to ``on_lost(task, attempts)`` (default: raise ``BrokenExecutor``). If the command
    stops (an exception, Ctrl-C), the workers are terminated at once.
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    window = window or 2 * workers
    it = iter(tasks)
    again: deque[tuple[int, T]] = deque()
    attempts: dict[int, int] = {}
    count = 0
    ex = pool(workers)
    pending: dict[Any, tuple[int, T]] = {}
    try:
        while True:
            broken = False
            while len(pending) < window and not broken:
                if again:
                    i, task = again.popleft()
                else:
                    task = next(it, _END)  # type: ignore[arg-type]
                    if task is _END:
                        break
                    i, count = count, count + 1
                try:
                    pending[ex.submit(fn, task)] = (i, task)
                except BrokenExecutor:
                    again.appendleft((i, task))
                    broken = True
            if not pending and not broken:
                break
            if not broken:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    i, task = pending.pop(f)
                    try:
                        result = f.result()
                    except BrokenExecutor:
                        broken = True
                        again.append((i, task))
                        continue
                    on_result(result)
            if broken:
                wait(pending)  # a broken pool fails every future it holds at once
                lost = 0
                for f, (i, task) in sorted(pending.items(), key=lambda kv: kv[1][0]):
                    if f.exception() is None:
                        on_result(f.result())
                    else:
                        again.append((i, task))
                pending.clear()
                retry: deque[tuple[int, T]] = deque()
                for i, task in sorted(again, key=lambda it_: it_[0]):
                    attempts[i] = attempts.get(i, 0) + 1
                    if attempts[i] >= MAX_ATTEMPTS:
                        lost += 1
                        if on_lost is None:
                            raise BrokenExecutor(f"a worker process died {attempts[i]} times "
                                                 f"while running one of the {what}")
                        on_lost(task, attempts[i])
                    else:
                        retry.append((i, task))
                again = retry
                stop(ex)
                print(f"note: a worker process died (killed, or out of memory?); a new pool "
                      f"of {workers} workers redoes the {len(again)} unfinished {what}"
                      + (f"; {lost} given up after {MAX_ATTEMPTS} attempts" if lost else ""),
                      file=sys.stderr, flush=True)
                ex = pool(workers)
    except BaseException:
        stop(ex)
        raise
    ex.shutdown(wait=True)


_END: Any = object()
