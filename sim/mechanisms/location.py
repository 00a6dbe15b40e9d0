"""Investment and location (step phase 7): moving capacity to parks and developed-host plants.

Source: China Brief 15(18), *Externally* (industrial parks in developing countries), *Location
Preference* (from periphery to centre; CRRC's US plants); FACTS F2, F4, F14, F21.
"""

from __future__ import annotations

import numpy as np

#: Capacity (USD bn of quarterly output) moved per USD bn invested.
CAPACITY_PER_BN = 0.25
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


def capacity_moved(budget: np.ndarray, cap_home: np.ndarray) -> np.ndarray:
    """Home capacity that an investment moves abroad (it leaves home: totals are conserved)."""
    return np.minimum(budget * CAPACITY_PER_BN, MAX_MOVE * cap_home)
