"""Booking functions (sim/mechanisms/accounts.py) on small hand-built bids, exact results."""

from __future__ import annotations

import numpy as np

from sim.mechanisms import accounts
from sim.mechanisms.bidding import Bids, empty_like_bids


def _bids() -> Bids:
    # rows 0, 1: Chinese firms 4 and 7, members of consortium row 3 (weights 1 and 3)
    # row 2: a solo Chinese bid of firm 5; row 3: the consortium; row 4: a developed firm's bid
    n = 5
    b = Bids(tender=np.array([0, 0, 1, 0, 1]), tech=np.zeros(n), brand=np.zeros(n),
             cost=np.ones(n), weight=np.array([1.0, 3.0, 2.0, 4.0, 1.0]), orient=np.ones(n),
             **empty_like_bids(n))
    b.cn[:] = [4, 7, 5, -1, -1]
    b.dv[4] = 0
    b.parent[:2] = 3
    b.live[:2] = False
    b.is_cn[:4] = True
    b.consortium[3] = True
    return b


def test_members_of_a_consortium_share_by_capacity() -> None:
    rows, firms, share = accounts.members(_bids(), np.array([3, 2]))
    assert rows.tolist() == [2, 3, 3]
    assert firms.tolist() == [5, 4, 7]
    assert share.tolist() == [1.0, 0.25, 0.75]


def test_a_developed_winner_has_no_chinese_members() -> None:
    rows, firms, share = accounts.members(_bids(), np.array([4]))
    assert rows.size == firms.size == share.size == 0


def test_sum_by_is_float_even_when_empty() -> None:
    out = accounts.sum_by(np.array([], dtype=np.int64), np.array([]), 3)
    assert out.dtype == float and out.tolist() == [0.0, 0.0, 0.0]
    assert accounts.sum_by(np.array([0, 2, 2]), np.array([1.0, 2.0, 3.0]), 3).tolist() == [
        1.0, 0.0, 5.0]
