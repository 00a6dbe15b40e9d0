"""Reputation (step phase 8): brand grows with branding and delivery, falls with failures.

Source: China Brief 15(18), branding paragraphs (CEMA platform, CRRC campaign; SOEs as the
national image); FACTS F20 (a third of projects meet major problems).
"""

from __future__ import annotations

import numpy as np

#: Brand gained per quarter at full branding intensity (SOEs; SMEs get half).
BRANDING_RATE = 0.03
#: Brand gained per successful project (times the room left to grow).
SUCCESS_GAIN = 0.004
#: Brand lost per project with a major problem (times the brand there is to lose).
FAILURE_LOSS = 0.012


def problem_probability(problem_rate: float, tech: np.ndarray) -> np.ndarray:
    """Chance a delivered project meets a major problem; ``problem_rate`` at technology 0.5."""
    return np.clip(problem_rate * 2.0 * (1.0 - tech), 0.0, 1.0)


def next_brand(brand: np.ndarray, *, branding: float, soe: np.ndarray, successes: np.ndarray,
               failures: np.ndarray) -> np.ndarray:
    """Brand after one quarter of campaigns, successes and failures."""
    campaign = BRANDING_RATE * branding * np.where(soe, 1.0, 0.5) * (1.0 - brand)
    track = SUCCESS_GAIN * successes * (1.0 - brand) - FAILURE_LOSS * failures * brand
    return np.clip(brand + campaign + track, 0.0, 1.0)
