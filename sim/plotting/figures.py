"""Figures of one run: time series of each group's key metrics with replication bands, and the
three gains."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..metrics import METRICS
from ..scenario.params import START_YEAR
from . import style

if TYPE_CHECKING:
    from ..experiments.runner import RunResults

#: Key metrics per panel, by group.
KEY_METRICS = {
    "china": ["cn_tech_level", "cn_contract_share", "cn_developed_share", "cn_utilization"],
    "developed": ["dv_profit", "dv_licensing", "dv_barrier", "dv_cn_share"],
    "developing": ["dg_infrastructure", "dg_price_per_quality", "dg_default_rate", "dg_jobs"],
}
GAINS = ["gain_developed", "gain_developing", "gain_china"]


def _years(steps: int) -> np.ndarray:
    return START_YEAR + (np.arange(steps) + 1) / 4.0


def _band(ax, x, data, colour, label=None):
    mean = data.mean(axis=0)
    lo, hi = np.percentile(data, [5, 95], axis=0) if data.shape[0] > 1 else (mean, mean)
    ax.fill_between(x, lo, hi, color=colour, alpha=0.2, linewidth=0)
    ax.plot(x, mean, color=colour, linewidth=2.2, label=label)


def run_figures(results: RunResults, out: Path, dpi: int = 200) -> list[Path]:
    """Write ``timeseries_<group>.png`` and ``gains.png``; returns the paths."""
    import matplotlib.pyplot as plt

    style.apply()
    out.mkdir(parents=True, exist_ok=True)
    name = results.scenario.name
    steps = results.scenario.run.steps
    x = _years(steps)
    paths = []
    for group, names in KEY_METRICS.items():
        fig, axes = plt.subplots(2, 2, figsize=(12, 7.5))
        for ax, metric in zip(axes.ravel(), names, strict=True):
            m = METRICS[metric]
            _band(ax, x, results.series(metric), style.GROUP_COLOURS[group])
            ax.set_title(m.label)
            ax.set_ylabel(m.unit)
        fig.suptitle(f"{style.GROUP_TITLES[group]}: {name} (mean and 5-95% of "
                     f"{len(results.seeds)} replications)", fontsize=15)
        fig.tight_layout()
        p = out / f"timeseries_{group}.png"
        fig.savefig(p, dpi=dpi)
        plt.close(fig)
        paths.append(p)
    fig, ax = plt.subplots(figsize=(10, 6))
    for g in GAINS:
        _band(ax, x, results.series(g), style.GAIN_COLOURS[g], METRICS[g].label)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("USD bn, cumulative")
    ax.set_title(f"Cumulative gains of the three groups: {name}")
    ax.legend(loc="upper left")
    fig.tight_layout()
    p = out / "gains.png"
    fig.savefig(p, dpi=dpi)
    plt.close(fig)
    paths.append(p)
    return paths
