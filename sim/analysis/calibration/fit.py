"""The ABC run: pattern-oriented calibration by pyabc's ABC-SMC within a run budget.

Generation 0 is rejection ABC from the prior (uniform over each fitted parameter's prior range,
:func:`prior_range`) at threshold :data:`FIRST_EPSILON`; each later generation perturbs the
accepted sets and keeps those within the :data:`ALPHA` quantile of the last population's
distances (:class:`PatternDistance`), until the budget is spent or the threshold reaches
:data:`MIN_EPSILON`. A model run (:class:`Simulator`) takes its seed from the root seed and its
parameter values (:func:`run_seed`). :func:`calibrate` writes the accepted ensemble
(:mod:`.ensemble`), ``calibration.json`` (what a resume must match), ``manifest.json`` and the
figure; pyabc's database ``abc.db`` lets ``--resume`` continue from the last complete generation.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ...results.provenance import versions
from ...scenario.params import ALL
from ...scenario.schema import Scenario
from ..patterns import (
    FITTED,
    PATTERNS,
    Fitted,
    Pattern,
    calibration_patterns,
    measure,
    missing_metrics,
    series_of,
)
from . import CalibrationError
from .ensemble import world_param, write_ensemble
from .sampler import EXECUTORS, Executor, make_sampler_class, planned

#: Threshold of generation 0 (rejection ABC): on average within two tolerances.
FIRST_EPSILON = 4.0
#: Stop once the threshold is this small (on average within half a tolerance).
MIN_EPSILON = 0.25
#: Quantile of the last population's distances that sets the next threshold.
ALPHA = 0.5

Progress = Callable[[int, int, str], None]  # (runs done, budget, what is going on)


def prior_range(f: Fitted) -> tuple[float, float]:
    """The prior of a fitted parameter: its declared prior, else the registry's plausible range
    (when it declares one), else its allowed range."""
    p = world_param(f.name)
    if p is None:
        raise CalibrationError(f"{f.name}: not an uncertainty or structural constant of the "
                               "parameter registry (see `triplewin explain`)")
    plaus = getattr(p, "plausible", None)
    low = f.low if f.low is not None else (plaus[0] if plaus else p.low)
    high = f.high if f.high is not None else (plaus[1] if plaus else p.high)
    if high is None or not (p.low <= low < high) or (p.high is not None and high > p.high):
        raise CalibrationError(f"{f.name}: prior [{low}, {high}] is not inside the allowed "
                               f"range ({p.range_text})")
    return float(low), float(high)


def run_seed(root: int, values: dict[str, float]) -> int:
    """The model seed of a run: from the root seed and the parameter values (so a parameter set
    always gives the same run)."""
    h = hashlib.sha256(json.dumps([root, sorted((k, float(v).hex()) for k, v in values.items())]
                                  ).encode()).digest()
    return int.from_bytes(h[:8], "little") >> 1


class Simulator:
    """One model run of the scenario with some parameters set, reduced to pattern values
    (a picklable callable for pyabc: it runs in worker processes).

    Inside a calibration job the sampler batches it (:func:`.sampler.planned`): the parameter
    sets of a group of jobs run together in :meth:`run_many`, and each call returns its set's
    result from them; called anywhere else, it runs its set alone. The numbers are the same
    either way."""

    def __init__(self, scenario: Scenario, patterns: tuple[Pattern, ...], root_seed: int):
        self.steps = scenario.run.steps
        self.base = scenario.model_params()
        self.patterns = patterns
        self.root = root_seed
        self.metrics = {m for p in patterns for m in p.measure.metrics()}

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        values = {k: float(v) for k, v in dict(pars).items()}
        result = planned(self, values)
        if result is None:
            (result,) = self.run_many([values], batch=1)
        if isinstance(result, BaseException):
            raise result
        return result

    def run_many(self, sets: list[dict[str, float]], *, batch: int | None = None
                 ) -> list[dict[str, float] | Exception]:
        """The pattern values of each parameter set, or the exception its run raised, the
        runs ``batch`` per pass of the batched engine (``None``: automatic); each run has the
        seed :func:`run_seed` gives its set, whatever runs beside it."""
        from ...batch import RunSpec, run_batch
        from ...experiments.runner import RunFailed

        specs = [RunSpec(seed=run_seed(self.root, v), steps=self.steps,
                         params={**self.base, **v}) for v in sets]
        out: list[dict[str, float] | Exception] = []
        for spec, outcome in zip(specs, run_batch(specs, batch=batch), strict=True):
            if outcome.history is None:
                out.append(RunFailed(f"the replication with seed {spec.seed} failed: "
                                     f"{outcome.error}"))
                continue
            try:
                series = series_of([outcome.history], self.metrics)
                out.append({p.name: float(measure(p.measure, series)[0])
                            for p in self.patterns})
            except Exception as e:  # noqa: BLE001 - this set's outcome, as its call raises it
                out.append(e)
        return out


class PatternDistance:
    """Mean over patterns of ((value - target) / tolerance)^2; infinite for a NaN value."""

    def __init__(self, patterns: tuple[Pattern, ...]):
        self.tol = {p.name: p.tolerance for p in patterns}

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        d = [((float(x[k]) - float(x0[k])) / t) ** 2 for k, t in self.tol.items()]
        return float(np.mean(d)) if all(np.isfinite(d)) else float("inf")


@dataclass
class CalibrationResult:
    out: Path
    ensemble: Path
    manifest: dict[str, Any]
    runs: int
    generations: int
    complete: bool


def check_fitted(scenario: Scenario, fitted: tuple[Fitted, ...],
                 patterns: tuple[Pattern, ...]) -> dict[str, tuple[float, float]]:
    """Priors of the fitted parameters; raises :class:`CalibrationError` when a parameter is
    unknown, scheduled in the scenario, or fitted to a pattern that is not in ``patterns``."""
    names = {p.name for p in patterns}
    world = scenario.world_values()
    priors = {}
    for f in fitted:
        priors[f.name] = prior_range(f)
        if isinstance(world.get(f.name), dict):
            raise CalibrationError(f"world.{f.name}: scheduled in scenario {scenario.name}; a "
                                   "fitted parameter must be one number (drop the schedule or "
                                   "the parameter from the fit)")
        for q in f.patterns:
            if q not in names:
                raise CalibrationError(f"{f.name} is fitted to {q!r}, which is not a "
                                       "calibration pattern")
    if not priors:
        raise CalibrationError("no parameter to fit")
    return priors


def check_executor(executor: str, scheduler: str | None) -> None:
    """Raise :class:`CalibrationError` unless the executor options make sense (the one check
    of them, :func:`sim.sweeps.executors.check_executor_options`), before anything is written."""
    from ...sweeps.executors import check_executor_options
    from ...sweeps.spec import SweepRefused

    try:
        check_executor_options(executor, allowed=EXECUTORS, scheduler=scheduler,
                               file_option=False)
    except SweepRefused as e:
        raise CalibrationError(str(e)) from None


def _calibration_metrics_check(scenario: Scenario, patterns: tuple[Pattern, ...]) -> None:
    from ...metrics import METRICS

    for p in patterns:
        miss = missing_metrics(p, METRICS)
        if miss:
            raise CalibrationError(f"calibration pattern {p.name} reads metrics the model does "
                                   f"not report: {', '.join(miss)}")


def _spec(scenario: Scenario, priors: dict[str, tuple[float, float]],
          patterns: tuple[Pattern, ...], population: int, seed: int) -> dict[str, Any]:
    """What defines a calibration (a resumed one must match it)."""
    from ...scenario.load import scenario_sha256

    return {"scenario_sha256": scenario_sha256(scenario), "seed": seed,
            "population": population, "priors": {k: list(v) for k, v in priors.items()},
            "patterns": {p.name: [p.target, p.tolerance] for p in patterns},
            "first_epsilon": FIRST_EPSILON, "alpha": ALPHA}


def calibrate(scenario: Scenario, out: str | os.PathLike[str], *, budget: int,
              population: int | None = None, seed: int | None = None,
              fitted: tuple[Fitted, ...] = FITTED, patterns: tuple[Pattern, ...] | None = None,
              executor: str = "process", workers: int = 1, scheduler: str | None = None,
              resume: bool = False, plots: bool = True, source: Path | None = None,
              progress: Progress | None = None, batch: int | None = None) -> CalibrationResult:
    """Run ABC (rejection, then SMC) within ``budget`` runs and write the accepted ensemble.

    ``out`` must not exist unless ``resume`` is set, in which case it must hold an unfinished or
    finished calibration of the same specification; ``--resume`` continues from its last
    complete generation. ``batch``: model runs per pass of the batched engine (``None``: chosen
    by free memory); the results are the same at any value (see :mod:`.sampler`).
    """
    import pyabc

    patterns = tuple(patterns if patterns is not None else calibration_patterns())
    seed = scenario.run.seed if seed is None else seed
    if budget < 2:
        raise CalibrationError(f"--budget {budget}: at least 2 runs")
    if batch is not None and (isinstance(batch, bool) or int(batch) != batch or batch < 1):
        raise CalibrationError(f"--batch {batch}: at least 1 run per pass")
    population = population or default_population(budget)
    if not 2 <= population <= budget:
        raise CalibrationError(f"--population {population}: between 2 and the budget ({budget})")
    priors = check_fitted(scenario, fitted, patterns)
    _calibration_metrics_check(scenario, patterns)
    check_executor(executor, scheduler)
    out = Path(out)
    spec = _spec(scenario, priors, patterns, population, seed)
    db = out / "abc.db"
    if resume:
        if not (out / "calibration.json").is_file():
            raise CalibrationError(f"{out}: no calibration to resume (calibration.json missing)")
        old = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
        if old != spec:
            changed = sorted(k for k in spec if old.get(k) != spec[k])
            raise CalibrationError(f"{out}: holds a different calibration (differs in "
                                   f"{', '.join(changed)}); use a new --out")
    else:
        if out.exists() or out.is_symlink():
            raise CalibrationError(f"{out} exists; results never overwrite results (use --resume "
                                   "to continue a calibration, or a new --out)")
        out.mkdir(parents=True)
        _write_json(out / "calibration.json", spec)

    logging.getLogger("ABC").setLevel(logging.WARNING)
    for name in ("Epsilon", "Distance", "Acceptor", "Population", "ABC.History",
                 "ABC.Distance", "ABC.Epsilon", "ABC.Acceptor", "ABC.Population",
                 "ABC.Sampler", "ABC.Transition", "ABC.Adaptation"):
        logging.getLogger(name).setLevel(logging.WARNING)

    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", lo, hi - lo)
                                  for k, (lo, hi) in priors.items()})
    observed = {p.name: float(p.target) for p in patterns}
    used = 0
    t0 = time.perf_counter()
    sampler_cls = make_sampler_class()
    with Executor(executor, workers, scheduler) as (client, slots):
        done = [0]

        def tick(k: int) -> None:
            done[0] += k
            if progress:
                progress(min(done[0], budget), budget, f"generation {gen[0]}")

        gen = [0]
        sampler = sampler_cls(client, slots, seed, tick, batch)
        abc = pyabc.ABCSMC(Simulator(scenario, patterns, seed), prior,
                           PatternDistance(patterns), population_size=population,
                           sampler=sampler,
                           eps=_threshold(pyabc))
        url = f"sqlite:///{db.resolve()}"
        if resume and db.is_file():
            history = abc.load(url, 1)
            used = int(history.total_nr_simulations)
        else:
            if db.exists():
                db.unlink()
            history = abc.new(url, observed)
        done[0] = used
        gen[0] = history.max_t + 1
        if progress:
            progress(used, budget, f"generation {gen[0]}")
        stopped = "budget"
        while True:
            left = budget - used
            eps_now = _last_epsilon(history)
            if eps_now is not None and eps_now <= MIN_EPSILON:
                stopped = "threshold"
                break
            if left < population:
                break
            sampler.budget_left = left
            before = history.max_t
            abc.run(max_nr_populations=1)
            used = int(history.total_nr_simulations) if history.max_t > before else budget
            done[0] = used
            if history.max_t == before:  # the generation ran out of budget before n accepted
                break
            gen[0] = history.max_t + 1
    wall = time.perf_counter() - t0
    if history.max_t < 0:
        raise CalibrationError(f"no generation completed within --budget {budget} runs: fewer "
                               f"than {population} runs came within the first threshold "
                               f"({FIRST_EPSILON}); raise --budget or lower --population "
                               f"(results so far in {out})")
    return _finish(out, scenario, history, priors, patterns, fitted, spec, budget=budget,
                   executor=executor, workers=workers, wall=wall, stopped=stopped, plots=plots,
                   source=source, batch=batch)


def _threshold(pyabc: Any) -> Any:
    """pyabc's quantile threshold (``FIRST_EPSILON`` at generation 0, then the ``ALPHA``
    quantile of the last generation's distances), which on resuming at generation t > 0 takes
    its value from the last stored generation, as an uninterrupted run would (pyabc's own would
    start again at ``FIRST_EPSILON``)."""

    class Threshold(pyabc.QuantileEpsilon):
        def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations,
                       acceptor_config):
            if t > 0 and t not in self._look_up:
                self._update(t, get_weighted_distances())

    return Threshold(initial_epsilon=FIRST_EPSILON, alpha=ALPHA)


def default_population(budget: int) -> int:
    """Particles per generation: about a tenth of the budget, between 10 and 200."""
    return int(min(200, max(10, budget // 10)))


def _last_epsilon(history: Any) -> float | None:
    if history.max_t < 0:
        return None
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    return float(pops["epsilon"].iloc[-1]) if len(pops) else None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: list[float]) -> list[float]:
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    cw /= cw[-1]
    return [float(x[order][min(np.searchsorted(cw, q), len(x) - 1)]) for q in qs]


def _finish(out: Path, scenario: Scenario, history: Any, priors: dict[str, tuple[float, float]],
            patterns: tuple[Pattern, ...], fitted: tuple[Fitted, ...], spec: dict[str, Any], *,
            budget: int, executor: str, workers: int, wall: float, stopped: str, plots: bool,
            source: Path | None, batch: int | None = None) -> CalibrationResult:
    import pandas as pd

    from ...results.provenance import git_commit
    from ...scenario.load import scenario_sha256

    t = history.max_t
    frame, w = history.get_distribution(m=0, t=t)
    frame = frame[list(priors)].reset_index(drop=True)
    ens = pd.DataFrame({k: frame[k].to_numpy(dtype=float) for k in priors})
    ens["weight"] = np.asarray(w, dtype=float)
    write_ensemble(ens, out / "ensemble.parquet")
    weights, stats = history.get_weighted_sum_stats(t=t)
    weights = np.asarray(weights, dtype=float)
    weights = weights / weights.sum()
    pattern_fit = {}
    for p in patterns:
        v = np.array([s[p.name] for s in stats], dtype=float)
        lo, hi = p.interval
        pattern_fit[p.name] = {
            "target": p.target, "tolerance": p.tolerance,
            "weighted_mean": float(np.sum(weights * v)),
            "within_tolerance": float(np.sum(weights * ((v >= lo) & (v <= hi))))}
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    generations = [{"t": int(r.t), "epsilon": float(r.epsilon), "runs": int(r.samples),
                    "acceptance_rate": float(history.get_nr_particles_per_population()[r.t]
                                             / max(int(r.samples), 1))}
                   for r in pops.itertuples()]
    params = {}
    for f in fitted:
        x = ens[f.name].to_numpy()
        wn = ens["weight"].to_numpy()
        p5, p50, p95 = _weighted_quantiles(x, wn, [0.05, 0.5, 0.95])
        lo, hi = priors[f.name]
        params[f.name] = {
            "patterns": list(f.patterns), "why": f.why, "prior": [lo, hi],
            "default": ALL[f.name].default,
            "posterior": {"mean": float(np.sum(wn * x)), "median": p50, "p5": p5, "p95": p95},
            "prior_width_kept": (p95 - p5) / (0.9 * (hi - lo))}
    held_out = [p.name for p in PATTERNS if p.role == "validation"]
    manifest = {
        "tool": "triplewin calibrate",
        "method": "ABC-SMC (pyabc): generation 0 rejection from the prior at threshold "
                  f"{FIRST_EPSILON}, then SMC with the threshold at quantile {ALPHA} of the "
                  "last population's distances",
        "distance": "mean over calibration patterns of ((value - target) / tolerance)^2",
        "scenario_name": scenario.name,
        "scenario_file": str(source) if source else None,
        "scenario_sha256": scenario_sha256(scenario),
        "seed": spec["seed"],
        "budget": budget,
        "population": spec["population"],
        "runs": int(history.total_nr_simulations),
        "generations": generations,
        "stopped_by": stopped,
        "ensemble": "ensemble.parquet",
        "ensemble_rows": len(ens),
        "effective_sample_size": float(1.0 / np.sum(ens["weight"].to_numpy() ** 2)),
        "parameters": params,
        "fitted": {f.name: list(f.patterns) for f in fitted},
        "calibration_patterns": {p.name: {"target": p.target, "tolerance": p.tolerance,
                                          "unit": p.unit, "source": p.source}
                                 for p in patterns},
        "pattern_fit": pattern_fit,
        "never_used_to_fit": held_out,
        "executor": executor,
        "workers": workers,
        "batch": int(batch) if batch is not None else "auto",
        "versions": versions("matplotlib", "pyabc", "pandas", "pyarrow"),
        "git_commit": git_commit(),
        "wall_time_s": round(wall, 2),
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": sys.argv,
    }
    if plots:
        from ...plotting.calibration import prior_posterior_figure

        figs = prior_posterior_figure(
            ens, priors, {name: ALL[name].default for name in priors}, out / "figures",
            thresholds=[(int(r.t), float(r.epsilon)) for r in pops.itertuples()])
        manifest["figures"] = [f"figures/{f.name}" for f in figs]
    _write_json(out / "manifest.json", manifest)
    return CalibrationResult(out, out / "ensemble.parquet", manifest, manifest["runs"],
                             len(generations), stopped == "threshold")
