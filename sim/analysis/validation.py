"""Validation of the ``historical`` scenario against the patterns of
:mod:`sim.analysis.patterns`, run by run.

:func:`run_history` runs the scenario in several *worlds*: parameter sets drawn from an accepted
ensemble (``triplewin calibrate``), or only the scenario's own values when there is no ensemble;
each world runs the same replication seeds. :func:`evaluate` reduces every run to one number per
pattern and reports the model's median, its 90% range (5th to 95th percentile over runs) and the
*coverage*: the share of runs within the pattern's tolerance. A pattern holds when its coverage
reaches :data:`~sim.analysis.patterns.HOLD_LEVEL`; a mean inside the tolerance with most runs
outside does not hold. Failures are reported as failures.

:func:`write_report` writes ``report.md``, ``validation.json`` (the shape of
:func:`report_json`), ``trace.md`` (the record of what was fitted to what, what was never used
to fit, what failed, and how the ensemble changes verdicts) and ``figures/``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..scenario.params import START_YEAR
from ..scenario.schema import Scenario
from ..streams import replication_seeds
from .patterns import (
    FITTED,
    HOLD_LEVEL,
    INPUT_FACTS,
    PATTERNS,
    SCALES,
    Pattern,
    fitted_map,
    missing_metrics,
    pattern_values,
    series_of,
)

Progress = Callable[[int, int], None]


@dataclass
class HistoryRuns:
    """Runs of the historical scenario: worlds x replication seeds (world-major order)."""

    scenario: Scenario
    worlds: list[dict[str, float]]
    seeds: list[int]
    histories: list[list[dict[str, float]]]
    ensemble: str | None = None
    ensemble_manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def n_runs(self) -> int:
        return len(self.histories)

    def series(self) -> dict[str, np.ndarray]:
        """Every metric as (runs x steps)."""
        return series_of(self.histories)


def run_history(scenario: Scenario, *, ensemble: str | Path | None = None,
                worlds: int | None = None, replications: int | None = None, workers: int = 1,
                progress: Progress | None = None, hold: tuple[str, ...] = (),
                batch: int | None = None) -> HistoryRuns:
    """Run the scenario in each world and replication.

    With an ensemble: ``worlds`` parameter sets (default 16) drawn by weight, ``replications``
    seeds each (default 2). Without: the scenario's own values, ``replications`` seeds (default:
    the scenario's). ``hold`` names scheduled parameters to hold at their first value (the
    runs without that part of the history). ``batch``: runs per pass of the batched engine
    (``None``: automatic; the same numbers at any value)."""
    if hold:
        scenario = hold_inputs(scenario, hold)
    from ..experiments.runner import histories_of
    from .calibration.ensemble import draw_worlds, read_ensemble, with_world

    man: dict[str, Any] = {}
    if ensemble is not None:
        frame, man = read_ensemble(ensemble)
        draws = draw_worlds(frame, worlds or 16, scenario.run.seed)
        reps = replications or 2
    else:
        draws = [{}]
        reps = replications or scenario.run.replications
    seeds = replication_seeds(scenario.run.seed, reps)
    scen = [with_world(scenario, w) for w in draws]
    jobs = [(sc, s) for sc in scen for s in seeds]
    hist = histories_of(jobs, workers=workers, progress=progress, batch=batch)
    return HistoryRuns(scenario, draws, seeds, hist, str(ensemble) if ensemble else None, man)


# --------------------------------------------------------------------------------------------
# evaluation


def hold_inputs(scenario: Scenario, names: tuple[str, ...] | list[str]) -> Scenario:
    """A copy of ``scenario`` in which each named scheduled parameter keeps its first value for
    the whole run (the scheduled history taken out)."""
    from ..scenario.schema import value_at
    from ..scenario.params import ALL

    data = scenario.model_dump()
    for name in names:
        for section in ("world", "levers"):
            v = data[section].get(name)
            if isinstance(v, dict):
                data[section][name] = value_at(v, 0, ALL[name].default)
    return Scenario.model_validate(data)


def inputs_to_hold(scenario: Scenario, patterns: tuple[Pattern, ...] = PATTERNS) -> tuple[str, ...]:
    """The scheduled parameters that held-out patterns lean on."""
    sched = scheduled_inputs(scenario)
    return tuple(dict.fromkeys(k for p in patterns if p.role == "validation"
                               for k in p.leans_on if k in sched))


def scheduled_inputs(scenario: Scenario) -> dict[str, dict[int, float]]:
    """Every parameter the scenario sets as a schedule (history put in, not produced)."""
    out = {}
    for section in (scenario.world_values(), scenario.lever_values()):
        out.update({k: dict(v) for k, v in section.items() if isinstance(v, dict)})
    return out


def _q(v: np.ndarray, q: float) -> float | None:
    v = v[np.isfinite(v)]
    return float(np.percentile(v, q)) if v.size else None


def evaluate(series: dict[str, np.ndarray], patterns: tuple[Pattern, ...] = PATTERNS, *,
             scheduled: dict[str, Any] | None = None, hold_level: float = HOLD_LEVEL
             ) -> list[dict[str, Any]]:
    """One row per pattern: target, tolerance, median, 90% range, coverage, holds.

    Coverage is the share of runs whose own value lies within the tolerance (a run whose value
    is undefined counts as outside); the pattern holds when coverage >= ``hold_level``. A pattern
    that reads a metric the model does not report is listed with ``measurable`` false and does
    not hold."""
    scheduled = scheduled or {}
    values = pattern_values(patterns, series)
    rows = []
    for p in patterns:
        v = values[p.name]
        lo, hi = p.interval
        row: dict[str, Any] = {
            "name": p.name, "role": p.role, "kind": p.kind, "target": p.target,
            "tolerance": p.tolerance, "interval": [lo, hi], "unit": p.unit,
            "title": p.title, "source": p.source, "figures": p.figures,
            "measured_by": p.measure.text(), "scale": _scale(p), "note": p.note,
            "leans_on_scheduled": [k for k in p.leans_on if k in scheduled],
        }
        if v is None:
            row.update(median=None, range=[None, None], coverage=0.0, holds=False, n_runs=0,
                       measurable=False, missing=missing_metrics(p, series))
        else:
            cov = float(np.mean(p.within(v))) if v.size else 0.0
            row.update(median=_q(v, 50), range=[_q(v, 5), _q(v, 95)], coverage=cov,
                       holds=bool(cov >= hold_level), n_runs=int(v.size), measurable=True,
                       missing=[])
        rows.append(row)
    return rows


def _scale(p: Pattern) -> dict[str, Any] | None:
    if not p.measure.scale:
        return None
    s = SCALES[p.measure.scale]
    return {"name": s.name, "value": s.value, "unit": s.unit, "source": s.source}


def report_json(runs: HistoryRuns, rows: list[dict[str, Any]],
                verdicts: list[dict[str, Any]] | None = None,
                held: HistoryRuns | None = None) -> dict[str, Any]:
    """``{"patterns": [...], "calibration": {"ensemble", "parameters"}, ...}``.

    With ``held`` (the same runs with the scheduled inputs held at their first value), each
    held-out pattern that leans on a scheduled input gets ``without_scheduled_inputs``: its
    median, coverage and verdict in those runs."""
    sc = runs.scenario
    held_names: list[str] = []
    if held is not None:
        held_names = [k for k in scheduled_inputs(sc) if k not in scheduled_inputs(held.scenario)]
        by_name = {r["name"]: r for r in evaluate(held.series())}
        for r in rows:
            if r["role"] == "validation" and r["leans_on_scheduled"]:
                h = by_name[r["name"]]
                r["without_scheduled_inputs"] = {
                    "held": [k for k in r["leans_on_scheduled"] if k in held_names],
                    "median": h["median"], "range": h["range"], "coverage": h["coverage"],
                    "holds": h["holds"]}
    fitted = runs.ensemble_manifest.get("fitted") or fitted_map(FITTED)
    held_rows = [r for r in rows if r["role"] == "validation"]
    cal = [r for r in rows if r["role"] == "calibration"]
    sched = scheduled_inputs(sc)
    return {
        "scenario": sc.name,
        "seeds": runs.seeds,
        "worlds": len(runs.worlds),
        "runs": runs.n_runs,
        "hold_level": HOLD_LEVEL,
        "patterns": rows,
        "summary": {"validation": {"holds": sum(r["holds"] for r in held_rows),
                                   "of": len(held_rows)},
                    "calibration": {"holds": sum(r["holds"] for r in cal), "of": len(cal)}},
        "calibration": {
            "ensemble": runs.ensemble,
            "parameters": fitted,
            "note": (f"{len(runs.worlds)} parameter sets drawn by weight from the ensemble"
                     if runs.ensemble else
                     "no ensemble: the scenario's own values (defaults set by hand against the "
                     "same calibration patterns, docs/ODD.md section 8)"),
        },
        "inputs": {
            "scheduled": {k: {str(s): x for s, x in v.items()} for k, v in sched.items()},
            "facts_used_as_inputs": [vars(f) for f in INPUT_FACTS],
        },
        "produced_by_model": [r["name"] for r in held_rows if not r["leans_on_scheduled"]],
        "held_inputs": held_names,
        "responds_to_scheduled_inputs": {r["name"]: r["leans_on_scheduled"] for r in held_rows
                                         if r["leans_on_scheduled"]},
        "verdicts": verdicts or [],
    }


# --------------------------------------------------------------------------------------------
# how the ensemble changes verdicts


def ensemble_verdicts(pairs: list[tuple[Scenario, Scenario]], ensemble: str | Path, *,
                      worlds: int = 8, replications: int = 3, workers: int = 1,
                      progress: Progress | None = None,
                      batch: int | None = None) -> list[dict[str, Any]]:
    """Per pair (A, B): the verdict at the scenarios' own values and the share of ensemble
    worlds in which each group gains (each world a paired comparison with the same seeds);
    ``batch`` runs per pass of the batched engine (``None``: automatic)."""
    from ..experiments.compare import GAIN_OF, paired, verdict
    from ..experiments.runner import RunResults, histories_of
    from .calibration.ensemble import draw_worlds, read_ensemble, with_world

    frame, _ = read_ensemble(ensemble)
    out = []
    for a, b in pairs:
        draws = [{}, *draw_worlds(frame, worlds, a.run.seed)]
        seeds = replication_seeds(a.run.seed, replications)
        jobs = [(with_world(sc, w), s) for w in draws for sc in (a, b) for s in seeds]
        hist = histories_of(jobs, workers=workers, progress=progress, batch=batch)
        per_world = []
        for i in range(len(draws)):
            block = hist[i * 2 * replications:(i + 1) * 2 * replications]
            ra = RunResults(scenario=a, seeds=seeds, histories=block[:replications])
            rb = RunResults(scenario=b, seeds=seeds, histories=block[replications:])
            d = paired(ra, rb)
            per_world.append((verdict(d), {g: d[m]["delta"] for g, m in GAIN_OF.items()}))
        default_v, default_d = per_world[0]
        ens = per_world[1:]
        groups = [*GAIN_OF, "triple_win"]
        out.append({
            "a": a.name, "b": b.name, "replications": replications, "worlds": worlds,
            "default": {"verdict": default_v, "delta": default_d},
            "ensemble_share": {g: float(np.mean([v[g] for v, _ in ens])) for g in groups},
            "ensemble_delta_median": {g: float(np.median([d[g] for _, d in ens]))
                                      for g in GAIN_OF},
        })
    return out


# --------------------------------------------------------------------------------------------
# the report


def _fmt(x: float | None) -> str:
    if x is None:
        return "n/a"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}"


def _range(r: dict[str, Any]) -> str:
    lo, hi = r["range"]
    return f"{_fmt(r['median'])} ({_fmt(lo)} to {_fmt(hi)})"


def _table(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| pattern | kind | target | tolerance | model median (90% range) | coverage | "
             "result |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lo, hi = r["interval"]
        res = "holds" if r["holds"] else ("**not measurable**" if not r["measurable"]
                                          else "**FAILS**")
        lines.append(f"| {r['title']} (`{r['name']}`) | {r['kind']} | {_fmt(r['target'])} "
                     f"{r['unit']} | [{_fmt(lo)}, {_fmt(hi)}] | {_range(r)} | "
                     f"{r['coverage']:.0%} | {res} |")
    return lines


def _without(r: dict[str, Any]) -> str:
    """What a pattern does without the scheduled inputs it leans on, in words."""
    w = r.get("without_scheduled_inputs")
    if w is None:
        return "not run without them."
    now = "holds" if r["holds"] else "fails"
    then = "holds" if w["holds"] else "fails"
    verdict = ("the model produces it without that history" if r["holds"] and w["holds"] else
               "it comes with the scheduled input" if r["holds"] else
               "it fails either way" if not w["holds"] else "it holds only without the input")
    return (f"{now} with them (coverage {r['coverage']:.0%}), {then} without them (median "
            f"{_fmt(w['median'])}, coverage {w['coverage']:.0%}): {verdict}.")


def report_markdown(data: dict[str, Any], figures: list[str]) -> str:
    """The validation report as Markdown (from :func:`report_json`'s data)."""
    rows = data["patterns"]
    held = [r for r in rows if r["role"] == "validation"]
    cal = [r for r in rows if r["role"] == "calibration"]
    s = data["summary"]
    c = data["calibration"]
    lines = [
        f"# Validation against history: `{data['scenario']}`",
        "",
        f"{data['runs']} runs of 40 quarters from {START_YEAR}Q1: {data['worlds']} "
        f"world{'s' if data['worlds'] != 1 else ''} x {len(data['seeds'])} replication seeds. "
        f"{c['note'][:1].upper() + c['note'][1:]}"
        + (f" (`{c['ensemble']}`)." if c["ensemble"] else "."),
        "",
        "A run is within tolerance when its own value lies in target +- tolerance. **Coverage** "
        "is the share of runs within tolerance; a pattern **holds** when its coverage is at "
        f"least {data['hold_level']:.0%}. The median and the 90% range (5th to 95th "
        "percentile) are over runs.",
        "",
        f"**Held-out patterns (never used to fit anything): {s['validation']['holds']} of "
        f"{s['validation']['of']} hold.**",
        "",
        *_table(held),
        "",
        f"**Calibration patterns (used to fit): {s['calibration']['holds']} of "
        f"{s['calibration']['of']} hold.** These show the fit, not a test.",
        "",
        *_table(cal),
        "",
        "## What fails",
        "",
    ]
    fails = [r for r in rows if not r["holds"]]
    if fails:
        for r in fails:
            why = (f"the model does not report {', '.join(r['missing'])}" if not r["measurable"]
                   else f"median {_fmt(r['median'])} against {_fmt(r['target'])} +- "
                        f"{_fmt(r['tolerance'])}; {r['coverage']:.0%} of runs within")
            lines.append(f"- **{r['title']}** ({r['role']}): {why}.")
    else:
        lines.append("Every pattern holds.")
    lines += ["", "## Inputs and what the model produces by itself", "",
              "Scheduled in the scenario (history put in, not a result):", ""]
    sched = data["inputs"]["scheduled"]
    lines += [f"- `{k}`: {', '.join(f'{st}: {v:g}' for st, v in s_.items())}"
              for k, s_ in sched.items()] or ["- nothing"]
    lines += ["", "Held-out patterns that respond to a scheduled input, and whether they hold "
              "when those inputs are held at their 2015 value for the whole run (the same "
              "worlds and seeds):", ""]
    rows_by = {r["name"]: r for r in rows}
    for k, v in data["responds_to_scheduled_inputs"].items():
        lines.append(f"- `{k}` (leans on {', '.join(f'`{x}`' for x in v)}): "
                     + _without(rows_by[k]))
    if not data["responds_to_scheduled_inputs"]:
        lines.append("- none")
    lines += ["", "Held-out patterns the model must produce with no scheduled input bearing on "
              "them: " + (", ".join(f"`{n}`" for n in data["produced_by_model"]) or "none")
              + ".", "", "Public figures used as inputs, so never tested against:", ""]
    lines += [f"- {f['fact']} ({f['source']}): {f['used_as']}."
              for f in data["inputs"]["facts_used_as_inputs"]]
    lines += ["", "## How each pattern is measured", ""]
    for r in rows:
        scale = (f" Scale: `{r['scale']['name']}` = {r['scale']['value']:g} "
                 f"({r['scale']['unit']}; {r['scale']['source']})." if r["scale"] else "")
        note = f" {r['note']}" if r["note"] else ""
        lines.append(f"- **{r['title']}** (`{r['name']}`, {r['role']}): {r['measured_by']}. "
                     f"Source: {r['source']}: {r['figures']}.{scale}{note}")
    lines += ["", "## Figures", ""]
    lines += [f"![{Path(f).stem}]({f})" for f in figures]
    lines.append("")
    return "\n".join(lines)


def trace_markdown(data: dict[str, Any], manifest: dict[str, Any]) -> str:
    """The TRACE-style record: what was fitted to what, what was held out, what failed, how the
    ensemble changes the verdicts."""
    rows = {r["name"]: r for r in data["patterns"]}
    c = data["calibration"]
    lines = [
        "# Calibration and validation record",
        "",
        "A record in the spirit of TRACE (Grimm et al. 2014, *Ecological Modelling* 280): what "
        "the model was fitted to, what was kept out of the fit, and what the held-out "
        "comparison shows. Generated by `make validation` from one calibration run; every "
        "number below is in `validation.json` and `calibration/manifest.json`.",
        "",
        "## Model output corroboration: the calibration",
        "",
    ]
    if not c["ensemble"]:
        lines += ["No ensemble was given: the report compares the scenario's own values. The "
                  "defaults were set by hand against the calibration patterns below "
                  "(docs/ODD.md section 8).", ""]
    else:
        gens = manifest.get("generations", [])
        lines += [
            f"Method: {manifest.get('method', 'ABC-SMC')}. Distance: "
            f"{manifest.get('distance', '')}. Budget {manifest.get('budget')} runs, "
            f"{manifest.get('runs')} runs in {len(gens)} complete generation"
            f"{'s' if len(gens) != 1 else ''} of {manifest.get('population')} particles, "
            f"stopped by the {manifest.get('stopped_by')}; last threshold "
            f"{gens[-1]['epsilon']:.3g} (1 = every pattern at the edge of its tolerance on "
            f"average); effective sample size {manifest.get('effective_sample_size', 0):.1f}. "
            f"Library versions: {', '.join(f'{k} {v}' for k, v in manifest.get('versions', {}).items())}."
            if gens else "No complete generation.",
            "",
            "![prior and posterior](calibration/figures/prior_posterior.png)",
            "",
        ]
    lines += ["| parameter | fitted to | prior | default | posterior median (90%) |",
              "|---|---|---|---|---|"]
    mparams = manifest.get("parameters", {})
    for name, pats in c["parameters"].items():
        mp = mparams.get(name)
        if mp:
            po = mp["posterior"]
            prior = f"[{mp['prior'][0]:g}, {mp['prior'][1]:g}]"
            post = f"{po['median']:.3g} ({po['p5']:.3g} to {po['p95']:.3g})"
            default = f"{mp['default']:g}"
        else:
            prior, post, default = "by hand", "n/a", "n/a"
        lines.append(f"| `{name}` | {', '.join(f'`{p}`' for p in pats)} | {prior} | {default} | "
                     f"{post} |")
    fit = manifest.get("pattern_fit", {})
    if fit:
        lines += ["", "Fit of the accepted ensemble to its own calibration patterns (weighted "
                  "over the last generation):", "",
                  "| calibration pattern | target +- tolerance | ensemble mean | share within |",
                  "|---|---|---|---|"]
        for k, f in fit.items():
            lines.append(f"| `{k}` | {_fmt(f['target'])} +- {_fmt(f['tolerance'])} | "
                         f"{_fmt(f['weighted_mean'])} | {f['within_tolerance']:.0%} |")
    held = [r for r in data["patterns"] if r["role"] == "validation"]
    lines += ["", "## Patterns never used to fit anything", "",
              ", ".join(f"`{r['name']}`" for r in held) + ".", "",
              "## Model output corroboration: the held-out patterns", "",
              f"{data['summary']['validation']['holds']} of {data['summary']['validation']['of']} "
              f"hold (coverage >= {data['hold_level']:.0%} of {data['runs']} runs).", ""]
    for r in held:
        state = "holds" if r["holds"] else "**fails**"
        lean = (f" Responds to scheduled input ({', '.join(r['leans_on_scheduled'])}): "
                f"{_without(r)}"
                if r["leans_on_scheduled"] else " No scheduled input bears on it directly.")
        lines.append(f"- `{r['name']}` ({r['kind']}) {state}: target {_fmt(r['target'])} +- "
                     f"{_fmt(r['tolerance'])} {r['unit']}, model {_range(r)}, coverage "
                     f"{r['coverage']:.0%}.{lean}")
    lines += ["", "## What failed", ""]
    fails = [r for r in data["patterns"] if not r["holds"]]
    lines += ([f"- `{r['name']}` ({r['role']}): median {_fmt(r['median'])}, target "
               f"{_fmt(r['target'])} +- {_fmt(r['tolerance'])}, coverage {r['coverage']:.0%}."
               for r in fails] or ["Nothing failed."])
    lines += ["", "## How the ensemble changes scenario verdicts", ""]
    if data["verdicts"]:
        lines += ["Each pair: the verdict at the scenarios' own values (default world), and the "
                  "share of ensemble worlds in which each group gains (95% CI of its paired gain "
                  "difference above zero, same seeds in A and B).", "",
                  "| A -> B | group gains | default world | share of ensemble worlds | median "
                  "gain difference (ensemble) |", "|---|---|---|---|---|"]
        for v in data["verdicts"]:
            for g in ("developed", "developing", "china", "triple_win"):
                med = v["ensemble_delta_median"].get(g)
                lines.append(f"| {v['a']} -> {v['b']} | {g} | "
                             f"{'yes' if v['default']['verdict'][g] else 'no'} | "
                             f"{v['ensemble_share'][g]:.0%} of {v['worlds']} | "
                             f"{_fmt(med) if med is not None else ''} |")
    else:
        lines.append("Not computed in this run (no ensemble, or no scenario pair given).")
    lines.append("")
    return "\n".join(lines)


def validation_figures(series: dict[str, np.ndarray], out: Path, *, n_runs: int,
                       dpi: int = 150) -> list[Path]:
    """Model bands over runs with the historical figures drawn in."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plotting import style
    from ..plotting.figures import _band, _years

    style.apply()
    out.mkdir(parents=True, exist_ok=True)
    steps = next(iter(series.values())).shape[1]
    x = _years(steps)
    ms = SCALES["market_scale"].value
    panels = [
        ("cn_contract_share", 1.0, "Chinese share of international contracts",
         {2013: 0.131, 2018: 0.244, 2019: 0.254, 2022: 0.275, 2023: 0.246}, "ENR Top-250"),
        ("cn_developed_share", 1.0, "Investment in developed hosts (share)",
         {2015: 0.52, 2016: 0.65, 2017: 0.78, 2018: 0.43, 2019: 0.38}, "AEI CGIT"),
        ("tenders_awarded_value", ms, "Awarded tender value, USD bn a year",
         {2015: 521.6, 2016: 468.1, 2017: 482.4, 2018: 487.3, 2019: 473.1}, "ENR Top-250 total"),
        ("cn_overseas_revenue", ms, "Chinese overseas contracting revenue, USD bn a year",
         {2016: 159.4}, "MOFCOM"),
        ("cn_outward_investment", SCALES["odi_coverage"].value,
         "Chinese outward investment / odi_coverage, USD bn a year",
         {2015: 145.7, 2016: 196.2, 2017: 158.3, 2018: 143.0, 2019: 136.9}, "MOFCOM ODI"),
        ("cn_utilization", 1.0, "Overcapacity-sector utilisation at home", {2015: 0.69},
         "State Council; trade press"),
    ]
    panels = [p for p in panels if p[0] in series]
    cols = 2
    rows_n = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(13, 4.2 * rows_n), squeeze=False)
    for ax, (metric, scale, title, pts, src) in zip(axes.ravel(), panels, strict=False):
        _band(ax, x, series[metric] / scale, style.GROUP_COLOURS["china"], "model (5-95%)")
        ax.scatter([k + 0.875 for k in pts], list(pts.values()), color="black", zorder=5, s=40,
                   label=f"history: {src}")
        ax.set_title(title, fontsize=12)
        ax.set_ylim(bottom=0)
        ax.legend(loc="lower right", fontsize=9)
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    fig.suptitle(f"Historical scenario against the record ({n_runs} runs)", fontsize=14)
    fig.tight_layout()
    p = out / "validation_patterns.png"
    fig.savefig(p, dpi=dpi)
    plt.close(fig)
    paths = [p]
    if "dg_lending" in series and "dg_distress_share" in series:
        fig, ax = plt.subplots(figsize=(10, 5))
        for m, colour, label in (("dg_lending", "china", "Chinese project lending"),
                                 ("dg_distress_share", "developing", "distress share")):
            v = series[m]
            _band(ax, x, v / max(float(np.nanmax(v)), 1e-9), style.GROUP_COLOURS[colour],
                  f"{label} (scaled to its maximum)")
        ax.set_title("Lending and payment distress in developing hosts")
        ax.legend(loc="lower right")
        fig.tight_layout()
        q = out / "validation_distress.png"
        fig.savefig(q, dpi=dpi)
        plt.close(fig)
        paths.append(q)
    return paths


def write_report(runs: HistoryRuns, out_dir: Path, *, verdicts: list[dict[str, Any]] | None = None,
                 held: HistoryRuns | None = None, plots: bool = True
                 ) -> tuple[Path, dict[str, Any]]:
    """Write report.md, validation.json, trace.md, figures/ (and, with an ensemble, a copy of it
    with its manifest and figures under calibration/) atomically into ``out_dir``."""
    from ..safeio import atomic_dir, commit_dir

    out_dir = Path(out_dir)
    if out_dir.exists():
        raise FileExistsError(f"{out_dir} exists; results never overwrite results")
    series = runs.series()
    rows = evaluate(series, scheduled=scheduled_inputs(runs.scenario))
    data = report_json(runs, rows, verdicts, held)
    if runs.ensemble:  # the report folder keeps a copy of the ensemble it used
        data["calibration"]["ensemble"] = "calibration/ensemble.parquet"
        data["calibration"]["ensemble_source"] = runs.ensemble
    tmp = atomic_dir(out_dir)
    try:
        rel: list[str] = []
        if plots:
            figs = validation_figures(series, tmp / "figures", n_runs=runs.n_runs)
            rel = [f"figures/{f.name}" for f in figs]
        if runs.ensemble:
            src = Path(runs.ensemble)
            dst = tmp / "calibration"
            dst.mkdir()
            shutil.copy2(src, dst / "ensemble.parquet")
            if (src.parent / "manifest.json").is_file():
                shutil.copy2(src.parent / "manifest.json", dst / "manifest.json")
            if (src.parent / "figures").is_dir():
                shutil.copytree(src.parent / "figures", dst / "figures")
        (tmp / "report.md").write_text(report_markdown(data, rel), encoding="utf-8")
        (tmp / "trace.md").write_text(trace_markdown(data, runs.ensemble_manifest),
                                      encoding="utf-8")
        (tmp / "validation.json").write_text(json.dumps(data, indent=2) + "\n",
                                             encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return commit_dir(tmp, out_dir), data
