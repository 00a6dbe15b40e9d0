"""Replications of one scenario and the files of a run (docs/ODD.md section 4, "Observation").

``run_replications`` runs replication r with seed ``replication_seeds(run.seed, R)[r]``, the same
for every scenario (common random numbers), in this process or on worker processes (the same
numbers either way: a replication depends on its seed only). ``write_run`` writes ``manifest.json``,
``timeseries.csv``, ``summary.json`` and ``figures/`` into a temporary sibling folder and renames
it into place at the end, so a run folder is either complete or absent, and an existing folder is
never overwritten.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from ..metrics import METRICS
from ..scenario.load import resolved_dict, scenario_sha256
from ..scenario.params import START_YEAR
from ..scenario.schema import Scenario
from ..streams import replication_seeds
from ..safeio import atomic_dir, commit_dir
from . import workers as workers_m
from .stats import json_ready, mean_ci

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


def quarter_label(step: int) -> str:
    return f"{START_YEAR + step // 4}Q{step % 4 + 1}"


def timeseries_csv(results: RunResults) -> str:
    """One row per replication and step, one column per metric (full float precision)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = list(METRICS)
    w.writerow(["replication", "seed", "step", "quarter", *names])
    for r, (seed, hist) in enumerate(zip(results.seeds, results.histories, strict=True)):
        for step, row in enumerate(hist):
            w.writerow([r, seed, step, quarter_label(step), *(repr(float(row[n])) for n in names)])
    return buf.getvalue()


def versions(*extra: str) -> dict[str, str]:
    """Versions of Python, triplewin and the model's libraries, then of the ``extra`` packages
    (in that order; "not installed" where one is missing): the provenance of every manifest."""
    from .. import __version__  # the package's own version (installed metadata can lag it)

    out = {"python": platform.python_version(), "triplewin": __version__}
    for pkg in ("mesa", "numpy", "pydantic", "pyyaml", *extra):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def git_commit() -> str | None:
    """Commit of the source tree the package runs from, if it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                           capture_output=True, text=True, timeout=5, check=False).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def scenario_files(scenario: Scenario) -> list[dict[str, Any]]:
    """The files a scenario was read from, child first (its ``extends`` chain), each with
    ``library: true`` when it is the installed scenario library's own file."""
    from ..scenario.library import in_library

    return [{"file": f, "library": in_library(f)} for f in scenario.files]


def manifest(results: RunResults, source: Path | None) -> dict[str, Any]:
    sc = results.scenario
    return {
        "tool": "triplewin",
        "scenario_name": sc.name,
        "scenario_file": str(source) if source else None,
        "scenario_files": scenario_files(sc),
        "scenario_sha256": scenario_sha256(sc),
        "scenario": resolved_dict(sc),
        "root_seed": sc.run.seed,
        "seeds": results.seeds,
        "steps": sc.run.steps,
        "replications": len(results.seeds),
        "versions": versions("matplotlib"),
        "git_commit": git_commit(),
        "wall_time_s": round(results.wall_time, 4),
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": sys.argv,
    }


def write_run(results: RunResults, scenario: Scenario | None = None, *, source: Path | None = None,
              out_dir: Path, plots: bool = True, workers: int = 1) -> Path:
    """Write the run's files atomically into ``out_dir`` (which must not exist); the figures on
    up to ``workers`` worker processes."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise FileExistsError(f"{out_dir} exists; results never overwrite results")
    tmp = atomic_dir(out_dir)
    try:
        (tmp / "timeseries.csv").write_text(timeseries_csv(results))
        (tmp / "summary.json").write_text(
            json.dumps(json_ready(results.summary), indent=2, sort_keys=True) + "\n")
        if plots:
            from ..plotting.data import RunData
            from ..plotting.parallel import draw

            draw(RunData.from_results(results), tmp / "figures", workers=workers)
        (tmp / "manifest.json").write_text(json.dumps(manifest(results, source), indent=2) + "\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return commit_dir(tmp, out_dir)
