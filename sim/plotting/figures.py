"""Slide-ready figures of a run or a comparison, drawn from result tables only.

Every figure is 16:9, in the one style of :mod:`sim.plotting.style`, saved as PNG (200 dpi) and
SVG, and titled with its finding (:mod:`sim.plotting.findings`). The figure *sets* are listed
once, in :func:`run_figure_set` and :func:`compare_figure_set`; ``triplewin run``/``compare``
(:func:`run_figures`, :func:`compare_figures`), ``triplewin plot`` (:func:`plot_folder`) and
``triplewin report`` all draw from them.

Run folder: ``levels`` (the three welfare indices at the end with 95% CIs: levels of one scenario,
never called gains), ``levels_over_time``,
``timeseries_china``, ``timeseries_developed``, ``timeseries_developing`` (key metrics per group).
Compare folder: ``triple_win`` (paired differences of the gains with 95% CIs and the verdict),
``gains_compare`` (the paired difference B - A of the gains over time, with its 95% band), ``timeseries_compare`` (key metrics, B against
A) and ``key_differences`` (relative change of the key metrics with 95% CIs).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..groups import GAINS, METRIC_GROUPS
from ..metrics import KEY_METRICS, METRICS
from . import findings, style
from .data import (
    COMPARE_FIGURES,
    GROUPS,
    RUN_FIGURES,
    CompareData,
    RunData,
    load,
    quarter_label,
    years,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Metrics of the per-group panels of a run (2 x 2 each).
GROUP_PANELS = {
    "china": ["cn_tech_level", "cn_contract_share", "cn_developed_share", "cn_utilization"],
    "developed": ["dv_profit", "dv_licensing", "dv_barrier", "dv_cn_share"],
    "developing": ["dg_infrastructure", "dg_price_per_quality", "dg_default_rate", "dg_jobs"],
}
#: Time-series panels of a comparison (2 x 3).
COMPARE_PANELS = ["cn_tech_level", "cn_contract_share", "dv_cn_share", "dv_barrier",
                  "dg_price_per_quality", "dg_default_rate"]

#: How to read each figure (captions in the report and the notebook).
FIGURE_NOTES = {
    "levels": "How to read: each group's cumulative welfare index at the end of this one "
              "scenario, with its 95% confidence interval. These are levels; what a policy "
              "changes shows only against a reference run in the same world (triplewin "
              "compare).",
    "levels_over_time": "How to read: each group's cumulative welfare index over time in this "
                        "one scenario (levels); the band holds 90% of the replications.",
    "triple_win": "How to read: the paired difference of each group's welfare index (this "
                  "scenario minus the reference, same seeds) with its 95% confidence interval. "
                  "A group gains where the whole interval is above zero.",
    "timeseries_china": "How to read: China's key indicators over time (mean and 5-95% band).",
    "timeseries_developed": "How to read: developed countries' key indicators over time.",
    "timeseries_developing": "How to read: developing countries' key indicators over time.",
    "gains_compare": "How to read: the paired difference of each group's welfare index over time "
                     "(scenario minus reference, same seeds), with its 95% confidence band; the "
                     "dotted line marks the year from which the band stays clear of zero.",
    "timeseries_compare": "How to read: key indicators, scenario (colour) against reference "
                          "(grey, dashed); each panel title gives the paired difference at the "
                          "end.",
    "key_differences": "How to read: change of each key indicator relative to the reference, "
                       "with its 95% confidence interval; open dots are not clearly different "
                       "from zero.",
}

#: Characters per line of a figure title (22 pt on a 13.33 in slide).
TITLE_WIDTH = 68
BAND_NOTE = "line: mean; band: 5-95% range of {n} replications"


# --------------------------------------------------------------------------------------------
# helpers (``_years`` and ``_band`` are also used by sim.analysis.validation)


def _years(steps: int) -> np.ndarray:
    return years(steps)


def _band(ax: Axes, x: np.ndarray, data: np.ndarray, colour: str, label: str | None = None,
          linestyle: Any = "-", alpha: float = 0.18) -> None:
    """Mean line and 5-95% band over replications (rows of ``data``)."""
    data = np.asarray(data, dtype=float)
    mean = data.mean(axis=0)
    if data.shape[0] > 1:
        lo, hi = np.percentile(data, [5, 95], axis=0)
        ax.fill_between(x, lo, hi, color=colour, alpha=alpha, linewidth=0)
    ax.plot(x, mean, color=colour, linewidth=3.0, label=label, linestyle=linestyle)


def _suptitle(fig: Figure, text: str) -> None:
    fig.suptitle(textwrap.fill(text, TITLE_WIDTH), x=0.01, ha="left")


def _format_axis(ax: Axes, metric: str, x: np.ndarray | None = None) -> None:
    """Percent ticks for shares, the unit as y label otherwise, whole years on x."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

    unit = METRICS[metric].unit if metric in METRICS else ""
    if findings.is_share(metric):
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    elif unit == "jobs":
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v / 1000:,.0f}k" if v else "0"))
        ax.set_ylabel("jobs")
    else:
        ax.set_ylabel(unit.replace(", cumulative", ""))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    if x is not None:
        _year_ticks(ax, x)


def _year_ticks(ax: Axes, x: np.ndarray) -> None:
    """Whole years, none at the panel's edges (where they would collide with the next panel's
    labels): 2016, 2018, ..., 2024 for 2015Q1-2024Q4."""
    first, last = int(np.ceil(x[0])), int(np.floor(x[-1] - 0.5))
    span = max(last - first, 0)
    step = 1 if span <= 6 else 2 if span <= 14 else 5
    ax.set_xticks(range(first, last + 1, step) if last >= first else [round(float(x[-1]))])
    ax.set_xlim(x[0] - 0.25, x[-1])


def _direct_labels(ax: Axes, x_end: float, items: list[tuple[float, str, str]]) -> None:
    """Labels at the right end of lines (no legend box over the data); nudged apart."""
    lo, hi = ax.get_ylim()
    gap = 0.09 * (hi - lo)
    placed: list[float] = []
    for y, text, colour in sorted(items):
        if placed and y - placed[-1] < gap:
            y = placed[-1] + gap
        placed.append(y)
        ax.annotate(text, xy=(x_end, y), xytext=(8, 0), textcoords="offset points",
                    va="center", ha="left", color=colour, fontsize=16, fontweight="bold",
                    annotation_clip=False)


def _from_zero(ax: Axes) -> None:
    """One rule for every panel of a figure: the y axis includes zero, so panels side by side
    are read the same way (differences are read from the titles and the difference figures)."""
    lo, hi = ax.get_ylim()
    if lo > 0:
        ax.set_ylim(0, hi)
    elif hi < 0:
        ax.set_ylim(lo, 0)


def _in_sentence(label: str) -> str:
    """A metric label inside a sentence: "entry barrier", but "Chinese technology"."""
    return label if label.split()[0] in ("Chinese", "China") else label[0].lower() + label[1:]


def _two_lines(label: str, phrase: str, width: int) -> str:
    return textwrap.fill(label, width) + "\n" + textwrap.fill(phrase, width)


# --------------------------------------------------------------------------------------------
# one run


def fig_run_levels(r: RunData) -> Figure:
    """The three groups' welfare indices at the end of one scenario (levels, not gains), with
    95% confidence intervals."""
    fig = style.new_figure()
    ax = fig.add_subplot()
    q = r.last_quarter
    means, errs = [], []
    for i, (_k, g, _title) in enumerate(GROUPS):
        s = r.summary(g)
        means.append(s["mean"])
        errs.append([s["mean"] - s["ci_low"], s["ci_high"] - s["mean"]])
        ax.bar(i, s["mean"], color=style.GAIN_COLOURS[g], width=0.6)
    err = np.array(errs).T
    if np.isfinite(err).all():  # one replication has no interval: no bars
        ax.errorbar(range(3), means, yerr=err, fmt="none", ecolor="black", elinewidth=2.5,
                    capsize=14, capthick=2.5)
    err = np.nan_to_num(err)
    top = max(max(m + e for m, e in zip(means, err[1], strict=True)), 0)
    bottom = min(min(m - e for m, e in zip(means, err[0], strict=True)), 0)
    span = (top - bottom) or 1.0
    for i, (m, up) in enumerate(zip(means, err[1], strict=True)):
        y = m + up if m >= 0 else m - err[0][i]
        ax.annotate(f"USD {findings.fmt_number(m)} bn", xy=(i, y),
                    xytext=(0, 10 if m >= 0 else -10), textcoords="offset points",
                    ha="center", va="bottom" if m >= 0 else "top", fontsize=18,
                    fontweight="bold")
    ax.set_ylim(bottom - (0.15 * span if bottom < 0 else 0), top + 0.15 * span)
    ax.axhline(0, color="black", linewidth=1.2)
    ax.set_xticks(range(3), [t for _, _, t in GROUPS], fontsize=17)
    ax.set_ylabel(f"welfare index by {q}, USD bn (level)")
    ax.grid(axis="x", visible=False)
    ax.set_title((f"Levels in one scenario: mean and 95% confidence interval over "
                  f"{r.replications} replications. " if r.replications >= 2 else
                  "Levels in one scenario: one replication, so no confidence interval. ")
                 + findings.LEVELS_NOTE,
                 fontweight="normal", fontsize=14, wrap=True)
    _suptitle(fig, findings.run_levels_title(r))
    return fig


def fig_run_levels_over_time(r: RunData) -> Figure:
    """The three groups' cumulative welfare indices over time (levels), labelled at their
    ends."""
    fig = style.new_figure()
    ax = fig.add_subplot()
    x = years(r.steps)
    items = []
    for _k, g, title in GROUPS:
        _band(ax, x, r.series[g], style.GAIN_COLOURS[g])
        end = float(r.series[g][:, -1].mean())
        items.append((end, f"{title}\nUSD {findings.fmt_number(end)} bn", style.GAIN_COLOURS[g]))
    ax.axhline(0, color="black", linewidth=1.0)
    _format_axis(ax, "gain_china", x)
    ax.set_ylabel("welfare index, USD bn (level)")
    _direct_labels(ax, x[-1], items)
    ax.set_title(BAND_NOTE.format(n=r.replications) + "; levels of one scenario",
                 fontweight="normal", fontsize=15)
    best = max(GROUPS, key=lambda t: float(r.series[t[1]][:, -1].mean()))[2]
    worst = min(GROUPS, key=lambda t: float(r.series[t[1]][:, -1].mean()))[2]
    _suptitle(fig, f"{r.name}: {findings.possessive(best)} welfare index grows most, "
              f"{findings.possessive(worst)} least by {r.last_quarter}")
    return fig


def _biggest_move(r: RunData, metrics: list[str]) -> int:
    """Index of the metric whose mean path moves most, relative to its size (cumulative
    metrics, which always grow, only when nothing else moves)."""
    best, best_move = 0, -1.0
    for i, m in enumerate(metrics):
        mean = r.series[m].mean(axis=0)
        start, end = float(mean[0]), float(mean[-1])
        move = abs(end - start) / max(abs(start), abs(end), 1e-12)
        if "cumulative" in METRICS[m].unit:
            move = move * 1e-3
        if move > best_move:
            best, best_move = i, move
    return best


def fig_group_panels(r: RunData, group: str) -> Figure:
    """Key metrics of one group over time (2 x 2), each titled with how it moves."""
    fig = style.new_figure()
    axes = fig.subplots(2, 2)
    x = years(r.steps)
    q = r.last_quarter
    colour = style.GROUP_COLOURS[group]
    phrases = []
    for ax, metric in zip(axes.ravel(), GROUP_PANELS[group], strict=True):
        _band(ax, x, r.series[metric], colour)
        label = METRICS[metric].label
        phrase = findings.trend_phrase(metric, r.series[metric].mean(axis=0), q)
        phrases.append((label, phrase))
        ax.set_title(_two_lines(label, phrase, 44), fontsize=16)
        _format_axis(ax, metric, x)
        _from_zero(ax)
    label, phrase = phrases[_biggest_move(r, GROUP_PANELS[group])]
    _suptitle(fig, f"{METRIC_GROUPS[group].title} in {r.name}: {_in_sentence(label)} {phrase}")
    fig.supxlabel(BAND_NOTE.format(n=r.replications), x=0.99, ha="right", fontsize=13,
                  color="#444444")
    return fig


def _run_makers(r: RunData) -> dict[str, Callable[[], Figure]]:
    """How to make each figure of a run, by file stem, in reading order."""
    makers: dict[str, Callable[[], Figure]] = {
        "levels": lambda: fig_run_levels(r),
        "levels_over_time": lambda: fig_run_levels_over_time(r)}
    for group in GROUP_PANELS:
        makers[f"timeseries_{group}"] = lambda group=group: fig_group_panels(r, group)
    assert tuple(makers) == RUN_FIGURES
    return makers


def run_figure_set(r: RunData) -> Iterator[tuple[str, Figure]]:
    """The figures of one run, as (file stem, figure), in reading order."""
    for stem, make in _run_makers(r).items():
        yield stem, make()


# --------------------------------------------------------------------------------------------
# a comparison


def paired_series(c: CompareData, metric: str) -> np.ndarray:
    """Per-replication paths of B - A (replications x steps)."""
    return c.b.series[metric] - c.a.series[metric]


def ahead_from(c: CompareData, metric: str) -> tuple[str, int | None]:
    """``("ahead"|"behind"|"unclear", first step)`` from which the 95% CI of B - A stays above
    (or below) zero until the end."""
    from ..stats import mean_ci

    d = paired_series(c, metric)
    cis = [mean_ci(d[:, t]) for t in range(d.shape[1])]
    for sign, word in ((1, "ahead"), (-1, "behind")):
        clear = [sign * (s["ci_low"] if sign > 0 else s["ci_high"]) > 0 for s in cis]
        if clear and clear[-1]:
            t = len(clear) - 1
            while t > 0 and clear[t - 1]:
                t -= 1
            return word, t
    return "unclear", None


def fig_compare_triple_win(c: CompareData) -> Figure:
    """Paired differences of the three gains with 95% CIs; the verdict on the right."""
    fig = style.new_figure()
    ax = fig.add_subplot()
    q = c.a.last_quarter
    right = []
    marks = {"win": "✓ gains", "loss": "✗ loses", "unclear": "? not sure"}
    for i, (_k, g, _title) in enumerate(GROUPS):
        d = c.metrics[g]
        colour = style.GAIN_COLOURS[g]
        ax.errorbar(d["delta"], i, xerr=[[d["delta"] - d["ci_low"]], [d["ci_high"] - d["delta"]]],
                    fmt="o", color=colour, markersize=16, capsize=12, elinewidth=4, capthick=4)
        right.append(f"{marks[findings.outcome(d)]}\n"
                     f"{findings.fmt_delta(g, d['delta'])} "
                     f"({findings.fmt_number(d['ci_low'])} to {findings.fmt_number(d['ci_high'])})")
    ax.axvline(0, color="black", linewidth=1.5)
    lo = min(0.0, *(c.metrics[g]["ci_low"] for g in GAINS))
    hi = max(0.0, *(c.metrics[g]["ci_high"] for g in GAINS))
    pad = 0.12 * ((hi - lo) or 1.0)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(2.6, -0.6)
    ax.set_yticks(range(3), [t for _, _, t in GROUPS], fontsize=18)
    ax.grid(axis="y", visible=False)
    twin = ax.twinx()
    twin.set_ylim(ax.get_ylim())
    twin.set_yticks(range(3), right, fontsize=16)
    twin.tick_params(axis="y", length=0)
    twin.grid(False)
    twin.spines["right"].set_visible(False)
    ax.set_xlabel(f"change in cumulative gain by {q}, USD bn ({c.b.name} minus {c.a.name})")
    ax.set_title(f"Paired difference with 95% confidence interval, {c.replications} "
                 "replications with common random numbers", fontweight="normal", fontsize=15)
    _suptitle(fig, findings.compare_title(c))
    return fig


def _ab_handles(c: CompareData, colour: str = "#222222") -> list[Any]:
    from matplotlib.lines import Line2D

    return [Line2D([], [], color=colour, linewidth=3, label=c.b.name),
            Line2D([], [], color=style.REFERENCE_COLOUR, linewidth=3,
                   linestyle=style.REFERENCE_DASH, label=f"{c.a.name} (reference)")]


def paired_band(c: CompareData, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of B - A over paired replications at each step, with its 95% confidence band."""
    from ..stats import mean_ci

    d = paired_series(c, metric)
    cis = [mean_ci(d[:, t]) for t in range(d.shape[1])]
    return (d.mean(axis=0), np.array([s["ci_low"] for s in cis]),
            np.array([s["ci_high"] for s in cis]))


def fig_compare_gains(c: CompareData) -> Figure:
    """The paired difference B - A of the three welfare indices over time, each with its 95%
    confidence band and the year from which the band stays clear of zero. (Plotting the two
    levels instead would hide a +5 bn effect on a 600 bn scale.)"""
    fig = style.new_figure()
    axes = fig.subplots(1, 3, sharey=True)
    x = years(c.a.steps)
    parts = []
    for ax, (k, g, title) in zip(axes, GROUPS, strict=True):
        colour = style.GAIN_COLOURS[g]
        mean, lo, hi = paired_band(c, g)
        ax.fill_between(x, lo, hi, color=colour, alpha=0.25, linewidth=0)
        ax.plot(x, mean, color=colour, linewidth=3.0)
        ax.axhline(0, color="black", linewidth=1.2)
        d = c.metrics[g]
        ax.set_title(_two_lines(title, findings.fmt_delta(g, d["delta"]) + " by "
                                + c.a.last_quarter, 24), fontsize=16)
        _format_axis(ax, g, x)
        ax.set_ylabel(f"{c.b.name} minus {c.a.name}, USD bn" if ax is axes[0] else "")
        word, t = ahead_from(c, g)
        name = METRIC_GROUPS[k].in_sentence.split()[0]  # "developed", "China"
        if word != "unclear" and t is not None:
            parts.append((word, name, quarter_label(t)[:4]))
            ax.axvline(x[t] - 0.25, color="#333333", linewidth=1.6, linestyle=":")
            ax.annotate(f"{word} from\n{quarter_label(t)}", xy=(x[t] - 0.25, 1.0),
                        xycoords=("data", "axes fraction"), xytext=(5, -6),
                        textcoords="offset points", ha="left", va="top", fontsize=13,
                        color="#333333")
    from matplotlib.patches import Patch

    band = Patch(color="#888888", alpha=0.35, label=f"95% confidence band of the mean "
                 f"difference, {c.replications} paired replications")
    fig.legend(handles=[band], loc="outside lower center", ncol=1, fontsize=14)
    if len(parts) == 3 and len({(w, y) for w, _n, y in parts}) == 1:
        word, _n, year = parts[0]
        head = f"{c.b.name} vs {c.a.name}: {word} for all three groups from {year}"
    elif parts:
        ahead = [f"{n} from {y}" for w, n, y in parts if w == "ahead"]
        behind = [f"{n} from {y}" for w, n, y in parts if w == "behind"]
        head = f"{c.b.name} vs {c.a.name}: "
        head += "; ".join(([f"ahead for {', '.join(ahead)}"] if ahead else [])
                          + ([f"behind for {', '.join(behind)}"] if behind else []))
    else:
        head = f"{c.b.name} and {c.a.name}: no group is clearly ahead by {c.a.last_quarter}"
    _suptitle(fig, head)
    return fig


def _relative(d: dict[str, float]) -> tuple[float, float, float] | None:
    base = abs(d.get("a", 0.0))
    if base < 1e-9:
        return None
    return 100 * d["delta"] / base, 100 * d["ci_low"] / base, 100 * d["ci_high"] / base


def _biggest_change(c: CompareData, metrics: list[str]) -> str:
    best = None
    for m in metrics:
        d = c.metrics[m]
        rel = _relative(d)
        if rel is None or findings.outcome(d) == "unclear":
            continue
        if best is None or abs(rel[0]) > abs(best[1]):
            best = (m, rel[0])
    if best is None:
        return f"{c.b.name} vs {c.a.name}: no key indicator changes clearly"
    m, pct = best
    verb = "raises" if pct > 0 else "lowers"
    d = c.metrics[m]
    if findings.is_share(m):  # a share's change in points, its relative change beside it
        points = findings.fmt_delta(m, abs(d["delta"]))[1:]
        size = f"{points} ({abs(pct):.0f}% of its level)"
    else:
        size = f"{abs(pct):.0f}%" if abs(pct) >= 1 else f"{abs(pct):.1f}%"
    label = _in_sentence(METRICS[m].label)
    the = "" if label[0].isupper() else "the "
    return (f"{c.b.name}'s biggest effect: it {verb} {the}{label} by {size} against {c.a.name}")


def fig_compare_panels(c: CompareData) -> Figure:
    """Key metrics over time, B against A, each titled with the paired difference."""
    fig = style.new_figure()
    axes = fig.subplots(2, 3)
    x = years(c.a.steps)
    for ax, metric in zip(axes.ravel(), COMPARE_PANELS, strict=True):
        colour = style.GROUP_COLOURS.get(METRICS[metric].group, "#222222")
        _band(ax, x, c.a.series[metric], style.REFERENCE_COLOUR, linestyle=style.REFERENCE_DASH)
        _band(ax, x, c.b.series[metric], colour)
        d = c.metrics[metric]
        phrase = ("no clear difference" if findings.outcome(d) == "unclear"
                  else f"{findings.fmt_delta(metric, d['delta'])} by {c.a.last_quarter}")
        ax.set_title(_two_lines(METRICS[metric].label, phrase, 30), fontsize=15)
        _format_axis(ax, metric, x)
        _from_zero(ax)
    fig.legend(handles=_ab_handles(c), loc="outside lower center", ncol=2, fontsize=16)
    _suptitle(fig, _biggest_change(c, COMPARE_PANELS))
    return fig


def fig_key_differences(c: CompareData) -> Figure:
    """Relative change (B - A, % of A) of the key metrics with 95% CIs, by group."""
    fig = style.new_figure()
    ax = fig.add_subplot()
    rows, skipped = [], []
    for m in KEY_METRICS:  # the key-differences chart
        rel = _relative(c.metrics[m])
        (rows.append((m, rel)) if rel is not None else skipped.append(m))
    counts = {"up": 0, "down": 0, "unclear": 0}
    for i, (m, (mid, lo, hi)) in enumerate(rows):
        colour = style.GROUP_COLOURS.get(METRICS[m].group, "#222222")
        clear = findings.outcome(c.metrics[m]) != "unclear"
        counts["up" if clear and mid > 0 else "down" if clear else "unclear"] += 1
        ax.errorbar(mid, i, xerr=[[mid - lo], [hi - mid]], fmt="o", color=colour, markersize=11,
                    capsize=6, elinewidth=3, markerfacecolor=colour if clear else "white",
                    markeredgewidth=2.5)
    ax.axvline(0, color="black", linewidth=1.3)
    ax.set_yticks(range(len(rows)), [METRICS[m].label for m, _ in rows], fontsize=14)
    for tick, (m, _) in zip(ax.get_yticklabels(), rows, strict=True):
        tick.set_color(style.GROUP_COLOURS.get(METRICS[m].group, "#222222"))
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"change with {c.b.name}, % of {c.a.name}'s value by {c.a.last_quarter}")
    note = "filled: 95% CI excludes zero; open: no clear change"
    if skipped:
        note += "; not shown (zero in reference): " + ", ".join(METRICS[m].label for m in skipped)
    ax.set_title(textwrap.fill(note, 110), fontweight="normal", fontsize=13)
    _suptitle(fig, f"{c.b.name} vs {c.a.name}: " + findings.count_phrase(counts))
    return fig


def _compare_makers(c: CompareData) -> dict[str, Callable[[], Figure]]:
    """How to make each figure of a comparison, by file stem, in reading order."""
    makers: dict[str, Callable[[], Figure]] = {
        "triple_win": lambda: fig_compare_triple_win(c),
        "gains_compare": lambda: fig_compare_gains(c),
        "timeseries_compare": lambda: fig_compare_panels(c),
        "key_differences": lambda: fig_key_differences(c)}
    assert tuple(makers) == COMPARE_FIGURES
    return makers


def compare_figure_set(c: CompareData) -> Iterator[tuple[str, Figure]]:
    """The figures of a comparison, as (file stem, figure), in reading order."""
    for stem, make in _compare_makers(c).items():
        yield stem, make()


def draw_figure(data: RunData | CompareData, stem: str, out: Path,
                dpi: int = style.DPI) -> list[Path]:
    """Draw and save one figure of a run or comparison (what a worker process does)."""
    makers = _compare_makers(data) if isinstance(data, CompareData) else _run_makers(data)
    with style.context():
        return style.save(makers[stem](), Path(out), stem, dpi=dpi)


# --------------------------------------------------------------------------------------------
# writing


def _write(figs: Iterator[tuple[str, Figure]], out: Path, dpi: int = style.DPI) -> list[Path]:
    paths: list[Path] = []
    while True:
        with style.context():
            try:
                stem, fig = next(figs)
            except StopIteration:
                break
            paths += style.save(fig, Path(out), stem, dpi=dpi)
    return paths


def run_figures(results: Any, out: Path, dpi: int = style.DPI) -> list[Path]:
    """Write the figures of a run (a :class:`RunData` or an in-memory ``RunResults``) into
    ``out``, as PNG and SVG; returns the paths. (:func:`sim.results.figures.draw` draws them
    on worker processes.)"""
    data = results if isinstance(results, RunData) else RunData.from_results(results)
    return _write(run_figure_set(data), out, dpi)


def compare_figures(c: Any, out: Path, dpi: int = style.DPI) -> list[Path]:
    """Write the figures of a comparison (a :class:`CompareData` or an in-memory
    ``Comparison``) into ``out``, as PNG and SVG; returns the paths."""
    data = c if isinstance(c, CompareData) else CompareData.from_comparison(c)
    return _write(compare_figure_set(data), out, dpi)


def plot_folder(folder: Path, out: Path | None = None) -> list[Path]:
    """Read a run or compare folder from disk and (re)draw its figures into ``out``
    (default ``folder/figures``)."""
    data = load(folder)
    out = Path(out) if out is not None else Path(folder) / "figures"
    if isinstance(data, CompareData):
        return compare_figures(data, out)
    return run_figures(data, out)
