"""One figure style: Okabe-Ito colour-blind-safe palette, projector-sized fonts."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

#: Okabe-Ito palette; one colour per group everywhere.
GROUP_COLOURS = {"china": "#D55E00", "developed": "#0072B2", "developing": "#009E73",
                 "gain": "#CC79A7", "mechanism": "#E69F00"}
GAIN_COLOURS = {"gain_developed": "#0072B2", "gain_developing": "#009E73",
                "gain_china": "#D55E00"}
GROUP_TITLES = {"china": "China", "developed": "Developed countries",
                "developing": "Developing countries", "gain": "Gains"}


def apply() -> None:
    plt.rcParams.update({
        "font.size": 13, "axes.titlesize": 14, "axes.labelsize": 12, "legend.fontsize": 11,
        "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 100,
        "savefig.bbox": "tight", "axes.grid": True, "grid.alpha": 0.3,
    })
