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


def compare_figures(c, out: Path, dpi: int = 200) -> list[Path]:
    """The three gains' paired differences with 95% CIs, and key time series of A against B."""
    import matplotlib.pyplot as plt

    style.apply()
    out.mkdir(parents=True, exist_ok=True)
    a, b = c.a.scenario.name, c.b.scenario.name
    paths = []
    fig, ax = plt.subplots(figsize=(10, 5.5))
    labels = ["Developed", "Developing", "China"]
    for i, g in enumerate(GAINS):
        d = c.metrics[g]
        colour = style.GAIN_COLOURS[g]
        ax.errorbar(d["delta"], i, xerr=[[d["delta"] - d["ci_low"]], [d["ci_high"] - d["delta"]]],
                    fmt="o", color=colour, markersize=11, capsize=8, linewidth=2.5)
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(range(3), labels)
    ax.invert_yaxis()
    ax.set_xlabel(f"paired difference in cumulative gain, USD bn ({b} - {a})")
    winners = [lab for lab, g in zip(labels, ("developed", "developing", "china"), strict=True)
               if c.verdict[g]]
    if c.verdict["triple_win"]:
        title = f"Triple win: {b} beats {a} for all three groups"
    elif winners:
        title = f"{b} vs {a}: gains for {', '.join(winners)} only"
    else:
        title = f"{b} vs {a}: no group gains with confidence"
    ax.set_title(title)
    fig.tight_layout()
    p = out / "gains_difference.png"
    fig.savefig(p, dpi=dpi)
    plt.close(fig)
    paths.append(p)

    names = ["gain_developed", "gain_developing", "gain_china", "cn_tech_level",
             "cn_contract_share", "dg_price_per_quality"]
    x = _years(c.a.scenario.run.steps)
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for ax, metric in zip(axes.ravel(), names, strict=True):
        _band(ax, x, c.a.series(metric), "#999999", a)
        _band(ax, x, c.b.series(metric), "#0072B2", b)
        ax.set_title(METRICS[metric].label)
        ax.set_ylabel(METRICS[metric].unit)
    axes[0, 0].legend(loc="upper left")
    fig.suptitle(f"{b} against {a} (mean and 5-95% of {len(c.a.seeds)} paired replications)",
                 fontsize=15)
    fig.tight_layout()
    p = out / "timeseries_compare.png"
    fig.savefig(p, dpi=dpi)
    plt.close(fig)
    paths.append(p)
    return paths
