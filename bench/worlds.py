"""The verdict across worlds at full size: ``triplewin compare no-cooperation triple-win-package
--worlds 200 --replications 10`` at 40 quarters (200 x 10 x 2 runs, plus the own world), the
user's path, timed from outside with the CPU time of every process and the load average before
and after (the machine may be shared: the CPU time is what the command itself cost).

Run: ``.venv/bin/python bench/worlds.py [--worlds 200] [--replications 10] [--workers 2]``.
Prints one line per measure; writes nothing but a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.measure import ROOT, run  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", type=int, default=200)
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--executor", default="process")
    args = ap.parse_args()
    sc = ROOT / "scenarios"
    with tempfile.TemporaryDirectory(prefix="triplewin-bench-worlds-") as tmp:
        out = Path(tmp) / "cmp"
        cmd = [sys.executable, "-m", "sim", "compare", str(sc / "no-cooperation.yaml"),
               str(sc / "triple-win-package.yaml"), "--worlds", str(args.worlds),
               "--replications", str(args.replications), "--workers", str(args.workers),
               "--executor", args.executor, "--out", str(out), "--quiet"]
        load0 = os.getloadavg()[0]
        done = run(cmd, poll_memory=True)  # CPU of the whole process tree, workers included
        load1 = os.getloadavg()[0]
        wall = done.wall
        if done.returncode != 0:
            sys.exit(f"compare failed ({done.returncode}): {done.stderr[-2000:]}")
        runs = (args.worlds + 1) * 2 * args.replications
        print(f"worlds {args.worlds} x replications {args.replications} x 2 scenarios "
              f"(+ own world) = {runs} runs of 40 quarters, {args.executor} executor, "
              f"{args.workers} workers")
        print(f"wall time {wall:.1f} s ({runs / wall:.1f} runs/s); CPU of all processes "
              f"{done.cpu_s:.1f} s ({done.cpu_s / runs:.3f} s per run); peak memory of the "
              f"process tree {done.tree_peak_mb or 0:.0f} MB")
        print(f"load average (1 min) before / after: {load0:.2f} / {load1:.2f} on "
              f"{os.cpu_count()} CPUs")
        print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "")


if __name__ == "__main__":
    main()
