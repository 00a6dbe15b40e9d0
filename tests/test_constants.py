"""Structural constants (sim.scenario.constants.CONSTANTS) are real parameters of the run.

Each declared constant can be set under ``world:`` and moves the model: a short run with the
constant moved within its declared range differs from the default run with the same seed (a
declaration that the model ignores would be a second source of truth). Kinds stay apart.
"""

from __future__ import annotations

import pytest

from sim.model import TripleWinModel
from sim.scenario.constants import CONSTANTS
from sim.scenario.load import load_scenario
from sim.scenario.params import LEVERS, UNCERTAINTIES, WORLD
from sim.scenario.schema import Scenario

STEPS = 20
#: A busy world where every mechanism acts (consortia, funds, treaties, coordination, plants
#: and screening), so that no constant is dormant by the choice of levers.
BUSY = {"third_party_cooperation": 0.8, "joint_fund": 10.0, "bit_coverage": 0.5,
        "joint_bidding": 0.5, "localization": 0.8, "soe_reform": 0.7, "ipr_protection": 0.5,
        "screening_threshold": 0.05, "screening_response": 2.0, "local_content": 0.5,
        "policy_bank_lending": 60.0}


#: Where halfway up the range would not bind within a short run, a value that does.
BINDING = {"max_move": 0.02}


def _other_value(name: str) -> float | int:
    """A value inside the declared range, away from the default."""
    if name in BINDING:
        return BINDING[name]
    p = CONSTANTS[name]
    if p.integer:
        return p.low if p.default != p.low else p.high
    hi = p.high if p.high is not None else p.default * 2 + 1
    return p.default + 0.5 * (hi - p.default) if hi > p.default else 0.5 * (p.low + p.default)


@pytest.fixture(scope="module")
def default_run() -> list[dict[str, float]]:
    return TripleWinModel(rng=3, steps=STEPS, **BUSY).run()


def test_constants_are_their_own_kind() -> None:
    assert CONSTANTS and all(p.kind == "constant" for p in CONSTANTS.values())
    assert not set(CONSTANTS) & (set(LEVERS) | set(UNCERTAINTIES))
    assert set(CONSTANTS) <= set(WORLD)
    for p in CONSTANTS.values():
        assert p.unit and p.meaning and p.source, p.name
        assert p.low <= p.default <= (p.high if p.high is not None else p.default)
        assert not p.schedulable, f"{p.name}: a structural constant is constant over a run"


@pytest.mark.parametrize("name", sorted(CONSTANTS))
def test_constant_moves_the_model(name: str, default_run) -> None:
    moved = TripleWinModel(rng=3, steps=STEPS, **BUSY, **{name: _other_value(name)}).run()
    assert moved != default_run, f"{name}: setting it changes nothing (a dead declaration)"


def test_constant_can_be_set_in_a_scenario_file(tmp_path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("name: s\nworld:\n  reserve_ratio: 1.3\n  markup_learning: 0\n", encoding="utf-8")
    sc = load_scenario(f)
    assert sc.world_values()["reserve_ratio"] == 1.3
    m = TripleWinModel(rng=1, steps=1, **sc.model_params())
    assert m.k.reserve_ratio == 1.3 and m.k.markup_learning == 0
    with pytest.raises(Exception):
        Scenario.model_validate({"name": "s", "world": {"reserve_ratio": 9.0}})
