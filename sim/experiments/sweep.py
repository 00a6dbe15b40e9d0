"""Parameter sweeps: sweep files, designs, executors, streamed results, resume and failures.

A *sweep file* names a base scenario, a design and the factors to vary, keeping levers
(``levers:``) and uncertainties or population sizes (``world:``) apart (DESIGN.md section 4)::

    name: jb-ipr-lhs
    base: ../scenarios/baseline.yaml   # relative to this file
    design: lhs                        # grid | random | lhs | sobol | morris
    samples: 64
    replications: 2
    steps: 24
    seed: 1
    levers:
      joint_bidding: {low: 0, high: 1}
      ipr_protection: {values: [0.2, 0.5, 0.8]}
    world: {}

:func:`load_sweep` reads it with the scenario loader's YAML machinery (line numbers, alias-bomb
and size limits, unsafe tags, duplicate keys) and validates it with pydantic; every problem is a
:class:`~sim.scenario.load.Problem` printed as ``FILE:LINE: dotted.key: what is wrong (allowed)``.

The result is a :class:`SweepPlan`: design points x replications = runs. Run ``run_id`` is
``point * replications + replication`` and replication r uses ``replication_seeds(seed, R)[r]`` at
every point (common random numbers), so differences between points are not seed noise.

:func:`run_sweep` runs the runs as independent tasks, a chunk of runs per task, on one of three
executors (``serial``, ``process``, ``dask``) and writes each finished chunk at once:

* ``DIR/runs/part-NNNNN.parquet``: one row per run (``run_id``, ``point``, ``replication``,
  ``seed``, ``levers.<name>``, ``world.<name>``, every metric at the final step, ``error``);
* ``DIR/timeseries/part-NNNNN.parquet`` (``keep_timeseries: true``): one row per run and step;
* ``DIR/design.parquet``: the design points (parameter values and the unit-cube sample);
* ``DIR/manifest.json``: the sweep, its sha256, the base scenario, seeds, versions, sessions.

A chunk file is written under a hidden temporary name, flushed to disk and renamed, so a killed
sweep never leaves a half file that counts; ``resume=True`` reads the ``run_id`` of every chunk on
disk and runs only the rest. A run that raises is recorded with its error text and the sweep goes
on. The main process holds the design, a done-mask and a bounded window of chunks in flight, never
all results: memory stays flat as the number of runs grows.

Testing aid: the sweep-file section ``testing: {fail_runs: [3, 17], sleep: 0.05}`` makes the
listed runs raise a deliberate error inside the sweep worker and each run sleep that many seconds
first. It exists to test failure handling and kill/resume; it touches no model code and is
recorded in the manifest.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import math
import os
import platform
import shutil
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..scenario.load import ScenarioError, load_scenario, resolved_dict, scenario_sha256
from ..scenario.params import (
    CONSTANTS,
    LEVERS,
    MAX_AGENTS,
    MAX_REPLICATIONS,
    MAX_STEPS,
    POPULATION,
    RUN,
    UNCERTAINTIES,
    WORLD,
    Param,
)
from ..scenario.schema import Scenario
from ..streams import replication_seeds

# sweep files are read by the same YAML reader as scenario files (limits, line map, messages)
from ..yamlsafe import Blocked, Problem, describe, read_mapping
from . import workers as workers_m

#: Largest number of design points (the design matrix is held in memory).
MAX_POINTS = 1_000_000
#: Largest number of runs (points x replications) in one sweep.
MAX_RUNS = 20_000_000
#: Most values of one factor: grid levels or a ``values`` list.
MAX_LEVELS = 1_000
#: Default number of grid levels of a ``{low, high}`` range, and of Morris levels.
GRID_LEVELS, MORRIS_LEVELS = 5, 4

DESIGNS = ("grid", "random", "lhs", "sobol", "morris")
EXECUTORS = ("process", "serial", "dask")
NAME_RULE = "lowercase letters, digits and '-', e.g. jb-ipr-lhs"

Path_ = tuple[str, ...]
Progress = Callable[[int, int, int], None]  # (runs done, runs in all, runs failed)


class SweepError(ScenarioError):
    """A sweep file (or dict) is invalid; ``problems`` lists everything found wrong."""


class SweepRefused(Exception):
    """The sweep cannot start as asked (output folder exists, changed sweep file, ...)."""


# --------------------------------------------------------------------------------------------
# schema


_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)


class FactorRange(BaseModel):
    """One varied parameter: ``{low, high}`` (a continuous or whole-number range) or
    ``{values: [...]}`` (a list of levels)."""

    model_config = _STRICT

    low: float | None = None
    high: float | None = None
    values: Annotated[list[float], Field(max_length=MAX_LEVELS)] | None = None


class Testing(BaseModel):
    """Testing aids: deliberate failures and slow runs (see the module docstring)."""

    model_config = _STRICT

    fail_runs: Annotated[list[Annotated[int, Field(ge=0)]], Field(max_length=10_000)] = []
    sleep: Annotated[float, Field(ge=0, le=60)] = 0.0


class SweepFile(BaseModel):
    """The sweep file's keys (factors are checked against the parameter registry afterwards)."""

    model_config = _STRICT

    name: Annotated[str, Field(pattern=r"^[a-z0-9-]+$", max_length=80)]
    description: Annotated[str, Field(max_length=5000)] = ""
    base: str | None = None
    design: Literal["grid", "random", "lhs", "sobol", "morris"]
    samples: Annotated[int, Field(ge=1, le=MAX_POINTS)] | None = None
    levels: Annotated[int, Field(ge=2, le=MAX_LEVELS)] | None = None
    second_order: bool = False
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 1
    steps: Annotated[int, Field(ge=1, le=MAX_STEPS)] | None = None
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None
    keep_timeseries: bool = False
    levers: dict[str, Any] = {}
    world: dict[str, Any] = {}
    testing: Testing | None = None


#: What each key allows, for error messages.
ALLOWED: dict[str, str] = {
    "name": NAME_RULE,
    "description": "text",
    "base": "a scenario file, relative to this sweep file or absolute",
    "design": "grid, random, lhs, sobol or morris",
    "samples": f"a whole number in [1, {MAX_POINTS:,}]: design points (lhs, random), base "
               "sample size N (sobol), trajectories (morris)",
    "levels": f"a whole number in [2, {MAX_LEVELS}]: values per {{low, high}} range (grid), "
              "grid levels (morris)",
    "second_order": "true or false (sobol only)",
    "replications": f"a whole number in [1, {MAX_REPLICATIONS:,}]",
    "steps": f"a whole number in [1, {MAX_STEPS}]",
    "seed": "a whole number >= 0",
    "keep_timeseries": "true or false",
    "levers": "a mapping of lever names to {low: A, high: B}, {values: [...]} or a number",
    "world": "a mapping of uncertainty or population names to {low: A, high: B}, "
             "{values: [...]} or a number",
    "testing": "a mapping with fail_runs: [run ids] and sleep: seconds (testing aid)",
    "testing.fail_runs": "a list of run ids (whole numbers >= 0)",
    "testing.sleep": "seconds in [0, 60]",
    "low": "a number", "high": "a number", "values": f"a list of at most {MAX_LEVELS} numbers",
}


# --------------------------------------------------------------------------------------------
# the plan


@dataclass(frozen=True)
class Factor:
    """A varied parameter and how a unit-cube coordinate maps onto it."""

    section: Literal["levers", "world"]
    name: str
    low: float | None = None
    high: float | None = None
    values: tuple[float, ...] | None = None
    integer: bool = False

    @property
    def key(self) -> str:
        """Column name: ``levers.<name>`` or ``world.<name>``."""
        return f"{self.section}.{self.name}"

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map unit-cube coordinates in [0, 1] onto the factor (uniform over its values)."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.values is not None:
            k = len(self.values)
            return np.asarray(self.values, dtype=float)[np.minimum((u * k).astype(int), k - 1)]
        assert self.low is not None and self.high is not None
        if self.integer:
            n = int(round(self.high - self.low)) + 1
            return self.low + np.minimum(np.floor(u * n), n - 1)
        return self.low + u * (self.high - self.low)

    def grid(self, levels: int) -> np.ndarray:
        """The factor's values in a grid design."""
        if self.values is not None:
            return np.asarray(self.values, dtype=float)
        assert self.low is not None and self.high is not None
        v = np.linspace(self.low, self.high, levels)
        return np.unique(np.round(v)) if self.integer else v

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "section": self.section, "name": self.name,
                               "integer": self.integer}
        if self.values is not None:
            out["values"] = list(self.values)
        else:
            out["low"], out["high"] = self.low, self.high
        return out


@dataclass
class SweepPlan:
    """A validated sweep: base scenario, factors, fixed values, seeds and the size of the design."""

    spec: SweepFile
    source: str | None  # the sweep file as shown to the user; None for a dict
    sha256: str  # of the sweep file's bytes, or of the dict's canonical JSON
    base: Scenario  # the base scenario with the sweep's steps and seed applied
    base_source: str | None
    factors: list[Factor]
    fixed: dict[str, dict[str, float | int]]  # {"levers": {...}, "world": {...}}
    steps: int
    seed: int
    replications: int
    seeds: list[int]
    n_points: int

    @property
    def n_runs(self) -> int:
        return self.n_points * self.replications

    @property
    def levels(self) -> int:
        return self.spec.levels or (MORRIS_LEVELS if self.spec.design == "morris"
                                    else GRID_LEVELS)

    def base_params(self) -> dict[str, Any]:
        """Every lever and world value of the base scenario, with the fixed overrides."""
        params = self.base.model_params()
        for section in ("levers", "world"):
            params.update(self.fixed[section])
        return params

    def summary(self) -> str:
        d = self.spec.design
        what = {"grid": "grid", "random": "random", "lhs": "Latin hypercube",
                "sobol": "Sobol (Saltelli)", "morris": "Morris"}[d]
        return (f"{self.spec.name}: {what} design over {len(self.factors)} factor"
                f"{'s' if len(self.factors) != 1 else ''}, {self.n_points:,} points x "
                f"{self.replications} replication{'s' if self.replications != 1 else ''} = "
                f"{self.n_runs:,} runs of {self.steps} steps")


# --------------------------------------------------------------------------------------------
# loading and validation


def load_sweep(path: str | os.PathLike[str]) -> SweepPlan:
    """Read, validate and plan a sweep file; raise :class:`SweepError` listing every problem."""
    shown = str(path)
    problems: list[Problem] = []
    try:
        data, lines = read_mapping(shown, problems, kind="sweep",
                                   expects="a mapping with at least name:, design: and levers:",
                                   valid_keys=", ".join(SweepFile.model_fields))
        if problems:  # duplicate keys
            raise Blocked
    except Blocked:
        raise SweepError(problems) from None
    raw = Path(shown).read_bytes()
    return _plan(data, lines, shown, hashlib.sha256(raw).hexdigest(), Path(shown).parent)


def plan_from_dict(spec: dict[str, Any], base_dir: str | os.PathLike[str] | None = None
                   ) -> SweepPlan:
    """Validate and plan a sweep given as a dict (the keys of a sweep file). ``base`` is
    relative to ``base_dir`` (default: the current folder)."""
    if not isinstance(spec, dict):
        raise SweepError([Problem("<dict>", None, "", f"expected a dict of sweep keys, got "
                                  f"{type(spec).__name__}")])
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    return _plan(dict(spec), {}, "<dict>", hashlib.sha256(text.encode()).hexdigest(),
                 Path(base_dir) if base_dir is not None else Path.cwd())


def _line(lines: dict[Path_, int], path: Path_) -> int | None:
    for n in range(len(path), 0, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None


def _plan(data: dict[str, Any], lines: dict[Path_, int], shown: str, sha: str,
          here: Path) -> SweepPlan:
    problems: list[Problem] = []

    def problem(path: Path_, message: str) -> None:
        problems.append(Problem(shown, _line(lines, path), ".".join(path), message))

    for section in ("levers", "world"):
        if section in data and data[section] is None:  # a section with everything commented out
            data[section] = {}
    spec: SweepFile | None = None
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            path = tuple(str(x) for x in err.get("loc", ()))
            problem(path, _message(err, path))

    # factors (checked even when other keys are wrong, so that every problem is listed)
    factors: list[Factor] = []
    fixed: dict[str, dict[str, float | int]] = {"levers": {}, "world": {}}
    for section in ("levers", "world"):
        entries = data.get(section)
        if not isinstance(entries, dict):
            continue
        for name, raw in entries.items():
            if not isinstance(name, str):
                continue  # reported by the schema: keys must be text
            got = _factor(section, name, raw, problem)
            if isinstance(got, Factor):
                factors.append(got)
            elif got is not None:
                fixed[section][name] = got
    if spec is None:
        raise SweepError(_sorted(problems))

    # design-specific keys
    d = spec.design
    if d == "grid" and spec.samples is not None:
        problem(("samples",), "the grid design runs every combination and takes no samples "
                "(set levels: N for the number of values of each {low, high} range)")
    if d != "grid" and spec.samples is None:
        problem(("design",), f"the {d} design needs samples: N ({ALLOWED['samples']})")
    if spec.levels is not None and d not in ("grid", "morris"):
        problem(("levels",), f"levels is used by the grid and morris designs, not {d}")
    if spec.second_order and d != "sobol":
        problem(("second_order",), f"second_order is for the sobol design, not {d}")
    if d == "sobol" and spec.samples is not None and spec.samples & (spec.samples - 1):
        lo = 1 << (spec.samples.bit_length() - 1)
        problem(("samples",), f"{spec.samples} is not a power of 2; Sobol' sequences need one "
                f"(e.g. {lo} or {lo * 2})")

    if not factors and not problems:
        problem(("levers",), "nothing to vary: give at least one lever (levers:) or uncertainty "
                "(world:) a range {low: A, high: B} or a list {values: [...]}")
    if d == "sobol" and spec.second_order and len(factors) < 2:
        problem(("second_order",), "second-order indices need at least two varied factors")

    # population size at its largest
    pop = {k: p.default for k, p in POPULATION.items()}
    for f in factors:
        if f.name in POPULATION and f.name != "soe_share":
            pop[f.name] = max(f.values) if f.values is not None else f.high
    for k, v in fixed["world"].items():
        if k in pop:
            pop[k] = v

    # base scenario
    base_source: str | None = None
    try:
        if spec.base is not None:
            base_source = os.path.normpath(os.path.join(here, spec.base)) if not \
                os.path.isabs(spec.base) else spec.base
            if not Path(base_source).is_file():
                what = "is a directory" if Path(base_source).is_dir() else "not found"
                problem(("base",), f"{base_source}: {what} ({ALLOWED['base']})")
                raise SweepError(_sorted(problems))
            base = load_scenario(base_source, steps=spec.steps, replications=1)
        else:
            base = Scenario.model_validate({"name": spec.name,
                                            "run": {"steps": spec.steps or RUN["steps"].default,
                                                    "replications": 1}})
    except ScenarioError as e:
        for p in e.problems:
            if p.file == "--steps":
                problem(("steps",), p.message)
            else:
                problems.append(p)
        raise SweepError(_sorted(problems)) from None
    base_world = base.world_values()
    for k in pop:
        if not any(f.name == k for f in factors) and k not in fixed["world"]:
            pop[k] = base_world[k]
    agents = sum(int(pop[k]) for k in pop if k != "soe_share")
    if agents > MAX_AGENTS:
        problem(("world",), f"up to {agents:,} agents in one run exceeds the limit of "
                f"{MAX_AGENTS:,} (MAX_AGENTS)")

    steps = base.run.steps
    seed = spec.seed if spec.seed is not None else base.run.seed
    n_points = 0
    if not problems:
        n_points = _count_points(spec, factors)
        where = ("levels",) if d == "grid" else ("samples",)
        if n_points > MAX_POINTS:
            problem(where, f"the {d} design has {n_points:,} points, more than the limit of "
                    f"{MAX_POINTS:,} (MAX_POINTS)")
        elif n_points * spec.replications > MAX_RUNS:
            problem(("replications",), f"{n_points:,} points x {spec.replications} replications "
                    f"= {n_points * spec.replications:,} runs, more than the limit of "
                    f"{MAX_RUNS:,} (MAX_RUNS)")
    if problems:
        raise SweepError(_sorted(problems))
    return SweepPlan(spec=spec, source=None if shown == "<dict>" else shown, sha256=sha,
                     base=base, base_source=base_source, factors=factors, fixed=fixed,
                     steps=steps, seed=seed, replications=spec.replications,
                     seeds=replication_seeds(seed, spec.replications), n_points=n_points)


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line or 0))


def _count_points(spec: SweepFile, factors: list[Factor]) -> int:
    n, dim = spec.samples or 0, len(factors)
    match spec.design:
        case "grid":
            levels = spec.levels or GRID_LEVELS
            return math.prod(len(f.grid(levels)) for f in factors)
        case "sobol":
            return n * (2 * dim + 2 if spec.second_order else dim + 2)
        case "morris":
            return n * (dim + 1)
        case _:
            return n


def _factor(section: str, name: str, raw: Any, problem: Callable[[Path_, str], None]
            ) -> Factor | float | int | None:
    """Check one entry of ``levers:`` or ``world:``; returns a Factor, a fixed number, or None
    after reporting a problem."""
    path: Path_ = (section, name)
    own = LEVERS if section == "levers" else WORLD
    if name not in own:
        if section == "world" and name in LEVERS:
            problem(path, f"{name} is a lever: put it under levers: (levers and uncertainties "
                    "stay apart)")
        elif section == "levers" and name in WORLD:
            kind = ("an uncertainty" if name in UNCERTAINTIES else "a structural constant"
                    if name in CONSTANTS else "a population size")
            problem(path, f"{name} is {kind}, not a lever: put it under world: (levers and "
                    "uncertainties stay apart)")
        elif name in RUN:
            problem(path, f"{name} is a run setting: give it at the top level of the sweep file "
                    f"({name}: N)")
        else:
            close = difflib.get_close_matches(name, list(own), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else ""
            valid = "levers" if section == "levers" else "uncertainties and population sizes"
            problem(path, f"unknown {'lever' if section == 'levers' else 'world parameter'}"
                    f"{hint} (valid {valid}: {', '.join(own)})")
        return None
    p: Param = own[name]
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _fixed(p, raw, path, problem)
    if not isinstance(raw, dict):
        hint = " (write {values: [...]} for a list)" if isinstance(raw, list) else ""
        problem(path, f"expected a range {{low: A, high: B}}, a list {{values: [...]}} or a "
                f"fixed number, got {describe(raw)}{hint} (allowed: {_range_text(p)})")
        return None
    if raw and all(isinstance(k, int) and not isinstance(k, bool) for k in raw):
        problem(path, "a schedule {step: value} cannot be swept; vary a number with {low, high} "
                "or {values: [...]}, and put schedules in the base scenario")
        return None
    try:
        fr = FactorRange.model_validate(raw)
    except ValidationError as e:
        for err in e.errors():
            sub = (*path, *(str(x) for x in err.get("loc", ())))
            problem(sub, _message(err, sub))
        return None
    if fr.values is not None and (fr.low is not None or fr.high is not None):
        problem(path, "give either {low, high} or {values: [...]}, not both")
        return None
    if fr.values is not None:
        if not fr.values:
            problem((*path, "values"), f"an empty list (at least one value; allowed: "
                    f"{_range_text(p)})")
            return None
        ok = True
        for i, v in enumerate(fr.values):
            ok &= _in_range(p, v, (*path, "values", str(i)), problem)
        if ok and len(set(fr.values)) != len(fr.values):
            problem((*path, "values"), "values repeat (list each value once)")
            ok = False
        if not ok:
            return None
        vals = tuple(int(v) if p.integer else float(v) for v in fr.values)
        return Factor(section, name, values=vals, integer=p.integer)  # type: ignore[arg-type]
    if fr.low is None or fr.high is None:
        missing = "low" if fr.low is None else "high"
        problem(path, f"{missing} is missing (a range needs both: {{low: A, high: B}}, or a list "
                "{values: [...]})")
        return None
    ok = _in_range(p, fr.low, (*path, "low"), problem) & _in_range(p, fr.high, (*path, "high"),
                                                                    problem)
    if ok and not fr.low < fr.high:
        problem((*path, "high"), f"high ({fr.high:g}) must be above low ({fr.low:g})")
        ok = False
    if not ok:
        return None
    return Factor(section, name, low=fr.low, high=fr.high, integer=p.integer)  # type: ignore[arg-type]


def _range_text(p: Param) -> str:
    """The parameter's allowed values in a sweep (numbers only: schedules are not swept)."""
    hi = "inf" if p.high is None else f"{p.high:g}"
    return f"{'whole number' if p.integer else 'number'} in [{p.low:g}, {hi}]"


def _in_range(p: Param, v: float, path: Path_, problem: Callable[[Path_, str], None]) -> bool:
    if not math.isfinite(v):
        problem(path, f"{v} is not a finite number ({_range_text(p)})")
        return False
    if p.integer and not float(v).is_integer():
        problem(path, f"expected a whole number, got {v:g} ({_range_text(p)})")
        return False
    if v < p.low or (p.high is not None and v > p.high):
        problem(path, f"{v:g} is out of range ({_range_text(p)})")
        return False
    return True


def _fixed(p: Param, v: float | int, path: Path_, problem: Callable[[Path_, str], None]
           ) -> float | int | None:
    if not _in_range(p, float(v), path, problem):
        return None
    return int(v) if p.integer else float(v)


def _message(err: dict[str, Any], path: Path_) -> str:
    """A pydantic error as ``what is wrong (what is allowed)``."""
    kind = err.get("type", "")
    value = err.get("input")
    last = path[-1] if path else ""
    allowed = ALLOWED.get(".".join(path[-2:])) or ALLOWED.get(last) or ""
    tail = f" ({allowed})" if allowed else ""
    if kind == "extra_forbidden":
        return _unknown_key(path)
    if kind == "missing":
        return f"required key is missing{tail}"
    if kind == "literal_error" and last == "design":
        close = difflib.get_close_matches(str(value), DESIGNS, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"{value!r} is not a design{hint}{tail}"
    if kind == "string_pattern_mismatch" and last == "name":
        return f"{value!r} is not a valid name{tail}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{value} is out of range{tail}"
    if kind in ("too_long",):
        return f"too long{tail}"
    if kind in ("dict_type", "model_type"):
        return f"expected a mapping, got {describe(value)}{tail}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"expected {allowed or kind.replace('_type', '')}, got {describe(value)}"
    return f"{err.get('msg', 'invalid value')}{tail}"


def _unknown_key(path: Path_) -> str:
    section, name = path[:-1], path[-1]
    if section == ():
        valid = list(SweepFile.model_fields)
        if name in LEVERS:
            return f"{name} is a lever: put it under levers: (valid keys: {', '.join(valid)})"
        if name in WORLD:
            return f"{name} is a world parameter: put it under world: (valid keys: " \
                   f"{', '.join(valid)})"
        if name == "run":
            return ("sweep files have no run: section; steps, seed and replications are "
                    f"top-level keys (valid keys: {', '.join(valid)})")
        if name == "extends":
            return f"a sweep names its base scenario with base: (valid keys: {', '.join(valid)})"
    elif len(section) == 2 and section[0] in ("levers", "world"):
        valid = list(FactorRange.model_fields)
    elif section == ("testing",):
        valid = list(Testing.model_fields)
    else:
        return "unknown key (this value takes no keys)"
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown key{hint} (valid: {', '.join(valid)})"


# --------------------------------------------------------------------------------------------
# designs


def make_design(plan: SweepPlan) -> tuple[np.ndarray, np.ndarray]:
    """The design: ``(values, unit)``, both points x factors. ``values`` are the parameter values
    the runs use; ``unit`` is the unit-cube sample SALib drew (for grid: each value's position
    0-1 in its list). Seeded by the sweep's ``seed``: the same plan gives the same design."""
    spec, dim = plan.spec, len(plan.factors)
    n = spec.samples or 0
    problem = {"num_vars": dim, "names": [f.key for f in plan.factors],
               "bounds": [[0.0, 1.0]] * dim}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        match spec.design:
            case "grid":
                lists = [f.grid(plan.levels) for f in plan.factors]
                idx = np.stack(np.meshgrid(*[np.arange(len(v)) for v in lists], indexing="ij"),
                               axis=-1).reshape(-1, dim)
                values = np.column_stack([v[idx[:, j]] for j, v in enumerate(lists)])
                unit = np.column_stack([idx[:, j] / max(len(v) - 1, 1)
                                        for j, v in enumerate(lists)])
                return values, unit
            case "random":
                unit = np.random.default_rng(plan.seed).random((n, dim))
            case "lhs":
                from SALib.sample import latin

                unit = latin.sample(problem, n, seed=plan.seed)
            case "sobol":
                from SALib.sample import sobol

                unit = sobol.sample(problem, n, calc_second_order=spec.second_order,
                                    seed=plan.seed)
            case "morris":
                from SALib.sample import morris

                unit = morris.sample(problem, n, num_levels=plan.levels, seed=plan.seed)
            case _:  # pragma: no cover - the schema allows only the above
                raise ValueError(spec.design)
    unit = np.asarray(unit, dtype=float).reshape(-1, dim)
    values = np.column_stack([f.from_unit(unit[:, j]) for j, f in enumerate(plan.factors)])
    return values, unit


# --------------------------------------------------------------------------------------------
# the worker


@dataclass(frozen=True)
class ChunkTask:
    """A chunk of runs for one worker call (plain data: it pickles for processes and dask)."""

    chunk: int
    steps: int
    base: dict[str, Any]  # every lever and world value of the base, fixed overrides applied
    keys: tuple[str, ...]  # factor names, in design column order
    integer: tuple[bool, ...]
    runs: tuple[tuple[int, int, tuple[float, ...]], ...]  # (run_id, seed, factor values)
    keep_timeseries: bool = False
    fail_runs: frozenset[int] = frozenset()
    sleep: float = 0.0


@dataclass
class ChunkResult:
    """What a worker returns: final metrics per run, errors, optional time series."""

    chunk: int
    run_ids: list[int]
    finals: np.ndarray  # runs x metrics (NaN where the run failed)
    errors: list[str]  # "" where the run succeeded
    series: list[np.ndarray | None] | None  # per run: steps x metrics
    seconds: float  # wall time in the worker
    cpu_seconds: float = 0.0  # CPU time of the worker process (threads: of the whole process)


class DeliberateFailure(RuntimeError):
    """Raised for runs listed in ``testing.fail_runs`` (a testing aid)."""


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Run every run of a chunk; a run that raises is recorded with its error text."""
    from ..metrics import METRICS
    from ..model import TripleWinModel

    t0, c0 = time.perf_counter(), time.process_time()
    names = list(METRICS)
    finals = np.full((len(task.runs), len(names)), np.nan)
    errors: list[str] = []
    series: list[np.ndarray | None] | None = [] if task.keep_timeseries else None
    for i, (run_id, seed, values) in enumerate(task.runs):
        hist = None
        try:
            if task.sleep:
                time.sleep(task.sleep)
            if run_id in task.fail_runs:
                raise DeliberateFailure(f"deliberate failure of run {run_id} "
                                        "(testing.fail_runs in the sweep file)")
            params = dict(task.base)
            for k, v, is_int in zip(task.keys, values, task.integer, strict=True):
                params[k] = int(round(v)) if is_int else float(v)
            hist = TripleWinModel(rng=seed, steps=task.steps, **params).run()
            finals[i] = [hist[-1][n] for n in names]
            errors.append("")  # the documented "empty when the run succeeded"
        except Exception as e:  # noqa: BLE001 - a failing run is data, the sweep goes on
            errors.append(_error_text(e))
            hist = None
        if series is not None:
            series.append(None if hist is None else
                          np.array([[row[n] for n in names] for row in hist]))
    return ChunkResult(task.chunk, [r[0] for r in task.runs], finals, errors, series,
                       time.perf_counter() - t0, time.process_time() - c0)


def _error_text(e: BaseException) -> str:
    text = " ".join(str(e).split()) or "no details"
    tb = traceback.extract_tb(e.__traceback__)
    where = f" (at {Path(tb[-1].filename).name}:{tb[-1].lineno} in {tb[-1].name})" if tb else ""
    return f"{type(e).__name__}: {text}{where}"[:2000]


# --------------------------------------------------------------------------------------------
# executors


def prestart(executor: str) -> None:
    """Start the process executor's workers' server now (:func:`.workers.prestart`), so that it
    imports the model while this process reads the sweep file and builds the design. Nothing
    happens for the other executors."""
    if executor == "process":
        workers_m.prestart()


def execute(tasks: Iterator[ChunkTask], on_result: Callable[[ChunkResult], None], *,
            executor: str, workers: int, scheduler: str | None = None,
            scheduler_file: str | None = None, client: Any = None) -> None:
    """Run chunk tasks on an executor (``serial``, ``process`` or ``dask``), handing each
    :class:`ChunkResult` to ``on_result`` in this process as it arrives (in any order). The
    public entry point for other experiments (``compare --worlds``, same-world references)."""
    if executor == "serial":
        for task in tasks:
            on_result(run_chunk(task))
    elif executor == "process":
        _execute_process(tasks, on_result, workers)
    elif executor == "dask":
        _execute_dask(tasks, on_result, workers, scheduler, scheduler_file, client)
    else:
        raise SweepRefused(f"unknown executor {executor!r} (allowed: {', '.join(EXECUTORS)})")


def _execute_process(tasks: Iterator[ChunkTask], on_result: Callable[[ChunkResult], None],
                     workers: int) -> None:
    """Chunks on a pool of worker processes (:func:`.workers.map_unordered`): a worker that dies
    is replaced and its unfinished chunks are redone; a chunk whose worker died
    :data:`.workers.MAX_ATTEMPTS` times is recorded as failed runs."""

    def lost(task: ChunkTask, attempts: int) -> None:
        on_result(_lost_chunk(task, f"WorkerDied: the worker process running this run's chunk "
                                    f"died {attempts} times (killed, or out of memory?)"))

    # chunks in flight: bounded, so memory stays flat
    workers_m.map_unordered(run_chunk, tasks, on_result, workers=workers, window=2 * workers,
                            what="chunks of runs", on_lost=lost)


def _lost_chunk(task: ChunkTask, error: str) -> ChunkResult:
    """A chunk that could not run: every run failed with ``error``."""
    from ..metrics import METRICS

    n = len(task.runs)
    return ChunkResult(task.chunk, [r[0] for r in task.runs], np.full((n, len(METRICS)), np.nan),
                       [error] * n, [None] * n if task.keep_timeseries else None, 0.0, 0.0)


def _dask_connect(workers: int, scheduler: str | None,
                  scheduler_file: str | None) -> tuple[Any, Any]:
    """A dask client (and the local cluster it owns, if any). Raises :class:`SweepRefused`
    when the scheduler cannot be reached, before anything is written."""
    import logging

    from dask.distributed import Client, LocalCluster

    where = scheduler or scheduler_file
    try:
        if scheduler_file:
            return Client(scheduler_file=scheduler_file, timeout="30s"), None
        if scheduler:
            return Client(scheduler, timeout="30s"), None
    except (OSError, TimeoutError, ValueError) as e:
        text = " ".join(str(e).split())[:300] or type(e).__name__
        raise SweepRefused(f"cannot reach the dask scheduler at {where} ({text}); nothing was "
                           "written") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           silence_logs=logging.WARNING)
    return Client(cluster), cluster


def _execute_dask(tasks: Iterator[ChunkTask], on_result: Callable[[ChunkResult], None],
                  workers: int, scheduler: str | None, scheduler_file: str | None,
                  client: Any = None) -> None:
    """Chunks on a dask cluster. The scheduler reruns the tasks of a worker that is lost; a note
    on stderr says when a worker left. A chunk that killed workers repeatedly (dask's
    ``KilledWorker``) is recorded as failed runs."""
    from dask.distributed import as_completed

    try:
        from distributed.scheduler import KilledWorker
    except ImportError:  # pragma: no cover - older layouts
        from distributed import KilledWorker  # type: ignore[no-redef]

    own = client is None
    cluster = None
    if own:
        client, cluster = _dask_connect(workers, scheduler, scheduler_file)
    try:
        threads = sum(client.nthreads().values()) or workers
        window = max(2 * threads, 2)
        seen = set(client.nthreads())
        ac = as_completed()
        it = iter(tasks)
        by_future: dict[Any, ChunkTask] = {}
        for task in itertools.islice(it, window):
            f = client.submit(run_chunk, task, pure=False)
            by_future[f] = task
            ac.add(f)
        for fut in ac:
            task = by_future.pop(fut)
            try:
                result = fut.result()
            except KilledWorker as e:
                result = _lost_chunk(task, f"WorkerDied: dask workers died running this run's "
                                           f"chunk ({' '.join(str(e).split())[:200]})")
            fut.release()
            on_result(result)
            now = set(client.nthreads())
            gone = seen - now
            if gone:
                print(f"note: dask lost {len(gone)} worker{'s' if len(gone) > 1 else ''} "
                      f"({', '.join(sorted(gone))}); the scheduler reruns their unfinished "
                      "chunks on the others", file=sys.stderr, flush=True)
            seen = now
            nxt = next(it, None)
            if nxt is not None:
                f = client.submit(run_chunk, nxt, pure=False)
                by_future[f] = nxt
                ac.add(f)
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()


_execute = execute  # the earlier private name


# --------------------------------------------------------------------------------------------
# files


def _schema(plan: SweepPlan) -> Any:
    """The Arrow schema of ``runs/`` chunks (the same for every chunk of a sweep)."""
    import pyarrow as pa

    from ..metrics import METRICS

    fields = [pa.field(n, pa.int64()) for n in ("run_id", "point", "replication", "seed")]
    for col, kind, _, _ in _param_columns(plan):
        fields.append(pa.field(col, {"int": pa.int64(), "float": pa.float64(),
                                     "text": pa.string()}[kind]))
    fields += [pa.field(n, pa.float64()) for n in METRICS]
    fields.append(pa.field("error", pa.string()))
    return pa.schema(fields, metadata={"triplewin": "sweep runs, one row per run",
                                       "varied": json.dumps([f.key for f in plan.factors])})


def _param_columns(plan: SweepPlan) -> list[tuple[str, str, bool, Any]]:
    """(column, kind, varied, source) for every lever and world parameter. ``source`` is the
    factor's design column when varied, else the fixed value; a schedule in the base (never
    varied) is stored as JSON text."""
    index = {f.key: j for j, f in enumerate(plan.factors)}
    base = plan.base_params()
    out = []
    for section, params in (("levers", LEVERS), ("world", WORLD)):
        for name, p in params.items():
            col = f"{section}.{name}"
            kind = "int" if p.integer else "float"
            if col in index:
                out.append((col, kind, True, index[col]))
            elif isinstance(base[name], dict):
                text = json.dumps({str(k): v for k, v in base[name].items()})
                out.append((col, "text", False, text))
            else:
                out.append((col, kind, False, base[name]))
    return out


def _runs_table(plan: SweepPlan, values: np.ndarray, res: ChunkResult, schema: Any) -> Any:
    import pyarrow as pa

    from ..metrics import METRICS

    ids = np.asarray(res.run_ids, dtype=np.int64)
    points, reps = ids // plan.replications, ids % plan.replications
    cols: dict[str, Any] = {"run_id": ids, "point": points, "replication": reps,
                            "seed": np.asarray(plan.seeds, dtype=np.int64)[reps]}
    for col, kind, varied, src in _param_columns(plan):
        if varied:
            v = values[points, src]
            cols[col] = np.round(v).astype(np.int64) if kind == "int" else v
        elif kind == "text":
            cols[col] = [src] * len(ids)
        else:
            cols[col] = np.full(len(ids), src, dtype=np.int64 if kind == "int" else float)
    for j, name in enumerate(METRICS):
        cols[name] = res.finals[:, j]
    cols["error"] = res.errors
    return pa.Table.from_pydict(cols, schema=schema)


def _series_table(plan: SweepPlan, res: ChunkResult) -> Any:
    import pyarrow as pa

    from ..metrics import METRICS

    ids, steps, rows = [], [], []
    for run_id, s in zip(res.run_ids, res.series or [], strict=True):
        if s is None:
            continue
        ids.append(np.full(len(s), run_id, dtype=np.int64))
        steps.append(np.arange(len(s), dtype=np.int64))
        rows.append(s)
    n_m = len(METRICS)
    run_id = np.concatenate(ids) if ids else np.zeros(0, np.int64)
    data = np.vstack(rows) if rows else np.zeros((0, n_m))
    cols: dict[str, Any] = {"run_id": run_id, "point": run_id // plan.replications,
                            "replication": run_id % plan.replications,
                            "step": np.concatenate(steps) if steps else np.zeros(0, np.int64)}
    for j, name in enumerate(METRICS):
        cols[name] = data[:, j]
    schema = pa.schema([pa.field(k, pa.int64()) for k in ("run_id", "point", "replication",
                                                           "step")]
                       + [pa.field(n, pa.float64()) for n in METRICS])
    return pa.Table.from_pydict(cols, schema=schema)


def _write_atomic(table: Any, path: Path) -> None:
    """Write a Parquet file under a hidden temporary name, flush it to disk, rename it."""
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        pq.write_table(table, tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:  # interrupted or failed: no hidden temporary file stays behind
        tmp.unlink(missing_ok=True)
        raise


def _write_json_atomic(data: dict[str, Any], path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _chunk_name(chunk: int) -> str:
    return f"part-{chunk:05d}.parquet"


def _chunk_id(path: Path) -> int | None:
    stem = path.name[len("part-"):-len(".parquet")]
    return int(stem) if path.name.startswith("part-") and stem.isdigit() else None


def _versions() -> dict[str, str]:
    from .. import (
        __version__,  # the package's own version (installed metadata can lag it)
    )

    out = {"python": platform.python_version(), "triplewin": __version__}
    for pkg in ("mesa", "numpy", "pydantic", "pyyaml", "pandas", "pyarrow",
                "SALib", "dask", "distributed"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _manifest(plan: SweepPlan) -> dict[str, Any]:
    from .runner import git_commit

    spec = plan.spec
    return {
        "tool": "triplewin",
        "kind": "sweep",
        "name": spec.name,
        "description": spec.description,
        "sweep_file": plan.source,
        "sweep_sha256": plan.sha256,
        "sweep": spec.model_dump(mode="json"),
        "base_file": plan.base_source,
        "base_sha256": scenario_sha256(plan.base),
        "base_scenario": resolved_dict(plan.base),
        "design": {
            "kind": spec.design, "samples": spec.samples, "levels": plan.levels,
            "second_order": spec.second_order, "points": plan.n_points,
            "factors": [f.as_json() for f in plan.factors],
            "fixed": plan.fixed,
            "sampler": "SALib" if spec.design in ("lhs", "sobol", "morris") else "numpy",
        },
        "replications": plan.replications,
        "runs": plan.n_runs,
        "run_id": "point * replications + replication",
        "steps": plan.steps,
        "root_seed": plan.seed,
        "seeds": plan.seeds,
        "keep_timeseries": spec.keep_timeseries,
        "testing": spec.testing.model_dump() if spec.testing else None,
        "versions": _versions(),
        "git_commit": git_commit(),
        "created_utc": _now(),
        "command": sys.argv,
        "status": "running",
        "runs_done": 0,
        "runs_failed": 0,
        "sessions": [],
    }


def read_manifest(out: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a sweep folder; :class:`SweepRefused` if it is not one."""
    path = Path(out) / "manifest.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SweepRefused(f"{out} is not a sweep folder (no manifest.json)") from None
    except (OSError, ValueError) as e:
        raise SweepRefused(f"{path} is unreadable: {e}") from None
    if not isinstance(data, dict) or data.get("kind") != "sweep":
        raise SweepRefused(f"{out} is not a sweep folder (manifest.json is not a sweep's)")
    return data


def read_design(out: str | os.PathLike[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(factor keys, values, unit)`` from ``DIR/design.parquet``."""
    import pyarrow.parquet as pq

    t = pq.read_table(Path(out) / "design.parquet")
    keys = [c for c in t.column_names if c != "point" and not c.startswith("unit:")]
    values = np.column_stack([t.column(k).to_numpy() for k in keys]) if keys else np.zeros((0, 0))
    unit = np.column_stack([t.column(f"unit:{k}").to_numpy() for k in keys]) if keys else values
    return keys, values.astype(float), unit.astype(float)


def _write_design(tmp: Path, plan: SweepPlan, values: np.ndarray, unit: np.ndarray) -> None:
    import pyarrow as pa

    cols: dict[str, Any] = {"point": np.arange(len(values), dtype=np.int64)}
    for j, f in enumerate(plan.factors):
        cols[f.key] = values[:, j]
    for j, f in enumerate(plan.factors):
        cols[f"unit:{f.key}"] = unit[:, j]
    _write_atomic(pa.table(cols), tmp / "design.parquet")


class _Lock:
    """An exclusive lock on ``DIR/.lock`` for the life of a sweep session (released by the
    kernel if the process dies), so two sessions never write the same folder."""

    def __init__(self, out: Path):
        self.path = out / ".lock"
        self.fh: Any = None

    def __enter__(self) -> _Lock:
        self.fh = open(self.path, "a+")  # noqa: SIM115 - held for the session
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks
            return self
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.fh.close()
            raise SweepRefused(f"another sweep session is writing {self.path.parent}; wait for "
                               "it to finish or stop it first") from None
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.fh is not None:
            self.fh.close()


# --------------------------------------------------------------------------------------------
# running a sweep


@dataclass
class SweepResult:
    """Outcome of a sweep session."""

    out: Path
    runs: int  # runs in the sweep
    done: int  # runs on disk (all sessions)
    failed: int  # failed runs on disk (all sessions)
    ran: int  # runs this session
    seconds: float  # wall time of this session
    worker_seconds: float = 0.0  # time spent inside the runs, summed over workers
    cpu_seconds: float = 0.0  # CPU time of the workers inside the runs
    failures: list[tuple[int, str]] = field(default_factory=list)  # first few (run_id, error)

    @property
    def rate(self) -> float:
        """Runs per second this session."""
        return self.ran / self.seconds if self.seconds > 0 else 0.0

    @property
    def complete(self) -> bool:
        return self.done == self.runs


def default_chunk_size(pending: int, workers: int) -> int:
    """Runs per chunk: about 16 chunks per worker, between 1 and 200 runs."""
    return int(max(1, min(200, math.ceil(pending / (max(workers, 1) * 16)))))


def run_sweep(plan: SweepPlan, out: str | os.PathLike[str], *, executor: str = "process",
              workers: int | None = None, scheduler: str | None = None,
              scheduler_file: str | None = None, resume: bool = False,
              chunk_size: int | None = None, progress: Progress | None = None,
              on_start: Callable[[int, int, int], None] | None = None) -> SweepResult:
    """Run (or resume) a sweep into ``out``.

    Args:
        plan: from :func:`load_sweep` or :func:`plan_from_dict`.
        out: the sweep folder. It must not exist unless ``resume`` is true.
        executor: ``process`` (default), ``serial`` or ``dask``.
        workers: processes (``process``) or local-cluster workers (``dask`` without a
            scheduler); default ``os.cpu_count()``.
        scheduler, scheduler_file: a running dask scheduler (``dask`` only).
        resume: continue the sweep in ``out``, skipping runs already on disk.
        chunk_size: runs per task and per Parquet file (default :func:`default_chunk_size`).
        progress: called after each chunk with (runs done, runs in all, runs failed).
        on_start: called once before running with (runs already done, runs in all, chunk size).

    Raises:
        SweepRefused: ``out`` exists without ``resume``, is not this sweep's folder, or is in
            use by another session.
    """
    out = Path(out)
    if executor not in EXECUTORS:
        raise SweepRefused(f"unknown executor {executor!r} (allowed: {', '.join(EXECUTORS)})")
    if (scheduler or scheduler_file) and executor != "dask":
        raise SweepRefused("a dask scheduler needs executor dask (--executor dask)")
    if scheduler and scheduler_file:
        raise SweepRefused("give a scheduler address or a scheduler file, not both")
    workers = int(workers or os.cpu_count() or 1)
    if workers < 1:
        raise SweepRefused(f"workers must be at least 1, got {workers}")
    if chunk_size is not None and chunk_size < 1:
        raise SweepRefused(f"chunk size must be at least 1, got {chunk_size}")

    if (out.exists() or out.is_symlink()) and not resume:
        raise SweepRefused(f"{out} already exists; refusing to overwrite it (use --resume to "
                           "continue that sweep, or choose a new --out)")
    # connect first: an unreachable scheduler leaves no half-made folder
    client, cluster = (_dask_connect(workers, scheduler, scheduler_file) if executor == "dask"
                       else (None, None))
    try:
        return _start_session(plan, out, executor=executor, workers=workers,
                              scheduler=scheduler, scheduler_file=scheduler_file,
                              chunk_size=chunk_size, progress=progress, on_start=on_start,
                              client=client)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _start_session(plan: SweepPlan, out: Path, *, executor: str, workers: int,
                   scheduler: str | None, scheduler_file: str | None, chunk_size: int | None,
                   progress: Progress | None,
                   on_start: Callable[[int, int, int], None] | None, client: Any) -> SweepResult:
    if out.exists() or out.is_symlink():
        manifest = read_manifest(out)
        _check_same_sweep(manifest, plan, out)
        _, values, _ = read_design(out)
        if values.shape != (plan.n_points, len(plan.factors)):
            raise SweepRefused(f"{out}/design.parquet does not match the sweep "
                               f"({values.shape} vs {plan.n_points} x {len(plan.factors)})")
    else:
        values, unit = make_design(plan)
        manifest = _manifest(plan)
        from ..safeio import atomic_dir, commit_dir

        tmp = atomic_dir(out)
        try:
            (tmp / "runs").mkdir()
            if plan.spec.keep_timeseries:
                (tmp / "timeseries").mkdir()
            _write_design(tmp, plan, values, unit)
            _write_json_atomic(manifest, tmp / "manifest.json")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        try:
            commit_dir(tmp, out)
        except FileExistsError:
            raise SweepRefused(f"{out} appeared while the sweep was starting; choose a new "
                               "--out") from None

    with _Lock(out):
        return _run_session(plan, out, values, manifest, executor=executor, workers=workers,
                            scheduler=scheduler, scheduler_file=scheduler_file,
                            chunk_size=chunk_size, progress=progress, on_start=on_start,
                            client=client)


def _check_same_sweep(manifest: dict[str, Any], plan: SweepPlan, out: Path) -> None:
    if manifest.get("sweep_sha256") != plan.sha256:
        raise SweepRefused(f"the sweep file changed since {out} was started (sha256 "
                           f"{str(manifest.get('sweep_sha256'))[:12]} then, {plan.sha256[:12]} "
                           "now); resume with the same file, or start a new --out")
    if manifest.get("base_sha256") != scenario_sha256(plan.base):
        raise SweepRefused(f"the base scenario changed since {out} was started; resume with the "
                           "same base, or start a new --out")


def scan_runs(out: Path, n_runs: int) -> tuple[np.ndarray, int, int, list[tuple[int, str]]]:
    """Read which runs are on disk: (done mask, failed count, next chunk number, first failures).
    Also removes temporary files left by a killed session and time-series chunks whose runs
    chunk never landed."""
    import pyarrow.parquet as pq

    runs_dir, ts_dir = out / "runs", out / "timeseries"
    for d in (runs_dir, ts_dir):
        if d.is_dir():
            for stale in d.glob(".part-*.tmp-*"):
                stale.unlink(missing_ok=True)
    done = np.zeros(n_runs, dtype=bool)
    failed, next_chunk, failures = 0, 0, []
    chunks = set()
    for f in sorted(runs_dir.glob("part-*.parquet")):
        cid = _chunk_id(f)
        if cid is None:
            continue
        try:
            t = pq.read_table(f, columns=["run_id", "error"])
        except Exception as e:  # noqa: BLE001 - name the file, let the user decide
            raise SweepRefused(f"{f} is unreadable ({type(e).__name__}: {e}); move it away and "
                               "resume again to redo its runs") from None
        ids = t.column("run_id").to_numpy()
        if ids.size and (ids.max() >= n_runs or done[ids].any()):
            raise SweepRefused(f"{f} holds run ids that are out of range or already on disk; "
                               "is this folder from another sweep?")
        done[ids] = True
        for rid, err in zip(ids.tolist(), t.column("error").to_pylist(), strict=True):
            if err:
                failed += 1
                if len(failures) < 5:
                    failures.append((rid, err))
        chunks.add(cid)
        next_chunk = max(next_chunk, cid + 1)
    if ts_dir.is_dir():
        for f in ts_dir.glob("part-*.parquet"):
            cid = _chunk_id(f)
            if cid is not None and cid not in chunks:
                f.unlink(missing_ok=True)  # its runs chunk never landed: those runs are redone
            elif cid is not None:
                next_chunk = max(next_chunk, cid + 1)
    return done, failed, next_chunk, sorted(failures)


def _run_session(plan: SweepPlan, out: Path, values: np.ndarray, manifest: dict[str, Any], *,
                 executor: str, workers: int, scheduler: str | None, scheduler_file: str | None,
                 chunk_size: int | None, progress: Progress | None,
                 on_start: Callable[[int, int, int], None] | None,
                 client: Any = None) -> SweepResult:
    t0 = time.perf_counter()
    done, failed, next_chunk, failures = scan_runs(out, plan.n_runs)
    pending = np.flatnonzero(~done)
    n_done = int(done.sum())
    size = chunk_size or default_chunk_size(len(pending), workers if executor != "serial" else 1)
    session = {"started_utc": _now(), "executor": executor,
               "workers": workers if executor != "serial" else 1, "chunk_size": size,
               "scheduler": scheduler or scheduler_file, "runs_at_start": n_done,
               "status": "running"}
    for earlier in manifest.setdefault("sessions", []):
        if earlier.get("status") == "running":  # we hold the lock: that session died
            earlier["status"] = "killed"
    manifest["sessions"].append(session)
    _write_json_atomic(manifest, out / "manifest.json")
    if on_start:
        on_start(n_done, plan.n_runs, size)
    if progress:
        progress(n_done, plan.n_runs, failed)

    schema = _schema(plan)
    base = plan.base_params()
    testing = plan.spec.testing
    keys = tuple(f.name for f in plan.factors)
    integer = tuple(f.integer for f in plan.factors)

    def tasks() -> Iterator[ChunkTask]:
        for k, start in enumerate(range(0, len(pending), size)):
            ids = pending[start:start + size]
            runs = tuple((int(r), plan.seeds[int(r) % plan.replications],
                          tuple(float(x) for x in values[int(r) // plan.replications]))
                         for r in ids)
            yield ChunkTask(chunk=next_chunk + k, steps=plan.steps, base=base, keys=keys,
                            integer=integer, runs=runs,
                            keep_timeseries=plan.spec.keep_timeseries,
                            fail_runs=frozenset(testing.fail_runs) if testing else frozenset(),
                            sleep=testing.sleep if testing else 0.0)

    state: dict[str, float] = {"done": n_done, "failed": failed, "ran": 0, "busy": 0.0,
                               "cpu": 0.0}

    def on_result(res: ChunkResult) -> None:
        name = _chunk_name(res.chunk)
        if res.series is not None:
            _write_atomic(_series_table(plan, res), out / "timeseries" / name)
        _write_atomic(_runs_table(plan, values, res, schema), out / "runs" / name)
        n_bad = sum(bool(e) for e in res.errors)
        for rid, err in zip(res.run_ids, res.errors, strict=True):
            if err and len(failures) < 5:
                failures.append((rid, err))
        state["done"] += len(res.run_ids)
        state["failed"] += n_bad
        state["ran"] += len(res.run_ids)
        state["busy"] += res.seconds
        state["cpu"] += res.cpu_seconds
        if progress:
            progress(state["done"], plan.n_runs, state["failed"])

    status = "interrupted"
    try:
        _execute(tasks(), on_result, executor=executor, workers=workers, scheduler=scheduler,
                 scheduler_file=scheduler_file, client=client)
        status = "complete" if state["done"] == plan.n_runs else "incomplete"
    finally:
        seconds = time.perf_counter() - t0
        session.update({"finished_utc": _now(), "status": status, "runs": state["ran"],
                        "failed": state["failed"] - failed, "wall_time_s": round(seconds, 3),
                        "runs_per_s": round(state["ran"] / seconds, 3) if seconds else None,
                        "worker_seconds": round(state["busy"], 3),
                        "worker_cpu_seconds": round(state["cpu"], 3),
                        "cpu_seconds_per_run": round(state["cpu"] / state["ran"], 4)
                        if state["ran"] else None})
        manifest.update({"status": "complete" if state["done"] == plan.n_runs else "incomplete",
                         "runs_done": state["done"], "runs_failed": state["failed"]})
        _write_json_atomic(manifest, out / "manifest.json")
    return SweepResult(out=out, runs=plan.n_runs, done=int(state["done"]),
                       failed=int(state["failed"]), ran=int(state["ran"]), seconds=seconds,
                       worker_seconds=state["busy"], cpu_seconds=state["cpu"],
                       failures=sorted(failures)[:5])


# --------------------------------------------------------------------------------------------
# reading results


def read_runs(out: str | os.PathLike[str], columns: list[str] | None = None) -> Any:
    """All runs of a sweep as a pandas DataFrame, one row per run, sorted by ``run_id``."""
    import pandas as pd

    df = pd.read_parquet(Path(out) / "runs", columns=columns)
    if "run_id" in df.columns:
        df = df.sort_values("run_id", kind="stable").reset_index(drop=True)
    return df


def export_csv(out: str | os.PathLike[str], window: int = 20_000) -> list[Path]:
    """Write ``DIR/runs.csv`` (and ``DIR/timeseries.csv`` when kept), sorted by run id (and
    step), reading a window of runs at a time so memory stays flat. Returns the files."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    out = Path(out)
    manifest = read_manifest(out)
    n_runs = int(manifest["runs"])
    written = []
    for sub, per_run in (("runs", 1), ("timeseries", int(manifest.get("steps") or 1))):
        folder = out / sub
        if not folder.is_dir():
            continue
        dataset = ds.dataset(folder, format="parquet")
        target = out / f"{sub}.csv"
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        step = max(1, window // per_run)
        header = True
        with open(tmp, "w", newline="") as fh:
            for a in range(0, n_runs, step):
                t = dataset.to_table(filter=(pc.field("run_id") >= a) & (pc.field("run_id") <
                                                                          a + step))
                keys = [("run_id", "ascending")] + ([("step", "ascending")] if sub ==
                                                    "timeseries" else [])
                df = t.sort_by(keys).to_pandas()
                if header or len(df):
                    df.to_csv(fh, index=False, header=header)
                    header = False
        os.replace(tmp, target)
        written.append(target)
    return written
