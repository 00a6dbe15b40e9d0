"""The figure of a calibration: priors, the accepted ensemble, and the threshold per generation.

Drawn from plain data (the ensemble table, the priors, the registry defaults and the thresholds
of the generations), never from a live model or pyabc's database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def prior_posterior_figure(ens: Any, priors: Mapping[str, tuple[float, float]],
                           defaults: Mapping[str, float], out: Path, *,
                           thresholds: Sequence[tuple[int, float]] | None = None,
                           dpi: int = 150) -> list[Path]:
    """One panel per fitted parameter: the uniform prior and the weighted posterior (``ens``: a
    DataFrame with the parameter columns and ``weight``), with the registry default marked; and,
    given ``thresholds`` as (generation, threshold) pairs, the threshold per generation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import style

    style.apply()
    out.mkdir(parents=True, exist_ok=True)
    names = list(priors)
    n = len(names) + (1 if thresholds is not None else 0)
    cols = 3
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.4 * rows), squeeze=False)
    w = ens["weight"].to_numpy()
    for ax, name in zip(axes.ravel(), names, strict=False):
        lo, hi = priors[name]
        bins = np.linspace(lo, hi, 16)
        ax.hist(ens[name].to_numpy(), bins=bins, weights=w, density=True,
                color=style.GROUP_COLOURS["china"], alpha=0.75, label="posterior")
        ax.hlines(1.0 / (hi - lo), lo, hi, colors="black", linestyles="--", label="prior")
        d = defaults[name]
        if lo <= d <= hi:
            ax.axvline(d, color="grey", lw=1.2, label="default")
        ax.set_title(name, fontsize=11)
        ax.set_xlim(lo, hi)
    if thresholds is not None:
        ax = axes.ravel()[len(names)]
        ax.plot([t for t, _ in thresholds], [e for _, e in thresholds], marker="o",
                color="black")
        ax.axhline(1.0, color="grey", lw=1, ls=":", label="every pattern at its tolerance")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
        ax.set_xlabel("generation")
        ax.set_title("threshold (distance)", fontsize=11)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=8, loc="upper right")
    fig.suptitle("Calibration: prior (dashed) and accepted ensemble (bars)", fontsize=13)
    fig.tight_layout()
    p = out / "prior_posterior.png"
    fig.savefig(p, dpi=dpi)
    plt.close(fig)
    return [p]
