"""`triplewin validate-history` and the pattern evaluation behind it (sim.analysis.patterns,
sim.analysis.validation): the patterns are declared consistently, coverage is the share of runs
within tolerance (not the mean), a moved target makes its pattern fail, and the JSON has the
documented shape."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from sim.analysis import patterns as pt
from sim.analysis import validation
from sim.metrics import METRICS
from sim.scenario.load import load_scenario
from sim.scenario.params import ALL

ROOT = Path(__file__).resolve().parent.parent
HISTORICAL = ROOT / "scenarios" / "historical.yaml"
ROW_KEYS = {"name", "role", "kind", "target", "tolerance", "median", "range", "coverage",
            "holds"}


@pytest.fixture(scope="module")
def runs():
    return validation.run_history(load_scenario(HISTORICAL), replications=3)


# --------------------------------------------------------------------------------------------
# declarations


def test_declarations_are_consistent() -> None:
    assert pt.check_declarations(known_params=lambda n: n in ALL) == []
    held = pt.validation_patterns()
    assert len(held) >= 5
    assert any(p.kind == "magnitude" and "USD bn" in p.unit for p in held)
    assert any(p.kind == "date" for p in held)
    for p in pt.PATTERNS:
        assert p.source and p.figures and p.title, p.name
        assert "FACTS" not in p.source, f"{p.name}: cite the public source"
        for m in p.measure.metrics():
            assert m in METRICS, f"{p.name} reads {m}, which the model does not report"


def test_no_parameter_is_fitted_to_a_held_out_pattern() -> None:
    held = {p.name for p in pt.validation_patterns()}
    for f in pt.FITTED:
        assert f.patterns and not set(f.patterns) & held, f.name
    bad = (*pt.FITTED, pt.Fitted("tech_gap", ("cn_share_developing",)))
    assert any("not a calibration pattern" in s for s in pt.check_declarations(fitted=bad))


def test_every_magnitude_declares_its_scale() -> None:
    for p in pt.PATTERNS:
        if p.kind == "magnitude":
            s = pt.SCALES[p.measure.scale]
            assert s.low <= s.value <= s.high and s.source and s.meaning


# --------------------------------------------------------------------------------------------
# coverage and holding


def _toy(values: list[float]) -> tuple[pt.Pattern, dict[str, np.ndarray]]:
    """A pattern on a made-up metric, and runs whose 2015Q4 values are ``values``."""
    p = pt.Pattern("toy", "toy", "validation", "share", 0.5, 0.05, "share",
                   pt.Measure("at", "toy_metric", (2015,)), "made up", "none")
    series = {"toy_metric": np.repeat(np.asarray(values, float)[:, None], 8, axis=1)}
    return p, series


def test_coverage_is_per_run_not_from_the_mean() -> None:
    # mean 0.5 sits on the target, but only 1 run in 4 is within 0.45-0.55
    p, series = _toy([0.1, 0.5, 0.9, 0.5 + 0.3])
    p2, series2 = _toy([0.2, 0.5, 0.8, 0.5])
    (row,) = validation.evaluate(series2, (p2,))
    assert abs(np.mean([0.2, 0.5, 0.8, 0.5]) - p2.target) < p2.tolerance
    assert row["coverage"] == pytest.approx(0.5) and row["holds"]  # 2 of 4 runs: the level
    (row,) = validation.evaluate(series, (p,))
    assert row["coverage"] == pytest.approx(0.25) and not row["holds"]
    assert row["median"] == pytest.approx(0.65)
    lo, hi = row["range"]
    assert lo == pytest.approx(np.percentile([0.1, 0.5, 0.9, 0.8], 5))
    assert hi == pytest.approx(np.percentile([0.1, 0.5, 0.9, 0.8], 95))


def test_undefined_values_count_as_outside_and_missing_metrics_do_not_hold() -> None:
    p, series = _toy([0.5, np.nan, np.nan, 0.5])
    (row,) = validation.evaluate(series, (p,))
    assert row["coverage"] == pytest.approx(0.5) and row["n_runs"] == 4
    (row,) = validation.evaluate({"other": series["toy_metric"]}, (p,))
    assert not row["measurable"] and not row["holds"] and row["missing"] == ["toy_metric"]


def test_a_moved_target_makes_its_pattern_fail(runs) -> None:
    series = runs.series()
    rows = {r["name"]: r for r in validation.evaluate(series)}
    holding = [p for p in pt.PATTERNS if rows[p.name]["holds"]]
    assert holding, "no pattern holds at all"
    for p in holding:
        far = dataclasses.replace(p, target=p.target + 50 * p.tolerance + 10 * abs(p.target))
        (row,) = validation.evaluate(series, (far,))
        assert row["coverage"] == 0.0 and not row["holds"], p.name
        assert row["median"] == rows[p.name]["median"]  # the model did not move, the target did


def test_measures_follow_their_stated_rule() -> None:
    steps = 40
    x = np.zeros((2, steps))
    for y in range(2015, 2025):
        x[:, 4 * (y - 2015) + 3] = [y - 2000, 2030 - y]  # rising in run 0, falling in run 1
    s = {"a": x, "b": x[::-1].copy()}
    m = pt.measure
    assert list(m(pt.Measure("at", "a", (2016,)), s)) == [16, 14]
    assert list(m(pt.Measure("mean", "a", (2015, 2016)), s)) == [15.5, 14.5]
    assert list(m(pt.Measure("peak_year", "a", pt._years(2015, 2024)), s)) == [2024, 2015]
    assert list(m(pt.Measure("change", "a", (2020,), base_years=(2015,)), s)) == [5, -5]
    assert list(m(pt.Measure("ratio", "a", (2020,), base_years=(2015,)), s)) == [20 / 15, 10 / 15]
    assert list(m(pt.Measure("lag", "a", pt._years(2015, 2024), other="b"), s)) == [9, -9]
    assert list(m(pt.Measure("at", "a", (2016,), times="a"), s)) == [256, 196]
    scaled = pt.Measure("at", "a", (2016,), scale="odi_coverage")
    assert list(m(scaled, s)) == pytest.approx([16 / 0.2, 14 / 0.2])


def test_holding_inputs_takes_the_scheduled_history_out() -> None:
    sc = load_scenario(HISTORICAL)
    names = validation.inputs_to_hold(sc)
    assert {"screening_threshold", "screening_response", "capital_controls"} <= set(names)
    assert "domestic_demand" not in names  # no held-out pattern leans on it
    held = validation.hold_inputs(sc, names)
    for k in names:
        assert held.world_values()[k] == next(iter(sc.world_values()[k].values()))
    assert held.world_values()["domestic_demand"] == sc.world_values()["domestic_demand"]
    assert held.lever_values() == sc.lever_values()


# --------------------------------------------------------------------------------------------
# the command and its files


def test_the_command_writes_report_json_trace_and_figures(cli, tmp_path: Path) -> None:
    out = tmp_path / "validation"
    p = cli("validate-history", HISTORICAL, "--replications", "2", "--workers", "1",
            "--out", out)
    assert p.returncode == 0, p.stderr
    assert "No ensemble given" in p.stderr
    data = json.loads((out / "validation.json").read_text())
    assert {"patterns", "calibration"} <= set(data)
    assert data["calibration"]["ensemble"] is None
    assert data["calibration"]["parameters"] == pt.fitted_map()
    assert [r["name"] for r in data["patterns"]] == [q.name for q in pt.PATTERNS]
    for r in data["patterns"]:
        assert ROW_KEYS <= set(r), r["name"]
        assert r["role"] in ("calibration", "validation")
        assert r["kind"] in ("share", "magnitude", "date", "shape")
        assert isinstance(r["holds"], bool) and 0 <= r["coverage"] <= 1
        assert len(r["range"]) == 2 and r["holds"] == (r["coverage"] >= data["hold_level"])
    s = data["summary"]["validation"]
    assert f"Held-out patterns: {s['holds']} of {s['of']} hold" in p.stdout
    assert "screening_threshold" in data["inputs"]["scheduled"]
    assert "screening_threshold" in data["held_inputs"]
    for r in data["patterns"]:
        if r["role"] == "validation" and r["leans_on_scheduled"]:
            w = r["without_scheduled_inputs"]
            assert w["held"] and w["holds"] == (w["coverage"] >= data["hold_level"])
        else:
            assert "without_scheduled_inputs" not in r
    assert set(data["produced_by_model"]).isdisjoint(data["responds_to_scheduled_inputs"])
    report = (out / "report.md").read_text()
    for r in data["patterns"]:
        assert r["title"] in report
    assert "no ensemble" in report.lower()
    trace = (out / "trace.md").read_text()
    assert "never used to fit" in trace.lower() and "What failed" in trace
    for fig in (out / "figures").iterdir():
        assert fig.stat().st_size > 10_000 and f"figures/{fig.name}" in report


def test_the_command_never_overwrites(cli, tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    p = cli("validate-history", HISTORICAL, "--replications", "2", "--out", out)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert list(out.iterdir()) == []


def test_a_bad_ensemble_is_bad_input(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    p = cli("validate-history", HISTORICAL, "--ensemble", bad, "--out", tmp_path / "o")
    assert p.returncode == 2 and "Traceback" not in p.stderr and "bad.parquet" in p.stderr
    assert not (tmp_path / "o").exists()
