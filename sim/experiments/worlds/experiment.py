"""The analysis of a finished worlds experiment: the scenarios' own world as a full comparison
(from its time series), the robust verdict over the drawn worlds (:mod:`.verdict`), and the
tables its results folder holds. :func:`sim.results.worlds.robust_compare` runs the experiment in
one call and writes that folder (:func:`sim.results.folders.write_worlds`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .plan import WorldsPlan
from .run import WorldsRun, read_world_runs
from .verdict import GAIN_OF, Robustness, robustness, world_table

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


def analyse(plan: WorldsPlan, work: Path, session: WorldsRun) -> tuple[Robustness, Comparison]:
    """The robust verdict and the own-world comparison of the runs in ``work``."""
    runs = read_world_runs(work)
    comparison = own_comparison(plan, work)
    rob = robustness(plan, world_table(plan, runs), own=own_summary(comparison))
    if session.failed:
        rob.notes.append(f"{session.failed} runs failed (their errors are in runs/); worlds "
                         "with fewer than 2 paired replications have no verdict")
    return rob, comparison
