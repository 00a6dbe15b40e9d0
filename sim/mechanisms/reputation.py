"""Reputation (step phase 8): brand grows with branding and delivery, falls with failures.

Source: China Brief 15(18), branding paragraphs (CEMA platform, CRRC campaign; SOEs as the
national image); FACTS F20 (a third of projects meet major problems).
"""

from __future__ import annotations

import numpy as np

from ..scenario.constants import constant

#: Brand gained per quarter at full branding intensity (SOEs; SMEs get half).
BRANDING_RATE = constant("branding_rate")
#: Brand gained per successful project (times the room left to grow).
SUCCESS_GAIN = constant("success_gain")
#: Brand lost per project with a major problem (times the brand there is to lose).
FAILURE_LOSS = constant("failure_loss")


def problem_probability(problem_rate: float, tech: np.ndarray) -> np.ndarray:
    """Chance a delivered project meets a major problem; ``problem_rate`` at technology 0.5."""
    return np.minimum(np.maximum(problem_rate * 2.0 * (1.0 - tech), 0.0), 1.0)


def next_brand(brand: np.ndarray, *, branding: float, soe: np.ndarray, successes: np.ndarray,
               failures: np.ndarray, rate: float = BRANDING_RATE,
               success_gain: float = SUCCESS_GAIN,
               failure_loss: float = FAILURE_LOSS) -> np.ndarray:
    """Brand after one quarter of campaigns, successes and failures."""
    campaign = rate * branding * np.where(soe, 1.0, 0.5) * (1.0 - brand)
    track = success_gain * successes * (1.0 - brand) - failure_loss * failures * brand
    return np.minimum(np.maximum(brand + campaign + track, 0.0), 1.0)
