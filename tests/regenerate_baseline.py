"""Regenerate the stored regression baseline (the deliberate update command: ``make baseline``).

Layer 3 of the test suite (STYLE.md item 9; after Starsim's ``test_baselines.py``): the final-step
mean over replications of every metric for ``scenarios/baseline.yaml`` (3 replications, 40 steps,
root seed 2015), plus the per-step time series of a few key metrics in replication 0 (to catch
changes that cancel out at the final step), stored as JSON with sorted keys in
``tests/baseline/baseline.json``. ``tests/test_regression.py`` recomputes it and compares.

Usage::

    .venv/bin/python tests/regenerate_baseline.py          # rewrite, print what changed
    .venv/bin/python tests/regenerate_baseline.py --check  # only print what changed; exit 1 if so

Run it when a change to the model is *intended* to move the numbers, read the summary of what
moved, and commit ``tests/baseline/`` with the change that moved it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: use this checkout's ``sim``
    sys.path.insert(0, str(REPO))

BASELINE_FILE = Path(__file__).resolve().parent / "baseline" / "baseline.json"
SCENARIO = "scenarios/baseline.yaml"
REPLICATIONS = 3
STEPS = 40
SEED = 2015
#: Metrics whose whole path (replication 0, every step) is stored.
SERIES_METRICS = ("cn_contract_share", "cn_tech_level", "dv_barrier", "dg_default_rate",
                  "gain_developed", "gain_developing", "gain_china")
#: Relative tolerance of the comparison: the runs are deterministic, so only float noise from
#: a different platform's libm should ever pass below it.
RTOL = 1e-9
ATOL = 1e-12


def compute() -> dict[str, Any]:
    """Run the baseline scenario and return the data stored in the baseline file."""
    from sim.experiments.runner import run_replications
    from sim.metrics import METRICS
    from sim.scenario.load import load_scenario

    scenario = load_scenario(REPO / SCENARIO, seed=SEED, steps=STEPS, replications=REPLICATIONS)
    res = run_replications(scenario)
    return {
        "about": "Regression baseline for tests/test_regression.py; regenerate deliberately "
                 "with `make baseline` (tests/regenerate_baseline.py).",
        "scenario": SCENARIO,
        "replications": REPLICATIONS,
        "steps": STEPS,
        "seed": SEED,
        "seeds": res.seeds,
        "final_mean": {name: float(res.summary["metrics"][name]["mean"]) for name in METRICS},
        "series_replication": 0,
        "series": {name: [float(row[name]) for row in res.histories[0]]
                   for name in SERIES_METRICS},
    }


def dumps(data: dict[str, Any]) -> str:
    """The file's text: sorted keys, full float precision (``repr``), one trailing newline."""
    return json.dumps(data, indent=1, sort_keys=True, allow_nan=False) + "\n"


def load() -> dict[str, Any] | None:
    """The stored baseline, or None if there is none yet."""
    if not BASELINE_FILE.exists():
        return None
    return json.loads(BASELINE_FILE.read_text(encoding="utf-8"))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL)


def _rel(old: float, new: float) -> str:
    if old == 0:
        return "from zero"
    return f"{(new - old) / abs(old):+.2e} relative"


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Human-readable lines, one per thing that moved between two baselines (empty: none)."""
    out: list[str] = []
    for key in ("scenario", "replications", "steps", "seed", "seeds", "series_replication"):
        if old.get(key) != new.get(key):
            out.append(f"setting {key}: {old.get(key)!r} -> {new.get(key)!r}")
    of, nf = old.get("final_mean", {}), new.get("final_mean", {})
    for name in sorted(set(of) - set(nf)):
        out.append(f"metric {name}: removed (was {of[name]!r})")
    for name in sorted(set(nf) - set(of)):
        out.append(f"metric {name}: new ({nf[name]!r})")
    moved = [(abs(nf[n] - of[n]) / max(abs(of[n]), ATOL), n) for n in set(of) & set(nf)
             if not _close(of[n], nf[n])]
    for _, name in sorted(moved, reverse=True):
        out.append(f"final mean {name}: {of[name]!r} -> {nf[name]!r} "
                   f"({_rel(of[name], nf[name])})")
    os_, ns = old.get("series", {}), new.get("series", {})
    for name in sorted(set(os_) | set(ns)):
        a, b = os_.get(name), ns.get(name)
        if a is None or b is None:
            out.append(f"series {name}: {'removed' if b is None else 'new'}")
            continue
        if len(a) != len(b):
            out.append(f"series {name}: {len(a)} -> {len(b)} steps")
            continue
        steps = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if not _close(x, y)]
        if steps:
            i = steps[0]
            out.append(f"series {name}: {len(steps)} of {len(a)} steps moved, first at step {i} "
                       f"({a[i]!r} -> {b[i]!r}, {_rel(a[i], b[i])})")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only report what changed; exit 1 if anything did, write nothing")
    args = parser.parse_args(argv)

    old = load()
    new = compute()
    if old is None:
        print(f"no baseline yet at {BASELINE_FILE.relative_to(REPO)}")
        diff = ["new baseline"]
    else:
        diff = differences(old, new)
        if diff:
            print(f"{len(diff)} change(s) against the stored baseline:")
            for line in diff:
                print(f"  {line}")
        else:
            print("no change against the stored baseline")
    if args.check:
        return 1 if diff else 0
    BASELINE_FILE.parent.mkdir(parents=True, exist_ok=True)
    text = dumps(new)
    if old is None or BASELINE_FILE.read_text(encoding="utf-8") != text:
        BASELINE_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {BASELINE_FILE.relative_to(REPO)}: commit tests/baseline/ with the change "
              "that moved it")
    else:
        print(f"{BASELINE_FILE.relative_to(REPO)} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
