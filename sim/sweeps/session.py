"""A sweep session: start or resume a sweep folder, run what is left, record how it ended.

:func:`run_sweep` makes the design (:mod:`sim.sweeps.design`), creates the folder with its
manifest (:mod:`sim.sweeps.store`), or, with ``resume=True``, checks that the folder is this
sweep's and reads the ``run_id`` of every chunk on disk (:func:`~sim.sweeps.store.scan_runs`) to
run only the rest. Runs go to an executor in chunks (:func:`~sim.sweeps.executors.execute`) and
each finished chunk is written at once. The main process holds the design, a done-mask and a
bounded window of chunks in flight, never all results: memory stays flat as the number of runs
grows.

Each session is recorded in the manifest (executor, workers, chunk size, runs per pass of the
batched engine, runs, failures, times)
with its status: ``complete``, ``incomplete``, or ``interrupted`` (Ctrl-C or SIGTERM). A session
found ``running`` by the next one died without saying so and is marked ``killed``. A lock on
``DIR/.lock`` keeps two sessions from writing one folder.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..results.provenance import git_commit, versions
from ..scenario.load import resolved_dict, scenario_sha256
from . import store
from .design import make_design
from .executors import (
    ChunkResult,
    ChunkTask,
    Progress,
    Tally,
    check_executor_options,
    dask_connect,
    execute,
)
from .spec import SweepPlan, SweepRefused


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _manifest(plan: SweepPlan) -> dict[str, Any]:
    spec = plan.spec
    return {
        "tool": "triplewin",
        "kind": "sweep",
        "name": spec.name,
        "description": spec.description,
        "sweep_file": plan.source,
        "sweep_sha256": plan.sha256,
        "sweep": spec.model_dump(mode="json"),
        "base_file": plan.base_source,
        "base_sha256": scenario_sha256(plan.base),
        "base_scenario": resolved_dict(plan.base),
        "design": {
            "kind": spec.design, "samples": spec.samples, "levels": plan.levels,
            "second_order": spec.second_order, "points": plan.n_points,
            "factors": [f.as_json() for f in plan.factors],
            "fixed": plan.fixed,
            "sampler": "SALib" if spec.design in ("lhs", "sobol", "morris") else "numpy",
        },
        "replications": plan.replications,
        "runs": plan.n_runs,
        "run_id": "point * replications + replication",
        "steps": plan.steps,
        "root_seed": plan.seed,
        "seeds": plan.seeds,
        "keep_timeseries": spec.keep_timeseries,
        "testing": spec.testing.model_dump() if spec.testing else None,
        "versions": versions("pandas", "pyarrow", "SALib", "dask", "distributed"),
        "git_commit": git_commit(),
        "created_utc": _now(),
        "command": sys.argv,
        "status": "running",
        "runs_done": 0,
        "runs_failed": 0,
        "sessions": [],
    }


class _Lock:
    """An exclusive lock on ``DIR/.lock`` for the life of a sweep session (released by the
    kernel if the process dies), so two sessions never write the same folder."""

    def __init__(self, out: Path):
        self.path = out / ".lock"
        self.fh: Any = None

    def __enter__(self) -> _Lock:
        self.fh = open(self.path, "a+")  # noqa: SIM115 - held for the session
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks
            return self
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.fh.close()
            raise SweepRefused(f"another sweep session is writing {self.path.parent}; wait for "
                               "it to finish or stop it first") from None
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.fh is not None:
            self.fh.close()



@dataclass
class SweepResult:
    """Outcome of a sweep session."""

    out: Path
    runs: int  # runs in the sweep
    done: int  # runs on disk (all sessions)
    failed: int  # failed runs on disk (all sessions)
    ran: int  # runs this session
    seconds: float  # wall time of this session
    worker_seconds: float = 0.0  # time spent inside the runs, summed over workers
    cpu_seconds: float = 0.0  # CPU time of the workers inside the runs
    failures: list[tuple[int, str]] = field(default_factory=list)  # first few (run_id, error)

    @property
    def rate(self) -> float:
        """Runs per second this session."""
        return self.ran / self.seconds if self.seconds > 0 else 0.0

    @property
    def complete(self) -> bool:
        return self.done == self.runs


def default_chunk_size(pending: int, workers: int) -> int:
    """Runs per chunk: about one pass of the batched engine (:data:`sim.batch.BATCH_CAP` runs),
    in chunks of equal size whose number is a multiple of the workers, so that every worker has
    the same work to the end (200 runs on 2 workers: 4 chunks of 50)."""
    from ..batch import BATCH_CAP

    w = max(workers, 1)
    chunks = w * max(1, math.ceil(pending / (w * BATCH_CAP)))
    return int(max(1, math.ceil(pending / chunks)))


def run_sweep(plan: SweepPlan, out: str | os.PathLike[str], *, executor: str = "process",
              workers: int | None = None, scheduler: str | None = None,
              scheduler_file: str | None = None, resume: bool = False,
              retry_failed: bool = False, chunk_size: int | None = None,
              batch: int | None = None, progress: Progress | None = None,
              on_start: Callable[[int, int, int], None] | None = None) -> SweepResult:
    """Run (or resume) a sweep into ``out``.

    Args:
        plan: from :func:`load_sweep` or :func:`plan_from_dict`.
        out: the sweep folder. It must not exist unless ``resume`` is true.
        executor: ``process`` (default), ``serial`` or ``dask``.
        workers: processes (``process``) or local-cluster workers (``dask`` without a
            scheduler); default ``os.cpu_count()``.
        scheduler, scheduler_file: a running dask scheduler (``dask`` only).
        resume: continue the sweep in ``out``, skipping runs already on disk.
        retry_failed: with ``resume``, run the failed runs again too (their rows are taken off
            disk first; a run that fails again is recorded again).
        chunk_size: runs per task and per Parquet file (default :func:`default_chunk_size`).
        batch: runs per pass of the batched engine (:func:`sim.batch.run_batch`; default
            ``None``: chosen by free memory, at most :data:`sim.batch.BATCH_CAP`). The results
            are the same at any value; it is recorded in the session's manifest entry.
        progress: called after each chunk with (runs done, runs in all, runs failed).
        on_start: called once before running with (runs already done, runs in all, chunk size).

    Raises:
        SweepRefused: ``out`` exists without ``resume``, is not this sweep's folder, or is in
            use by another session.
    """
    out = Path(out)
    workers = int(workers or os.cpu_count() or 1)
    check_executor_options(executor, scheduler=scheduler, scheduler_file=scheduler_file,
                           workers=workers, chunk_size=chunk_size)
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, numbers.Integral)
                              or batch < 1):
        raise SweepRefused(f"--batch must be a whole number of at least 1, got {batch!r}")

    if retry_failed and not resume:
        raise SweepRefused("retrying failed runs continues an existing sweep: give --resume "
                           "with --retry-failed")
    if (out.exists() or out.is_symlink()) and not resume:
        raise SweepRefused(f"{out} already exists; refusing to overwrite it (use --resume to "
                           "continue that sweep, or choose a new --out)")
    # connect first: an unreachable scheduler leaves no half-made folder
    client, cluster = (dask_connect(workers, scheduler, scheduler_file) if executor == "dask"
                       else (None, None))
    try:
        return _start_session(plan, out, executor=executor, workers=workers,
                              scheduler=scheduler, scheduler_file=scheduler_file,
                              chunk_size=chunk_size, batch=batch, progress=progress,
                              on_start=on_start, client=client, retry_failed=retry_failed)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _start_session(plan: SweepPlan, out: Path, *, executor: str, workers: int,
                   scheduler: str | None, scheduler_file: str | None, chunk_size: int | None,
                   progress: Progress | None,
                   on_start: Callable[[int, int, int], None] | None, client: Any,
                   retry_failed: bool = False, batch: int | None = None) -> SweepResult:
    if out.exists() or out.is_symlink():
        manifest = store.read_manifest(out)
        _check_same_sweep(manifest, plan, out)
        _, values, _ = store.read_design(out)
        if values.shape != (plan.n_points, len(plan.factors)):
            raise SweepRefused(f"{out}/design.parquet does not match the sweep "
                               f"({values.shape} vs {plan.n_points} x {len(plan.factors)})")
    else:
        values, unit = make_design(plan)
        manifest = _manifest(plan)
        store.make_folder(out, plan, values, unit, manifest)

    with _Lock(out):
        retried = store.drop_failed(out) if retry_failed else 0
        return _run_session(plan, out, values, manifest, executor=executor, workers=workers,
                            scheduler=scheduler, scheduler_file=scheduler_file,
                            chunk_size=chunk_size, batch=batch, progress=progress,
                            on_start=on_start, client=client, retried=retried)


def _check_same_sweep(manifest: dict[str, Any], plan: SweepPlan, out: Path) -> None:
    if manifest.get("sweep_sha256") != plan.sha256:
        raise SweepRefused(f"the sweep file changed since {out} was started (sha256 "
                           f"{str(manifest.get('sweep_sha256'))[:12]} then, {plan.sha256[:12]} "
                           "now); resume with the same file, or start a new --out")
    if manifest.get("base_sha256") != scenario_sha256(plan.base):
        raise SweepRefused(f"the base scenario changed since {out} was started; resume with the "
                           "same base, or start a new --out")



def _run_session(plan: SweepPlan, out: Path, values: np.ndarray, manifest: dict[str, Any], *,
                 executor: str, workers: int, scheduler: str | None, scheduler_file: str | None,
                 chunk_size: int | None, progress: Progress | None,
                 on_start: Callable[[int, int, int], None] | None,
                 client: Any = None, retried: int = 0, batch: int | None = None
                 ) -> SweepResult:
    t0 = time.perf_counter()
    done, failed, next_chunk, failures = store.scan_runs(out, plan.n_runs)
    pending = np.flatnonzero(~done)
    n_done = int(done.sum())
    size = chunk_size or default_chunk_size(len(pending), workers if executor != "serial" else 1)
    session = {"started_utc": _now(), "executor": executor,
               "workers": workers if executor != "serial" else 1, "chunk_size": size,
               "batch": int(batch) if batch is not None else "auto",
               "scheduler": scheduler or scheduler_file, "runs_at_start": n_done,
               "failed_runs_retried": retried, "status": "running"}
    for earlier in manifest.setdefault("sessions", []):
        if earlier.get("status") == "running":  # we hold the lock: that session died
            earlier["status"] = "killed"
    manifest["sessions"].append(session)
    store.write_json(manifest, out / "manifest.json")
    if on_start:
        on_start(n_done, plan.n_runs, size)
    if progress:
        progress(n_done, plan.n_runs, failed)

    schema = store.runs_schema(plan)
    base = plan.base_params()
    testing = plan.spec.testing
    keys = tuple(f.name for f in plan.factors)
    integer = tuple(f.integer for f in plan.factors)

    def tasks() -> Iterator[ChunkTask]:
        for k, start in enumerate(range(0, len(pending), size)):
            ids = pending[start:start + size]
            runs = tuple((int(r), plan.seeds[int(r) % plan.replications],
                          tuple(float(x) for x in values[int(r) // plan.replications]))
                         for r in ids)
            yield ChunkTask(chunk=next_chunk + k, steps=plan.steps, base=base, keys=keys,
                            integer=integer, runs=runs,
                            keep_timeseries=plan.spec.keep_timeseries,
                            fail_runs=frozenset(testing.fail_runs) if testing else frozenset(),
                            sleep=testing.sleep if testing else 0.0,
                            batch=int(batch) if batch is not None else None)

    tally = Tally(plan.n_runs, n_done, failed, failures, progress)

    def on_result(res: ChunkResult) -> None:
        store.write_chunk(out, plan, values, res, schema)
        tally.add(res)

    status = "interrupted"
    try:
        execute(tasks(), on_result, executor=executor, workers=workers, scheduler=scheduler,
                 scheduler_file=scheduler_file, client=client)
        status = "complete" if tally.done == plan.n_runs else "incomplete"
    finally:
        seconds = time.perf_counter() - t0
        session.update({"finished_utc": _now(), "status": status, "runs": tally.ran,
                        "failed": tally.failed - failed, "wall_time_s": round(seconds, 3),
                        "runs_per_s": round(tally.ran / seconds, 3) if seconds else None,
                        "worker_seconds": round(tally.busy, 3),
                        "worker_cpu_seconds": round(tally.cpu, 3),
                        "cpu_seconds_per_run": round(tally.cpu / tally.ran, 4)
                        if tally.ran else None})
        manifest.update({"status": "complete" if tally.done == plan.n_runs else "incomplete",
                         "runs_done": tally.done, "runs_failed": tally.failed})
        store.write_json(manifest, out / "manifest.json")
    return SweepResult(out=out, runs=plan.n_runs, done=tally.done, failed=tally.failed,
                       ran=tally.ran, seconds=seconds, worker_seconds=tally.busy,
                       cpu_seconds=tally.cpu, failures=sorted(tally.failures)[:5])
