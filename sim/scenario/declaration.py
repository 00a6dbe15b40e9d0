"""What one declared parameter carries: :class:`Param`, and the one range rule.

Every parameter of a scenario (lever, uncertainty, structural constant, population size, run
setting) is a :class:`Param` with its default, unit, allowed range, plausible range, meaning and
source. The declarations themselves are in :mod:`sim.scenario.params` (levers, uncertainties,
population, run settings) and :mod:`sim.scenario.constants` (structural constants).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Kind = Literal["lever", "uncertainty", "constant", "population", "run"]


@dataclass(frozen=True)
class Param:
    """One declared parameter."""

    name: str
    kind: Kind
    default: float | int
    unit: str
    low: float | int
    high: float | int | None
    meaning: str
    source: str
    integer: bool = False
    schedulable: bool = False
    #: The range ``compare --worlds`` draws plausible worlds from, where the allowed range
    #: ``[low, high]`` is wider than a plausible world (None: the allowed range).
    plausible: tuple[float, float] | None = None

    @property
    def world_range(self) -> tuple[float, float]:
        """The range a world is drawn from: :attr:`plausible`, else ``[low, high]``."""
        if self.plausible is not None:
            return float(self.plausible[0]), float(self.plausible[1])
        if self.high is None:
            raise ValueError(f"{self.name} has no upper bound and no plausible range")
        return float(self.low), float(self.high)

    @property
    def number_text(self) -> str:
        """The allowed numbers, e.g. ``number in [0, 1]`` or ``integer in [1, 400]``."""
        hi = "inf" if self.high is None else f"{self.high:g}"
        kind = "integer" if self.integer else "number"
        return f"{kind} in [{self.low:g}, {hi}]"

    @property
    def range_text(self) -> str:
        """The allowed values: :attr:`number_text`, and schedules where the parameter takes them."""
        text = self.number_text
        if self.schedulable:
            text += ", or a schedule {step: value}"
        return text

    def fault(self, v: int | float) -> Literal["not whole", "not finite", "out of range"] | None:
        """What keeps the number ``v`` from being a value of this parameter, or None: the one range
        rule, used by the scenario schema and by sweep files (each words its own message)."""
        if self.integer and isinstance(v, float) and not v.is_integer():
            return "not whole"
        if isinstance(v, float) and not math.isfinite(v):
            return "not finite"
        if v < self.low or (self.high is not None and v > self.high):
            return "out of range"
        return None
