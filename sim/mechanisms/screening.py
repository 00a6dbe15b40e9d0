"""Host responses: screening in developed hosts, debt in developing hosts (step phase 9).

Source: China Brief 15(18), *With Developed Countries* (EU concerns over Chinese market share);
*Location Preference* (BIT negotiations); FACTS F4, F18 (FIRRMA 2018, EU 2019/452).
"""

from __future__ import annotations

import numpy as np

#: Quarterly speed at which a barrier relaxes back to its base when the Chinese share is low.
RELAX_RATE = 0.05
#: How far above its (lowered) base a BIT lets screening raise the barrier.
BIT_CAP = 0.15


def bit_base(base: np.ndarray, bit: np.ndarray, bit_effect: float) -> np.ndarray:
    """Base barrier under a BIT: lowered by twice the BIT effect (effect sizes 5-10%)."""
    return np.where(bit, base * (1.0 - 2.0 * bit_effect), base)


def next_barrier(*, barrier: np.ndarray, base: np.ndarray, cn_share: np.ndarray,
                 threshold: float, response: float, bit: np.ndarray,
                 bit_effect: float) -> np.ndarray:
    """Developed hosts' entry barriers for Chinese bidders next quarter (each host decides on
    its own state; vectorised over hosts).

    Above the threshold, the barrier rises in proportion to the excess Chinese share (screening);
    below it, it relaxes toward its base. A BIT in force lowers the base and caps the rise.
    """
    floor = bit_base(base, bit, bit_effect)
    b = np.where(cn_share > threshold, barrier + response * (cn_share - threshold),
                 barrier + RELAX_RATE * (floor - barrier))
    b = np.where(bit, np.minimum(b, floor + BIT_CAP), b)
    return np.clip(b, 0.0, 1.0)


#: Quarterly amortisation of project debt.
AMORTISATION = 0.03


def next_debt(project_debt: np.ndarray, new_finance: np.ndarray,
              gdp_quarterly: np.ndarray) -> np.ndarray:
    """Project debt of developing hosts as a share of annual GDP: new Chinese-financed project
    value over annual GDP (four quarters), amortised."""
    return project_debt * (1.0 - AMORTISATION) + new_finance / (4.0 * gdp_quarterly)
