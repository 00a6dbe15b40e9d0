"""Replications of one scenario and the files of a run (docs/ODD.md section 4, "Observation").

``run_replications`` runs replication r with seed ``replication_seeds(run.seed, R)[r]``, the same
for every scenario (common random numbers), in this process or on worker processes (the same
numbers either way: a replication depends on its seed only). The files of a run are written by
:func:`sim.results.folders.write_run`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..metrics import METRICS
from ..scenario.schema import Scenario
from ..stats import mean_ci
from ..streams import replication_seeds
from . import workers as workers_m

Progress = Callable[[int, int], None]


@dataclass
class RunResults:
    """Outcome of all replications of one scenario."""

    scenario: Scenario
    seeds: list[int]
    #: per replication, one dict of metrics per step
    histories: list[list[dict[str, float]]]
    wall_time: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)

    def final(self, metric: str) -> np.ndarray:
        """Final-step values of a metric across replications."""
        return np.array([h[-1][metric] for h in self.histories])

    def series(self, metric: str) -> np.ndarray:
        """Array (replications x steps) of a metric."""
        return np.array([[row[metric] for row in h] for h in self.histories])


def replicate(steps: int, params: dict[str, Any], seed: int) -> list[dict[str, float]]:
    """One replication from plain data (what a worker process receives); one metric dict per
    step: a batch of one. The engine is imported here, so that a process that only hands out
    work never imports Mesa."""
    (history,) = replicate_many([(steps, params, seed)], batch=1)
    return history


def replicate_many(jobs: list[tuple[int, dict[str, Any], int]], *, batch: int | None = None,
                   progress: Callable[[int], None] | None = None) -> list[list[dict[str, float]]]:
    """Replications given as (steps, params, seed), ``batch`` per pass of the batched engine
    (:func:`sim.batch.run_batch`; automatic when ``None``); their histories in order (the same
    numbers at any batch size). A run that fails raises :class:`RunFailed` naming it."""
    from ..batch import RunSpec, run_batch

    specs = [RunSpec(seed=seed, steps=steps, params=params) for steps, params, seed in jobs]
    outcomes = run_batch(specs, batch=batch, progress=progress)
    for (_, _, seed), o in zip(jobs, outcomes, strict=True):
        if o.history is None:
            raise RunFailed(f"the replication with seed {seed} failed: {o.error}")
    return [o.history for o in outcomes]  # type: ignore[misc]


class RunFailed(RuntimeError):
    """A replication raised (its error text is in the message)."""


def run_one(scenario: Scenario, seed: int) -> list[dict[str, float]]:
    """Run one replication; returns one metric dict per step."""
    return replicate(scenario.run.steps, scenario.model_params(), seed)


def summarize(histories: list[list[dict[str, float]]]) -> dict[str, Any]:
    """``{"metrics": {name: {mean, std, ci_low, ci_high, n}}}`` over replications, final step."""
    return {"metrics": {name: mean_ci(np.array([h[-1][name] for h in histories]))
                        for name in METRICS}}


def histories_of(jobs: list[tuple[Scenario, int]], *, workers: int = 1,
                 progress: Progress | None = None,
                 batch: int | None = None) -> list[list[dict[str, float]]]:
    """Run replications given as (scenario, seed) pairs; their histories in the same order.

    ``batch`` runs share each pass of the batched engine (automatic when ``None``; 1: one run
    per pass); ``workers`` > 1 shares the batches out to that many worker processes. The
    histories are the same numbers either way.
    """
    plain = [(sc.run.steps, sc.model_params(), seed) for sc, seed in jobs]
    workers = max(1, min(workers, len(jobs)))
    if workers == 1:
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, len(jobs))

        return replicate_many(plain, batch=batch, progress=step)
    try:
        return _histories_on_workers(plain, workers, progress, batch)
    except workers_m.UNAVAILABLE as e:
        workers_m.fall_back(e, "the replications run")
        return histories_of(jobs, workers=1, progress=progress, batch=batch)


def _histories_on_workers(jobs: list[tuple[int, dict[str, Any], int]], workers: int,
                          progress: Progress | None,
                          batch: int | None) -> list[list[dict[str, float]]]:
    """The jobs in one task per batch (at most an equal share per worker, so that every worker
    has work), on worker processes."""
    from ..batch import auto_batch

    share = -(-len(jobs) // workers)
    size = min(batch or auto_batch(share), share)
    results: list[list[dict[str, float]] | None] = [None] * len(jobs)
    tasks = [(i, jobs[i:i + size], batch) for i in range(0, len(jobs), size)]
    done = 0

    def on_result(res: tuple[int, list[list[dict[str, float]]]]) -> None:
        nonlocal done
        start, histories = res
        results[start:start + len(histories)] = histories
        done += len(histories)
        if progress:
            progress(done, len(jobs))

    workers_m.map_unordered(_replicate_task, tasks, on_result, workers=workers,
                            window=len(tasks), what="replications")
    return results  # type: ignore[return-value]


def _replicate_task(task: tuple[int, list[tuple[int, dict[str, Any], int]], int | None]
                    ) -> tuple[int, list[list[dict[str, float]]]]:
    start, jobs, batch = task
    return start, replicate_many(jobs, batch=batch)


def run_replications(scenario: Scenario, *, progress: Progress | None = None,
                     seeds: list[int] | None = None, workers: int = 1,
                     batch: int | None = None) -> RunResults:
    """Run every replication of a scenario, ``batch`` per pass of the batched engine, in this
    process or on ``workers`` processes."""
    t0 = time.perf_counter()
    seeds = seeds if seeds is not None else replication_seeds(scenario.run.seed,
                                                                scenario.run.replications)
    histories = histories_of([(scenario, s) for s in seeds], workers=workers, progress=progress,
                             batch=batch)
    res = RunResults(scenario=scenario, seeds=seeds, histories=histories)
    res.summary = summarize(histories)
    res.wall_time = time.perf_counter() - t0
    return res
