"""Pattern-oriented calibration by approximate Bayesian computation, and the accepted ensemble.

``triplewin calibrate`` fits the parameters of :data:`~sim.analysis.patterns.FITTED` (uncertainties
and structural constants, named as in the parameter registry) to the *calibration* patterns of
:mod:`sim.analysis.patterns` on the ``historical`` scenario, and never to the held-out ones.

The inference is pyabc's ABC-SMC (Klinger, Rickert & Hasenauer 2018, *Bioinformatics* 34(20)):

1. generation 0 is rejection ABC: parameter sets drawn from the prior (uniform over each
   parameter's prior range), one run each, kept when the run's distance to the calibration
   targets is at most :data:`FIRST_EPSILON`;
2. each later generation perturbs the accepted sets (a multivariate normal kernel fitted to the
   last population), runs them, and keeps those within a threshold that falls to the median
   distance of the last population (quantile 0.5), with importance weights;
3. it stops when the next generation would not fit in ``--budget`` runs, or when the threshold
   reaches :data:`MIN_EPSILON`.

The distance of a run is the mean over calibration patterns of ``((value - target) /
tolerance)^2``: a run with every pattern inside its tolerance has a distance of at most 1.

Runs go through this module's :class:`ExecutorSampler`, a pyabc sampler on the same executors as
sweeps (``serial``, ``process``, ``dask``). It gives job j of generation t the seed
``SeedSequence([seed, t, j])`` for everything drawn in that job (the proposal and the acceptance)
and keeps results in job order up to the n-th accepted one, so the same ``--seed`` gives the same
ensemble on any executor and any number of workers, and a calibration resumed with a larger
budget gives the ensemble an uninterrupted one would have. A model run's own seed derives from the root
seed and its parameter values.

The accepted ensemble (the last complete generation) is ``ensemble.parquet``: one row per
parameter set, one float64 column per fitted parameter (its registry name) and ``weight``
(importance weights, summing to 1). :func:`read_ensemble` and :func:`write_ensemble` are the one
reader and writer; ``manifest.json`` beside it says which parameter was fitted to which pattern,
the priors, the generations and the library versions. pyabc's own database (``abc.db``) lets
``--resume`` continue from the last complete generation.
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

from ..experiments.runner import versions
from ..scenario.params import ALL, Param
from ..scenario.schema import Scenario
from .patterns import (
    FITTED,
    PATTERNS,
    Fitted,
    Pattern,
    calibration_patterns,
    measure,
    missing_metrics,
    series_of,
)

#: Threshold of generation 0 (rejection ABC): on average within two tolerances.
FIRST_EPSILON = 4.0
#: Stop once the threshold is this small (on average within half a tolerance).
MIN_EPSILON = 0.25
#: Quantile of the last population's distances that sets the next threshold.
ALPHA = 0.5
#: Marker in the Parquet schema metadata of an ensemble file.
ENSEMBLE_MARK = {b"triplewin": b"ensemble"}
EXECUTORS = ("process", "serial", "dask")

Progress = Callable[[int, int, str], None]  # (runs done, budget, what is going on)


class CalibrationError(Exception):
    """The calibration cannot run as asked (bad parameter, file, budget, ...)."""


class EnsembleError(CalibrationError):
    """An ensemble file is missing, unreadable or malformed."""


# --------------------------------------------------------------------------------------------
# the ensemble file


def _world_param(name: str) -> Param | None:
    p = ALL.get(name)
    return p if p is not None and p.kind not in ("lever", "population", "run") else None


def prior_range(f: Fitted) -> tuple[float, float]:
    """The prior of a fitted parameter: its declared prior, else the registry's plausible range
    (when it declares one), else its allowed range."""
    p = _world_param(f.name)
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


def write_ensemble(frame: Any, path: str | os.PathLike[str]) -> Path:
    """Write an ensemble (a pandas DataFrame: parameter columns and ``weight``) atomically.

    Weights are normalised to sum to 1; columns are float64, ``weight`` last."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    check_ensemble_frame(frame, str(path))
    cols = [c for c in frame.columns if c != "weight"]
    w = frame["weight"].to_numpy(dtype=float)
    arrays = [pa.array(frame[c].to_numpy(dtype=float), pa.float64()) for c in cols]
    arrays.append(pa.array(w / w.sum(), pa.float64()))
    table = pa.Table.from_arrays(arrays, names=[*cols, "weight"])
    table = table.replace_schema_metadata(ENSEMBLE_MARK)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    return path


def check_ensemble_frame(frame: Any, shown: str) -> None:
    """Raise :class:`EnsembleError` unless ``frame`` is a valid ensemble."""
    if "weight" not in frame.columns:
        raise EnsembleError(f"{shown}: no 'weight' column (an ensemble has one float column "
                            "per parameter, named as in the registry, and 'weight')")
    if len(frame) == 0:
        raise EnsembleError(f"{shown}: no rows (an ensemble has at least one parameter set)")
    for c in frame.columns:
        try:
            v = frame[c].to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise EnsembleError(f"{shown}: column {c!r}: not numbers") from None
        if not np.isfinite(v).all():
            raise EnsembleError(f"{shown}: column {c!r}: not finite everywhere")
        if c == "weight":
            if (v < 0).any() or v.sum() <= 0:
                raise EnsembleError(f"{shown}: column 'weight': weights must be >= 0 with a "
                                    "positive sum")
            continue
        p = _world_param(c)
        if p is None:
            raise EnsembleError(f"{shown}: column {c!r}: not an uncertainty or structural "
                                "constant of the parameter registry (allowed: their names "
                                "under world:, and 'weight')")
        if (v < p.low).any() or (p.high is not None and (v > p.high).any()):
            raise EnsembleError(f"{shown}: column {c!r}: values outside {p.range_text}")


def read_ensemble(path: str | os.PathLike[str]) -> tuple[Any, dict[str, Any]]:
    """An ensemble file as (DataFrame with the parameter columns and ``weight``, manifest).

    The manifest is ``manifest.json`` beside the file when there is one, else ``{}``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise EnsembleError(f"{path}: no such file (an ensemble is a Parquet file written by "
                            "`triplewin calibrate`)")
    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowException) as e:
        raise EnsembleError(f"{path}: not a readable Parquet file ({' '.join(str(e).split())})"
                            ) from None
    check_ensemble_frame(frame, str(path))
    frame["weight"] = frame["weight"] / frame["weight"].sum()
    man_path = path.with_name("manifest.json")
    manifest = {}
    if man_path.is_file():
        try:
            manifest = json.loads(man_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
    return frame, manifest


def draw_worlds(frame: Any, n: int, seed: int) -> list[dict[str, float]]:
    """``n`` parameter sets from an ensemble by its weights (systematic resampling: every row
    of weight w appears about ``n w`` times; the same ``seed`` gives the same draw)."""
    w = frame["weight"].to_numpy(dtype=float)
    w = w / w.sum()
    u = (np.random.default_rng(np.random.SeedSequence([seed, 0xE45])).random() + np.arange(n)) / n
    idx = np.minimum(np.searchsorted(np.cumsum(w), u), len(w) - 1)
    cols = [c for c in frame.columns if c != "weight"]
    return [{c: float(frame[c].iloc[i]) for c in cols} for i in idx]


def with_world(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """A copy of ``scenario`` with some ``world:`` values set (validated again)."""
    if not values:
        return scenario
    data = scenario.model_dump()
    for k, v in values.items():
        if k not in data["world"]:
            raise EnsembleError(f"{k}: not a world parameter of the scenario")
        data["world"][k] = v
    return Scenario.model_validate(data)


# --------------------------------------------------------------------------------------------
# the model as pyabc sees it


def run_seed(root: int, values: dict[str, float]) -> int:
    """The model seed of a run: from the root seed and the parameter values (so a parameter set
    always gives the same run)."""
    h = hashlib.sha256(json.dumps([root, sorted((k, float(v).hex()) for k, v in values.items())]
                                  ).encode()).digest()
    return int.from_bytes(h[:8], "little") >> 1


class Simulator:
    """One model run of the scenario with some parameters set, reduced to pattern values
    (a picklable callable for pyabc: it runs in worker processes)."""

    def __init__(self, scenario: Scenario, patterns: tuple[Pattern, ...], root_seed: int):
        self.steps = scenario.run.steps
        self.base = scenario.model_params()
        self.patterns = patterns
        self.root = root_seed
        self.metrics = {m for p in patterns for m in p.measure.metrics()}

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        from ..experiments.runner import replicate

        values = {k: float(v) for k, v in dict(pars).items()}
        hist = replicate(self.steps, {**self.base, **values}, run_seed(self.root, values))
        series = series_of([hist], self.metrics)
        return {p.name: float(measure(p.measure, series)[0]) for p in self.patterns}


class PatternDistance:
    """Mean over patterns of ((value - target) / tolerance)^2; infinite for a NaN value."""

    def __init__(self, patterns: tuple[Pattern, ...]):
        self.tol = {p.name: p.tolerance for p in patterns}

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        d = [((float(x[k]) - float(x0[k])) / t) ** 2 for k, t in self.tol.items()]
        return float(np.mean(d)) if all(np.isfinite(d)) else float("inf")


# --------------------------------------------------------------------------------------------
# the sampler: pyabc's extension point, on the sweep executors


def _job(payload: bytes, seed: int, batch: int) -> list[Any]:
    """Run ``batch`` simulations of pyabc's simulate-one function with a fixed seed (a worker
    function: module level, so it pickles)."""
    import random

    import cloudpickle

    simulate_one = _unpickled(payload, cloudpickle)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    return [simulate_one() for _ in range(batch)]


_CACHE: dict[bytes, Any] = {}


def _unpickled(payload: bytes, cloudpickle: Any) -> Any:
    key = hashlib.sha1(payload).digest()
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = cloudpickle.loads(payload)
    return _CACHE[key]


class _Serial:
    """An executor-like object that runs a job when submitted (for ``--executor serial``)."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        from concurrent.futures import Future

        f: Future = Future()
        try:
            f.set_result(fn(*args))
        except Exception as e:  # noqa: BLE001 - handed to the caller through the future
            f.set_exception(e)
        return f


def _make_sampler_base():
    from pyabc.sampler import Sampler

    class ExecutorSampler(Sampler):
        """A pyabc sampler that submits jobs to a ``concurrent.futures`` executor or a Dask
        client, stops at a budget, reports progress, and is deterministic (see the module
        docstring)."""

        def __init__(self, client: Any, slots: int, root_seed: int,
                     progress: Callable[[int], None] | None = None):
            super().__init__()
            self.client, self.slots, self.root = client, max(1, slots), root_seed
            self.progress = progress
            self.budget_left: float = np.inf
            self.runs_done = 0

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                    all_accepted=False, ana_vars=None):
            import cloudpickle

            payload = cloudpickle.dumps(simulate_one)
            limit = min(max_eval, self.budget_left)
            results: dict[int, Any] = {}
            running: dict[Any, int] = {}
            next_id, accepted_ids = 0, []
            try:
                while True:
                    while (len(running) < self.slots and len(accepted_ids) < n
                           and next_id < limit):
                        seed = int(np.random.SeedSequence(
                            [self.root, t + 1, next_id]).generate_state(1)[0])
                        running[self.client.submit(_job, payload, seed, 1)] = next_id
                        next_id += 1
                    if not running:
                        break
                    done = _wait_any(list(running))
                    for fut in done:
                        j = running.pop(fut)
                        particle = fut.result()[0]
                        results[j] = particle
                        self.runs_done += 1
                        if self.progress:
                            self.progress(1)
                        if particle.accepted:
                            accepted_ids.append(j)
                    if len(accepted_ids) >= n:
                        last = sorted(accepted_ids)[n - 1]
                        for fut, j in list(running.items()):
                            if j > last and fut.cancel():
                                running.pop(fut)
                        if all(j > last for j in running.values()):
                            break
            finally:
                for fut in running:
                    fut.cancel()
            sample = self._create_empty_sample()
            accepted = sorted(accepted_ids)
            last = accepted[n - 1] if len(accepted) >= n else max(results, default=-1)
            for j in sorted(results):
                if j > last:
                    break
                sample.append(results[j])
            self.nr_evaluations_ = len(results) + len(running)
            if sample.n_accepted < n:
                sample.ok = False
            return sample

    return ExecutorSampler


def _wait_any(futures: list[Any]) -> list[Any]:
    """Futures that have finished (waits for at least one), concurrent.futures or Dask."""
    if futures and type(futures[0]).__module__.startswith("distributed"):
        from distributed import wait as dwait

        return list(dwait(futures, return_when="FIRST_COMPLETED").done)
    from concurrent.futures import FIRST_COMPLETED, wait

    return list(wait(futures, return_when=FIRST_COMPLETED).done)


class _Executor:
    """The executor of a calibration: a context manager giving (client, slots)."""

    def __init__(self, kind: str, workers: int, scheduler: str | None):
        if kind not in EXECUTORS:
            raise CalibrationError(f"unknown executor {kind!r} (allowed: {', '.join(EXECUTORS)})")
        self.kind, self.workers, self.scheduler = kind, max(1, workers), scheduler
        self._close: list[Callable[[], None]] = []

    def __enter__(self) -> tuple[Any, int]:
        if self.kind == "serial" or (self.kind == "process" and self.workers == 1):
            return _Serial(), 1
        if self.kind == "process":

            from ..experiments import workers as workers_m

            try:
                pool = workers_m.pool(self.workers)
            except workers_m.UNAVAILABLE as e:
                workers_m.fall_back(e, "the calibration runs")
                return _Serial(), 1
            self._close.append(lambda: pool.shutdown(wait=False, cancel_futures=True))
            return pool, self.workers
        import logging as _logging

        from dask.distributed import Client, LocalCluster

        # jobs cancelled at the end of a generation may still run when the cluster closes
        _logging.getLogger("distributed.nanny").setLevel(_logging.ERROR)

        if self.scheduler:
            client = Client(self.scheduler, timeout="30s")
        else:
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None,
                                   silence_logs=_logging.WARNING)
            client = Client(cluster)
            self._close.append(cluster.close)
        self._close.insert(0, client.close)
        slots = sum(client.nthreads().values()) or self.workers
        return client, slots

    def __exit__(self, *exc: Any) -> None:
        for f in self._close:
            try:
                f()
            except Exception:  # noqa: BLE001 - closing down; nothing more to do
                pass


# --------------------------------------------------------------------------------------------
# the calibration


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


def _calibration_metrics_check(scenario: Scenario, patterns: tuple[Pattern, ...]) -> None:
    from ..metrics import METRICS

    for p in patterns:
        miss = missing_metrics(p, METRICS)
        if miss:
            raise CalibrationError(f"calibration pattern {p.name} reads metrics the model does "
                                   f"not report: {', '.join(miss)}")


def _spec(scenario: Scenario, priors: dict[str, tuple[float, float]],
          patterns: tuple[Pattern, ...], population: int, seed: int) -> dict[str, Any]:
    """What defines a calibration (a resumed one must match it)."""
    from ..scenario.load import scenario_sha256

    return {"scenario_sha256": scenario_sha256(scenario), "seed": seed,
            "population": population, "priors": {k: list(v) for k, v in priors.items()},
            "patterns": {p.name: [p.target, p.tolerance] for p in patterns},
            "first_epsilon": FIRST_EPSILON, "alpha": ALPHA}


def calibrate(scenario: Scenario, out: str | os.PathLike[str], *, budget: int,
              population: int | None = None, seed: int | None = None,
              fitted: tuple[Fitted, ...] = FITTED, patterns: tuple[Pattern, ...] | None = None,
              executor: str = "process", workers: int = 1, scheduler: str | None = None,
              resume: bool = False, plots: bool = True, source: Path | None = None,
              progress: Progress | None = None) -> CalibrationResult:
    """Run ABC (rejection, then SMC) within ``budget`` runs and write the accepted ensemble.

    ``out`` must not exist unless ``resume`` is set, in which case it must hold an unfinished or
    finished calibration of the same specification; ``--resume`` continues from its last
    complete generation.
    """
    import pyabc

    patterns = tuple(patterns if patterns is not None else calibration_patterns())
    seed = scenario.run.seed if seed is None else seed
    if budget < 2:
        raise CalibrationError(f"--budget {budget}: at least 2 runs")
    population = population or default_population(budget)
    if not 2 <= population <= budget:
        raise CalibrationError(f"--population {population}: between 2 and the budget ({budget})")
    priors = check_fitted(scenario, fitted, patterns)
    _calibration_metrics_check(scenario, patterns)
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
    sampler_cls = _make_sampler_base()
    with _Executor(executor, workers, scheduler) as (client, slots):
        done = [0]

        def tick(k: int) -> None:
            done[0] += k
            if progress:
                progress(min(done[0], budget), budget, f"generation {gen[0]}")

        gen = [0]
        sampler = sampler_cls(client, slots, seed, tick)
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
                   source=source)


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
            source: Path | None) -> CalibrationResult:
    import pandas as pd

    from ..experiments.runner import git_commit
    from ..scenario.load import scenario_sha256

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
        "versions": versions("matplotlib", "pyabc", "pandas", "pyarrow"),
        "git_commit": git_commit(),
        "wall_time_s": round(wall, 2),
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": sys.argv,
    }
    if plots:
        figs = prior_posterior_figure(ens, priors, out / "figures", history=history)
        manifest["figures"] = [f"figures/{f.name}" for f in figs]
    _write_json(out / "manifest.json", manifest)
    return CalibrationResult(out, out / "ensemble.parquet", manifest, manifest["runs"],
                             len(generations), stopped == "threshold")


def prior_posterior_figure(ens: Any, priors: dict[str, tuple[float, float]], out: Path, *,
                           history: Any = None, dpi: int = 150) -> list[Path]:
    """One panel per fitted parameter: the uniform prior and the weighted posterior, with the
    registry default marked; and the threshold per generation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plotting import style

    style.apply()
    out.mkdir(parents=True, exist_ok=True)
    names = list(priors)
    n = len(names) + (1 if history is not None else 0)
    cols = 3
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.4 * rows), squeeze=False)
    w = ens["weight"].to_numpy()
    for ax, name in zip(axes.ravel(), names, strict=False):
        lo, hi = priors[name]
        bins = np.linspace(lo, hi, 16)
        ax.hist(ens[name].to_numpy(), bins=bins, weights=w, density=True,
                color=style.GROUP_COLOURS["china"], alpha=0.75, label="posterior")
        ax.hlines(1.0 / (hi - lo), lo, hi, colors="black", linestyles="--", label="prior")
        d = ALL[name].default
        if lo <= d <= hi:
            ax.axvline(d, color="grey", lw=1.2, label="default")
        ax.set_title(name, fontsize=11)
        ax.set_xlim(lo, hi)
    if history is not None:
        ax = axes.ravel()[len(names)]
        pops = history.get_all_populations()
        pops = pops[pops["t"] >= 0]
        ax.plot(pops["t"], pops["epsilon"], marker="o", color="black")
        ax.axhline(1.0, color="grey", lw=1, ls=":", label="every pattern at its tolerance")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
        ax.set_xlabel("generation")
        ax.set_title("threshold (distance)", fontsize=11)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=8, loc="upper right")
    fig.suptitle("Calibration: prior (dashed) and accepted ensemble (bars)", fontsize=13)
    fig.tight_layout()
    p = out / "prior_posterior.png"
    fig.savefig(p, dpi=dpi)
    plt.close(fig)
    return [p]


def remove_database(out: Path) -> None:
    """Delete pyabc's database from a finished calibration folder (the ensemble and manifest
    stay; the calibration can then no longer be resumed)."""
    for f in (out / "abc.db",):
        if f.exists():
            f.unlink()


__all__ = ["CalibrationError", "CalibrationResult", "EnsembleError", "calibrate",
           "draw_worlds", "read_ensemble", "run_seed", "with_world", "write_ensemble"]
