"""The files of a run, a comparison and a worlds experiment (docs/ODD.md section 4,
"Observation"), each written into a temporary sibling folder and renamed into place at the end, so
that a results folder is either complete or absent, and an existing folder is never overwritten.

* a run: ``manifest.json``, ``timeseries.csv``, ``summary.json`` and ``figures/``;
* a comparison: ``comparison.json``, ``timeseries_a.csv``, ``timeseries_b.csv``,
  ``manifest.json`` and ``figures/``;
* a worlds experiment: the comparison's files in the scenarios' own world, ``robustness.json``,
  ``worlds.csv`` and its two figures (:mod:`sim.plotting.worlds`).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..metrics import METRICS
from ..plotting.data import quarter_label
from ..safeio import atomic_dir, commit_dir
from ..stats import json_ready
from .provenance import manifest

if TYPE_CHECKING:
    from ..experiments.compare import Comparison
    from ..experiments.runner import RunResults
    from ..experiments.worlds.verdict import Robustness
    from ..scenario.schema import Scenario


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


def _refuse_existing(out: Path) -> None:
    if out.exists():
        raise FileExistsError(f"{out} exists; results never overwrite results")


def write_run(results: RunResults, scenario: Scenario | None = None, *, source: Path | None = None,
              out_dir: Path, plots: bool = True, workers: int = 1) -> Path:
    """Write the run's files atomically into ``out_dir`` (which must not exist); the figures on
    up to ``workers`` worker processes."""
    out_dir = Path(out_dir)
    _refuse_existing(out_dir)
    tmp = atomic_dir(out_dir)
    try:
        (tmp / "timeseries.csv").write_text(timeseries_csv(results))
        (tmp / "summary.json").write_text(
            json.dumps(json_ready(results.summary), indent=2, sort_keys=True) + "\n")
        if plots:
            from ..plotting.data import RunData
            from .figures import draw

            draw(RunData.from_results(results), tmp / "figures", workers=workers)
        (tmp / "manifest.json").write_text(json.dumps(manifest(results, source), indent=2) + "\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return commit_dir(tmp, out_dir)


def write_comparison(c: Comparison, *, out_dir: Path, sources: tuple | None = None,
                     plots: bool = True, workers: int = 1) -> Path:
    """Write ``comparison.json``, both time series, a manifest and figures, atomically (the
    figures on up to ``workers`` worker processes)."""
    out_dir = Path(out_dir)
    _refuse_existing(out_dir)
    tmp = atomic_dir(out_dir)
    try:
        write_comparison_files(c, tmp, sources=sources, plots=plots, workers=workers)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return commit_dir(tmp, out_dir)


def write_comparison_files(c: Comparison, folder: Path, *, sources: tuple | None = None,
                           plots: bool = True, workers: int = 1,
                           extra: dict[str, Any] | None = None) -> None:
    """Write a comparison's files into an existing (temporary) folder: ``comparison.json``,
    ``timeseries_a.csv``, ``timeseries_b.csv``, ``manifest.json`` (``extra`` added to it) and
    ``figures/``."""
    tmp = Path(folder)
    (tmp / "comparison.json").write_text(json.dumps(json_ready(c.as_json()), indent=2,
                                                    sort_keys=True)
                                         + "\n")
    (tmp / "timeseries_a.csv").write_text(timeseries_csv(c.a))
    (tmp / "timeseries_b.csv").write_text(timeseries_csv(c.b))
    src = sources or (None, None)
    man = {"a": manifest(c.a, src[0]), "b": manifest(c.b, src[1]), **(extra or {})}
    (tmp / "manifest.json").write_text(json.dumps(man, indent=2) + "\n")
    if plots:
        from ..plotting.data import CompareData
        from .figures import draw

        draw(CompareData.from_comparison(c), tmp / "figures", workers=workers)


def write_worlds(rob: Robustness, comparison: Comparison, work: Path, out: Path, *,
                 sources: tuple | None = None, plots: bool = True, workers: int = 1) -> Path:
    """Write the finished worlds experiment into ``work`` (comparison files,
    ``robustness.json``, ``worlds.csv``, figures, manifest) and rename it to ``out``."""
    from ..experiments.worlds.experiment import plain, worlds_csv
    from ..experiments.worlds.verdict import important_dims

    out = Path(out)
    _refuse_existing(out)
    write_comparison_files(comparison, work, sources=sources, plots=plots, workers=workers,
                           extra={"worlds": rob.plan.as_json()})
    result = plain(rob.as_json())
    (work / "robustness.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    (work / "worlds.csv").write_text(worlds_csv(rob))
    if plots:
        from ..plotting.worlds import share_figure, worlds_figure

        figs = work / "figures"
        figs.mkdir(exist_ok=True)
        share_figure(result, figs / "worlds_share.png")
        worlds_figure(rob.table, result, important_dims(rob, 2), rob.plan.a.model_params(),
                      figs / "worlds_failures.png")
    return commit_dir(work, out)
