"""Global sensitivity of the outcomes to the swept factors, with SALib.

* **Sobol'** (design ``sobol``): first-order ``S1`` and total ``ST`` indices of each factor for
  each metric, with the half-width of their 95% bootstrap confidence interval (``S1_conf``,
  ``ST_conf``), and second-order ``S2`` when the sweep sampled them. ``S1`` is the share of the
  output variance a factor explains alone; ``ST`` adds its interactions.
* **Morris** (design ``morris``): elementary effects ``mu``, ``mu_star`` (mean absolute effect,
  with ``mu_star_conf``) and ``sigma`` (spread: non-linearity or interactions). The sweep samples
  the unit cube, so an effect is the change of the metric over the full range of the factor.

The output of a design point is the mean over its replications (common random numbers, so the
replication noise is the same at every point). Indices need every point: a point whose
replications all failed leaves that metric without indices, with a note saying why.

Reference: Saltelli et al. (2010), *Variance based sensitivity analysis of model output*;
Morris (1991); Herman & Usher (2017), SALib, JOSS 2(9).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


def point_means(runs: pd.DataFrame, column: str, n_points: int) -> np.ndarray:
    """Mean of ``column`` over replications, per design point 0..n_points-1 (NaN where no
    replication of the point succeeded)."""
    means = runs.groupby("point")[column].mean()
    return means.reindex(range(n_points)).to_numpy(dtype=float)


def _problem(factors: list[str]) -> dict[str, Any]:
    return {"num_vars": len(factors), "names": list(factors), "bounds": [[0.0, 1.0]] * len(factors)}


def _usable(y: np.ndarray, name: str, notes: list[str]) -> bool:
    if np.isnan(y).any():
        notes.append(f"{name}: {int(np.isnan(y).sum())} design points have no successful run; "
                     "no indices")
        return False
    if np.ptp(y) == 0:
        notes.append(f"{name}: constant across the design; no indices")
        return False
    return True


def sobol_indices(outputs: dict[str, np.ndarray], factors: list[str], *,
                  second_order: bool = False, seed: int = 0
                  ) -> tuple[pd.DataFrame, pd.DataFrame | None, list[str]]:
    """Sobol' indices of each output (per-point values in the Saltelli sample's order).

    Returns ``(indices, second, notes)``: ``indices`` has one row per output and factor with
    ``S1, S1_conf, ST, ST_conf``; ``second`` (when ``second_order``) has ``S2, S2_conf`` per
    pair of factors.
    """
    import pandas as pd
    from SALib.analyze import sobol

    problem = _problem(factors)
    rows, pairs, notes = [], [], []
    for name, y in outputs.items():
        if not _usable(y, name, notes):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            si = sobol.analyze(problem, y, calc_second_order=second_order, seed=seed)
        for j, f in enumerate(factors):
            rows.append({"metric": name, "factor": f, "S1": si["S1"][j],
                         "S1_conf": si["S1_conf"][j], "ST": si["ST"][j],
                         "ST_conf": si["ST_conf"][j]})
        if second_order:
            for i in range(len(factors)):
                for j in range(i + 1, len(factors)):
                    pairs.append({"metric": name, "factor_a": factors[i], "factor_b": factors[j],
                                  "S2": si["S2"][i, j], "S2_conf": si["S2_conf"][i, j]})
    cols = ["metric", "factor", "S1", "S1_conf", "ST", "ST_conf"]
    second = pd.DataFrame(pairs, columns=["metric", "factor_a", "factor_b", "S2", "S2_conf"]) \
        if second_order else None
    return pd.DataFrame(rows, columns=cols), second, notes


def morris_indices(outputs: dict[str, np.ndarray], unit: np.ndarray, factors: list[str], *,
                   levels: int = 4, seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """Morris elementary effects of each output; ``unit`` is the design's unit-cube sample
    (points x factors, in trajectory order)."""
    import pandas as pd
    from SALib.analyze import morris

    problem = _problem(factors)
    rows, notes = [], []
    for name, y in outputs.items():
        if not _usable(y, name, notes):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            si = morris.analyze(problem, unit, y, num_levels=levels, seed=seed)
        for j, f in enumerate(factors):
            rows.append({"metric": name, "factor": f, "mu": si["mu"][j],
                         "mu_star": si["mu_star"][j], "mu_star_conf": si["mu_star_conf"][j],
                         "sigma": si["sigma"][j]})
    cols = ["metric", "factor", "mu", "mu_star", "mu_star_conf", "sigma"]
    return pd.DataFrame(rows, columns=cols), notes


def indices_figure(table: pd.DataFrame, method: str, metrics: list[str], path: Any,
                   dpi: int = 150) -> Any:
    """Bar chart (Sobol': S1 and ST with 95% CIs) or mu*-sigma scatter (Morris), one panel per
    metric."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [m for m in metrics if m in set(table["metric"])]
    if not metrics:
        return None
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 4.8), squeeze=False)
    for ax, m in zip(axes[0], metrics, strict=True):
        t = table[table["metric"] == m]
        labels = [f.split(".", 1)[-1] for f in t["factor"]]
        if method == "sobol":
            t = t.assign(label=labels).sort_values("ST")
            y = np.arange(len(t))
            ax.barh(y - 0.2, t["S1"], height=0.4, xerr=t["S1_conf"], label="S1 (first order)",
                    color="#0072B2")
            ax.barh(y + 0.2, t["ST"], height=0.4, xerr=t["ST_conf"], label="ST (total)",
                    color="#E69F00")
            ax.set_yticks(y, t["label"])
            ax.set_xlabel("Sobol' index (95% CI)")
            ax.axvline(0, color="grey", linewidth=0.8)
        else:
            ax.scatter(t["mu_star"], t["sigma"], color="#0072B2")
            for x_, y_, lab in zip(t["mu_star"], t["sigma"], labels, strict=True):
                ax.annotate(lab, (x_, y_), fontsize=8, xytext=(3, 3), textcoords="offset points")
            ax.set_xlabel("mu* (mean |effect| over the full range)")
            ax.set_ylabel("sigma")
        ax.set_title(m)
    if method == "sobol":
        axes[0][0].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
