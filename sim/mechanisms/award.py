"""Award (step phase 4): each tender goes to its best-scoring live bid. The hot path.

Source: China Brief 15(18), closing paragraphs (quality and innovation decide), *Location
Preference* (entry barriers), *Internally* (standards). The score is a random-utility rule:
price relative to budget weighed against quality (technology, brand, standards compliance), minus
the barrier Chinese bidders face in developed hosts, plus a Gumbel taste shock.
"""

from __future__ import annotations

import numpy as np

#: Brand weight relative to technology in the quality term.
BRAND_WEIGHT = 0.5
#: Scale of the Gumbel taste shock in scores.
NOISE = 0.1
#: Share of the barrier penalty a Chinese bidder with a local plant still faces.
PLANT_BARRIER_FACTOR = 0.4
#: Share of the barrier penalty a trilateral consortium still faces (a developed partner reassures
#: the host: China Brief 15(18), *With Developed Countries*, AREVA).
TRILATERAL_BARRIER_FACTOR = 0.5


def scores(*, price_ratio: np.ndarray, tech: np.ndarray, brand: np.ndarray,
           price_weight: np.ndarray, compliance_gap: np.ndarray, barrier: np.ndarray,
           fund_bonus: np.ndarray, gumbel: np.ndarray) -> np.ndarray:
    """Score of every bid; ``barrier`` is the effective barrier penalty each bid faces."""
    quality = tech + BRAND_WEIGHT * brand - compliance_gap
    return (-price_weight * price_ratio + (1.0 - price_weight) * quality - barrier
            + fund_bonus + NOISE * gumbel)


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
    has = first <= rows[-1]
    winner[has] = first[has]
    return winner
