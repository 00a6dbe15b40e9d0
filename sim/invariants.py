"""Accounting invariants that must hold after every step (docs/ODD.md section 3, last paragraph).

``violations(model)`` returns a list of human-readable problems (empty when the books balance);
``violations_by_run(batch)`` one such list per run of a batch. The test suite checks them after
every step over several seeds and lever settings, and per run of batches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .mechanisms.finance import FINANCED_SHARE
from .metrics import METRICS

if TYPE_CHECKING:
    from .batch import Batch
    from .model import TripleWinModel

#: Relative tolerance of money identities (floating-point sums in different orders).
RTOL = 1e-9

_BOUNDED_UNITS = ("share 0-1", "index 0-1")


def violations(m: TripleWinModel | Batch) -> list[str]:
    """Every broken invariant of the current state: of the run of a :class:`TripleWinModel`,
    or of every run of a :class:`~sim.batch.Batch` (each problem prefixed with its run)."""
    batch = getattr(m, "batch", m)
    per_run = violations_by_run(batch)
    if batch is not m:
        return per_run[0]
    return [f"run {r}: {p}" for r, problems in enumerate(per_run) for p in problems]


def violations_by_run(b: Batch) -> list[list[str]]:
    """Every broken invariant of each run of a batch: one list of problems per run (empty
    where the books balance), each run checked on its own numbers."""
    out: list[list[str]] = [[] for _ in range(b.R)]
    cn, dv, lf, h, q = b.cn, b.dv, b.dg, b.hosts, b.latest_quarter
    by_run, R = b.by_run, b.R

    def flag(mask: np.ndarray, run: np.ndarray) -> np.ndarray:
        return np.bincount(run[mask], minlength=R) > 0

    def report(bad: np.ndarray, text: Any) -> None:
        for r in np.flatnonzero(bad):
            out[r].append(text(r) if callable(text) else text)

    # 1. awarded value = revenue of winners (consortium and trilateral shares included)
    awarded = q.flow.awarded
    booked = by_run(cn.revenue, cn.run) + by_run(dv.revenue, dv.run) + by_run(lf.revenue, lf.run)
    report(~np.isclose(awarded, booked, rtol=RTOL, atol=1e-9),
           lambda r: f"awarded value {awarded[r]!r} != revenue booked to winners {booked[r]!r}")
    # local work = own contracts of developing-country firms + what winners paid them
    st = q.settlement
    pr = q.tenders.run[st.won]
    local_win = q.bids.dg[st.rows] >= 0
    own = by_run(st.price[local_win], pr[local_win]) + by_run(st.local_pay, pr)
    report(~np.isclose(by_run(lf.revenue, lf.run), own, rtol=RTOL, atol=1e-9),
           "developing-country firms' revenue differs from their contracts + subcontracted work")
    bad_share = ((st.local_share < -1e-12) | (st.local_share > 1 + 1e-12)
                 | (local_win & (st.local_share != 0)))
    report(flag(bad_share, pr),
           "local share of a project outside [0, 1] (or on a local firm's own contract)")
    # Chinese revenue = Chinese work share of awarded value
    report(~np.isclose(q.flow.cn_value, by_run(cn.revenue, cn.run), rtol=RTOL, atol=1e-9),
           "Chinese revenue differs from the Chinese work share of awarded value")

    # 2. capacity moved abroad leaves home: total capacity is conserved and never negative
    total = by_run(cn.capacity, cn.run)
    report(~np.isclose(total, b.initial_capacity, rtol=RTOL),
           lambda r: f"Chinese capacity {total[r]!r} != initial {b.initial_capacity[r]!r}")
    for name in ("cap_home", "cap_park", "cap_dev"):
        report(flag(getattr(cn, name) < -1e-12, cn.run), f"negative {name}")
    report(flag(((cn.cap_park > 0) & (cn.park_host < 0)) | ((cn.cap_dev > 0) & (cn.dev_host < 0)),
                cn.run), "capacity abroad without a host")

    # 3. each winning bid's Chinese members' shares sum to one; one winner per tender at most
    bids = q.bids
    won = q.winner[q.winner >= 0]
    twice = np.bincount(won, minlength=bids.n) > 1
    report(flag(twice, bids.run), "a bid won two tenders")
    cons = won[bids.consortium[won]]
    if cons.size:
        members = np.isin(bids.parent, cons)
        share = np.bincount(bids.parent[members], weights=bids.weight[members],
                            minlength=bids.n)[cons]
        report(flag(~np.isclose(share, bids.weight[cons], rtol=1e-9), bids.run[cons]),
               "consortium member shares do not sum to one")
    report(flag(~bids.live[won], bids.run[won]), "a withdrawn or merged bid won a tender")

    # 4. loans: what is outstanding is what was lent less write-offs and repayments, never
    # negative; a host's debt is its initial stock plus its loans; willingness in [0, 1]
    L = b.lenders
    bad_exposure = ((L.exposure < -1e-9) | ~np.isfinite(L.exposure)).any(axis=0)
    report(flag(bad_exposure, h.run), "negative or non-finite loans outstanding")
    books = L.lent - L.written_off - L.repaid  # lenders x runs
    outstanding = b.rows_by_run(L.exposure, h.run)
    report(~np.isclose(outstanding, books, rtol=1e-9, atol=1e-9).all(axis=0),
           lambda r: f"loans outstanding {outstanding[:, r]!r} != lent - written off - "
                     f"repaid {books[:, r]!r}")
    dg = ~h.developed
    stock = (b.uncertainty("debt_level")[h.run] * b.debt_offset
             + L.exposure.sum(axis=0) / (4 * h.gdp))
    report(flag(dg & ~np.isclose(h.debt, stock, rtol=1e-9, atol=1e-12), h.run),
           "a developing host's debt differs from its initial stock plus its loans")
    report(((L.willingness < 0) | (L.willingness > 1)).any(axis=0),
           "lender willingness outside [0, 1]")
    if st.loans.shape[1]:
        over = st.loans.sum(axis=0) > FINANCED_SHARE * st.price * (1 + 1e-9) + 1e-12
        report(flag(over, pr), "a project borrowed more than its financed share")

    # 5. bounded state and metrics; nothing is NaN
    for label, arr, run in (("cn.tech", cn.tech, cn.run), ("cn.brand", cn.brand, cn.run),
                            ("dv.tech", dv.tech, dv.run), ("dg.tech", lf.tech, lf.run),
                            ("local_enforcement", b.local_enforcement, h.run),
                            ("hosts.barrier", h.barrier, h.run),
                            ("hosts.instability", h.instability, h.run)):
        report(flag(~np.isfinite(arr) | (arr < 0) | (arr > 1), run),
               f"{label} outside [0, 1] or not finite")
    for label, arr, run in (("cn.cash", cn.cash, cn.run), ("hosts.debt", h.debt, h.run),
                            ("dg.cash", lf.cash, lf.run)):
        report(flag(~np.isfinite(arr), run), f"{label} not finite")
    for r, latest in enumerate(b.latest):
        for name, value in latest.items():
            if not np.isfinite(value):
                out[r].append(f"metric {name} is {value}")
            elif METRICS[name].unit in _BOUNDED_UNITS and not (0.0 <= value <= 1.0):
                out[r].append(f"metric {name} = {value} outside [0, 1]")
    return out
