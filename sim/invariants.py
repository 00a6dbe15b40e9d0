"""Accounting invariants that must hold after every step (docs/ODD.md section 3, last paragraph).

``violations(model)`` returns a list of human-readable problems (empty when the books balance).
The test suite checks it after every step over several seeds and lever settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .mechanisms.finance import FINANCED_SHARE
from .metrics import METRICS

if TYPE_CHECKING:
    from .model import TripleWinModel

#: Relative tolerance of money identities (floating-point sums in different orders).
RTOL = 1e-9

_BOUNDED_UNITS = ("share 0-1", "index 0-1")


def violations(m: TripleWinModel) -> list[str]:
    """Every broken invariant of the model's current state."""
    out: list[str] = []
    cn, dv, h, q = m.cn, m.dv, m.hosts, m.latest_quarter

    # 1. awarded value = revenue of winners (consortium and trilateral shares included)
    awarded = q.flow.awarded
    booked = float(cn.revenue.sum() + dv.revenue.sum() + m.dg.revenue.sum())
    if not np.isclose(awarded, booked, rtol=RTOL, atol=1e-9):
        out.append(f"awarded value {awarded!r} != revenue booked to winners {booked!r}")
    # local work = own contracts of developing-country firms + what winners paid them
    st = q.settlement
    local_win = q.bids.dg[st.rows] >= 0
    own = float(st.price[local_win].sum())
    if not np.isclose(float(m.dg.revenue.sum()), own + float(st.local_pay.sum()), rtol=RTOL,
                      atol=1e-9):
        out.append("developing-country firms' revenue differs from their contracts + "
                   "subcontracted work")
    if (st.local_share < -1e-12).any() or (st.local_share > 1 + 1e-12).any() or (
            st.local_share[local_win] != 0).any():
        out.append("local share of a project outside [0, 1] (or on a local firm's own contract)")
    # Chinese revenue = Chinese work share of awarded value
    if not np.isclose(q.flow.cn_value, float(cn.revenue.sum()), rtol=RTOL,
                      atol=1e-9):
        out.append("Chinese revenue differs from the Chinese work share of awarded value")

    # 2. capacity moved abroad leaves home: total capacity is conserved and never negative
    total = float(cn.capacity.sum())
    if not np.isclose(total, m.initial_capacity, rtol=RTOL):
        out.append(f"Chinese capacity {total!r} != initial {m.initial_capacity!r}")
    for name in ("cap_home", "cap_park", "cap_dev"):
        if (getattr(cn, name) < -1e-12).any():
            out.append(f"negative {name}")
    if ((cn.cap_park > 0) & (cn.park_host < 0)).any() or ((cn.cap_dev > 0) & (cn.dev_host < 0)).any():
        out.append("capacity abroad without a host")

    # 3. each winning bid's Chinese members' shares sum to one; one winner per tender at most
    b = q.bids
    won = q.winner[q.winner >= 0]
    if np.unique(won).size != won.size:
        out.append("a bid won two tenders")
    cons = won[b.consortium[won]]
    if cons.size:
        members = np.isin(b.parent, cons)
        share = np.bincount(b.parent[members], weights=b.weight[members], minlength=b.n)[cons]
        if not np.allclose(share, b.weight[cons], rtol=1e-9):
            out.append("consortium member shares do not sum to one")
    if (~b.live[won]).any():
        out.append("a withdrawn or merged bid won a tender")

    # 4. loans: what is outstanding is what was lent less write-offs and repayments, never
    # negative; a host's debt is its initial stock plus its loans; willingness in [0, 1]
    L = m.lenders
    if (L.exposure < -1e-9).any() or not np.all(np.isfinite(L.exposure)):
        out.append("negative or non-finite loans outstanding")
    books = L.lent - L.written_off - L.repaid
    if not np.allclose(L.exposure.sum(axis=1), books, rtol=1e-9, atol=1e-9):
        out.append(f"loans outstanding {L.exposure.sum(axis=1)!r} != lent - written off - "
                   f"repaid {books!r}")
    dg = ~h.developed
    stock = m.uncertainty("debt_level") * m.debt_offset + L.exposure.sum(axis=0) / (4 * h.gdp)
    if not np.allclose(h.debt[dg], stock[dg], rtol=1e-9, atol=1e-12):
        out.append("a developing host's debt differs from its initial stock plus its loans")
    if (L.willingness < 0).any() or (L.willingness > 1).any():
        out.append("lender willingness outside [0, 1]")
    if st.loans.shape[1] and (st.loans.sum(axis=0) > FINANCED_SHARE * st.price * (1 + 1e-9) + 1e-12).any():
        out.append("a project borrowed more than its financed share")

    # 5. bounded state and metrics; nothing is NaN
    for label, arr in (("cn.tech", cn.tech), ("cn.brand", cn.brand), ("dv.tech", dv.tech),
                       ("dg.tech", m.dg.tech), ("local_enforcement", m.local_enforcement),
                       ("hosts.barrier", h.barrier), ("hosts.instability", h.instability)):
        if not np.all(np.isfinite(arr)) or (arr < 0).any() or (arr > 1).any():
            out.append(f"{label} outside [0, 1] or not finite")
    for label, arr in (("cn.cash", cn.cash), ("hosts.debt", h.debt), ("dg.cash", m.dg.cash)):
        if not np.all(np.isfinite(arr)):
            out.append(f"{label} not finite")
    for name, value in m.latest.items():
        if not np.isfinite(value):
            out.append(f"metric {name} is {value}")
        elif METRICS[name].unit in _BOUNDED_UNITS and not (0.0 <= value <= 1.0):
            out.append(f"metric {name} = {value} outside [0, 1]")
    return out
