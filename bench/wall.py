"""Parts (c) and (d): wall time of a replication and of ``triplewin run``; CLI start-up and the
heavy imports it must avoid."""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .measure import ROOT, median, run, triplewin_cmd

SCENARIO = "scenarios/baseline.yaml"
#: Modules that must not be imported by ``triplewin --help`` or ``triplewin validate``.
HEAVY = ("mesa", "pandas", "matplotlib")


def one_replication(repeats: int = 5) -> dict[str, Any]:
    """One default replication (baseline scenario, its 40 steps), in-process: construction and
    run, after one warm-up replication; median over the first ``repeats`` replication seeds."""
    from sim.experiments.runner import run_one
    from sim.model import TripleWinModel
    from sim.scenario.load import load_scenario
    from sim.streams import replication_seeds

    sc = load_scenario(ROOT / SCENARIO)
    seeds = replication_seeds(sc.run.seed, repeats)
    run_one(sc, seeds[0])  # warm-up: imports, caches
    walls, builds, cpus = [], [], []
    for s in seeds:
        c0 = time.process_time()
        t0 = time.perf_counter()
        m = TripleWinModel.from_scenario(sc, s)
        t1 = time.perf_counter()
        m.run()
        t2 = time.perf_counter()
        cpus.append(time.process_time() - c0)
        walls.append(t2 - t0)
        builds.append(t1 - t0)
    return {"steps": sc.run.steps, "agents": len(m.agents), "repeats": repeats,
            "wall_s": median(walls), "walls_s": walls, "cpu_s": median(cpus),
            "build_s": median(builds)}


def cli_run(plots: bool, repeats: int = 3) -> dict[str, Any]:
    """``triplewin run scenarios/baseline.yaml [--no-plots] --out TMP`` end to end (its 10
    replications), median of ``repeats`` subprocess wall times."""
    walls, cpus = [], []
    with tempfile.TemporaryDirectory(prefix="triplewin-bench-") as tmp:
        for i in range(repeats):
            cmd = [*triplewin_cmd(), "run", SCENARIO, "--out", str(Path(tmp) / f"run-{i}")]
            if not plots:
                cmd.append("--no-plots")
            # polled: the worker processes belong to the command's forkserver, which the
            # command does not reap, so the kernel's rusage would miss their CPU time
            p = run(cmd, poll_memory=True).check(" ".join(cmd))
            walls.append(p.wall)
            cpus.append(p.cpu_s)
        manifest = (Path(tmp) / "run-0" / "manifest.json").read_text()
    reps = int(re.search(r'"replications":\s*(\d+)', manifest).group(1))
    from sim.experiments.workers import available_cpus

    return {"plots": plots, "replications": reps, "repeats": repeats, "wall_s": median(walls),
            "walls_s": walls, "cpu_s": median(cpus), "workers": available_cpus()}


def startup(args: list[str], repeats: int = 5) -> dict[str, Any]:
    """Subprocess wall time of ``triplewin ARGS``, median of ``repeats``."""
    cmd = [*triplewin_cmd(), *args]
    run(cmd).check(" ".join(cmd))  # warm the file cache
    procs = [run(cmd).check(" ".join(cmd)) for _ in range(repeats)]
    walls = [p.wall for p in procs]
    return {"args": args, "repeats": repeats, "wall_s": median(walls), "walls_s": walls,
            "cpu_s": median([p.cpu_s for p in procs])}


def interpreter_floor(repeats: int = 5) -> dict[str, float]:
    """Wall and CPU time of ``python -c pass`` (the floor under any start-up)."""
    cmd = [sys.executable, "-c", "pass"]
    run(cmd)
    procs = [run(cmd) for _ in range(repeats)]
    return {"wall_s": median([p.wall for p in procs]),
            "cpu_s": median([p.cpu_s for p in procs])}


def imports(args: list[str]) -> dict[str, Any]:
    """Modules imported by ``python -X importtime -m sim ARGS``: the heavy ones found, and the
    largest top-level imports (cumulative microseconds) to show where start-up goes."""
    cmd = [sys.executable, "-X", "importtime", "-m", "sim", *args]
    p = run(cmd).check(" ".join(cmd))
    modules: list[str] = []
    top: list[tuple[int, str]] = []
    for line in p.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s*\|\s*(\d+)\s*\|( *)(\S+)", line)
        if not m:
            continue
        name = m.group(4)
        modules.append(name)
        if len(m.group(3)) == 1:  # imported at top level (not nested in another import)
            top.append((int(m.group(2)), name))
    heavy = sorted({n for n in modules if n.split(".")[0] in HEAVY})
    top.sort(reverse=True)
    return {"args": args, "modules": len(modules), "heavy": heavy,
            "heavy_roots": sorted({n.split(".")[0] for n in heavy}),
            "largest_ms": [(name, us / 1000.0) for us, name in top[:8]]}
