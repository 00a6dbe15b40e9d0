"""Layer 4 of the test suite (STYLE.md item 9): every scenario file validates and runs.

Scenario files are discovered, not listed: a new ``scenarios/*.yaml`` is tested the moment it is
added. Each must pass ``triplewin validate`` (exit 0), run two short replications with balanced
books, describe itself for a student naming its China Brief section, and carry a unique name
equal to its file stem. One end-to-end test checks the files ``triplewin run`` writes (docs/ODD.md
section 4, "Observation") and that a second run never overwrites the first.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.experiments.runner import run_replications
from sim.invariants import violations
from sim.metrics import METRICS
from sim.model import TripleWinModel
from sim.scenario.load import load_scenario

REPO = Path(__file__).resolve().parent.parent
SCENARIO_FILES = sorted((REPO / "scenarios").glob("*.yaml"))
SHORT_STEPS = 12


def _last_scheduled_step(scenario) -> int:
    """The latest step named by any lever or world schedule of a scenario (0 if none)."""
    values = [*scenario.lever_values().values(), *scenario.world_values().values()]
    return max((max(v) for v in values if isinstance(v, dict) and v), default=0)


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_the_library_is_not_empty() -> None:
    """Discovery finds the scenario library (baseline and the no-cooperation reference)."""
    stems = {p.stem for p in SCENARIO_FILES}
    assert {"baseline", "no-cooperation"} <= stems, stems


@pytest.fixture(scope="module")
def validated(tmp_path_factory) -> subprocess.CompletedProcess[str]:
    """One ``python -m sim validate`` over the whole library (one interpreter start, not 15)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    env.pop("TRIPLEWIN_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "sim", "validate", *map(str, SCENARIO_FILES)],
                          cwd=tmp_path_factory.mktemp("validate"), env=env, capture_output=True,
                          text=True, timeout=600)


def test_library_validates(validated) -> None:
    """``python -m sim validate scenarios/*.yaml`` (``sys.executable``, through ``subprocess``)
    exits 0 with nothing on stderr."""
    assert validated.returncode == 0, validated.stderr
    assert validated.stderr == ""


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=_ids(SCENARIO_FILES))
def test_scenario_validates(path: Path, validated) -> None:
    """The validator says ``ok FILE (name)`` for this file and reports no problem in it."""
    assert f"ok {path} ({path.stem})" in validated.stdout.splitlines(), validated.stdout
    problems = [line for line in validated.stderr.splitlines() if line.startswith(str(path))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=_ids(SCENARIO_FILES))
def test_scenario_runs_with_balanced_books(path: Path) -> None:
    """Two replications of min(steps, 12) quarters run, give finite metrics for every step, and
    the books balance at the end of each replication. A scenario whose schedules switch later
    runs up to its last switch (the schema refuses schedule steps beyond the run), so every
    scheduled change is exercised."""
    full = load_scenario(path)
    steps = max(min(full.run.steps, SHORT_STEPS), _last_scheduled_step(full) + 1)
    scenario = load_scenario(path, steps=steps, replications=2)
    res = run_replications(scenario)
    assert len(res.histories) == 2
    assert all(len(h) == steps for h in res.histories)
    assert set(res.summary["metrics"]) == set(METRICS)
    for seed, history in zip(res.seeds, res.histories, strict=True):
        model = TripleWinModel.from_scenario(scenario, seed)
        assert model.run() == history  # the runner runs exactly this model
        assert violations(model) == [], f"{path.name}, seed {seed}: {violations(model)}"


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=_ids(SCENARIO_FILES))
def test_scenario_is_described_and_named(path: Path) -> None:
    """The description is a real paragraph naming its China Brief section; the name is the
    file stem."""
    s = load_scenario(path)
    assert s.name == path.stem, f"{path.name}: name {s.name!r} should be {path.stem!r}"
    text = " ".join(s.description.split())
    assert len(text) >= 40, f"{path.name}: description too short: {text!r}"
    assert "China Brief" in text, f"{path.name}: description names no China Brief section"


def test_scenario_names_are_unique() -> None:
    """No two scenario files share a name."""
    names = [load_scenario(p).name for p in SCENARIO_FILES]
    dupes = sorted({n for n in names if names.count(n) > 1})
    assert not dupes, f"duplicate scenario names: {dupes}"


def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_run_writes_the_contract_files_and_never_overwrites(tmp_path: Path, cli) -> None:
    """``python -m sim run baseline.yaml --replications 2 --steps 8 --out DIR`` writes the
    manifest, time series (2 x 8 rows), summary and non-empty PNG figures of docs/ODD.md section 4;
    a second run into the same DIR exits 2 and leaves the first untouched."""
    out = tmp_path / "run"
    args = ("run", REPO / "scenarios" / "baseline.yaml", "--replications", "2", "--steps", "8",
            "--out", out)
    done = cli(*args)
    assert done.returncode == 0, done.stderr
    assert out.is_dir()

    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("scenario", "scenario_sha256", "seeds", "versions", "git_commit", "wall_time_s"):
        assert key in manifest, f"manifest.json lacks {key!r}"
    assert len(manifest["seeds"]) == 2
    assert len(manifest["scenario_sha256"]) == 64
    assert isinstance(manifest["versions"], dict) and "mesa" in manifest["versions"]
    assert manifest["wall_time_s"] >= 0

    with (out / "timeseries.csv").open(newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["replication", "seed", "step", "quarter"]
    assert set(METRICS) <= set(header[4:])
    assert len(body) == 2 * 8
    assert sorted({(r[0], r[2]) for r in body}) == sorted(
        (str(rep), str(step)) for rep in range(2) for step in range(8))
    assert {int(r[1]) for r in body} == set(manifest["seeds"])
    assert body[0][3] == "2015Q1"

    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) == {"metrics"}
    assert set(METRICS) <= set(summary["metrics"])
    for name, s in summary["metrics"].items():
        assert set(s) == {"mean", "std", "ci_low", "ci_high", "n"}, name
        assert s["n"] == 2
        assert s["ci_low"] <= s["mean"] <= s["ci_high"], name

    figures = sorted((out / "figures").glob("*.png"))
    assert figures, "no figures written"
    for fig in figures:
        assert fig.stat().st_size > 0, fig.name
        assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", fig.name

    before = _tree_digest(out)
    again = cli(*args)
    assert again.returncode == 2, (again.returncode, again.stderr)
    assert "Traceback" not in again.stderr
    assert _tree_digest(out) == before, "the second run changed the first run's files"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"], "stray files beside the run"
