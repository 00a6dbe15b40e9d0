"""Bids: association coordination, merging, trilateral consortia, prices
(sim.mechanisms.bidding) on hand-built arrays: three tenders, four bids."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

from sim.mechanisms import bidding


def four_bids() -> bidding.Bids:
    """Chinese bids 0, 1 on tender 0 and 2 on tender 1; a developed bid 3 on tender 2."""
    b = bidding.Bids(tender=np.array([0, 0, 1, 2]), tech=np.array([0.5, 0.6, 0.55, 0.85]),
                     brand=np.array([0.3, 0.2, 0.25, 0.7]), cost=np.array([0.5, 0.7, 0.6, 0.85]),
                     weight=np.array([3.0, 1.0, 2.0, 2.0]), orient=np.array([0.3, 1.0, 1.0, 1.0]),
                     **bidding.empty_like_bids(4))
    b.cn[:] = [0, 1, 2, -1]
    b.dv[:] = [-1, -1, -1, 0]
    b.is_cn[:] = [True, True, True, False]
    b.cn_frac[:] = [1.0, 1.0, 1.0, 0.0]
    return b


def test_associations_coordinate_only_where_members_compete_largest_first() -> None:
    b = four_bids()
    n = bidding.contested_tenders(b, 3)
    assert_array_equal(n, [2, 1, 0])
    kw = dict(tender_sector=np.array([0, 0, 1]), covered=np.array([True, True]))
    # two contested tenders in sector 0 (values 1 and 2), one in sector 1
    many = np.array([2, 3, 2])
    v = np.array([1.0, 2.0, 3.0])
    assert_array_equal(bidding.choose_coordinated(n_member_bids=many, tender_value=v,
                                                  share=0.5, **kw), [False, True, True])
    assert_array_equal(bidding.choose_coordinated(n_member_bids=many, tender_value=v,
                                                  share=0.4, **kw), [False, True, False])
    assert_array_equal(bidding.choose_coordinated(n_member_bids=many, tender_value=v,
                                                  share=1.0, **kw), [True, True, True])
    assert_array_equal(bidding.choose_coordinated(n_member_bids=n, tender_value=v,
                                                  share=1.0, **kw), [True, False, False])


def test_merge_pools_the_chinese_bids_of_a_coordinated_tender() -> None:
    b = bidding.merge_chinese_bids(four_bids(), np.array([True, False, False]),
                                   np.array([0, 0, 1]))
    assert b.n == 5
    assert_array_equal(b.live, [False, False, True, True, True])
    assert_array_equal(b.parent, [4, 4, -1, -1, -1])
    assert b.tender[4] == 0 and b.consortium[4] and b.is_cn[4]
    assert_allclose([b.tech[4], b.brand[4], b.weight[4]], [0.6, 0.3, 4.0])
    assert_allclose(b.cost[4], (0.5 * 3 + 0.7 * 1) / 4)
    assert_allclose(b.orient[4], (0.3 * 3 + 1.0) / 4)


def test_trilateral_partner_joins_the_cheapest_chinese_bid() -> None:
    b = bidding.form_trilateral(
        four_bids(), tender_open=np.array([True, False, True]), tender_sector=np.array([0, 0, 0]),
        u_partner=np.array([0.1, 0.1, 0.1]), u_willing=np.array([0.2, 0.2, 0.2]),
        dv_sector=np.array([0]), dv_tech=np.array([0.9]), dv_brand=np.array([0.8]),
        dv_cost=np.array([0.85]), willingness=np.array([0.5]), tender_bonus=np.zeros(3))
    f = bidding.TRILATERAL_CN_SHARE
    assert_array_equal(b.trilateral, [True, False, False, False])
    assert b.dv[0] == 0 and b.cn_frac[0] == f
    assert_allclose([b.tech[0], b.brand[0], b.cost[0]], [0.9, 0.8, f * 0.5 + (1 - f) * 0.85])
    assert b.live[3]  # the partner's solo bid was on another tender: it stays


def test_prices_are_budget_times_cost_times_one_plus_markup() -> None:
    b = four_bids()
    b.live[1] = False
    p = bidding.bid_prices(b, np.array([1.0, 2.0, 3.0]), np.array([0.2, 0.5, 0.1, 0.0]))
    assert_allclose(p, [0.6, 0.0, 2.0 * 0.6 * 1.1, 3.0 * 0.85])
