"""Checks of the benchmark's own logic: no timing is asserted here, ever (issue 6 section 2).

Collected by the suite (``testpaths`` in pyproject.toml names tests/ and this file).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import report, scaling, wall  # noqa: E402
from bench.boltzmann import BoltzmannWealth  # noqa: E402


def test_boltzmann_conserves_wealth_and_steps_every_agent() -> None:
    m = BoltzmannWealth(500, rng=3)
    for _ in range(20):
        m.step()
    assert m.steps == 20
    assert len(m.agents) == 500
    assert m.total_wealth() == 500
    assert min(a.wealth for a in m.agent_list) >= 0
    assert max(a.wealth for a in m.agent_list) > 1  # wealth did move


def test_boltzmann_is_reproducible() -> None:
    a, b = BoltzmannWealth(200, rng=7), BoltzmannWealth(200, rng=7)
    for _ in range(5):
        a.step()
        b.step()
    assert [x.wealth for x in a.agent_list] == [x.wealth for x in b.agent_list]


@pytest.mark.parametrize("target", [1_000, 10_000, 100_000])
def test_scaled_world_keeps_the_default_proportions(target: int) -> None:
    w = scaling.scaled_world(target)
    n = scaling.agent_count(w)
    assert abs(n - target) <= 0.01 * target
    k = w["n_cn_firms"] / scaling.DEFAULT_WORLD["n_cn_firms"]
    for name, default in scaling.DEFAULT_WORLD.items():
        assert w[name] == pytest.approx(default * k, rel=0.05, abs=1)


def test_scaled_world_counts_agents_as_the_model_does() -> None:
    from sim.model import TripleWinModel

    m = TripleWinModel(rng=1, steps=1, **scaling.model_params(1_000))
    assert len(m.agents) == scaling.agent_count(scaling.scaled_world(1_000))


def test_fit_exponent_recovers_a_power_law() -> None:
    n = [1_000, 10_000, 100_000]
    assert scaling.fit_exponent(n, [2e-6 * x**1.3 for x in n]) == pytest.approx(1.3)


def _fake_results(ratio: float, quick: bool = False) -> dict:
    sizes = [1_000, 10_000] + ([] if quick else [100_000])
    return {
        "meta": {"quick": quick, "parts": "abcde", "command": "bench/run.py",
                 "machine": report.machine(), "commit": "abc", "loadavg_before": (0.1, 0, 0),
                 "loadavg_after": (0.2, 0, 0), "seconds": 1.0, "finished_utc": "now"},
        "scaling": [{"target": t, "agents": t, "tw_agent_steps_per_s": ratio * 1e5,
                     "bz_agent_steps_per_s": 1e5, "ratio": ratio} for t in sizes],
        "exponent": {"from": 1_000, "to": sizes[-1], "points": len(sizes), "triplewin": 1.05,
                     "boltzmann": 1.0},
        "replication": {"steps": 40, "agents": 225, "repeats": 5, "wall_s": 0.2, "cpu_s": 0.2},
        "cli_run": [{"plots": p, "replications": 10, "repeats": 3, "wall_s": 2.5, "cpu_s": 2.4}
                    for p in (False, True)],
        "startup": [{"args": ["--help"], "repeats": 5, "wall_s": 0.2, "cpu_s": 0.2}],
        "floor": {"wall_s": 0.02, "cpu_s": 0.02},
        "imports": [{"args": ["--help"], "heavy_roots": []},
                    {"args": ["validate", "x"], "heavy_roots": ["pandas"]}],
        "sweeps": {
            **{k: {"runs": 200, "steps": 20, "workers": w, "executor": e, "rate": r,
                   "wall_rate": r, "wall_s": 1.0, "cpu_s": 1.0, "tree_peak_mb": 300.0,
                   "max_rss_mb": 150.0}
               for k, w, e, r in (("serial", 1, "serial", 10.0), ("w1", 1, "process", 10.0),
                                  ("w2", 2, "process", 19.0))},
            "efficiency": 0.95,
            **({} if quick else {"big": {"runs": 2_000, "steps": 20, "workers": 2,
                                         "executor": "process", "rate": 19.0,
                                         "wall_rate": 19.0, "wall_s": 1.0, "cpu_s": 1.0,
                                         "tree_peak_mb": 390.0, "max_rss_mb": 160.0},
                                 "memory_ratio": 1.3}),
        },
    }


def test_every_figure_has_a_row_and_the_targets_are_judged() -> None:
    res = _fake_results(ratio=1.5)
    rows = report.rows_from(res)
    parts = {r.part for r in rows}
    assert parts == set("abcde")
    assert any(r.met for r in rows if r.part == "a")  # 1.5 >= 1 at 10k
    assert [r.note for r in rows if r.part == "a" and r.met is not None] == ["aim not met"]
    heavy = [r for r in rows if "imported" in r.measure]
    assert [r.met for r in heavy] == [True, False]  # pandas on the validate path
    ratio = [r for r in rows if r.measure.startswith("memory ratio")]
    assert len(ratio) == 1 and ratio[0].met is False  # 1.3 > 1.2
    assert sum(r.met is not None for r in rows) == 10  # a 1, b 1, c 3, d 3, e 2
    text = report.markdown(res, rows)
    assert text.count("\n| ") == len(rows) + 1  # header + one line per row
    assert "busy" not in text


def test_quick_results_leave_out_the_big_figures() -> None:
    rows = report.rows_from(_fake_results(ratio=0.5, quick=True))
    assert not any("2,000" in r.measure for r in rows)
    a10k = [r for r in rows if r.part == "a" and r.met is not None]
    assert len(a10k) == 1 and a10k[0].met is False
    b = [r for r in rows if r.part == "b"]
    assert b[0].note  # says the exponent spans 1k-10k only


def test_help_and_validate_import_no_mesa_pandas_or_matplotlib() -> None:
    for args in (["--help"], ["validate", wall.SCENARIO]):
        found = wall.imports(args)
        assert found["modules"] > 0  # the -X importtime output was parsed
        assert found["heavy_roots"] == [], f"triplewin {' '.join(args)} imports {found['heavy']}"


def test_status_text() -> None:
    assert report.Row("a", "m", "r", "t", None).status() == "-"
    assert report.Row("a", "m", "r", "t", True, "aim not met").status() == "met; aim not met"
    assert "not met" in report.Row("a", "m", "r", "t", False).status()
    assert math.isclose(report.TARGETS["memory_ratio"], 1.2)


def test_versus_runs_both_sides_and_reports_their_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    # the logic only (one round of one replication against this very commit): no timing is
    # asserted, only that both sides ran and the report has its three lines
    from bench import versus

    assert versus.main(["HEAD", "--rounds", "1", "--replications", "1"]) == 0
    out = capsys.readouterr().out
    assert "this checkout" in out and "HEAD" in out
    ratio = float(out.split("ratio")[1].split()[0])
    assert math.isfinite(ratio) and ratio > 0


def _fake_batched() -> dict:
    sweep = {"runs": 128, "steps": 40, "workers": 1, "rate": 40.0, "rates": [40.0],
             "tree_peak_mb": 200.0, "max_rss_mb": 150.0}
    return {
        "sweep_ratio": {"batch1": {**sweep, "rate": 10.0, "rates": [10.0]}, "auto": sweep,
                        "ratio": 4.0},
        "efficiency": {"w1": sweep, "w2": {**sweep, "workers": 2, "rate": 76.0},
                       "efficiency": 0.95},
        "writer": {"sweep": {"runs": 20_000, "chunk_size": 256, "cpu_s": 0.5, "rate": 40_000.0},
                   "worlds": {"runs": 4_000, "chunk_size": 10, "cpu_s": 1.0, "rate": 4_000.0}},
        "memory": {"one_batch": {**sweep, "tree_peak_mb": 300.0},
                   "big": {**sweep, "tree_peak_mb": 420.0}, "ratio": 1.4},
        "verdict": {"worlds": 200, "replications": 10, "workers": 2, "runs": 4_020,
                    "wall_s": 45.0, "cpu_s": 88.0, "tree_peak_mb": 500.0},
        "large": {"ref": "abc", "agents": 101_010, "now_s": 0.5, "then_s": 0.49,
                  "ratio": 1.02},
    }


def test_the_batched_engine_rows_are_judged() -> None:
    res = {**_fake_results(ratio=1.5), "batched": _fake_batched()}
    rows = [r for r in report.rows_from(res) if r.part == "f"]
    assert len(rows) == 7
    assert [r.met for r in rows] == [False, False, True, True, True, False, True]
    assert "1.02" in rows[-1].result and rows[-1].note  # within noise of "no worse"
