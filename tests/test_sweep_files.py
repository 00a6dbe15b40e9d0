"""Sweep files: the examples are valid, bad files get `FILE:LINE: key: problem (allowed)` and
exit 2, levers and uncertainties stay apart, designs have the promised size and properties."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.scenario.params import LEVERS
from sim.sweeps.design import make_design
from sim.sweeps.spec import MAX_RUNS, SweepError, load_sweep, plan_from_dict

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
EXAMPLES = sorted((ROOT / "sweeps").glob("*.yaml"))


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}


def _sweep_text(body: str, header: str | None = None) -> str:
    head = header if header is not None else (
        f"name: t\nbase: {BASELINE}\ndesign: lhs\nsamples: 4\nsteps: 4\n")
    return head + body


def _problems(tmp_path: Path, text: str) -> list[str]:
    f = tmp_path / "s.yaml"
    f.write_text(text)
    with pytest.raises(SweepError) as e:
        load_sweep(f)
    return [str(p) for p in e.value.problems]


# --------------------------------------------------------------------------------------------
# the examples


def test_there_are_example_sweeps() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {"jb-ipr-lhs", "sobol-levers", "morris-all"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_sweep_is_valid(path: Path) -> None:
    plan = load_sweep(path)
    values, unit = make_design(plan)
    assert values.shape == unit.shape == (plan.n_points, len(plan.factors))
    assert plan.spec.name == path.stem
    for j, f in enumerate(plan.factors):
        col = values[:, j]
        if f.values is not None:
            assert set(np.unique(col)) <= set(f.values)
        else:
            assert f.low <= col.min() and col.max() <= f.high
    assert plan.n_runs <= 2000, "examples should run in minutes on a laptop"


# --------------------------------------------------------------------------------------------
# bad files: one line per problem, with the line and the dotted key

BAD = [
    ("world:\n  joint_bidding: {low: 0, high: 1}\n", 7, "world.joint_bidding",
     "is a lever: put it under levers:"),
    ("levers:\n  instability: {low: 0, high: 1}\n", 7, "levers.instability",
     "put it under world:"),
    ("levers:\n  n_cn_firms: {low: 60, high: 120}\n", 7, "levers.n_cn_firms",
     "population size, not a lever"),
    ("levers:\n  joint_biding: {low: 0, high: 1}\n", 7, "levers.joint_biding",
     "did you mean joint_bidding?"),
    ("levers:\n  steps: {low: 1, high: 2}\n", 7, "levers.steps", "run setting"),
    ("levers:\n  ipr_protection: {low: 0, high: 1.5}\n", 7, "levers.ipr_protection.high",
     "1.5 is out of range (number in [0, 1])"),
    ("levers:\n  joint_fund:\n    low: -1\n    high: 5\n", 8, "levers.joint_fund.low",
     "out of range"),
    ("levers:\n  branding: {low: 0.8, high: 0.2}\n", 7, "levers.branding.high",
     "must be above low"),
    ("levers:\n  branding: {low: 0.2}\n", 7, "levers.branding", "high is missing"),
    ("levers:\n  branding: {lo: 0.2, high: 1}\n", 7, "levers.branding.lo",
     "did you mean low?"),
    ("levers:\n  branding:\n    values:\n      - 0.2\n      - 2\n", 10,
     "levers.branding.values.1", "2 is out of range"),
    ("levers:\n  branding: {values: []}\n", 7, "levers.branding.values", "empty list"),
    ("levers:\n  branding: {values: [0.2, 0.2]}\n", 7, "levers.branding.values", "repeat"),
    ("levers:\n  branding: {low: 0, high: 1, values: [0.5]}\n", 7, "levers.branding",
     "not both"),
    ("levers:\n  branding: [0.2, 0.5]\n", 7, "levers.branding", "{values: [...]}"),
    ("levers:\n  branding: {0: 0.2, 4: 0.8}\n", 7, "levers.branding",
     "schedule {step: value} cannot be swept"),
    ("levers:\n  branding: {low: '0', high: 1}\n", 7, "levers.branding.low",
     "expected a number, got text"),
    ("levers:\n  branding: 1.5\n", 7, "levers.branding", "out of range"),
    ("world:\n  n_cn_firms: {low: 10.5, high: 40}\n", 7, "world.n_cn_firms.low",
     "whole number"),
    ("levers: {}\n", 6, "levers", "nothing to vary"),
    ("replicatons: 2\nlevers: {branding: {low: 0, high: 1}}\n", 6, "replicatons",
     "did you mean replications?"),
    ("run: {steps: 4}\nlevers: {branding: {low: 0, high: 1}}\n", 6, "run",
     "no run: section"),
    ("extends: baseline.yaml\nlevers: {branding: {low: 0, high: 1}}\n", 6, "extends",
     "base:"),
    ("joint_bidding: {low: 0, high: 1}\n", 6, "joint_bidding", "put it under levers:"),
    ("keep_timeseries: 'yes'\nlevers: {branding: {low: 0, high: 1}}\n", 6, "keep_timeseries",
     "expected true or false"),
    ("replications: 0\nlevers: {branding: {low: 0, high: 1}}\n", 6, "replications",
     "0 is out of range"),
    ("testing: {fail_run: [1]}\nlevers: {branding: {low: 0, high: 1}}\n", 6,
     "testing.fail_run", "did you mean fail_runs?"),
]


@pytest.mark.parametrize(("body", "line", "key", "text"), BAD,
                         ids=[b[2] + "-" + str(i) for i, b in enumerate(BAD)])
def test_bad_sweep_file(tmp_path: Path, body: str, line: int, key: str, text: str) -> None:
    problems = _problems(tmp_path, _sweep_text(body))
    want = f"{tmp_path / 's.yaml'}:{line}: {key}: "
    assert any(p.startswith(want) and text in p for p in problems), problems


HEADERS = [
    ("name: t\ndesign: lhx\nsamples: 4\n", 2, "design", "did you mean lhs?"),
    ("name: t\ndesign: sobol\nsamples: 60\n", 3, "samples", "not a power of 2"),
    ("name: t\ndesign: grid\nsamples: 4\n", 3, "samples", "takes no samples"),
    ("name: t\ndesign: lhs\n", 2, "design", "needs samples"),
    ("name: t\ndesign: lhs\nsamples: 4\nlevels: 3\n", 4, "levels", "grid and morris"),
    ("name: t\ndesign: lhs\nsamples: 4\nsecond_order: true\n", 4, "second_order", "sobol"),
    ("name: T_1\ndesign: lhs\nsamples: 4\n", 1, "name", "lowercase letters"),
    ("name: t\ndesign: lhs\nsamples: 4\nsteps: 0\n", 4, "steps", "out of range"),
    ("name: t\ndesign: lhs\nsamples: 4\nbase: nowhere.yaml\n", 4, "base", "not found"),
    (f"name: t\ndesign: lhs\nsamples: 1000000\nreplications: {1000}\n", 4, "replications",
     f"{MAX_RUNS:,} (MAX_RUNS)"),
    ("name: t\ndesign: grid\nlevels: 1000\n", 3, "levels", "MAX_POINTS"),
]


@pytest.mark.parametrize(("head", "line", "key", "text"), HEADERS,
                         ids=[h[2] + "-" + str(i) for i, h in enumerate(HEADERS)])
def test_bad_sweep_header(tmp_path: Path, head: str, line: int, key: str, text: str) -> None:
    body = ("levers:\n  branding: {low: 0, high: 1}\n  soe_reform: {low: 0, high: 1}\n"
            "  joint_bidding: {low: 0, high: 1}\n")
    problems = _problems(tmp_path, head + body)
    want = f"{tmp_path / 's.yaml'}:{line}: {key}: "
    assert any(p.startswith(want) and text in p for p in problems), problems


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    body = ("levers:\n  joint_bidding: {low: 0, high: 2}\n  soe_reform: {low: 0, high: 1}\n"
            "world:\n  branding: {low: 0, high: 1}\n  tech_gap: {low: 0, high: 0.95}\n")
    problems = _problems(tmp_path, _sweep_text(body))
    lines = [int(re.match(r".*?:(\d+): ", p).group(1)) for p in problems]
    assert lines == [7, 10, 11], problems


@pytest.mark.parametrize(("text", "what"), [
    ("a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
     "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
     "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
     "YAML nodes"),
    ("name: t\nbase: !!python/object/apply:os.system ['true']\n", "not allowed"),
    ("name: t\nname: u\ndesign: lhs\n", "duplicate key"),
    ("name: t\ndesign: [lhs\n", "malformed YAML"),
    ("", "empty file"),
    ("- name: t\n", "top level must be a mapping"),
])
def test_unsafe_or_malformed_yaml(tmp_path: Path, text: str, what: str) -> None:
    problems = _problems(tmp_path, text)
    assert any(what in p for p in problems), problems


def test_base_is_relative_to_the_sweep_file(tmp_path: Path) -> None:
    (tmp_path / "scen").mkdir()
    (tmp_path / "scen" / "b.yaml").write_text("name: b\nlevers: {joint_bidding: 0.7}\n"
                                              "run: {steps: 12, seed: 99}\n")
    (tmp_path / "sw").mkdir()
    f = tmp_path / "sw" / "s.yaml"
    f.write_text("name: s\nbase: ../scen/b.yaml\ndesign: random\nsamples: 3\n"
                 "levers: {branding: {low: 0, high: 1}}\n")
    plan = load_sweep(f)
    assert plan.steps == 12 and plan.seed == 99
    assert plan.base_params()["joint_bidding"] == 0.7


def test_problem_in_the_base_names_the_base_file(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("name: b\nlevers:\n  joint_bidding: 7\n")
    problems = _problems(tmp_path, "name: t\nbase: b.yaml\ndesign: lhs\nsamples: 2\n"
                         "levers: {branding: {low: 0, high: 1}}\n")
    assert any(p.startswith(f"{tmp_path / 'b.yaml'}:3: levers.joint_bidding: ") for p in problems)


def test_dict_spec_problems_have_no_line() -> None:
    with pytest.raises(SweepError) as e:
        plan_from_dict({"name": "d", "design": "lhs", "samples": 2,
                        "world": {"joint_bidding": {"low": 0, "high": 1}}})
    assert [str(p) for p in e.value.problems] == [
        "<dict>: world.joint_bidding: joint_bidding is a lever: put it under levers: (levers "
        "and uncertainties stay apart)"]


# --------------------------------------------------------------------------------------------
# designs


def _plan(design: str, **kw):
    spec = {"name": "d", "design": design, "seed": 5, "steps": 4,
            "levers": {"joint_bidding": {"low": 0, "high": 1},
                       "ipr_protection": {"values": [0.2, 0.5, 0.8]}},
            "world": {"n_cn_firms": {"low": 60, "high": 140}}, **kw}
    return plan_from_dict(spec)


def test_lhs_is_stratified_and_seeded() -> None:
    plan = _plan("lhs", samples=20)
    values, unit = make_design(plan)
    assert values.shape == (20, 3)
    for j in range(3):  # one point per stratum of every factor
        assert sorted(np.floor(unit[:, j] * 20).astype(int)) == list(range(20))
    assert set(values[:, 1]) <= {0.2, 0.5, 0.8}
    assert np.all(values[:, 2] == np.round(values[:, 2])) and values[:, 2].min() >= 60
    again, _ = make_design(_plan("lhs", samples=20))
    assert np.array_equal(values, again)
    other, _ = make_design(_plan("lhs", samples=20, seed=6))
    assert not np.array_equal(values, other)


@pytest.mark.parametrize(("design", "kw", "points"), [
    ("grid", {"levels": 3}, 3 * 3 * 3),
    ("random", {"samples": 7}, 7),
    ("sobol", {"samples": 8}, 8 * (3 + 2)),
    ("sobol", {"samples": 8, "second_order": True}, 8 * (2 * 3 + 2)),
    ("morris", {"samples": 4}, 4 * (3 + 1)),
])
def test_design_sizes(design: str, kw: dict, points: int) -> None:
    plan = _plan(design, replications=3, **kw)
    values, _ = make_design(plan)
    assert plan.n_points == points == len(values)
    assert plan.n_runs == 3 * points


def test_grid_is_every_combination() -> None:
    values, _ = make_design(_plan("grid", levels=3))
    assert {tuple(r) for r in values} == {(a, b, c) for a in (0, 0.5, 1) for b in (0.2, 0.5, 0.8)
                                          for c in (60, 100, 140)}


def test_fixed_numbers_override_the_base_without_being_varied() -> None:
    plan = plan_from_dict({"name": "f", "design": "random", "samples": 2,
                           "levers": {"joint_bidding": 0.9, "branding": {"low": 0, "high": 1}},
                           "world": {"n_cn_firms": 50}})
    assert [f.key for f in plan.factors] == ["levers.branding"]
    assert plan.base_params()["joint_bidding"] == 0.9
    assert plan.base_params()["n_cn_firms"] == 50


def test_replication_seeds_are_common_random_numbers() -> None:
    from sim.streams import replication_seeds

    plan = _plan("lhs", samples=3, replications=4)
    assert plan.seeds == replication_seeds(5, 4)


def test_every_lever_can_be_swept() -> None:
    plan = plan_from_dict({"name": "all", "design": "random", "samples": 2,
                           "levers": {k: {"low": 0, "high": 1} for k in LEVERS}})
    assert len(plan.factors) == len(LEVERS)


# --------------------------------------------------------------------------------------------
# the command


def test_cli_bad_sweep_file_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(_sweep_text("world:\n  joint_bidding: {low: 0, high: 1}\n"
                             "levers:\n  soe_reform: {low: 0, high: 9}\n"))
    r = subprocess.run([sys.executable, "-m", "sim", "sweep", str(f), "--out", "o"],
                       cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines == [
        f"{f}:7: world.joint_bidding: joint_bidding is a lever: put it under levers: (levers "
        "and uncertainties stay apart)",
        f"{f}:9: levers.soe_reform.high: 9 is out of range (number in [0, 1])"], r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


def test_cli_dry_run_and_option_errors(tmp_path: Path) -> None:
    f = tmp_path / "ok.yaml"
    f.write_text(_sweep_text("levers:\n  soe_reform: {low: 0, high: 1}\n"))
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "sim", "sweep", str(f), *a], cwd=tmp_path, env=_env(),
        capture_output=True, text=True, timeout=120)
    r = run("--dry-run")
    assert r.returncode == 0 and "4 points x 1 replication = 4 runs of 4 steps" in r.stdout
    assert not (tmp_path / "results").exists()
    r = run("--resume")
    assert r.returncode == 2 and "--resume needs --out" in r.stderr
    r = run("--executor", "threads")
    assert r.returncode == 2 and "unknown executor" in r.stderr
    r = run("--scheduler", "tcp://127.0.0.1:1")
    assert r.returncode == 2 and "need --executor dask" in r.stderr


def test_cli_module_imports_stay_light() -> None:
    code = ("import sys, sim.cli; print(','.join(m for m in ('pandas', 'pyarrow', 'SALib', "
            "'dask', 'distributed', 'mesa', 'sim.model', 'ema_workbench') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""
