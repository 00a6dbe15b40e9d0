"""`triplewin validate-history` and the pattern evaluation behind it (sim.analysis.validation):
the report holds every pattern with its tolerance and verdict, the JSON agrees with the report,
and the pass/fail rule is the stated one (the model mean within the tolerance)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.analysis import validation
from sim.experiments.runner import run_replications
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
HISTORICAL = ROOT / "scenarios" / "historical.yaml"


@pytest.fixture(scope="module")
def results():
    return run_replications(load_scenario(HISTORICAL, replications=3))


def test_every_pattern_evaluated_by_its_stated_rule(results) -> None:
    rows = validation.evaluate(results)
    assert [r["key"] for r in rows] == [p.key for p in validation.PATTERNS]
    for r in rows:
        low, high = r["tolerance"]
        assert r["pass"] == (low <= r["model_mean"] <= high), r["key"]
        assert r["model_p5"] <= r["model_mean"] <= r["model_p95"], r["key"]
        assert r["source"] and r["how"], r["key"]


def test_the_command_writes_report_json_and_figures(cli, tmp_path: Path) -> None:
    out = tmp_path / "validation"
    p = cli("validate-history", HISTORICAL, "--replications", "3", "--out", out)
    assert p.returncode == 0, p.stderr
    data = json.loads((out / "validation.json").read_text())
    rows = data["patterns"]
    assert data["scenario"] == "historical" and len(data["seeds"]) == 3
    assert len(rows) == len(validation.PATTERNS)
    n_pass = sum(r["pass"] for r in rows)
    assert f"{n_pass} of {len(rows)} patterns pass" in p.stdout
    report = (out / "report.md").read_text()
    for r in rows:
        assert r["title"] in report
    for fig in (out / "figures").iterdir():
        assert fig.stat().st_size > 10_000 and f"figures/{fig.name}" in report
    assert sorted(f.suffix for f in (out / "figures").iterdir()) == [".png", ".png"]


def test_the_command_never_overwrites(cli, tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    p = cli("validate-history", HISTORICAL, "--replications", "2", "--out", out)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert list(out.iterdir()) == []
