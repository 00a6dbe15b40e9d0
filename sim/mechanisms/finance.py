"""Delivery and payment (step phase 5): revenue, cost, payment distress, the joint fund.

Source: China Brief 15(18), *Location Preference* (instability and debt insolvency in developing
hosts), *With Developed Countries* (joint funds); FACTS F19, F20 (renegotiation and partial
write-off rather than seizure; about a third of projects meet major problems).
"""

from __future__ import annotations

import numpy as np

from .accounts import cumsum_by_run

#: Share of a developing-host project's price financed by a loan (it adds to the host's debt;
#: who lends is decided in :mod:`sim.mechanisms.lending`).
FINANCED_SHARE = 0.5
#: Project value the joint fund can back per USD bn of fund (leverage).
FUND_LEVERAGE = 4.0
#: Share of a backed project's distress loss the joint fund absorbs.
FUND_COVER = 0.5
#: Due diligence by the fund lowers the distress probability of the projects it backs.
FUND_RISK_FACTOR = 0.7


def fund_backing(value: np.ndarray, eligible: np.ndarray, budget: float | np.ndarray,
                 run: np.ndarray | None = None, n_runs: int = 1) -> np.ndarray:
    """Share of each project backed by the joint fund, first come first served by tender order
    (``budget``: one number, or one per project, its run's; with ``run`` given, each run's fund
    backs its own projects)."""
    if not eligible.any():  # no project the fund may back (the usual case without consortia)
        return np.zeros(value.shape)
    capacity = budget * FUND_LEVERAGE
    v = np.where(eligible, value, 0.0)
    before = cumsum_by_run(v, run, n_runs) - v
    share = np.minimum(np.maximum((capacity - before) / np.maximum(v, 1e-12), 0), 1)
    return np.where(eligible & (v > 0), share, 0.0)


def settle(*, price: np.ndarray, p_distress: np.ndarray, u: np.ndarray, backed: np.ndarray,
           writeoff: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Payment outcome per awarded project.

    Returns (distressed, loss to contractors, loss absorbed by the joint fund). A distressed
    project has ``writeoff`` of its price written off; the fund absorbs FUND_COVER of the backed
    part.
    """
    if not backed.any():  # nothing backed: no lower risk, the fund absorbs nothing
        distressed = u < p_distress
        loss = np.where(distressed, writeoff * price, 0.0)
        return distressed, loss, np.zeros(loss.shape)
    p = p_distress * np.where(backed > 0, 1.0 - (1.0 - FUND_RISK_FACTOR) * backed, 1.0)
    distressed = u < p
    loss = np.where(distressed, writeoff * price, 0.0)
    fund_loss = loss * backed * FUND_COVER
    return distressed, loss - fund_loss, fund_loss
