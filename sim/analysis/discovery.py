"""Scenario discovery on a sweep: where do all three groups gain, and which policy is robust?

A run is a **triple win** when each of its three gains (``gain_developed``, ``gain_developing``,
``gain_china``) is above the reference scenario's (by default ``no-cooperation``) **in the same
world and the same replication**: the reference runs with its own levers in the run's world
(every uncertainty, structural constant and population size as in that run) and with the run's
replication seed (paired, common random numbers, docs/ODD.md section 4, "Stochasticity"). A
sweep over uncertainties therefore compares each policy with the reference in its own world, never with a luckier or
unluckier default world. Parameters that the reference file sets itself under ``world:`` (for
``no-cooperation``, ``capital_controls: 1``: exports only) are part of what the reference *is* and
keep its value. A gain counts only when it exceeds the reference's by more than a hair
(:data:`REL_TOL` of the reference's size), so a policy that differs from the reference by a
rounding error never "wins". The fixed-world comparison of earlier versions (the reference in its
own world for every run) is available on explicit request and labelled as such.

* :func:`triple_win_map`: share of runs that are a triple win, over two factors (bins of a
  continuous range, or the values of a listed one), other factors averaged over;
* :func:`find_box`: PRIM (Friedman & Fisher 1999) with EMA Workbench's implementation
  (``ema_workbench.analysis.prim``), over the swept levers and uncertainties, for the triple-win
  outcome: the box of factor ranges whose runs are mostly triple wins (density) and that holds
  many of them (coverage). The reported box restricts at least one factor: the one with the
  highest coverage whose density reaches the threshold (default 0.8), or the densest box when
  none does (:func:`choose_box`); the whole peeling trajectory is saved beside it.
* :func:`policies_table`: where a sweep crosses lever settings (policies) with worlds (settings
  of the uncertainties), the policies-by-scenarios view of exploratory modelling: per policy the
  share of worlds in which it is a triple win (95% CI over replications in each world), its
  regret per group (its gain below the best policy's in the same world), and where it fails.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import groups

if TYPE_CHECKING:
    import pandas as pd

    from ..scenario.schema import Scenario

GAINS = groups.GAINS


#: A group gains only when its gain exceeds the reference's by more than this share of the
#: reference's size (at least of 1 USD bn): a hair's difference is not a win.
REL_TOL = 1e-6


def reference_runs(reference: Scenario, seeds: list[int], steps: int, *,
                   batch: int | None = None) -> pd.DataFrame:
    """Run ``reference`` in its own world once per replication seed, ``batch`` runs per pass of
    the batched engine (``None``: automatic; the same numbers at any value); one row per
    replication with its gains (the fixed-world reference, only on explicit request)."""
    import pandas as pd

    from ..experiments.runner import replicate_many

    params = reference.model_params()
    histories = replicate_many([(steps, params, seed) for seed in seeds], batch=batch)
    rows = []
    for r, (seed, hist) in enumerate(zip(seeds, histories, strict=True)):
        final = hist[-1]
        rows.append({"replication": r, "seed": seed, **{g: final[g] for g in GAINS}})
    return pd.DataFrame(rows)


def own_world_keys(path: Any) -> set[str]:
    """The ``world:`` keys a reference scenario file sets itself: part of what it is."""
    import yaml

    try:
        data = yaml.safe_load(open(path, encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return set()
    world = data.get("world") if isinstance(data, dict) else None
    return set(world) if isinstance(world, dict) else set()


def _world_value(v: Any) -> Any:
    """A run's world value as the model takes it (schedules are stored as JSON text)."""
    import json

    if isinstance(v, str):
        return {int(k): x for k, x in json.loads(v).items()}
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def same_world_references(runs: pd.DataFrame, manifest: dict[str, Any], reference: Scenario,
                          *, own_keys: set[str] = frozenset(), executor: str = "serial",
                          workers: int = 1, batch: int | None = None
                          ) -> tuple[pd.DataFrame, list[str]]:
    """Run the reference once per distinct (world, replication) of a sweep: its levers, the
    run's world (but the keys in ``own_keys`` at the reference's values), the replication's seed;
    ``batch`` runs per pass of the batched engine (``None``: automatic; the same numbers at any
    value).

    Returns ``(table, keys)``: one row per reference run with ``replication``, ``seed``, the
    varied world columns ``keys`` and the three gains (NaN for a failed run).
    """
    import pandas as pd

    from ..sweeps.executors import ChunkTask, execute

    factors = [f for f in manifest["design"]["factors"] if f["section"] == "world"]
    keys = [f["key"] for f in factors if f["name"] not in own_keys]
    params = reference.model_params()
    first = runs.iloc[0]
    for col in runs.columns:  # the sweep's world (fixed values and the base's), not varied
        if col.startswith("world.") and col not in keys:
            name = col.split(".", 1)[1]
            if name not in own_keys and name in params:
                params[name] = _world_value(first[col])
    seeds = [int(s) for s in manifest["seeds"]]
    worlds = runs[keys].drop_duplicates().reset_index(drop=True) if keys else \
        pd.DataFrame(index=[0])
    names = tuple(k.split(".", 1)[1] for k in keys)
    integer = tuple(bool(f.get("integer")) for f in factors if f["key"] in keys)
    steps = int(manifest["steps"])
    rows: list[dict[str, Any]] = []

    def tasks():
        for w in range(len(worlds)):
            values = tuple(float(worlds.iloc[w][k]) for k in keys)
            yield ChunkTask(chunk=w, steps=steps, base=params, keys=names, integer=integer,
                            runs=tuple((w * len(seeds) + r, s, values)
                                       for r, s in enumerate(seeds)), batch=batch)

    from ..metrics import METRICS

    idx = [list(METRICS).index(g) for g in GAINS]

    def on_result(res: Any) -> None:
        for rid, fin, err in zip(res.run_ids, res.finals, res.errors, strict=True):
            w, r = divmod(rid, len(seeds))
            rows.append({"replication": r, "seed": seeds[r],
                         **{k: worlds.iloc[w][k] for k in keys},
                         **{g: (float(fin[i]) if not err else np.nan)
                            for g, i in zip(GAINS, idx, strict=True)}})

    execute(tasks(), on_result, executor=executor, workers=workers)
    table = pd.DataFrame(rows, columns=["replication", "seed", *keys, *GAINS])
    return table.sort_values([*keys, "replication"], kind="stable").reset_index(drop=True), keys


def paired_gains(runs: pd.DataFrame, reference: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per run, the reference's three gains in the same world (``keys``) and replication, as
    columns ``ref_gain_*`` (NaN where the reference run failed)."""
    ref = reference[[*keys, "replication", *GAINS]].rename(
        columns={g: f"ref_{g}" for g in GAINS})
    merged = runs[[*keys, "replication"]].merge(ref, on=[*keys, "replication"], how="left",
                                                validate="many_to_one")
    return merged[[f"ref_{g}" for g in GAINS]].set_index(runs.index)


def beats(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Gain above the reference's by more than a hair (:data:`REL_TOL`)."""
    return (x - ref) > REL_TOL * np.maximum(np.abs(ref), 1.0)


def triple_win(runs: pd.DataFrame, reference: pd.DataFrame, keys: list[str] | None = None
               ) -> np.ndarray:
    """Per run: 1.0 when all three gains beat the reference run of the same world (the columns
    ``keys``; none: one reference per replication) and replication, 0.0 when not, NaN for a
    failed run or reference run."""
    ref = paired_gains(runs, reference, keys or [])
    win = np.ones(len(runs), dtype=bool)
    for g in GAINS:
        win &= beats(runs[g].to_numpy(dtype=float), ref[f"ref_{g}"].to_numpy(dtype=float))
    failed = (runs[list(GAINS)].isna().any(axis=1).to_numpy()
              | ref.isna().any(axis=1).to_numpy())
    return np.where(failed, np.nan, win.astype(float))


def policies_table(runs: pd.DataFrame, reference: pd.DataFrame, keys: list[str],
                   lever_keys: list[str], world_keys: list[str]
                   ) -> tuple[pd.DataFrame | None, str | None]:
    """The policies-by-scenarios view of a sweep that crosses lever settings with worlds.

    Returns ``(table, note)``: one row per policy (its lever values) with the number of worlds,
    the share of worlds where it is a triple win and where each group gains (a group gains in a
    world when the 95% CI of its paired difference over replications lies above the hair's
    tolerance; one replication: the difference itself) with a Wilson interval, and each group's
    mean and worst regret (USD bn below the best policy's gain in the same world). ``table`` is
    None, with ``note`` saying why, when the design does not cross policies with worlds.
    """
    import pandas as pd

    from ..stats import mean_ci
    from ..experiments.worlds.verdict import wilson

    if not lever_keys or not world_keys:
        return None, None
    ref = paired_gains(runs, reference, keys)
    ok = runs[list(GAINS)].notna().all(axis=1) & ref.notna().all(axis=1)
    df = pd.concat([runs.loc[ok, [*lever_keys, *world_keys, "replication", *GAINS]],
                    ref[ok]], axis=1)
    per_policy = df.groupby(lever_keys)[world_keys].apply(
        lambda t: frozenset(map(tuple, t.drop_duplicates().to_numpy())))
    if len(per_policy) < 2 or len(set(per_policy)) != 1 or len(per_policy.iloc[0]) < 2:
        return None, ("the sweep does not cross lever settings with worlds (each policy in the "
                      "same two or more worlds), so there is no per-policy robustness or regret: "
                      "use a grid design over levers and uncertainties, or compare --worlds")
    rows = []
    for key, t in df.groupby([*lever_keys, *world_keys]):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip([*lever_keys, *world_keys], key, strict=True))
        for g in GAINS:
            d = (t[g] - t[f"ref_{g}"]).to_numpy(dtype=float)
            tol = REL_TOL * max(float(np.abs(t[f"ref_{g}"]).mean()), 1.0)
            s = mean_ci(d)
            row[f"{g}_mean"] = float(t[g].mean())
            row[f"win_{g}"] = bool((s["ci_low"] if len(d) > 1 else s["mean"]) > tol)
        row["win_triple"] = all(row[f"win_{g}"] for g in GAINS)
        rows.append(row)
    cells = pd.DataFrame(rows)
    for g in GAINS:
        best = cells.groupby(world_keys)[f"{g}_mean"].transform("max")
        cells[f"regret_{g}"] = best - cells[f"{g}_mean"]
    out = []
    for pol, t in cells.groupby(lever_keys):
        pol = pol if isinstance(pol, tuple) else (pol,)
        n = len(t)
        row = dict(zip(lever_keys, pol, strict=True))
        row["worlds"] = n
        k = int(t["win_triple"].sum())
        lo, hi = wilson(k, n)
        row.update({"share_triple_win": k / n, "ci_low": lo, "ci_high": hi})
        for g in GAINS:
            group = g.split("_", 1)[1]
            row[f"share_{group}"] = float(t[f"win_{g}"].mean())
            row[f"regret_mean_{group}"] = float(t[f"regret_{g}"].mean())
            row[f"regret_max_{group}"] = float(t[f"regret_{g}"].max())
        row["fails_where"] = _fails_where(t, world_keys)
        out.append(row)
    table = pd.DataFrame(out).sort_values("share_triple_win", ascending=False,
                                          kind="stable").reset_index(drop=True)
    return table, None


def _fails_where(cells: pd.DataFrame, world_keys: list[str]) -> str:
    """A PRIM failure box of one policy over the worlds (empty when none is significant)."""
    from ..experiments.worlds.verdict import VERDICTS, failure_boxes

    t = cells.rename(columns={"win_triple": "triple_win"}).copy()
    for v in VERDICTS:
        if v != "triple_win":
            t[v] = True
        t[v] = t[v].astype("boolean")
    boxes = failure_boxes(t, world_keys)
    return boxes[0]["text"] if boxes else ""


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
