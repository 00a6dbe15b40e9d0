"""The two figures of a worlds experiment, drawn from its results (never from a live model).

* :func:`share_figure`: the share of worlds in which each group gains, and the triple win, with
  Wilson 95% intervals, and the scenarios' own world's verdicts beside them;
* :func:`worlds_figure`: the worlds over two parameters, triple wins and failures, the triple
  win's first failure box and the scenarios' own world.

Both take plain data: ``result`` is the content of ``robustness.json`` (as written by
:func:`sim.results.folders.write_worlds`, or as :meth:`Robustness.as_json
<sim.experiments.worlds.verdict.Robustness.as_json>` gives it; a missing number may be ``None``
or NaN) and ``table`` the content of ``worlds.csv``, one row per drawn world.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..groups import GROUPS
from .palette import GROUP_COLOURS, OKABE_ITO

if TYPE_CHECKING:
    import pandas as pd

#: The four verdicts, in the order of the bars (top to bottom).
VERDICTS = (*(g.key for g in GROUPS), "triple_win")
LABELS = (*(g.short for g in GROUPS), "Triple win")
COLOURS = (*(GROUP_COLOURS[g.key] for g in GROUPS), OKABE_ITO["black"])
WIN, LOSS = OKABE_ITO["green"], OKABE_ITO["vermillion"]


def _num(x: Any) -> float:
    return math.nan if x is None else float(x)


def _pct(x: float) -> str:
    return "-" if x != x else f"{100 * x:.0f}%"


def share_figure(result: Mapping[str, Any], path: Path, dpi: int = 150) -> Path:
    """Share of worlds in which each group gains, and the triple win, with Wilson 95% CIs; the
    own world's verdict marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shares = {v: _num(result["share"][v]) for v in VERDICTS}
    ci = {v: (_num(result["ci"][v][0]), _num(result["ci"][v][1])) for v in VERDICTS}
    own = result.get("own_world")
    share = [shares[v] for v in VERDICTS]
    lo = np.clip(np.nan_to_num([s - ci[v][0] for s, v in zip(share, VERDICTS, strict=True)]),
                 0, None)
    hi = np.clip(np.nan_to_num([ci[v][1] - s for s, v in zip(share, VERDICTS, strict=True)]),
                 0, None)
    share = np.nan_to_num(share)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    y = np.arange(len(LABELS))[::-1]
    ax.barh(y, share, xerr=[lo, hi], color=list(COLOURS), alpha=0.8, capsize=3)
    for yi, v in zip(y, VERDICTS, strict=True):
        top = ci[v][1]
        ax.text(top + 0.03 if top == top else 0.02, yi,
                f"{_pct(shares[v])} ({_pct(ci[v][0])}-{_pct(ci[v][1])})", va="center",
                fontsize=9)
        if own is not None:
            won = own["verdict"][v]
            ax.text(1.2, yi, "wins" if won else "no", va="center", ha="center", fontsize=9,
                    color=WIN if won else LOSS)
    if own is not None:
        ax.text(1.2, y[0] + 0.5, "own world", ha="center", va="bottom", fontsize=8)
    ax.set_yticks(y, list(LABELS))
    ax.set_xlim(0, 1.3)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_xlabel(f"share of {result['counted']} worlds where the group gains (95% CI above "
                  "zero)")
    ax.set_title(f"{result['b']} vs {result['a']}: verdicts across worlds", fontsize=10)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def worlds_figure(table: pd.DataFrame, result: Mapping[str, Any], dims: Sequence[str],
                  own: Mapping[str, Any], path: Path, dpi: int = 150) -> Path | None:
    """The worlds over the two parameters ``dims`` (the two that matter most for failing):
    triple wins and failures, the triple win's first failure box, and the scenarios' own world
    (``own``: its parameter values). Nothing is drawn (None) with fewer than two ``dims``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if len(dims) < 2:
        return None
    xk, yk = dims[:2]
    t = table[table["triple_win"].notna()]
    win = t["triple_win"].astype(bool).to_numpy()
    fig, ax = plt.subplots(figsize=(6.2, 4.8))
    ax.scatter(t.loc[win, xk], t.loc[win, yk], s=18, color=WIN, label="triple win", alpha=0.8)
    ax.scatter(t.loc[~win, xk], t.loc[~win, yk], s=22, color=LOSS, marker="x",
               label="no triple win")
    if isinstance(own.get(xk), (int, float)) and isinstance(own.get(yk), (int, float)):
        ax.scatter([own[xk]], [own[yk]], s=160, marker="*", color=OKABE_ITO["black"],
                   label="the scenario's own world")
    box = next((b for b in result["failure_boxes"] if b["outcome"] == "triple_win"), None)
    if box is not None:
        lim = {r["name"]: r for r in box["restrictions"]}
        dx = {d["name"]: (d["low"], d["high"]) for d in result["varied"]}
        x0, x1 = dx[xk]
        y0, y1 = dx[yk]
        if xk in lim:
            x0 = lim[xk]["min"] if lim[xk]["min"] is not None else x0
            x1 = lim[xk]["max"] if lim[xk]["max"] is not None else x1
        if yk in lim:
            y0 = lim[yk]["min"] if lim[yk]["min"] is not None else y0
            y1 = lim[yk]["max"] if lim[yk]["max"] is not None else y1
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor=LOSS,
                               linestyle="--", linewidth=1.5,
                               label=f"failure box (density {box['density']:.0%}, coverage "
                               f"{box['coverage']:.0%})"))
    ax.set_xlabel(xk)
    ax.set_ylabel(yk)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(f"Where the triple win fails ({len(t)} worlds)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
