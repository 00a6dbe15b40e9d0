"""The parts of each gain add up to it exactly, at every step, under several lever settings; and
the parts are named as the groups' gains are: developed firms' profit can fall while the developed
countries gain."""

from __future__ import annotations

import pytest

from sim.metrics import GAIN_PARTS, METRICS
from sim.model import TripleWinModel

SETTINGS = [{}, {"local_content": 0.8, "joint_fund": 10.0, "third_party_cooperation": 1.0},
            {"joint_bidding": 1.0, "overseas_parks": 1.0, "localization": 1.0}]


@pytest.mark.parametrize("levers", SETTINGS)
def test_parts_add_up_to_each_gain_every_step(levers) -> None:
    m = TripleWinModel(rng=9, steps=16, **levers)
    for _ in range(16):
        m.step()
        row = m.latest
        for gain in ("gain_developed", "gain_developing", "gain_china"):
            total = 0.0
            for g, part, _label, _meaning in GAIN_PARTS:
                if g == gain:
                    total += row[f"{g}_{part}"]
            assert total == row[gain], (gain, total, row[gain])


def test_every_part_is_a_declared_metric_of_the_gain_group() -> None:
    names = {f"{g}_{p}" for g, p, _l, _m in GAIN_PARTS}
    assert {"gain_developed_firms", "gain_developed_wages", "gain_developed_procurement",
            "gain_developing_surplus", "gain_developing_local_firms", "gain_developing_wages",
            "gain_developing_distress", "gain_china_profit", "gain_china_technology",
            "gain_china_capacity"} <= names
    for n in names:
        assert METRICS[n].group == "gain" and METRICS[n].unit == "USD bn, cumulative"


def test_local_firms_and_distress_parts_move() -> None:
    """Not decorative: local firms earn, distress costs something, by the end of a run."""
    row = TripleWinModel(rng=4, steps=20).run()[-1]
    assert row["gain_developing_local_firms"] > 0
    assert row["gain_developing_distress"] < 0
    assert row["gain_developing_wages"] > 0
