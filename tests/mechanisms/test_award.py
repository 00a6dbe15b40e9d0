"""Award, reserve prices and cancellation (sim.mechanisms.award) on hand-built arrays."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

from sim.mechanisms import award


def test_scores_weigh_price_against_quality() -> None:
    s = award.scores(price_ratio=np.array([1.0, 0.8]), tech=np.array([0.8, 0.6]),
                     brand=np.array([0.6, 0.2]), price_weight=np.array([0.5, 0.5]),
                     compliance_gap=np.array([0.0, 0.1]), barrier=np.array([0.0, 0.2]),
                     fund_bonus=np.array([0.0, 0.03]), gumbel=np.array([1.0, -1.0]))
    assert_allclose(s, [-0.5 + 0.5 * 1.1 + 0.1, -0.4 + 0.5 * 0.6 - 0.2 + 0.03 - 0.1])


def test_best_bid_per_tender_with_ties_to_the_lower_row() -> None:
    # three tenders, four bids: tender 0 has a tie, tender 1 one bid that is not eligible
    tender = np.array([0, 0, 1, 2])
    score = np.array([0.5, 0.5, 0.9, 0.1])
    eligible = np.array([True, True, False, True])
    assert_array_equal(award.best_per_tender(tender, score, eligible, 3), [0, -1, 3])


def test_reserve_price_refuses_dear_bids_and_leaves_tenders_unawarded() -> None:
    value = np.array([1.0, 2.0, 3.0])
    reserve = award.reserve_price(value, 1.1)
    assert_allclose(reserve, [1.1, 2.2, 3.3])
    tender = np.array([0, 0, 1, 2])
    price = np.array([1.2, 1.0, 2.5, 3.3])
    ok = award.within_reserve(price, tender, reserve)
    assert_array_equal(ok, [False, True, False, True])
    winner = award.best_per_tender(tender, np.array([0.9, 0.1, 0.5, 0.2]), ok, 3)
    assert_array_equal(winner, [1, -1, 3])  # the best-scoring bid on tender 0 is too dear
    live = np.array([True, True, True, True])
    assert_array_equal(award.priced_out(tender, live, winner), [False, True, False])
    # a tender nobody bid on is not "priced out"
    assert_array_equal(award.priced_out(np.array([0]), np.array([True]), np.array([0, -1])),
                       [False, False])


def test_cancelled_projects_are_distressed_problem_projects() -> None:
    assert_array_equal(award.cancelled(np.array([True, True, False]),
                                       np.array([True, False, True])), [True, False, False])
