"""Investment and location (step phase 7): moving capacity to parks and developed-host plants.

Source: China Brief 15(18), *Externally* (industrial parks in developing countries), *Location
Preference* (from periphery to centre; CRRC's US plants); FACTS F2, F4, F14, F21.
"""

from __future__ import annotations

import numpy as np

from ..scenario.constants import constant

#: Capacity (USD bn of quarterly output) moved per USD bn invested.
CAPACITY_PER_BN = constant("capacity_per_bn")
#: A firm invests when cash exceeds this share of its capacity, spending INVEST_RATE of the excess.
CASH_THRESHOLD, INVEST_RATE = constant("cash_threshold"), constant("invest_rate")
#: Largest share of home capacity one investment can move.
MAX_MOVE = constant("max_move")
#: Jobs per USD bn of quarterly output: labour-intensive parks vs developed-host plants
#: (calibration: CRRC Springfield, about USD 100 m a year and a few hundred jobs, F14).
JOBS_PARK, JOBS_DEV = constant("jobs_park"), constant("jobs_dev")


def investable(cash: np.ndarray, capacity: np.ndarray, threshold: float = CASH_THRESHOLD,
               rate: float = INVEST_RATE) -> np.ndarray:
    """Budget each firm puts into one investment this quarter (0 = none)."""
    excess = cash - threshold * capacity
    return np.where(excess > 0, rate * excess, 0.0)


#: Idle equipment is cheaper to move than new capacity is to build: capacity moved per USD bn
#: rises by this factor times the firm's idle share (the overcapacity push of China Brief 15(18),
#: *International Industrial Capacity Cooperation*: steel, cement, flat glass).
IDLE_MOVE_FACTOR = constant("idle_move_factor")


def capacity_moved(budget: np.ndarray, cap_home: np.ndarray, idle_share: np.ndarray,
                   per_bn: float = CAPACITY_PER_BN, idle_factor: float = IDLE_MOVE_FACTOR,
                   max_move: float = MAX_MOVE) -> np.ndarray:
    """Home capacity that an investment moves abroad (it leaves home: totals are conserved)."""
    moved_per_bn = per_bn * (1.0 + idle_factor * idle_share)
    return np.minimum(budget * moved_per_bn, max_move * cap_home)
