"""Layer 1 of the test suite (STYLE.md item 9): the books balance after every step.

``sim.invariants.violations(model)`` lists every broken accounting invariant of docs/ODD.md section 3
(awarded value = revenue of winners, capacity conserved, shares in [0, 1], nothing NaN). Here it
must return ``[]`` after *every* step, over several seeds, for default, zero, maximal and
scheduled levers, for the smallest allowed world and at the extremes of the uncertainties; and, by
hypothesis, for random lever and uncertainty values drawn from their declared ranges.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.invariants import violations
from sim.model import TripleWinModel
from sim.scenario.params import LEVERS, UNCERTAINTIES

SEEDS = (1, 2015, 987654321)
STEPS = 24


def _high(p) -> float:
    """Upper end of a declared range (joint_fund has one; an open range gets a large value)."""
    return float(p.high) if p.high is not None else 50.0


ALL_ZERO = {name: 0.0 for name in LEVERS}
ALL_MAX = {name: _high(p) for name, p in LEVERS.items()}

#: Every lever switching from its low to its high end (and back) during the run.
SWITCHING = {
    name: ({0: 0.0, 6: _high(p), 15: 0.0} if i % 2 else {0: _high(p), 8: 0.0, 17: _high(p)})
    for i, (name, p) in enumerate(LEVERS.items())
}

SMALL_WORLD = {"n_cn_firms": 7, "n_dv_firms": 7, "n_developed_hosts": 1, "n_developing_hosts": 1}

CASES: dict[str, dict[str, Any]] = {
    "defaults": {},
    "levers-all-zero": ALL_ZERO,
    "levers-all-max": ALL_MAX,
    "levers-switching": SWITCHING,
    "uncertainties-switching": {
        "domestic_demand": {0: 50.0, 5: 30.0, 12: 70.0},
        "instability": {0: 0.0, 10: 1.0},
        "tender_volume": {0: 1.0, 4: 0.0, 9: 10.0},
        "capital_controls": {0: 0.0, 7: 1.0, 14: 0.0},
        "screening_response": {0: 0.0, 6: 5.0},
    },
    "small-world": SMALL_WORLD,
    "small-world-max-levers": {**SMALL_WORLD, **ALL_MAX},
    "small-world-busy": {**SMALL_WORLD, "tender_volume": 10.0, **ALL_MAX},
    "instability-1": {"instability": 1.0},
    "debt-3": {"debt_level": 3.0},
    "unstable-indebted-max-distress": {"instability": 1.0, "debt_level": 3.0,
                                       "distress_rate": 1.0, "writeoff_share": 1.0},
    "tender-volume-0": {"tender_volume": 0.0},
    "tender-volume-10": {"tender_volume": 10.0},
    "domestic-demand-30": {"domestic_demand": 30.0},
    "domestic-demand-70": {"domestic_demand": 70.0},
    "capital-controls-1": {"capital_controls": 1.0},
    "capital-controls-1-max-levers": {"capital_controls": 1.0, **ALL_MAX},
    "screening-response-5": {"screening_response": 5.0, "screening_threshold": 0.0},
    "uncertainties-all-low": {name: float(p.low) for name, p in UNCERTAINTIES.items()},
    "uncertainties-all-high": {name: _high(p) for name, p in UNCERTAINTIES.items()},
    "no-soes": {"soe_share": 0.0},
    "all-soes": {"soe_share": 1.0, **ALL_MAX},
}


def run_checked(params: dict[str, Any], seed: int, steps: int) -> TripleWinModel:
    """Run step by step and fail at the first step whose books do not balance."""
    model = TripleWinModel(rng=seed, steps=steps, **params)
    for step in range(steps):
        model.step()
        problems = violations(model)
        assert problems == [], (
            f"seed {seed}, step {step} ({model.quarter}), params {params}: {problems}")
        assert len(model.latest) > 0
        assert all(math.isfinite(v) for v in model.latest.values())
    assert not model.running
    return model


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", list(CASES))
def test_books_balance_every_step(case: str, seed: int) -> None:
    """violations(model) == [] after every one of STEPS steps, for each case and seed."""
    run_checked(CASES[case], seed, STEPS)


#: (params, seed, steps) found by searching small worlds: every Chinese contract of a trailing
#: year is in a high-end sector, where rounding once pushed a share past 1.
KNOWN_EDGES = [
    pytest.param(SMALL_WORLD, 271, 8, id="small-world-all-high-end-271"),
    pytest.param({**SMALL_WORLD, "tender_volume": 3.0}, 122, 12, id="small-world-all-high-end-122"),
]


@pytest.mark.parametrize(("params", "seed", "steps"), KNOWN_EDGES)
def test_books_balance_in_known_edge_cases(params: dict[str, Any], seed: int, steps: int) -> None:
    """violations(model) == [] after every step in cases that once broke an invariant."""
    run_checked(params, seed, steps)


def test_full_default_run_balances() -> None:
    """The default 40-quarter run balances at every step (the horizon scenarios use)."""
    run_checked({}, 2015, 40)


def test_violations_detects_a_broken_book() -> None:
    """The checker itself can fail: tampering with the books is reported."""
    model = TripleWinModel(rng=3, steps=4)
    model.step()
    assert violations(model) == []
    model.cn.revenue[0] += 1.0  # revenue that no award paid for
    model.cn.cap_home[1] += 5.0  # capacity from nowhere
    problems = violations(model)
    assert any("awarded value" in p for p in problems)
    assert any("capacity" in p for p in problems)


# --- random draws from the declared ranges -----------------------------------------------------

def _value(p) -> st.SearchStrategy[float]:
    return st.floats(min_value=float(p.low), max_value=_high(p), allow_nan=False,
                     allow_infinity=False)


def _maybe_schedule(p) -> st.SearchStrategy[Any]:
    """A number, or (for schedulable parameters) a schedule of two values."""
    plain = _value(p)
    if not p.schedulable:
        return plain
    sched = st.tuples(_value(p), st.integers(1, 11), _value(p)).map(
        lambda t: {0: t[0], t[1]: t[2]})
    return st.one_of(plain, sched)


PARAMS = st.fixed_dictionaries(
    {}, optional={name: _maybe_schedule(p) for name, p in {**LEVERS, **UNCERTAINTIES}.items()})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=PARAMS, seed=st.integers(0, 2**32 - 1))
def test_books_balance_for_random_settings(params: dict[str, Any], seed: int) -> None:
    """Any lever/uncertainty values in their declared ranges (numbers or schedules): the books
    balance after each of 12 steps."""
    run_checked(params, seed, 12)
