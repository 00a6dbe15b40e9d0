"""Verdicts across worlds: is a triple win robust, and where does it break?

A comparison at the scenario's own setting of the uncertainties is one point in a space nobody
knows. In the terms of exploratory modelling (XLRM: levers, uncertainties, relations, measures),
``triplewin compare A.yaml B.yaml --worlds N`` asks the question in N *worlds*:

* a **world** is one draw of every declared uncertainty and structural constant (every parameter
  of :data:`sim.scenario.params.ALL` that is neither a lever, a population size nor a run
  setting), by Latin hypercube sampling (SALib) over its plausible range
  (:attr:`~sim.scenario.params.Param.world_range`), or one parameter set drawn, by weight, from a
  calibrated ensemble (a Parquet file: one column per parameter, named as in the registry, plus
  ``weight``);
* in each world, reference A and policy B run with the same replication seeds (common random
  numbers); the paired differences of the three gains, with 95% confidence intervals, give that
  world's four verdicts exactly as :func:`sim.experiments.compare.verdict` does;
* the **robust verdict** is, for each group and for the triple win, the share of worlds where it
  holds (the mean of the per-world verdicts) with a Wilson 95% interval, each group's worst world,
  and **failure boxes**: PRIM (EMA Workbench) over the varied parameters for the worlds without a
  win, with coverage, density and quasi-p significance, restrictions that are not significant
  (quasi-p > 0.05) dropped.

A parameter that A and B set differently is part of what is compared, and a parameter set by a
schedule in the scenario has a time path of its own: both are held at the scenarios' values, not
varied, and listed as held. Worlds and replication seeds follow from the root seed alone, so the
same command gives the same worlds and the same numbers on any executor.

Runs are chunk tasks of the sweep executors (:func:`sim.sweeps.executors.execute`: ``serial``,
``process`` or ``dask``), one chunk per world and scenario, each written to Parquet as it
finishes; an interrupted experiment resumes from the chunks on disk.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..scenario.load import resolved_dict
from ..scenario.params import ALL, Param
from ..scenario.schema import Scenario
from ..streams import replication_seeds
from .stats import mean_ci

if TYPE_CHECKING:
    import pandas as pd

    from .compare import Comparison

GROUPS = ("developed", "developing", "china")
VERDICTS = (*GROUPS, "triple_win")
GAIN_OF = {"developed": "gain_developed", "developing": "gain_developing",
           "china": "gain_china"}
#: Kinds of declared parameter that are not part of a world.
NOT_WORLD = ("lever", "population", "run")
#: Quasi-p value above which a PRIM restriction is dropped as not significant.
QP_LIMIT = 0.05
#: Two-sided 95% normal quantile (Wilson intervals).
Z95 = 1.959963984540054
#: Most failure boxes reported per outcome (PRIM's covering: each box on the worlds left over).
MAX_BOXES = 2

Progress = Callable[[int, int, int], None]  # (runs done, runs in all, runs failed)


class WorldsError(ValueError):
    """A worlds experiment cannot be set up as asked (the message says why, and what is
    allowed)."""


def world_parameters() -> dict[str, Param]:
    """Every declared parameter that makes up a world: uncertainties and structural constants
    (read from the registry, so a newly declared one is picked up without code changes)."""
    return {name: p for name, p in ALL.items() if p.kind not in NOT_WORLD}


@dataclass(frozen=True)
class Dimension:
    """One varied parameter of the worlds and the range it is drawn from."""

    name: str
    low: float
    high: float
    integer: bool = False

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        v = self.low + np.clip(np.asarray(u, float), 0.0, 1.0) * (self.high - self.low)
        return np.round(v) if self.integer else v


@dataclass
class WorldsPlan:
    """A validated worlds experiment: A, B, the varied dimensions, the drawn worlds, seeds."""

    a: Scenario
    b: Scenario
    dims: list[Dimension]
    values: np.ndarray  # worlds x dims
    held: dict[str, str]  # parameter -> why it is not varied
    seed: int
    replications: int
    seeds: list[int]
    steps: int
    source: str  # "lhs" or "ensemble"
    ensemble: str | None = None

    @property
    def n_worlds(self) -> int:
        return int(self.values.shape[0])

    @property
    def own(self) -> int:
        """Index of the scenarios' own world (run after the drawn ones)."""
        return self.n_worlds

    @property
    def n_runs(self) -> int:
        """Runs in all: (drawn worlds + the own world) x 2 scenarios x replications."""
        return (self.n_worlds + 1) * 2 * self.replications

    def run_id(self, world: int, side: int, rep: int) -> int:
        return (world * 2 + side) * self.replications + rep

    def world_dict(self, w: int) -> dict[str, float]:
        return {d.name: float(self.values[w, j]) for j, d in enumerate(self.dims)}

    def as_json(self) -> dict[str, Any]:
        return {"worlds": self.n_worlds, "source": self.source, "ensemble": self.ensemble,
                "seed": self.seed, "replications": self.replications, "seeds": self.seeds,
                "steps": self.steps,
                "varied": [{"name": d.name, "low": d.low, "high": d.high, "integer": d.integer}
                           for d in self.dims],
                "held": self.held}

    def sha256(self) -> str:
        """Identity of the experiment (scenarios, worlds, seeds): a resume must match it."""
        data = {"a": resolved_dict(self.a), "b": resolved_dict(self.b), **self.as_json(),
                "values": np.round(self.values, 12).tolist()}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# planning


def plan_worlds(a: Scenario, b: Scenario, worlds: int, *, seed: int | None = None,
                replications: int | None = None, uncertain: list[str] | None = None,
                ensemble: str | os.PathLike[str] | None = None) -> WorldsPlan:
    """Check the request and draw the worlds. Raises :class:`WorldsError` on bad input.

    Args:
        a, b: reference and policy (the same number of steps).
        worlds: number of worlds N (at least 2).
        seed: root seed of the worlds and the replications (default: A's ``run.seed``).
        replications: paired replications per world (default: the larger of A's and B's;
            at least 2, for a confidence interval).
        uncertain: restrict the varied parameters to these names (default: all of them);
            ``NAME=LOW:HIGH`` also narrows NAME's range.
        ensemble: draw the worlds from this calibrated ensemble instead of by LHS.
    """
    if isinstance(worlds, bool) or not isinstance(worlds, (int, np.integer)) or worlds < 2:
        raise WorldsError(f"--worlds must be a whole number of at least 2, got {worlds} (one "
                          "world is the plain comparison: leave --worlds out for it)")
    if a.run.steps != b.run.steps:
        raise WorldsError(f"A runs {a.run.steps} steps and B {b.run.steps}; paired comparison "
                          "needs the same length (use --steps)")
    reps = int(replications or max(a.run.replications, b.run.replications))
    if reps < 2:
        raise WorldsError(f"a world's verdict needs at least 2 paired replications for its "
                          f"confidence interval, got {reps} (use --replications 2 or more)")
    root = int(a.run.seed if seed is None else seed)
    params = world_parameters()
    pa, pb = a.model_params(), b.model_params()
    held: dict[str, str] = {}
    free: dict[str, Param] = {}
    for name, p in params.items():
        if name not in pa:
            continue
        if pa[name] != pb.get(name):
            held[name] = (f"A and B set it differently ({_show(pa[name])} and "
                          f"{_show(pb.get(name))}): part of what is compared")
        elif isinstance(pa[name], dict):
            held[name] = "a schedule in the scenarios: its time path is kept"
        else:
            free[name] = p

    narrowed: dict[str, tuple[float, float]] = {}
    if uncertain:
        chosen: list[str] = []
        for item in uncertain:
            name, rng = _parse_uncertain(item, params)
            if name in held:
                raise WorldsError(f"--uncertain {name}: cannot be varied here ({held[name]})")
            if name not in free:
                raise WorldsError(f"--uncertain {name}: not a parameter of these scenarios")
            if rng is not None:
                narrowed[name] = rng
            chosen.append(name)
        for name in list(free):
            if name not in chosen:
                held[name] = "not named by --uncertain"
                del free[name]

    if ensemble is not None:
        dims, values = _draw_ensemble(ensemble, free, held, worlds, root)
        source = "ensemble"
    else:
        dims = [Dimension(n, *(narrowed.get(n) or p.world_range), integer=p.integer)
                for n, p in free.items()]
        dims = [d for d in dims if d.high > d.low]
        if not dims:
            raise WorldsError("nothing to vary: every world parameter is held (see --uncertain)")
        values = draw_lhs(dims, worlds, root)
        source = "lhs"
    return WorldsPlan(a=a, b=b, dims=dims, values=values, held=held, seed=root,
                      replications=reps, seeds=replication_seeds(root, reps), steps=a.run.steps,
                      source=source, ensemble=None if ensemble is None else str(ensemble))


def _show(v: Any) -> str:
    return f"{v:g}" if isinstance(v, (int, float)) else json.dumps(v, default=str)


def _parse_uncertain(item: str, params: dict[str, Param]) -> tuple[str, tuple[float, float] | None]:
    name, _, rng = item.partition("=")
    name = name.strip()
    if name not in params:
        if name in ALL:
            kind = {"lever": "a lever (policy sets it; compare scenarios that differ in it)",
                    "population": "a population size", "run": "a run setting"}[ALL[name].kind]
            raise WorldsError(f"--uncertain {name}: {kind}, not an uncertainty")
        import difflib

        close = difflib.get_close_matches(name, list(params), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise WorldsError(f"--uncertain {name}: unknown uncertainty{hint} (allowed: "
                          f"{', '.join(params)})")
    if not rng:
        return name, None
    p = params[name]
    try:
        lo_s, hi_s = rng.split(":")
        lo, hi = float(lo_s), float(hi_s)
    except ValueError:
        raise WorldsError(f"--uncertain {item}: write NAME or NAME=LOW:HIGH, e.g. "
                          f"{name}=0.2:0.8") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise WorldsError(f"--uncertain {item}: LOW must be below HIGH")
    if lo < p.low or (p.high is not None and hi > p.high):
        raise WorldsError(f"--uncertain {item}: out of range ({p.range_text})")
    return name, (lo, hi)


def draw_lhs(dims: list[Dimension], n: int, seed: int) -> np.ndarray:
    """N worlds by Latin hypercube (SALib) over the dimensions; the same seed gives the same
    worlds."""
    import warnings

    from SALib.sample import latin

    problem = {"num_vars": len(dims), "names": [d.name for d in dims],
               "bounds": [[0.0, 1.0]] * len(dims)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unit = np.asarray(latin.sample(problem, n, seed=seed), float).reshape(n, len(dims))
    return np.column_stack([d.from_unit(unit[:, j]) for j, d in enumerate(dims)])


def read_ensemble_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The parameter sets of a calibrated ensemble (a Parquet file) as a DataFrame."""
    try:
        from ..analysis.calibration import read_ensemble  # type: ignore[attr-defined]
    except ImportError:
        read_ensemble = None
    p = Path(path)
    if not p.is_file():
        raise WorldsError(f"{path}: {'is a directory' if p.is_dir() else 'file not found'} "
                          "(expected a Parquet file of parameter sets with a weight column)")
    try:
        if read_ensemble is not None:
            got = read_ensemble(p)
            return got[0] if isinstance(got, tuple) else got
        import pandas as pd

        return pd.read_parquet(p)
    except WorldsError:
        raise
    except Exception as e:  # noqa: BLE001 - a bad file is bad input, said in one line
        raise WorldsError(f"{path}: not a readable Parquet ensemble ({type(e).__name__}: "
                          f"{' '.join(str(e).split())[:200]})") from None


def _draw_ensemble(path: str | os.PathLike[str], free: dict[str, Param], held: dict[str, str],
                   n: int, seed: int) -> tuple[list[Dimension], np.ndarray]:
    df = read_ensemble_table(path)
    params = world_parameters()
    if "weight" not in df.columns:
        raise WorldsError(f"{path}: weight: column missing (an ensemble has one column per "
                          "parameter, named as in the registry, plus weight)")
    unknown = [c for c in df.columns if c != "weight" and c not in params]
    if unknown:
        raise WorldsError(f"{path}: {unknown[0]}: not an uncertainty or structural constant "
                          f"(allowed: {', '.join(params)}, weight)")
    w = df["weight"].to_numpy(dtype=float)
    if len(w) == 0 or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise WorldsError(f"{path}: weight: must be finite, >= 0 and not all zero, over at "
                          "least one row")
    cols = [c for c in df.columns if c != "weight" and c in free]
    for c in df.columns:
        if c != "weight" and c not in free and c not in held:
            held[c] = "not named by --uncertain"
    if not cols:
        raise WorldsError(f"{path}: none of its parameters can be varied here (held: "
                          f"{', '.join(sorted(held))})")
    dims = []
    for c in cols:
        v = df[c].to_numpy(dtype=float)
        p = params[c]
        if not np.isfinite(v).all() or v.min() < p.low or (p.high is not None and v.max() > p.high):
            raise WorldsError(f"{path}: {c}: values out of range or missing ({p.range_text})")
        dims.append(Dimension(c, float(v.min()), float(v.max()), p.integer))
    try:  # the calibration's own draw: systematic resampling by weight
        from ..analysis.calibration import draw_worlds
    except ImportError:
        draw_worlds = None
    if draw_worlds is not None:
        drawn = draw_worlds(df[[*cols, "weight"]], n, seed)
        return dims, np.array([[d[c] for c in cols] for d in drawn], dtype=float)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x776F726C]))  # stream "worl"
    rows = rng.choice(len(df), size=n, replace=True, p=w / w.sum())
    return dims, df[cols].to_numpy(dtype=float)[rows]


# --------------------------------------------------------------------------------------------
# running


@dataclass
class WorldsRun:
    """What a session of :func:`run_worlds` did."""

    work: Path
    runs: int
    done: int
    failed: int
    ran: int
    seconds: float
    failures: list[tuple[int, str]] = field(default_factory=list)


def work_dir(out: Path) -> Path:
    """The folder an experiment fills while it runs (renamed to ``out`` when complete)."""
    return out.parent / f".{out.name}.partial"


def run_worlds(plan: WorldsPlan, work: str | os.PathLike[str], *, executor: str = "serial",
               workers: int = 1, scheduler: str | None = None,
               scheduler_file: str | None = None, progress: Progress | None = None,
               on_start: Callable[[int, int], None] | None = None) -> WorldsRun:
    """Run every world's paired replications into ``work`` (``runs/`` Parquet chunks), skipping
    chunks already there from an earlier session of the same experiment."""
    import time

    from ..sweeps.executors import ChunkTask, execute

    work = Path(work)
    sha = plan.sha256()
    plan_file = work / "plan.json"
    if work.exists():
        try:
            old = json.loads(plan_file.read_text())
        except (OSError, ValueError):
            old = {}
        if old.get("sha256") != sha:
            raise WorldsError(f"{work} holds runs of another experiment (other scenarios, "
                              "worlds or seeds); remove it or choose another --out")
    else:
        work.mkdir(parents=True)
        (work / "runs").mkdir()
        (work / "own").mkdir()
        _write_text(plan_file, json.dumps({"sha256": sha, **plan.as_json()}, indent=2))
    done_chunks, failed, failures = _scan(work)
    n_done = len(done_chunks) * plan.replications
    if on_start:
        on_start(n_done, plan.n_runs)
    if progress:
        progress(n_done, plan.n_runs, failed)
    params = (plan.a.model_params(), plan.b.model_params())
    keys = tuple(d.name for d in plan.dims)
    integer = tuple(d.integer for d in plan.dims)

    def tasks() -> Iterator[ChunkTask]:
        order = [plan.own, *range(plan.n_worlds)]  # the own world first
        for w in order:
            own = w == plan.own
            values = () if own else tuple(float(x) for x in plan.values[w])
            for side in (0, 1):
                chunk = w * 2 + side
                if chunk in done_chunks:
                    continue
                runs = tuple((plan.run_id(w, side, r), plan.seeds[r], values)
                             for r in range(plan.replications))
                yield ChunkTask(chunk=chunk, steps=plan.steps, base=params[side],
                                keys=() if own else keys, integer=() if own else integer,
                                runs=runs, keep_timeseries=own)

    state = {"done": n_done, "failed": failed, "ran": 0}

    def on_result(res: Any) -> None:
        w, side = divmod(res.chunk, 2)
        if res.series is not None:
            _write_series(work / "own" / f"side-{side}.parquet", res)
        _write_runs(work / "runs" / f"part-{res.chunk:05d}.parquet", plan, w, side, res)
        bad = sum(bool(e) for e in res.errors)
        for rid, err in zip(res.run_ids, res.errors, strict=True):
            if err and len(failures) < 5:
                failures.append((rid, err))
        state["done"] += len(res.run_ids)
        state["failed"] += bad
        state["ran"] += len(res.run_ids)
        if progress:
            progress(state["done"], plan.n_runs, state["failed"])

    t0 = time.perf_counter()
    execute(tasks(), on_result, executor=executor, workers=workers, scheduler=scheduler,
            scheduler_file=scheduler_file)
    return WorldsRun(work=work, runs=plan.n_runs, done=int(state["done"]),
                     failed=int(state["failed"]), ran=int(state["ran"]),
                     seconds=time.perf_counter() - t0, failures=sorted(failures)[:5])


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text + "\n")
    os.replace(tmp, path)


def _write_table(table: Any, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _write_runs(path: Path, plan: WorldsPlan, world: int, side: int, res: Any) -> None:
    import pyarrow as pa

    from ..metrics import METRICS

    n = len(res.run_ids)
    reps = np.asarray(res.run_ids, dtype=np.int64) % plan.replications
    cols: dict[str, Any] = {
        "run_id": np.asarray(res.run_ids, dtype=np.int64),
        "world": np.full(n, world, dtype=np.int64),
        "side": np.full(n, side, dtype=np.int64),
        "replication": reps,
        "seed": np.asarray(plan.seeds, dtype=np.int64)[reps],
    }
    for j, name in enumerate(METRICS):
        cols[name] = np.asarray(res.finals[:, j], dtype=float)
    cols["error"] = list(res.errors)
    _write_table(pa.table(cols), path)


def _write_series(path: Path, res: Any) -> None:
    import pyarrow as pa

    from ..metrics import METRICS

    rows, reps, steps = [], [], []
    for r, s in enumerate(res.series or []):
        if s is None:
            continue
        rows.append(s)
        reps.append(np.full(len(s), r, dtype=np.int64))
        steps.append(np.arange(len(s), dtype=np.int64))
    data = np.vstack(rows) if rows else np.zeros((0, len(METRICS)))
    cols: dict[str, Any] = {"replication": np.concatenate(reps) if reps else np.zeros(0, np.int64),
                            "step": np.concatenate(steps) if steps else np.zeros(0, np.int64)}
    for j, name in enumerate(METRICS):
        cols[name] = data[:, j]
    _write_table(pa.table(cols), path)


def _scan(work: Path) -> tuple[set[int], int, list[tuple[int, str]]]:
    """Chunks on disk, failed runs among them, the first failures (stale temporaries removed)."""
    import pyarrow.parquet as pq

    for stale in list((work / "runs").glob(".part-*")) + list((work / "own").glob(".side-*")):
        stale.unlink(missing_ok=True)
    done, failed, failures = set(), 0, []
    for f in sorted((work / "runs").glob("part-*.parquet")):
        t = pq.read_table(f, columns=["run_id", "error"])
        done.add(int(f.stem.split("-")[1]))
        for rid, err in zip(t.column("run_id").to_pylist(), t.column("error").to_pylist(),
                            strict=True):
            if err:
                failed += 1
                if len(failures) < 5:
                    failures.append((rid, err))
    return done, failed, failures


def read_world_runs(work: str | os.PathLike[str]) -> pd.DataFrame:
    """Every run of a worlds experiment: one row per run (world, side, replication, metrics)."""
    import pandas as pd

    df = pd.read_parquet(Path(work) / "runs")
    return df.sort_values("run_id", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# verdicts


def world_table(plan: WorldsPlan, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per drawn world: its parameter values, the paired differences B - A of the three
    gains with 95% CIs, the number of pairs, and the four verdicts (``developed``,
    ``developing``, ``china``, ``triple_win``; missing where fewer than 2 pairs succeeded)."""
    import pandas as pd

    rows = []
    ok = runs["error"].fillna("").eq("") if "error" in runs else pd.Series(True, index=runs.index)
    gains = list(GAIN_OF.values())
    for w in range(plan.n_worlds):
        row: dict[str, Any] = {"world": w, **plan.world_dict(w)}
        sel = runs[(runs["world"] == w) & ok]
        a = sel[sel["side"] == 0].set_index("replication")[gains]
        b = sel[sel["side"] == 1].set_index("replication")[gains]
        both = a.index.intersection(b.index)
        row["pairs"] = len(both)
        verdict: dict[str, Any] = {}
        for group, g in GAIN_OF.items():
            d = (b.loc[both, g] - a.loc[both, g]).to_numpy(dtype=float)
            s = mean_ci(d) if len(d) else {"mean": math.nan, "ci_low": math.nan,
                                           "ci_high": math.nan}
            row[f"delta_{group}"] = s["mean"]
            row[f"ci_low_{group}"] = s["ci_low"]
            row[f"ci_high_{group}"] = s["ci_high"]
            verdict[group] = bool(s["ci_low"] > 0) if len(d) >= 2 else None
        verdict["triple_win"] = (None if any(v is None for v in verdict.values())
                                 else all(verdict.values()))
        row.update(verdict)
        rows.append(row)
    df = pd.DataFrame(rows)
    for v in VERDICTS:
        df[v] = df[v].astype("boolean")
    return df


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion k / n."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (0.0 if k == 0 else max(0.0, centre - half), 1.0 if k == n else min(1.0, centre + half))


@dataclass
class Robustness:
    """The robust verdict: shares of worlds, intervals, failure boxes, worst worlds."""

    plan: WorldsPlan
    table: pd.DataFrame  # world_table
    share: dict[str, float]
    ci: dict[str, tuple[float, float]]
    counted: int  # worlds with a verdict
    failure_boxes: list[dict[str, Any]]
    worst: dict[str, dict[str, Any]]
    own: dict[str, Any] | None = None  # the scenarios' own world: verdict and differences
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """``robustness.json``: the contract keys (worlds, share, ci, failure_boxes) and more."""
        return {"worlds": self.plan.n_worlds, "counted": self.counted,
                "share": self.share, "ci": {k: list(v) for k, v in self.ci.items()},
                "failure_boxes": self.failure_boxes, "worst": self.worst,
                "own_world": self.own, "a": self.plan.a.name, "b": self.plan.b.name,
                **{k: v for k, v in self.plan.as_json().items() if k != "worlds"},
                "notes": self.notes}

    def headline(self) -> str:
        """One sentence a student can read."""
        s, (lo, hi) = self.share["triple_win"], self.ci["triple_win"]
        n = self.plan.n_worlds
        what = "calibrated" if self.plan.source == "ensemble" else "plausible"
        text = (f"{self.plan.b.name} against {self.plan.a.name}: a triple win in {_pct(s)} of "
                f"{n} {what} worlds ({_pct(lo)}-{_pct(hi)})")
        where = [b for b in self.failure_boxes if b["outcome"] in GROUPS and b["restrictions"]]
        if where:
            b = where[0]
            text += f"; {_GROUP_TEXT[b['outcome']]} fail to gain where {b['text']}"
        else:
            text += self._leaning()
        return text

    def _leaning(self) -> str:
        """Without a significant failure box: the group that fails most and the parameter its
        failing worlds lean on most (a description, not a box)."""
        shares = {g: self.share[g] for g in GROUPS if self.share[g] == self.share[g]}
        if not shares or min(shares.values()) >= 1:
            return ""
        g = min(shares, key=shares.get)
        t = self.table[self.table[g].notna()]
        fail = ~t[g].astype(bool).to_numpy()
        if fail.all() or not fail.any():
            return ""
        best, gap = None, 0.0
        for d in self.plan.dims:
            x = t[d.name].to_numpy(float)
            z = (x[fail].mean() - x[~fail].mean()) / (d.high - d.low)
            if abs(z) > abs(gap):
                best, gap = d, z
        if best is None:
            return ""
        x = t[best.name].to_numpy(float)
        return (f"; {_GROUP_TEXT[g]} fail to gain in {_pct(1 - shares[g])} of worlds, more "
                f"often where {best.name} is {'high' if gap > 0 else 'low'} (failing worlds "
                f"average {x[fail].mean():.3g}, the others {x[~fail].mean():.3g}; no PRIM box "
                "is significant)")


_GROUP_TEXT = {"developed": "developed countries", "developing": "developing countries",
               "china": "China", "triple_win": "the triple win"}


def _pct(x: float) -> str:
    return "-" if x != x else f"{100 * x:.0f}%"


def robustness(plan: WorldsPlan, table: pd.DataFrame, *, own: dict[str, Any] | None = None,
               boxes: bool = True) -> Robustness:
    """Shares of worlds per verdict (means of the per-world verdicts) with Wilson intervals,
    worst worlds and failure boxes."""
    counted_mask = table["triple_win"].notna().to_numpy()
    counted = int(counted_mask.sum())
    share, ci = {}, {}
    for v in VERDICTS:
        col = table[v].dropna().astype(bool)
        share[v] = float(col.mean()) if len(col) else math.nan
        ci[v] = wilson(int(col.sum()), len(col))
    notes = []
    if counted < plan.n_worlds:
        notes.append(f"{plan.n_worlds - counted} of {plan.n_worlds} worlds have no verdict "
                     "(fewer than 2 paired replications succeeded); shares are over the "
                     f"{counted} others")
    worst = {}
    for group in GROUPS:
        col = table[f"delta_{group}"]
        if col.notna().any():
            i = int(col.idxmin())
            worst[group] = {"world": int(table.loc[i, "world"]), "delta": float(col[i]),
                            "ci": [float(table.loc[i, f"ci_low_{group}"]),
                                   float(table.loc[i, f"ci_high_{group}"])],
                            "worlds_losing": int((table[f"ci_high_{group}"] < 0).sum())}
    found = failure_boxes(table, [d.name for d in plan.dims]) if boxes else []
    return Robustness(plan=plan, table=table, share=share, ci=ci, counted=counted,
                      failure_boxes=found, worst=worst, own=own, notes=notes)


def failure_boxes(table: pd.DataFrame, dims: list[str], *, threshold: float = 0.8,
                  mass_min: float = 0.05) -> list[dict[str, Any]]:
    """PRIM boxes (EMA Workbench) over ``dims`` for the worlds where each verdict fails: the
    triple win first, then each group that fails somewhere. Restrictions whose quasi-p value
    exceeds :data:`QP_LIMIT` are dropped; a box with no significant restriction left is not
    reported."""
    from ..analysis.discovery import _import_prim, choose_box

    ok = table["triple_win"].notna().to_numpy()
    x_all = table.loc[ok, dims].reset_index(drop=True).astype(float)
    out: list[dict[str, Any]] = []
    if len(x_all) < 10:
        return out
    prim = _import_prim()
    import warnings

    varying = [c for c in dims if x_all[c].nunique() > 1]
    x_all = x_all[varying]
    for outcome in VERDICTS[::-1]:  # triple_win first
        fail = ~table.loc[ok, outcome].astype(bool).to_numpy()
        k = int(fail.sum())
        if k == 0 or k == len(fail) or not varying:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = prim.Prim(x_all, fail.astype(int), mass_min=mass_min)
            for _ in range(MAX_BOXES):
                box = p.find_box()
                if box is None:
                    break
                dense = max(threshold, (1 + k / len(fail)) / 2)  # well above the base rate
                i = choose_box(box.peeling_trajectory.reset_index(drop=True), dense)
                box.select(i)
                dropped = _drop_insignificant(box)
                entry = _box_entry(box, outcome, k, len(fail), dropped, x_all)
                if entry is None:
                    break
                out.append(entry)
                if entry["density"] < 0.5:
                    break
    return out


def _qps(box: Any) -> dict[str, float]:
    """Quasi-p value of each restricted dimension of the selected box (the larger of its two
    sides' values, where both are restricted)."""
    _, lim = box.inspect(style="data")[0]
    out = {}
    for dim in lim.index:
        vals = [v for v in lim.loc[dim].to_numpy()[2:] if v == v and v >= 0]
        out[dim] = float(max(vals)) if vals else math.nan
    return out


def _drop_insignificant(box: Any) -> list[dict[str, Any]]:
    dropped = []
    while True:
        qps = _qps(box)
        bad = {d: q for d, q in qps.items() if q == q and q > QP_LIMIT}
        if not bad:
            return dropped
        worst = max(bad, key=bad.get)
        dropped.append({"name": worst, "qp": bad[worst]})
        box.drop_restriction(worst)


def _box_entry(box: Any, outcome: str, k: int, n: int, dropped: list[dict[str, Any]],
               x: pd.DataFrame) -> dict[str, Any] | None:
    qps = _qps(box)
    if not qps:
        return None
    lims, init = box.box_lim, box.prim.box_init
    restrictions = []
    for dim, qp in sorted(qps.items(), key=lambda kv: kv[1]):
        lo, hi = float(lims[dim].iloc[0]), float(lims[dim].iloc[1])
        lo0, hi0 = float(init[dim].iloc[0]), float(init[dim].iloc[1])
        restrictions.append({"name": dim, "min": lo if lo > lo0 else None,
                             "max": hi if hi < hi0 else None, "range": [lo0, hi0], "qp": qp})
    t = box.peeling_trajectory.iloc[box._cur_box]
    inside = int(t["n"])
    return {"outcome": outcome,
            "fails": {"triple_win": "no triple win"}.get(outcome, f"{outcome} does not gain"),
            "worlds_failing": k, "worlds": n,
            "coverage": float(t["coverage"]), "density": float(t["density"]),
            "mass": float(t["mass"]), "worlds_in_box": inside,
            "failing_in_box": int(round(float(t["density"]) * inside)),
            "restrictions": restrictions, "dropped": dropped,
            "text": " and ".join(_restriction_text(r) for r in restrictions)}


def _restriction_text(r: dict[str, Any]) -> str:
    lo, hi, name = r["min"], r["max"], r["name"]
    if lo is not None and hi is not None:
        return f"{lo:.3g} <= {name} <= {hi:.3g}"
    if lo is not None:
        return f"{name} >= {lo:.3g}"
    return f"{name} <= {hi:.3g}"


def important_dims(rob: Robustness, n: int = 2) -> list[str]:
    """The ``n`` parameters that matter most for failing: those the triple win's first failure
    box restricts (most significant first), then by how far the failing worlds' mean lies from
    the others', in units of the parameter's range."""
    dims = [d.name for d in rob.plan.dims]
    chosen: list[str] = []
    for b in rob.failure_boxes:
        if b["outcome"] == "triple_win":
            chosen += [r["name"] for r in b["restrictions"] if r["name"] not in chosen]
            break
    t = rob.table[rob.table["triple_win"].notna()]
    fail = ~t["triple_win"].astype(bool).to_numpy()
    score = {}
    for d in rob.plan.dims:
        x = t[d.name].to_numpy(float)
        if fail.any() and (~fail).any() and d.high > d.low:
            score[d.name] = abs(x[fail].mean() - x[~fail].mean()) / (d.high - d.low)
        else:
            score[d.name] = 0.0
    chosen += [d for d in sorted(dims, key=lambda d: -score[d]) if d not in chosen]
    return chosen[:n]


# --------------------------------------------------------------------------------------------
# the own world and the files


def own_comparison(plan: WorldsPlan, work: Path) -> Comparison:
    """The comparison in the scenarios' own world, from its runs (full time series)."""
    import pandas as pd

    from ..metrics import METRICS
    from .compare import Comparison, paired, verdict
    from .runner import RunResults, summarize

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
    from .compare import write_comparison_files
    from .runner import commit_dir

    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} exists; results never overwrite results")
    write_comparison_files(comparison, work, sources=sources, plots=plots, workers=workers,
                           extra={"worlds": rob.plan.as_json()})
    (work / "robustness.json").write_text(json.dumps(_plain(rob.as_json()), indent=2,
                                                     sort_keys=True) + "\n")
    (work / "worlds.csv").write_text(worlds_csv(rob))
    if plots:
        figs = work / "figures"
        figs.mkdir(exist_ok=True)
        share_figure(rob, figs / "worlds_share.png")
        worlds_figure(rob, figs / "worlds_failures.png")
    return commit_dir(work, out)


def _plain(x: Any) -> Any:
    """JSON-safe: numpy numbers to Python, NaN to None."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


# --------------------------------------------------------------------------------------------
# figures


def share_figure(rob: Robustness, path: Path, dpi: int = 150) -> Path:
    """Share of worlds in which each group gains, and the triple win, with Wilson 95% CIs; the
    own world's verdict marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = ["Developed", "Developing", "China", "Triple win"]
    share = [rob.share[v] for v in VERDICTS]
    lo = np.clip(np.nan_to_num([s - rob.ci[v][0] for s, v in zip(share, VERDICTS,
                                                                  strict=True)]), 0, None)
    hi = np.clip(np.nan_to_num([rob.ci[v][1] - s for s, v in zip(share, VERDICTS,
                                                                 strict=True)]), 0, None)
    share = np.nan_to_num(share)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    y = np.arange(len(labels))[::-1]
    colours = ["#0072B2", "#009E73", "#D55E00", "#000000"]
    ax.barh(y, share, xerr=[lo, hi], color=colours, alpha=0.8, capsize=3)
    for yi, v in zip(y, VERDICTS, strict=True):
        top = rob.ci[v][1]
        ax.text(top + 0.03 if top == top else 0.02, yi,
                f"{_pct(rob.share[v])} ({_pct(rob.ci[v][0])}-{_pct(rob.ci[v][1])})", va="center",
                fontsize=9)
        if rob.own is not None:
            won = rob.own["verdict"][v]
            ax.text(1.2, yi, "wins" if won else "no", va="center", ha="center", fontsize=9,
                    color="#009E73" if won else "#D55E00")
    if rob.own is not None:
        ax.text(1.2, y[0] + 0.5, "own world", ha="center", va="bottom", fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1.3)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_xlabel(f"share of {rob.counted} worlds where the group gains (95% CI above zero)")
    ax.set_title(f"{rob.plan.b.name} vs {rob.plan.a.name}: verdicts across worlds", fontsize=10)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def worlds_figure(rob: Robustness, path: Path, dpi: int = 150) -> Path | None:
    """The worlds over the two parameters that matter most: triple wins and failures, the
    triple win's first failure box, and the scenarios' own world."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    dims = important_dims(rob, 2)
    if len(dims) < 2:
        return None
    xk, yk = dims
    t = rob.table[rob.table["triple_win"].notna()]
    win = t["triple_win"].astype(bool).to_numpy()
    fig, ax = plt.subplots(figsize=(6.2, 4.8))
    ax.scatter(t.loc[win, xk], t.loc[win, yk], s=18, color="#009E73", label="triple win",
               alpha=0.8)
    ax.scatter(t.loc[~win, xk], t.loc[~win, yk], s=22, color="#D55E00", marker="x",
               label="no triple win")
    own_vals = rob.plan.a.model_params()
    if isinstance(own_vals.get(xk), (int, float)) and isinstance(own_vals.get(yk), (int, float)):
        ax.scatter([own_vals[xk]], [own_vals[yk]], s=160, marker="*", color="#000000",
                   label="the scenario's own world")
    box = next((b for b in rob.failure_boxes if b["outcome"] == "triple_win"), None)
    if box is not None:
        lim = {r["name"]: r for r in box["restrictions"]}
        dx = {d.name: (d.low, d.high) for d in rob.plan.dims}
        x0, x1 = dx[xk]
        y0, y1 = dx[yk]
        if xk in lim:
            x0 = lim[xk]["min"] if lim[xk]["min"] is not None else x0
            x1 = lim[xk]["max"] if lim[xk]["max"] is not None else x1
        if yk in lim:
            y0 = lim[yk]["min"] if lim[yk]["min"] is not None else y0
            y1 = lim[yk]["max"] if lim[yk]["max"] is not None else y1
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#D55E00",
                               linestyle="--", linewidth=1.5,
                               label=f"failure box (density {box['density']:.0%}, coverage "
                               f"{box['coverage']:.0%})"))
    ax.set_xlabel(xk)
    ax.set_ylabel(yk)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(f"Where the triple win fails ({len(t)} worlds)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------------------------
# one call


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


def discard(work: Path) -> None:
    """Remove an unfinished experiment's folder."""
    shutil.rmtree(work, ignore_errors=True)
