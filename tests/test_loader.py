"""The scenario loader: every kind of bad input gives a ScenarioError with FILE:LINE: key lines.

Unit tests pin the message format and line numbers; property-based tests throw generated and
mutated files at :func:`load_scenario` and require a Scenario or a ScenarioError, nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario.load import (
    Problem,
    ScenarioError,
    load_scenario,
    resolved_dict,
    scenario_sha256,
)
from sim.scenario.params import (
    LEVERS,
    MAX_AGENTS,
    MAX_CELLS,
    POPULATION,
    RUN,
    UNCERTAINTIES,
    WORLD,
)
from sim.scenario.schema import Scenario
from sim.yamlsafe import MAX_FILE_BYTES, MAX_YAML_NODES

VALID = """\
name: demo
description: A demo scenario. It asks nothing.
run:
  steps: 12
  seed: 7
  replications: 2
world:
  n_cn_firms: 40
  instability: 0.3
levers:
  joint_bidding: 0.5
  bit_coverage: {0: 0.0, 8: 0.5}
"""


def problems_of(path, *args, **kwargs) -> list[str]:
    """The problem lines load_scenario reports (fails the test if it loads)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, *args, **kwargs)
    assert info.value.problems, "a ScenarioError must carry at least one problem"
    assert str(info.value) == "\n".join(str(p) for p in info.value.problems)
    return [str(p) for p in info.value.problems]


def only_problem(path, *args, **kwargs) -> str:
    lines = problems_of(path, *args, **kwargs)
    assert len(lines) == 1, lines
    return lines[0]


# --------------------------------------------------------------------------------------------
# the good path


def test_valid_file_loads(write_file):
    s = load_scenario(write_file("demo.yaml", VALID))
    assert isinstance(s, Scenario)
    assert s.name == "demo"
    assert s.run.steps == 12 and s.run.replications == 2
    assert s.levers.joint_bidding == 0.5
    assert s.levers.bit_coverage == {0: 0.0, 8: 0.5}
    assert s.world.n_cn_firms == 40


def test_problem_format():
    assert str(Problem("a.yaml", 3, "levers.x", "bad (ok)")) == "a.yaml:3: levers.x: bad (ok)"
    assert str(Problem("a.yaml", None, "name", "missing")) == "a.yaml: name: missing"
    assert str(Problem("a.yaml", None, "", "file not found")) == "a.yaml: file not found"
    assert str(Problem("a.yaml", 2, "", "malformed")) == "a.yaml:2: malformed"


def test_resolved_dict_and_hash(write_file):
    a = load_scenario(write_file("a.yaml", VALID))
    b = load_scenario(write_file("b.yaml", VALID))
    c = load_scenario(write_file("c.yaml", VALID), ["levers.joint_bidding=0.6"])
    d = resolved_dict(a)
    assert d["levers"]["bit_coverage"] == {"0": 0.0, "8": 0.5}
    assert json.loads(json.dumps(d))["run"]["steps"] == 12
    assert len(scenario_sha256(a)) == 64
    assert scenario_sha256(a) == scenario_sha256(b)
    assert scenario_sha256(a) != scenario_sha256(c)


# --------------------------------------------------------------------------------------------
# the file itself


def test_missing_file(tmp_path):
    f = tmp_path / "nope.yaml"
    assert only_problem(f) == f"{f}: file not found"


def test_directory(tmp_path):
    assert only_problem(tmp_path) == f"{tmp_path}: is a directory, expected a scenario YAML file"


def test_unreadable(write_file, monkeypatch):
    f = write_file("locked.yaml", VALID)
    real_open = Path.open

    def deny(self, *a, **k):
        if self == f:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *a, **k)

    monkeypatch.setattr(Path, "open", deny)
    assert only_problem(f) == f"{f}: cannot read the file: permission denied"


@pytest.mark.parametrize("text, message", [
    ("", "empty file (expected a mapping with at least name:)"),
    ("\n  \n", "empty file (expected a mapping with at least name:)"),
    ("# only a comment\n", "empty file: only comments (expected a mapping with at least name:)"),
])
def test_empty(write_file, text, message):
    f = write_file("e.yaml", text)
    assert only_problem(f) == f"{f}: {message}"


def test_binary_nul(write_file):
    f = write_file("b.yaml", b"name: a\nx: \x00\x01\x02\n")
    assert only_problem(f) == f"{f}:2: binary file: contains NUL bytes (expected YAML text)"


def test_invalid_utf8(write_file):
    f = write_file("b.yaml", b"name: a\n\ndescription: caf\xe9\n")
    assert only_problem(f) == (f"{f}:3: not UTF-8 text: invalid byte 0xe9 "
                               "(expected YAML text in UTF-8)")


def test_utf8_bom_is_fine(write_file):
    assert load_scenario(write_file("bom.yaml", "\ufeff" + VALID)).name == "demo"


def test_too_large(write_file):
    f = write_file("big.yaml", VALID + "#" * MAX_FILE_BYTES + "\n")
    line = only_problem(f)
    assert line.startswith(f"{f}: file is ")
    assert f"larger than the limit of {MAX_FILE_BYTES:,} bytes (MAX_FILE_BYTES)" in line


def test_control_character(write_file):
    f = write_file("c.yaml", "name: a\x07\n")
    assert only_problem(f).startswith(f"{f}:1: not YAML text: unacceptable character #x0007")


# --------------------------------------------------------------------------------------------
# YAML


@pytest.mark.parametrize("text, line, what", [
    ("name: x\nlevers: [1\n", 3, "malformed YAML: expected ',' or ']'"),
    ("name: x\nlevers:\n  joint_bidding: 0.5\n bad: 1\n", 4, "malformed YAML: "),
    ("name: x\n  run: 1\n", 2, "malformed YAML: mapping values are not allowed here"),
    ("name: a\n---\nname: b\n", 2, "malformed YAML: but found another document"),
    ("name: 'open\n", 2, "malformed YAML: "),
])
def test_malformed_yaml(write_file, text, line, what):
    f = write_file("m.yaml", text)
    assert only_problem(f).startswith(f"{f}:{line}: {what}")


@pytest.mark.parametrize("text, got", [
    ("- a\n- b\n", "a list"),
    ("hello\n", "a single value"),  # never quoted: the file may not be a scenario at all
    ("42\n", "a single value"),
])
def test_top_level_not_a_mapping(write_file, text, got):
    f = write_file("t.yaml", text)
    assert only_problem(f) == (f"{f}:1: top level must be a mapping of keys to values, got {got} "
                               "(valid keys: description, extends, levers, name, run, world)")


def test_python_tag_is_refused_and_not_run(write_file, tmp_path):
    flag = tmp_path / "pwned"
    f = write_file("evil.yaml", (
        "name: evil\n"
        "levers:\n"
        f"  joint_bidding: !!python/object/apply:os.system ['touch {flag}']\n"
        "  branding: !!python/name:os.system\n"
        "run: !!python/object/new:builtins.dict {}\n"))
    lines = problems_of(f)
    assert lines == [
        f"{f}:3: levers.joint_bidding: YAML tag !!python/object/apply:os.system is not allowed "
        "(plain YAML only: numbers, text, lists and mappings; nothing in a file is executed)",
        f"{f}:4: levers.branding: YAML tag !!python/name:os.system is not allowed "
        "(plain YAML only: numbers, text, lists and mappings; nothing in a file is executed)",
        f"{f}:5: run: YAML tag !!python/object/new:builtins.dict is not allowed "
        "(plain YAML only: numbers, text, lists and mappings; nothing in a file is executed)",
    ]
    assert not flag.exists()


def test_local_tag_and_bare_equals(write_file):
    f = write_file("t.yaml", "name: !shout a\nlevers:\n  branding: =\n")
    assert problems_of(f) == [
        f"{f}:1: name: YAML tag !shout is not allowed (plain YAML only: numbers, text, lists and "
        "mappings; nothing in a file is executed)",
        f"{f}:3: levers.branding: a bare '=' is not a value (quote it if you mean the text '=')",
    ]


def test_standard_tags_are_fine(write_file):
    f = write_file("t.yaml", "name: !!str a\nlevers: !!map {branding: !!float 0.5}\n")
    assert load_scenario(f).levers.branding == 0.5


def test_alias_bomb_refused_before_expanding(write_file):
    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        rows.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    f = write_file("bomb.yaml", "\n".join(rows) + "\n")
    line = only_problem(f)
    # refused at the row that crosses the limit, before anything is expanded; f = 9**6 nodes is the first row over the limit
    assert line == (f"{f}:6: document expands to more than {MAX_YAML_NODES:,} YAML nodes through "
                    "aliases or sheer size (limit MAX_YAML_NODES); refused without expanding it")


def test_many_nodes_refused(write_file):
    f = write_file("wide.yaml", "name: a\nx: [" + "1," * (MAX_YAML_NODES + 10) + "1]\n")
    line = only_problem(f)
    assert line == (f"{f}:2: document has more than {MAX_YAML_NODES:,} YAML nodes "
                    "(limit MAX_YAML_NODES)")


def test_deep_nesting_refused(write_file):
    f = write_file("deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert only_problem(f) == f"{f}:1: YAML nested more than 64 levels deep (limit MAX_YAML_DEPTH)"


def test_recursive_alias(write_file):
    f = write_file("r.yaml", "name: a\nlevers: &x {branding: *x}\n")
    assert only_problem(f) == f"{f}:2: recursive alias: a value contains itself (plain data only)"


def test_duplicate_keys(write_file):
    f = write_file("d.yaml", "name: a\nlevers:\n  branding: 0.1\n  branding: 0.2\nname: b\n")
    assert problems_of(f) == [
        f"{f}:4: levers.branding: duplicate key (first at line 3; each key may appear once in a "
        "mapping)",
        f"{f}:5: name: duplicate key (first at line 1; each key may appear once in a mapping)",
    ]


def test_overlong_integer(write_file):
    f = write_file("i.yaml", "name: a\nrun:\n  seed: " + "9" * 5000 + "\n")
    assert only_problem(f).startswith(f"{f}:3: run.seed: cannot read this value: ")


def test_merge_keys_work(write_file):
    f = write_file("m.yaml", "name: a\nlevers:\n  <<: {joint_bidding: 0.2}\n  branding: 0.3\n")
    s = load_scenario(f)
    assert (s.levers.joint_bidding, s.levers.branding) == (0.2, 0.3)


# --------------------------------------------------------------------------------------------
# the schema


def test_unknown_keys_everywhere_with_suggestions(write_file):
    f = write_file("u.yaml", (
        "name: a\n"
        "lever:\n"
        "  joint_bidding: 1\n"
        "levers:\n"
        "  joint_biding: 1\n"
        "world:\n"
        "  branding: 0.5\n"
        "run:\n"
        "  stpes: 3\n"))
    lines = problems_of(f)
    valid_levers = ", ".join(sorted(LEVERS))
    assert lines[0] == (f"{f}:2: lever: unknown key; did you mean levers? "
                        "(valid: description, extends, levers, name, run, world)")
    assert lines[1] == (f"{f}:5: levers.joint_biding: unknown key; did you mean joint_bidding? "
                        f"(valid: {valid_levers})")
    assert lines[2].startswith(f"{f}:7: world.branding: unknown key; branding belongs under "
                               "levers: (valid: ")
    assert lines[3] == (f"{f}:9: run.stpes: unknown key; did you mean steps? "
                        "(valid: replications, seed, steps)")
    assert len(lines) == 4


def test_unknown_key_without_close_match(write_file):
    f = write_file("u.yaml", "name: a\nlevers:\n  zzz: 1\n")
    assert only_problem(f) == f"{f}:3: levers.zzz: unknown key (valid: {', '.join(sorted(LEVERS))})"


def test_wrong_types(write_file):
    f = write_file("w.yaml", (
        "name: a\n"
        "description: [not, text]\n"
        "run:\n"
        "  steps: 2.5\n"
        "  seed: '7'\n"
        "levers:\n"
        "  joint_bidding: high\n"
        "  branding: true\n"
        "world: [1, 2]\n"))
    assert problems_of(f) == [
        f"{f}:2: description: expected text, got a list",
        f"{f}:4: run.steps: expected a whole number, got 2.5 (integer in [1, 400])",
        f"{f}:5: run.seed: expected integer in [0, 9.22337e+18], got str",
        f"{f}:7: levers.joint_bidding: expected number in [0, 1], or a schedule {{step: value}}, "
        "got str",
        f"{f}:8: levers.branding: expected number in [0, 1], or a schedule {{step: value}}, "
        "got bool",
        f"{f}:9: world: expected a mapping of keys to values, got a list (valid keys: "
        f"{', '.join(sorted(WORLD))})",
    ]


def test_out_of_range_reports_every_problem(write_file):
    f = write_file("r.yaml", (
        "name: a\n"
        "run:\n"
        "  steps: 0\n"
        "  replications: -3\n"
        "world:\n"
        "  instability: 1.5\n"
        "  n_cn_firms: 3\n"
        "levers:\n"
        "  joint_fund: -1\n"
        "  ipr_protection: .nan\n"))
    assert problems_of(f) == [
        f"{f}:3: run.steps: 0 is out of range (integer in [1, 400])",
        f"{f}:4: run.replications: -3 is out of range (integer in [1, 1000])",
        f"{f}:6: world.instability: 1.5 is out of range (number in [0, 1], or a schedule "
        "{step: value})",
        f"{f}:7: world.n_cn_firms: 3 is out of range (integer in [7, 100000])",
        f"{f}:9: levers.joint_fund: -1 is out of range (number in [0, 50], or a schedule "
        "{step: value})",
        f"{f}:10: levers.ipr_protection: nan is not a finite number (number in [0, 1], or a "
        "schedule {step: value})",
    ]


def test_bad_value_inside_schedule_points_at_its_step(write_file):
    f = write_file("s.yaml", "name: a\nlevers:\n  branding:\n    0: 0.1\n    4: 7\n")
    assert only_problem(f) == (f"{f}:5: levers.branding: 7 is out of range (number in [0, 1], or "
                               "a schedule {step: value})")


def test_bad_schedule_step_key(write_file):
    f = write_file("s.yaml", "name: a\nlevers:\n  branding:\n    0: 0.1\n    x: 0.2\n")
    line = only_problem(f)
    assert line.startswith(f"{f}:5: levers.branding: schedule step ")


def test_schedule_beyond_run(write_file):
    f = write_file("s.yaml", "name: a\nrun: {steps: 20}\nlevers:\n  bit_coverage:\n"
                             "    0: 0.1\n    30: 0.5\n")
    assert only_problem(f) == (f"{f}:6: levers.bit_coverage: schedule names step 30, beyond the "
                               "run (steps 0 to 19): 2022Q3 comes after the run's last quarter, "
                               "2019Q4; raise --steps or run.steps to reach it")


@pytest.mark.parametrize("name", ["My Scenario", "under_score", "", "UPPER"])
def test_bad_name(write_file, name):
    f = write_file("n.yaml", f"name: '{name}'\n")
    assert only_problem(f) == (f"{f}:1: name: {name!r} is not a valid name (lowercase letters, "
                               "digits and '-', e.g. joint-bidding)")


def test_missing_name(write_file):
    f = write_file("n.yaml", "description: no name\n")
    assert only_problem(f) == (f"{f}: name: required key is missing (a scenario name: lowercase "
                               "letters, digits and '-', e.g. joint-bidding)")


def test_non_text_keys(write_file):
    f = write_file("k.yaml", "name: a\nlevers:\n  5: 1\n")
    assert only_problem(f) == f"{f}:3: levers.5: keys must be text, got a number (5)"


def test_too_many_agents(write_file):
    f = write_file("a.yaml", "name: a\nworld:\n  n_cn_firms: 100000\n  n_dv_firms: 100000\n")
    assert only_problem(f) == (f"{f}:2: world: 200158 agents in all exceeds the limit of "
                               f"{MAX_AGENTS} (MAX_AGENTS)")


def test_too_much_work(write_file):
    f = write_file("a.yaml", "name: a\nrun:\n  steps: 400\n  replications: 1000\n"
                             "world:\n  n_cn_firms: 1000\n")
    line = only_problem(f)
    assert line.startswith(f"{f}:4: run.replications: agents x steps x replications = ")
    assert f"exceeds the limit of {MAX_CELLS} (MAX_CELLS)" in line


# --------------------------------------------------------------------------------------------
# extends


BASE = """\
name: base
description: The base.
run: {steps: 40, seed: 1, replications: 2}
world:
  instability: 0.4
  n_cn_firms: 50
levers:
  bit_coverage: {0: 0.1, 30: 0.5}
  joint_bidding: 0.5
"""


def test_extends_merges_and_schedules_replace(write_file):
    write_file("base.yaml", BASE)
    child = write_file("child.yaml", (
        "extends: base.yaml\n"
        "name: child\n"
        "world: {instability: 0.6}\n"
        "levers:\n"
        "  bit_coverage: {0: 0.2}\n"))
    s = load_scenario(child)
    assert s.name == "child" and s.description == "The base."
    assert s.world.instability == 0.6 and s.world.n_cn_firms == 50  # sections merge
    assert s.levers.bit_coverage == {0: 0.2}  # a schedule is a value: replaced, not merged
    assert s.levers.joint_bidding == 0.5
    assert s.run.steps == 40 and s.extends == "base.yaml"


def test_extends_chain_and_subfolder(write_file, tmp_path):
    write_file("lib/base.yaml", BASE)
    write_file("lib/mid.yaml", "extends: base.yaml\nlevers: {joint_bidding: 0.9}\n")
    top = write_file("top.yaml", "extends: lib/mid.yaml\nname: top\n")
    s = load_scenario(top)
    assert (s.name, s.levers.joint_bidding, s.world.n_cn_firms) == ("top", 0.9, 50)
    absolute = write_file("abs.yaml", f"extends: {tmp_path / 'lib' / 'base.yaml'}\nname: abs\n")
    assert load_scenario(absolute).world.n_cn_firms == 50


def test_only_extends_and_name_is_fine(write_file):
    write_file("base.yaml", BASE)
    assert load_scenario(write_file("c.yaml", "extends: base.yaml\nname: c\n")).name == "c"


def test_name_is_required_after_merge(write_file):
    write_file("p.yaml", "description: nameless parent\n")
    c = write_file("c.yaml", "extends: p.yaml\n")
    assert only_problem(c).startswith(f"{c}: name: required key is missing")


def test_error_in_inherited_value_names_the_parent(write_file):
    base = write_file("base.yaml", BASE)
    child = write_file("child.yaml", "extends: base.yaml\nname: child\nrun: {steps: 20}\n"
                                     "levers:\n  branding: 3\n")
    # branding is the child's; the schedule step 30 is the parent's, beyond the child's 20 steps
    assert problems_of(child) == [
        f"{child}:5: levers.branding: 3 is out of range (number in [0, 1], or a schedule "
        "{step: value})",
    ]
    child.write_text("extends: base.yaml\nname: child\nrun: {steps: 20}\n")
    assert only_problem(child) == (f"{base}:8: levers.bit_coverage: schedule names step 30, "
                                   "beyond the run (steps 0 to 19): 2022Q3 comes after the run's "
                                   "last quarter, 2019Q4; raise --steps or run.steps to reach it")


def test_problems_in_parent_file_name_the_parent(write_file):
    base = write_file("base.yaml", "name: base\nlevers:\n  joint_biding: 1\n")
    child = write_file("child.yaml", "extends: base.yaml\nname: child\nlevers:\n  branding: 9\n")
    lines = problems_of(child)
    assert lines[0].startswith(f"{child}:4: levers.branding: 9 is out of range")
    assert lines[1].startswith(f"{base}:3: levers.joint_biding: unknown key; did you mean "
                               "joint_bidding?")
    broken = write_file("broken.yaml", "name: [\n")
    child.write_text("extends: broken.yaml\nname: child\n")
    assert only_problem(child).startswith(f"{broken}:2: malformed YAML: ")


def test_missing_parent(write_file, tmp_path):
    child = write_file("child.yaml", "name: child\ndescription: x\nextends: nope.yaml\n")
    assert only_problem(child) == f"{child}:3: extends: {tmp_path / 'nope.yaml'}: file not found"


def test_extends_cycle(write_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_file("a.yaml", "name: a\nextends: b.yaml\n")
    write_file("b.yaml", "\n\nextends: a.yaml\n")
    assert only_problem("a.yaml") == ("b.yaml:3: extends: extends cycle: a.yaml -> b.yaml -> "
                                      "a.yaml (a file cannot extend itself, directly or through "
                                      "others)")
    write_file("self.yaml", "name: s\nextends: self.yaml\n")
    assert only_problem("self.yaml").startswith("self.yaml:2: extends: extends cycle: "
                                                "self.yaml -> self.yaml ")


def test_parent_content_problems_name_the_parent(write_file):
    parent = write_file("bin.yaml", b"name: a\n\x00")
    child = write_file("c.yaml", "extends: bin.yaml\nname: c\n")
    assert only_problem(child) == f"{parent}:2: binary file: contains NUL bytes (expected YAML text)"
    child.write_text('name: c\nextends: "bad\\0name.yaml"\n')
    assert only_problem(child).startswith(f"{child}:2: extends: expected a file name, got text")


def test_empty_sections_are_empty(write_file):
    s = load_scenario(write_file("e.yaml", "name: a\nlevers:\n  # none yet\nworld:\nrun:\n"))
    assert s.levers.joint_bidding == LEVERS["joint_bidding"].default


def test_extends_not_text(write_file):
    f = write_file("e.yaml", "name: a\nextends: [a, b]\n")
    assert only_problem(f) == (f"{f}:2: extends: expected a file name, got a list (a path "
                               "relative to this file, e.g. baseline.yaml)")


# --------------------------------------------------------------------------------------------
# overrides and flags


def test_overrides_apply(write_file):
    f = write_file("demo.yaml", VALID)
    s = load_scenario(f, ["levers.joint_bidding=0.8", "world.n_cn_firms=500", "run.steps=12",
                          "levers.bit_coverage={0: 0, 10: 0.5}", "levers.branding.0=0.9",
                          "name=other"])
    assert s.levers.joint_bidding == 0.8 and s.world.n_cn_firms == 500
    assert s.levers.bit_coverage == {0: 0.0, 10: 0.5}
    assert s.levers.branding == {0: 0.9}
    assert s.name == "other"


def test_flags_override_run(write_file):
    f = write_file("demo.yaml", VALID)
    s = load_scenario(f, ["run.seed=1"], seed=99, steps=9, replications=3)
    assert (s.run.seed, s.run.steps, s.run.replications) == (99, 9, 3)


def test_bad_overrides(write_file):
    f = write_file("demo.yaml", VALID)
    assert problems_of(f, ["levers.joint_bidding=2", "levers.joint_biding=0.1", "noequals",
                           "=3", "levers..x=1", "world.instability=[1, 2",
                           "run.seed=!!python/object/apply:os.system ['echo hi']",
                           "extends=x.yaml"]) == [
        "--set: noequals: malformed override 'noequals' (expected KEY=VALUE, e.g. "
        "levers.joint_bidding=0.8)",
        "--set: =3: malformed override '=3' (expected KEY=VALUE, e.g. levers.joint_bidding=0.8)",
        "--set: levers..x: empty part in the dotted key (expected e.g. levers.joint_bidding=0.8)",
        "--set: world.instability: malformed YAML: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence)",
        "--set: run.seed: YAML tag !!python/object/apply:os.system is not allowed (plain YAML "
        "only: numbers, text, lists and mappings; nothing in a file is executed)",
        "--set: extends: extends cannot be overridden (edit the file, or write a small file "
        "that extends it)",
        "--set: levers.joint_bidding: 2 is out of range (number in [0, 1], or a schedule "
        "{step: value})",
        f"--set: levers.joint_biding: unknown key; did you mean joint_bidding? (valid: "
        f"{', '.join(sorted(LEVERS))})",
    ]


def test_override_into_a_number(write_file):
    f = write_file("demo.yaml", VALID)
    assert only_problem(f, ["levers.joint_bidding.3=0.1"]) == (
        "--set: levers.joint_bidding: is a number (0.5), not a mapping, so "
        "levers.joint_bidding.3 cannot be set (set the whole value instead)")


def test_override_beyond_run(write_file):
    f = write_file("demo.yaml", VALID)
    assert only_problem(f, ["levers.branding={0: 0.1, 50: 0.2}"]) == (
        "--set: levers.branding: schedule names step 50, beyond the run (steps 0 to 11): 2027Q3 "
        "comes after the run's last quarter, 2017Q4; raise --steps or run.steps to reach it")
    # --steps shortens the run below the file's own schedule (bit_coverage steps to 8): the
    # steps beyond the run could not act, so they are dropped, with a note
    notes: list[str] = []
    s = load_scenario(f, steps=5, notes=notes)
    assert max(s.levers.bit_coverage) < 5 and 0 in s.levers.bit_coverage
    assert notes == ["--steps 5 ends the run at 2016Q1, before scheduled changes of "
                     "levers.bit_coverage; those changes are dropped (they could not act)"]


@pytest.mark.parametrize("kwargs, line", [
    ({"steps": 0}, "--steps: run.steps: 0 is out of range (integer in [1, 400])"),
    ({"replications": -1}, "--replications: run.replications: -1 is out of range "
                           "(integer in [1, 1000])"),
    ({"seed": -5}, "--seed: run.seed: -5 is out of range (integer in [0, 9.22337e+18])"),
])
def test_bad_flags(write_file, kwargs, line):
    assert only_problem(write_file("demo.yaml", VALID), **kwargs) == line


def test_problems_from_file_and_overrides_together(write_file):
    f = write_file("x.yaml", "name: x\nlevers:\n  branding: 5\n")
    assert problems_of(f, ["levers.soe_reform=-1"], steps=0) == [
        f"{f}:3: levers.branding: 5 is out of range (number in [0, 1], or a schedule "
        "{step: value})",
        "--set: levers.soe_reform: -1 is out of range (number in [0, 1], or a schedule "
        "{step: value})",
        "--steps: run.steps: 0 is out of range (integer in [1, 400])",
    ]


# --------------------------------------------------------------------------------------------
# property-based: never anything but a Scenario or a ScenarioError

_SECTION_KEYS = {"levers": sorted(LEVERS), "world": sorted(WORLD),
                 "run": sorted(RUN)}

_scalars = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-2, max_value=2),
    st.integers(min_value=-10, max_value=10**6),
    st.integers(),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
)
_values = st.one_of(
    _scalars,
    st.dictionaries(st.one_of(st.integers(min_value=-3, max_value=500), st.text(max_size=3)),
                    _scalars, max_size=4),
    st.lists(_scalars, max_size=3),
)


@st.composite
def scenario_dicts(draw):
    d: dict = {}
    if draw(st.booleans()):
        d["name"] = draw(st.one_of(st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True),
                                   st.text(max_size=10), st.integers()))
    if draw(st.booleans()):
        d["description"] = draw(st.one_of(st.text(max_size=30), _scalars))
    for section, keys in _SECTION_KEYS.items():
        if draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(keys), max_size=5, unique=True))
            sec = {k: draw(_values) for k in chosen}
            for extra in draw(st.lists(st.text(min_size=1, max_size=8), max_size=2)):
                sec[extra] = draw(_values)
            d[section] = sec if draw(st.integers(0, 9)) else draw(_values)
    for extra in draw(st.lists(st.text(min_size=1, max_size=8), max_size=2)):
        d[extra] = draw(_values)
    return d


_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=150, deadline=None, suppress_health_check=_HEALTH)
@given(data=scenario_dicts())
def test_generated_scenarios_load_or_fail_cleanly(tmp_path, data):
    f = tmp_path / "gen.yaml"
    f.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        s = load_scenario(f)
    except ScenarioError as e:
        assert e.problems
        for p in e.problems:
            assert "\n" not in str(p) and str(p).startswith(str(f))
    else:
        assert isinstance(s, Scenario)


_VALID_BYTES = VALID.encode()


@st.composite
def mutated(draw):
    raw = bytearray(_VALID_BYTES)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        i = draw(st.integers(0, max(len(raw) - 1, 0)))
        if op == "flip" and raw:
            raw[i] = draw(st.integers(0, 255))
        elif op == "insert":
            raw[i:i] = draw(st.one_of(st.binary(max_size=8),
                                      st.sampled_from([b":", b"-", b"&a ", b"*a", b"!!", b"[",
                                                       b"{", b"\n  ", b"'", b"\t", b"---\n",
                                                       b"!!python/name:os.system "])))
        elif op == "delete":
            del raw[i: i + draw(st.integers(1, 20))]
        else:
            del raw[i:]
    return bytes(raw)


@settings(max_examples=200, deadline=None, suppress_health_check=_HEALTH)
@given(raw=mutated(), overrides=st.lists(st.text(max_size=20), max_size=2))
def test_mutated_files_load_or_fail_cleanly(tmp_path, raw, overrides):
    f = tmp_path / "mut.yaml"
    f.write_bytes(raw)
    try:
        s = load_scenario(f, overrides)
    except ScenarioError as e:
        assert e.problems
        assert all("\n" not in str(p) for p in e.problems)
    else:
        assert isinstance(s, Scenario)


def test_set_bare_parameter_name_goes_to_its_section(write_file):
    """`--set joint_bidding=0.5` means levers.joint_bidding; `n_cn_firms` means world."""
    f = write_file("s.yaml", "name: a\n")
    s = load_scenario(f, ["joint_bidding=0.5", "n_cn_firms=200", "steps=8"])
    assert s.levers.joint_bidding == 0.5
    assert s.world.n_cn_firms == 200
    assert s.run.steps == 8


def test_set_misspelt_bare_name_suggests_dotted_key(write_file):
    f = write_file("s.yaml", "name: a\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(f, ["joint_biding=0.5"])
    assert "did you mean levers.joint_bidding?" in str(e.value.problems[0])
