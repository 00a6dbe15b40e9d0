"""``--batch`` (runs per pass of the batched engine) on every command that runs simulations, and
``batch=`` in the Python API: the numbers are the same at any batch size, and a batch below 1 is
bad input (exit 2, naming ``--batch``)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from sim import api
from sim.metrics import METRICS

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
NO_COOP = ROOT / "scenarios" / "no-cooperation.yaml"

#: Small and quick: 4 quarters, 3 replications, no figures, this process only.
SMALL = ("--steps", "4", "--replications", "3", "--no-plots")

TINY_SWEEP = f"""\
name: tiny
base: {BASELINE}
design: lhs
samples: 3
replications: 2
steps: 4
seed: 5
levers:
  joint_bidding: {{low: 0, high: 1}}
world:
  instability: {{low: 0.2, high: 0.6}}
"""


def _ok(proc) -> None:
    assert proc.returncode == 0, (proc.stdout, proc.stderr)


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("command", ["run", "compare"])
def test_run_and_compare_give_the_same_numbers_at_any_batch(cli, tmp_path, command) -> None:
    scenarios = [BASELINE] if command == "run" else [NO_COOP, BASELINE]
    for batch in ("1", "7"):
        _ok(cli(command, *scenarios, *SMALL, "--workers", "1", "--batch", batch,
                "--out", tmp_path / f"b{batch}"))
    if command == "run":
        one, seven = (_json(tmp_path / f"b{b}" / "summary.json") for b in ("1", "7"))
        assert set(one["metrics"]) == set(METRICS) and one["metrics"]["gain_china"]["n"] == 3
        assert (tmp_path / "b1" / "timeseries.csv").read_text() == \
            (tmp_path / "b7" / "timeseries.csv").read_text()
    else:
        one, seven = (_json(tmp_path / f"b{b}" / "comparison.json") for b in ("1", "7"))
        assert one["replications"] == 3 and set(one["verdict"]) >= {"triple_win"}
    assert one == seven


def test_compare_worlds_gives_the_same_numbers_at_any_batch(cli, tmp_path) -> None:
    for batch in ("1", "7"):
        _ok(cli("compare", NO_COOP, BASELINE, "--steps", "4", "--replications", "2",
                "--no-plots", "--worlds", "2", "--executor", "serial", "--quiet",
                "--batch", batch, "--out", tmp_path / f"w{batch}"))
    for name in ("comparison.json", "worlds.csv"):
        assert (tmp_path / "w1" / name).read_text() == (tmp_path / "w7" / name).read_text()
    one, seven = (_json(tmp_path / f"w{b}" / "robustness.json") for b in ("1", "7"))
    assert one["share"] == seven["share"] and one["worlds"] == seven["worlds"] == 2


def test_sweep_gives_the_same_runs_at_any_batch_and_records_it(cli, tmp_path) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(TINY_SWEEP)
    for batch in ("1", "7"):
        _ok(cli("sweep", spec, "--executor", "serial", "--quiet", "--batch", batch,
                "--out", tmp_path / f"s{batch}"))
    cols = ["run_id", "seed", "error", *METRICS]
    one, seven = (api.load_runs(tmp_path / f"s{b}", columns=cols) for b in ("1", "7"))
    assert len(one) == 6 and (one["error"] == "").all()
    pd.testing.assert_frame_equal(one, seven)
    for b in (1, 7):
        assert _json(tmp_path / f"s{b}" / "manifest.json")["sessions"][-1]["batch"] == b
    # the API: batch left out is recorded as chosen automatically; the same runs again
    api.sweep(str(spec), tmp_path / "auto", executor="serial")
    assert _json(tmp_path / "auto" / "manifest.json")["sessions"][-1]["batch"] == "auto"
    pd.testing.assert_frame_equal(one, api.load_runs(tmp_path / "auto", columns=cols))


@pytest.mark.parametrize("args", [
    ["run", "baseline"],
    ["compare", "no-cooperation", "baseline"],
    ["sweep", "jb-ipr-lhs"],
    ["analyze", "no-such-sweep"],
    ["calibrate"],
    ["validate-history"],
])
def test_a_batch_below_one_is_bad_input(cli, tmp_path, args) -> None:
    proc = cli(*args, "--batch", "0", "--out", tmp_path / "out") if args[0] != "analyze" \
        else cli(*args, "--batch", "0")
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "--batch" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "analyze", "calibrate",
                                     "validate-history"])
def test_the_commands_that_run_simulations_document_batch(command) -> None:
    from typer.testing import CliRunner

    from sim.cli import app

    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--batch" in result.output and "Results do not depend on it" in result.output


def test_api_takes_batch_and_refuses_one_below_one() -> None:
    kw = {"steps": 4, "replications": 3}
    assert api.run("baseline", batch=1, **kw) == api.run("baseline", batch=7, **kw)
    pd.testing.assert_frame_equal(api.run_frame("baseline", batch=2, **kw),
                                  api.run_frame("baseline", batch=None, **kw))
    assert api.compare("no-cooperation", "baseline", batch=1, **kw) == \
        api.compare("no-cooperation", "baseline", batch=3, **kw)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch"):
            api.run("baseline", batch=bad, **kw)
        with pytest.raises(ValueError, match="batch"):
            api.compare("no-cooperation", "baseline", batch=bad, **kw)


def test_calibration_is_the_same_at_any_batch(tmp_path) -> None:
    pytest.importorskip("pyabc")
    from sim.analysis import patterns as pt
    from sim.analysis.calibration.fit import calibrate
    from sim.scenario.load import load_scenario

    short = load_scenario(BASELINE, ["world.n_cn_firms=30", "world.n_dv_firms=14",
                                     "world.n_developing_hosts=10"], steps=8)
    # tolerances wide enough to accept some runs, narrow enough to reject others
    pats = tuple(dataclasses.replace(p, tolerance=3 * p.tolerance)
                 for p in pt.calibration_patterns())
    res = [calibrate(short, tmp_path / f"c{b}", budget=30, population=4, executor="serial",
                     patterns=pats, plots=False, batch=b) for b in (1, 5)]
    ens = [pd.read_parquet(r.ensemble) for r in res]
    pd.testing.assert_frame_equal(ens[0], ens[1])
    assert res[0].runs == res[1].runs and res[0].generations == res[1].generations
    assert res[0].manifest["generations"] == res[1].manifest["generations"]
    assert [r.manifest["batch"] for r in res] == [1, 5]
    assert any(g["acceptance_rate"] < 1 for g in res[0].manifest["generations"])
