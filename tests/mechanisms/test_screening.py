"""Screening as a response with lag and persistence (sim.mechanisms.screening)."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from sim.mechanisms import screening


def test_observed_pressure_blends_own_and_market_share_plus_ownership() -> None:
    p = screening.observed_pressure(cn_share=np.array([0.2, 0.0, 0.4]), market_share=0.3,
                                    owned=np.array([0.0, 1.0, 2.0]),
                                    volume=np.array([5.0, 4.0, 0.0]), coordination=0.5,
                                    ownership_weight=0.5)
    assert_allclose(p, [0.25, 0.15 + 0.125, 0.35])


def test_concern_follows_observation_with_a_lag() -> None:
    c = screening.next_concern(np.array([0.0, 0.4]), np.array([0.4, 0.0]), attention=0.25)
    assert_allclose(c, [0.1, 0.3])


def test_barrier_rises_above_threshold_relaxes_slowly_below_and_a_bit_caps_it() -> None:
    b = screening.next_barrier(
        barrier=np.array([0.3, 0.6, 0.3, 0.3]), base=np.array([0.3, 0.3, 0.3, 0.3]),
        concern=np.array([0.35, 0.1, 0.1, 0.9]), threshold=0.25, response=0.5,
        bit=np.array([False, False, False, True]), bit_effect=0.1, relax=0.02, bit_cap=0.15)
    floor = 0.3 * (1 - 0.2)
    assert_allclose(b, [0.35, 0.6 + 0.02 * (0.3 - 0.6), 0.3, floor + 0.15])


def test_rise_then_fall_with_constant_parameters() -> None:
    """A toy market: the Chinese share grows by itself and is cut by the barrier. With lag and
    persistence the share overshoots the threshold and then falls back below its peak."""
    share, concern, barrier = 0.1, 0.1, np.array([0.3])
    path = []
    for _ in range(40):
        share = max(0.0, share + 0.02 - 0.3 * (barrier[0] - 0.3))
        concern = screening.next_concern(np.array([concern]), np.array([share]))[0]
        barrier = screening.next_barrier(barrier=barrier, base=np.array([0.3]),
                                         concern=np.array([concern]), threshold=0.25,
                                         response=0.5, bit=np.array([False]), bit_effect=0.0)
        path.append(share)
    peak = int(np.argmax(path))
    assert 0 < peak < 39 and path[-1] < path[peak] - 0.05


def test_no_presence_ratio_without_a_market() -> None:
    # a host with (practically) no tenders: Chinese plants there are no presence ratio at all,
    # not an overflow to infinity
    with np.errstate(all="raise"):
        p = screening.observed_pressure(cn_share=np.array([0.1, 0.1]), market_share=0.1,
                                        owned=np.array([1e10, 2.0]),
                                        volume=np.array([1e-300, 0.0]), coordination=0.0,
                                        ownership_weight=0.5)
    np.testing.assert_allclose(p, [0.1, 0.1])
