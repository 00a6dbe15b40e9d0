"""Environment (step phase 1): domestic demand, utilisation, labour cost.

Source: China Brief 15(18), intro (PMI 49.7, rising labour costs, overcapacity in steel, cement,
flat glass); FACTS F6, F7 (utilisation 0.65-0.74).
"""

from __future__ import annotations

import numpy as np

from ..scenario.constants import constant
from ..scenario.params import OVERCAPACITY, SECTORS

#: Which sectors (in ``SECTORS`` order) carry overcapacity at home.
OVERCAPACITY_MASK = np.array([s in OVERCAPACITY for s in SECTORS])

#: Home utilisation of the high-end sectors at PMI 50 (overcapacity sectors use the
#: ``initial_utilization`` uncertainty).
HIGH_END_UTILIZATION = constant("high_end_utilization")
#: Quarterly hazard that an SME at home goes abroad, without and per unit of state support.
SME_ENTRY, SME_ENTRY_SUPPORT = constant("sme_entry"), constant("sme_entry_support")
#: Quarterly hazard that an SME abroad comes home, without state support.
SME_EXIT = constant("sme_exit")


def home_utilization(pmi: float, initial: np.ndarray, sensitivity: float) -> np.ndarray:
    """Domestic utilisation per sector from a PMI-like demand index (50 = neutral)."""
    return np.minimum(np.maximum(initial + sensitivity * (pmi - 50.0), 0.2), 1.0)


def sme_participation(active: np.ndarray, soe: np.ndarray, u: np.ndarray,
                      state_support: float, entry: float = SME_ENTRY,
                      entry_support: float = SME_ENTRY_SUPPORT,
                      leave_rate: float = SME_EXIT) -> np.ndarray:
    """Which firms take part abroad this quarter.

    SOEs always do. An SME abroad stays with a hazard of leaving that support lowers; one at home
    goes abroad with a hazard that support raises (streamlined approvals, information, consular
    and legal help: China Brief 15(18), *Internally*).
    """
    enter = entry + entry_support * state_support
    leave = leave_rate * (1.0 - state_support)
    nxt = np.where(active, u >= leave, u < enter)
    return soe | nxt
