"""Worker processes through the console script: a killed command leaves no process behind,
SIGTERM stops a sweep cleanly (session recorded as interrupted), and a worker that dies is
replaced with every run written exactly once.

Each test starts the real ``triplewin`` program in its own session and, whatever happens,
kills that session's process group at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from subproc import cli_env as _env

psutil = pytest.importorskip("psutil")

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"

SLOW = f"""\
name: slow
base: {BASELINE}
design: lhs
samples: 20
replications: 2
steps: 6
seed: 1
levers:
  joint_bidding: {{low: 0, high: 1}}
testing: {{sleep: 0.15}}
"""


def _triplewin() -> list[str]:
    """The console script next to this interpreter, else ``python -m sim`` (same entry)."""
    script = Path(sys.executable).parent / "triplewin"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def _start(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*_triplewin(), *args], cwd=cwd, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _tree(pid: int) -> list[Any]:
    try:
        p = psutil.Process(pid)
        return [p, *p.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _alive(procs: list[Any]) -> list[Any]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _wait_for(cond, what: str, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if proc.poll() is not None:
            raise AssertionError(f"the command ended before {what}: "
                                 f"{proc.stderr.read().decode() if proc.stderr else ''}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _workers(pid: int) -> list[Any]:
    """The worker processes of a command: grandchildren (children of the worker server); a
    process that ends while it is looked at is not one."""
    out = []
    for p in _tree(pid)[1:]:
        try:
            if p.ppid() != pid:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


@contextlib.contextmanager
def _cleanup(proc: subprocess.Popen[bytes]):
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            proc.wait(timeout=30)


def _assert_tree_gone(tree: list[Any], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while _alive(tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _alive(tree)
    assert not left, f"processes survived: {[(p.pid, p.name()) for p in left]}"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_sweep_leaves_no_process(tmp_path: Path, sig: int) -> None:
    slow = tmp_path / "slow.yaml"
    slow.write_text(SLOW)
    out = tmp_path / "o"
    proc = _start(["sweep", str(slow), "--out", str(out), "--workers", "2", "--chunk-size", "1",
                   "--quiet"], tmp_path)
    with _cleanup(proc):
        _wait_for(lambda: len(_workers(proc.pid)) >= 2 and list((out / "runs").glob("*.parquet")),
                  "two workers and a first chunk", proc)
        tree = _tree(proc.pid)
        os.kill(proc.pid, sig)  # the command only, not its process group
        proc.wait(timeout=60)
        _assert_tree_gone(tree)
    if sig == signal.SIGTERM:
        assert proc.returncode == 143, proc.stderr.read().decode() if proc.stderr else ""
        man = json.loads((out / "manifest.json").read_text())
        assert [s["status"] for s in man["sessions"]] == ["interrupted"]
        assert man["status"] == "incomplete"
        assert not list(out.rglob(".*.tmp-*"))  # no hidden temporary file left


def test_killed_run_leaves_no_process(tmp_path: Path) -> None:
    proc = _start(["run", str(BASELINE), "--replications", "400", "--workers", "2", "--out",
                   str(tmp_path / "r"), "--no-plots"], tmp_path)
    with _cleanup(proc):
        _wait_for(lambda: len(_workers(proc.pid)) >= 2, "two workers", proc)
        time.sleep(1.0)
        tree = _tree(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        _assert_tree_gone(tree)
    assert not (tmp_path / "r").exists()


def test_a_dead_worker_does_not_abort_the_sweep(tmp_path: Path) -> None:
    slow = tmp_path / "slow.yaml"
    slow.write_text(SLOW)
    out = tmp_path / "o"
    proc = _start(["sweep", str(slow), "--out", str(out), "--workers", "2", "--chunk-size", "2",
                   "--quiet"], tmp_path)
    with _cleanup(proc):
        _wait_for(lambda: len(_workers(proc.pid)) >= 2 and list((out / "runs").glob("*.parquet")),
                  "two workers and a first chunk", proc)
        victim = _workers(proc.pid)[0]
        victim.kill()
        _, err = proc.communicate(timeout=300)
    err = err.decode()
    assert proc.returncode == 0, err
    assert "a worker process died" in err and "redoes the" in err
    runs = pd.read_parquet(out / "runs")
    assert sorted(runs["run_id"]) == list(range(40))  # every run exactly once
    assert (runs["error"] == "").all()
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "complete" and man["sessions"][-1]["status"] == "complete"

