"""Planning a worlds experiment: the request checked and the worlds drawn.

Each varied parameter (:func:`world_parameters`: every declared uncertainty and structural
constant) becomes a :class:`Dimension`; the worlds are drawn by Latin hypercube over their ranges
(:func:`draw_lhs`) or, by weight, from a calibrated ensemble (:func:`read_ensemble_table`); a
:class:`WorldsPlan` holds the scenarios, the worlds, what is held and why, and the replication
seeds, all following from the root seed. Bad input raises :class:`WorldsError`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ...scenario.declaration import Param
from ...scenario.load import resolved_dict
from ...scenario.params import ALL
from ...scenario.schema import Scenario
from ...streams import replication_seeds

if TYPE_CHECKING:
    import pandas as pd

#: Kinds of declared parameter that are not part of a world.
NOT_WORLD = ("lever", "population", "run")


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
        elif p.plausible is not None and p.plausible[0] == p.plausible[1]:
            held[name] = "no plausible spread: a switch of the model's structure"
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
    from ...analysis.calibration.ensemble import read_ensemble

    p = Path(path)
    if not p.is_file():
        raise WorldsError(f"{path}: {'is a directory' if p.is_dir() else 'file not found'} "
                          "(expected a Parquet file of parameter sets with a weight column)")
    try:
        return read_ensemble(p)[0]
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
    from ...analysis.calibration.ensemble import (
        draw_worlds,  # systematic resampling by weight
    )

    drawn = draw_worlds(df[[*cols, "weight"]], n, seed)
    return dims, np.array([[d[c] for c in cols] for d in drawn], dtype=float)
