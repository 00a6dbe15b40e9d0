"""Sentences that state what a figure or table shows, from the numbers themselves.

Figure titles and the report use these, so a slide says its finding ("Third-party cooperation
raises all three groups' gains") rather than what is plotted ("Gains"). Only a comparison (two
runs in the same world, paired) speaks of gains or wins; one run's welfare indices are *levels*
and its outputs say so (:func:`run_levels_title`). The rules are simple and
stated here: a group *gains* where the 95% confidence interval lies wholly above zero, *loses*
where it lies wholly below, and is *unclear* otherwise (docs/ODD.md section 1, "The verdict").
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..groups import BY_KEY
from ..groups import GROUPS as _GROUPS
from ..metrics import METRICS
from .data import GROUPS, CompareData, RunData

#: Relative change below which a series "stays near" its value.
FLAT = 0.02


# --------------------------------------------------------------------------------------------
# numbers


def is_share(metric: str) -> bool:
    """Shares are shown as percentages."""
    m = METRICS.get(metric)
    return bool(m and m.unit.startswith("share"))


def fmt_number(x: float) -> str:
    """A number with digits a slide needs: 1,234 / 123 / 12 / 1.2 / 0.12 / 0.012."""
    if x is None or not math.isfinite(x):
        return "n/a"
    a = abs(x)
    text = (f"{a:,.0f}" if a >= 10 else f"{a:.1f}" if a >= 1 or a == 0 else
            f"{a:.2f}" if a >= 0.1 else f"{a:.3f}")
    return ("\u2212" + text) if x < 0 and text.strip("0.,") else text


def fmt_value(metric: str, x: float, precise: bool = False, plain: bool = False) -> str:
    """A metric value with its unit, for titles and tables: ``24%``, ``USD 120 bn``, ``0.68``
    (``precise``: one digit more; ``plain``: no currency or "jobs", for a table with a unit
    column)."""
    unit = METRICS[metric].unit if metric in METRICS else ""
    minus = "\u2212" if x < 0 else ""
    if precise and not unit.startswith("USD bn") and unit != "jobs":
        return minus + (f"{100 * abs(x):.1f}%" if is_share(metric) else f"{abs(x):.3f}")
    if is_share(metric):
        return minus + (f"{100 * abs(x):.0f}%" if abs(x) >= 0.1 else f"{100 * abs(x):.1f}%")
    if unit.startswith("USD bn"):
        return fmt_number(x) if plain else f"USD {fmt_number(x)} bn"
    if unit == "jobs":
        return f"{x:,.0f}".replace("-", "\u2212") + ("" if plain else " jobs")
    return fmt_number(x)


def fmt_delta(metric: str, d: float, plain: bool = False) -> str:
    """A difference with sign and unit: ``+4.1 pp``, ``+USD 27 bn``, ``-0.014`` (``plain``: no
    currency or "jobs")."""
    sign = "+" if d > 0 else "\u2212" if d < 0 else "\u00b1"
    a = abs(d)
    unit = METRICS[metric].unit if metric in METRICS else ""
    if is_share(metric):
        return f"{sign}{100 * a:.1f} pp"
    if unit.startswith("USD bn"):
        return f"{sign}{fmt_number(a)}" if plain else f"{sign}USD {fmt_number(a)} bn"
    if unit == "jobs":
        return f"{sign}{a:,.0f}" if plain else f"{sign}{a:,.0f} jobs"
    return f"{sign}{fmt_number(a)}"


def table_unit(metric: str) -> str:
    """The unit column of a table whose cells use ``plain`` values (shares in %, their
    differences marked "pp")."""
    unit = METRICS[metric].unit if metric in METRICS else ""
    return "%" if is_share(metric) else unit


# --------------------------------------------------------------------------------------------
# one series


def trend_phrase(metric: str, mean: np.ndarray, quarter: str) -> str:
    """How a mean path moves, in headline style: "up from 13% to 25%", "down from 0.31 to 0.29",
    "steady near 1.2", or for a cumulative metric "at USD 120 bn by 2024Q4"."""
    start, end = float(mean[0]), float(mean[-1])
    unit = METRICS[metric].unit if metric in METRICS else ""
    if "cumulative" in unit:
        return f"at {fmt_value(metric, end)} by {quarter}"
    scale = max(abs(start), abs(end), 1e-12)
    if abs(end - start) / scale < FLAT:
        return f"steady near {fmt_value(metric, end)}"
    a, b = fmt_value(metric, start, plain=True), fmt_value(metric, end)
    if unit == "jobs":  # "up from about 0 to 370 thousand jobs", not "from 28 to 367,747"
        a, b = fmt_jobs(start, end), fmt_jobs(end) + " jobs"
    elif a == fmt_value(metric, end, plain=True):  # a small move: show one more digit
        a, b = fmt_value(metric, start, precise=True), fmt_value(metric, end, precise=True)
    return f"{'up' if end > start else 'down'} from {a} to {b}"


def fmt_jobs(x: float, scale_of: float | None = None) -> str:
    """A job count rounded as a sentence needs it: "370 thousand", "1.2 million", "about 0"
    (``scale_of``: a value this count is shown beside; counts under 0.1% of it read "about 0")."""
    a = abs(x)
    if scale_of is not None and a < 0.001 * abs(scale_of):
        return "about 0"
    if a >= 1e6:
        return f"{x / 1e6:.1f} million"
    if a >= 1e4:
        return f"{x / 1e3:,.0f} thousand"
    return f"{x:,.0f}"


def count_phrase(counts: dict[str, int]) -> str:
    """"3 key indicators rise, 1 falls, 1 shows no clear change" (verbs agree with counts)."""
    def part(n: int, one: str, many: str) -> str:
        return f"{n} {one if n == 1 else many}"

    first = counts["up"]
    return (f"{first} key indicator{'' if first == 1 else 's'} "
            f"{'rises' if first == 1 else 'rise'}, "
            f"{part(counts['down'], 'falls', 'fall')}, "
            f"{part(counts['unclear'], 'shows no clear change', 'show no clear change')}")


def trend(metric: str, mean: np.ndarray, quarter: str) -> str:
    """A metric's path as a headline: "Chinese share of contracts: up from 13% to 25%"."""
    label = METRICS[metric].label if metric in METRICS else metric
    return f"{label}: {trend_phrase(metric, mean, quarter)}"


# --------------------------------------------------------------------------------------------
# the verdict


def outcome(ci: dict[str, float]) -> str:
    """``win`` (CI above zero), ``loss`` (CI below zero) or ``unclear``."""
    if ci["ci_low"] > 0:
        return "win"
    if ci["ci_high"] < 0:
        return "loss"
    return "unclear"


OUTCOME_WORDS = {"win": "gains", "loss": "loses", "unclear": "not sure"}


_IN_SENTENCE = {g.title: g.in_sentence for g in _GROUPS}


def _lower(title: str) -> str:
    """A group's name inside a sentence: "China", "developing countries"."""
    return _IN_SENTENCE[title]


def possessive(title: str) -> str:
    title = _lower(title)
    return f"{title}'" if title.endswith("s") else f"{title}'s"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _gain_s(groups: list[str]) -> str:
    return "gains" if len(groups) > 1 else "gain"


def _verb(groups: list[str], verb: str) -> str:
    """"China gains", "Developed countries gain", "China and ... gain"."""
    return verb + "s" if groups == [BY_KEY["china"].title] else verb


def compare_title(c: CompareData) -> str:
    """The verdict as a headline, e.g. "Triple win: B raises all three groups' gains over A"."""
    a, b = c.a.name, c.b.name
    by = {t: outcome(c.metrics[g]) for _, g, t in GROUPS}
    wins = [t for t, v in by.items() if v == "win"]
    losses = [t for t, v in by.items() if v == "loss"]
    unclear = [t for t, v in by.items() if v == "unclear"]
    if len(wins) == 3:
        return f"Triple win: {b} raises all three groups' gains over {a}"
    if len(losses) == 3:
        return f"{b} lowers all three groups' gains compared with {a}"
    if len(unclear) == 3:
        return f"{b} vs {a}: no group gains or loses with confidence"
    clauses = []
    if wins:
        clauses.append(f"raises {_join([possessive(t) for t in wins])} {_gain_s(wins)}")
    if losses:
        clauses.append(f"lowers {_join([possessive(t) for t in losses])} {_gain_s(losses)}")
    text = f"No triple win: {b} " + ", ".join(clauses)
    if unclear:
        text += f"; {_join([possessive(t) for t in unclear])} {_gain_s(unclear)} unclear"
    return text


#: What every single-run output says about its welfare indices.
LEVELS_NOTE = ("Levels, not differences: what a policy changes shows only against a reference "
               "run in the same world (triplewin compare REFERENCE.yaml THIS.yaml).")


def run_levels_title(r: RunData) -> str:
    """The three welfare indices at the end of one scenario, named as levels (one scenario
    shows no gain and no win: those need a reference run in the same world)."""
    q = r.last_quarter
    ordered = sorted(GROUPS, key=lambda t: -r.summary(t[1])["mean"])
    parts = [f"{_lower(t)} USD {fmt_number(r.summary(g)['mean'])} bn" for _k, g, t in ordered]
    return f"Welfare index levels by {q} in {r.name}: {_join(parts)}"


def verdict_sentence(c: CompareData) -> str:
    """One sentence for the report and the page."""
    if c.verdict.get("triple_win"):
        return (f"Triple win: every group's gain is higher in {c.b.name} than in {c.a.name}, "
                f"each 95% confidence interval above zero ({c.replications} paired replications).")
    winners = [t for k, _, t in GROUPS if c.verdict.get(k)]
    who = _join([_lower(t) for t in winners]) if winners else "no group"
    verb = _verb(winners, "gain") if winners else "gains"
    return (f"No triple win: {who} {verb} with confidence in "
            f"{c.b.name} compared with {c.a.name} ({c.replications} paired replications).")


def summary_rows(r: RunData, metrics: list[str]) -> list[dict[str, Any]]:
    """Rows (label, unit, mean, CI) of final-step summaries, formatted for a table with a unit
    column (one digit more where the interval would otherwise read "1.2 to 1.2")."""
    rows = []
    for name in metrics:
        s = r.summary(name)
        lo, hi = (fmt_value(name, s[k], plain=True) for k in ("ci_low", "ci_high"))
        mean = fmt_value(name, s["mean"], plain=True)
        if lo == hi and s["ci_low"] != s["ci_high"]:
            lo, hi, mean = (fmt_value(name, s[k], precise=True, plain=True)
                            for k in ("ci_low", "ci_high", "mean"))
        ci = f"{lo} to {hi}" if s["n"] >= 2 else "undefined (n=1)"
        rows.append({"metric": name, "label": METRICS[name].label, "group": METRICS[name].group,
                     "unit": table_unit(name), "mean": mean, "ci": ci})
    return rows
