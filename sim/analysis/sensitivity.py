"""Global sensitivity of the outcomes to the swept factors, with SALib, and the checks a
reviewer needs to trust them.

* **Sobol'** (design ``sobol``): first-order ``S1`` and total ``ST`` indices of each factor for
  each metric, with the half-width of their 95% bootstrap confidence interval (``S1_conf``,
  ``ST_conf``), and second-order ``S2`` when the sweep sampled them. ``S1`` is the share of the
  output variance a factor explains alone; ``ST`` adds its interactions.
* **Morris** (design ``morris``): elementary effects ``mu``, ``mu_star`` (mean absolute effect,
  with ``mu_star_conf``) and ``sigma`` (spread: non-linearity or interactions). The sweep samples
  the unit cube, so an effect is the change of the metric over the full range of the factor.

The output of a design point is the mean over its replications (common random numbers, so the
replication noise is the same at every point). The checks:

* **Seed noise** (:func:`seed_noise`): the share of the run-to-run variance of each metric that
  is replication noise (within design points), and the share of the variance of the point means
  that it still makes up; indices of a metric whose point means are mostly noise describe the
  seeds, not the factors.
* **Convergence**: the indices again from the first half of the base samples (Sobol') or of the
  trajectories (Morris); an index that moves by more than its confidence half-width (and at
  least 0.05, or 10% of the largest ``mu_star``) between N/2 and N is flagged ``moved``.
* **Impossible values**: a negative ``S1`` or ``ST``, or ``S1 > ST``, beyond 0.01 is flagged
  (each is estimation error: more samples, or the factor does not matter).
* **SALib's own warnings** are kept as notes, not hidden.
* **Failed runs**: a point whose replications all failed has no output; its Saltelli block (the
  N/2 + ... rows of one base sample) or its Morris trajectory is dropped, with a note, and the
  indices are computed from the rest, instead of losing every index.

Reference: Saltelli et al. (2010), *Variance based sensitivity analysis of model output*;
Morris (1991); Herman & Usher (2017), SALib, JOSS 2(9).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ..sweeps.store import succeeded

if TYPE_CHECKING:
    import pandas as pd


def point_means(runs: pd.DataFrame, column: str, n_points: int) -> np.ndarray:
    """Mean of ``column`` over replications, per design point 0..n_points-1 (NaN where no
    replication of the point succeeded)."""
    means = runs.groupby("point")[column].mean()
    return means.reindex(range(n_points)).to_numpy(dtype=float)


def seed_noise(runs: pd.DataFrame, columns: list[str], n_points: int) -> pd.DataFrame:
    """Per metric: the share of the variance across runs that is replication (seed) noise,
    ``noise_share = mean within-point variance / variance of all runs``, and the share of the
    variance of the point means (what the indices analyse) that is noise, ``noise_in_means =
    (within-point variance / replications) / variance of the point means`` (NaN with one
    replication)."""
    import pandas as pd

    rows = []
    ok = succeeded(runs)
    for c in columns:
        r = runs.loc[ok, ["point", c]].dropna()
        reps = int(r.groupby("point").size().median()) if len(r) else 0
        total = float(r[c].var(ddof=1)) if len(r) > 1 else float("nan")
        within = float(r.groupby("point")[c].var(ddof=1).mean()) if reps > 1 else float("nan")
        means = r.groupby("point")[c].mean()
        var_means = float(means.var(ddof=1)) if len(means) > 1 else float("nan")
        rows.append({"metric": c, "replications": reps,
                     "noise_share": within / total if total > 0 else float("nan"),
                     "noise_in_means": (within / reps) / var_means
                     if var_means > 0 and reps > 1 else float("nan")})
    return pd.DataFrame(rows, columns=["metric", "replications", "noise_share",
                                       "noise_in_means"])


def _problem(factors: list[str]) -> dict[str, Any]:
    return {"num_vars": len(factors), "names": list(factors), "bounds": [[0.0, 1.0]] * len(factors)}


def _usable(y: np.ndarray, name: str, notes: list[str]) -> bool:
    if np.isnan(y).all():
        notes.append(f"{name}: no design point has a successful run; no indices")
        return False
    if np.nanmax(y) == np.nanmin(y):
        notes.append(f"{name}: constant across the design; no indices")
        return False
    return True


def _complete_blocks(y: np.ndarray, block: int, name: str, what: str,
                     notes: list[str]) -> np.ndarray:
    """Indices of the rows of the blocks (base samples, trajectories) without a missing
    output; says in a note how many blocks were dropped."""
    n = len(y) // block
    good = ~np.isnan(y[: n * block]).reshape(n, block).any(axis=1)
    if not good.all():
        notes.append(f"{name}: {int((~good).sum())} of {n} {what} dropped (a design point "
                     f"without a successful run); indices from the other {int(good.sum())}")
    return (np.flatnonzero(good)[:, None] * block + np.arange(block)).ravel()


def _salib(call: Any, name: str, notes: list[str]) -> Any:
    """Run a SALib analysis, keeping its warnings as notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    seen = set()
    for w in caught:
        text = " ".join(str(w.message).split())
        if text not in seen:
            seen.add(text)
            notes.append(f"{name}: SALib warns: {text}")
    return out


def sobol_indices(outputs: dict[str, np.ndarray], factors: list[str], *,
                  second_order: bool = False, seed: int = 0
                  ) -> tuple[pd.DataFrame, pd.DataFrame | None, list[str]]:
    """Sobol' indices of each output (per-point values in the Saltelli sample's order).

    Returns ``(indices, second, notes)``: ``indices`` has one row per output and factor with
    ``S1, S1_conf, ST, ST_conf``, the same from the first half of the base samples (``S1_half``,
    ``ST_half``), ``moved`` (not converged) and ``flags`` (negative, or S1 > ST); ``second``
    (when ``second_order``) has ``S2, S2_conf`` per pair of factors.
    """
    import pandas as pd
    from SALib.analyze import sobol

    problem = _problem(factors)
    d = len(factors)
    block = 2 * d + 2 if second_order else d + 2
    rows, pairs, notes = [], [], []
    for name, y in outputs.items():
        if not _usable(y, name, notes):
            continue
        keep = _complete_blocks(y, block, name, "base samples", notes)
        y = y[keep]
        n = len(y) // block
        if n < 2:
            notes.append(f"{name}: fewer than 2 complete base samples; no indices")
            continue
        si = _salib(lambda y=y: sobol.analyze(problem, y, calc_second_order=second_order,
                                               seed=seed), name, notes)
        half = None
        if n >= 4:
            yh = y[: (n // 2) * block]
            if np.ptp(yh) > 0:
                half = _salib(lambda yh=yh: sobol.analyze(
                    problem, yh, calc_second_order=second_order, seed=seed), name, [])
        for j, f in enumerate(factors):
            row = {"metric": name, "factor": f, "S1": si["S1"][j], "S1_conf": si["S1_conf"][j],
                   "ST": si["ST"][j], "ST_conf": si["ST_conf"][j],
                   "S1_half": half["S1"][j] if half is not None else np.nan,
                   "ST_half": half["ST"][j] if half is not None else np.nan}
            row["moved"] = bool(half is not None and (
                abs(row["S1"] - row["S1_half"]) > max(0.05, row["S1_conf"])
                or abs(row["ST"] - row["ST_half"]) > max(0.05, row["ST_conf"])))
            row["flags"] = _flags(row)
            rows.append(row)
        if second_order:
            for i in range(d):
                for j in range(i + 1, d):
                    pairs.append({"metric": name, "factor_a": factors[i], "factor_b": factors[j],
                                  "S2": si["S2"][i, j], "S2_conf": si["S2_conf"][i, j]})
    cols = ["metric", "factor", "S1", "S1_conf", "ST", "ST_conf", "S1_half", "ST_half", "moved",
            "flags"]
    table = pd.DataFrame(rows, columns=cols)
    _summarise_checks(table, notes, "N/2 and N base samples")
    second = pd.DataFrame(pairs, columns=["metric", "factor_a", "factor_b", "S2", "S2_conf"]) \
        if second_order else None
    return table, second, notes


def _flags(row: dict[str, Any]) -> str:
    out = []
    if row["S1"] < -0.01:
        out.append("S1<0")
    if row["ST"] < -0.01:
        out.append("ST<0")
    if row["S1"] > row["ST"] + 0.01:
        out.append("S1>ST")
    return " ".join(out)


def _summarise_checks(table: pd.DataFrame, notes: list[str], between: str) -> None:
    if not len(table):
        return
    moved = table[table["moved"]]
    if len(moved):
        metrics = sorted(set(moved["metric"]))
        notes.append(f"not converged: {len(moved)} indices moved between {between} (column "
                     f"'moved'; metrics {', '.join(metrics[:6])}{' ...' if len(metrics) > 6 else ''}"
                     "); use more samples")
    if "flags" in table:
        flagged = table[table["flags"] != ""]
        if len(flagged):
            notes.append(f"{len(flagged)} indices are negative or have S1 > ST beyond 0.01 "
                         "(column 'flags'): estimation error, the sample is too small for them")


def morris_indices(outputs: dict[str, np.ndarray], unit: np.ndarray, factors: list[str], *,
                   levels: int = 4, seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """Morris elementary effects of each output; ``unit`` is the design's unit-cube sample
    (points x factors, in trajectory order). Also ``mu_star_half`` (first half of the
    trajectories) and ``moved``."""
    import pandas as pd
    from SALib.analyze import morris

    problem = _problem(factors)
    block = len(factors) + 1
    rows, notes = [], []
    for name, y in outputs.items():
        if not _usable(y, name, notes):
            continue
        keep = _complete_blocks(y, block, name, "trajectories", notes)
        yk, xk = y[keep], unit[keep]
        n = len(yk) // block
        if n < 2:
            notes.append(f"{name}: fewer than 2 complete trajectories; no indices")
            continue
        si = _salib(lambda: morris.analyze(problem, xk, yk, num_levels=levels, seed=seed),
                    name, notes)
        half = None
        if n >= 4:
            m = (n // 2) * block
            if np.ptp(yk[:m]) > 0:
                half = _salib(lambda: morris.analyze(problem, xk[:m], yk[:m], num_levels=levels,
                                                     seed=seed), name, [])
        top = float(np.nanmax(si["mu_star"])) if len(factors) else 0.0
        for j, f in enumerate(factors):
            mh = half["mu_star"][j] if half is not None else np.nan
            rows.append({"metric": name, "factor": f, "mu": si["mu"][j],
                         "mu_star": si["mu_star"][j], "mu_star_conf": si["mu_star_conf"][j],
                         "sigma": si["sigma"][j], "mu_star_half": mh,
                         "moved": bool(half is not None and abs(si["mu_star"][j] - mh) > max(
                             si["mu_star_conf"][j], 0.1 * top))})
    cols = ["metric", "factor", "mu", "mu_star", "mu_star_conf", "sigma", "mu_star_half",
            "moved"]
    table = pd.DataFrame(rows, columns=cols)
    _summarise_checks(table, notes, "N/2 and N trajectories")
    return table, notes


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
