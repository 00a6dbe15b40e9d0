"""Parts (a) and (b): agent-steps per second of triplewin beside the Boltzmann wealth model, and
how step time grows with the number of agents.

The triplewin model runs the baseline scenario (scenarios/baseline.yaml: the levers and
uncertainties of 2015, so joint bidding, trilateral consortia and screening all do work) in the
default world scaled proportionally (8 developed and 30 developing hosts, 120 Chinese and 60
developed firms per 218 non-association agents; the 7 industrial associations, one per sector, do
not scale). Agents are counted as ``len(model.agents)``; the Boltzmann model
gets exactly the same count. Only steps are timed (construction excluded): after a warm-up, the two
models step alternately, one step each, so that a change in the machine's load hits both alike;
the figure per model is the median step time.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .boltzmann import BoltzmannWealth

#: The default world (sim.scenario.params POPULATION defaults) and the fixed associations.
DEFAULT_WORLD = {"n_developed_hosts": 8, "n_developing_hosts": 30, "n_cn_firms": 120,
                 "n_dv_firms": 60}
ASSOCIATIONS = 7
#: The lenders (policy banks, joint funds, multilateral lenders), fixed.
LENDERS = 3
#: Developing-country firms per developing host (the default ``dg_firms_per_host``, kept).
DG_FIRMS_PER_HOST = 4


def agent_count(world: dict[str, int]) -> int:
    """The model's agents in ``world``: hosts, firms of every kind, lenders, associations."""
    return (sum(world.values()) + DG_FIRMS_PER_HOST * world["n_developing_hosts"] + LENDERS
            + ASSOCIATIONS)
#: Agent counts aimed at, and (warm-up steps, timed steps) at each.
SIZES = {1_000: (2, 20), 10_000: (2, 10), 100_000: (1, 3)}
SEED = 2015


#: The scenario whose levers and uncertainties every size runs.
SCENARIO = "scenarios/baseline.yaml"


def scaled_world(target: int) -> dict[str, int]:
    """Population sizes of a default world scaled to about ``target`` agents."""
    k = (target - LENDERS - ASSOCIATIONS) / (agent_count(DEFAULT_WORLD) - LENDERS - ASSOCIATIONS)
    return {name: max(1, round(n * k)) for name, n in DEFAULT_WORLD.items()}


def model_params(target: int) -> dict[str, Any]:
    """Keyword arguments of ``TripleWinModel``: the baseline scenario's levers and uncertainties,
    the population scaled to about ``target`` agents."""
    from sim.scenario.load import load_scenario

    from .measure import ROOT

    sc = load_scenario(ROOT / SCENARIO)
    return {**sc.model_params(), **scaled_world(target)}


@dataclass
class SizeResult:
    target: int
    agents: int
    world: dict[str, int]
    warmup: int
    steps: int
    build_s: float  # triplewin construction (not in the rates)
    tw_step_s: float  # median step time
    bz_step_s: float
    tw_steps_s: list[float]
    bz_steps_s: list[float]
    tw_cpu_step_s: float  # median CPU time per step (less sensitive to other load)
    bz_cpu_step_s: float

    @property
    def tw_rate(self) -> float:
        return self.agents / self.tw_step_s

    @property
    def bz_rate(self) -> float:
        return self.agents / self.bz_step_s

    @property
    def ratio(self) -> float:
        return self.tw_rate / self.bz_rate

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "tw_agent_steps_per_s": self.tw_rate,
                "bz_agent_steps_per_s": self.bz_rate, "ratio": self.ratio}


def _timed_step(model: Any) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    model.step()
    return time.perf_counter() - t0, time.process_time() - c0


def measure_size(target: int, warmup: int, steps: int) -> SizeResult:
    """Build both models at about ``target`` agents and time ``steps`` steps of each."""
    from sim.model import TripleWinModel

    world = scaled_world(target)
    params = model_params(target)
    t0 = time.perf_counter()
    tw = TripleWinModel(rng=SEED, steps=warmup + steps, **params)
    build = time.perf_counter() - t0
    n = len(tw.agents)
    bz = BoltzmannWealth(n, rng=SEED)
    for _ in range(warmup):
        tw.step()
        bz.step()
    tw_wall, tw_cpu, bz_wall, bz_cpu = [], [], [], []
    for _ in range(steps):
        w, c = _timed_step(tw)
        tw_wall.append(w)
        tw_cpu.append(c)
        w, c = _timed_step(bz)
        bz_wall.append(w)
        bz_cpu.append(c)
    assert bz.total_wealth() == n  # the yardstick did its work
    return SizeResult(target=target, agents=n, world=world, warmup=warmup, steps=steps,
                      build_s=build, tw_step_s=float(np.median(tw_wall)),
                      bz_step_s=float(np.median(bz_wall)), tw_steps_s=tw_wall,
                      bz_steps_s=bz_wall, tw_cpu_step_s=float(np.median(tw_cpu)),
                      bz_cpu_step_s=float(np.median(bz_cpu)))


def fit_exponent(agents: list[int], step_s: list[float]) -> float:
    """Slope of log(step time) on log(agents), least squares: step time ~ agents ** slope."""
    slope, _ = np.polyfit(np.log(agents), np.log(step_s), 1)
    return float(slope)


def measure(targets: list[int], log: Any = print) -> list[SizeResult]:
    out = []
    for target in targets:
        warmup, steps = SIZES[target]
        r = measure_size(target, warmup, steps)
        log(f"  {r.agents:>7,} agents: triplewin {r.tw_rate:>11,.0f} agent-steps/s "
            f"({r.tw_step_s * 1e3:.1f} ms/step), Boltzmann {r.bz_rate:>11,.0f} "
            f"({r.bz_step_s * 1e3:.1f} ms/step), ratio {r.ratio:.2f}")
        out.append(r)
    return out
