"""Result tables as the figures and the report read them, from the files of a results folder.

Plotting reads result files only, never a live model (STYLE.md layout). A *run* folder holds
``timeseries.csv``, ``summary.json`` and ``manifest.json``; a *compare* folder holds
``comparison.json``, ``timeseries_a.csv``, ``timeseries_b.csv`` and ``manifest.json``
(DESIGN.md section 7). :func:`load` reads either into a :class:`RunData` or a
:class:`CompareData`.

``run`` and ``compare`` draw their figures before the folder is complete, from the same tables
held in memory: :meth:`RunData.from_results` and :meth:`CompareData.from_comparison` build exactly
what :func:`load` reads back from the files (``tests/test_plot_report.py`` checks that).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..scenario.params import START_YEAR

if TYPE_CHECKING:
    from ..experiments.compare import Comparison
    from ..experiments.runner import RunResults

#: The three groups of the verdict, in display order, with their gain metric.
GROUPS: tuple[tuple[str, str, str], ...] = (
    ("developed", "gain_developed", "Developed countries"),
    ("developing", "gain_developing", "Developing countries"),
    ("china", "gain_china", "China"),
)


class ResultsError(Exception):
    """A folder that is not a readable run or compare results folder."""


#: The figures of a run folder and of a compare folder, by file stem, in reading order (drawn
#: by :mod:`sim.plotting.figures`; listed here, without matplotlib, for work handed out).
RUN_FIGURES = ("levels", "levels_over_time", "timeseries_china", "timeseries_developed",
               "timeseries_developing")
COMPARE_FIGURES = ("triple_win", "gains_compare", "timeseries_compare", "key_differences")


@dataclass
class RunData:
    """One scenario's replications: per metric an array (replications x steps)."""

    name: str
    description: str
    seeds: list[int]
    series: dict[str, np.ndarray]
    levers: dict[str, Any] = field(default_factory=dict)
    world: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return next(iter(self.series.values())).shape[1] if self.series else 0

    @property
    def replications(self) -> int:
        return len(self.seeds)

    @property
    def last_quarter(self) -> str:
        return quarter_label(self.steps - 1)

    def final(self, metric: str) -> np.ndarray:
        """Final-step values of a metric across replications."""
        return self.series[metric][:, -1]

    def summary(self, metric: str) -> dict[str, float]:
        """Mean and 95% CI of the final-step value over replications."""
        from ..experiments.stats import mean_ci

        return mean_ci(self.final(metric))

    @classmethod
    def from_results(cls, results: RunResults) -> RunData:
        """The tables of an in-memory :class:`~sim.experiments.runner.RunResults`."""
        from ..metrics import METRICS

        sc = results.scenario
        series = {n: results.series(n).astype(float) for n in METRICS}
        return cls(name=sc.name, description=sc.description, seeds=list(results.seeds),
                   series=series, levers=_jsonable(sc.lever_values()),
                   world=_jsonable(sc.world_values()))


@dataclass
class CompareData:
    """A paired comparison B - A: both runs' tables, the paired differences and the verdict."""

    a: RunData
    b: RunData
    metrics: dict[str, dict[str, float]]
    verdict: dict[str, bool]

    @property
    def replications(self) -> int:
        return self.a.replications

    @classmethod
    def from_comparison(cls, c: Comparison) -> CompareData:
        """The tables of an in-memory :class:`~sim.experiments.compare.Comparison`."""
        data = c.as_json()
        return cls(a=RunData.from_results(c.a), b=RunData.from_results(c.b),
                   metrics=data["metrics"], verdict=data["verdict"])


def quarter_label(step: int) -> str:
    """Calendar quarter of a step, e.g. ``2024Q4`` for step 39."""
    return f"{START_YEAR + step // 4}Q{step % 4 + 1}"


def years(steps: int) -> np.ndarray:
    """Decimal year at the end of each step (step 0 ends at 2015.25)."""
    return START_YEAR + (np.arange(steps) + 1) / 4.0


def kind(folder: Path) -> str:
    """``"compare"`` or ``"run"``; raises :class:`ResultsError` for anything else."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: no such folder")
    if (folder / "comparison.json").is_file():
        return "compare"
    if (folder / "timeseries.csv").is_file():
        return "run"
    raise ResultsError(f"{folder}: not a results folder (expected timeseries.csv from "
                       "'triplewin run' or comparison.json from 'triplewin compare')")


def load(folder: Path) -> RunData | CompareData:
    """Read a run or compare folder from disk."""
    folder = Path(folder)
    if kind(folder) == "compare":
        return load_compare(folder)
    return load_run(folder)


def load_run(folder: Path) -> RunData:
    """Read ``timeseries.csv`` and ``manifest.json`` of a run folder."""
    folder = Path(folder)
    man = _read_json(folder / "manifest.json", required=False)
    seeds, series = read_timeseries(folder / "timeseries.csv")
    return _run_from(man, seeds, series, fallback_name=folder.name)


def load_compare(folder: Path) -> CompareData:
    """Read ``comparison.json``, both time series and ``manifest.json`` of a compare folder."""
    folder = Path(folder)
    comp = _read_json(folder / "comparison.json", required=True)
    man = _read_json(folder / "manifest.json", required=False)
    runs = []
    for side in ("a", "b"):
        seeds, series = read_timeseries(folder / f"timeseries_{side}.csv")
        runs.append(_run_from(man.get(side, {}), seeds, series,
                              fallback_name=str(comp.get(side, side))))
    try:
        return CompareData(a=runs[0], b=runs[1], metrics=comp["metrics"],
                           verdict=comp["verdict"])
    except KeyError as e:
        raise ResultsError(f"{folder / 'comparison.json'}: no {e.args[0]!r} entry") from None


def read_timeseries(path: Path) -> tuple[list[int], dict[str, np.ndarray]]:
    """Seeds and per-metric arrays (replications x steps) of a ``timeseries*.csv``."""
    if not path.is_file():
        raise ResultsError(f"{path}: missing")
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise ResultsError(f"{path}: empty") from None
        fixed = ["replication", "seed", "step", "quarter"]
        if header[:4] != fixed:
            raise ResultsError(f"{path}: first columns must be {', '.join(fixed)}")
        names = header[4:]
        rows: dict[int, list[list[float]]] = {}
        seeds: dict[int, int] = {}
        for line_no, row in enumerate(reader, start=2):
            try:
                rep = int(row[0])
                seeds[rep] = int(row[1])
                rows.setdefault(rep, []).append([float(x) for x in row[4:]])
            except (ValueError, IndexError):
                raise ResultsError(f"{path}:{line_no}: not a number") from None
    if not rows:
        raise ResultsError(f"{path}: no rows")
    order = sorted(rows)
    lengths = {len(rows[r]) for r in order}
    if len(lengths) != 1:
        raise ResultsError(f"{path}: replications have different numbers of steps")
    cube = np.array([rows[r] for r in order], dtype=float)  # reps x steps x metrics
    return [seeds[r] for r in order], {n: cube[:, :, i] for i, n in enumerate(names)}


def _run_from(man: dict[str, Any], seeds: list[int], series: dict[str, np.ndarray],
              fallback_name: str) -> RunData:
    sc = man.get("scenario") or {}
    return RunData(name=str(man.get("scenario_name") or sc.get("name") or fallback_name),
                   description=str(sc.get("description") or ""), seeds=seeds, series=series,
                   levers=dict(sc.get("levers") or {}), world=dict(sc.get("world") or {}),
                   manifest=man)


def _read_json(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.is_file():
        if required:
            raise ResultsError(f"{path}: missing")
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ResultsError(f"{path}: not readable JSON ({e})") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected a JSON object")
    return data


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Lever/world values as they read back from manifest.json (schedule keys as strings)."""
    return json.loads(json.dumps(values))


def is_finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
