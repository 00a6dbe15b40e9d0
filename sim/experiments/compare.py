"""Paired comparison of two scenarios with common random numbers, and the triple-win verdict
(docs/ODD.md section 1, "The verdict").

Both scenarios run replication r with the same seed; the paired difference B - A of each metric
at the final step is summarised by its mean and a 95% Student-t confidence interval. A group wins
where the whole interval of its gain lies above zero; a triple win is all three.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import groups
from ..metrics import METRICS
from ..scenario.schema import Scenario
from ..stats import mean_ci
from ..streams import replication_seeds
from .runner import Progress, RunResults, histories_of, summarize

#: Each verdict group's gain metric, by group key (declared in :mod:`sim.groups`).
GAIN_OF = groups.GAIN_OF


@dataclass
class Comparison:
    """Paired differences of B - A and the verdict."""

    a: RunResults
    b: RunResults
    metrics: dict[str, dict[str, float]]
    verdict: dict[str, bool]

    def as_json(self) -> dict[str, Any]:
        """The contract shape (docs/ODD.md section 4, "Observation") plus the scenario names and
        seeds."""
        return {
            "a": self.a.scenario.name, "b": self.b.scenario.name,
            "replications": len(self.a.seeds), "seeds": self.a.seeds,
            "metrics": self.metrics, "verdict": self.verdict,
        }


def paired(a: RunResults, b: RunResults) -> dict[str, dict[str, float]]:
    """Per metric: mean paired difference B - A with its 95% CI, plus A's and B's means."""
    out = {}
    for name in METRICS:
        xa, xb = a.final(name), b.final(name)
        s = mean_ci(xb - xa)
        out[name] = {"delta": s["mean"], "ci_low": s["ci_low"], "ci_high": s["ci_high"],
                     "n": s["n"], "a": float(xa.mean()), "b": float(xb.mean())}
    return out


def verdict(diff: dict[str, dict[str, float]]) -> dict[str, bool]:
    """Who wins: the 95% CI of the group's gain difference lies wholly above zero."""
    v = {group: bool(diff[g]["ci_low"] > 0) for group, g in GAIN_OF.items()}
    v["triple_win"] = all(v.values())
    return v


def compare(a: Scenario, b: Scenario, *, replications: int | None = None, seed: int | None = None,
            progress: Progress | None = None, workers: int = 1,
            batch: int | None = None) -> Comparison:
    """Run A and B with the same replication seeds and compare them (B - A), in this process or
    on ``workers`` processes, ``batch`` runs per pass of the batched engine (``None``:
    automatic); the same numbers either way."""
    reps = replications or max(a.run.replications, b.run.replications)
    seeds = replication_seeds(a.run.seed if seed is None else seed, reps)
    t0 = time.perf_counter()
    hist = histories_of([(a, s) for s in seeds] + [(b, s) for s in seeds], workers=workers,
                        progress=progress, batch=batch)
    wall = time.perf_counter() - t0  # both scenarios ran together
    ra, rb = (RunResults(scenario=sc, seeds=seeds, histories=h, summary=summarize(h),
                         wall_time=wall) for sc, h in ((a, hist[:reps]), (b, hist[reps:])))
    diff = paired(ra, rb)
    return Comparison(a=ra, b=rb, metrics=diff, verdict=verdict(diff))


def with_levers(base: Scenario, **changes: Any) -> Scenario:
    """A copy of ``base`` with some levers or world values changed (validated again)."""
    data = base.model_dump()
    for k, v in changes.items():
        section = "levers" if k in data["levers"] else "world" if k in data["world"] else "run"
        data[section][k] = v
    data["name"] = base.name
    return Scenario.model_validate(data)
