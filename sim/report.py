"""``triplewin report``: one self-contained, printable HTML file from a results folder.

The report reads the folder's files only (through :mod:`sim.plotting.data`), draws the same
figures as ``triplewin plot`` and embeds them as SVG data URIs, so the file needs nothing else: no
network, no image files beside it. It holds the scenario's description, the verdict (for a
comparison), the lever settings, the key tables and the figures, with print CSS so that it prints
cleanly on A4 or Letter.
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path
from typing import Any

from .groups import GROUPS as VERDICT_GROUPS
from .groups import METRIC_GROUPS
from .metrics import HEADLINE, KEY_METRICS, METRICS
from .plotting import findings, style
from .plotting.data import GROUPS, CompareData, RunData, load, quarter_label
from .plotting.figures import FIGURE_NOTES
from .plotting.palette import GROUP_COLOURS, VERDICT_COLOURS
from .scenario.params import LEVERS, UNCERTAINTIES

CSS = """
:root { --ink: #1b1b1b; --muted: #555; --line: #d8d8d8; --win: %(win)s; --loss: %(loss)s; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--ink); max-width: 64rem; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.45;
  font-size: 16px; }
h1 { font-size: 1.9rem; margin: 0 0 0.2rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 0.6rem; border-bottom: 2px solid var(--line);
  padding-bottom: 0.2rem; }
h3 { font-size: 1.1rem; margin: 1.2rem 0 0.4rem; }
.sub { color: var(--muted); margin: 0 0 1rem; }
.verdict { border: 3px solid var(--line); border-radius: 8px; padding: 0.8rem 1.1rem;
  margin: 1rem 0; }
.verdict.triple { border-color: var(--win); }
.verdict p.head { font-size: 1.25rem; font-weight: 700; margin: 0 0 0.5rem; }
table { border-collapse: collapse; width: 100%%; margin: 0.5rem 0 1rem;
  font-variant-numeric: tabular-nums; font-size: 0.95rem; }
th, td { border-bottom: 1px solid var(--line); padding: 0.35rem 0.55rem; text-align: right;
  vertical-align: top; }
td { white-space: nowrap; }
td.text { white-space: normal; }
th { background: #f3f3f1; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td.win { color: var(--win); font-weight: 700; }
td.loss { color: var(--loss); font-weight: 700; }
td.unclear { color: var(--muted); font-weight: 700; }
tr.changed td { background: #fff7e0; }
.swatch { display: inline-block; width: 0.85em; height: 0.85em; border-radius: 2px;
  margin-right: 0.4em; vertical-align: -0.08em; }
figure { margin: 1.2rem 0 1.8rem; }
figure img { width: 100%%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 0.92rem; margin-top: 0.3rem; }
.meta { font-size: 0.85rem; color: var(--muted); }
.meta code { word-break: break-all; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, table, .verdict { break-inside: avoid; page-break-inside: avoid; }
  figure { margin: 0.6rem 0 1rem; }
  .verdict, td.win, td.loss, .swatch, th, tr.changed td { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _prose(text: str) -> str:
    """Escape a scenario description and render its *emphasis* as the YAML authors meant."""
    return re.sub(r"\*([^*\n]+)\*", r"<em>\1</em>", _e(text))


def _svg_uri(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figures(sets: Any) -> str:
    """Render a figure set inline, each with its finding as caption."""
    parts = []
    while True:
        with style.context():
            try:
                stem, fig = next(sets)
            except StopIteration:
                break
            title = fig.get_suptitle().replace("\n", " ") or stem
            uri = _svg_uri(fig)
        note = FIGURE_NOTES.get(stem, "")
        parts.append(f'<figure id="fig-{_e(stem)}"><img src="{uri}" alt="{_e(title)}">'
                     f"<figcaption>{_e(note)} (<code>figures/{_e(stem)}.png</code> and "
                     "<code>.svg</code>)</figcaption></figure>")
    return "\n".join(parts)


def _value(v: Any) -> str:
    """A lever or world value; schedules as "0.2 from step 0, 0.8 from step 12"."""
    if isinstance(v, dict):
        items = sorted(((int(k), x) for k, x in v.items()), key=lambda kv: kv[0])
        return ", ".join(f"{x:g} from {quarter_label(k)}" for k, x in items)
    if isinstance(v, float):
        return f"{v:g}"
    return _e(v)


def _swatch(group: str) -> str:
    return f'<span class="swatch" style="background:{GROUP_COLOURS[group]}"></span>'


def _lever_table(runs: list[RunData]) -> str:
    heads = "".join(f"<th>{_e(r.name)}</th>" for r in runs)
    rows = []
    for name, p in LEVERS.items():
        vals = [_value(r.levers.get(name, p.default)) for r in runs]
        changed = len(set(vals)) > 1
        cells = "".join(f"<td>{v}</td>" for v in vals)
        rows.append(f'<tr class="{"changed" if changed else ""}"><td class="text">'
                    f'<strong>{_e(name)}</strong><br><span class="meta">{_e(p.meaning)}</span>'
                    f"</td>{cells}</tr>")
    note = ("<p class='meta'>Highlighted rows differ between the scenarios.</p>"
            if len(runs) > 1 else "")
    return (f"<table><thead><tr><th class='text'>lever</th>{heads}</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>" + note)


def _world_differences(a: RunData, b: RunData) -> str:
    rows = []
    for name, p in UNCERTAINTIES.items():
        va, vb = _value(a.world.get(name, p.default)), _value(b.world.get(name, p.default))
        if va != vb:
            rows.append(f"<tr><td class='text'><strong>{_e(name)}</strong><br>"
                        f"<span class='meta'>{_e(p.meaning)}</span></td><td>{va}</td>"
                        f"<td>{vb}</td></tr>")
    if not rows:
        return "<p>Both scenarios assume the same world (uncertainties and population).</p>"
    return (f"<table><thead><tr><th class='text'>world value that differs</th><th>{_e(a.name)}"
            f"</th><th>{_e(b.name)}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _provenance(man: dict[str, Any], r: RunData) -> str:
    if not man:
        return f"<p class='meta'>{r.replications} replications, {r.steps} steps.</p>"
    items = [
        ("scenario file", man.get("scenario_file")),
        ("scenario sha256", man.get("scenario_sha256")),
        ("root seed", man.get("root_seed")), ("replications", man.get("replications")),
        ("steps", man.get("steps")), ("created (UTC)", man.get("created_utc")),
        ("git commit", man.get("git_commit")),
        ("versions", ", ".join(f"{k} {v}" for k, v in (man.get("versions") or {}).items())),
        ("command", " ".join(man.get("command") or [])),
    ]
    return "<p class='meta'>" + "<br>".join(
        f"{_e(k)}: <code>{_e(v)}</code>" for k, v in items if v not in (None, "")) + "</p>"


# --------------------------------------------------------------------------------------------
# the two kinds of report


def _run_body(r: RunData) -> str:
    from .plotting.figures import run_figure_set

    q = r.last_quarter
    gains = []
    for key, g, title in GROUPS:
        s = r.summary(g)
        gains.append(f"<tr><td class='text'>{_swatch(key)}{_e(title)}</td>"
                     f"<td>{findings.fmt_number(s['mean'])}</td>"
                     f"<td>{findings.fmt_number(s['ci_low'])} to "
                     f"{findings.fmt_number(s['ci_high'])}</td></tr>")
    headline = []
    for group in (g for g in METRIC_GROUPS if g in {v.key for v in VERDICT_GROUPS}):
        rows = [row for row in findings.summary_rows(r, [m for m in HEADLINE
                                                         if METRICS[m].group == group])]
        for i, row in enumerate(rows):
            first = f"{_swatch(group)}{_e(METRIC_GROUPS[group].title)}" if i == 0 else ""
            headline.append(f"<tr><td class='text'>{first}</td><td class='text'>"
                            f"{_e(row['label'])}</td><td class='text'>{_e(row['unit'])}</td>"
                            f"<td>{_e(row['mean'])}</td><td>{_e(row['ci'])}</td></tr>")
    return f"""
<h1>{_e(r.name)}</h1>
<p class="sub">One scenario, {r.replications} replications of {r.steps} quarters
(2015Q1 to {q}). Report written by <code>triplewin report</code>.</p>
<h2>What the scenario asks</h2>
<p>{_prose(r.description) or "<em>No description in the manifest.</em>"}</p>
<div class="verdict"><p class="head">{_e(findings.run_levels_title(r))}</p>
<table><thead><tr><th class="text">group</th><th>welfare index by {q}, USD bn (level)</th>
<th>95% CI</th></tr></thead><tbody>{"".join(gains)}</tbody></table>
<p class="meta">These are the levels of the cumulative welfare indices in this one scenario.
{_e(findings.LEVELS_NOTE)} For example: <code>triplewin compare scenarios/baseline.yaml
SCENARIO.yaml</code>.</p></div>
<h2>Lever settings</h2>
{_lever_table([r])}
<h2>Key results at {q}</h2>
<table><thead><tr><th class="text">group</th><th class="text">metric</th><th class="text">unit</th>
<th>mean</th><th>95% CI</th></tr></thead><tbody>{"".join(headline)}</tbody></table>
<p class="meta">All metrics are in <code>summary.json</code>; every step of every replication in
<code>timeseries.csv</code>.</p>
<h2>Figures</h2>
{_figures(run_figure_set(r))}
<h2>Provenance</h2>
{_provenance(r.manifest, r)}
"""


def _compare_body(c: CompareData) -> str:
    from .plotting.figures import compare_figure_set

    q = c.a.last_quarter
    rows = []
    for key, g, title in GROUPS:
        d = c.metrics[g]
        cls = findings.outcome(d)
        rows.append(f"<tr><td class='text'>{_swatch(key)}{_e(title)}</td>"
                    f"<td>{findings.fmt_number(d['a'])}</td><td>{findings.fmt_number(d['b'])}</td>"
                    f"<td>{findings.fmt_delta(g, d['delta'])}</td>"
                    f"<td>{findings.fmt_number(d['ci_low'])} to "
                    f"{findings.fmt_number(d['ci_high'])}</td>"
                    f"<td class='{cls}'>{findings.OUTCOME_WORDS[cls]}</td></tr>")
    table = []
    for m in KEY_METRICS:
        d = c.metrics.get(m)
        if d is None:
            continue
        cls = findings.outcome(d)
        clear = {"win": "higher", "loss": "lower", "unclear": "no clear change"}[cls]
        table.append(f"<tr><td class='text'>{_swatch(METRICS[m].group)}{_e(METRICS[m].label)}"
                     f"</td><td class='text'>{_e(findings.table_unit(m))}</td>"
                     f"<td>{_e(findings.fmt_value(m, d['a'], plain=True))}</td>"
                     f"<td>{_e(findings.fmt_value(m, d['b'], plain=True))}</td>"
                     f"<td>{_e(findings.fmt_delta(m, d['delta'], plain=True))}</td>"
                     f"<td>{_e(findings.fmt_delta(m, d['ci_low'], plain=True))} to "
                     f"{_e(findings.fmt_delta(m, d['ci_high'], plain=True))}</td>"
                     f"<td class='text'>{clear}</td></tr>")
    triple = bool(c.verdict.get("triple_win"))
    return f"""
<h1>{_e(c.b.name)} <span style="font-weight:normal">against</span> {_e(c.a.name)}</h1>
<p class="sub">Paired comparison B &minus; A over {c.replications} replications of
{c.a.steps} quarters (2015Q1 to {q}) with common random numbers. Report written by
<code>triplewin report</code>.</p>
<div class="verdict{' triple' if triple else ''}">
<p class="head">{_e(findings.compare_title(c))}</p>
<p>{_e(findings.verdict_sentence(c))}</p>
<table><thead><tr><th class="text">group</th><th>A: {_e(c.a.name)}</th><th>B: {_e(c.b.name)}</th>
<th>B &minus; A</th><th>95% CI</th><th>verdict</th></tr></thead><tbody>{"".join(rows)}</tbody>
</table>
<p class="meta">Cumulative gain by {q}, USD bn. A group wins where the whole 95% confidence
interval of its paired difference lies above zero; a triple win is all three (docs/ODD.md
section 1, "The verdict").</p></div>
<h2>What the scenarios ask</h2>
<h3>A (reference): {_e(c.a.name)}</h3>
<p>{_prose(c.a.description) or "<em>No description in the manifest.</em>"}</p>
<h3>B: {_e(c.b.name)}</h3>
<p>{_prose(c.b.description) or "<em>No description in the manifest.</em>"}</p>
<h2>What differs</h2>
{_lever_table([c.a, c.b])}
{_world_differences(c.a, c.b)}
<h2>Key results at {q}</h2>
<table><thead><tr><th class="text">metric</th><th class="text">unit</th><th>A</th><th>B</th>
<th>B &minus; A</th><th>95% CI</th><th class="text"></th></tr></thead>
<tbody>{"".join(table)}</tbody></table>
<p class="meta">Shares in %, their differences in percentage points (pp). All metrics are in
<code>comparison.json</code>.</p>
<h2>Figures</h2>
{_figures(compare_figure_set(c))}
<h2>Provenance</h2>
<h3>A: {_e(c.a.name)}</h3>{_provenance(c.a.manifest, c.a)}
<h3>B: {_e(c.b.name)}</h3>{_provenance(c.b.manifest, c.b)}
"""


def _png_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _robust_section(rob: dict[str, Any], folder: Path | None) -> str:
    """The verdict across worlds (``robustness.json`` of ``compare --worlds``): the share of
    worlds where each group gains, with its interval, the scenarios' own world beside it, where
    it fails (PRIM boxes) and the two figures."""
    share, ci = rob.get("share") or {}, rob.get("ci") or {}
    own = (rob.get("own_world") or {}).get("verdict") or {}
    boxes: dict[str, dict[str, Any]] = {}
    for b in rob.get("failure_boxes") or []:
        boxes.setdefault(b.get("outcome"), b)

    def pct(x: Any) -> str:
        return "&ndash;" if x is None else f"{100 * float(x):.0f}%"

    rows = []
    for key, title in (*((g.key, g.short) for g in VERDICT_GROUPS), ("triple_win", "Triple win")):
        lo, hi = (ci.get(key) or [None, None])[:2]
        b = boxes.get(key)
        where = (f"{_e(b['text'])} ({b['failing_in_box']} of {b['worlds_in_box']} worlds there "
                 "fail)" if b else "&ndash;")
        mark = own.get(key)
        rows.append(f"<tr><td class='text'>{_swatch(key) if key != 'triple_win' else ''}"
                    f"{_e(title)}</td><td>{pct(share.get(key))}</td>"
                    f"<td>{pct(lo)} to {pct(hi)}</td>"
                    f"<td class='{'win' if mark else 'loss' if mark is False else 'unclear'}'>"
                    f"{'gains' if mark else 'no' if mark is False else '&ndash;'}</td>"
                    f"<td class='text'>{where}</td></tr>")
    n = rob.get("counted", rob.get("worlds"))
    what = "calibrated" if rob.get("source") == "ensemble" else "plausible"
    varied = ", ".join(_e(v["name"]) for v in rob.get("varied") or [])
    held = "; ".join(f"{_e(k)} ({_e(v)})" for k, v in (rob.get("held") or {}).items()
                     if v != "not named by --uncertain")
    figs = []
    for name, caption in (("worlds_share.png", "Share of worlds in which each group gains "
                           "(95% Wilson interval), and the verdict in the scenarios' own world."),
                          ("worlds_failures.png", "The worlds over the two parameters that "
                           "matter most: where the triple win holds and fails, the failure box, "
                           "and the scenarios' own world (star).")):
        f = folder / "figures" / name if folder is not None else None
        if f is not None and f.is_file():
            figs.append(f'<figure><img alt="{_e(caption)}" src="{_png_uri(f)}">'
                        f"<figcaption>{_e(caption)}</figcaption></figure>")
    tw = share.get("triple_win")
    return f"""
<h2>Is it robust? The verdict across {_e(n)} {what} worlds</h2>
<div class="verdict{' triple' if tw is not None and tw >= 0.9 else ''}">
<p class="head">A triple win in {pct(tw)} of {_e(n)} {what} worlds ({pct((ci.get('triple_win')
or [None])[0])} to {pct((ci.get('triple_win') or [None, None])[1])})</p>
<table><thead><tr><th class="text">group</th><th>gains in</th><th>95% CI</th>
<th>own world</th><th class="text">fails to gain where (PRIM box)</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<p class="meta">Each world is one draw of the uncertainties and structural constants
({varied or "none"}); in each, A and B ran with the same {_e(rob.get('replications'))}
replication seeds and a group gains where the 95% CI of its paired difference lies above
zero. Shares are the means of those per-world verdicts, with Wilson intervals.
{('Held at the scenarios&#39; values: ' + held + '.') if held else ''}</p></div>
{"".join(figs)}"""


def render_report(data: RunData | CompareData, robust: dict[str, Any] | None = None,
                  folder: Path | None = None) -> str:
    """The whole HTML document (with the verdict across worlds when ``robust``, the contents
    of ``robustness.json``, is given)."""
    if isinstance(data, CompareData):
        title = f"{data.b.name} against {data.a.name}: triplewin report"
        body = _compare_body(data)
        if robust is not None:
            cut = body.index("<h2>What the scenarios ask</h2>")
            body = body[:cut] + _robust_section(robust, folder) + "\n" + body[cut:]
    else:
        title = f"{data.name}: triplewin report"
        body = _run_body(data)
    css = CSS % {"win": VERDICT_COLOURS["win"], "loss": VERDICT_COLOURS["loss"]}
    return (f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n{body}\n"
            "</body>\n</html>\n")


def write_report(folder: Path, out: Path | None = None) -> Path:
    """Read a results folder and write its report to ``out`` (default ``folder/report.html``),
    which must not exist: a report never replaces a file."""
    from .safeio import write_new_text

    data = load(Path(folder))
    out = Path(out) if out is not None else Path(folder) / "report.html"
    robust = None
    rob_file = Path(folder) / "robustness.json"
    if isinstance(data, CompareData) and rob_file.is_file():
        import json

        try:
            robust = json.loads(rob_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            robust = None  # the comparison is reported without it
    return write_new_text(out, render_report(data, robust, Path(folder)))
