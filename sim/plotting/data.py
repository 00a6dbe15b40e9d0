"""Result tables as the figures and the report read them, from the files of a results folder.

Plotting reads result files only, never a live model (STYLE.md layout). A *run* folder holds
``timeseries.csv``, ``summary.json`` and ``manifest.json``; a *compare* folder holds
``comparison.json``, ``timeseries_a.csv``, ``timeseries_b.csv`` and ``manifest.json``
(docs/ODD.md section 4, "Observation"). :func:`load` reads either into a :class:`RunData` or a
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
from typing import Any, Protocol

import numpy as np

from .. import groups
from ..scenario.params import START_YEAR

#: The three groups of the verdict (:data:`sim.groups.GROUPS`) as (key, gain metric, title).
GROUPS: tuple[tuple[str, str, str], ...] = tuple((g.key, g.gain or "", g.title)
                                                 for g in groups.GROUPS)


class Replications(Protocol):
    """What :meth:`RunData.from_results` reads of a run held in memory (such as
    :class:`sim.experiments.runner.RunResults`)."""

    scenario: Any
    seeds: list[int]

    def series(self, metric: str) -> np.ndarray: ...


class PairedRuns(Protocol):
    """What :meth:`CompareData.from_comparison` reads of a comparison held in memory (such as
    :class:`sim.experiments.compare.Comparison`)."""

    a: Replications
    b: Replications

    def as_json(self) -> dict[str, Any]: ...


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
        from ..stats import mean_ci

        return mean_ci(self.final(metric))

    @classmethod
    def from_results(cls, results: Replications) -> RunData:
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
    def from_comparison(cls, c: PairedRuns) -> CompareData:
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


#: Largest JSON file of a results folder read (a manifest of a 10,000-replication run is far
#: smaller); a larger one is refused without reading it.
MAX_JSON_BYTES = 50_000_000


def _plain(path: Path) -> bool:
    """Whether ``path`` is a plain file; a symbolic link is refused (a results folder holds its
    own files, and nothing read or written may lie outside it)."""
    if path.is_symlink():
        raise ResultsError(f"{path}: a symbolic link; a results folder holds plain files only "
                           "(copy the file into the folder instead)")
    return path.is_file()


def kind(folder: Path) -> str:
    """``"compare"`` or ``"run"``; raises :class:`ResultsError` for anything else."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: no such folder")
    if _plain(folder / "comparison.json"):
        return "compare"
    if _plain(folder / "timeseries.csv"):
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
    return _run_from(man, seeds, series, fallback_name=folder.name,
                     where=folder / "manifest.json")


def load_compare(folder: Path) -> CompareData:
    """Read ``comparison.json``, both time series and ``manifest.json`` of a compare folder."""
    folder = Path(folder)
    comp = _read_json(folder / "comparison.json", required=True)
    man = _read_json(folder / "manifest.json", required=False)
    runs = []
    for side in ("a", "b"):
        seeds, series = read_timeseries(folder / f"timeseries_{side}.csv")
        runs.append(_run_from(man.get(side, {}), seeds, series,
                              fallback_name=_cut(comp.get(side, side)),
                              where=folder / "manifest.json"))
    where = folder / "comparison.json"
    for key in ("metrics", "verdict"):
        if not isinstance(comp.get(key), dict):
            raise ResultsError(f"{where}: no {key!r} object")
    metrics = _check_comparison_metrics(comp["metrics"], where)
    verdict = comp["verdict"]
    for key in ("developed", "developing", "china", "triple_win"):
        if not isinstance(verdict.get(key), bool):
            raise ResultsError(f"{where}: verdict.{key} must be true or false")
    return CompareData(a=runs[0], b=runs[1], metrics=metrics, verdict=dict(verdict))


def _number(x: Any) -> float:
    """A number of a results file (null, an undefined interval, reads as NaN); else ValueError."""
    if x is None:
        return math.nan
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(x)
    return float(x)


def _check_comparison_metrics(metrics: dict[str, Any],
                              where: Path) -> dict[str, dict[str, float]]:
    """The paired differences of comparison.json, every metric present and every entry a
    number (null, an undefined interval, becomes NaN)."""
    from ..metrics import METRICS

    missing = [n for n in METRICS if n not in metrics]
    if missing:
        raise ResultsError(f"{where}: metrics lack {', '.join(missing[:5])}"
                           f"{' and more' if len(missing) > 5 else ''} (written by another "
                           "version of triplewin? run the comparison again)")
    out: dict[str, dict[str, float]] = {}
    for name, d in metrics.items():
        if not isinstance(d, dict):
            raise ResultsError(f"{where}: metrics.{_cut(name)} must be an object")
        entry: dict[str, float] = {}
        for key, v in d.items():
            try:
                entry[str(key)] = _number(v)
            except ValueError:
                raise ResultsError(f"{where}: metrics.{_cut(name)}.{_cut(key)} must be a "
                                   f"number, got {_cut(repr(v))}") from None
        for key in ("a", "b", "delta", "ci_low", "ci_high"):
            if key not in entry:
                raise ResultsError(f"{where}: metrics.{_cut(name)} has no {key!r}")
        out[str(name)] = entry
    return out


def _cut(text: Any, limit: int = 60) -> str:
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_timeseries(path: Path) -> tuple[list[int], dict[str, np.ndarray]]:
    """Seeds and per-metric arrays (replications x steps) of a ``timeseries*.csv``."""
    from ..metrics import METRICS

    if not _plain(path):
        raise ResultsError(f"{path}: missing")
    rows: dict[int, list[list[float]]] = {}
    seeds: dict[int, int] = {}
    line_no = 1
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            try:
                header = next(reader)
            except StopIteration:
                raise ResultsError(f"{path}: empty") from None
            fixed = ["replication", "seed", "step", "quarter"]
            if header[:4] != fixed:
                raise ResultsError(f"{path}: first columns must be {', '.join(fixed)}")
            names = header[4:]
            missing = [n for n in METRICS if n not in names]
            if missing:
                raise ResultsError(f"{path}: missing column(s) {', '.join(missing[:5])}"
                                   f"{' and more' if len(missing) > 5 else ''} (written by "
                                   "another version of triplewin? run the scenario again)")
            if len(set(names)) != len(names):
                raise ResultsError(f"{path}: a column appears twice")
            for line_no, row in enumerate(reader, start=2):
                if len(row) != len(header):
                    raise ResultsError(f"{path}:{line_no}: {len(row)} fields, expected "
                                       f"{len(header)} (one per column)")
                try:
                    rep = int(row[0])
                    seed = int(row[1])
                    int(row[2])  # the step
                    values = [float(x) for x in row[4:]]
                except ValueError:
                    raise ResultsError(f"{path}:{line_no}: not a number") from None
                if seeds.setdefault(rep, seed) != seed:
                    raise ResultsError(f"{path}:{line_no}: replication {rep} has two seeds")
                rows.setdefault(rep, []).append(values)
    except UnicodeDecodeError:
        raise ResultsError(f"{path}: not UTF-8 text (binary bytes near line {line_no + 1})"
                           ) from None
    except csv.Error as e:
        raise ResultsError(f"{path}:{line_no + 1}: not a CSV row ({_cut(e)})") from None
    except OSError as e:
        raise ResultsError(f"{path}: cannot read ({e.strerror or e})") from None
    if not rows:
        raise ResultsError(f"{path}: no rows")
    order = sorted(rows)
    lengths = {len(rows[r]) for r in order}
    if len(lengths) != 1:
        raise ResultsError(f"{path}: replications have different numbers of steps")
    cube = np.array([rows[r] for r in order], dtype=float)  # reps x steps x metrics
    return [seeds[r] for r in order], {n: cube[:, :, i] for i, n in enumerate(names)}


def _run_from(man: Any, seeds: list[int], series: dict[str, np.ndarray],
              fallback_name: str, where: Path) -> RunData:
    if not isinstance(man, dict):
        raise ResultsError(f"{where}: expected an object")
    sc = man.get("scenario") or {}
    if not isinstance(sc, dict):
        raise ResultsError(f"{where}: 'scenario' must be an object")
    for section in ("levers", "world"):
        values = sc.get(section) or {}
        if not isinstance(values, dict):
            raise ResultsError(f"{where}: scenario.{section} must be an object")
        for key, v in values.items():
            schedule = v.values() if isinstance(v, dict) else [v]
            if not all(_is_number(x) for x in schedule):
                raise ResultsError(f"{where}: scenario.{section}.{_cut(key)} must be a "
                                   "number or a schedule of numbers")
    for key in ("scenario_name", "scenario_file", "scenario_sha256", "created_utc",
                "git_commit"):
        if man.get(key) is not None and not isinstance(man.get(key), str):
            raise ResultsError(f"{where}: {key} must be text")
    for key in ("wall_time_s", "root_seed", "steps", "replications"):
        if man.get(key) is not None and not _is_number(man.get(key)):
            raise ResultsError(f"{where}: {key} must be a number")
    if man.get("versions") is not None and not (
            isinstance(man["versions"], dict)
            and all(isinstance(v, str) for v in man["versions"].values())):
        raise ResultsError(f"{where}: versions must be an object of texts")
    if man.get("command") is not None and not (
            isinstance(man["command"], list) and all(isinstance(v, str) for v in man["command"])):
        raise ResultsError(f"{where}: command must be a list of texts")
    return RunData(name=str(man.get("scenario_name") or sc.get("name") or fallback_name),
                   description=str(sc.get("description") or ""), seeds=seeds, series=series,
                   levers=dict(sc.get("levers") or {}), world=dict(sc.get("world") or {}),
                   manifest=man)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _read_json(path: Path, *, required: bool) -> dict[str, Any]:
    if not _plain(path):
        if required:
            raise ResultsError(f"{path}: missing")
        return {}
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise ResultsError(f"{path}: {size:,} bytes, larger than the limit of "
                               f"{MAX_JSON_BYTES:,} (MAX_JSON_BYTES)")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except RecursionError:
        raise ResultsError(f"{path}: JSON nested too deeply") from None
    except (OSError, ValueError) as e:
        raise ResultsError(f"{path}: not readable JSON ({_cut(e, 120)})") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected a JSON object")
    return data


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Lever/world values as they read back from manifest.json (schedule keys as strings)."""
    return json.loads(json.dumps(values))

