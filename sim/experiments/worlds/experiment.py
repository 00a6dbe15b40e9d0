"""A worlds experiment in one call: plan, run (or resume), analyse, write the results folder.

:func:`robust_compare` plans the worlds (:mod:`.plan`), runs them (:mod:`.run`), makes the
robust verdict (:mod:`.verdict`) and writes the results folder: the scenarios' own world as a
full comparison (``comparison.json`` and the comparison's files, from its time series),
``robustness.json``, ``worlds.csv`` and the two figures (:mod:`sim.plotting.worlds`).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ...scenario.schema import Scenario
from .plan import WorldsError, WorldsPlan, plan_worlds
from .run import Progress, WorldsRun, read_world_runs, run_worlds, work_dir
from .verdict import GAIN_OF, Robustness, important_dims, robustness, world_table

if TYPE_CHECKING:
    from ..compare import Comparison


def own_comparison(plan: WorldsPlan, work: Path) -> Comparison:
    """The comparison in the scenarios' own world, from its runs (full time series)."""
    import pandas as pd

    from ...metrics import METRICS
    from ..compare import Comparison, paired, verdict
    from ..runner import RunResults, summarize

    results = []
    for side, sc in enumerate((plan.a, plan.b)):
        df = pd.read_parquet(work / "own" / f"side-{side}.parquet")
        hists = []
        for r in range(plan.replications):
            rows = df[df["replication"] == r].sort_values("step")
            hists.append([{m: float(v) for m, v in zip(METRICS, vals, strict=True)}
                          for vals in rows[list(METRICS)].to_numpy()])
        hists = [h for h in hists if h]
        if len(hists) < plan.replications:
            raise RuntimeError("runs of the scenarios' own world failed; see runs/ for the "
                               "errors")
        results.append(RunResults(scenario=sc, seeds=plan.seeds, histories=hists,
                                  summary=summarize(hists)))
    diff = paired(*results)
    return Comparison(a=results[0], b=results[1], metrics=diff, verdict=verdict(diff))


def own_summary(c: Comparison) -> dict[str, Any]:
    """The own world's verdict and gain differences, for ``robustness.json``."""
    return {"verdict": c.verdict,
            **{f"delta_{g}": c.metrics[m]["delta"] for g, m in GAIN_OF.items()},
            **{f"ci_{g}": [c.metrics[m]["ci_low"], c.metrics[m]["ci_high"]]
               for g, m in GAIN_OF.items()}}


def worlds_csv(rob: Robustness) -> str:
    """``worlds.csv``: one row per drawn world (the scenarios' own world is in
    ``comparison.json`` and under ``own_world`` in ``robustness.json``)."""
    return rob.table.to_csv(index=False)


def write_robustness(rob: Robustness, comparison: Comparison, work: Path, out: Path, *,
                     sources: tuple | None = None, plots: bool = True, workers: int = 1) -> Path:
    """Write the finished experiment into ``work`` (comparison files, ``robustness.json``,
    ``worlds.csv``, figures, manifest) and rename it to ``out``."""
    from ...plotting.worlds import share_figure, worlds_figure
    from ..compare import write_comparison_files
    from ..runner import commit_dir

    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} exists; results never overwrite results")
    write_comparison_files(comparison, work, sources=sources, plots=plots, workers=workers,
                           extra={"worlds": rob.plan.as_json()})
    result = plain(rob.as_json())
    (work / "robustness.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    (work / "worlds.csv").write_text(worlds_csv(rob))
    if plots:
        figs = work / "figures"
        figs.mkdir(exist_ok=True)
        share_figure(result, figs / "worlds_share.png")
        worlds_figure(rob.table, result, important_dims(rob, 2), rob.plan.a.model_params(),
                      figs / "worlds_failures.png")
    return commit_dir(work, out)


def plain(x: Any) -> Any:
    """JSON-safe: numpy numbers to Python, NaN to None."""
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def robust_compare(a: Scenario, b: Scenario, worlds: int, *,
                   out: str | os.PathLike[str] | None,
                   seed: int | None = None, replications: int | None = None,
                   uncertain: list[str] | None = None,
                   ensemble: str | os.PathLike[str] | None = None, executor: str = "serial",
                   workers: int = 1, scheduler: str | None = None,
                   scheduler_file: str | None = None, resume: bool = False,
                   progress: Progress | None = None,
                   on_start: Callable[[int, int], None] | None = None,
                   plots: bool = True, sources: tuple | None = None,
                   plan: WorldsPlan | None = None) -> tuple[Robustness, Comparison, Path]:
    """Plan, run (or resume), analyse and write a worlds experiment into ``out``; returns the
    robust verdict, the own-world comparison and the folder written (``out=None``: nothing is
    kept on disk, and the folder returned is None)."""
    if out is None:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="triplewin-worlds-") as tmp:
            plan = plan or plan_worlds(a, b, worlds, seed=seed, replications=replications,
                                       uncertain=uncertain, ensemble=ensemble)
            work = Path(tmp) / "work"
            session = run_worlds(plan, work, executor=executor, workers=workers,
                                 scheduler=scheduler, scheduler_file=scheduler_file,
                                 progress=progress, on_start=on_start)
            return (*_analyse(plan, work, session), None)
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} exists; results never overwrite results")
    plan = plan or plan_worlds(a, b, worlds, seed=seed, replications=replications,
                               uncertain=uncertain, ensemble=ensemble)
    work = work_dir(out)
    if work.exists() and not resume:
        raise WorldsError(f"{work} holds an unfinished run of this output folder; add --resume "
                          "to continue it, or remove it")
    session = run_worlds(plan, work, executor=executor, workers=workers, scheduler=scheduler,
                         scheduler_file=scheduler_file, progress=progress, on_start=on_start)
    rob, comparison = _analyse(plan, work, session)
    final = write_robustness(rob, comparison, work, out, sources=sources, plots=plots,
                             workers=workers if executor == "process" else 1)
    return rob, comparison, final


def _analyse(plan: WorldsPlan, work: Path, session: WorldsRun
             ) -> tuple[Robustness, Comparison]:
    runs = read_world_runs(work)
    comparison = own_comparison(plan, work)
    rob = robustness(plan, world_table(plan, runs), own=own_summary(comparison))
    if session.failed:
        rob.notes.append(f"{session.failed} runs failed (their errors are in runs/); worlds "
                         "with fewer than 2 paired replications have no verdict")
    return rob, comparison
