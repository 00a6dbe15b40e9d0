"""Part (f): the batched engine, measured side by side through the user's commands.

* ``sweep_ratio``: ``triplewin sweep`` on one worker process at 40 quarters with ``--batch 1``
  against the default (runs per pass chosen by memory), in turn, the best rate of each;
* ``efficiency``: the same sweep (default batch) on 1 and 2 worker processes;
* ``memory``: the peak memory of the process tree of a 1,000-run sweep against a sweep of one
  batch (64 runs), both on 2 workers;
* ``verdict``: ``triplewin compare no-cooperation triple-win-package --worlds 200
  --replications 10`` (4,020 runs of 40 quarters) on 2 worker processes: its wall time;
* ``writer``: the process that writes results, alone: runs per second of CPU it needs to write
  finished chunks of a 20,000-run sweep (default chunks) and of a worlds experiment (one chunk
  per world and scenario), from results made up in memory;
* ``large``: one step at about 100k agents, this checkout against an earlier commit (a batch of
  one against the one-run model of before), fresh processes in turn.

Timings are never asserted (bench/README: targets are checked here, not in tests).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import sweeps
from .measure import ROOT, run, triplewin_cmd

STEPS = 40


def sweep(runs: int, workers: int, batch: int | None = None, steps: int = STEPS) -> dict[str, Any]:
    """One ``triplewin sweep`` of ``runs`` runs (bench/sweeps.py's) at ``steps`` quarters."""
    return sweeps.sweep(runs, workers, "process", steps=steps, batch=batch)


def best(results: list[dict[str, Any]]) -> dict[str, Any]:
    top = max(results, key=lambda r: r["rate"])
    return {**top, "rates": [r["rate"] for r in results]}


def sweep_ratio(runs: int = 128, tries: int = 2, log=print) -> dict[str, Any]:
    """One worker: ``--batch 1`` against the default, alternately; the best of each."""
    one, auto = [], []
    for t in range(tries):
        for batch in ((1, None) if t % 2 == 0 else (None, 1)):
            log(f"f. sweep of {runs} runs at {STEPS} quarters, 1 worker, "
                f"--batch {batch or 'auto'} ...")
            (one if batch == 1 else auto).append(sweep(runs, 1, batch))
    b1, ba = best(one), best(auto)
    return {"batch1": b1, "auto": ba, "ratio": ba["rate"] / b1["rate"]}


def efficiency(runs: int = 384, tries: int = 2, log=print) -> dict[str, Any]:
    """Default batch on 1 and 2 workers, alternately; the best of each."""
    w1, w2 = [], []
    for _ in range(tries):
        for workers in (1, 2):
            log(f"f. sweep of {runs} runs at {STEPS} quarters, {workers} worker(s) ...")
            (w1 if workers == 1 else w2).append(sweep(runs, workers))
    a, b = best(w1), best(w2)
    return {"w1": a, "w2": b, "efficiency": b["rate"] / (2 * a["rate"])}


def memory(log=print) -> dict[str, Any]:
    """Peak memory of the process tree: a 1,000-run sweep against one batch (64 runs)."""
    log("f. memory: sweeps of 64 and 1,000 runs (20 quarters), 2 workers ...")
    one = sweep(64, 2, steps=20)
    big = sweep(1000, 2, steps=20)
    return {"one_batch": one, "big": big,
            "ratio": (big["tree_peak_mb"] or big["max_rss_mb"])
            / (one["tree_peak_mb"] or one["max_rss_mb"])}


def verdict(worlds: int = 200, replications: int = 10, workers: int = 2,
            log=print) -> dict[str, Any]:
    """The robust verdict of the README, timed from outside."""
    log(f"f. compare --worlds {worlds} --replications {replications}, {workers} workers ...")
    sc = ROOT / "scenarios"
    with tempfile.TemporaryDirectory(prefix="triplewin-bench-verdict-") as tmp:
        cmd = [*triplewin_cmd(), "compare", str(sc / "no-cooperation.yaml"),
               str(sc / "triple-win-package.yaml"), "--worlds", str(worlds), "--replications",
               str(replications), "--workers", str(workers), "--out", str(Path(tmp) / "c"),
               "--no-plots", "--quiet"]
        p = run(cmd, poll_memory=True).check(" ".join(cmd))
    runs = (worlds + 1) * 2 * replications
    return {"worlds": worlds, "replications": replications, "workers": workers, "runs": runs,
            "wall_s": p.wall, "cpu_s": p.cpu_s, "tree_peak_mb": p.tree_peak_mb}


def writer(log=print) -> dict[str, Any]:
    """CPU of the writing process per run: default sweep chunks, and worlds chunks."""
    from sim.experiments.worlds.plan import plan_worlds
    from sim.experiments.worlds.run import _write_runs
    from sim.metrics import METRICS
    from sim.scenario.load import load_scenario
    from sim.sweeps import store
    from sim.sweeps.executors import ChunkResult, Tally
    from sim.sweeps.session import default_chunk_size
    from sim.sweeps.design import make_design
    from sim.sweeps.spec import load_sweep

    log("f. the writer: chunks of a 20,000-run sweep and of a worlds experiment ...")
    out: dict[str, Any] = {}
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="triplewin-bench-writer-") as tmp:
        tmp = Path(tmp)
        runs = 20_000
        f = tmp / "w.yaml"
        f.write_text(sweeps.SWEEP.format(runs=runs, steps=STEPS,
                                         base=(ROOT / "scenarios" / "baseline.yaml").as_posix()))
        plan = load_sweep(f)
        values, unit = make_design(plan)
        folder = tmp / "sweep"
        store.make_folder(folder, plan, values, unit, {"sessions": []})
        schema = store.runs_schema(plan)
        size = default_chunk_size(runs, 2)
        tally = Tally(runs, 0, 0)
        chunks = [ChunkResult(k, list(range(s, min(s + size, runs))),
                              rng.random((min(size, runs - s), len(METRICS))),
                              [""] * min(size, runs - s), None, 1.0)
                  for k, s in enumerate(range(0, runs, size))]
        t0 = time.process_time()
        for res in chunks:
            store.write_chunk(folder, plan, values, res, schema)
            tally.add(res)
        cpu = time.process_time() - t0
        out["sweep"] = {"runs": runs, "chunk_size": size, "cpu_s": cpu, "rate": runs / cpu}

        a = load_scenario(ROOT / "scenarios" / "no-cooperation.yaml")
        b = load_scenario(ROOT / "scenarios" / "triple-win-package.yaml")
        wplan = plan_worlds(a, b, worlds=200, replications=10, seed=1)
        (tmp / "runs").mkdir()
        reps = wplan.replications
        results = [ChunkResult(w * 2 + side, [wplan.run_id(w, side, r) for r in range(reps)],
                               rng.random((reps, len(METRICS))), [""] * reps, None, 1.0)
                   for w in range(wplan.n_worlds) for side in (0, 1)]
        tally = Tally(wplan.n_runs, 0, 0)
        t0 = time.process_time()
        for res in results:
            w, side = divmod(res.chunk, 2)
            _write_runs(tmp / "runs" / f"part-{res.chunk:05d}.parquet", wplan, w, side, res)
            tally.add(res)
        cpu = time.process_time() - t0
        n = len(results) * reps
        out["worlds"] = {"runs": n, "chunk_size": reps, "cpu_s": cpu, "rate": n / cpu}
    return out


#: What each side runs for ``large``: one model of about 100k agents, then the CPU time of
#: its first steps (only functions both sides have).
PROBE = """
import json, sys, time
from sim.model import TripleWinModel
m = TripleWinModel(rng=1, steps=4, n_cn_firms=50_000, n_dv_firms=25_000,
                   n_developing_hosts=5_000, n_developed_hosts=1_000, dg_firms_per_host=4)
m.step()
t0 = time.process_time()
m.step(); m.step()
print(json.dumps({"step_s": (time.process_time() - t0) / 2}))
"""


def large(ref: str = "284498c", rounds: int = 3, log=print) -> dict[str, Any]:
    """Seconds per step at about 100k agents: this checkout against ``ref``, side by side."""
    from .versus import export

    log(f"f. one step at about 100k agents, this checkout against {ref} ...")
    now, then = [], []
    with tempfile.TemporaryDirectory(prefix="triplewin-bench-large-") as tmp:
        earlier = Path(tmp)
        export(ref, earlier)
        for r in range(rounds):
            sides = [(now, ROOT), (then, earlier)]
            for acc, tree in (sides if r % 2 == 0 else sides[::-1]):
                p = subprocess.run([sys.executable, "-c", PROBE], cwd=tree, check=True,
                                   env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                                   capture_output=True, text=True)
                acc.append(json.loads(p.stdout.strip().splitlines()[-1])["step_s"])
    agents = 50_000 + 25_000 + 6_000 + 20_000 + 3 + 7
    return {"ref": ref, "agents": agents, "now_s": float(np.median(now)),
            "then_s": float(np.median(then)),
            "ratio": float(np.median(now) / np.median(then))}
