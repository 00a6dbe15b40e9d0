"""The program's fast exit (``sim.cli.entry`` and ``_fast_exit``): skipping the interpreter's
teardown must change nothing a user sees: the same exit status, the same output through a pipe,
complete result files."""

from __future__ import annotations

import json
import multiprocessing
import sys

import pytest

from sim import cli as cli_module


def _both(cli, monkeypatch, *args):
    """Run the command with the fast exit and with normal interpreter shutdown."""
    fast = cli(*args)
    monkeypatch.setenv("TRIPLEWIN_SLOW_EXIT", "1")
    slow = cli(*args)
    monkeypatch.delenv("TRIPLEWIN_SLOW_EXIT")
    return fast, slow


@pytest.mark.parametrize("args, status", [
    (("validate", "{root}/scenarios/baseline.yaml"), 0),
    (("validate", "no-such-file.yaml"), 2),
    (("explain",), 0),
    (("run", "{root}/scenarios/baseline.yaml", "--set", "levers.nonsense=1"), 2),
])
def test_same_status_and_output_as_a_normal_exit(cli, monkeypatch, repo_root, args, status):
    args = [a.format(root=repo_root) for a in args]
    fast, slow = _both(cli, monkeypatch, *args)
    assert fast.returncode == slow.returncode == status
    assert fast.stdout == slow.stdout
    assert fast.stderr == slow.stderr
    assert fast.stdout or fast.stderr  # something was said, and all of it arrived


def test_a_run_leaves_complete_files_and_its_whole_summary(cli, tmp_path, repo_root):
    p = cli("run", repo_root / "scenarios" / "baseline.yaml", "--replications", "2",
            "--steps", "8", "--no-plots", "--out", tmp_path / "out")
    assert p.returncode == 0, p.stderr
    assert p.stdout.rstrip().endswith(str(tmp_path / "out"))  # the last line made it through
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert all(m["n"] == 2 for m in summary["metrics"].values())
    rows = (tmp_path / "out" / "timeseries.csv").read_text().splitlines()
    assert len(rows) == 1 + 2 * 8
    json.loads((tmp_path / "out" / "manifest.json").read_text())


@pytest.fixture
def exits(monkeypatch):
    """Record ``os._exit`` calls instead of leaving, with a finished command's status set."""
    calls: list[int] = []
    monkeypatch.setattr(cli_module.os, "_exit", calls.append)
    monkeypatch.setattr(cli_module, "_exit_status", 3)
    monkeypatch.delenv("TRIPLEWIN_SLOW_EXIT", raising=False)
    monkeypatch.delitem(sys.modules, "coverage", raising=False)
    return calls


def test_fast_exit_leaves_with_the_commands_status(exits):
    cli_module._fast_exit()
    assert exits == [3]


def test_fast_exit_steps_aside_while_the_command_runs(exits, monkeypatch):
    monkeypatch.setattr(cli_module, "_exit_status", None)
    cli_module._fast_exit()
    assert exits == []


def test_fast_exit_steps_aside_for_a_child_process(exits, monkeypatch):
    monkeypatch.setattr(multiprocessing, "active_children", lambda: [object()])
    cli_module._fast_exit()
    assert exits == []


def test_fast_exit_steps_aside_when_asked_or_measured(exits, monkeypatch):
    monkeypatch.setenv("TRIPLEWIN_SLOW_EXIT", "1")
    cli_module._fast_exit()
    monkeypatch.delenv("TRIPLEWIN_SLOW_EXIT")
    monkeypatch.setitem(sys.modules, "coverage", sys)  # any module object stands for coverage
    cli_module._fast_exit()
    assert exits == []


def test_status_is_what_sys_exit_gives():
    assert [cli_module._status(c) for c in (None, 0, 2, "message")] == [0, 0, 2, 1]
