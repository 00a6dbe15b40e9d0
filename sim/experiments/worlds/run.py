"""Running a worlds experiment and its files.

Every world's paired replications run as chunk tasks of the sweep executors
(:func:`sim.sweeps.executors.execute`: ``serial``, ``process`` or ``dask``), one chunk per world
and scenario, the scenarios' own world first and with its full time series. The work folder
(:func:`work_dir`, renamed to the results folder when the experiment is complete) holds:

* ``plan.json``: the plan and its identity (:meth:`~.plan.WorldsPlan.sha256`); a resume must
  match it;
* ``runs/part-NNNNN.parquet``: one row per run (world, side, replication, seed, final metrics,
  error), each written whole (temporary file, then rename) as its chunk finishes;
* ``own/side-S.parquet``: the own world's time series of scenario A (0) and B (1).

An interrupted experiment resumes from the chunks on disk (:func:`run_worlds`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .plan import WorldsError, WorldsPlan

if TYPE_CHECKING:
    import pandas as pd

    from ...sweeps.executors import Progress



@dataclass
class WorldsRun:
    """What a session of :func:`run_worlds` did."""

    work: Path
    runs: int
    done: int
    failed: int
    ran: int
    seconds: float
    failures: list[tuple[int, str]] = field(default_factory=list)


def work_dir(out: Path) -> Path:
    """The folder an experiment fills while it runs (renamed to ``out`` when complete)."""
    return out.parent / f".{out.name}.partial"


def run_worlds(plan: WorldsPlan, work: str | os.PathLike[str], *, executor: str = "serial",
               workers: int = 1, scheduler: str | None = None,
               scheduler_file: str | None = None, progress: Progress | None = None,
               on_start: Callable[[int, int], None] | None = None,
               batch: int | None = None) -> WorldsRun:
    """Run every world's paired replications into ``work`` (``runs/`` Parquet chunks), skipping
    chunks already there from an earlier session of the same experiment; ``batch`` runs per pass
    of the batched engine (``None``: automatic; the numbers are the same at any value)."""
    import time

    from ...sweeps.executors import ChunkTask, Tally, execute, group_size

    work = Path(work)
    sha = plan.sha256()
    plan_file = work / "plan.json"
    if work.exists():
        try:
            old = json.loads(plan_file.read_text())
        except (OSError, ValueError):
            old = {}
        if old.get("sha256") != sha:
            raise WorldsError(f"{work} holds runs of another experiment (other scenarios, "
                              "worlds or seeds); remove it or choose another --out")
    else:
        work.mkdir(parents=True)
        (work / "runs").mkdir()
        (work / "own").mkdir()
        _write_text(plan_file, json.dumps({"sha256": sha, **plan.as_json()}, indent=2))
    done_chunks, failed, failures = _scan(work)
    n_done = len(done_chunks) * plan.replications
    if on_start:
        on_start(n_done, plan.n_runs)
    if progress:
        progress(n_done, plan.n_runs, failed)
    params = (plan.a.model_params(), plan.b.model_params())
    keys = tuple(d.name for d in plan.dims)
    integer = tuple(d.integer for d in plan.dims)

    def tasks() -> Iterator[ChunkTask]:
        order = [plan.own, *range(plan.n_worlds)]  # the own world first
        for w in order:
            own = w == plan.own
            values = () if own else tuple(float(x) for x in plan.values[w])
            for side in (0, 1):
                chunk = w * 2 + side
                if chunk in done_chunks:
                    continue
                runs = tuple((plan.run_id(w, side, r), plan.seeds[r], values)
                             for r in range(plan.replications))
                yield ChunkTask(chunk=chunk, steps=plan.steps, base=params[side],
                                keys=() if own else keys, integer=() if own else integer,
                                runs=runs, keep_timeseries=own, batch=batch)

    tally = Tally(plan.n_runs, n_done, failed, failures, progress)

    def on_result(res: Any) -> None:
        w, side = divmod(res.chunk, 2)
        if res.series is not None:
            _write_series(work / "own" / f"side-{side}.parquet", res)
        _write_runs(work / "runs" / f"part-{res.chunk:05d}.parquet", plan, w, side, res)
        tally.add(res)

    t0 = time.perf_counter()
    # a world's replications are a small chunk: gather a few worlds per pass of the engine
    group = group_size(plan.n_runs - n_done, workers if executor != "serial" else 1, None)
    execute(tasks(), on_result, executor=executor, workers=workers, scheduler=scheduler,
            scheduler_file=scheduler_file, group_runs=group)
    return WorldsRun(work=work, runs=plan.n_runs, done=tally.done, failed=tally.failed,
                     ran=tally.ran, seconds=time.perf_counter() - t0,
                     failures=sorted(tally.failures)[:5])


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text + "\n")
    os.replace(tmp, path)


def _write_table(table: Any, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _write_runs(path: Path, plan: WorldsPlan, world: int, side: int, res: Any) -> None:
    import pyarrow as pa

    from ...metrics import METRICS

    n = len(res.run_ids)
    reps = np.asarray(res.run_ids, dtype=np.int64) % plan.replications
    cols: dict[str, Any] = {
        "run_id": np.asarray(res.run_ids, dtype=np.int64),
        "world": np.full(n, world, dtype=np.int64),
        "side": np.full(n, side, dtype=np.int64),
        "replication": reps,
        "seed": np.asarray(plan.seeds, dtype=np.int64)[reps],
    }
    for j, name in enumerate(METRICS):
        cols[name] = np.asarray(res.finals[:, j], dtype=float)
    cols["error"] = list(res.errors)
    _write_table(pa.table(cols), path)


def _write_series(path: Path, res: Any) -> None:
    import pyarrow as pa

    from ...metrics import METRICS

    rows, reps, steps = [], [], []
    for r, s in enumerate(res.series or []):
        if s is None:
            continue
        rows.append(s)
        reps.append(np.full(len(s), r, dtype=np.int64))
        steps.append(np.arange(len(s), dtype=np.int64))
    data = np.vstack(rows) if rows else np.zeros((0, len(METRICS)))
    cols: dict[str, Any] = {"replication": np.concatenate(reps) if reps else np.zeros(0, np.int64),
                            "step": np.concatenate(steps) if steps else np.zeros(0, np.int64)}
    for j, name in enumerate(METRICS):
        cols[name] = data[:, j]
    _write_table(pa.table(cols), path)


def _scan(work: Path) -> tuple[set[int], int, list[tuple[int, str]]]:
    """Chunks on disk, failed runs among them, the first failures (stale temporaries removed)."""
    import pyarrow.parquet as pq

    for stale in list((work / "runs").glob(".part-*")) + list((work / "own").glob(".side-*")):
        stale.unlink(missing_ok=True)
    done, failed, failures = set(), 0, []
    for f in sorted((work / "runs").glob("part-*.parquet")):
        t = pq.read_table(f, columns=["run_id", "error"])
        done.add(int(f.stem.split("-")[1]))
        for rid, err in zip(t.column("run_id").to_pylist(), t.column("error").to_pylist(),
                            strict=True):
            if err:
                failed += 1
                if len(failures) < 5:
                    failures.append((rid, err))
    return done, failed, failures


def read_world_runs(work: str | os.PathLike[str]) -> pd.DataFrame:
    """Every run of a worlds experiment: one row per run (world, side, replication, metrics)."""
    import pandas as pd

    df = pd.read_parquet(Path(work) / "runs")
    return df.sort_values("run_id", kind="stable").reset_index(drop=True)
