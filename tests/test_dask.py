"""The Dask executor under failure, through the console script: an unreachable scheduler is bad
input and leaves nothing behind; a worker killed in the middle of a sweep is noticed, its
unfinished chunks are rerun by the scheduler, and every run is on disk exactly once with the
same values as a serial sweep."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from subproc import cli_env as _env

pytest.importorskip("dask.distributed", reason="the sweep extra is not installed")

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"

pytestmark = pytest.mark.slow


def _sweep_file(tmp_path: Path, samples: int, steps: int) -> Path:
    f = tmp_path / "d.yaml"
    f.write_text(f"name: d\nbase: {BASELINE}\ndesign: random\nsamples: {samples}\n"
                 f"replications: 2\nsteps: {steps}\nseed: 5\n"
                 "levers:\n  branding: {low: 0, high: 1}\n")
    return f


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_scheduler_is_bad_input_and_leaves_nothing(tmp_path: Path) -> None:
    f = _sweep_file(tmp_path, 2, 4)
    out = tmp_path / "out"
    addr = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    r = subprocess.run([sys.executable, "-m", "sim", "sweep", str(f), "--executor", "dask",
                        "--scheduler", addr, "--out", str(out), "--quiet"],
                       cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=180)
    assert r.returncode == 2, r.stderr
    assert "cannot reach the dask scheduler" in r.stderr and addr in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.yaml"]


def test_a_killed_dask_worker_loses_and_repeats_nothing(tmp_path: Path) -> None:
    from dask.distributed import LocalCluster

    from sim.sweeps.store import read_runs

    f = _sweep_file(tmp_path, 20, 40)
    out = tmp_path / "dask"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, protocol="tcp",
                      host="127.0.0.1", dashboard_address=None) as cluster:
        pids = [w.process.pid for w in cluster.workers.values()]
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "sweep", str(f), "--executor", "dask", "--scheduler",
             cluster.scheduler_address, "--out", str(out), "--chunk-size", "1", "--quiet"],
            cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        runs = out / "runs"
        while not (runs.is_dir() and any(runs.glob("part-*.parquet"))):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the sweep wrote nothing"
            time.sleep(0.05)
        os.kill(pids[0], signal.SIGKILL)  # a worker dies in the middle of the sweep
        stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert "note: dask lost 1 worker" in stderr
    done = read_runs(out)
    assert sorted(done["run_id"]) == list(range(40))  # every run once, none repeated
    assert done["error"].fillna("").eq("").all()
    serial = tmp_path / "serial"
    r = subprocess.run([sys.executable, "-m", "sim", "sweep", str(f), "--executor", "serial",
                        "--out", str(serial), "--quiet"], cwd=tmp_path, env=_env(),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(read_runs(serial), done)
