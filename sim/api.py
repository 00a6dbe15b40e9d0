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

Seeds: ``run(seed=S)`` is a *root* seed, as in ``triplewin run --seed S``: replication r runs
with ``replication_seeds(S, R)[r]``. ``evaluate(seed=s)`` runs one replication with the model
seed ``s`` itself, exactly ``TripleWinModel(rng=s, ...)`` (as EMA Workbench and Mesa's
``batch_run`` would), so pass the same ``seed`` to every experiment for common random numbers.

Bad input raises :class:`~sim.scenario.load.ScenarioError` (scenarios) or
:class:`~sim.sweeps.spec.SweepError` (sweeps), whose ``problems`` say what is wrong.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .scenario.load import Problem, ScenarioError
from .scenario.params import LEVERS, POPULATION, RUN, UNCERTAINTIES, WORLD
from .scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from .sweeps.session import Progress, SweepResult

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
        world: dict[str, Any] | None = None, workers: int = 1) -> dict[str, float]:
    """Run a configuration; returns ``{metric: value}`` at the final step, the mean over
    replications (one replication: that run's values).

    Args:
        config: a scenario file path, a dict with the keys of a scenario file, or a Scenario.
        seed: root seed (default: the scenario's ``run.seed``).
        replications, steps: override ``run.replications`` / ``run.steps``.
        levers, world: changes to levers or uncertainties, e.g. ``{"joint_bidding": 0.8}``.
        workers: worker processes for the replications (1: this process); the numbers are the
            same with any number.
    """
    from .metrics import METRICS

    histories = _histories(load_scenario_config(config, seed=seed, replications=replications,
                                                steps=steps, levers=levers, world=world),
                           workers=workers)
    return {m: float(np.mean([h[-1][m] for h in histories])) for m in METRICS}


def run_frame(config: Any, *, seed: int | None = None, replications: int | None = None,
              steps: int | None = None, levers: dict[str, Any] | None = None,
              world: dict[str, Any] | None = None, timeseries: bool = False,
              workers: int = 1) -> pd.DataFrame:
    """Like :func:`run`, as a DataFrame: one row per replication (``replication``, ``seed``,
    every metric at the final step), or with ``timeseries=True`` one row per replication and
    step (plus ``step``)."""
    import pandas as pd

    from .metrics import METRICS
    from .streams import replication_seeds

    scenario = load_scenario_config(config, seed=seed, replications=replications, steps=steps,
                                    levers=levers, world=world)
    seeds = replication_seeds(scenario.run.seed, scenario.run.replications)
    rows = []
    hists = _histories(scenario, seeds, workers=workers)
    for r, (s, hist) in enumerate(zip(seeds, hists, strict=True)):
        chosen = enumerate(hist) if timeseries else [(len(hist) - 1, hist[-1])]
        for step, row in chosen:
            rows.append({"replication": r, "seed": s, **({"step": step} if timeseries else {}),
                         **{m: row[m] for m in METRICS}})
    return pd.DataFrame(rows)


def _histories(scenario: Scenario, seeds: list[int] | None = None, *,
               workers: int = 1) -> list[list[dict[str, float]]]:
    from .experiments.runner import histories_of
    from .streams import replication_seeds

    seeds = seeds or replication_seeds(scenario.run.seed, scenario.run.replications)
    return histories_of([(scenario, s) for s in seeds], workers=workers)


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
            workers: int = 1, resume: bool = False, plots: bool = True
            ) -> dict[str, Any] | RobustComparison:
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

    Raises:
        ScenarioError: a scenario is invalid. ValueError
            (:class:`~sim.experiments.worlds.plan.WorldsError`): the worlds cannot be set up as
            asked.
    """
    from .experiments import compare as compare_m
    from .experiments.worlds.experiment import plain
    from .results.folders import write_comparison
    from .results.worlds import robust_compare

    sa = load_scenario_config(a, seed=seed, replications=replications, steps=steps)
    sb = load_scenario_config(b, seed=seed, replications=replications, steps=steps)
    if worlds is None:
        c = compare_m.compare(sa, sb, replications=replications, seed=seed, workers=workers)
        if out is not None:
            write_comparison(c, out_dir=out, plots=plots, workers=workers)
        return c.as_json()
    rob, c, final = _guarded(lambda: robust_compare(
        sa, sb, worlds, out=out, seed=seed, replications=replications, uncertain=uncertain,
        ensemble=ensemble, executor=executor, workers=workers, resume=resume, plots=plots))
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
          chunk_size: int | None = None, progress: Progress | None = None) -> SweepResult:
    """Run a sweep given as a dict (the keys of a sweep file; ``base`` relative to the current
    folder) or a sweep file path, into the folder ``out``. See :func:`sim.sweeps.session.
    run_sweep` for the options; failed runs are counted in the result, not raised."""
    from .sweeps.session import run_sweep
    from .sweeps.spec import load_sweep, plan_from_dict

    plan = plan_from_dict(spec) if isinstance(spec, dict) else load_sweep(spec)
    return run_sweep(plan, out, executor=executor, workers=workers, scheduler=scheduler,
                     scheduler_file=scheduler_file, resume=resume, chunk_size=chunk_size,
                     progress=progress)


def load_runs(out: str | os.PathLike[str], columns: list[str] | None = None) -> pd.DataFrame:
    """The runs of a sweep folder, one row per run, sorted by ``run_id``."""
    from .sweeps.store import read_runs

    return read_runs(out, columns)


def load_timeseries(out: str | os.PathLike[str]) -> pd.DataFrame:
    """The time series of a sweep run with ``keep_timeseries: true``, sorted by run and step."""
    import pandas as pd

    df = pd.read_parquet(Path(out) / "timeseries")
    return df.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# analysis


class AnalysisRefused(ValueError):
    """The analysis asked for cannot be done on this sweep (the message says why)."""


DEFAULT_REFERENCE = "no-cooperation"


def find_reference(reference: str | os.PathLike[str]) -> Path:
    """A reference scenario file: the path itself, else a library name such as
    ``no-cooperation`` (:func:`sim.scenario.library.find`: ./scenarios, then the library)."""
    from .scenario.library import find

    found = find(reference, "scenarios")
    if found is not None:
        return found
    raise AnalysisRefused(f"reference scenario {reference} not found (give a file, or a name "
                          "from the scenario library such as no-cooperation)")


@dataclass
class Analysis:
    """What :func:`analyze` found; the same tables are in ``DIR/analysis/``."""

    out: Path
    design: str
    runs: int
    runs_ok: int
    method: str | None = None  # "sobol" | "morris" | None
    indices: pd.DataFrame | None = None
    second_order: pd.DataFrame | None = None
    reference: str | None = None
    #: "same": each run against the reference in its own world and seed; "fixed": against the
    #: reference in the reference's own world (only when asked for)
    reference_world: str | None = None
    triple_win_share: float | None = None
    policies: pd.DataFrame | None = None
    map: pd.DataFrame | None = None
    map_axes: tuple[str, str] | None = None
    prim: Any = None  # discovery.PrimResult
    noise: pd.DataFrame | None = None  # sensitivity.seed_noise: seed noise share per metric
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def analyze(out: str | os.PathLike[str], *,
            reference: str | os.PathLike[str] | None = DEFAULT_REFERENCE,
            x: str | None = None, y: str | None = None, bins: int = 5,
            indices: str = "auto", prim_threshold: float = 0.8, plots: bool = True,
            figure_metrics: tuple[str, ...] = ("gain_developed", "gain_developing",
                                               "gain_china"),
            fixed_world: bool = False, workers: int = 1) -> Analysis:
    """Analyse a sweep folder; writes CSV files and figures to ``DIR/analysis/``.

    Args:
        out: the sweep folder.
        reference: scenario for the triple win (file or library name); None skips the
            triple-win map and PRIM.
        x, y: the two factors of the triple-win map (default: the first two varied levers).
        bins: bins of a continuous factor on the map.
        indices: ``auto`` (Sobol' for a sobol design, Morris for morris, none otherwise),
            ``sobol``, ``morris`` or ``none``. Asking for indices the design cannot give raises
            :class:`AnalysisRefused`.
        prim_threshold: least density of the reported PRIM box.
        plots: write figures.
        figure_metrics: metrics drawn in the indices figure.
        fixed_world: compare every run with the reference in the reference's own world (the
            earlier, labelled behaviour) instead of in the run's own world and seed.
        workers: worker processes for the reference runs (1: this process; more need the
            ``if __name__ == "__main__":`` guard in a script, see docs/sweeps.md).
    """
    from .analysis import discovery, sensitivity
    from .metrics import METRICS
    from .scenario.load import load_scenario
    from .sweeps.store import read_design, read_manifest, read_runs

    out = Path(out)
    manifest = read_manifest(out)
    design = manifest["design"]["kind"]
    if indices not in ("auto", "sobol", "morris", "none"):
        raise AnalysisRefused(f"unknown indices {indices!r} (auto, sobol, morris or none)")
    method = {"sobol": "sobol", "morris": "morris"}.get(design) if indices == "auto" else \
        (None if indices == "none" else indices)
    if method is not None and method != design:
        sobol = method == "sobol"
        raise AnalysisRefused(
            f"{'Sobol' if sobol else 'Morris'} indices need a {method} design, and this sweep "
            f"is {design}: its points are not {'a Saltelli sample' if sobol else 'Morris '
            'trajectories'}. Run a sweep with design: {method} (e.g. sweeps/"
            f"{'sobol-levers' if sobol else 'morris-all'}.yaml), or analyze with --indices auto "
            "for the triple-win map and PRIM")
    factors = manifest["design"]["factors"]
    keys = [f["key"] for f in factors]
    runs = read_runs(out)
    n_points = int(manifest["design"]["points"])
    ok = runs["error"].fillna("").eq("").to_numpy() if "error" in runs else np.ones(len(runs), bool)
    res = Analysis(out=out, design=design, runs=len(runs), runs_ok=int(ok.sum()), method=method)
    if len(runs) < int(manifest["runs"]):
        res.notes.append(f"the sweep is incomplete: {len(runs):,} of {int(manifest['runs']):,} "
                         "runs on disk (resume it with --resume)")
    if len(runs) == 0:
        raise AnalysisRefused(f"{out} has no runs yet")
    folder = out / "analysis"
    folder.mkdir(exist_ok=True)

    def save_csv(df: pd.DataFrame, name: str) -> None:
        df.to_csv(folder / name, index=False)
        res.files.append(folder / name)

    # the triple win against the reference
    win = None
    if reference is not None:
        ref_path = find_reference(reference)
        ref = load_scenario(ref_path, steps=int(manifest["steps"]), replications=1)
        if fixed_world:
            ref_runs = discovery.reference_runs(ref, list(manifest["seeds"]),
                                                int(manifest["steps"]))
            ref_keys: list[str] = []
            res.notes.append(f"fixed-world comparison (asked for): every run is compared with "
                             f"{ref_path.stem} in {ref_path.stem}'s own world, not in the "
                             "run's world; uncertainties swept here make runs look better or "
                             "worse than the reference by luck of their world")
        else:
            ref_runs, ref_keys = discovery.same_world_references(
                runs, manifest, ref, own_keys=discovery.own_world_keys(ref_path),
                executor="process" if workers > 1 else "serial", workers=workers)
        res.reference_world = "fixed" if fixed_world else "same"
        save_csv(ref_runs, "reference.csv")
        win = discovery.triple_win(runs, ref_runs, ref_keys)
        res.reference = str(ref_path)
        lever_keys = [k for k in keys if k.startswith("levers.")]
        world_keys = [k for k in keys if k.startswith("world.")]
        if not fixed_world:
            res.policies, note = discovery.policies_table(runs, ref_runs, ref_keys, lever_keys,
                                                          world_keys)
            if res.policies is not None:
                save_csv(res.policies, "policies.csv")
            elif note and lever_keys and world_keys:
                res.notes.append(note)
        res.triple_win_share = float(np.nanmean(win)) if np.isfinite(win).any() else None
        save_csv(runs[["run_id", "point", "replication"]].assign(triple_win=win),
                 "triple_win.csv")

    # indices
    if method is not None:
        if len(runs) < int(manifest["runs"]):
            res.notes.append(f"{method} indices need every design point; skipped")
        else:
            failed = int((~ok).sum())
            if failed:
                res.notes.append(f"{failed} runs failed; their points use the other "
                                 "replications, and points with none are dropped from the "
                                 "indices (see below)")
            outputs = {m: sensitivity.point_means(runs, m, n_points) for m in METRICS}
            res.noise = sensitivity.seed_noise(
                runs.assign(triple_win=win) if win is not None else runs,
                [*METRICS, *(["triple_win"] if win is not None else [])], n_points)
            save_csv(res.noise, "seed_noise.csv")
            noisy = res.noise[res.noise["noise_in_means"] > 0.25]
            if len(noisy):
                res.notes.append(
                    f"seed noise is more than a quarter of the variance of the point means for "
                    f"{', '.join(noisy['metric'][:8])}{' ...' if len(noisy) > 8 else ''}: their "
                    "indices partly describe the seeds (more replications help; see "
                    "seed_noise.csv)")
            elif int(manifest["replications"]) < 2:
                res.notes.append("one replication per point: the seed noise in the indices "
                                 "cannot be measured (use replications: 2 or more)")
            if win is not None:
                outputs["triple_win"] = sensitivity.point_means(
                    runs.assign(triple_win=win), "triple_win", n_points)
            seed = int(manifest["root_seed"])
            if method == "sobol":
                table, second, notes = sensitivity.sobol_indices(
                    outputs, keys, second_order=bool(manifest["design"]["second_order"]),
                    seed=seed)
                res.second_order = second
                if second is not None:
                    save_csv(second, "sobol_second_order.csv")
            else:
                _, _, unit = read_design(out)
                table, notes = sensitivity.morris_indices(
                    outputs, unit, keys, levels=int(manifest["design"]["levels"]), seed=seed)
            res.indices = table
            res.notes.extend(notes)
            save_csv(table, f"{method}.csv")
            if plots:
                shown = [*figure_metrics, *(["triple_win"] if win is not None else [])]
                f = sensitivity.indices_figure(table, method, shown, folder / f"{method}.png")
                if f:
                    res.files.append(Path(f))
    elif design in ("sobol", "morris") or indices == "none":
        pass
    else:
        res.notes.append(f"a {design} design gives no Sobol' or Morris indices (use design: sobol "
                         "or morris for those); showing the triple-win map and PRIM")

    # triple-win map and PRIM
    if win is not None:
        levers_ = [k for k in keys if k.startswith("levers.")]
        ordered = levers_ + [k for k in keys if k not in levers_]
        ax_x, ax_y = _resolve(x, keys), _resolve(y, keys)
        rest = [k for k in ordered if k not in (ax_x, ax_y)]
        ax_x = ax_x or (rest.pop(0) if rest else None)
        ax_y = ax_y or (rest.pop(0) if rest else None)
        if ax_x and ax_y and ax_x != ax_y:
            fx = next(f for f in factors if f["key"] == ax_x)
            fy = next(f for f in factors if f["key"] == ax_y)
            axis_x = discovery.Axis.of(fx, runs[ax_x].to_numpy(float), bins)
            axis_y = discovery.Axis.of(fy, runs[ax_y].to_numpy(float), bins)
            res.map = discovery.triple_win_map(runs, win, axis_x, axis_y)
            res.map_axes = (ax_x, ax_y)
            save_csv(res.map, "triple_win_map.csv")
            if plots:
                title = (f"Triple win against {Path(res.reference or '').stem}: share of runs "
                         f"({manifest['name']})")
                res.files.append(Path(discovery.map_figure(res.map, axis_x, axis_y,
                                                           folder / "triple_win_map.png", title)))
        else:
            res.notes.append("the triple-win map needs two varied factors")
        good = np.isfinite(win)
        wins = win[good]
        if wins.sum() == 0:
            res.notes.append("no run is a triple win: PRIM has nothing to find")
        elif wins.sum() == len(wins):
            res.notes.append("every run is a triple win: PRIM has nothing to separate")
        else:
            res.prim = discovery.find_box(runs.loc[good, keys], wins, threshold=prim_threshold)
            save_csv(res.prim.limits, "prim_box.csv")
            save_csv(res.prim.trajectory, "prim_trajectory.csv")
            if plots:
                res.files.append(Path(discovery.prim_figure(res.prim,
                                                            folder / "prim_tradeoff.png")))
    return res


def _resolve(name: str | None, keys: list[str]) -> str | None:
    if name is None:
        return None
    for k in keys:
        if name == k or name == k.split(".", 1)[1]:
            return k
    raise AnalysisRefused(f"{name} is not varied in this sweep (varied: "
                          f"{', '.join(k.split('.', 1)[1] for k in keys)})")
