"""The sweep file: its keys, their checks, and the plan it makes.

A *sweep file* names a base scenario, a design and the factors to vary, keeping levers
(``levers:``) and uncertainties, constants or population sizes (``world:``) apart::

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

:func:`load_sweep` reads it with the package's YAML reader (:mod:`sim.yamlsafe`: line numbers,
alias-bomb and size limits, unsafe tags, duplicate keys) and validates it with pydantic; every
problem is a :class:`~sim.yamlsafe.Problem` printed as ``FILE:LINE: dotted.key: what is wrong
(allowed)``. Factor values are checked against the parameter registry
(:mod:`sim.scenario.params`) with the same range rule as scenarios (:meth:`Param.fault`).

The result is a :class:`SweepPlan`: design points x replications = runs. Run ``run_id`` is
``point * replications + replication`` and replication r uses ``replication_seeds(seed, R)[r]`` at
every point (common random numbers), so differences between points are not seed noise.

Testing aid: the section ``testing: {fail_runs: [3, 17], sleep: 0.05}`` makes the listed runs
raise a deliberate error inside the sweep worker and each run sleep that many seconds first
(:func:`sim.sweeps.executors.run_chunks`). It exists to test failure handling and kill/resume; it
touches no model code and is recorded in the manifest.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..scenario.constants import CONSTANTS
from ..scenario.declaration import Param
from ..scenario.load import ScenarioError, load_scenario
from ..scenario.params import (
    LEVERS,
    MAX_AGENTS,
    MAX_REPLICATIONS,
    MAX_STEPS,
    POPULATION,
    RUN,
    UNCERTAINTIES,
    WORLD,
)
from ..scenario.schema import NAME_PATTERN, NAME_RULE, Scenario
from ..streams import replication_seeds
from ..yamlsafe import Blocked, Path_, Problem, describe, read_mapping

#: Largest number of design points (the design matrix is held in memory).
MAX_POINTS = 1_000_000
#: Largest number of runs (points x replications) in one sweep.
MAX_RUNS = 20_000_000
#: Most values of one factor: grid levels or a ``values`` list.
MAX_LEVELS = 1_000
#: Default number of grid levels of a ``{low, high}`` range, and of Morris levels.
GRID_LEVELS, MORRIS_LEVELS = 5, 4

DESIGNS = ("grid", "random", "lhs", "sobol", "morris")


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

    name: Annotated[str, Field(pattern=NAME_PATTERN, max_length=80)]
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
    return p.number_text


def _in_range(p: Param, v: float, path: Path_, problem: Callable[[Path_, str], None]) -> bool:
    fault = p.fault(v)
    if fault == "not whole":
        problem(path, f"expected a whole number, got {v:g} ({_range_text(p)})")
    elif fault == "not finite":
        problem(path, f"{v} is not a finite number ({_range_text(p)})")
    elif fault == "out of range":
        problem(path, f"{v:g} is out of range ({_range_text(p)})")
    return fault is None


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

