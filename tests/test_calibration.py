"""`triplewin calibrate` (sim.analysis.calibration): the ensemble file round-trips, ABC runs
within its budget on any executor with the same result, resumes, refuses what it cannot do, and
a calibration against a target moved far away shows that pattern failing."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import patterns as pt
from sim.analysis import validation
from sim.analysis.calibration import CalibrationError, EnsembleError
from sim.analysis.calibration.ensemble import (
    ENSEMBLE_MARK,
    draw_worlds,
    read_ensemble,
    write_ensemble,
)
from sim.analysis.calibration.fit import (
    FIRST_EPSILON,
    PatternDistance,
    calibrate,
    check_fitted,
    prior_range,
    run_seed,
)
from sim.scenario.load import load_scenario

pytest.importorskip("pyabc")

ROOT = Path(__file__).resolve().parent.parent
HISTORICAL = ROOT / "scenarios" / "historical.yaml"
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def short():
    """The baseline scenario, 8 quarters, small: the machinery, not the fit, is under test."""
    return load_scenario(BASELINE, ["world.n_cn_firms=30", "world.n_dv_firms=14",
                                    "world.n_developing_hosts=10"], steps=8)


@pytest.fixture(scope="module")
def wide():
    """The calibration patterns with tolerances 50 times wider (the short scenario is far from
    history; these tests are about the machinery)."""
    return tuple(dataclasses.replace(p, tolerance=50 * p.tolerance)
                 for p in pt.calibration_patterns())


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"tech_gap": [0.2, 0.3, 0.4], "tender_volume": [1.0, 1.5, 2.0],
                         "weight": [1.0, 2.0, 1.0]})


# --------------------------------------------------------------------------------------------
# the ensemble file


def test_ensemble_file_round_trips(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    f = write_ensemble(_frame(), tmp_path / "ensemble.parquet")
    back, manifest = read_ensemble(f)
    assert manifest == {}
    assert list(back.columns) == ["tech_gap", "tender_volume", "weight"]
    assert back["weight"].tolist() == pytest.approx([0.25, 0.5, 0.25])
    assert back["tech_gap"].tolist() == [0.2, 0.3, 0.4]
    assert all(str(t) == "float64" for t in back.dtypes)
    assert pq.read_schema(f).metadata == ENSEMBLE_MARK
    (tmp_path / "manifest.json").write_text(json.dumps({"fitted": {"tech_gap": ["x"]}}))
    assert read_ensemble(f)[1]["fitted"] == {"tech_gap": ["x"]}
    write_ensemble(back, tmp_path / "again.parquet")  # what is read writes again
    assert read_ensemble(tmp_path / "again.parquet")[0].equals(back)


@pytest.mark.parametrize("change, says", [
    (lambda d: d.drop(columns="weight"), "no 'weight' column"),
    (lambda d: d.assign(weight=[-1.0, 1.0, 1.0]), "weights must be >= 0"),
    (lambda d: d.assign(joint_bidding=0.5), "'joint_bidding': not an uncertainty"),
    (lambda d: d.assign(no_such=0.5), "'no_such'"),
    (lambda d: d.assign(tech_gap=[0.2, 5.0, 0.3]), "outside"),
    (lambda d: d.iloc[:0], "no rows"),
])
def test_a_malformed_ensemble_is_refused(tmp_path: Path, change, says) -> None:
    with pytest.raises(EnsembleError, match=says):
        write_ensemble(change(_frame()), tmp_path / "e.parquet")
    assert not (tmp_path / "e.parquet").exists()


def test_worlds_are_drawn_by_weight_and_repeatably() -> None:
    d = _frame().assign(weight=[0.0, 3.0, 1.0])
    w = draw_worlds(d, 40, seed=1)
    assert w == draw_worlds(d, 40, seed=1)
    gaps = [x["tech_gap"] for x in w]
    assert 0.2 not in gaps and gaps.count(0.3) == 30 and gaps.count(0.4) == 10


# --------------------------------------------------------------------------------------------
# ABC


def test_calibration_writes_ensemble_and_is_the_same_on_every_executor(short, wide,
                                                                      tmp_path) -> None:
    runs = []
    a = calibrate(short, tmp_path / "a", budget=12, population=3, executor="serial",
                      patterns=wide, progress=lambda d, b, s: runs.append(d))
    assert 0 < a.runs <= 12 and runs and max(runs) <= 12
    ens, man = read_ensemble(a.ensemble)
    assert list(ens.columns) == [f.name for f in pt.FITTED] + ["weight"]
    assert len(ens) == 3 and ens["weight"].sum() == pytest.approx(1.0)
    for f in pt.FITTED:
        lo, hi = prior_range(f)
        assert ens[f.name].between(lo, hi).all()
    assert man["fitted"] == pt.fitted_map()
    assert set(man["never_used_to_fit"]) == {p.name for p in pt.validation_patterns()}
    assert man["generations"][0]["epsilon"] == FIRST_EPSILON
    assert (tmp_path / "a" / "figures" / "prior_posterior.png").stat().st_size > 10_000
    b = calibrate(short, tmp_path / "b", budget=12, population=3, executor="process",
                      workers=2, patterns=wide, plots=False)
    assert read_ensemble(b.ensemble)[0].equals(ens)
    with pytest.raises(CalibrationError, match="exists"):
        calibrate(short, tmp_path / "a", budget=12, population=3, executor="serial")


def test_calibration_resumes_and_refuses_a_changed_one(short, wide, tmp_path) -> None:
    first = calibrate(short, tmp_path / "c", budget=4, population=3, executor="serial",
                          patterns=wide, plots=False)
    more = calibrate(short, tmp_path / "c", budget=15, population=3, executor="serial",
                         patterns=wide, resume=True, plots=False)
    assert more.generations > first.generations and more.runs > first.runs
    straight = calibrate(short, tmp_path / "d", budget=15, population=3, executor="serial",
                             patterns=wide, plots=False)
    assert read_ensemble(straight.ensemble)[0].equals(read_ensemble(more.ensemble)[0])
    with pytest.raises(CalibrationError, match="different calibration"):
        calibrate(short, tmp_path / "c", budget=15, population=4, executor="serial",
                      patterns=wide, resume=True)
    with pytest.raises(CalibrationError, match="no calibration to resume"):
        calibrate(short, tmp_path / "none", budget=15, resume=True)


def test_a_scheduled_or_unknown_parameter_cannot_be_fitted(short) -> None:
    hist = load_scenario(HISTORICAL)
    with pytest.raises(CalibrationError, match="scheduled"):
        check_fitted(hist, (pt.Fitted("screening_threshold", ("market_size",)),),
                         pt.calibration_patterns())
    with pytest.raises(CalibrationError, match="registry"):
        check_fitted(short, (pt.Fitted("joint_bidding", ("market_size",)),),
                         pt.calibration_patterns())


def test_a_target_moved_far_away_fails_after_calibration(short, wide, tmp_path) -> None:
    """Fit utilisation to a target far below anything its prior allows (0.3 +- 0.1): the
    accepted ensemble cannot reach it, and the validation of that pattern fails."""
    moved = tuple(dataclasses.replace(p, target=0.3, tolerance=0.1)
                  if p.name == "utilization_start" else p for p in wide)
    r = calibrate(short, tmp_path / "w", budget=10, population=3, executor="serial",
                      patterns=moved, plots=False)
    assert r.manifest["pattern_fit"]["utilization_start"]["within_tolerance"] == 0.0
    runs = validation.run_history(short, ensemble=r.ensemble, worlds=3, replications=1)
    wrong = next(p for p in moved if p.name == "utilization_start")
    (row,) = validation.evaluate(runs.series(), (wrong,))
    assert row["coverage"] == 0.0 and not row["holds"]
    assert runs.ensemble == str(r.ensemble) and len(runs.worlds) == 3


def test_the_distance_is_scaled_by_tolerance() -> None:
    ps = pt.calibration_patterns()[:2]
    d = PatternDistance(ps)
    x0 = {p.name: p.target for p in ps}
    at_edge = {p.name: p.target + p.tolerance for p in ps}
    assert d(x0, x0) == 0.0 and d(at_edge, x0) == pytest.approx(1.0)
    assert d({**x0, ps[0].name: float("nan")}, x0) == float("inf")


def test_a_run_seed_depends_on_the_values_only() -> None:
    assert run_seed(1, {"a": 0.1, "b": 0.2}) == run_seed(1, {"b": 0.2, "a": 0.1})
    assert run_seed(1, {"a": 0.1}) != run_seed(1, {"a": np.nextafter(0.1, 1)})
    assert run_seed(1, {"a": 0.1}) != run_seed(2, {"a": 0.1})


# --------------------------------------------------------------------------------------------
# the commands


def test_calibrate_then_validate_history_on_the_ensemble(cli, tmp_path: Path) -> None:
    out = tmp_path / "cal"
    p = cli("calibrate", HISTORICAL, "--budget", "6", "--population", "2", "--executor",
            "serial", "--out", out, "--quiet")
    assert p.returncode == 0, p.stderr
    assert "Ensemble:" in p.stdout and (out / "ensemble.parquet").is_file()
    man = json.loads((out / "manifest.json").read_text())
    assert man["runs"] <= 6 and man["scenario_name"] == "historical"
    v = cli("validate-history", HISTORICAL, "--ensemble", out / "ensemble.parquet", "--worlds",
            "2", "--replications", "1", "--workers", "1", "--out", tmp_path / "val", "--json")
    assert v.returncode == 0, v.stderr
    data = json.loads(v.stdout)
    assert data["calibration"]["ensemble"].endswith("ensemble.parquet")
    assert data["calibration"]["parameters"] == pt.fitted_map()
    assert data["runs"] == 2 and data["worlds"] == 2
    assert (tmp_path / "val" / "calibration" / "ensemble.parquet").is_file()
    again = cli("calibrate", HISTORICAL, "--budget", "6", "--out", out)
    assert again.returncode == 2 and "already exists" in again.stderr
    nores = cli("calibrate", HISTORICAL, "--resume")
    assert nores.returncode == 2 and "--resume needs --out" in nores.stderr
