"""The learned-markup rule (sim.mechanisms.learning): exact results on hand-built arrays."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sim.mechanisms import learning


def test_grid_runs_from_zero_to_the_top_by_the_step() -> None:
    assert_allclose(learning.markup_grid(0.2, 0.05), [0.0, 0.05, 0.1, 0.15, 0.2])
    assert learning.markup_grid().size == round(learning.MARKUP_MAX / learning.MARKUP_STEP) + 1


def test_choice_probabilities_are_proportional_to_propensities() -> None:
    p = learning.choice_probabilities(np.array([[1.0, 1.0, 2.0], [3.0, 1.0, 0.0]]))
    assert_allclose(p[0], [0.25, 0.25, 0.5])
    assert_allclose(p[1], [0.75, 0.25, 0.0], atol=1e-6)  # the floor keeps 0 just possible
    assert_allclose(p.sum(axis=1), 1.0)


def test_choose_inverts_each_bidders_distribution() -> None:
    q = np.array([[1.0, 1.0, 2.0], [0.0, 0.0, 1.0]])
    k = learning.choose(q, np.array([0, 0, 0, 1]), np.array([0.1, 0.3, 0.9, 0.2]))
    assert_array_equal(k, [0, 1, 2, 2])
    assert learning.choose(q, np.array([], int), np.array([])).size == 0


def test_reinforce_is_roth_erev_with_forgetting_and_local_experimentation() -> None:
    q = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [1.0, 1.0, 1.0]])
    # bidder 0 bid twice at markup 0 (won 0.4, lost); bidder 1 once at markup 2 with a loss;
    # bidder 2 did not bid
    new = learning.reinforce(q, np.array([0, 0, 1]), np.array([0, 0, 2]),
                             np.array([0.4, 0.0, -1.0]), recency=0.1, experimentation=0.2)
    # 0.9 q + 0.8 * mean reward at k + 0.2 * (mean rewards of the neighbours) / 2
    assert_allclose(new[0], [0.9 + 0.8 * 0.2, 0.9 + 0.2 * 0.2 / 2, 0.9])
    assert_allclose(new[1], [1.8, 1.8, 1.8])  # a loss counts as a zero reward: forgetting only
    assert_allclose(new[2], [1.0, 1.0, 1.0])  # no bids, no update
    assert_allclose(q[0], [1.0, 1.0, 1.0])  # the input is not changed


def test_winning_markups_gain_probability_and_losing_ones_lose_it() -> None:
    q = learning.initial_propensities(1, np.array([0.0, 0.1, 0.2]), 0.05)
    for _ in range(20):
        q = learning.reinforce(q, np.array([0, 0]), np.array([1, 2]), np.array([0.2, 0.0]))
    p = learning.choice_probabilities(q)[0]
    assert p[1] > 0.75 and p[1] > 4 * max(p[0], p[2])


def test_bid_reward_by_profit_orientation() -> None:
    r = learning.bid_reward(won=np.array([True, False, True]), margin=np.array([0.1, 0.2, 0.3]),
                            orientation=np.array([1.0, 1.0, 0.0]),
                            volume_value=np.array([0.05, 0.05, 0.04]))
    assert_allclose(r, [0.1, 0.0, 0.3 * 0.3 + 0.04])


def test_initial_propensities_uniform_or_around_the_customary_markup() -> None:
    grid = np.array([0.0, 0.1, 0.2, 0.3])
    assert_allclose(learning.initial_propensities(2, grid, 0.5), np.full((2, 4), 0.5))
    q = learning.initial_propensities(1, grid, 0.5, customary=0.1, spread=0.1)[0]
    assert_allclose(q.sum(), 2.0)
    assert q.argmax() == 1 and q[0] == q[2] and q[3] < q[0] and q[3] > 0


def test_rival_context_tells_alone_other_kinds_and_own_kind_apart() -> None:
    # three tenders, four bids: tender 0 two Chinese bids (kind 1), tender 1 a Chinese and a
    # developed bid, tender 2 one bid; the last row is dead
    tender = np.array([0, 0, 1, 1, 2, 2])
    kind = np.array([1, 1, 1, 0, 0, 1])
    live = np.array([True, True, True, True, True, False])
    ctx = learning.rival_context(tender, kind, live, 3, 2)
    assert_array_equal(ctx, [2, 2, 1, 1, 0, 0])


def test_learners_rows_by_kind_and_situation() -> None:
    L = learning.Learners.create({"cn": 2, "dv": 3}, np.array([0.0, 0.1]), contexts=3)
    assert L.propensity.shape == (15, 2)
    assert_array_equal(L.rows("cn", np.array([0, 1]), 2), [2, 5])
    assert_array_equal(L.rows("dv", np.array([0]), np.array([1])), [7])


def test_learners_keep_their_choice_probabilities_in_step_with_the_propensities() -> None:
    # the cached cumulative probabilities give exactly the choices and updates of the pure rule
    rng = np.random.default_rng(7)
    grid = learning.markup_grid(0.3, 0.05)
    L = learning.Learners.create({"a": 4, "b": 3}, grid, initial=0.02, customary=0.1,
                                 spread=0.05)
    q = L.propensity.copy()
    for _ in range(6):
        bidder = rng.integers(0, q.shape[0], 9)
        u = rng.random(9)
        choice = L.choose(bidder, u)
        assert_array_equal(choice, learning.choose(q, bidder, u))
        reward = rng.random(9) * (rng.random(9) < 0.5) - 0.05
        L.learn(bidder, choice, reward, recency=0.1, experimentation=0.2)
        q = learning.reinforce(q, bidder, choice, reward, recency=0.1, experimentation=0.2)
        assert_array_equal(L.propensity, q)
        assert_array_equal(L.cdf, learning.cumulative(q))
    assert not np.array_equal(q, learning.Learners.create(
        {"a": 4, "b": 3}, grid, initial=0.02, customary=0.1, spread=0.05).propensity)


def test_invert_counts_the_points_before_the_last_at_or_below_the_draw() -> None:
    rng = np.random.default_rng(3)
    p = rng.random((200, 9))
    p[:, 3] = 0.0  # a point that cannot be chosen: its bound equals the one before
    cdf = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(200)
    u[:5] = cdf[:5, 2]  # draws exactly on a bound (shared by points 2 and 3)
    cdf[5, -1] = 0.9999999999999998  # a last bound that rounds below 1 ...
    u[5] = np.nextafter(1.0, 0.0)  # ... and a draw above it
    expected = np.count_nonzero(u[:, None] >= cdf[:, :-1], axis=1)
    got = learning.invert(cdf, u)
    assert_array_equal(got, expected)
    assert got[5] == 8 and set(got[:5]) == {4}


def _reinforce_dense(q: np.ndarray, bidder: np.ndarray, choice: np.ndarray, reward: np.ndarray,
                     recency: float, experimentation: float) -> np.ndarray:
    """The update written out over whole rows, term by term (the reference)."""
    q = q.copy()
    rows = np.unique(bidder)
    k = q.shape[1]
    total = np.zeros((rows.size, k + 2))
    count = np.zeros((rows.size, k + 2))
    np.add.at(total, (np.searchsorted(rows, bidder), choice + 1), np.maximum(reward, 0.0))
    np.add.at(count, (np.searchsorted(rows, bidder), choice + 1), 1)
    r = total / np.maximum(count, 1)
    near = 0.5 * r[:, :-2]
    near += 0.5 * r[:, 2:]
    new = q[rows] * (1.0 - recency)
    new += (1.0 - experimentation) * r[:, 1:-1]
    new += experimentation * near
    q[rows] = np.maximum(new, learning.PROPENSITY_FLOOR)
    return q


# a bid or two per row on a 31-point grid, and many bids per row
@pytest.mark.parametrize("bids", [100, 2000])
def test_reinforce_is_the_update_written_out_over_whole_rows(bids: int) -> None:
    rng = np.random.default_rng(bids)
    q = rng.random((200, 31)) + 0.01
    bidder = rng.integers(0, 200, bids)
    choice = rng.integers(0, 31, bids)
    reward = rng.random(bids) * (rng.random(bids) < 0.5)
    got = learning.reinforce(q, bidder, choice, reward, recency=0.1, experimentation=0.2)
    assert_array_equal(got, _reinforce_dense(q, bidder, choice, reward, 0.1, 0.2))
