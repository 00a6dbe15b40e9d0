"""The Python API for scripting the model: one configuration, a sweep, its analysis.

One configuration::

    from sim import api
    api.run("scenarios/baseline.yaml", seed=1, replications=4)        # {metric: mean}
    api.run_frame("scenarios/baseline.yaml", replications=4)          # one row per replication
    api.run({"levers": {"joint_bidding": 0.8}, "run": {"steps": 24}})  # a scenario as a dict
    api.evaluate(joint_bidding=0.8, instability=0.5, seed=7, steps=24) # flat keywords, one run

A sweep and its analysis::

    res = api.sweep({"base": "scenarios/baseline.yaml", "name": "demo", "design": "lhs",
                     "samples": 50, "replications": 2,
                     "levers": {"joint_bidding": {"low": 0, "high": 1}}}, out="results/demo")
    runs = api.load_runs("results/demo")     # pandas DataFrame, one row per run
    report = api.analyze("results/demo")     # triple-win map, PRIM box, indices

Every function with ``workers`` (``run``, ``run_frame``, ``compare``, ``sweep``, ``analyze``)
also takes ``batch``: runs per pass of the batched engine (default ``None``: chosen by free
memory, at most 64; 1: one run per pass), as the commands' ``--batch``. The numbers depend on
neither.

Seeds: ``run(seed=S)`` is a *root* seed, as in ``triplewin run --seed S``: replication r runs
with ``replication_seeds(S, R)[r]``. ``evaluate(seed=s)`` runs one replication with the model
seed ``s`` itself, exactly ``TripleWinModel(rng=s, ...)`` (as EMA Workbench and Mesa's
``batch_run`` would), so pass the same ``seed`` to every experiment for common random numbers.

Bad input raises :class:`~sim.scenario.load.ScenarioError` (scenarios) or
:class:`~sim.sweeps.spec.SweepError` (sweeps), whose ``problems`` say what is wrong.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .analysis.pipeline import (
    DEFAULT_REFERENCE,
    Analysis,
    AnalysisRefused,
    analyze,
    find_reference,
)
from .scenario.load import Problem, ScenarioError
from .scenario.params import LEVERS, POPULATION, RUN, UNCERTAINTIES, WORLD
from .scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from .sweeps.session import Progress, SweepResult

# the sweep analysis (Analysis, analyze, ...) is sim.analysis.pipeline's, exposed here
__all__ = ["Analysis", "RobustComparison", "analyze", "compare", "evaluate", "load_runs",
           "load_scenario_config", "run", "run_frame", "sweep"]


# --------------------------------------------------------------------------------------------
# one configuration


def load_scenario_config(config: Any, *, seed: int | None = None,
                         replications: int | None = None, steps: int | None = None,
                         levers: dict[str, Any] | None = None,
                         world: dict[str, Any] | None = None) -> Scenario:
    """A validated :class:`Scenario` from a file path or a library name (``"baseline"``), a dict
    (the keys of a scenario file; ``name`` optional) or a Scenario, with optional run settings and lever/world changes."""
    if isinstance(config, Scenario):
        data = config.model_dump()
        shown = f"<scenario {config.name}>"
    elif isinstance(config, dict):
        data = {"name": "api", **config}
        shown = "<dict>"
        if data.get("extends") is not None:
            raise ScenarioError([Problem(shown, None, "extends", "extends works in scenario "
                                         "files only (load the file and pass levers=/world= "
                                         "changes instead)")])
    elif isinstance(config, (str, os.PathLike)):
        from .scenario.library import find_scenario
        from .scenario.load import load_scenario

        scenario = load_scenario(find_scenario(config), seed=seed, steps=steps,
                                 replications=replications)
        if not levers and not world:
            return scenario
        data, shown = scenario.model_dump(), str(config)
        seed = steps = replications = None
    else:
        raise TypeError(f"config must be a dict, a Scenario or a file path, not "
                        f"{type(config).__name__}")
    for section, changes in (("levers", levers), ("world", world)):
        if changes:
            data[section] = {**(data.get(section) or {}), **_plain(changes)}
    run_changes = {k: v for k, v in (("seed", seed), ("steps", steps),
                                     ("replications", replications)) if v is not None}
    if run_changes:
        data["run"] = {**(data.get("run") or {}), **_plain(run_changes)}
    return _validate(data, shown)


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    """numpy scalars -> Python numbers (clients such as EMA Workbench pass numpy values)."""
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in d.items()}


def _validate(data: dict[str, Any], shown: str) -> Scenario:
    from pydantic import ValidationError

    from .scenario.load import problem_from_error

    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError([problem_from_error(err, {}, shown) for err in e.errors()]) from None


def run(config: Any, *, seed: int | None = None, replications: int | None = None,
        steps: int | None = None, levers: dict[str, Any] | None = None,
        world: dict[str, Any] | None = None, workers: int = 1,
        batch: int | None = None) -> dict[str, float]:
    """Run a configuration; returns ``{metric: value}`` at the final step, the mean over
    replications (one replication: that run's values).

    Args:
        config: a scenario file path, a dict with the keys of a scenario file, or a Scenario.
        seed: root seed (default: the scenario's ``run.seed``).
        replications, steps: override ``run.replications`` / ``run.steps``.
        levers, world: changes to levers or uncertainties, e.g. ``{"joint_bidding": 0.8}``.
        workers: worker processes for the replications (1: this process); the numbers are the
            same with any number.
        batch: replications per pass of the batched engine (None: chosen by free memory, at
            most 64; 1: one per pass); the numbers are the same at any value.

    Raises:
        ValueError: ``batch`` is not None or a whole number of at least 1.
    """
    from .metrics import METRICS

    histories = _histories(load_scenario_config(config, seed=seed, replications=replications,
                                                steps=steps, levers=levers, world=world),
                           workers=workers, batch=batch)
    return {m: float(np.mean([h[-1][m] for h in histories])) for m in METRICS}


def run_frame(config: Any, *, seed: int | None = None, replications: int | None = None,
              steps: int | None = None, levers: dict[str, Any] | None = None,
              world: dict[str, Any] | None = None, timeseries: bool = False,
              workers: int = 1, batch: int | None = None) -> pd.DataFrame:
    """Like :func:`run`, as a DataFrame: one row per replication (``replication``, ``seed``,
    every metric at the final step), or with ``timeseries=True`` one row per replication and
    step (plus ``step``). ``workers`` and ``batch`` as in :func:`run`."""
    import pandas as pd

    from .metrics import METRICS
    from .streams import replication_seeds

    scenario = load_scenario_config(config, seed=seed, replications=replications, steps=steps,
                                    levers=levers, world=world)
    seeds = replication_seeds(scenario.run.seed, scenario.run.replications)
    rows = []
    hists = _histories(scenario, seeds, workers=workers, batch=batch)
    for r, (s, hist) in enumerate(zip(seeds, hists, strict=True)):
        chosen = enumerate(hist) if timeseries else [(len(hist) - 1, hist[-1])]
        for step, row in chosen:
            rows.append({"replication": r, "seed": s, **({"step": step} if timeseries else {}),
                         **{m: row[m] for m in METRICS}})
    return pd.DataFrame(rows)


def _histories(scenario: Scenario, seeds: list[int] | None = None, *,
               workers: int = 1, batch: int | None = None) -> list[list[dict[str, float]]]:
    from .experiments.runner import histories_of
    from .streams import replication_seeds

    _check_batch(batch)
    seeds = seeds or replication_seeds(scenario.run.seed, scenario.run.replications)
    return histories_of([(scenario, s) for s in seeds], workers=workers, batch=batch)


def _check_batch(batch: Any) -> None:
    """Refuse a ``batch`` that is not None or a whole number of at least 1 (ValueError)."""
    if batch is None:
        return
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"batch must be None (automatic) or a whole number of at least 1, "
                         f"got {batch!r}")


_WORLD = WORLD


@lru_cache(maxsize=16)
def _base(base: str | None) -> Scenario:
    if base is None:
        return Scenario(name="defaults")
    from .scenario.library import find_scenario
    from .scenario.load import load_scenario

    return load_scenario(find_scenario(base))


def evaluate(*, seed: int = RUN["seed"].default, steps: int = RUN["steps"].default,
             base: str | os.PathLike[str] | None = None, **params: Any) -> dict[str, float]:
    """One run from flat keyword arguments; returns ``{metric: value}`` at the final step.

    Built for clients that call a function with keyword arguments, such as an EMA Workbench
    ``Model(function=evaluate)`` whose uncertainties and levers are named after the model's
    (X and L of XLRM) and whose outcomes are metric names (M).

    Args:
        seed: the model seed of this run (``TripleWinModel(rng=seed)``), not a root seed.
        steps: quarters to run.
        base: a scenario file whose values the keywords change (default: parameter defaults).
        **params: levers, uncertainties or population sizes by name; values are validated.
    """
    from .experiments.runner import run_one

    unknown = sorted(set(params) - set(LEVERS) - set(_WORLD))
    if unknown:
        raise TypeError(f"unknown parameter(s) {unknown}; levers: {', '.join(LEVERS)}; world: "
                        f"{', '.join(_WORLD)}")
    scenario = _base(None if base is None else str(base))
    data = scenario.model_dump()
    data["levers"].update(_plain({k: v for k, v in params.items() if k in LEVERS}))
    data["world"].update(_plain({k: v for k, v in params.items() if k in _WORLD}))
    data["run"].update({"steps": int(steps), "replications": 1})
    final = run_one(_validate(data, "<evaluate>"), int(seed))[-1]
    return dict(final)


# --------------------------------------------------------------------------------------------
# comparisons


@dataclass
class RobustComparison:
    """What :func:`compare` returns with ``worlds=N``: the same data as the files of
    ``triplewin compare --worlds N``."""

    robustness: dict[str, Any]  # robustness.json: worlds, share, ci, failure_boxes, ...
    worlds: pd.DataFrame  # worlds.csv: one row per world
    comparison: dict[str, Any]  # comparison.json: the scenarios' own world
    out: Path | None = None  # the folder written (None without out=)

    @property
    def share(self) -> dict[str, float]:
        """Share of worlds in which each group gains, and the triple win."""
        return self.robustness["share"]

    @property
    def ci(self) -> dict[str, list[float]]:
        """Wilson 95% interval of each share."""
        return self.robustness["ci"]


def compare(a: Any, b: Any, *, worlds: int | None = None, replications: int | None = None,
            seed: int | None = None, steps: int | None = None,
            uncertain: list[str] | None = None, ensemble: str | os.PathLike[str] | None = None,
            out: str | os.PathLike[str] | None = None, executor: str = "serial",
            workers: int = 1, resume: bool = False, plots: bool = True,
            batch: int | None = None) -> dict[str, Any] | RobustComparison:
    """Paired comparison B - A with common random numbers, as ``triplewin compare``.

    Without ``worlds``: the scenarios' own world; returns the contents of ``comparison.json``
    (``metrics``: delta and CI per metric, ``verdict``). With ``worlds=N`` (N >= 2): the
    verdict across N worlds as well; returns a :class:`RobustComparison` (``robustness``,
    ``worlds``, ``comparison``).

    Args:
        a, b: reference and policy: scenario files, dicts or Scenarios.
        worlds: number of worlds drawn over every uncertainty and structural constant.
        replications, seed, steps: as the command's options (both scenarios).
        uncertain: vary only these (``NAME`` or ``NAME=LOW:HIGH``).
        ensemble: draw the worlds from a calibrated ensemble (Parquet, with ``weight``).
        out: also write the command's files into this new folder.
        executor, workers: ``serial`` (default, this process), ``process`` or ``dask``. Worker
            processes re-import the calling script: in a script, call this under
            ``if __name__ == "__main__":`` (see docs/sweeps.md).
        resume: continue an unfinished ``out`` (worlds only).
        plots: draw the figures into ``out``.
        batch: runs per pass of the batched engine (None: chosen by free memory, at most 64;
            1: one run per pass); the numbers are the same at any value.

    Raises:
        ScenarioError: a scenario is invalid. ValueError
            (:class:`~sim.experiments.worlds.plan.WorldsError`): the worlds cannot be set up as
            asked; or ``batch`` is not None or a whole number of at least 1.
    """
    from .experiments import compare as compare_m
    from .experiments.worlds.experiment import plain
    from .results.folders import write_comparison
    from .results.worlds import robust_compare

    _check_batch(batch)
    sa = load_scenario_config(a, seed=seed, replications=replications, steps=steps)
    sb = load_scenario_config(b, seed=seed, replications=replications, steps=steps)
    if worlds is None:
        c = compare_m.compare(sa, sb, replications=replications, seed=seed, workers=workers,
                              batch=batch)
        if out is not None:
            write_comparison(c, out_dir=out, plots=plots, workers=workers)
        return c.as_json()
    rob, c, final = _guarded(lambda: robust_compare(
        sa, sb, worlds, out=out, seed=seed, replications=replications, uncertain=uncertain,
        ensemble=ensemble, executor=executor, workers=workers, resume=resume, plots=plots,
        batch=batch))
    return RobustComparison(robustness=plain(rob.as_json()), worlds=rob.table,
                            comparison=c.as_json(), out=final)


def _guarded(call: Any) -> Any:
    """Say what to do when worker processes die at start (usually an unguarded script)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return call()
    except BrokenProcessPool as e:
        raise RuntimeError("worker processes died while starting; in a script that uses "
                           "executor='process', put the calls under "
                           "'if __name__ == \"__main__\":' (each worker imports the script "
                           "again), or use executor='serial'") from e


# --------------------------------------------------------------------------------------------
# sweeps


def sweep(spec: dict[str, Any] | str | os.PathLike[str], out: str | os.PathLike[str], *,
          executor: str = "process", workers: int | None = None, scheduler: str | None = None,
          scheduler_file: str | None = None, resume: bool = False,
          chunk_size: int | None = None, progress: Progress | None = None,
          batch: int | None = None) -> SweepResult:
    """Run a sweep given as a dict (the keys of a sweep file; ``base`` relative to the current
    folder) or a sweep file path, into the folder ``out``. See :func:`sim.sweeps.session.
    run_sweep` for the options (``batch``: runs per pass of the batched engine, None automatic;
    the numbers are the same at any value); failed runs are counted in the result, not
    raised."""
    from .sweeps.session import run_sweep
    from .sweeps.spec import load_sweep, plan_from_dict

    plan = plan_from_dict(spec) if isinstance(spec, dict) else load_sweep(spec)
    return run_sweep(plan, out, executor=executor, workers=workers, scheduler=scheduler,
                     scheduler_file=scheduler_file, resume=resume, chunk_size=chunk_size,
                     batch=batch, progress=progress)


def load_runs(out: str | os.PathLike[str], columns: list[str] | None = None) -> pd.DataFrame:
    """The runs of a sweep folder, one row per run, sorted by ``run_id``."""
    from .sweeps.store import read_runs

    return read_runs(out, columns)


def load_timeseries(out: str | os.PathLike[str]) -> pd.DataFrame:
    """The time series of a sweep run with ``keep_timeseries: true``, sorted by run and step."""
    import pandas as pd

    df = pd.read_parquet(Path(out) / "timeseries")
    return df.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)
