"""The scenario library: one lookup from a name to a file, ``extends`` into the library,
``list``, ``show``, ``init``, ``--version`` and the release files (version, citation, licence)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import sim
from sim.scenario import library
from sim.scenario.load import load_scenario

def _lib(name: str) -> Path:
    folder = library.library_dir("scenarios")
    assert folder is not None
    return folder / f"{name}.yaml"


# --------------------------------------------------------------------------------------------
# the lookup


def test_the_library_holds_every_scenario_and_sweep_of_the_repository(repo_root):
    assert sorted(library.names("scenarios")) == sorted(
        p.stem for p in (repo_root / "scenarios").glob("*.yaml"))
    assert sorted(library.names("sweeps")) == sorted(
        p.stem for p in (repo_root / "sweeps").glob("*.yaml"))


@pytest.mark.parametrize("arg", ["joint-bidding", "joint-bidding.yaml",
                                 "scenarios/joint-bidding.yaml"])
def test_a_name_finds_the_library_file_from_any_folder(arg, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert library.find(arg) == _lib("joint-bidding")
    assert library.find_scenario(arg) == _lib("joint-bidding")


def test_a_users_file_is_used_by_path_and_shadows_nothing_else(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "joint-bidding.yaml"
    mine.write_text("name: mine\n")
    assert library.find("joint-bidding.yaml") == Path("joint-bidding.yaml")  # the path itself
    assert library.find("joint-bidding") == _lib("joint-bidding")  # a bare name: the library


def test_the_working_folders_scenarios_come_before_the_library(tmp_path, monkeypatch):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "baseline.yaml").write_text("name: my-baseline\n")
    monkeypatch.chdir(tmp_path)
    assert library.find("baseline") == Path.cwd() / "scenarios" / "baseline.yaml"
    assert library.find("joint-bidding") == _lib("joint-bidding")
    assert library.scenarios_dir() == Path.cwd() / "scenarios"


@pytest.mark.parametrize("arg", ["no-such-scenario", "other/joint-bidding.yaml", "..", ""])
def test_what_is_not_there_is_not_found(arg, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert library.find(arg) is None
    assert library.find_scenario(arg) == Path(arg)  # the loader reports it as missing


def test_a_sweep_example_is_found_by_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = library.find_sweep("jb-ipr-lhs")
    assert found.name == "jb-ipr-lhs.yaml" and found.parent.name == "sweeps"


def test_the_library_needs_no_folder_of_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert library.scenarios_dir() == library.library_dir("scenarios")
    assert library.in_library(_lib("baseline"))
    assert not library.in_library(tmp_path / "baseline.yaml")


# --------------------------------------------------------------------------------------------
# extends into the library, and the manifest says so


def test_extends_finds_the_librarys_parent_when_none_is_beside_the_file(write_file):
    child = write_file("mine/my.yaml", "name: my\nextends: baseline.yaml\n"
                       "levers: {joint_bidding: 0.9}\n")
    s = load_scenario(child)
    assert s.files == (str(child.resolve()), str(_lib("baseline").resolve()))
    assert s.levers.joint_bidding == 0.9
    assert s.levers.bit_coverage == load_scenario(_lib("baseline")).levers.bit_coverage


def test_a_parent_beside_the_file_wins_over_the_library(write_file):
    write_file("mine/baseline.yaml", "name: local-base\nlevers: {bit_coverage: 0.75}\n")
    child = write_file("mine/my.yaml", "name: my\nextends: baseline.yaml\n")
    s = load_scenario(child)
    assert s.files[1] == str((child.parent / "baseline.yaml").resolve())
    assert s.levers.bit_coverage == 0.75


def test_a_missing_parent_that_the_library_lacks_is_still_an_error(write_file):
    from sim.scenario.load import ScenarioError

    child = write_file("my.yaml", "name: my\nextends: nowhere.yaml\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(child)
    assert "my.yaml:2: extends:" in str(e.value) and "file not found" in str(e.value)


def test_the_manifest_lists_the_files_used_and_which_came_from_the_library(cli, write_file,
                                                                              tmp_path):
    write_file("my.yaml", "name: my\nextends: baseline.yaml\nlevers: {joint_bidding: 0.9}\n")
    proc = cli("run", "my.yaml", "--replications", "2", "--steps", "4", "--no-plots",
               "--workers", "1", "--out", "out")
    assert proc.returncode == 0, proc.stderr
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert man["scenario_files"] == [
        {"file": str((tmp_path / "my.yaml").resolve()), "library": False},
        {"file": str(_lib("baseline").resolve()), "library": True}]
    assert man["versions"]["triplewin"] == sim.__version__


def test_run_takes_a_library_name(cli, tmp_path):
    proc = cli("run", "joint-bidding", "--replications", "2", "--steps", "4", "--no-plots",
               "--workers", "1", "--out", "out")
    assert proc.returncode == 0, proc.stderr
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert man["scenario_name"] == "joint-bidding"
    assert man["scenario_file"] == str(_lib("joint-bidding"))
    assert [f["library"] for f in man["scenario_files"]] == [True, True]


def test_an_unknown_name_is_bad_input(cli, tmp_path):
    proc = cli("run", "joint-biding", "--no-plots")
    assert proc.returncode == 2
    assert "joint-biding: file not found" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "results").exists()


# --------------------------------------------------------------------------------------------
# list and show


def test_list_shows_each_question_in_full_and_its_article_section(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "3000")  # no wrapping: each cell on one line
    proc = cli("list")
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    for f in library.files_in(library.library_dir("scenarios")):
        s = load_scenario(f)
        assert library.question(s.description) in text, f.name
    assert ("Does coordination raise Chinese margins, and do developing hosts end up paying "
            "more?") in text
    assert "*Internally*: joint bidding abroad and the CNR/CSR merger." in text


def test_the_question_is_what_the_description_asks():
    text = ("Some setting. Does it help? It might. Who gains? (China Brief 15(18), "
            "*Internally*: the CEC.)")
    assert library.question(text) == "Does it help? Who gains?"
    assert library.split_description(text) == (
        "Some setting. Does it help? It might. Who gains?",
        "China Brief 15(18), *Internally*: the CEC.")
    assert library.question("No question here. (China Brief 15(18), intro.)") == \
        "No question here."
    assert library.split_description("No citation.") == ("No citation.", "")


def test_show_gives_the_whole_description_the_differences_and_how_to_run(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    proc = cli("show", "joint-bidding")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    body, citation = library.split_description(load_scenario(_lib("joint-bidding")).description)
    assert body in " ".join(out.split())
    assert f"Article: {citation}" in " ".join(out.split())
    # the one value it sets against baseline, with both sides
    rows = [ln for ln in out.splitlines() if "levers." in ln]
    assert len(rows) == 1 and re.search(r"levers\.joint_bidding\s*│\s*0\.2\s*│\s*1\b", rows[0])
    assert "triplewin run joint-bidding" in out
    assert "triplewin compare baseline joint-bidding" in out


def test_show_lists_inherited_schedules_and_world_values_that_differ(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    out = cli("show", "debt-crisis").stdout
    assert re.search(r"world\.instability\s*│\s*\S+\s*│\s*\{0: 0\.3, 12: 0\.6\}", out)
    assert "levers." not in out  # it sets no lever


def test_show_a_scenario_without_parent_against_the_defaults(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    proc = cli("show", "baseline")
    assert proc.returncode == 0, proc.stderr
    assert "against the model's defaults" in proc.stdout
    assert re.search(r"levers\.joint_bidding\s*│\s*0\s*│\s*0\.2", proc.stdout)


def test_show_a_users_file_by_path(cli, write_file, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    write_file("my.yaml", "name: my\ndescription: Mine. Does it? (China Brief 15(18), *X*.)\n"
               "extends: baseline.yaml\nlevers: {branding: 0.9}\n")
    proc = cli("show", "my.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "your file" in proc.stdout and "triplewin run my.yaml" in proc.stdout
    assert re.search(r"levers\.branding\s*│\s*0\.2\s*│\s*0\.9", proc.stdout)


def test_show_an_unknown_name_suggests_the_close_ones(cli):
    proc = cli("show", "joint-biding")
    assert proc.returncode == 2
    assert "did you mean joint-bidding?" in proc.stderr and "Traceback" not in proc.stderr


def test_show_an_invalid_file_reports_its_problems(cli, write_file):
    write_file("bad.yaml", "name: bad\nlevers: {joint_bidding: 3}\n")
    proc = cli("show", "bad.yaml")
    assert proc.returncode == 2
    assert proc.stderr.startswith("bad.yaml:2: levers.joint_bidding:")


# --------------------------------------------------------------------------------------------
# init


def test_init_copies_the_library_for_students(cli, tmp_path, monkeypatch):
    proc = cli("init", "class")
    assert proc.returncode == 0, proc.stderr
    for kind in library.KINDS:
        src = library.files_in(library.library_dir(kind))
        copied = library.files_in(tmp_path / "class" / kind)
        assert [f.name for f in copied] == [f.name for f in src]
        assert all(a.read_bytes() == b.read_bytes() for a, b in zip(src, copied, strict=True))
    # inside the copy, names mean the student's files
    monkeypatch.chdir(tmp_path / "class")
    assert library.find("baseline") == Path.cwd() / "scenarios" / "baseline.yaml"


@pytest.mark.parametrize("make", ["file", "non-empty"])
def test_init_refuses_to_write_into_something_that_exists(cli, tmp_path, make):
    target = tmp_path / "class"
    if make == "file":
        target.write_text("x")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    proc = cli("init", "class")
    assert proc.returncode == 2
    assert "refusing" in proc.stderr and "Traceback" not in proc.stderr
    assert (target.read_text() == "x") if make == "file" else \
        sorted(p.name for p in target.iterdir()) == ["notes.txt"]


def test_init_fills_an_empty_folder(cli, tmp_path):
    (tmp_path / "class").mkdir()
    assert cli("init", "class").returncode == 0
    assert (tmp_path / "class" / "scenarios" / "baseline.yaml").is_file()


# --------------------------------------------------------------------------------------------
# version, citation, licence


def test_version_is_written_once_and_printed(cli):
    proc = cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"triplewin {sim.__version__}"


def test_citation_names_this_version_and_the_article(repo_root):
    import yaml

    cff = yaml.safe_load((repo_root / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["version"] == sim.__version__
    assert cff["license"] == "MIT"
    (article,) = cff["references"]
    assert (article["journal"], article["volume"], article["issue"], article["year"]) == \
        ("China Brief", 15, 18, 2015)
    assert "Triple Win" in article["title"]


def test_the_licence_and_the_changelog_are_there(repo_root):
    assert (repo_root / "LICENSE").read_text().startswith("MIT License")
    changelog = (repo_root / "CHANGELOG.md").read_text()
    released = re.sub(r"\.dev\d+$", "", sim.__version__)
    assert f"({released})" in changelog or f"[{released}]" in changelog
    assert "[0.1.0]" in changelog


def test_the_python_api_takes_library_names(tmp_path, monkeypatch):
    from sim import api

    monkeypatch.chdir(tmp_path)
    s = api.load_scenario_config("joint-bidding", steps=4)
    assert s.name == "joint-bidding" and s.run.steps == 4
    assert s.files[0] == str(_lib("joint-bidding").resolve())
    assert api.find_reference("no-cooperation") == _lib("no-cooperation")
