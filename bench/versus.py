"""CPU per default replication of this checkout against an earlier commit, side by side.

    .venv/bin/python bench/versus.py v0.1.0            # or any commit, e.g. f33d675
    .venv/bin/python bench/versus.py f33d675 --rounds 9 --replications 30

The earlier commit's ``sim/`` and ``scenarios/`` are exported (``git archive``) into a temporary
folder. Each round runs one fresh process per side, the sides in turn (A, B, then B, A in the
next round), so that a change of load on the machine hits both alike. A process imports the
model, runs one warm-up replication, then ``--replications`` default replications of the
baseline scenario (seeds 0, 1, ...) and reports the CPU time (``time.process_time``) of those
alone: start-up, imports and the warm-up are not counted. Printed: the median over rounds of
each side, the median of the per-round ratios (this checkout over the earlier one) and its
range. Both sides run in this interpreter and its packages. Nothing is asserted; nothing is
written except the temporary folder, which is removed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: What each process runs: the baseline scenario's default replications, CPU time measured.
#: Uses only functions both the current and the 0.1.0 package have.
PROBE = """
import json, sys, time
from sim.scenario.load import load_scenario
from sim.experiments.runner import run_one
scenario = load_scenario("scenarios/baseline.yaml")
run_one(scenario, 10_000)  # warm-up: caches, lazy imports
n = int(sys.argv[1])
t0 = time.process_time()
for seed in range(n):
    run_one(scenario, seed)
print(json.dumps({"per_replication": (time.process_time() - t0) / n}))
"""


def export(ref: str, dest: Path) -> None:
    """The ``sim/`` and ``scenarios/`` folders of commit ``ref`` into ``dest``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref, "sim",
                              "scenarios"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def probe(tree: Path, replications: int) -> float:
    """CPU seconds per replication in a fresh process importing the package from ``tree``."""
    out = subprocess.run([sys.executable, "-c", PROBE, str(replications)], cwd=tree,
                         env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin",
                              "PYTHONHASHSEED": "0"},
                         check=True, capture_output=True, text=True).stdout
    return float(json.loads(out.strip().splitlines()[-1])["per_replication"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ref", help="the earlier commit (a tag, a hash)")
    ap.add_argument("--rounds", type=int, default=7, help="paired rounds (default 7)")
    ap.add_argument("--replications", type=int, default=20,
                    help="replications per process (default 20)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="triplewin-versus-") as tmp:
        earlier = Path(tmp)
        export(args.ref, earlier)
        now_s, then_s = [], []
        for r in range(args.rounds):
            sides = [("now", ROOT), ("then", earlier)]
            for name, tree in (sides if r % 2 == 0 else sides[::-1]):
                (now_s if name == "now" else then_s).append(probe(tree, args.replications))
            print(f"round {r + 1}: this checkout {now_s[-1]:.4f} s, {args.ref} {then_s[-1]:.4f} s",
                  file=sys.stderr, flush=True)
    ratios = [a / b for a, b in zip(now_s, then_s)]
    print(f"CPU per default replication (median of {args.rounds} paired rounds, "
          f"{args.replications} replications each):")
    print(f"  this checkout  {statistics.median(now_s):.4f} s")
    print(f"  {args.ref:<13}  {statistics.median(then_s):.4f} s")
    print(f"  ratio          {statistics.median(ratios):.2f} "
          f"(per round {min(ratios):.2f} to {max(ratios):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
