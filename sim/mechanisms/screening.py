"""Host responses: screening in developed hosts (step phase 9; developing hosts' debt is read
from the lenders' books, :func:`sim.phases.markets.host_debt`).

Screening is a host's response to what it observes, with constant parameters: each developed
host watches the Chinese share of its market (and, in part, of all developed markets, as
screening was coordinated: EU Regulation 2019/452) and the Chinese-owned capacity in it; its
*concern* follows that observation with a lag (attention below 1: reviews, hearings and
legislation take time); above its threshold the concern raises the barrier, below it the barrier
relaxes only slowly (persistence: screening laws, once passed, stay). Because the response comes
late and lasts, a strong Chinese push can carry the share above the threshold before the barrier
rises, and the barrier, once up, pushes the share back below it: rise, then fall, with no
parameter changed over the run.

Sources: China Brief 15(18), *With Developed Countries* (EU concerns over Chinese market share);
*Location Preference* (BIT negotiations); FACTS F2, F4, F18 (FIRRMA 2018 and EU 2019/452 came
after years of rising Chinese acquisitions).
"""

from __future__ import annotations

import numpy as np

from ..scenario.constants import constant

#: Quarterly speed at which a barrier relaxes back to its base while concern is below the
#: threshold (persistence of screening once in force), assumption.
RELAX_RATE = constant("screening_relax")
#: How far above its (lowered) base a BIT lets screening raise the barrier, assumption.
BIT_CAP = constant("bit_cap")
#: Share of the gap between what a host observes and its concern closed each quarter (the lag
#: of the response: 1/ATTENTION quarters on average), assumption: FIRRMA came about two years
#: after the 2016 peak of Chinese acquisitions in the US (F4, F18).
ATTENTION = constant("screening_attention")
#: Weight of Chinese-owned plant capacity in a host (per unit of the host's quarterly tender
#: volume) in what the host observes, beside the Chinese share of its contracts: ownership, not
#: only imports, drew screening (F4, F14), assumption.
OWNERSHIP_WEIGHT = constant("ownership_weight")


def bit_base(base: np.ndarray, bit: np.ndarray, bit_effect: float) -> np.ndarray:
    """Base barrier under a BIT: lowered by twice the BIT effect. The article's mechanism, kept
    as an assumption: after correction for publication bias the effect of a BIT on investment is
    about zero for rich hosts (Bellak & Reiter 2020), so the default ``bit_effect`` is small."""
    return np.where(bit, base * (1.0 - 2.0 * bit_effect), base)


def observed_pressure(*, cn_share: np.ndarray, market_share: float, owned: np.ndarray,
                      volume: np.ndarray, coordination: float,
                      ownership_weight: float = OWNERSHIP_WEIGHT) -> np.ndarray:
    """What each developed host observes: the Chinese share of its own contracts blended with
    the share across all developed markets (weight ``coordination``), plus Chinese-owned
    plant capacity relative to its tender volume (weight ``ownership_weight``; none where the
    volume is practically zero)."""
    share = (1.0 - coordination) * cn_share + coordination * market_share
    # (no presence ratio where a host has practically no tenders: a volume of 1e-300 would
    # make any plant an infinite presence)
    presence = np.divide(owned, volume, out=np.zeros(owned.shape), where=volume > 1e-12)
    return share + ownership_weight * presence


def next_concern(concern: np.ndarray, observed: np.ndarray,
                 attention: float = ATTENTION) -> np.ndarray:
    """Concern after one quarter: it moves ``attention`` of the way toward what is observed."""
    return concern + attention * (observed - concern)


def next_barrier(*, barrier: np.ndarray, base: np.ndarray, concern: np.ndarray,
                 threshold: float, response: float, bit: np.ndarray, bit_effect: float,
                 relax: float = RELAX_RATE, bit_cap: float = BIT_CAP) -> np.ndarray:
    """Developed hosts' entry barriers for Chinese bidders next quarter (each host decides on
    its own state; vectorised over hosts).

    Concern above the threshold raises the barrier in proportion to the excess (screening);
    below it, the barrier relaxes toward its base at ``relax`` per quarter. A BIT in force lowers
    the base and caps the rise at ``bit_cap`` above it.
    """
    floor = bit_base(base, bit, bit_effect)
    b = np.where(concern > threshold, barrier + response * (concern - threshold),
                 barrier + relax * (floor - barrier))
    b = np.where(bit, np.minimum(b, floor + bit_cap), b)
    return np.minimum(np.maximum(b, 0.0), 1.0)

