"""Local content and local firms (sim/mechanisms/local.py): small hand-built arrays, exact
results."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import local


def test_unit_cost_is_cheap_labour_and_dear_inputs() -> None:
    c = local.unit_cost(1.0, np.array([0.0, 1.0]))
    assert c.tolist() == pytest.approx([0.7 * local.INPUT_PREMIUM,
                                        0.7 * local.INPUT_PREMIUM + 0.3])


def test_cell_stats_weight_by_capacity() -> None:
    cap, cost, tech = local.cell_stats(np.array([0, 0, 2]), np.array([1.0, 3.0, 2.0]),
                                       np.array([0.8, 0.4, 0.9]), np.array([0.2, 0.6, 0.3]), 4)
    assert cap.tolist() == [4.0, 0.0, 2.0, 0.0]
    assert cost.tolist() == pytest.approx([0.5, 0.0, 0.9, 0.0])
    assert tech.tolist() == pytest.approx([0.5, 0.0, 0.3, 0.0])


def test_sourcing_share_rule_voluntary_and_unavailable() -> None:
    share = local.sourcing_share(rule=np.array([0.4, 0.1, 0.4, 0.0]),
                                 own_cost=np.array([0.6, 0.9, 0.9, 0.9]),
                                 local_price=np.array([0.8, 0.8, 0.8, 1.0]),
                                 available=np.array([True, True, False, True]))
    # at least the rule; the voluntary share where local work is cheaper; nothing without firms
    assert share.tolist() == [0.4, local.VOLUNTARY_SHARE, 0.0, 0.0]


def test_blended_cost_and_fill() -> None:
    assert local.blended_cost(np.array([0.6]), np.array([0.25]), np.array([1.0])).tolist() == [
        pytest.approx(0.7)]
    assert local.fill(np.array([2.0, 1.0, 0.0]), np.array([1.0, 3.0, 5.0])).tolist() == [
        0.5, 1.0, 0.0]


def test_enforcement_tightens_on_a_shortfall_and_relaxes_to_base() -> None:
    e0 = np.array([local.ENFORCEMENT_BASE, local.ENFORCEMENT_BASE, 1.0])
    e1 = local.next_enforcement(e0, rule=0.5, observed_share=np.array([0.1, 0.6, 0.6]))
    assert e1[0] == pytest.approx(local.ENFORCEMENT_BASE + local.ENFORCEMENT_RATE * 0.4)
    assert e1[1] == local.ENFORCEMENT_BASE
    assert e1[2] == pytest.approx(1.0 + local.ENFORCEMENT_RELAX * (local.ENFORCEMENT_BASE - 1))
    assert (local.next_enforcement(np.array([1.0]), rule=1.0,
                                   observed_share=np.array([0.0])) <= 1.0).all()
