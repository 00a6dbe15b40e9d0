"""Where a triplewin step spends its time: per phase, and the hottest functions (for whoever
optimises the model; not part of ``make bench``'s table).

    .venv/bin/python bench/hotspots.py              # 10k and 100k agents
    .venv/bin/python bench/hotspots.py --agents 225 --steps 40 --top 25

Per phase: each phase of ``sim.schedule.PHASES`` is wrapped with a timer in this process only (the
model reads the tuple each step), over ``--steps`` steps after one warm-up. Functions: cProfile
over the same number of steps on a fresh model; self time (``tottime``) and time including callees
(``cumtime``) as a share of the profiled step time, ``file:line`` relative to the repository.
cProfile slows small Python calls more than numpy calls: read the shares, not the times.
With ``--lines N`` and line_profiler importable (``pip install line_profiler``; it is not a
project dependency), the N sim/ functions with the most self time are also timed line by line.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

from bench.scaling import SEED, model_params  # noqa: E402


def _model(agents: int, steps: int):
    """The model as bench/run.py part (a) runs it: baseline scenario, scaled population."""
    from sim.model import TripleWinModel

    return TripleWinModel(rng=SEED, steps=steps + 1, **model_params(agents))


def phases(agents: int, steps: int) -> list[tuple[str, float]]:
    from sim import schedule

    spent: dict[str, float] = defaultdict(float)
    original = schedule.PHASES

    def timed(name, fn):
        def run(m, q):
            t0 = time.perf_counter()
            fn(m, q)
            spent[name] += time.perf_counter() - t0
        return run

    m = _model(agents, steps)
    m.step()  # warm-up
    schedule.PHASES = tuple((name, timed(name, fn)) for name, fn in original)
    try:
        t0 = time.perf_counter()
        for _ in range(steps):
            m.step()
        total = time.perf_counter() - t0
    finally:
        schedule.PHASES = original
    rows = [(name, spent[name] / total) for name, _ in original]
    rows.append(("(outside the phases)", 1.0 - sum(s for _, s in rows)))
    print(f"\n{len(m.agents):,} agents: {total / steps * 1e3:.1f} ms per step "
          f"(mean over {steps} steps after one warm-up)")
    print("  phase                     share of step time")
    for name, share in rows:
        print(f"  {name:<25} {share:6.1%}")
    return rows


def _where(key: tuple[str, int, str]) -> str:
    file, line, fn = key
    p = Path(file)
    try:
        rel = p.resolve().relative_to(ROOT)
        return f"{rel}:{line} {fn}"
    except (ValueError, OSError):
        if file == "~":
            return fn  # a builtin
        parts = p.parts
        short = "/".join(parts[parts.index("site-packages") + 1:]) if "site-packages" in parts \
            else p.name
        return f"{short}:{line} {fn}"


def _function_at(file: str, line: int, name: str):
    """The function object whose code starts at ``file:line`` (a module function or a method)."""
    import inspect

    for mod in list(sys.modules.values()):
        if getattr(mod, "__file__", None) != file:
            continue
        for obj in vars(mod).values():
            cands = [obj] + ([v for v in vars(obj).values()] if inspect.isclass(obj) else [])
            for c in cands:
                c = getattr(c, "__func__", c)
                code = getattr(c, "__code__", None)
                if code is not None and code.co_name == name and code.co_firstlineno == line:
                    return c
    return None


def lines(agents: int, steps: int, keys: list[tuple[str, int, str]], per_function: int) -> None:
    try:
        from line_profiler import LineProfiler
    except ImportError:
        print("\n  (line_profiler is not importable: no line-by-line times)")
        return
    funcs = [f for f in (_function_at(*k) for k in keys) if f is not None]
    m = _model(agents, steps)
    m.step()
    lp = LineProfiler(*funcs)
    t0 = time.perf_counter()
    lp.enable_by_count()
    for _ in range(steps):
        m.step()
    lp.disable_by_count()
    total = time.perf_counter() - t0
    stats = lp.get_stats()
    print(f"\n  hottest lines of those functions, share of step time under line_profiler "
          f"({total / steps * 1e3:.1f} ms/step):")
    for (file, _first, name), timings in stats.timings.items():
        if not timings:
            continue
        src = Path(file).read_text().splitlines()
        rel = Path(file).resolve().relative_to(ROOT)
        ranked = sorted(timings, key=lambda t: t[2], reverse=True)[:per_function]
        for lineno, _hits, t in ranked:
            share = t * stats.unit / total
            print(f"  {share:6.1%}  {rel}:{lineno} ({name})  {src[lineno - 1].strip()[:80]}")


def functions(agents: int, steps: int, top: int) -> list[tuple[str, int, str]]:
    m = _model(agents, steps)
    m.step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        m.step()
    prof.disable()
    st = pstats.Stats(prof)
    total = st.total_tt
    entries = st.stats  # key -> (cc, nc, tt, ct, callers)
    for label, idx in (("self time (tottime)", 2), ("including callees (cumtime)", 3)):
        print(f"\n  top {top} by {label}, share of profiled step time "
              f"({total / steps * 1e3:.1f} ms/step under cProfile):")
        ranked = sorted(entries.items(), key=lambda kv: kv[1][idx], reverse=True)
        shown = 0
        for key, (_cc, nc, tt, ct, _callers) in ranked:
            where = _where(key)
            if idx == 3 and not where.startswith(("sim/", "bench/")):
                continue  # by cumtime, only our own code is informative
            print(f"  {(tt if idx == 2 else ct) / total:6.1%}  {nc / steps:>9.0f} calls/step  "
                  f"{where}")
            shown += 1
            if shown == top:
                break
    ours = sorted((kv for kv in entries.items() if _where(kv[0]).startswith("sim/")),
                  key=lambda kv: kv[1][2], reverse=True)
    return [k for k, _ in ours]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--agents", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--steps", type=int, default=None,
                    help="steps measured (default: 10, or 3 at 50k agents and more)")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--lines", type=int, default=0, metavar="N",
                    help="time the N sim/ functions with most self time line by line")
    args = ap.parse_args()
    for n in args.agents:
        steps = args.steps or (3 if n >= 50_000 else 10)
        phases(n, steps)
        hot = functions(n, steps, args.top)
        if args.lines:
            lines(n, steps, hot[:args.lines], per_function=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
