"""Technology transfer as a converted elasticity (sim.mechanisms.technology), exact values."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from sim.mechanisms import technology as tech


def test_transfer_gain_is_the_elasticity_spread_over_the_adjustment_quarters() -> None:
    # three firms: a modest gap (absorption 1), a small gap, and a gap smaller than the gain
    gap = np.array([0.5, 0.1, 0.001])
    tech_level = np.array([0.4, 0.8, 0.9])
    exposure = np.array([0.1, 0.5, 1.0])
    g = tech.transfer_gain(gap=gap, exposure=exposure, intensity=np.array([0.5, 1.0, 1.0]),
                           spillover=1.1, premium=1.0, multiplier=1.0, tech=tech_level,
                           adjustment=10)
    a = 4 * gap * (1 - gap)
    expected = 1.1 * np.array([0.5, 1.0, 1.0]) * a * exposure * tech_level / 10
    expected[2] = min(expected[2], 0.001)
    assert_allclose(g, expected)
    # +10 points of presence, sustained for the adjustment period, at full intensity and a gap
    # of 0.5: the level rises by 11% (Hampl & Havranek), no more
    total = 10 * tech.transfer_gain(gap=np.array([0.5]), exposure=np.array([0.1]),
                                    intensity=np.array([1.0]), spillover=1.1, premium=1.0,
                                    multiplier=1.0, tech=np.array([0.5]), adjustment=10)
    assert_allclose(total / 0.5, [0.11])


def test_no_spillover_no_gain_and_never_more_than_the_gap() -> None:
    g = tech.transfer_gain(gap=np.array([0.3, -0.1]), exposure=np.array([1.0, 1.0]),
                           intensity=np.array([1.0, 1.0]), spillover=0.0, premium=1.5,
                           multiplier=1.3, tech=np.array([0.5, 0.9]))
    assert_allclose(g, [0.0, 0.0])
    g = tech.transfer_gain(gap=np.array([-0.1]), exposure=np.array([1.0]),
                           intensity=np.array([1.0]), spillover=1.1, premium=1.5,
                           multiplier=1.3, tech=np.array([0.9]))
    assert_allclose(g, [0.0])


def test_learning_licence_and_rd_take_their_constants() -> None:
    assert_allclose(tech.learning(np.array([0.5]), np.array([2.0]), rate=0.1, drift=0.01),
                    [(0.1 * 1.0 + 0.01) * 0.5])
    assert_allclose(tech.licence_fee(np.array([10.0]), np.array([0.5]), 1.2, rate=0.05),
                    [0.3])
    assert_allclose(tech.rd_gain(np.array([0.5]), np.array([2.0, ])[:1], np.array([4.0]),
                                 share=0.1, efficiency=0.5), [0.5 * 0.2 / 4 * 0.5])
