"""Executors: run chunks of runs on ``serial``, ``process`` or ``dask`` workers.

A :class:`ChunkTask` is plain data (it pickles for processes and dask): a chunk of runs, each a
(run id, seed, factor values) over the base parameters. :func:`run_chunks` runs a group of
tasks in a worker, their runs sharing passes of the batched engine, and returns a
:class:`ChunkResult` per task; a run that raises is recorded with its error text and the others
go on. :func:`execute` runs tasks on an executor and hands each result back to the
calling process as it arrives; it is the entry point for every experiment that runs many runs
(sweeps, ``compare --worlds``, the same-world references of scenario discovery).

:func:`check_executor_options` is the one check of the executor options, for the command line and
the Python API alike.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..experiments import workers as workers_m
from .spec import SweepRefused

EXECUTORS = ("process", "serial", "dask")


def check_executor_options(executor: str, *, allowed: Iterable[str] = EXECUTORS,
                           scheduler: str | None = None, scheduler_file: str | None = None,
                           workers: int | None = None, chunk_size: int | None = None,
                           file_option: bool = True) -> None:
    """Refuse executor options that make no sense, before anything runs: raise
    :class:`~sim.sweeps.spec.SweepRefused` naming the option as the command line spells it. The
    one check of these options, for the command line (sweep, ``compare --worlds``, calibrate) and
    the Python API. ``allowed``: the executors of the work (calibration has its own);
    ``file_option``: whether ``--scheduler-file`` is an option of the work."""
    allowed = list(allowed)
    if executor not in allowed:
        raise SweepRefused(f"unknown executor {executor!r} (allowed: {', '.join(allowed)})")
    if (scheduler or scheduler_file) and executor != "dask":
        raise SweepRefused("--scheduler and --scheduler-file need --executor dask" if file_option
                           else "--scheduler needs --executor dask")
    if scheduler and scheduler_file:
        raise SweepRefused("give --scheduler or --scheduler-file, not both")
    if workers is not None and workers < 1:
        raise SweepRefused(f"--workers must be at least 1, got {workers}")
    if chunk_size is not None and chunk_size < 1:
        raise SweepRefused(f"--chunk-size must be at least 1, got {chunk_size}")


@dataclass(frozen=True)
class ChunkTask:
    """A chunk of runs for one worker call (plain data: it pickles for processes and dask)."""

    chunk: int
    steps: int
    base: dict[str, Any]  # every lever and world value of the base, fixed overrides applied
    keys: tuple[str, ...]  # factor names, in design column order
    integer: tuple[bool, ...]
    runs: tuple[tuple[int, int, tuple[float, ...]], ...]  # (run_id, seed, factor values)
    keep_timeseries: bool = False
    fail_runs: frozenset[int] = frozenset()
    sleep: float = 0.0
    #: Runs per pass of the batched engine (``None``: :func:`sim.batch.auto_batch`).
    batch: int | None = None


@dataclass
class ChunkResult:
    """What a worker returns: final metrics per run, errors, optional time series."""

    chunk: int
    run_ids: list[int]
    finals: np.ndarray  # runs x metrics (NaN where the run failed)
    errors: list[str]  # "" where the run succeeded
    series: list[np.ndarray | None] | None  # per run: steps x metrics
    seconds: float  # wall time in the worker
    cpu_seconds: float = 0.0  # CPU time of the worker process (threads: of the whole process)


#: Called after each chunk with (runs done, runs in all, runs failed).
Progress = Callable[[int, int, int], None]


@dataclass
class Tally:
    """The count of a session's runs as chunks come back: done (with those on disk before it),
    failed, run in this session, the workers' wall and CPU seconds, and the first few failures
    ``(run_id, error)``; ``progress`` is told after each chunk."""

    total: int
    done: int
    failed: int
    failures: list[tuple[int, str]] = field(default_factory=list)
    progress: Progress | None = None
    ran: int = 0
    busy: float = 0.0
    cpu: float = 0.0

    #: Failures kept for the report.
    KEEP = 5

    def add(self, res: ChunkResult) -> None:
        for rid, err in zip(res.run_ids, res.errors, strict=True):
            if err:
                self.failed += 1
                if len(self.failures) < self.KEEP:
                    self.failures.append((rid, err))
        self.done += len(res.run_ids)
        self.ran += len(res.run_ids)
        self.busy += res.seconds
        self.cpu += res.cpu_seconds
        if self.progress:
            self.progress(self.done, self.total, self.failed)


class DeliberateFailure(RuntimeError):
    """Raised for runs listed in ``testing.fail_runs`` (a testing aid)."""


def run_chunks(tasks: list[ChunkTask]) -> list[ChunkResult]:
    """Run the runs of several chunks together, in passes of the batched engine of up to the
    first task's ``batch`` runs (:func:`sim.batch.run_batch`), and return one result per chunk
    (each chunk's worker seconds: its share of the whole by runs). A run's numbers do not
    depend on the runs it shares a pass with."""
    from ..batch import RunSpec, error_text, run_batch
    from ..metrics import METRICS

    t0, c0 = time.perf_counter(), time.process_time()
    names = list(METRICS)
    results, specs, where = [], [], []
    for task in tasks:
        n = len(task.runs)
        res = ChunkResult(task.chunk, [r[0] for r in task.runs],
                          np.full((n, len(names)), np.nan), [""] * n,
                          [None] * n if task.keep_timeseries else None, 0.0)
        results.append(res)
        for i, (run_id, seed, values) in enumerate(task.runs):
            if task.sleep:
                time.sleep(task.sleep)
            if run_id in task.fail_runs:
                try:
                    raise DeliberateFailure(f"deliberate failure of run {run_id} "
                                            "(testing.fail_runs in the sweep file)")
                except DeliberateFailure as e:
                    res.errors[i] = error_text(e)
                continue
            params = dict(task.base)
            for k, v, is_int in zip(task.keys, values, task.integer, strict=True):
                params[k] = int(round(v)) if is_int else float(v)
            specs.append(RunSpec(seed=seed, steps=task.steps, params=params))
            where.append((res, i))
    batch = tasks[0].batch if tasks else None
    for (res, i), outcome in zip(where, run_batch(specs, batch=batch), strict=True):
        hist = outcome.history
        if hist is None:
            res.errors[i] = outcome.error
            continue
        res.finals[i] = [hist[-1][k] for k in names]
        if res.series is not None:
            res.series[i] = np.array([[row[k] for k in names] for row in hist])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    n_all = max(sum(len(t.runs) for t in tasks), 1)
    for task, res in zip(tasks, results, strict=True):
        res.seconds = wall * len(task.runs) / n_all
        res.cpu_seconds = cpu * len(task.runs) / n_all
    return results


def groups(tasks: Iterable[ChunkTask], size: int | None) -> Iterator[list[ChunkTask]]:
    """Consecutive chunks gathered into groups of at least ``size`` runs (``None`` or 1: one
    chunk per group), so that small chunks (a world's replications) still fill a pass of the
    batched engine; a chunk is never split."""
    group: list[ChunkTask] = []
    n = 0
    for task in tasks:
        group.append(task)
        n += len(task.runs)
        if n >= (size or 1):
            yield group
            group, n = [], 0
    if group:
        yield group


def group_size(pending: int, workers: int, batch: int | None) -> int:
    """Runs to gather per worker call when chunks are small: a pass of the batched engine
    (``batch``, else :data:`sim.batch.BATCH_CAP`), but no more than keeps about four calls per
    worker for ``pending`` runs (so that every worker has work to the end)."""
    from ..batch import BATCH_CAP

    return int(max(1, min(batch or BATCH_CAP, pending // (4 * max(workers, 1)))))


def prestart(executor: str) -> None:
    """Start the process executor's workers' server now (:func:`sim.experiments.workers.prestart`), so that it
    imports the model while this process reads the sweep file and builds the design. Nothing
    happens for the other executors."""
    if executor == "process":
        workers_m.prestart()


def execute(tasks: Iterator[ChunkTask], on_result: Callable[[ChunkResult], None], *,
            executor: str, workers: int, scheduler: str | None = None,
            scheduler_file: str | None = None, client: Any = None,
            group_runs: int | None = None) -> None:
    """Run chunk tasks on an executor (``serial``, ``process`` or ``dask``), handing each
    :class:`ChunkResult` to ``on_result`` in this process as it arrives (in any order). The
    public entry point for other experiments (``compare --worlds``, same-world references).
    ``group_runs``: gather consecutive chunks into worker calls of at least this many runs
    (:func:`group_size`; default one chunk per call)."""
    tasks = groups(tasks, group_runs)
    if executor == "serial":
        for group in tasks:
            for res in run_chunks(group):
                on_result(res)
    elif executor == "process":
        _execute_process(tasks, on_result, workers)
    elif executor == "dask":
        _execute_dask(tasks, on_result, workers, scheduler, scheduler_file, client)
    else:
        check_executor_options(executor)


def _execute_process(tasks: Iterator[list[ChunkTask]], on_result: Callable[[ChunkResult], None],
                     workers: int) -> None:
    """Chunks on a pool of worker processes (:func:`sim.experiments.workers.map_unordered`): a worker that dies
    is replaced and its unfinished chunks are redone; a chunk whose worker died
    :data:`sim.experiments.workers.MAX_ATTEMPTS` times is recorded as failed runs."""

    def lost(group: list[ChunkTask], attempts: int) -> None:
        for task in group:
            on_result(_lost_chunk(task, f"WorkerDied: the worker process running this run's "
                                        f"chunk died {attempts} times (killed, or out of "
                                        "memory?)"))

    def each(results: list[ChunkResult]) -> None:
        for res in results:
            on_result(res)

    # groups of chunks in flight: bounded, so memory stays flat
    workers_m.map_unordered(run_chunks, tasks, each, workers=workers,
                            window=2 * workers, what="chunks of runs", on_lost=lost)


def _lost_chunk(task: ChunkTask, error: str) -> ChunkResult:
    """A chunk that could not run: every run failed with ``error``."""
    from ..metrics import METRICS

    n = len(task.runs)
    return ChunkResult(task.chunk, [r[0] for r in task.runs], np.full((n, len(METRICS)), np.nan),
                       [error] * n, [None] * n if task.keep_timeseries else None, 0.0, 0.0)


def dask_connect(workers: int, scheduler: str | None,
                  scheduler_file: str | None) -> tuple[Any, Any]:
    """A dask client (and the local cluster it owns, if any). Raises :class:`SweepRefused`
    when the scheduler cannot be reached, before anything is written."""
    import logging

    from dask.distributed import Client, LocalCluster

    where = scheduler or scheduler_file
    try:
        if scheduler_file:
            return Client(scheduler_file=scheduler_file, timeout="30s"), None
        if scheduler:
            return Client(scheduler, timeout="30s"), None
    except (OSError, TimeoutError, ValueError) as e:
        text = " ".join(str(e).split())[:300] or type(e).__name__
        raise SweepRefused(f"cannot reach the dask scheduler at {where} ({text}); nothing was "
                           "written") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           silence_logs=logging.WARNING)
    return Client(cluster), cluster


def _execute_dask(tasks: Iterator[list[ChunkTask]], on_result: Callable[[ChunkResult], None],
                  workers: int, scheduler: str | None, scheduler_file: str | None,
                  client: Any = None) -> None:
    """Chunks on a dask cluster. The scheduler reruns the tasks of a worker that is lost; a note
    on stderr says when a worker left. A chunk that killed workers repeatedly (dask's
    ``KilledWorker``) is recorded as failed runs."""
    from dask.distributed import as_completed

    try:
        from distributed.scheduler import KilledWorker
    except ImportError:  # pragma: no cover - older layouts
        from distributed import KilledWorker  # type: ignore[no-redef]

    own = client is None
    cluster = None
    if own:
        client, cluster = dask_connect(workers, scheduler, scheduler_file)
    try:
        threads = sum(client.nthreads().values()) or workers
        window = max(2 * threads, 2)
        seen = set(client.nthreads())
        ac = as_completed()
        by_future: dict[Any, list[ChunkTask]] = {}
        it = iter(tasks)
        for group in itertools.islice(it, window):
            f = client.submit(run_chunks, group, pure=False)
            by_future[f] = group
            ac.add(f)
        for fut in ac:
            group = by_future.pop(fut)
            try:
                results = fut.result()
            except KilledWorker as e:
                results = [_lost_chunk(task, f"WorkerDied: dask workers died running this "
                                             f"run's chunk ({' '.join(str(e).split())[:200]})")
                           for task in group]
            fut.release()
            for result in results:
                on_result(result)
            now = set(client.nthreads())
            gone = seen - now
            if gone:
                print(f"note: dask lost {len(gone)} worker{'s' if len(gone) > 1 else ''} "
                      f"({', '.join(sorted(gone))}); the scheduler reruns their unfinished "
                      "chunks on the others", file=sys.stderr, flush=True)
            seen = now
            nxt = next(it, None)
            if nxt is not None:
                f = client.submit(run_chunks, nxt, pure=False)
                by_future[f] = nxt
                ac.add(f)
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
