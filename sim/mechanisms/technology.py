"""Technology (step phase 6): learning by doing, transfer in consortia and joint ventures,
licensing fees, R&D.

Source: China Brief 15(18), *With Developed Countries* (joint bidding as access to technology),
closing paragraphs (caution over weak IPR); Branstetter, Fisman & Foley 2006 (IPR multiplier);
Havranek & Irsova 2011 and Hampl & Havranek (spillover rates, joint-venture premium).
"""

from __future__ import annotations

import numpy as np

from ..scenario.constants import constant

#: Learning by doing: technology gained per quarter at full use of capacity abroad.
LEARNING_RATE = constant("learning_by_doing")
#: Domestic upgrading drift per quarter (Made in China 2025).
DOMESTIC_DRIFT = constant("domestic_drift")
#: Licensing fee as a share of the Chinese work value in a consortium, at full transfer.
LICENCE_RATE = constant("licence_rate")
#: Technology gain per USD bn of R&D per USD bn of capacity.
RD_EFFICIENCY = constant("rd_efficiency")
#: Share of positive profit spent on R&D.
RD_SHARE = constant("rd_share")
#: Quarters over which the long-run spillover effect comes about (declared constant).
SPILLOVER_ADJUSTMENT = constant("spillover_adjustment")
#: Quarterly drift of the developed frontier.
FRONTIER_DRIFT = constant("frontier_drift")


def ipr_multiplier(ipr: float, elasticity: float) -> float:
    """Transfer multiplier: 1 without IPR protection, ``elasticity`` at full protection."""
    return 1.0 + (elasticity - 1.0) * ipr


def transfer_intensity(transfer_willingness: np.ndarray, ipr: float) -> np.ndarray:
    """How much of its technology a developed partner is willing to transfer."""
    return transfer_willingness * (0.4 + 0.6 * ipr)


def absorption(gap: np.ndarray) -> np.ndarray:
    """Absorptive capacity: transfer is largest at modest gaps (4 g (1 - g), peak at g = 0.5)."""
    g = np.minimum(np.maximum(gap, 0.0), 1.0)
    return 4.0 * g * (1.0 - g)


def transfer_gain(*, gap: np.ndarray, exposure: np.ndarray, intensity: np.ndarray | float,
                  spillover: float, premium: float, multiplier: float, tech: np.ndarray,
                  adjustment: float = SPILLOVER_ADJUSTMENT) -> np.ndarray:
    """Technology gained in a quarter by a Chinese firm that does a share ``exposure`` of its
    work beside developed firms.

    ``spillover`` is a long-run elasticity of productivity to foreign presence (Hampl &
    Havranek: +10 points of presence, +11% productivity), not a share of the gap closed per
    quarter: sustained presence ``x`` raises the technology level by ``spillover x`` times the
    level, reached over ``adjustment`` quarters (and continued joint work keeps adding at that
    pace, an assumption), scaled by the joint-venture premium, the IPR multiplier, the partner's
    transfer intensity and absorptive capacity (largest at modest gaps). Never more than the gap.
    ``intensity`` may be one number for all.
    """
    level = (spillover * premium * multiplier * intensity * absorption(gap)
             * np.minimum(np.maximum(exposure, 0), 1) * tech)
    return np.minimum(level / adjustment, np.maximum(gap, 0.0))


def licence_fee(cn_value: np.ndarray, intensity: np.ndarray, multiplier: float,
                rate: float = LICENCE_RATE) -> np.ndarray:
    """Fee the Chinese side pays its developed partner for the technology it uses."""
    return rate * multiplier * intensity * cn_value


def learning(tech: np.ndarray, activity: np.ndarray, rate: float = LEARNING_RATE,
             drift: float = DOMESTIC_DRIFT) -> np.ndarray:
    """Gain from learning by doing and domestic upgrading; ``activity`` is work/capacity."""
    return (rate * np.minimum(np.maximum(activity, 0), 1) + drift) * (1.0 - tech)


def rd_gain(tech: np.ndarray, profit: np.ndarray, capacity: np.ndarray,
            share: float = RD_SHARE, efficiency: float = RD_EFFICIENCY) -> np.ndarray:
    """Gain from R&D paid out of positive profit."""
    spend = share * np.maximum(profit, 0.0)
    return efficiency * spend / np.maximum(capacity, 1e-9) * (1.0 - tech)
