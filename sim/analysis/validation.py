"""Validation of the ``historical`` scenario against stylised facts (DESIGN.md section 6,
FACTS.md "Patterns for the historical validation").

Each :class:`Pattern` names its source, the target, the tolerance used and how the model's
output is reduced to one number per replication; the report sets the model's mean and 90% range
beside the target and says pass or fail. Failures are reported, not hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..experiments.runner import RunResults
from ..scenario.params import START_YEAR


def year_end(results: RunResults, metric: str, year: int) -> np.ndarray:
    """Per-replication value at the last quarter of ``year`` (trailing-year metrics = annual)."""
    step = 4 * (year - START_YEAR) + 3
    return results.series(metric)[:, min(step, results.scenario.run.steps - 1)]


def years_mean(results: RunResults, metric: str, years: range) -> np.ndarray:
    return np.mean([year_end(results, metric, y) for y in years], axis=0)


@dataclass(frozen=True)
class Pattern:
    """One stylised fact, how the model is measured against it, and the tolerance."""

    key: str
    title: str
    source: str
    target: str
    low: float
    high: float
    measure: Callable[[RunResults], np.ndarray]
    how: str


def _peak_year(results: RunResults, metric: str, years: range) -> np.ndarray:
    vals = np.array([year_end(results, metric, y) for y in years])
    return np.array(list(years))[vals.argmax(axis=0)].astype(float)


PATTERNS: tuple[Pattern, ...] = (
    Pattern("contract_share_2015", "Chinese share of international contracts, 2015",
            "ENR Top-250 via CHINCA (FACTS F9)", "about 13% (13.1% in 2013)", 0.08, 0.18,
            lambda r: year_end(r, "cn_contract_share", 2015),
            "cn_contract_share at 2015Q4 (trailing year)"),
    Pattern("contract_share_2018_19", "Chinese share of international contracts, 2018-19",
            "ENR Top-250 via CHINCA (FACTS F9)", "about 25% (24.4%, 25.4%)", 0.20, 0.30,
            lambda r: years_mean(r, "cn_contract_share", range(2018, 2020)),
            "mean of cn_contract_share at 2018Q4 and 2019Q4"),
    Pattern("contract_share_levels_off", "Chinese contract share levels off after 2019",
            "ENR via CHINCA (FACTS F9): 25.4% (2019), 27.5% (2022), 24.6% (2023)",
            "change 2019-21 to 2022-24 within +-5 points", -0.05, 0.05,
            lambda r: years_mean(r, "cn_contract_share", range(2022, 2025))
            - years_mean(r, "cn_contract_share", range(2019, 2022)),
            "mean 2022-24 minus mean 2019-21 of cn_contract_share"),
    Pattern("developed_share_peak", "Developed-host share of Chinese investment at its 2016-17 "
            "peak", "AEI China Global Investment Tracker (FACTS F2)", "65% (2016), 78% (2017)",
            0.60, 0.85, lambda r: np.maximum(year_end(r, "cn_developed_share", 2016),
                                             year_end(r, "cn_developed_share", 2017)),
            "higher of cn_developed_share at 2016Q4 and 2017Q4"),
    Pattern("developed_share_after_screening", "Developed-host share of Chinese investment "
            "after screening", "AEI CGIT (F2); Rhodium (F4); FIRRMA, EU 2019/452 (F18)",
            "43% (2018), 38% (2019)", 0.30, 0.50,
            lambda r: years_mean(r, "cn_developed_share", range(2019, 2022)),
            "mean of cn_developed_share at 2019Q4-2021Q4"),
    Pattern("developed_share_peak_before_2019", "The developed-host share peaks before screening "
            "bites", "AEI CGIT (F2), F18", "peak in 2016-17, before 2018", 2015, 2017,
            lambda r: _peak_year(r, "cn_developed_share", range(2015, 2025)),
            "year of the highest cn_developed_share, 2015-2024"),
    Pattern("utilization_2015", "Overcapacity-sector utilisation at the start",
            "State Council 2013; trade press 2015-16 (F6, F7)", "0.65-0.74", 0.65, 0.74,
            lambda r: year_end(r, "cn_utilization", 2015),
            "cn_utilization at 2015Q4"),
    Pattern("overcapacity_absorbed", "Overseas activity absorbs only a small part of "
            "overcapacity", "MIIT (F8); FACTS pattern 3", "relocated share small (< 10%)",
            0.0, 0.10, lambda r: year_end(r, "cn_relocated_share", 2024),
            "cn_relocated_share at 2024Q4"),
    Pattern("price_discount", "Chinese winning bids in developed markets below rivals",
            "MassLive, MBTA 2014 (F11)", "21-48% below rivals", 0.20, 0.50,
            lambda r: years_mean(r, "dv_cn_discount", range(2015, 2025)),
            "mean of dv_cn_discount, 2015-2024 year ends"),
    Pattern("distress_after_lending", "Payment distress peaks after the lending peak",
            "Rhodium 2019; AidData 2021 (F19, F20)", "distress peak year - lending peak year >= 0",
            0, 10, lambda r: _peak_year(r, "dg_distress_share", range(2016, 2025))
            - _peak_year(r, "dg_lending", range(2016, 2025)),
            "peak year of dg_distress_share minus peak year of dg_lending (2016-2024)"),
)


def evaluate(results: RunResults) -> list[dict[str, Any]]:
    """One row per pattern: model mean, 5-95% range, target, tolerance and pass/fail.

    A pattern passes when the model's mean over replications lies within [low, high].
    """
    rows = []
    for p in PATTERNS:
        v = p.measure(results)
        mean = float(np.mean(v))
        lo, hi = (float(x) for x in np.percentile(v, [5, 95]))
        rows.append({"key": p.key, "title": p.title, "source": p.source, "target": p.target,
                     "tolerance": [p.low, p.high], "how": p.how, "model_mean": mean,
                     "model_p5": lo, "model_p95": hi, "pass": bool(p.low <= mean <= p.high)})
    return rows


def _fmt(x: float) -> str:
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"


def report_markdown(results: RunResults, rows: list[dict[str, Any]],
                    figures: list[str]) -> str:
    """The validation report as Markdown."""
    n_pass = sum(r["pass"] for r in rows)
    sc = results.scenario
    lines = [
        f"# Validation against history: `{sc.name}`",
        "",
        f"{len(results.seeds)} replications of {sc.run.steps} quarters from {START_YEAR}Q1, root "
        f"seed {sc.run.seed}. A pattern passes when the mean over replications lies inside the "
        "tolerance; the 5-95% range shows the spread across replications.",
        "",
        f"**{n_pass} of {len(rows)} patterns pass.**",
        "",
        "| pattern | source | target | tolerance | model mean (5-95%) | result |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lo, hi = r["tolerance"]
        lines.append(
            f"| {r['title']} | {r['source']} | {r['target']} | [{_fmt(lo)}, {_fmt(hi)}] | "
            f"{_fmt(r['model_mean'])} ({_fmt(r['model_p5'])} to {_fmt(r['model_p95'])}) | "
            f"{'pass' if r['pass'] else '**FAIL**'} |")
    lines += ["", "## How each pattern is measured", ""]
    lines += [f"- **{r['title']}**: {r['how']}." for r in rows]
    fails = [r for r in rows if not r["pass"]]
    lines += ["", "## What does not match", ""]
    if fails:
        lines += [f"- {r['title']}: model {_fmt(r['model_mean'])}, target {r['target']}."
                  for r in fails]
    else:
        lines.append("Every pattern is within its tolerance.")
    lines += ["", "## Figures", ""]
    lines += [f"![{Path(f).stem}]({f})" for f in figures]
    lines.append("")
    return "\n".join(lines)


def validation_figures(results: RunResults, out: Path, dpi: int = 200) -> list[Path]:
    """Model time series with the historical targets drawn in."""
    import matplotlib.pyplot as plt

    from ..plotting import style
    from ..plotting.figures import _band, _years

    style.apply()
    out.mkdir(parents=True, exist_ok=True)
    x = _years(results.scenario.run.steps)
    panels = [
        ("cn_contract_share", "Chinese share of international contracts",
         {2013: 0.131, 2018: 0.244, 2019: 0.254, 2022: 0.275, 2023: 0.246}, "ENR Top-250"),
        ("cn_developed_share", "Investment in developed hosts (share)",
         {2015: 0.52, 2016: 0.65, 2017: 0.78, 2018: 0.43, 2019: 0.38}, "AEI CGIT"),
        ("cn_utilization", "Overcapacity-sector utilisation at home",
         {2015: 0.69}, "State Council; trade press"),
        ("dv_cn_discount", "Chinese discount in developed markets",
         {2014: 0.21, 2014.01: 0.48}, "MBTA bids 2014"),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5))
    for ax, (metric, title, pts, src) in zip(axes.ravel(), panels, strict=True):
        _band(ax, x, results.series(metric), style.GROUP_COLOURS["china"], "model")
        ax.scatter([k + 0.875 for k in pts], list(pts.values()), color="black", zorder=5,
                   s=45, label=f"history: {src}")
        ax.set_title(title)
        ax.set_ylim(bottom=0)
        ax.legend(loc="lower right", fontsize=10)
    fig.suptitle(f"Historical scenario against the record ({len(results.seeds)} replications)",
                 fontsize=15)
    fig.tight_layout()
    p = out / "validation_patterns.png"
    fig.savefig(p, dpi=dpi)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(10, 5.5))
    _band(ax, x, results.series("dg_lending") / max(results.series("dg_lending").max(), 1e-9),
          style.GROUP_COLOURS["china"], "Chinese project lending (scaled to its maximum)")
    _band(ax, x, results.series("dg_distress_share")
          / max(results.series("dg_distress_share").max(), 1e-9),
          style.GROUP_COLOURS["developing"], "distress share (scaled to its maximum)")
    ax.set_title("Lending and payment distress in developing hosts")
    ax.legend(loc="lower right")
    fig.tight_layout()
    q = out / "validation_distress.png"
    fig.savefig(q, dpi=dpi)
    plt.close(fig)
    return [p, q]


def write_report(results: RunResults, out_dir: Path) -> tuple[Path, list[dict[str, Any]]]:
    """Write report.md, validation.json and figures atomically into ``out_dir``."""
    import json
    import shutil

    from ..experiments.runner import atomic_dir, commit_dir

    out_dir = Path(out_dir)
    if out_dir.exists():
        raise FileExistsError(f"{out_dir} exists; results never overwrite results")
    rows = evaluate(results)
    tmp = atomic_dir(out_dir)
    try:
        figs = validation_figures(results, tmp / "figures")
        rel = [f"figures/{f.name}" for f in figs]
        (tmp / "report.md").write_text(report_markdown(results, rows, rel))
        (tmp / "validation.json").write_text(json.dumps(
            {"scenario": results.scenario.name, "seeds": results.seeds, "patterns": rows},
            indent=2) + "\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return commit_dir(tmp, out_dir), rows
