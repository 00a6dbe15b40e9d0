"""One figure style for slides, reports and the classroom page.

* Colours: the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), safe for the
  common colour-vision deficiencies; one colour per group everywhere (figures, report, page).
  Comparisons add a second cue: the reference is grey and dashed.
* Size: 16:9 figures 13.33 x 7.5 in, the size of a widescreen slide, so that 1 pt on the figure is
  1 pt on the slide; body text 16 pt, titles 20-22 pt, readable from the back of a classroom.
* Files: PNG at 200 dpi and SVG (text as paths, so it needs no fonts), written by :func:`save`.

The colours live in :mod:`sim.plotting.palette` (no matplotlib), which the live page reads too.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

if "ipykernel" not in sys.modules:
    # Headless everywhere except in a notebook, where the inline backend shows the figures.
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from .palette import (  # noqa: E402,F401  (re-exported: one palette for figures and page)
    GAIN_COLOURS,
    GROUP_COLOURS,
    OKABE_ITO,
    REFERENCE_COLOUR,
    VERDICT_COLOURS,
    palette_json,
)

__all__ = ["DPI", "GAIN_COLOURS", "GROUP_COLOURS", "OKABE_ITO", "RC",
           "REFERENCE_COLOUR", "REFERENCE_DASH", "SLIDE", "VERDICT_COLOURS", "apply", "context",
           "new_figure", "palette_json", "save"]

#: The reference scenario in comparisons is grey and dashed.
REFERENCE_DASH = (0, (5, 3))

SLIDE = (13.33, 7.5)
DPI = 200

RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 16, "axes.titlesize": 17, "axes.labelsize": 16, "xtick.labelsize": 15,
    "ytick.labelsize": 15, "legend.fontsize": 15, "figure.titlesize": 22,
    "figure.titleweight": "bold", "axes.titleweight": "bold", "axes.titlelocation": "left",
    "axes.spines.top": False, "axes.spines.right": False, "axes.linewidth": 1.2,
    "axes.grid": True, "grid.alpha": 0.35, "grid.linewidth": 0.8,
    "lines.linewidth": 3.0, "legend.frameon": False,
    "figure.dpi": 100, "savefig.dpi": DPI, "figure.facecolor": "white",
    "savefig.facecolor": "white", "svg.fonttype": "path", "svg.hashsalt": "triplewin",
}


def apply() -> None:
    """Set the style globally (for pyplot users such as ``sim.analysis.validation``)."""
    plt.rcParams.update(RC)


def context():
    """The style for one block of figure making, leaving global settings untouched."""
    return matplotlib.rc_context(RC)


def new_figure(figsize: tuple[float, float] = SLIDE) -> Figure:
    """A figure that belongs to no pyplot state (safe in threads and loops)."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def save(fig: Figure, out_dir: Path, stem: str, dpi: int = DPI) -> list[Path]:
    """Write ``stem.png`` (200 dpi) and ``stem.svg``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    png, svg = out_dir / f"{stem}.png", out_dir / f"{stem}.svg"
    fig.savefig(png, dpi=dpi, metadata={"Software": None})
    fig.set_layout_engine("none")  # keep the layout just computed: the SVG needs no second pass
    fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return [png, svg]
