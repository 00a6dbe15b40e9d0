"""Bad input through the command line: exit 2, FILE:LINE: key lines, no traceback, nothing written.

Every case runs ``python -m sim validate FILE`` and ``python -m sim run FILE --out out`` in a
temporary folder.
"""

from __future__ import annotations

import json
import re

import pytest

GOOD = """\
name: tiny
description: A tiny run. Used by the CLI tests.
run: {steps: 3, seed: 11, replications: 2}
world: {n_developed_hosts: 2, n_developing_hosts: 3, n_cn_firms: 14, n_dv_firms: 7}
levers: {joint_bidding: 0.5, bit_coverage: {0: 0.0, 2: 0.5}}
"""

BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]" for p, c in zip("abcdefgh", "bcdefghi")]
) + "\n"

# id -> (files to write, file to load, expected first problem line, prefix match)
CASES: dict[str, tuple[dict[str, str | bytes], str, str]] = {
    "missing-file": ({}, "nope.yaml", "nope.yaml: file not found"),
    "directory": ({"folder/x.yaml": GOOD}, "folder",
                  "folder: is a directory, expected a scenario YAML file"),
    "empty": ({"e.yaml": ""}, "e.yaml", "e.yaml: empty file"),
    "binary": ({"b.yaml": b"\x89PNG\r\n\x1a\n\x00\x00"}, "b.yaml", "b.yaml:3: binary file"),
    "not-utf8": ({"u.yaml": b"name: a\ndescription: \xff\xfe\n"}, "u.yaml",
                 "u.yaml:2: not UTF-8 text"),
    "too-large": ({"big.yaml": GOOD + "#" * 1_100_000 + "\n"}, "big.yaml",
                  "big.yaml: file is 1,100,2"),
    "malformed": ({"m.yaml": "name: x\nlevers: [1\n"}, "m.yaml", "m.yaml:3: malformed YAML:"),
    "top-level-list": ({"l.yaml": "- a\n- b\n"}, "l.yaml",
                       "l.yaml:1: top level must be a mapping"),
    "misspelt-lever": ({"s.yaml": "name: x\nlevers:\n  joint_biding: 1\n"}, "s.yaml",
                       "s.yaml:3: levers.joint_biding: unknown key; did you mean joint_bidding? "
                       "(valid: bit_coverage, "),
    "unknown-top-key": ({"k.yaml": "name: x\nleverz: {}\n"}, "k.yaml",
                        "k.yaml:2: leverz: unknown key; did you mean levers?"),
    "wrong-type": ({"t.yaml": "name: x\nworld:\n  n_cn_firms: many\n"}, "t.yaml",
                   "t.yaml:3: world.n_cn_firms: expected integer in [7, 100000], got str"),
    "out-of-range": ({"r.yaml": "name: x\nlevers:\n  soe_reform: 1.5\n"}, "r.yaml",
                     "r.yaml:3: levers.soe_reform: 1.5 is out of range (number in [0, 1]"),
    "zero-steps": ({"z.yaml": "name: x\nrun:\n  steps: 0\n"}, "z.yaml",
                   "z.yaml:3: run.steps: 0 is out of range (integer in [1, 400])"),
    "negative-replications": ({"n.yaml": "name: x\nrun: {replications: -2}\n"}, "n.yaml",
                              "n.yaml:2: run.replications: -2 is out of range"),
    "schedule-beyond-run": ({"b.yaml": "name: x\nrun: {steps: 10}\nlevers:\n  bit_coverage:\n"
                                       "    0: 0.1\n    12: 0.5\n"}, "b.yaml",
                            "b.yaml:6: levers.bit_coverage: schedule names step 12, beyond the "
                            "run (steps 0 to 9)"),
    "python-tag": ({"p.yaml": "name: x\nlevers:\n  branding: !!python/object/apply:os.system "
                              "['touch pwned']\n"}, "p.yaml",
                   "p.yaml:3: levers.branding: YAML tag !!python/object/apply:os.system is not "
                   "allowed"),
    "bad-name": ({"n.yaml": "name: Big Scenario\n"}, "n.yaml",
                 "n.yaml:1: name: 'Big Scenario' is not a valid name"),
    "missing-name": ({"n.yaml": "description: x\n"}, "n.yaml",
                     "n.yaml: name: required key is missing"),
    "too-many-agents": ({"a.yaml": "name: x\nworld:\n  n_cn_firms: 100000\n"
                                   "  n_dv_firms: 100000\n"}, "a.yaml",
                        "a.yaml:2: world: 200158 agents in all exceeds the limit of 200000 "
                        "(MAX_AGENTS)"),
    "too-much-work": ({"w.yaml": "name: x\nrun: {steps: 400, replications: 1000}\n"}, "w.yaml",
                      "w.yaml:2: run.replications: agents x steps x replications ="),
    "alias-bomb": ({"bomb.yaml": BOMB}, "bomb.yaml",
                   "bomb.yaml:6: document expands to more than 100,000 YAML nodes"),
    "duplicate-key": ({"d.yaml": "name: x\nname: y\n"}, "d.yaml",
                      "d.yaml:2: name: duplicate key (first at line 1"),
    "extends-cycle": ({"a.yaml": "name: a\nextends: b.yaml\n", "b.yaml": "extends: a.yaml\n"},
                      "a.yaml", "b.yaml:1: extends: extends cycle: a.yaml -> b.yaml -> a.yaml"),
    "missing-parent": ({"c.yaml": "name: c\nextends: base.yaml\n"}, "c.yaml",
                       "c.yaml:2: extends: base.yaml: file not found"),
    "parent-value": ({"base.yaml": "name: base\nlevers:\n  branding: {0: 0.1, 30: 0.2}\n",
                      "c.yaml": "extends: base.yaml\nname: c\nrun: {steps: 20}\n"}, "c.yaml",
                     "base.yaml:3: levers.branding: schedule names step 30, beyond the run"),
}

LINE = re.compile(r"^(?:\S+?(?::\d+)?): .+$")


def check_bad(proc, expected: str) -> list[str]:
    """Exit 2, every stderr line a problem line, the expected one first, no traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    assert lines, "no message on stderr"
    assert lines[0].startswith(expected), lines
    assert all(LINE.match(x) for x in lines), lines
    return lines


@pytest.mark.parametrize("case", sorted(CASES))
def test_validate_rejects(cli, write_file, case):
    files, target, expected = CASES[case]
    for name, content in files.items():
        write_file(name, content)
    check_bad(cli("validate", target), expected)


@pytest.mark.parametrize("case", sorted(CASES))
def test_run_rejects_and_writes_nothing(cli, write_file, tmp_path, case):
    files, target, expected = CASES[case]
    for name, content in files.items():
        write_file(name, content)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    check_bad(cli("run", target, "--out", tmp_path / "out"), expected)
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "results").exists()
    assert not (tmp_path / "pwned").exists()
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("args, expected", [
    (["--set", "levers.joint_bidding=2"],
     "--set: levers.joint_bidding: 2 is out of range (number in [0, 1]"),
    (["--set", "levers.joint_biding=0.2"],
     "--set: levers.joint_biding: unknown key; did you mean joint_bidding?"),
    (["--set", "joint_bidding"], "--set: joint_bidding: malformed override 'joint_bidding' "
                                 "(expected KEY=VALUE"),
    (["--set", "=1"], "--set: =1: malformed override"),
    (["--set", "levers.bit_coverage={0: 0, 20: 0.5"], "--set: levers.bit_coverage: malformed "
                                                      "YAML:"),
    (["--set", "levers.bit_coverage={0: 0, 20: 0.5}"],
     "--set: levers.bit_coverage: schedule names step 20, beyond the run (steps 0 to 2)"),
    (["--set", "world.n_cn_firms=!!python/object/apply:os.system ['touch pwned']"],
     "--set: world.n_cn_firms: YAML tag !!python/object/apply:os.system is not allowed"),
    (["--steps", "0"], "--steps: run.steps: 0 is out of range (integer in [1, 400])"),
    (["--replications", "0"], "--replications: run.replications: 0 is out of range"),
    (["--seed", "-1"], "--seed: run.seed: -1 is out of range"),
])
def test_run_rejects_bad_overrides(cli, write_file, tmp_path, args, expected):
    f = write_file("tiny.yaml", GOOD)
    check_bad(cli("run", f.name, *args, "--out", "out"), expected)
    assert not (tmp_path / "out").exists() and not (tmp_path / "results").exists()
    assert not (tmp_path / "pwned").exists()


def test_run_refuses_existing_out(cli, write_file, tmp_path):
    f = write_file("tiny.yaml", GOOD)
    keep = write_file("out/keep.txt", "precious")
    proc = cli("run", f.name, "--out", "out")
    assert proc.returncode == 2, proc.stderr
    assert "refusing to overwrite" in proc.stderr and "Traceback" not in proc.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]
    assert keep.read_text() == "precious"


def test_validate_reports_every_file(cli, write_file):
    write_file("good.yaml", GOOD)
    write_file("bad.yaml", "name: x\nlevers:\n  branding: 2\n  soe_reform: -1\n")
    proc = cli("validate", "good.yaml", "bad.yaml")
    lines = check_bad(proc, "bad.yaml:3: levers.branding: 2 is out of range")
    assert lines[1].startswith("bad.yaml:4: levers.soe_reform: -1 is out of range")
    assert len(lines) == 2
    assert proc.stdout.splitlines() == ["ok good.yaml (tiny)"]


def test_validate_ok(cli, write_file):
    write_file("good.yaml", GOOD)
    proc = cli("validate", "good.yaml")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok good.yaml (tiny)"


@pytest.mark.parametrize("args", [
    ["run"], ["validate"], ["run", "x.yaml", "--bogus"], ["run", "x.yaml", "--steps", "many"],
    ["frobnicate"], ["run", "x.yaml", "--workers", "0"], ["compare", "a.yaml", "b.yaml",
                                                          "--workers", "-1"],
])
def test_usage_errors_exit_2(cli, args):
    proc = cli(*args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout


def test_explain(cli):
    proc = cli("explain", "joint_bidding")
    assert proc.returncode == 0, proc.stderr
    assert "levers.joint_bidding" in proc.stdout and "Internally" in proc.stdout
    proc = cli("explain", "joint_biding")
    assert proc.returncode == 2 and "did you mean joint_bidding" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_explain_index_is_short_and_labels_are_accepted(cli):
    """Without a name: a short index by kind (every name once); a label as summaries show it
    ("Chinese technology", "Welfare index: China") explains that metric."""
    from sim.metrics import METRICS
    from sim.scenario.params import ALL

    proc = cli("explain")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) < 80
    words = set(proc.stdout.replace(",", " ").replace("*", " ").split())
    assert set(ALL) <= words and set(METRICS) <= words
    for label, name in (("Chinese technology", "cn_tech_level"),
                        ("welfare index: china", "gain_china"), ("joint bidding", "joint_bidding")):
        proc = cli("explain", label)
        assert proc.returncode == 0, (label, proc.stderr)
        assert name in proc.stdout
    proc = cli("explain", "--all")
    assert proc.returncode == 0 and "meaning" in proc.stdout


def test_list(cli, write_file):
    write_file("lib/tiny.yaml", GOOD)
    write_file("lib/broken.yaml", "name: [\n")
    proc = cli("list", "--dir", "lib")
    assert proc.returncode == 0, proc.stderr
    assert "tiny" in proc.stdout and "A tiny run." in proc.stdout and "invalid" in proc.stdout
    proc = cli("list", "--dir", "nowhere")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_run_writes_results_once(cli, write_file, tmp_path):
    """A good run writes its folder; the same --out again is refused (needs the runner)."""
    write_file("tiny.yaml", GOOD)
    proc = cli("run", "tiny.yaml", "--out", "out", "--no-plots")
    assert proc.returncode == 0, proc.stderr
    assert "Results: " in proc.stdout
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest
    assert (tmp_path / "out" / "summary.json").exists()
    again = cli("run", "tiny.yaml", "--out", "out", "--no-plots")
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr
    # the default folder is results/<name>/<UTC time>-<hash>/, never reused
    first = cli("run", "tiny.yaml", "--no-plots")
    second = cli("run", "tiny.yaml", "--no-plots")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    runs = sorted(p.name for p in (tmp_path / "results" / "tiny").iterdir())
    assert len(runs) == 2
    assert all(re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}(-\d+)?", r) for r in runs), runs
    # the run id ends with the start of the scenario hash the manifest records
    assert runs[0].split("-")[2] == manifest["scenario_sha256"][:6]
