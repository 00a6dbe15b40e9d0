"""Scenario discovery on a sweep: where do all three groups gain?

A run is a **triple win** when each of its three gains (``gain_developed``, ``gain_developing``,
``gain_china``) is above the reference scenario's (by default ``no-cooperation``) in the *same
replication*: the reference runs once per replication seed, with the sweep's steps, and each
sweep run is compared with the reference run of its replication (paired, common random numbers,
DESIGN.md section 5). This is the per-run form of the verdict; ``triplewin compare`` asks the
same question of two scenarios with confidence intervals.

* :func:`triple_win_map`: share of runs that are a triple win, over two factors (bins of a
  continuous range, or the values of a listed one), other factors averaged over;
* :func:`find_box`: PRIM (Friedman & Fisher 1999) with EMA Workbench's implementation
  (``ema_workbench.analysis.prim``), over the swept levers and uncertainties, for the triple-win
  outcome: the box of factor ranges whose runs are mostly triple wins (density) and that holds
  many of them (coverage). The reported box restricts at least one factor: the one with the
  highest coverage whose density reaches the threshold (default 0.8), or the densest box when
  none does (:func:`choose_box`); the whole peeling trajectory is saved beside it.

Note: the reference keeps its own world values; when a sweep varies uncertainties, the map
compares each run with the reference's fixed world, not with a no-cooperation run in the same
world.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from ..scenario.schema import Scenario

GAINS = ("gain_developed", "gain_developing", "gain_china")


def reference_runs(reference: Scenario, seeds: list[int], steps: int) -> pd.DataFrame:
    """Run ``reference`` once per replication seed; one row per replication with its gains."""
    import pandas as pd

    from ..model import TripleWinModel

    rows = []
    for r, seed in enumerate(seeds):
        final = TripleWinModel(rng=seed, steps=steps, **reference.model_params()).run()[-1]
        rows.append({"replication": r, "seed": seed, **{g: final[g] for g in GAINS}})
    return pd.DataFrame(rows)


def triple_win(runs: pd.DataFrame, reference: pd.DataFrame) -> np.ndarray:
    """Per run: 1.0 when all three gains beat the reference run of the same replication, 0.0
    when not, NaN for a failed run."""
    ref = reference.set_index("replication")
    win = np.ones(len(runs), dtype=bool)
    for g in GAINS:
        win &= runs[g].to_numpy() > ref.loc[runs["replication"].to_numpy(), g].to_numpy()
    failed = runs[list(GAINS)].isna().any(axis=1).to_numpy()
    return np.where(failed, np.nan, win.astype(float))


@dataclass(frozen=True)
class Axis:
    """How a factor is binned on the map."""

    key: str
    edges: np.ndarray | None  # bin edges of a continuous range
    values: np.ndarray | None  # the distinct values of a listed (or grid) factor

    @classmethod
    def of(cls, factor: dict[str, Any], observed: np.ndarray, bins: int) -> Axis:
        """From a manifest factor entry (``values`` or ``low``/``high``)."""
        distinct = np.unique(observed[~np.isnan(observed)])
        if factor.get("values") is not None or len(distinct) <= bins:
            vals = np.asarray(factor["values"], float) if factor.get("values") else distinct
            return cls(factor["key"], None, np.sort(vals))
        return cls(factor["key"], np.linspace(factor["low"], factor["high"], bins + 1), None)

    def index(self, x: np.ndarray) -> np.ndarray:
        if self.values is not None:
            return np.searchsorted(self.values, x).clip(0, len(self.values) - 1)
        assert self.edges is not None
        return np.searchsorted(self.edges, x, side="right").clip(1, len(self.edges) - 1) - 1

    @property
    def n(self) -> int:
        return len(self.values) if self.values is not None else len(self.edges) - 1  # type: ignore[arg-type]

    def bounds(self, i: int) -> tuple[float, float]:
        if self.values is not None:
            return float(self.values[i]), float(self.values[i])
        assert self.edges is not None
        return float(self.edges[i]), float(self.edges[i + 1])

    def label(self, i: int) -> str:
        lo, hi = self.bounds(i)
        return f"{lo:g}" if lo == hi else f"{lo:.3g}-{hi:.3g}"


def triple_win_map(runs: pd.DataFrame, win: np.ndarray, x: Axis, y: Axis) -> pd.DataFrame:
    """Share of triple-win runs in each (x, y) cell; one row per cell, empty cells included."""
    import pandas as pd

    ok = ~np.isnan(win)
    xi = x.index(runs[x.key].to_numpy(dtype=float))[ok]
    yi = y.index(runs[y.key].to_numpy(dtype=float))[ok]
    w = win[ok]
    rows = []
    for j in range(y.n):
        for i in range(x.n):
            cell = (xi == i) & (yi == j)
            n = int(cell.sum())
            xl, xh = x.bounds(i)
            yl, yh = y.bounds(j)
            rows.append({"x": x.key, "x_low": xl, "x_high": xh, "y": y.key, "y_low": yl,
                         "y_high": yh, "runs": n,
                         "triple_wins": int(w[cell].sum()) if n else 0,
                         "share": float(w[cell].mean()) if n else float("nan")})
    return pd.DataFrame(rows)


def map_figure(table: pd.DataFrame, x: Axis, y: Axis, path: Any, title: str,
               dpi: int = 150) -> Any:
    """Heatmap of the triple-win share with the share and run count in each cell."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    share = table["share"].to_numpy().reshape(y.n, x.n)
    runs = table["runs"].to_numpy().reshape(y.n, x.n)
    fig, ax = plt.subplots(figsize=(1.2 * x.n + 3.2, 0.9 * y.n + 2.4))
    im = ax.imshow(np.ma.masked_invalid(share), origin="lower", cmap="viridis", vmin=0, vmax=1,
                   aspect="auto")
    for j in range(y.n):
        for i in range(x.n):
            text = "-" if runs[j, i] == 0 else f"{share[j, i]:.0%}\nn={runs[j, i]}"
            colour = "black" if runs[j, i] and share[j, i] > 0.6 else "white"
            ax.text(i, j, text, ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks(range(x.n), [x.label(i) for i in range(x.n)], rotation=30, ha="right")
    ax.set_yticks(range(y.n), [y.label(j) for j in range(y.n)])
    ax.set_xlabel(x.key)
    ax.set_ylabel(y.key)
    ax.set_title(title, fontsize=11)
    fig.colorbar(im, ax=ax, label="share of runs that are a triple win")
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


@dataclass
class PrimResult:
    """The chosen PRIM box and the peeling trajectory it was chosen from."""

    limits: pd.DataFrame  # factor, min, max, sweep_min, sweep_max, restricted, qp_min, qp_max
    coverage: float
    density: float
    mass: float
    res_dim: int
    box_index: int
    trajectory: pd.DataFrame  # coverage, density, mass, res_dim per step of the peeling
    base_rate: float  # share of triple wins among all runs
    n: int


def _import_prim() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "ipyparallel not installed", deprecations
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim


def find_box(x: pd.DataFrame, y: np.ndarray, *, threshold: float = 0.8,
             mass_min: float = 0.05, peel_alpha: float = 0.05) -> PrimResult:
    """PRIM box for a 0/1 outcome ``y`` over the columns of ``x`` (EMA Workbench)."""
    import pandas as pd

    prim = _import_prim()
    x = x.reset_index(drop=True).astype(float)
    y = np.asarray(y).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y, mass_min=mass_min, peel_alpha=peel_alpha)
        box = p.find_box()
        traj = box.peeling_trajectory.reset_index(drop=True)
        i = choose_box(traj, threshold)
        box.select(i)
        lims = box.box_lims[i]
        _, qp = box.inspect(i, style="data")[0]
    init = box.box_lims[0]
    rows = []
    for col in x.columns:
        lo, hi = float(lims[col].iloc[0]), float(lims[col].iloc[1])
        q_lo = q_hi = float("nan")
        if col in qp.index:
            vals = qp.loc[col].to_numpy()
            q_lo, q_hi = float(vals[2]), float(vals[3])
        rows.append({"factor": col, "min": lo, "max": hi,
                     "sweep_min": float(init[col].iloc[0]), "sweep_max": float(init[col].iloc[1]),
                     "restricted": bool(lo > init[col].iloc[0] or hi < init[col].iloc[1]),
                     "qp_min": q_lo, "qp_max": q_hi})
    t = traj.iloc[i]
    return PrimResult(limits=pd.DataFrame(rows), coverage=float(t["coverage"]),
                      density=float(t["density"]), mass=float(t["mass"]),
                      res_dim=int(t["res_dim"]), box_index=i,
                      trajectory=traj[["coverage", "density", "mass", "res_dim"]].copy(),
                      base_rate=float(y.mean()), n=len(y))


def choose_box(trajectory: pd.DataFrame, threshold: float) -> int:
    """Index of the reported box on the peeling trajectory: among boxes that restrict at least
    one factor, the one with the highest coverage whose density reaches ``threshold``, else the
    densest; the unrestricted box 0 only when peeling restricted nothing."""
    t = trajectory[trajectory["res_dim"] >= 1]
    if not len(t):
        return 0
    dense = t[t["density"] >= threshold]
    if len(dense):
        return int(dense["coverage"].idxmax())
    return int(t["density"].idxmax())


def prim_figure(result: PrimResult, path: Any, dpi: int = 150) -> Any:
    """Coverage-density trade-off of the peeling trajectory, the chosen box circled."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.trajectory
    fig, ax = plt.subplots(figsize=(6, 4.5))
    sc = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=22)
    ax.scatter([result.coverage], [result.density], s=160, facecolors="none",
               edgecolors="#D55E00", linewidths=2, label=f"chosen box {result.box_index}")
    ax.set_xlabel("coverage (share of all triple wins inside the box)")
    ax.set_ylabel("density (share of runs in the box that are triple wins)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    fig.colorbar(sc, ax=ax, label="restricted dimensions")
    ax.legend(loc="lower left")
    ax.set_title("PRIM peeling trajectory: triple win", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
