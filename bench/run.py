"""The triplewin benchmark (issue 6): ``make bench`` or ``make bench ARGS=--quick``.

Prints one table, from one run on one machine, of

a. agent-steps per second at about 1k, 10k and 100k agents beside Mesa's Boltzmann wealth model
   (bench/boltzmann.py) at the same counts, and their ratio;
b. the exponent of step time against agent count (log-log least squares);
c. the wall time of one default replication, and of ``triplewin run`` end to end (10
   replications, without and with plots);
d. the start-up of ``triplewin --help`` and ``triplewin validate``, and whether mesa, pandas or
   matplotlib is imported on those paths;
e. sweep throughput with 1 and 2 workers, parallel efficiency, and the peak memory of a 2,000-run
   sweep against a 200-run one;
f. the batched engine (bench/batched.py): sweep runs/s with the default batch against
   ``--batch 1``, the robust verdict of 4,000 runs, memory of a 1,000-run sweep against one
   batch, parallel efficiency, the writing process's rate, one step at 100k agents against the
   commit before the engine;

each beside its target (issue 6 section 2, issue 15). The table also goes to bench/results.md and every
measurement to bench/results.json (both overwritten). Progress goes to stderr, the table to stdout.
``--quick`` skips the 100k-agent size, the 2,000-run sweep, the robust verdict and the
100k-agent comparison. Timings are never asserted.
"""

from __future__ import annotations

import argparse
import compileall
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # import bench.* as a package (and never shadow the stdlib with bench/)

from bench import batched, report, scaling, sweeps, wall  # noqa: E402
from bench.measure import loadavg  # noqa: E402

PARTS = "abcdef"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="skip the 100k-agent size and the 2,000-run sweep (a fast check)")
    ap.add_argument("--only", default=PARTS, metavar="PARTS",
                    help="measure only these parts, e.g. --only ab (implies --no-write)")
    ap.add_argument("--no-write", action="store_true",
                    help="print the table only; leave bench/results.md and .json as they are")
    ap.add_argument("--md", type=Path, default=ROOT / "bench" / "results.md")
    ap.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    args = ap.parse_args(argv)
    parts = set(args.only)
    if not parts <= set(PARTS):
        ap.error(f"--only takes letters of {PARTS}, got {args.only!r}")
    write = not args.no_write and parts == set(PARTS)

    t_start = time.perf_counter()
    res: dict = {"meta": {"quick": args.quick, "parts": "".join(sorted(parts)),
                          "command": "bench/run.py" + (" " if argv or sys.argv[1:] else "")
                          + shlex.join(argv if argv is not None else sys.argv[1:]),
                          "machine": report.machine(), "commit": report.commit(),
                          "loadavg_before": loadavg()}}

    failures: dict[str, str] = {}

    def attempt(part: str, fn) -> None:
        """Run one part; a failure is reported in the table and the other parts go on."""
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - one broken part must not hide the others
            failures[part] = " ".join(f"{type(e).__name__}: {e}".split())[:300]
            log(f"part {part} failed: {failures[part]}")

    def part_d() -> None:
        log("d. start-up and imports of triplewin --help / validate ...")
        res["startup"] = [wall.startup(["--help"]), wall.startup(["validate", wall.SCENARIO])]
        res["floor"] = wall.interpreter_floor()
        res["imports"] = [wall.imports(["--help"]), wall.imports(["validate", wall.SCENARIO])]

    def part_ab() -> None:
        targets = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
        log(f"a/b. agent-steps per second at {', '.join(f'{t:,}' for t in targets)} agents ...")
        sizes = scaling.measure(targets, log=log)
        res["scaling"] = [s.as_json() for s in sizes]
        res["exponent"] = {
            "from": sizes[0].agents, "to": sizes[-1].agents, "points": len(sizes),
            "triplewin": scaling.fit_exponent([s.agents for s in sizes],
                                              [s.tw_step_s for s in sizes]),
            "boltzmann": scaling.fit_exponent([s.agents for s in sizes],
                                              [s.bz_step_s for s in sizes])}

    def part_c() -> None:
        log("c. one replication in-process ...")
        res["replication"] = wall.one_replication()
        log("c. triplewin run end to end, --no-plots and with plots ...")
        res["cli_run"] = [wall.cli_run(plots=False), wall.cli_run(plots=True)]

    def part_e() -> None:
        sw: dict = {}
        res["sweeps"] = sw
        small, big = 200, 2_000
        log(f"e. sweep of {small} runs, serial executor ...")
        sw["serial"] = sweeps.sweep(small, 1, "serial")
        # 1 and 2 workers alternately, best rate of each: the machine's load changes less
        # between two neighbouring sweeps, and the best of a few is the least disturbed
        tries: dict[str, list] = {"w1": [], "w2": []}
        for _ in range(1 if args.quick else 2):
            for key, workers in (("w1", 1), ("w2", 2)):
                log(f"e. sweep of {small} runs, {workers} worker process(es) ...")
                tries[key].append(sweeps.sweep(small, workers, "process"))
        for key, found in tries.items():
            best = max(found, key=lambda r: r["rate"])
            sw[key] = {**best, "tries": len(found), "rates": [r["rate"] for r in found],
                       # memory hardly depends on load: the smallest peak, for a cautious ratio
                       "tree_peak_mb": min((r["tree_peak_mb"] for r in found
                                            if r["tree_peak_mb"] is not None), default=None)}
        sw["efficiency"] = sw["w2"]["rate"] / (2 * sw["w1"]["rate"])
        if not args.quick:
            log(f"e. sweep of {big:,} runs, 2 worker processes ...")
            sw["big"] = sweeps.sweep(big, 2, "process")
        if "big" in sw:
            # the process tree's peak needs psutil (installed with the sweep extra); without it,
            # the largest process's peak (kernel rusage) stands in
            mem = "tree_peak_mb" if sw["w2"]["tree_peak_mb"] is not None else "max_rss_mb"
            sw["memory_measure"] = mem
            sw["memory_ratio"] = sw["big"][mem] / sw["w2"][mem]
            sw["memory_ratio_largest_process"] = sw["big"]["max_rss_mb"] / sw["w2"]["max_rss_mb"]

    def part_f() -> None:
        b: dict = {}
        res["batched"] = b
        b["sweep_ratio"] = batched.sweep_ratio(runs=128, tries=1 if args.quick else 2, log=log)
        b["efficiency"] = batched.efficiency(runs=256 if args.quick else 384,
                                             tries=1 if args.quick else 2, log=log)
        b["writer"] = batched.writer(log=log)
        if not args.quick:
            b["memory"] = batched.memory(log=log)
            b["verdict"] = batched.verdict(log=log)
            b["large"] = batched.large(log=log)

    # Python normally caches compiled modules on first import; where PYTHONDONTWRITEBYTECODE is
    # set (as on some CI machines) every command would compile sim/ again. Compile it once, as a
    # user's first run would.
    compileall.compile_dir(ROOT / "sim", quiet=1)
    res["meta"]["bytecode_compiled"] = True
    if "d" in parts:
        attempt("d", part_d)
    if "a" in parts or "b" in parts:
        attempt("a", part_ab)
    if "c" in parts:
        attempt("c", part_c)
    if "e" in parts:
        attempt("e", part_e)
    if "f" in parts:
        attempt("f", part_f)
    res["failures"] = failures

    res["meta"]["loadavg_after"] = loadavg()
    res["meta"]["seconds"] = time.perf_counter() - t_start
    res["meta"]["finished_utc"] = report.now()
    rows = report.rows_from(res)
    text = report.markdown(res, rows)
    print(text, end="")
    if write and not failures:
        report.write(res, rows, args.md, args.json)
        log(f"wrote {args.md.relative_to(ROOT)} and {args.json.relative_to(ROOT)}")
    elif write:
        log("a part failed: bench/results.md and .json left as they were")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
