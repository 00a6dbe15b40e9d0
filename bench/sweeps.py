"""Part (e): sweep throughput with 1 and 2 worker processes, parallel efficiency, and the peak
memory of a large sweep against a small one, through ``triplewin sweep`` (the user's path).

The sweep: the baseline scenario, a Latin hypercube over two levers, one replication per point,
20 steps a run. Throughput is the sweep's own rate (``N runs in X s``: runs finished over the time
from the first scan of the output folder to the last chunk written, pool start-up included) and,
for reference, runs over the whole subprocess wall time (interpreter and imports included).
Memory is the largest sum of RSS over the sweep's process tree (main process, forkserver and
workers; psutil polling every 0.05 s), beside the largest RSS of a single process.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from .measure import ROOT, run, triplewin_cmd

STEPS = 20
SWEEP = """\
name: bench-{runs}
description: Benchmark sweep (bench/sweeps.py), written to a temporary folder.
base: {base}
design: lhs
samples: {runs}
replications: 1
steps: {steps}
seed: 6
levers:
  joint_bidding: {{low: 0, high: 1}}
  third_party_cooperation: {{low: 0, high: 1}}
"""


def sweep(runs: int, workers: int, executor: str = "process", *, steps: int = STEPS,
          batch: int | None = None) -> dict[str, Any]:
    """Run one sweep of ``runs`` runs of ``steps`` quarters in a subprocess (``--batch`` when
    given); time and memory."""
    with tempfile.TemporaryDirectory(prefix="triplewin-bench-sweep-") as tmp:
        f = Path(tmp) / f"bench-{runs}.yaml"
        f.write_text(SWEEP.format(runs=runs, steps=steps,
                                  base=(ROOT / "scenarios" / "baseline.yaml").as_posix()))
        cmd = [*triplewin_cmd(), "sweep", str(f), "--out", str(Path(tmp) / "out"),
               "--executor", executor, "--workers", str(workers), "--quiet"]
        if batch is not None:
            cmd += ["--batch", str(batch)]
        p = run(cmd, poll_memory=True).check(" ".join(cmd))
    m = re.search(r"([\d,]+) runs in ([\d.]+) s \(([\d.]+) runs/s", p.stdout)
    if m is None:
        raise RuntimeError(f"unexpected output of {' '.join(cmd)}:\n{p.stdout[-2000:]}")
    ran, seconds = int(m.group(1).replace(",", "")), float(m.group(2))
    if ran != runs:
        raise RuntimeError(f"sweep ran {ran} runs, expected {runs}")
    return {"runs": runs, "steps": steps, "workers": workers, "executor": executor,
            "batch": batch or "auto",
            "sweep_s": seconds, "rate": runs / seconds, "wall_s": p.wall,
            "wall_rate": runs / p.wall, "tree_peak_mb": p.tree_peak_mb,
            "max_rss_mb": p.max_rss_mb, "cpu_s": p.cpu_s, "memory_samples": p.samples}
