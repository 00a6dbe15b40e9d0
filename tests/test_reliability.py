"""Hostile use of the command line: nothing overwritten, --out checked before any work, no verdict
from one replication, no other file quoted in messages, tampered results folders refused cleanly,
and the smaller loader rules (YAML number forms, duplicate keys in --set, quarters as schedule
keys, --steps shorter than a schedule, symbolic link loops, long values, -0.0)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from sim.scenario.load import ScenarioError, load_scenario, scenario_sha256

TINY = """\
name: tiny
description: A tiny run for the reliability tests.
run: {steps: 3, seed: 11, replications: 2}
world: {n_developed_hosts: 2, n_developing_hosts: 3, n_cn_firms: 14, n_dv_firms: 7}
levers: {joint_bidding: 0.5, bit_coverage: {0: 0.0, 2: 0.5}}
"""


def _bad(proc, *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    for n in needles:
        assert n in proc.stderr, proc.stderr
    return proc.stderr


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A run folder and a compare folder of the tiny scenario (made once)."""
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("rel")
    (root / "tiny.yaml").write_text(TINY)
    (root / "tiny-b.yaml").write_text(TINY.replace("name: tiny", "name: tiny-b")
                                      .replace("joint_bidding: 0.5", "joint_bidding: 0.9"))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for args in (["run", "tiny.yaml", "--out", "run", "--workers", "1"],
                 ["compare", "tiny.yaml", "tiny-b.yaml", "--out", "cmp", "--workers", "1"]):
        p = subprocess.run([sys.executable, "-m", "sim", *args], cwd=root, env=env,
                           capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr
    return root


def _copy(folders: Path, name: str, tmp_path: Path) -> Path:
    dst = tmp_path / name
    shutil.copytree(folders / name, dst, symlinks=True)
    return dst


# --------------------------------------------------------------------------------------------
# 1, 7: --out never overwritten, checked before any work


def test_report_refuses_an_existing_out(cli, folders, tmp_path):
    run = _copy(folders, "run", tmp_path)
    before = (run / "summary.json").read_bytes()
    _bad(cli("report", run, "--out", run / "summary.json"), "already exists")
    assert (run / "summary.json").read_bytes() == before
    first = cli("report", run)
    second = cli("report", run)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert (run / "report.html").is_file() and (run / "report-2.html").is_file()


def test_plot_never_redraws_over_figures(cli, folders, tmp_path):
    run = _copy(folders, "run", tmp_path)
    before = {p.name: p.read_bytes() for p in (run / "figures").iterdir()}
    p = cli("plot", run)
    assert p.returncode == 0, p.stderr
    assert {q.name: q.read_bytes() for q in (run / "figures").iterdir()} == before
    assert sorted(q.name for q in (run / "figures-2").iterdir()) == sorted(before)
    _bad(cli("plot", run, "--out", run / "figures"), "already exists")


@pytest.mark.parametrize("make, needle", [
    (lambda t: (t / "afile").write_text("x") and t / "afile", "already exists"),
    (lambda t: (t / "afile").write_text("x") and t / "afile" / "sub", "is a file, not a folder"),
    (lambda t: t / "bad\nname", "line break"),
])
def test_out_is_checked_before_any_work(cli, write_file, tmp_path, make, needle):
    f = write_file("tiny.yaml", TINY.replace("steps: 3", "steps: 400"))
    out = make(tmp_path)
    for args in (["run", f.name], ["validate-history", f.name],
                 ["compare", f.name, f.name]):
        p = cli(*args, "--out", out, "--workers", "1", timeout=60)
        _bad(p, needle)
    assert not list(tmp_path.glob(".*tmp*"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_out_is_refused_at_once(cli, write_file, tmp_path):
    f = write_file("tiny.yaml", TINY)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        _bad(cli("run", f.name, "--out", locked / "r"), "permission denied")
    finally:
        locked.chmod(0o700)


def test_sweep_out_under_a_file_is_refused(cli, write_file, tmp_path):
    (tmp_path / "afile").write_text("x")
    sweep = write_file("s.yaml", f"name: s\nbase: {Path(__file__).parent.parent}/scenarios/"
                       "baseline.yaml\ndesign: lhs\nsamples: 2\nreplications: 1\nsteps: 2\n"
                       "levers:\n  joint_bidding: {low: 0, high: 1}\n")
    _bad(cli("sweep", sweep.name, "--out", "afile/x"), "is a file, not a folder")


# --------------------------------------------------------------------------------------------
# 2: no verdict and no interval from one replication


def test_one_replication_gives_no_interval_and_no_verdict(cli, write_file, tmp_path):
    f = write_file("tiny.yaml", TINY)
    p = cli("run", f.name, "--replications", "1", "--out", "one", "--workers", "1")
    assert p.returncode == 0, p.stderr
    assert "undefined (n=1)" in p.stdout
    summary = json.loads((tmp_path / "one" / "summary.json").read_text())
    for s in summary["metrics"].values():
        assert s["n"] == 1 and s["ci_low"] is None and s["ci_high"] is None
    report = cli("report", "one")
    assert report.returncode == 0, report.stderr
    html = (tmp_path / "one" / "report.html").read_text()
    assert "undefined (n=1)" in html and "gains</td>" not in html
    _bad(cli("compare", f.name, f.name, "--replications", "1"), "at least 2 replications")


def test_mean_ci_has_no_interval_below_two_values():
    import math

    from sim.stats import json_ready, mean_ci

    s = mean_ci([3.0])
    assert s["mean"] == 3.0 and math.isnan(s["ci_low"]) and math.isnan(s["ci_high"])
    assert json_ready(s) == {"mean": 3.0, "std": None, "ci_low": None, "ci_high": None, "n": 1}
    two = mean_ci([1.0, 3.0])
    assert two["ci_low"] < 2.0 < two["ci_high"]


def test_validate_history_takes_workers(cli):
    p = cli("validate-history", "--help")
    assert p.returncode == 0 and "--workers" in p.stdout


# --------------------------------------------------------------------------------------------
# 6: error messages do not disclose other files


def test_extends_never_quotes_another_file(cli, write_file, tmp_path):
    secret = write_file("secret.txt", "hunter2-password-line\n")
    also = write_file("secret.yaml", "hunter2-password-line\n")
    for target in (secret, also, "/etc/passwd"):
        f = write_file("leak.yaml", f"name: leak\nextends: {target}\n")
        err = _bad(cli("validate", f.name))
        assert "hunter2" not in err and "root:" not in err
    assert "not a scenario file" in _bad(cli("validate", write_file(
        "l2.yaml", f"name: l\nextends: {secret}\n").name))


# --------------------------------------------------------------------------------------------
# 8: tampered results folders


def _tamper_csv_column(d: Path) -> None:
    lines = (d / "timeseries.csv").read_text().splitlines()
    cut = [",".join(r.split(",")[:-1]) for r in lines]
    (d / "timeseries.csv").write_text("\n".join(cut) + "\n")


def _edit_json(path: Path, section: str, key: str, value) -> None:
    data = json.loads(path.read_text())
    data[section][key] = value
    path.write_text(json.dumps(data))


TAMPER = {
    "missing-column": ("run", "timeseries.csv", _tamper_csv_column),
    "binary-csv": ("run", "timeseries.csv",
                   lambda d: (d / "timeseries.csv").write_bytes(b"replication,seed,step,quarter\n"
                                                                b"\xff\xfe\x00\x01")),
    "text-for-number": ("run", "timeseries.csv", lambda d: (d / "timeseries.csv").write_text(
        (d / "timeseries.csv").read_text().replace("\n", ",x\n", 2).replace(",x\n", "\n", 1)
        .replace(",x\n", "\n").replace("\n0,", "\n0,", 1).rsplit(",", 1)[0] + ",oops\n")),
    "deep-json": ("run", "manifest.json",
                  lambda d: (d / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)),
    "string-in-manifest": ("run", "manifest.json", lambda d: (d / "manifest.json").write_text(
        json.dumps({"scenario": {"levers": {"joint_bidding": "lots"}}}))),
    "command-not-texts": ("run", "manifest.json", lambda d: (d / "manifest.json").write_text(
        json.dumps({"command": [1, 2]}))),
    "verdict-text": ("cmp", "comparison.json",
                     lambda d: _edit_json(d / "comparison.json", "verdict", "developed", "yes")),
    "metric-text": ("cmp", "comparison.json",
                    lambda d: _edit_json(d / "comparison.json", "metrics", "gain_china",
                                         {"a": 1, "b": 2, "delta": "x", "ci_low": 0,
                                          "ci_high": 1})),
    "huge-json": ("cmp", "comparison.json", lambda d: (d / "comparison.json").write_bytes(
        b'{"pad": "' + b"x" * 50_000_100 + b'"}')),
    "symlinked-csv": ("run", "timeseries.csv", lambda d: ((d / "timeseries.csv").unlink(),
                                                          (d / "timeseries.csv").symlink_to(
                                                              "/etc/passwd"))),
}


@pytest.mark.parametrize("case", sorted(TAMPER))
@pytest.mark.parametrize("command", ["plot", "report"])
def test_tampered_folder_is_refused_cleanly(cli, folders, tmp_path, case, command):
    kind, name, tamper = TAMPER[case]
    d = _copy(folders, kind, tmp_path)
    tamper(d)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    _bad(cli(command, d), str(d / name))
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written


def test_symlinked_figures_are_never_written_through(cli, folders, tmp_path):
    d = _copy(folders, "run", tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(d / "figures")
    (d / "figures").symlink_to(outside)
    (d / "report.html").symlink_to(outside / "report.html")
    assert cli("plot", d).returncode == 0
    assert cli("report", d).returncode == 0
    assert list(outside.iterdir()) == []  # nothing outside the folder
    assert (d / "figures-2").is_dir() and (d / "report-2.html").is_file()


# --------------------------------------------------------------------------------------------
# 9 and schedules: the loader's smaller rules


@pytest.mark.parametrize("text, value", [
    ("010", 10), ("1e-1", 0.1), ("0x1", 1), (".5", 0.5),
])
def test_numbers_read_as_a_reader_expects(write_file, text, value):
    f = write_file("n.yaml", f"name: n\nrun: {{steps: 20}}\nlevers:\n  joint_bidding: "
                   f"{text if value <= 1 else 0.5}\nworld:\n  n_cn_firms: "
                   f"{text if value > 1 else 50}\n")
    s = load_scenario(f)
    got = s.levers.joint_bidding if value <= 1 else s.world.n_cn_firms
    assert got == value


@pytest.mark.parametrize("text", ["1:00", "1_000", "0b1"])
def test_yaml_1_1_number_forms_are_refused(write_file, text):
    f = write_file("n.yaml", f"name: n\nworld:\n  n_cn_firms: {text}\n")
    with pytest.raises(ScenarioError, match="n_cn_firms: expected integer"):
        load_scenario(f)


def test_duplicate_schedule_keys_in_set_are_refused(cli, write_file):
    f = write_file("tiny.yaml", TINY)
    _bad(cli("run", f.name, "--set", "levers.bit_coverage={0: 0, 0: 0.5}", "--out", "o"),
         "--set: levers.bit_coverage: duplicate key")


def test_quarters_as_schedule_keys(write_file):
    f = write_file("q.yaml", "name: q\nrun: {steps: 20}\nlevers:\n"
                   "  bit_coverage: {2015Q1: 0.1, 2018Q1: 0.5}\n")
    s = load_scenario(f)
    assert s.levers.bit_coverage == {0: 0.1, 12: 0.5}
    same = write_file("s.yaml", "name: q\nrun: {steps: 20}\nlevers:\n"
                      "  bit_coverage: {0: 0.1, 12: 0.5}\n")
    assert scenario_sha256(load_scenario(same)) == scenario_sha256(s)


@pytest.mark.parametrize("sched, needle", [
    ("{0: 0.1, 2018Q1: 0.5, 12: 0.3}", "schedule gives step 12 twice"),
    ("{12: 0.5}", "a schedule must start at step 0, but its first step is 12 (2018Q1)"),
    ("{0: 0.1, 2014Q4: 0.5}", "is not a step number >= 0 or a quarter from 2015Q1"),
    ("{0: 0.1, 2018Q5: 0.5}", "is not a step number"),
])
def test_bad_schedule_keys(write_file, sched, needle):
    f = write_file("q.yaml", f"name: q\nrun: {{steps: 20}}\nlevers:\n  bit_coverage: {sched}\n")
    with pytest.raises(ScenarioError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        load_scenario(f)


def test_short_steps_cut_schedules_with_a_note(cli, repo_root):
    p = cli("run", repo_root / "scenarios" / "historical.yaml", "--steps", "3",
            "--replications", "2", "--no-plots", "--out", "h", "--workers", "1")
    assert p.returncode == 0, p.stderr
    assert "note: --steps 3 ends the run at 2015Q3, before scheduled changes of" in p.stderr


def test_steps_below_a_files_schedule_says_how_to_reach_it(write_file):
    f = write_file("b.yaml", "name: b\nrun: {steps: 10}\nlevers:\n  bit_coverage: {0: 0, 12: 1}\n")
    with pytest.raises(ScenarioError, match="raise --steps or run.steps to reach it"):
        load_scenario(f)


def test_symlink_loop_is_not_file_not_found(cli, tmp_path):
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    assert _bad(cli("validate", "a.yaml")).strip() == "a.yaml: symbolic link loop"


def test_long_values_are_cut_in_messages(cli, write_file):
    f = write_file("long.yaml", "name: x\nlevers:\n  ? " + "x" * 20_000 + "\n  : 1\n")
    err = _bad(cli("validate", f.name))
    assert len(err) < 1000 and "…" in err
    err = _bad(cli("run", f.name, "--set", "levers." + "y" * 20_000 + "=1"))
    assert len(err) < 2000 and "…" in err


def test_negative_zero_hashes_like_zero(write_file):
    a = write_file("a.yaml", "name: z\nlevers: {joint_bidding: -0.0}\n")
    b = write_file("b.yaml", "name: z\nlevers: {joint_bidding: 0.0}\n")
    assert scenario_sha256(load_scenario(a)) == scenario_sha256(load_scenario(b))


def test_explain_states_the_schedule_rule(cli):
    p = cli("explain", "bit_coverage")
    assert p.returncode == 0, p.stderr
    text = " ".join(p.stdout.split())
    assert "step function" in text and "must start at step 0" in text and "2018Q1" in text
