"""The scenario schema, generated from the declarations in :mod:`sim.scenario.params`.

A scenario file has the top-level keys ``name``, ``description``, ``extends``, ``run``, ``world``
and ``levers``. Unknown keys are rejected with the list of valid ones. Levers and schedulable
uncertainties take either a number or a schedule ``{step: value}``: a step function whose value
holds from its step until the next listed step (no ramp). A schedule starts at step 0, so no value
is implicit; a step is a quarter number (0 is 2015Q1) or a quarter written ``2018Q1``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .declaration import Param
from .params import LEVERS, MAX_AGENTS, MAX_CELLS, RUN, START_YEAR, WORLD

#: A scenario's (or sweep's) name, and the rule as messages state it.
NAME_PATTERN = r"^[a-z0-9-]+$"
NAME_RULE = "lowercase letters, digits and '-', e.g. joint-bidding"

Schedule = dict[int, float]
Value = float | Schedule


def _check_number(p: Param, v: Any) -> float | int:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise PydanticCustomError(
            "wrong_type", "expected {allowed}, got {got}",
            {"allowed": p.range_text, "got": type(v).__name__ if v is not None else "nothing"},
        )
    fault = p.fault(v)
    if fault == "not whole":
        raise PydanticCustomError("wrong_type", "expected a whole number, got {got} ({allowed})",
                                  {"got": v, "allowed": p.range_text})
    if fault == "not finite":
        raise PydanticCustomError("out_of_range", "{got} is not a finite number ({allowed})",
                                  {"got": v, "allowed": p.range_text})
    if fault == "out of range":
        raise PydanticCustomError("out_of_range", "{got} is out of range ({allowed})",
                                  {"got": v, "allowed": p.range_text})
    return int(v) if p.integer else float(v)


_QUARTER = re.compile(r"^([0-9]{4})[Qq]([1-4])$")

#: How a schedule reads, for messages and ``triplewin explain``.
SCHEDULE_RULE = ("a schedule {step: value} is a step function: each value holds from its step "
                 "until the next listed one (no ramp); it must start at step 0; a step is a "
                 f"quarter number from 0 ({START_YEAR}Q1) or a quarter such as 2018Q1")


def step_of(key: Any) -> int | None:
    """The step a schedule key names: a whole number >= 0, or a quarter ``YYYYQn`` from
    2015Q1 (``2018Q1`` is step 12); None for anything else."""
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key if key >= 0 else None
    if isinstance(key, str):
        m = _QUARTER.match(key.strip())
        if m:
            step = (int(m.group(1)) - START_YEAR) * 4 + int(m.group(2)) - 1
            return step if step >= 0 else None
    return None


def quarter_of(step: int) -> str:
    """The quarter of a step: ``2018Q1`` for step 12."""
    return f"{START_YEAR + step // 4}Q{step % 4 + 1}"


def _validator(p: Param):
    def check(v: Any) -> Any:
        if p.schedulable and isinstance(v, dict):
            if not v:
                raise PydanticCustomError("empty_schedule", "an empty schedule ({allowed})",
                                          {"allowed": p.range_text})
            out: dict[int, float] = {}
            given: dict[int, Any] = {}
            for k, x in v.items():
                step = step_of(k)
                if step is None:
                    raise PydanticCustomError(
                        "bad_step", "schedule step {shown} is not a step number >= 0 or a "
                        "quarter from {first} (a schedule maps steps to values, e.g. {example})",
                        {"k": k, "shown": repr(k)[:60], "first": f"{START_YEAR}Q1",
                         "example": "{0: 0.2, 12: 0.8} or {2015Q1: 0.2, 2018Q1: 0.8}"})
                if step in given:
                    raise PydanticCustomError(
                        "bad_step", "schedule gives step {step} twice ({a} and {b})",
                        {"k": k, "step": step, "a": repr(given[step]), "b": repr(k)[:60]})
                given[step] = k
                out[step] = _check_number(p, x)
            if 0 not in out:
                first = min(out)
                raise PydanticCustomError(
                    "schedule_start", "a schedule must start at step 0, but its first step is "
                    "{first} ({quarter}): add 0: VALUE for the quarters before it ({rule})",
                    {"k": given[first], "first": first, "quarter": quarter_of(first),
                     "rule": SCHEDULE_RULE})
            return dict(sorted(out.items()))
        return _check_number(p, v)

    return check


def _fields(params: dict[str, Param]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, p in params.items():
        base = (int if p.integer else float) if not p.schedulable else Value
        fields[name] = (
            Annotated[base, BeforeValidator(_validator(p))],
            Field(default=p.default, description=p.meaning),
        )
    return fields


_STRICT = ConfigDict(extra="forbid", frozen=True)

Levers = create_model("Levers", __config__=_STRICT, **_fields(LEVERS))
World = create_model("World", __config__=_STRICT, **_fields(WORLD))
RunSettings = create_model("RunSettings", __config__=_STRICT, **_fields(RUN))


class Scenario(BaseModel):
    """A whole scenario, resolved (``extends`` already merged).

    Errors raised by the whole-scenario checks carry the dotted key they concern in
    ``ctx["path"]`` so that the loader can point at the right line.
    """

    model_config = _STRICT

    name: Annotated[str, Field(pattern=NAME_PATTERN, max_length=80)]
    description: Annotated[str, Field(max_length=5000)] = ""
    extends: str | None = None
    run: RunSettings = Field(default_factory=RunSettings)  # type: ignore[valid-type]
    world: World = Field(default_factory=World)  # type: ignore[valid-type]
    levers: Levers = Field(default_factory=Levers)  # type: ignore[valid-type]
    #: The files this scenario was read from, child first (set by the loader; not a value of the
    #: scenario: it is neither validated, dumped nor hashed).
    _files: tuple[str, ...] = PrivateAttr(default=())

    @property
    def files(self) -> tuple[str, ...]:
        """The files read to make this scenario (its ``extends`` chain, child first, real
        paths); empty when it was built in code."""
        return self._files

    @model_validator(mode="after")
    def _check_sizes_and_schedules(self) -> Scenario:
        steps = self.run.steps
        for section in ("world", "levers"):
            for key, v in getattr(self, section).model_dump().items():
                if isinstance(v, dict):
                    late = [k for k in v if k >= steps]
                    if late:
                        raise PydanticCustomError(
                            "schedule_beyond_run",
                            "schedule names step {step}, beyond the run (steps 0 to {last}): "
                            "{quarter} comes after the run's last quarter, {last_quarter}; raise "
                            "--steps or run.steps to reach it",
                            {"path": f"{section}.{key}", "step": late[0],
                             "quarter": quarter_of(late[0]), "last": steps - 1,
                             "last_quarter": quarter_of(steps - 1)},
                        )
        w = self.world
        agents = (w.n_developed_hosts + w.n_developing_hosts + w.n_cn_firms + w.n_dv_firms
                  + w.dg_firms_per_host * w.n_developing_hosts)
        if agents > MAX_AGENTS:
            raise PydanticCustomError(
                "too_large", "{n} agents in all exceeds the limit of {lim} (MAX_AGENTS)",
                {"path": "world", "n": agents, "lim": MAX_AGENTS})
        cells = agents * steps * self.run.replications
        if cells > MAX_CELLS:
            raise PydanticCustomError(
                "too_large",
                "agents x steps x replications = {n} exceeds the limit of {lim} (MAX_CELLS); "
                "use fewer replications or a sweep",
                {"path": "run.replications", "n": cells, "lim": MAX_CELLS})
        return self

    def lever_values(self) -> dict[str, Value]:
        """Levers as plain values (numbers or schedules)."""
        return self.levers.model_dump()

    def world_values(self) -> dict[str, Value]:
        """Population and uncertainties as plain values."""
        return self.world.model_dump()

    def model_params(self) -> dict[str, Value]:
        """Keyword arguments of :class:`~sim.model.TripleWinModel` (levers, population and
        uncertainties as plain data; ``rng`` and ``steps`` aside)."""
        return {**self.lever_values(), **self.world_values()}


def value_at(value: Value, step: int, default: float) -> float:
    """Value of a number-or-schedule at ``step`` (held from the last listed step)."""
    if not isinstance(value, dict):
        return float(value)
    current = default
    for k in sorted(value):
        if k <= step:
            current = value[k]
        else:
            break
    return float(current)
