"""The one table of the benchmark, its targets (issue 6 section 2), and the files it writes."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from .measure import ROOT

#: Issue 6 section 2. Timings are reported against these, never asserted in tests.
TARGETS = {
    "ratio_10k": 1.0, "ratio_aim": 5.0,  # (a) triplewin / Boltzmann agent-steps per second
    "exponent": 1.1,  # (b) step time ~ agents ** exponent, 1k to 100k
    "replication_s": 0.1, "run10_s": 3.0,  # (c)
    "startup_s": 0.3,  # (d)
    "efficiency": 0.9, "memory_ratio": 1.2,  # (e)
    # (f) the batched engine (issue 15)
    "batch_ratio": 10.0, "batch_ratio_aim": 20.0, "verdict_s": 30.0, "batch_memory": 2.0,
    "batch_efficiency": 0.9, "writer_rate": 5_000.0, "large_ratio": 1.0,
}


@dataclass
class Row:
    part: str
    measure: str
    result: str
    target: str = ""
    met: bool | None = None  # None: no target on this line
    note: str = ""

    def status(self) -> str:
        text = "-" if self.met is None else "met" if self.met else "**not met**"
        return f"{text}; {self.note}" if self.note else text


def rate(x: float) -> str:
    return f"{x:,.0f}"


def secs(x: float) -> str:
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def mb(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0f} MB"


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    versions = {"python": platform.python_version()}
    for pkg in ("numpy", "mesa", "triplewin"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {"nproc": usable, "cpu_count": os.cpu_count(), "cpu_model": cpu, "memory_gb": mem,
            "platform": platform.platform(), "versions": versions}


def commit() -> str | None:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                             capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, text=True, capture_output=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return sha + ("-dirty" if dirty else "")


def rows_from(res: dict[str, Any]) -> list[Row]:
    """Build the table's rows from the raw measurements (parts that did not run are skipped)."""
    t = TARGETS
    rows: list[Row] = []
    for s in res.get("scaling", []):
        at_10k = s["target"] == 10_000
        rows.append(Row(
            "a", f"agent-steps/s at {s['agents']:,} agents: triplewin / Boltzmann (ratio)",
            f"{rate(s['tw_agent_steps_per_s'])} / {rate(s['bz_agent_steps_per_s'])} "
            f"(**{s['ratio']:.2f}**)",
            f"ratio >= {t['ratio_10k']:g} (aim {t['ratio_aim']:g})" if at_10k else "",
            s["ratio"] >= t["ratio_10k"] if at_10k else None,
            ("aim met" if s["ratio"] >= t["ratio_aim"] else "aim not met") if at_10k else ""))
    if "exponent" in res:
        e = res["exponent"]
        rows.append(Row(
            "b", f"step-time exponent, {e['from']:,} to {e['to']:,} agents "
            f"({e['points']} sizes; Boltzmann alongside)",
            f"**{e['triplewin']:.2f}** (Boltzmann {e['boltzmann']:.2f})",
            f"<= {t['exponent']:g}", e["triplewin"] <= t["exponent"],
            "" if e["to"] >= 100_000 else "1k-10k only (--quick)"))
    if "replication" in res:
        r = res["replication"]
        rows.append(Row(
            "c", f"one default replication, {r['steps']} steps, {r['agents']} agents "
            f"(in-process, median of {r['repeats']})",
            f"**{secs(r['wall_s'])}** (CPU {secs(r['cpu_s'])})", f"<= {t['replication_s']:g} s",
            r["wall_s"] <= t["replication_s"]))
    for r in res.get("cli_run", []):
        rows.append(Row(
            "c", f"`triplewin run baseline` end to end, {r['replications']} replications, "
            f"{'with plots' if r['plots'] else '--no-plots'}"
            + (f", {r['workers']} worker processes (the default)" if r.get("workers") else "")
            + f" (median of {r['repeats']})",
            f"**{secs(r['wall_s'])}** (CPU of all processes {secs(r['cpu_s'])})",
            f"<= {t['run10_s']:g} s",
            r["wall_s"] <= t["run10_s"]))
    for s in res.get("startup", []):
        rows.append(Row(
            "d", f"start-up of `triplewin {' '.join(s['args'])}` (median of {s['repeats']})",
            f"**{secs(s['wall_s'])}** (CPU {secs(s['cpu_s'])})", f"<= {t['startup_s']:g} s",
            s["wall_s"] <= t["startup_s"]))
    if "floor" in res:
        f = res["floor"]
        rows.append(Row("d", "for reference: `python -c pass` on this machine",
                        f"{secs(f['wall_s'])} (CPU {secs(f['cpu_s'])})"))
    for i in res.get("imports", []):
        heavy = ", ".join(i["heavy_roots"]) or "none"
        rows.append(Row(
            "d", f"mesa / pandas / matplotlib imported by `triplewin {' '.join(i['args'][:1])}`",
            heavy, "none", not i["heavy_roots"]))
    sw = res.get("sweeps", {})
    for key in ("serial", "w1", "w2"):
        if key in sw:
            s = sw[key]
            who = ("serial executor" if s["executor"] == "serial"
                   else f"{s['workers']} worker{'s' if s['workers'] > 1 else ''}")
            if s.get("tries", 1) > 1:
                who += f", best of {s['tries']}"
            rows.append(Row(
                "e", f"sweep throughput, {s['runs']} runs x {s['steps']} steps, {who}",
                f"**{s['rate']:.1f} runs/s** ({s['wall_rate']:.1f} over the whole command: "
                f"{secs(s['wall_s'])}, CPU {secs(s['cpu_s'])})"))
    if "efficiency" in sw:
        rows.append(Row("e", "parallel efficiency, rate(2 workers) / (2 x rate(1 worker))",
                        f"**{sw['efficiency']:.2f}**", f">= {t['efficiency']:g}",
                        sw["efficiency"] >= t["efficiency"],
                        "above 1: the load changed between the sweeps; measure on a quiet "
                        "machine" if sw["efficiency"] > 1.05 else ""))
    for key in ("w2", "big"):
        if key in sw:
            s = sw[key]
            rows.append(Row(
                "e", f"peak memory, {s['runs']:,}-run sweep, 2 workers: process tree (largest "
                "process)", f"{mb(s['tree_peak_mb'])} ({mb(s['max_rss_mb'])})"))
    if "big" in sw:
        s = sw["big"]
        what = ("process tree" if sw.get("memory_measure", "tree_peak_mb") == "tree_peak_mb"
                else "largest process: no psutil")
        rows.append(Row("e", f"memory ratio, {s['runs']:,} runs / {sw['w2']['runs']:,} runs "
                        f"({what})", f"**{sw['memory_ratio']:.2f}**",
                        f"<= {t['memory_ratio']:g}", sw["memory_ratio"] <= t["memory_ratio"]))
    rows += _batched_rows(res.get("batched", {}))
    for part, text in res.get("failures", {}).items():
        rows.append(Row(part, f"part {part} FAILED", text, "", False))
    return rows


def _batched_rows(b: dict[str, Any]) -> list[Row]:
    """Part (f): the batched engine's ratios, each measured side by side in one run."""
    t = TARGETS
    rows: list[Row] = []
    if "sweep_ratio" in b:
        r = b["sweep_ratio"]
        rows.append(Row(
            "f", f"sweep runs/s, 1 worker, {r['auto']['runs']} runs x {r['auto']['steps']} "
            f"quarters: default batch / `--batch 1` (best of {len(r['auto']['rates'])} each)",
            f"{r['auto']['rate']:.1f} / {r['batch1']['rate']:.1f} (**{r['ratio']:.1f}x**)",
            f">= {t['batch_ratio']:g}x (aim {t['batch_ratio_aim']:g}x)",
            r["ratio"] >= t["batch_ratio"], "see docs/performance.md: the per-element floor"))
    if "verdict" in b:
        v = b["verdict"]
        rows.append(Row(
            "f", f"robust verdict, `compare --worlds {v['worlds']} --replications "
            f"{v['replications']}` ({v['runs']:,} runs x 40 quarters), {v['workers']} workers",
            f"**{secs(v['wall_s'])}** (CPU of all processes {secs(v['cpu_s'])})",
            f"<= {t['verdict_s']:g} s", v["wall_s"] <= t["verdict_s"]))
    if "memory" in b:
        m = b["memory"]
        rows.append(Row(
            "f", f"peak memory of the process tree, 1,000-run sweep / one batch "
            f"({m['one_batch']['runs']} runs), 2 workers",
            f"{mb(m['big']['tree_peak_mb'])} / {mb(m['one_batch']['tree_peak_mb'])} "
            f"(**{m['ratio']:.2f}**)", f"<= {t['batch_memory']:g}",
            m["ratio"] <= t["batch_memory"]))
    if "efficiency" in b:
        e = b["efficiency"]
        rows.append(Row(
            "f", f"sweep parallel efficiency, default batch, {e['w1']['runs']} runs x "
            f"{e['w1']['steps']} quarters: rate(2) / (2 x rate(1))",
            f"{e['w2']['rate']:.1f} / 2 x {e['w1']['rate']:.1f} (**{e['efficiency']:.2f}**)",
            f">= {t['batch_efficiency']:g}", e["efficiency"] >= t["batch_efficiency"]))
    if "writer" in b:
        for key, what in (("sweep", "sweep chunks"), ("worlds", "worlds chunks")):
            w = b["writer"][key]
            rows.append(Row(
                "f", f"the writing process alone: {w['runs']:,} runs in {what} of "
                f"{w['chunk_size']} runs (CPU)", f"**{rate(w['rate'])} runs/s**",
                f">= {rate(t['writer_rate'])} runs/s", w["rate"] >= t["writer_rate"]))
    if "large" in b:
        g = b["large"]
        rows.append(Row(
            "f", f"one step at {g['agents']:,} agents: this checkout / {g['ref']} (median "
            "of fresh processes in turn)",
            f"{secs(g['now_s'])} / {secs(g['then_s'])} (**{g['ratio']:.2f}**)",
            f"<= {t['large_ratio']:g} (no worse)", g["ratio"] <= t["large_ratio"] * 1.05,
            "within 5%: the noise of repeated measurements" if 1.0 < g["ratio"] <= 1.05
            else ""))
    return rows


def kind(meta: dict[str, Any]) -> str:
    if meta["parts"] != "abcdef":
        return f"partial run: parts {meta['parts']}" + (", quick" if meta["quick"] else "")
    return ("quick run: no 100k agents, no 2,000-run sweep, no robust verdict" if meta["quick"]
            else "full run")


def markdown(res: dict[str, Any], rows: list[Row]) -> str:
    m = res["meta"]
    mc = m["machine"]
    v = mc["versions"]
    load = m.get("loadavg_before"), m.get("loadavg_after")
    lines = [
        f"# Benchmark results ({kind(m)})",
        "",
        f"Measured {m['finished_utc']} by `{m['command']}` in {m['seconds']:.0f} s, commit "
        f"`{m['commit']}`, on {mc['nproc']} CPUs ({mc['cpu_model']}), {mc['memory_gb']} GB, "
        f"Python {v['python']}, numpy {v['numpy']}, Mesa {v['mesa']}.",
        f"Load average (1 min) before / after: "
        + " / ".join("?" if x is None else f"{x[0]:.2f}" for x in load)
        + " (other processes on the machine slow every figure; ratios within one line are "
        "measured side by side).",
    ]
    worst = max((x[0] for x in load if x is not None), default=0.0)
    if worst > 0.5 * mc["nproc"]:
        lines.append(f"**The machine was busy** (load {worst:.1f} on {mc['nproc']} CPUs): wall "
                     "times are pessimistic; the CPU times beside them are what the program "
                     "itself cost.")
    lines += [
        "",
        "| | measure | result | target | met? |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r.part} | {r.measure} | {r.result} | {r.target} | {r.status()} |")
    n_t = sum(r.met is not None for r in rows)
    n_met = sum(bool(r.met) for r in rows)
    lines += ["", f"{n_met} of {n_t} targets met. Targets: issue 6 section 2 and "
              "issue 15 (bench/report.py TARGETS); see docs/performance.md."]
    return "\n".join(lines) + "\n"


def write(res: dict[str, Any], rows: list[Row], md_path: Path, json_path: Path) -> None:
    md_path.write_text(markdown(res, rows))
    out = {**res, "targets": TARGETS,
           "table": [{"part": r.part, "measure": r.measure, "result": r.result,
                      "target": r.target, "met": r.met, "note": r.note} for r in rows]}
    json_path.write_text(json.dumps(out, indent=2, default=float) + "\n")


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
