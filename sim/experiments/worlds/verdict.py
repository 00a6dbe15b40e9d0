"""The verdict across worlds: per-world verdicts, shares, worst worlds and failure boxes.

From the runs (:func:`~.run.read_world_runs`), :func:`world_table` gives each drawn world's paired
differences B - A of the three gains with 95% confidence intervals and its four verdicts (a group
gains where its interval lies above zero; the triple win where all three do), exactly as
:func:`sim.experiments.compare.verdict` does. :func:`robustness` makes the robust verdict: for
each group and the triple win the share of worlds where it holds with a Wilson 95% interval
(:func:`wilson`), each group's worst world, and PRIM failure boxes (EMA Workbench,
:func:`failure_boxes`) with the restrictions that are not significant dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ... import groups
from ...stats import mean_ci
from ...sweeps.store import succeeded
from .plan import WorldsPlan

if TYPE_CHECKING:
    import pandas as pd

#: The three groups of the verdict (:data:`sim.groups.GROUPS`), by key.
GROUPS = tuple(g.key for g in groups.GROUPS)
#: The four verdicts of a world: each group gains, and the triple win.
VERDICTS = (*GROUPS, "triple_win")
#: Each group's gain metric (declared in :mod:`sim.groups`).
GAIN_OF = groups.GAIN_OF
#: Quasi-p value above which a PRIM restriction is dropped as not significant.
QP_LIMIT = 0.05
#: Two-sided 95% normal quantile (Wilson intervals).
Z95 = 1.959963984540054
#: Most failure boxes reported per outcome (PRIM's covering: each box on the worlds left over).
MAX_BOXES = 2


def pct(x: float) -> str:
    """A share as a whole percentage ("71%"); "-" for a missing one (NaN)."""
    return "-" if x != x else f"{100 * x:.0f}%"


def world_table(plan: WorldsPlan, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per drawn world: its parameter values, the paired differences B - A of the three
    gains with 95% CIs, the number of pairs, and the four verdicts (``developed``,
    ``developing``, ``china``, ``triple_win``; missing where fewer than 2 pairs succeeded)."""
    import pandas as pd

    rows = []
    ok = pd.Series(succeeded(runs), index=runs.index)
    gains = list(GAIN_OF.values())
    for w in range(plan.n_worlds):
        row: dict[str, Any] = {"world": w, **plan.world_dict(w)}
        sel = runs[(runs["world"] == w) & ok]
        a = sel[sel["side"] == 0].set_index("replication")[gains]
        b = sel[sel["side"] == 1].set_index("replication")[gains]
        both = a.index.intersection(b.index)
        row["pairs"] = len(both)
        verdict: dict[str, Any] = {}
        for group, g in GAIN_OF.items():
            d = (b.loc[both, g] - a.loc[both, g]).to_numpy(dtype=float)
            s = mean_ci(d) if len(d) else {"mean": math.nan, "ci_low": math.nan,
                                           "ci_high": math.nan}
            row[f"delta_{group}"] = s["mean"]
            row[f"ci_low_{group}"] = s["ci_low"]
            row[f"ci_high_{group}"] = s["ci_high"]
            verdict[group] = bool(s["ci_low"] > 0) if len(d) >= 2 else None
        verdict["triple_win"] = (None if any(v is None for v in verdict.values())
                                 else all(verdict.values()))
        row.update(verdict)
        rows.append(row)
    df = pd.DataFrame(rows)
    for v in VERDICTS:
        df[v] = df[v].astype("boolean")
    return df


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion k / n."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (0.0 if k == 0 else max(0.0, centre - half), 1.0 if k == n else min(1.0, centre + half))


@dataclass
class Robustness:
    """The robust verdict: shares of worlds, intervals, failure boxes, worst worlds."""

    plan: WorldsPlan
    table: pd.DataFrame  # world_table
    share: dict[str, float]
    ci: dict[str, tuple[float, float]]
    counted: int  # worlds with a verdict
    failure_boxes: list[dict[str, Any]]
    worst: dict[str, dict[str, Any]]
    own: dict[str, Any] | None = None  # the scenarios' own world: verdict and differences
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """``robustness.json``: the contract keys (worlds, share, ci, failure_boxes) and more."""
        return {"worlds": self.plan.n_worlds, "counted": self.counted,
                "share": self.share, "ci": {k: list(v) for k, v in self.ci.items()},
                "failure_boxes": self.failure_boxes, "worst": self.worst,
                "own_world": self.own, "a": self.plan.a.name, "b": self.plan.b.name,
                **{k: v for k, v in self.plan.as_json().items() if k != "worlds"},
                "notes": self.notes}

    def headline(self) -> str:
        """One sentence a student can read."""
        s, (lo, hi) = self.share["triple_win"], self.ci["triple_win"]
        n = self.plan.n_worlds
        what = "calibrated" if self.plan.source == "ensemble" else "plausible"
        text = (f"{self.plan.b.name} against {self.plan.a.name}: a triple win in {pct(s)} of "
                f"{n} {what} worlds ({pct(lo)}-{pct(hi)})")
        where = [b for b in self.failure_boxes if b["outcome"] in GROUPS and b["restrictions"]]
        if where:
            b = where[0]
            grp = groups.BY_KEY[b["outcome"]]
            text += f"; {grp.in_sentence} {grp.verb('fail', 'fails')} to gain where {b['text']}"
        else:
            text += self._leaning()
        return text

    def _leaning(self) -> str:
        """Without a significant failure box: the group that fails most and the parameter its
        failing worlds lean on most (a description, not a box)."""
        shares = {g: self.share[g] for g in GROUPS if self.share[g] == self.share[g]}
        if not shares or min(shares.values()) >= 1:
            return ""
        g = min(shares, key=shares.get)
        t = self.table[self.table[g].notna()]
        fail = ~t[g].astype(bool).to_numpy()
        if fail.all() or not fail.any():
            return ""
        best, gap = None, 0.0
        for d in self.plan.dims:
            x = t[d.name].to_numpy(float)
            z = (x[fail].mean() - x[~fail].mean()) / (d.high - d.low)
            if abs(z) > abs(gap):
                best, gap = d, z
        if best is None:
            return ""
        x = t[best.name].to_numpy(float)
        grp = groups.BY_KEY[g]
        return (f"; {grp.in_sentence} {grp.verb('fail', 'fails')} to gain in "
                f"{pct(1 - shares[g])} of worlds, more often where {best.name} is {'high' if gap > 0 else 'low'} "
                f"(failing worlds average {x[fail].mean():.3g}, the others "
                f"{x[~fail].mean():.3g}; no PRIM box is significant)")


def robustness(plan: WorldsPlan, table: pd.DataFrame, *, own: dict[str, Any] | None = None,
               boxes: bool = True) -> Robustness:
    """Shares of worlds per verdict (means of the per-world verdicts) with Wilson intervals,
    worst worlds and failure boxes."""
    counted_mask = table["triple_win"].notna().to_numpy()
    counted = int(counted_mask.sum())
    share, ci = {}, {}
    for v in VERDICTS:
        col = table[v].dropna().astype(bool)
        share[v] = float(col.mean()) if len(col) else math.nan
        ci[v] = wilson(int(col.sum()), len(col))
    notes = []
    if counted < plan.n_worlds:
        notes.append(f"{plan.n_worlds - counted} of {plan.n_worlds} worlds have no verdict "
                     "(fewer than 2 paired replications succeeded); shares are over the "
                     f"{counted} others")
    worst = {}
    for group in GROUPS:
        col = table[f"delta_{group}"]
        if col.notna().any():
            i = int(col.idxmin())
            worst[group] = {"world": int(table.loc[i, "world"]), "delta": float(col[i]),
                            "ci": [float(table.loc[i, f"ci_low_{group}"]),
                                   float(table.loc[i, f"ci_high_{group}"])],
                            "worlds_losing": int((table[f"ci_high_{group}"] < 0).sum())}
    found = failure_boxes(table, [d.name for d in plan.dims]) if boxes else []
    return Robustness(plan=plan, table=table, share=share, ci=ci, counted=counted,
                      failure_boxes=found, worst=worst, own=own, notes=notes)


def failure_boxes(table: pd.DataFrame, dims: list[str], *, threshold: float = 0.8,
                  mass_min: float = 0.05) -> list[dict[str, Any]]:
    """PRIM boxes (EMA Workbench) over ``dims`` for the worlds where each verdict fails: the
    triple win first, then each group that fails somewhere. Restrictions whose quasi-p value
    exceeds :data:`QP_LIMIT` are dropped; a box with no significant restriction left is not
    reported."""
    from ...analysis.discovery import _import_prim, choose_box

    ok = table["triple_win"].notna().to_numpy()
    x_all = table.loc[ok, dims].reset_index(drop=True).astype(float)
    out: list[dict[str, Any]] = []
    if len(x_all) < 10:
        return out
    prim = _import_prim()
    import warnings

    varying = [c for c in dims if x_all[c].nunique() > 1]
    x_all = x_all[varying]
    for outcome in VERDICTS[::-1]:  # triple_win first
        fail = ~table.loc[ok, outcome].astype(bool).to_numpy()
        k = int(fail.sum())
        if k == 0 or k == len(fail) or not varying:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = prim.Prim(x_all, fail.astype(int), mass_min=mass_min)
            for _ in range(MAX_BOXES):
                box = p.find_box()
                if box is None:
                    break
                dense = max(threshold, (1 + k / len(fail)) / 2)  # well above the base rate
                i = choose_box(box.peeling_trajectory.reset_index(drop=True), dense)
                box.select(i)
                dropped = _drop_insignificant(box)
                entry = _box_entry(box, outcome, k, len(fail), dropped, x_all)
                if entry is None:
                    break
                out.append(entry)
                if entry["density"] < 0.5:
                    break
    return out


def _qps(box: Any) -> dict[str, float]:
    """Quasi-p value of each restricted dimension of the selected box (the larger of its two
    sides' values, where both are restricted)."""
    _, lim = box.inspect(style="data")[0]
    out = {}
    for dim in lim.index:
        vals = [v for v in lim.loc[dim].to_numpy()[2:] if v == v and v >= 0]
        out[dim] = float(max(vals)) if vals else math.nan
    return out


def _drop_insignificant(box: Any) -> list[dict[str, Any]]:
    dropped = []
    while True:
        qps = _qps(box)
        bad = {d: q for d, q in qps.items() if q == q and q > QP_LIMIT}
        if not bad:
            return dropped
        worst = max(bad, key=bad.get)
        dropped.append({"name": worst, "qp": bad[worst]})
        box.drop_restriction(worst)


def _box_entry(box: Any, outcome: str, k: int, n: int, dropped: list[dict[str, Any]],
               x: pd.DataFrame) -> dict[str, Any] | None:
    qps = _qps(box)
    if not qps:
        return None
    lims, init = box.box_lim, box.prim.box_init
    restrictions = []
    for dim, qp in sorted(qps.items(), key=lambda kv: kv[1]):
        lo, hi = float(lims[dim].iloc[0]), float(lims[dim].iloc[1])
        lo0, hi0 = float(init[dim].iloc[0]), float(init[dim].iloc[1])
        restrictions.append({"name": dim, "min": lo if lo > lo0 else None,
                             "max": hi if hi < hi0 else None, "range": [lo0, hi0], "qp": qp})
    t = box.peeling_trajectory.iloc[box._cur_box]
    inside = int(t["n"])
    return {"outcome": outcome,
            "fails": {"triple_win": "no triple win"}.get(outcome, f"{outcome} does not gain"),
            "worlds_failing": k, "worlds": n,
            "coverage": float(t["coverage"]), "density": float(t["density"]),
            "mass": float(t["mass"]), "worlds_in_box": inside,
            "failing_in_box": int(round(float(t["density"]) * inside)),
            "restrictions": restrictions, "dropped": dropped,
            "text": " and ".join(_restriction_text(r) for r in restrictions)}


def _restriction_text(r: dict[str, Any]) -> str:
    lo, hi, name = r["min"], r["max"], r["name"]
    if lo is not None and hi is not None:
        return f"{lo:.3g} <= {name} <= {hi:.3g}"
    if lo is not None:
        return f"{name} >= {lo:.3g}"
    return f"{name} <= {hi:.3g}"


def important_dims(rob: Robustness, n: int = 2) -> list[str]:
    """The ``n`` parameters that matter most for failing: those the triple win's first failure
    box restricts (most significant first), then by how far the failing worlds' mean lies from
    the others', in units of the parameter's range."""
    dims = [d.name for d in rob.plan.dims]
    chosen: list[str] = []
    for b in rob.failure_boxes:
        if b["outcome"] == "triple_win":
            chosen += [r["name"] for r in b["restrictions"] if r["name"] not in chosen]
            break
    t = rob.table[rob.table["triple_win"].notna()]
    fail = ~t["triple_win"].astype(bool).to_numpy()
    score = {}
    for d in rob.plan.dims:
        x = t[d.name].to_numpy(float)
        if fail.any() and (~fail).any() and d.high > d.low:
            score[d.name] = abs(x[fail].mean() - x[~fail].mean()) / (d.high - d.low)
        else:
            score[d.name] = 0.0
    chosen += [d for d in sorted(dims, key=lambda d: -score[d]) if d not in chosen]
    return chosen[:n]
