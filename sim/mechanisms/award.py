"""Award (step phase 4): each tender goes to its best-scoring live bid. The hot path.

Source: China Brief 15(18), closing paragraphs (quality and innovation decide), *Location
Preference* (entry barriers), *Internally* (standards). The score is a random-utility rule:
price relative to budget weighed against quality (technology, brand, standards compliance), minus
the barrier Chinese bidders face in developed hosts, plus a Gumbel taste shock.
"""

from __future__ import annotations

import numpy as np

from ..scenario.constants import constant

#: Brand weight relative to technology in the quality term.
BRAND_WEIGHT = constant("brand_weight")
#: Scale of the Gumbel taste shock in scores.
NOISE = constant("award_noise")
#: Share of the barrier penalty a Chinese bidder with a local plant still faces.
PLANT_BARRIER_FACTOR = constant("plant_barrier_factor")
#: Share of the barrier penalty a trilateral consortium still faces (a developed partner reassures
#: the host: China Brief 15(18), *With Developed Countries*, AREVA).
TRILATERAL_BARRIER_FACTOR = constant("trilateral_barrier_factor")
#: A host's reserve price per unit of its tender budget: the most it will pay for the project.
#: Bids above it are refused; a tender without a bid under it is not awarded. The Mexico
#: high-speed-rail award of 2014 (a sole coordinated bid 18% over the estimate) was revoked
#: (F13); assumption: hosts accept up to 15% over their estimate.
RESERVE_RATIO = constant("reserve_ratio")


def scores(*, price_ratio: np.ndarray, tech: np.ndarray, brand: np.ndarray,
           price_weight: np.ndarray, compliance_gap: np.ndarray, barrier: np.ndarray,
           fund_bonus: np.ndarray, gumbel: np.ndarray, brand_weight: float = BRAND_WEIGHT,
           noise: float = NOISE) -> np.ndarray:
    """Score of every bid; ``barrier`` is the effective barrier penalty each bid faces."""
    quality = tech + brand_weight * brand - compliance_gap
    return (-price_weight * price_ratio + (1.0 - price_weight) * quality - barrier
            + fund_bonus + noise * gumbel)


def best_per_tender(tender: np.ndarray, score: np.ndarray, eligible: np.ndarray,
                    n_tenders: int) -> np.ndarray:
    """Row of the winning bid for each tender, -1 where no eligible bid exists.

    Two unbuffered reductions, no sort: the best score of each tender, then the lowest row that
    reaches it (ties go to the lower row, which is deterministic).
    """
    rows = np.flatnonzero(eligible)
    winner = np.full(n_tenders, -1, dtype=np.int64)
    if rows.size == 0:
        return winner
    t, s = tender[rows], score[rows]
    best = np.full(n_tenders, -np.inf)
    np.fmax.at(best, t, s)
    top = s == best[t]
    first = np.full(n_tenders, rows[-1] + 1, dtype=np.int64)
    np.minimum.at(first, t[top], rows[top])
    return np.where(first <= rows[-1], first, winner)


def reserve_price(value: np.ndarray, ratio: float = RESERVE_RATIO) -> np.ndarray:
    """The most each host will pay for each tender: its budget times ``ratio`` (the host's
    valuation of the project; China Brief 15(18), *With Developing Countries*; F13)."""
    return ratio * value


def within_reserve(price: np.ndarray, tender: np.ndarray, reserve: np.ndarray) -> np.ndarray:
    """Bids a host will consider: price at or under the reserve price of the bid's tender."""
    return price <= reserve[tender]


def priced_out(tender: np.ndarray, live: np.ndarray, winner: np.ndarray) -> np.ndarray:
    """Tenders that drew at least one live bid and yet were not awarded (every bid above the
    reserve price, or turned away): the host walks away and may tender again."""
    drew = np.zeros(winner.size, bool)
    drew[tender[live]] = True
    return drew & (winner < 0)


def cancelled(distressed: np.ndarray, problem: np.ndarray) -> np.ndarray:
    """Awarded projects a host cancels: a project that meets a major implementation problem
    while the host is in payment distress over it is stopped rather than renegotiated (the
    unbuilt rest is neither delivered nor paid; China Brief 15(18), *Location Preference*;
    F19: renegotiation and write-off are the usual outcome, F20: problems in about a third)."""
    return distressed & problem
