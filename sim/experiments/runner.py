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
    step. The model is imported here, so that a process that only hands out work never imports
    Mesa."""
    from ..model import TripleWinModel

    return TripleWinModel(rng=seed, steps=steps, **params).run()


def run_one(scenario: Scenario, seed: int) -> list[dict[str, float]]:
    """Run one replication; returns one metric dict per step."""
    return replicate(scenario.run.steps, scenario.model_params(), seed)


def summarize(histories: list[list[dict[str, float]]]) -> dict[str, Any]:
    """``{"metrics": {name: {mean, std, ci_low, ci_high, n}}}`` over replications, final step."""
    return {"metrics": {name: mean_ci(np.array([h[-1][name] for h in histories]))
                        for name in METRICS}}


def histories_of(jobs: list[tuple[Scenario, int]], *, workers: int = 1,
                 progress: Progress | None = None) -> list[list[dict[str, float]]]:
    """Run replications given as (scenario, seed) pairs; their histories in the same order.

    ``workers`` > 1 runs them on that many worker processes; the histories are the same numbers
    as in this process.
    """
    workers = max(1, min(workers, len(jobs)))
    if workers == 1:
        out = []
        for i, (sc, seed) in enumerate(jobs):
            out.append(run_one(sc, seed))
            if progress:
                progress(i + 1, len(jobs))
        return out
    try:
        return _histories_on_workers(jobs, workers, progress)
    except workers_m.UNAVAILABLE as e:
        workers_m.fall_back(e, "the replications run")
        return histories_of(jobs, workers=1, progress=progress)


def _histories_on_workers(jobs: list[tuple[Scenario, int]], workers: int,
                          progress: Progress | None) -> list[list[dict[str, float]]]:
    results: list[list[dict[str, float]] | None] = [None] * len(jobs)
    tasks = [(i, sc.run.steps, sc.model_params(), seed) for i, (sc, seed) in enumerate(jobs)]
    done = 0

    def on_result(res: tuple[int, list[dict[str, float]]]) -> None:
        nonlocal done
        results[res[0]] = res[1]
        done += 1
        if progress:
            progress(done, len(jobs))

    workers_m.map_unordered(_replicate_task, tasks, on_result, workers=workers,
                            window=len(tasks), what="replications")
    return results  # type: ignore[return-value]


def _replicate_task(task: tuple[int, int, dict[str, Any], int]) -> tuple[int,
                                                                       list[dict[str, float]]]:
    i, steps, params, seed = task
    return i, replicate(steps, params, seed)


def run_replications(scenario: Scenario, *, progress: Progress | None = None,
                     seeds: list[int] | None = None, workers: int = 1) -> RunResults:
    """Run every replication of a scenario, in this process or on ``workers`` processes."""
    t0 = time.perf_counter()
    seeds = seeds if seeds is not None else replication_seeds(scenario.run.seed,
                                                                scenario.run.replications)
    histories = histories_of([(scenario, s) for s in seeds], workers=workers, progress=progress)
    res = RunResults(scenario=scenario, seeds=seeds, histories=histories)
    res.summary = summarize(histories)
    res.wall_time = time.perf_counter() - t0
    return res
