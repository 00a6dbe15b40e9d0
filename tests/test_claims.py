"""The claims of the model, each as a paired multi-seed comparison, driven by ``sim.claims``.

Method (the same for every claim, :func:`sim.claims.evaluate`): the claim's scenario with its
low (A) and high (B) settings, every parameter constant over the run, 40 quarters, the claim's
number of replications with the same seeds for A and B (common random numbers, root seed
``sim.claims.SEED``). A move holds when the 95% Student-t interval of the paired difference B - A
of the final-quarter metric lies wholly on the stated side of zero; a trajectory contrast holds
when its 95% interval over replications does. So no claim passes on a null effect.

Emergent claims are also run with their mechanism knocked out (``Claim.knockout``, in both arms):
the effects named in ``Claim.knockout_effects`` must then go (interval includes zero or has the
other sign).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.claims import (
    BY_NUMBER,
    CLAIMS,
    LENDING_DISCIPLINE,
    LOCALIZATION_BITES,
    SEED,
    UP,
    Claim,
    evaluate,
)
from sim.experiments.compare import compare, with_levers
from sim.metrics import METRICS
from sim.scenario.constants import CONSTANTS
from sim.scenario.load import load_scenario
from sim.scenario.params import LEVERS, WORLD

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
ALL_CLAIMS = (*CLAIMS, LOCALIZATION_BITES, LENDING_DISCIPLINE)
#: Claims whose mechanisms join with the developing-country firms and the lenders.
PENDING = {15, 16}


def _id(c: Claim) -> str:
    return f"claim{c.number:02d}-{c.scenario.removesuffix('.yaml')}"


def test_table_is_well_formed() -> None:
    """Every claim names real levers, settings, metrics and scenarios; emergent claims have a
    knock-out whose settings are declared constants or uncertainties; labels are explained."""
    numbers = {c.number for c in CLAIMS}
    assert numbers | PENDING >= set(range(1, 19)), sorted(set(range(1, 19)) - numbers)
    assert len(numbers) == len(CLAIMS), "a claim number is declared twice"
    for c in ALL_CLAIMS:
        assert c.label in ("emergent", "imposed", "contested")
        assert c.why and c.statement and c.section
        assert c.lever in LEVERS or c.lever in WORLD
        assert c.moves or c.contrasts
        assert (SCENARIOS / c.scenario).is_file()
        for m in c.metrics:
            assert m in METRICS, (c.number, m)
        for settings in (c.a, c.b, c.context, c.knockout):
            assert set(settings) <= set(LEVERS) | set(WORLD), (c.number, settings)
        if c.moves:
            assert c.a and set(c.a) == set(c.b) and c.a != c.b
        if c.label == "emergent":
            assert c.knockout and c.knockout_effects, f"claim {c.number}: no knock-out"
            names = {m for m, _ in c.moves} | {x.name for x in c.contrasts}
            assert set(c.knockout_effects) <= names
        else:
            assert not c.knockout
        if c.label == "contested":
            assert c.context, f"claim {c.number}: a contested claim states its assumption"


def test_knockouts_switch_declared_mechanisms() -> None:
    """Knock-outs use the model's own switches (structural constants or response parameters),
    never the lever under test."""
    for c in ALL_CLAIMS:
        for k in c.knockout:
            assert k != c.lever and k not in LEVERS
            assert k in CONSTANTS or k in WORLD


@pytest.mark.slow
@pytest.mark.parametrize("claim", ALL_CLAIMS, ids=_id)
def test_claim_holds(claim: Claim) -> None:
    """The claim's moves and contrasts hold (95% interval on the stated side of zero); a claim
    labelled not reproduced must indeed fail somewhere (else its label is stale)."""
    effects = evaluate(claim)
    if not claim.reproduced:
        assert not all(e.holds for e in effects), (
            f"claim {claim.number} is labelled not reproduced but holds: relabel it")
        return
    failed = [e.text() for e in effects if not e.holds]
    assert not failed, f"claim {claim.number} ({claim.label}): " + "; ".join(failed)


@pytest.mark.slow
@pytest.mark.parametrize("claim", [c for c in ALL_CLAIMS if c.label == "emergent"], ids=_id)
def test_emergent_claim_goes_when_knocked_out(claim: Claim) -> None:
    """With the mechanism switched off in both arms, the named effects go."""
    effects = {e.name: e for e in evaluate(claim, knockout=True)}
    stays = [effects[n].text() for n in claim.knockout_effects if effects[n].holds]
    assert not stays, (f"claim {claim.number}: effect survives the knock-out "
                       f"{claim.knockout}: " + "; ".join(stays))


@pytest.mark.slow
def test_claim_04_triple_win_against_no_cooperation() -> None:
    """Claim 4, second half: against the no-cooperation reference, third-party cooperation
    raises the gains of developed and developing countries (95% CI above 0). China's gain is not
    reproduced: with learned markups and the spillover rate read as an elasticity, its paired
    difference has an interval around zero (about -0.8, -3.8 to +2.3), so no triple win; the
    test checks that this stays so until the claim is relabelled."""
    ref = load_scenario(SCENARIOS / "no-cooperation.yaml")
    c = compare(ref, with_levers(ref, third_party_cooperation=1.0),
                replications=BY_NUMBER[4].replications, seed=SEED)
    for g in ("gain_developed", "gain_developing"):
        d = c.metrics[g]
        assert d["ci_low"] > 0, (g, d)
    assert not c.verdict["triple_win"], "the triple win now appears: update claim 4's label"


def test_directions_are_signs() -> None:
    for c in ALL_CLAIMS:
        assert all(d in (UP, -UP) for _, d in c.moves)
        assert all(x.direction in (UP, -UP) for x in c.contrasts)
