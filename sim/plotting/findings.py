"""Sentences that state what a figure or table shows, from the numbers themselves.

Figure titles and the report use these, so a slide says its finding ("Third-party cooperation
raises all three groups' gains") rather than what is plotted ("Gains"). The rules are simple and
stated here: a group *gains* where the 95% confidence interval lies wholly above zero, *loses*
where it lies wholly below, and is *unclear* otherwise (DESIGN.md section 5).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

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
    if a == fmt_value(metric, end, plain=True):  # a small move: show one more digit
        a, b = fmt_value(metric, start, precise=True), fmt_value(metric, end, precise=True)
    return f"{'up' if end > start else 'down'} from {a} to {b}"


def trend(metric: str, mean: np.ndarray, quarter: str) -> str:
    """A metric's path as a headline: "Chinese share of contracts: up from 13% to 25%"."""
    label = METRICS[metric].label if metric in METRICS else metric
    return f"{label}: {trend_phrase(metric, mean, quarter)}"


def difference(metric: str, d: dict[str, float], b_name: str) -> str:
    """A paired difference in words: "Chinese technology: +0.014 with B" or "no clear change"."""
    label = METRICS[metric].label if metric in METRICS else metric
    if outcome(d) == "unclear":
        return f"{label}: no clear difference"
    return f"{label}: {fmt_delta(metric, d['delta'])} with {b_name}"


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


def _lower(title: str) -> str:
    """A group's name inside a sentence: "China", "developing countries"."""
    return title if title == "China" else title.lower()


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
    return verb + "s" if groups == ["China"] else verb


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


def run_gains_title(r: RunData) -> str:
    """What the three cumulative gains of one scenario show at its end."""
    by = {t: outcome(r.summary(g)) for _, g, t in GROUPS}
    q = r.last_quarter
    if all(v == "win" for v in by.values()):
        best = max(GROUPS, key=lambda t: r.summary(t[1])["mean"])[2]
        return (f"All three groups gain by {q} in {r.name}; "
                f"{_lower(best)} {_verb([best], 'gain')} most")
    wins = [t for t, v in by.items() if v == "win"]
    losses = [t for t, v in by.items() if v == "loss"]
    parts = []
    if wins:
        parts.append(f"{_join([_lower(t) for t in wins])} {_verb(wins, 'gain')}")
    if losses:
        parts.append(f"{_join([_lower(t) for t in losses])} {_verb(losses, 'lose')}")
    if not parts:
        return f"No group gains or loses with confidence by {q} in {r.name}"
    text = "; ".join(parts) + f" by {q} in {r.name}"
    return text[0].upper() + text[1:]


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
        rows.append({"metric": name, "label": METRICS[name].label, "group": METRICS[name].group,
                     "unit": table_unit(name), "mean": mean, "ci": f"{lo} to {hi}"})
    return rows
