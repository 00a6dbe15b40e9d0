"""Claim 16's path: the lending boom comes first and turns.

Claims 15 and 16 (final-step moves, with their knock-outs) and claim 16's discipline half are
rows of the claims table (sim/claims.py, tests/test_claims.py). This file checks what a final-step
comparison cannot: with policy-bank lending high and every parameter constant over the run, more
infrastructure is built at first (by the end of 2017) than with ordinary lending, and the boom of
tied financed projects turns (its peak is above its final year).

Method as in tests/test_claims.py: the baseline scenario with the lever low (A) and high (B), the
same replication seeds, 40 quarters; the 95% Student-t interval of the paired difference (or of
the per-replication contrast) must lie wholly above zero.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.stats import mean_ci
from sim.model import TripleWinModel
from sim.scenario.load import load_scenario
from sim.streams import replication_seeds

REPS = 10
SEED = 15
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

pytestmark = pytest.mark.slow


def runs(**levers) -> list[list[dict[str, float]]]:
    base = load_scenario(SCENARIOS / "baseline.yaml").model_params()
    return [TripleWinModel(rng=s, steps=40, **{**base, **levers}).run()
            for s in replication_seeds(SEED, REPS)]


def above_zero(x: np.ndarray, what: str) -> None:
    d = mean_ci(x)
    assert d["ci_low"] > 0, f"{what}: {d['mean']:+.4g} (95% CI {d['ci_low']:+.4g} to " \
        f"{d['ci_high']:+.4g})"


def test_claim_16_boom_first_then_it_turns():
    a, b = runs(policy_bank_lending=20.0), runs(policy_bank_lending=100.0)
    above_zero(np.array([y[11]["dg_infrastructure"] - x[11]["dg_infrastructure"]
                         for x, y in zip(a, b)]), "more infrastructure by 2017Q4")
    above_zero(np.array([max(r[s]["dg_tied_value"] for s in range(40)) - r[-1]["dg_tied_value"]
                         for r in b]), "tied financed projects: peak minus final year")
