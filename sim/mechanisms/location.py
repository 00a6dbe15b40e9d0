"""Investment and location (step phase 7): moving capacity to parks and developed-host plants.

Source: China Brief 15(18), *Externally* (industrial parks in developing countries), *Location
Preference* (from periphery to centre; CRRC's US plants); FACTS F2, F4, F14, F21.
"""

from __future__ import annotations

import numpy as np

#: Capacity (USD bn of quarterly output) moved per USD bn invested.
CAPACITY_PER_BN = 0.12
#: A firm invests when cash exceeds this share of its capacity, spending INVEST_RATE of the excess.
CASH_THRESHOLD, INVEST_RATE = 0.15, 0.5
#: Largest share of home capacity one investment can move.
MAX_MOVE = 0.2
#: Jobs per USD bn of quarterly output: labour-intensive parks vs developed-host plants
#: (calibration: CRRC Springfield, about USD 100 m a year and a few hundred jobs, F14).
JOBS_PARK, JOBS_DEV = 20_000, 6_000


def investable(cash: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Budget each firm puts into one investment this quarter (0 = none)."""
    excess = cash - CASH_THRESHOLD * capacity
    return np.where(excess > 0, INVEST_RATE * excess, 0.0)


#: Idle equipment is cheaper to move than new capacity is to build: capacity moved per USD bn
#: rises by this factor times the firm's idle share (the overcapacity push of China Brief 15(18),
#: *International Industrial Capacity Cooperation*: steel, cement, flat glass).
IDLE_MOVE_FACTOR = 2.0


def capacity_moved(budget: np.ndarray, cap_home: np.ndarray, idle_share: np.ndarray) -> np.ndarray:
    """Home capacity that an investment moves abroad (it leaves home: totals are conserved)."""
    per_bn = CAPACITY_PER_BN * (1.0 + IDLE_MOVE_FACTOR * idle_share)
    return np.minimum(budget * per_bn, MAX_MOVE * cap_home)
