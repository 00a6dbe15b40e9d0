"""Small statistics helpers: Student-t confidence intervals without SciPy at run time."""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

# two-sided 95% Student-t quantiles t_{0.975, df} for df = 1..30
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t975(df: int) -> float:
    """Two-sided 95% quantile of Student's t with ``df`` degrees of freedom."""
    if df < 1:
        return math.nan
    if df <= len(_T975):
        return _T975[df - 1]
    z = NormalDist().inv_cdf(0.975)
    # Cornish-Fisher expansion; error below 1e-4 for df > 30
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def mean_ci(x: np.ndarray) -> dict[str, float | int]:
    """Mean, sample std and 95% t confidence interval of the mean.

    With fewer than two values there is no interval: std, ``ci_low`` and ``ci_high`` are NaN
    (written as ``null`` in JSON), so nothing built on the interval (a "win", a "clear change")
    can follow from a single replication.
    """
    x = np.asarray(x, dtype=float)
    n = int(x.size)
    mean = float(x.mean()) if n else math.nan
    if n < 2:
        return {"mean": mean, "std": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": n}
    std = float(x.std(ddof=1))
    half = t975(n - 1) * std / math.sqrt(n)
    return {"mean": mean, "std": std, "ci_low": mean - half, "ci_high": mean + half, "n": n}


def json_ready(value: Any) -> Any:
    """``value`` with every non-finite float (an undefined interval, a failed mean) as None, so
    that it writes as standard JSON (``null``) rather than ``NaN``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return value
