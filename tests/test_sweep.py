"""Running sweeps: the same table from every executor, common random numbers, streamed chunks,
resume after a real SIGKILL with no run lost or repeated, failing runs recorded, export."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiments.runner import run_one
from sim.metrics import METRICS
from sim.scenario.load import load_scenario
from sim.scenario.params import LEVERS, POPULATION, UNCERTAINTIES
from sim.streams import replication_seeds
from sim.sweeps.session import run_sweep
from sim.sweeps.spec import SweepRefused, load_sweep, plan_from_dict
from sim.sweeps.store import read_runs
from subproc import cli_env as _env

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"

SMALL = f"""\
name: small
base: {BASELINE}
design: lhs
samples: 6
replications: 2
steps: 8
seed: 1
levers:
  joint_bidding: {{low: 0, high: 1}}
  ipr_protection: {{values: [0.2, 0.5, 0.8]}}
world:
  n_cn_firms: {{low: 60, high: 140}}
  instability: 0.4
"""


def _cli(*args: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    f = tmp_path / "small.yaml"
    f.write_text(SMALL)
    return f


def test_executors_give_identical_tables(tmp_path: Path, small: Path) -> None:
    from dask.distributed import LocalCluster

    plan = load_sweep(small)
    serial = run_sweep(plan, tmp_path / "serial", executor="serial")
    assert (serial.done, serial.failed, serial.ran) == (12, 0, 12)
    run_sweep(plan, tmp_path / "process", executor="process", workers=2, chunk_size=2)
    with LocalCluster(n_workers=2, processes=False, threads_per_worker=1, protocol="tcp",
                      host="127.0.0.1", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        run_sweep(plan, tmp_path / "dask", executor="dask",
                  scheduler=cluster.scheduler_address, chunk_size=3)
    a = read_runs(tmp_path / "serial")
    assert len(list((tmp_path / "process" / "runs").glob("part-*.parquet"))) == 6
    assert len(list((tmp_path / "dask" / "runs").glob("part-*.parquet"))) == 4
    for other in ("process", "dask"):
        pd.testing.assert_frame_equal(a, read_runs(tmp_path / other))


def test_dask_local_cluster_and_scheduler_file(tmp_path: Path) -> None:
    """Without a scheduler the dask executor starts its own LocalCluster on loopback; with a
    scheduler file it connects to the scheduler named there."""
    from dask.distributed import LocalCluster

    spec = {"name": "d", "base": str(BASELINE), "design": "random", "samples": 2, "steps": 4,
            "replications": 2, "levers": {"branding": {"low": 0, "high": 1}}}
    plan = plan_from_dict(spec)
    run_sweep(plan, tmp_path / "serial", executor="serial")
    run_sweep(plan, tmp_path / "local", executor="dask", workers=2, chunk_size=1)
    sched = tmp_path / "scheduler.json"
    with LocalCluster(n_workers=1, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None, scheduler_kwargs={"scheduler_file": str(sched)}):
        run_sweep(plan, tmp_path / "file", executor="dask", scheduler_file=str(sched))
    a = read_runs(tmp_path / "serial")
    pd.testing.assert_frame_equal(a, read_runs(tmp_path / "local"))
    pd.testing.assert_frame_equal(a, read_runs(tmp_path / "file"))


def test_rows_columns_and_common_random_numbers(tmp_path: Path, small: Path) -> None:
    plan = load_sweep(small)
    run_sweep(plan, tmp_path / "o", executor="serial", chunk_size=5)
    df = read_runs(tmp_path / "o")
    cols = list(df.columns)
    assert cols[:4] == ["run_id", "point", "replication", "seed"]
    assert {f"levers.{k}" for k in LEVERS} <= set(cols)
    assert {f"world.{k}" for k in {**POPULATION, **UNCERTAINTIES}} <= set(cols)
    assert set(METRICS) <= set(cols) and cols[-1] == "error"
    assert not any(c.startswith("world.") and c[6:] in LEVERS for c in cols)
    assert df["run_id"].tolist() == list(range(12))
    assert (df["run_id"] == df["point"] * 2 + df["replication"]).all()
    assert (df["error"] == "").all()  # empty when the run succeeded, as documented
    # replication r has the same seed at every point
    seeds = replication_seeds(1, 2)
    assert (df["seed"] == [seeds[r] for r in df["replication"]]).all()
    assert (df["world.instability"] == 0.4).all()
    assert df["world.n_cn_firms"].dtype == np.int64
    # a row is exactly what `triplewin run` would compute for those settings and that seed
    row = df.iloc[7]
    scenario = load_scenario(BASELINE, steps=8, replications=1)
    data = scenario.model_dump()
    data["levers"].update(joint_bidding=row["levers.joint_bidding"],
                          ipr_protection=row["levers.ipr_protection"])
    data["world"].update(n_cn_firms=int(row["world.n_cn_firms"]), instability=0.4)
    final = run_one(type(scenario).model_validate(data), int(row["seed"]))[-1]
    assert [final[m] for m in METRICS] == [row[m] for m in METRICS]
    man = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert man["status"] == "complete" and man["runs_done"] == 12 and man["seeds"] == seeds
    assert man["design"]["kind"] == "lhs" and len(man["sweep_sha256"]) == 64
    assert [f["key"] for f in man["design"]["factors"]] == [
        "levers.joint_bidding", "levers.ipr_protection", "world.n_cn_firms"]
    assert man["versions"]["SALib"] and man["sessions"][0]["status"] == "complete"


def test_existing_folder_is_refused_without_resume(tmp_path: Path, small: Path) -> None:
    plan = load_sweep(small)
    run_sweep(plan, tmp_path / "o", executor="serial")
    with pytest.raises(SweepRefused, match="already exists"):
        run_sweep(plan, tmp_path / "o", executor="serial")
    r = _cli("sweep", small, "--out", tmp_path / "o", cwd=tmp_path)
    assert r.returncode == 2 and "already exists" in r.stderr and "--resume" in r.stderr
    # resuming a complete sweep runs nothing; a changed sweep file is refused
    again = run_sweep(plan, tmp_path / "o", executor="serial", resume=True)
    assert again.ran == 0 and again.done == 12
    small.write_text(SMALL.replace("seed: 1", "seed: 2"))
    r = _cli("sweep", small, "--out", tmp_path / "o", "--resume", cwd=tmp_path)
    assert r.returncode == 2 and "sweep file changed" in r.stderr
    (tmp_path / "x").mkdir()
    with pytest.raises(SweepRefused, match="not a sweep folder"):
        run_sweep(load_sweep(small), tmp_path / "x", resume=True)


def test_resume_after_sigkill_loses_and_repeats_nothing(tmp_path: Path) -> None:
    body = SMALL.replace("samples: 6", "samples: 20")  # 40 runs
    slow = tmp_path / "slow.yaml"
    slow.write_text(body + "testing: {sleep: 0.05}\n")
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(slow), "--out", str(out), "--workers", "2",
         "--chunk-size", "2", "--quiet"], cwd=tmp_path, env=_env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    try:
        while not list((out / "runs").glob("part-*.parquet")):
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "no chunk appeared"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the workers too, whatever happened
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    before = sorted(pd.read_parquet(out / "runs")["run_id"])
    assert 0 < len(before) < 40, "kill in the middle"

    r = _cli("sweep", slow, "--out", out, "--resume", "--workers", "2", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"resuming: {len(before)} of 40 runs already on disk" in r.stderr

    resumed = read_runs(out)
    assert resumed["run_id"].tolist() == list(range(40))  # each run exactly once
    assert not list(out.rglob(".part-*"))  # no temporary file left behind
    man = json.loads((out / "manifest.json").read_text())
    assert [s["status"] for s in man["sessions"]] == ["killed", "complete"]
    assert man["sessions"][1]["runs"] == 40 - len(before)

    plain = tmp_path / "plain.yaml"
    plain.write_text(body)
    run_sweep(load_sweep(plain), tmp_path / "uninterrupted", executor="serial")
    pd.testing.assert_frame_equal(resumed, read_runs(tmp_path / "uninterrupted"))


def test_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path: Path, small: Path) -> None:
    small.write_text(SMALL + "testing: {fail_runs: [3, 7]}\n")
    r = _cli("sweep", small, "--out", tmp_path / "o", "--workers", "2", "--chunk-size", "4",
             cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "2 of 12 runs failed" in r.stderr
    assert "run 3: DeliberateFailure: deliberate failure of run 3" in r.stderr
    assert "Traceback" not in r.stderr
    df = read_runs(tmp_path / "o")
    assert len(df) == 12
    bad = df[df["error"] != ""]
    assert bad["run_id"].tolist() == [3, 7]
    assert bad["error"].str.contains("testing.fail_runs").all()
    assert bad["gain_china"].isna().all()
    assert df[df["error"] == ""]["gain_china"].notna().all()
    man = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert man["runs_failed"] == 2 and man["testing"]["fail_runs"] == [3, 7]
    # resuming a finished sweep with failures: nothing to run, still exit 1 with the count
    r = _cli("sweep", small, "--out", tmp_path / "o", "--resume", cwd=tmp_path)
    assert r.returncode == 1 and "2 of 12 runs failed" in r.stderr


def test_retry_failed_runs_them_again_once(tmp_path: Path, small: Path) -> None:
    """--resume --retry-failed takes the failed runs off disk and runs them again: afterwards
    every run is on disk exactly once, with the values of a sweep where nothing failed (time
    series included); without --resume the option is refused."""
    import dataclasses

    small.write_text(SMALL + "keep_timeseries: true\ntesting: {fail_runs: [3, 8, 9, 10, 11]}\n")
    r = _cli("sweep", small, "--out", tmp_path / "o", "--retry-failed", cwd=tmp_path)
    assert r.returncode == 2 and "--retry-failed" in r.stderr and "--resume" in r.stderr
    assert not (tmp_path / "o").exists()
    r = _cli("sweep", small, "--out", tmp_path / "o", "--workers", "2", "--chunk-size", "4",
             cwd=tmp_path)
    assert r.returncode == 1 and "5 of 12 runs failed" in r.stderr
    assert f"--out {tmp_path / 'o'} --resume --retry-failed" in r.stderr
    # the same sweep (same file, same sha256) in a world where those runs no longer fail, as
    # when a worker was lost or a node ran out of memory
    plan = load_sweep(small)
    plan = dataclasses.replace(plan, spec=plan.spec.model_copy(update={"testing": None}))
    res = run_sweep(plan, tmp_path / "o", executor="serial", resume=True, retry_failed=True)
    assert (res.ran, res.failed, res.done) == (5, 0, 12)
    redone = read_runs(tmp_path / "o")
    run_sweep(plan, tmp_path / "clean", executor="serial")
    pd.testing.assert_frame_equal(redone, read_runs(tmp_path / "clean"))
    ts = pd.read_parquet(tmp_path / "o" / "timeseries").sort_values(["run_id", "step"])
    clean = pd.read_parquet(tmp_path / "clean" / "timeseries").sort_values(["run_id", "step"])
    pd.testing.assert_frame_equal(ts.reset_index(drop=True), clean.reset_index(drop=True))
    man = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert man["runs_failed"] == 0 and man["sessions"][-1]["failed_runs_retried"] == 5
    # nothing failed any more: a second retry runs nothing
    res = run_sweep(plan, tmp_path / "o", executor="serial", resume=True, retry_failed=True)
    assert (res.ran, res.failed, res.done) == (0, 0, 12)


def test_timeseries_and_csv_export(tmp_path: Path) -> None:
    spec = {"name": "ts", "base": str(BASELINE), "design": "grid", "levels": 2, "steps": 5,
            "replications": 2, "keep_timeseries": True,
            "levers": {"branding": {"low": 0, "high": 1}}}
    run_sweep(plan_from_dict(spec), tmp_path / "o", executor="serial", chunk_size=3)
    runs = read_runs(tmp_path / "o")
    ts = pd.read_parquet(tmp_path / "o" / "timeseries").sort_values(["run_id", "step"])
    assert len(ts) == 4 * 5 and ts["step"].max() == 4
    last = ts[ts["step"] == 4].reset_index(drop=True)
    assert np.array_equal(last[list(METRICS)].to_numpy(), runs[list(METRICS)].to_numpy())

    r = _cli("export", tmp_path / "o", "--csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    csv_runs = pd.read_csv(tmp_path / "o" / "runs.csv")
    csv_ts = pd.read_csv(tmp_path / "o" / "timeseries.csv")
    assert csv_runs["run_id"].tolist() == [0, 1, 2, 3]
    assert len(csv_ts) == 20 and csv_ts[["run_id", "step"]].equals(
        csv_ts[["run_id", "step"]].sort_values(["run_id", "step"]))
    np.testing.assert_allclose(csv_runs["gain_china"], runs["gain_china"], rtol=1e-12)
    r = _cli("export", tmp_path / "o", cwd=tmp_path)
    assert r.returncode == 2 and "--csv" in r.stderr
