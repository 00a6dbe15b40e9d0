"""The colours of every figure, report and the classroom page (no matplotlib needed).

The Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design") stays distinguishable under the
common colour-vision deficiencies. Each group keeps one colour everywhere: developed countries
blue, developing countries bluish green, China vermillion. The reference scenario of a comparison
is grey (figures) or dashed (page), so colour is never the only cue.
"""

from __future__ import annotations

from typing import Any

from ..groups import GROUPS, METRIC_GROUPS

#: The Okabe-Ito palette.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
#: One colour per metric group (``sim.metrics.Metric.group``), as :mod:`sim.groups` names it.
GROUP_COLOURS = {k: OKABE_ITO[g.colour] for k, g in METRIC_GROUPS.items()}
#: Each gain in its group's colour.
GAIN_COLOURS = {g.gain: GROUP_COLOURS[g.key] for g in GROUPS}
#: The reference scenario in comparisons.
REFERENCE_COLOUR = "#6E6E6E"
#: Verdict marks: a win, a loss, not sure.
VERDICT_COLOURS = {"win": OKABE_ITO["green"], "loss": OKABE_ITO["vermillion"],
                   "unclear": "#6E6E6E"}


def colour_of(metric: str) -> str:
    """The colour of a metric: its gain colour, else its group's."""
    from ..metrics import METRICS

    if metric in GAIN_COLOURS:
        return GAIN_COLOURS[metric]
    m = METRICS.get(metric)
    return GROUP_COLOURS.get(m.group, "#222222") if m else "#222222"


def palette_json() -> dict[str, Any]:
    """The colours, for the page's own chart script."""
    return {"groups": GROUP_COLOURS, "gains": GAIN_COLOURS, "reference": REFERENCE_COLOUR,
            "verdict": VERDICT_COLOURS}
