"""Verdicts across worlds (``compare --worlds N``): draws, shares, files, refusals, resume."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiments.worlds import plan as worlds_plan
from sim.results.worlds import robust_compare
from sim.experiments.worlds.plan import WorldsError, plan_worlds, world_parameters
from sim.experiments.worlds.run import run_worlds, work_dir
from sim.experiments.worlds.verdict import VERDICTS, Robustness, failure_boxes, wilson
from sim.scenario import params as P
from sim.scenario.schema import Scenario

SMALL = {"n_developed_hosts": 3, "n_developing_hosts": 6, "n_cn_firms": 21, "n_dv_firms": 14}


def _pair(steps: int = 6, reps: int = 2) -> tuple[Scenario, Scenario]:
    """A small reference (no cooperation, exports only) and a cooperation package."""
    run = {"steps": steps, "replications": reps, "seed": 11}
    a = Scenario.model_validate({"name": "ref", "run": run,
                                 "world": {**SMALL, "capital_controls": 1.0},
                                 "levers": {"joint_bidding": 0.0, "third_party_cooperation": 0.0}})
    b = Scenario.model_validate({"name": "pkg", "run": run, "world": SMALL,
                                 "levers": {"joint_bidding": 0.8, "third_party_cooperation": 0.8,
                                            "ipr_protection": 0.7, "joint_fund": 5.0}})
    return a, b


@pytest.fixture(scope="module")
def done(tmp_path_factory) -> tuple[Robustness, Path]:
    a, b = _pair()
    out = tmp_path_factory.mktemp("worlds") / "cmp"
    rob, _, final = robust_compare(a, b, 12, out=out, seed=3, executor="serial")
    return rob, final


def test_shares_are_the_means_of_the_per_world_verdicts(done):
    rob, final = done
    table = pd.read_csv(final / "worlds.csv")
    saved = json.loads((final / "robustness.json").read_text())
    assert saved["worlds"] == 12 and len(table) == 12
    for v in ("developed", "developing", "china", "triple_win"):
        assert v in table.columns
        col = table[v].dropna().astype(bool)
        assert saved["share"][v] == pytest.approx(col.mean())
        lo, hi = saved["ci"][v]
        assert lo <= saved["share"][v] <= hi
        assert (lo, hi) == pytest.approx(wilson(int(col.sum()), len(col)))
    # the triple win is the conjunction of the three group verdicts, world by world
    t = table.dropna(subset=["triple_win"])
    assert (t["triple_win"].astype(bool) == (t["developed"].astype(bool)
            & t["developing"].astype(bool) & t["china"].astype(bool))).all()
    # and each group verdict is its interval above zero
    for g in ("developed", "developing", "china"):
        assert (t[g].astype(bool) == (t[f"ci_low_{g}"] > 0)).all()


def test_the_files_of_a_robust_comparison(done):
    rob, final = done
    for name in ("comparison.json", "robustness.json", "worlds.csv", "manifest.json",
                 "timeseries_a.csv", "timeseries_b.csv", "figures/worlds_share.png",
                 "figures/worlds_failures.png"):
        assert (final / name).is_file(), name
    saved = json.loads((final / "robustness.json").read_text())
    assert set(saved) >= {"worlds", "share", "ci", "failure_boxes", "own_world", "varied", "held"}
    assert saved["held"]["capital_controls"].startswith("A and B set it differently")
    own = json.loads((final / "comparison.json").read_text())
    assert own["verdict"] == saved["own_world"]["verdict"]
    table = pd.read_csv(final / "worlds.csv")
    varied = [d["name"] for d in saved["varied"]]
    assert "capital_controls" not in varied and "instability" in varied
    for d in saved["varied"]:  # every world inside the range it was drawn from
        assert table[d["name"]].between(d["low"], d["high"]).all()
    for g in ("developed", "developing", "china"):
        assert {f"delta_{g}", f"ci_low_{g}", f"ci_high_{g}"} <= set(table.columns)
    assert not any(final.parent.glob(".*partial"))


def test_a_world_draw_is_reproducible_from_its_seed():
    a, b = _pair()
    one = plan_worlds(a, b, 20, seed=42)
    two = plan_worlds(a, b, 20, seed=42)
    other = plan_worlds(a, b, 20, seed=43)
    assert np.array_equal(one.values, two.values)
    assert one.seeds == two.seeds and one.sha256() == two.sha256()
    assert not np.allclose(one.values, other.values)
    # Latin hypercube: each dimension has one world in each of the 20 strata of its range
    for j, d in enumerate(one.dims):
        if d.integer:  # whole numbers are rounded: strata blur
            continue
        strata = np.floor((one.values[:, j] - d.low) / (d.high - d.low) * 20).clip(0, 19)
        assert sorted(strata) == list(range(20))


def test_the_same_seed_gives_the_same_verdicts(done, tmp_path):
    rob, _ = done
    a, b = _pair()
    again, _, _ = robust_compare(a, b, 12, out=tmp_path / "again", seed=3, executor="serial",
                                   plots=False)
    pd.testing.assert_frame_equal(again.table, rob.table)


def test_new_registry_parameters_are_varied_without_code_changes(monkeypatch):
    a, b = _pair()
    extra = replace(P.UNCERTAINTIES["tech_value"], name="imagined_constant", kind="constant")
    monkeypatch.setattr(worlds_plan, "ALL", {**P.ALL, "imagined_constant": extra})
    names = set(world_parameters())
    assert "imagined_constant" in names
    assert not names & (set(P.LEVERS) | set(P.POPULATION) | set(P.RUN))
    assert set(P.UNCERTAINTIES) <= names


def test_uncertain_restricts_and_narrows():
    a, b = _pair()
    plan = plan_worlds(a, b, 8, seed=1, uncertain=["instability=0.2:0.6", "debt_level"])
    assert [d.name for d in plan.dims] == ["instability", "debt_level"]
    assert plan.values[:, 0].min() >= 0.2 and plan.values[:, 0].max() <= 0.6
    assert plan.held["tech_gap"] == "not named by --uncertain"
    for bad, said in ((["joint_bidding"], "a lever"), (["instabilty"], "did you mean"),
                      (["capital_controls"], "set it differently"),
                      (["instability=0.8:0.2"], "LOW must be below HIGH"),
                      (["instability=0:2"], "out of range")):
        with pytest.raises(WorldsError, match=said):
            plan_worlds(a, b, 8, seed=1, uncertain=bad)
    with pytest.raises(WorldsError, match="at least 2"):
        plan_worlds(a, b, 1)
    with pytest.raises(WorldsError, match="at least 2 paired replications"):
        plan_worlds(a, b, 4, replications=1)


def test_worlds_from_a_calibrated_ensemble(tmp_path):
    a, b = _pair()
    ens = pd.DataFrame({"tech_gap": [0.2, 0.5, 0.7], "instability": [0.1, 0.4, 0.9],
                        "weight": [0.0, 1.0, 0.0]})
    path = tmp_path / "ensemble.parquet"
    ens.to_parquet(path)
    plan = plan_worlds(a, b, 6, seed=2, ensemble=path)
    assert plan.source == "ensemble" and [d.name for d in plan.dims] == ["tech_gap",
                                                                         "instability"]
    assert (plan.values == [0.5, 0.4]).all()  # all the weight on one parameter set
    ens.assign(weight=[0.25, 0.75, 0.0]).to_parquet(path)
    plan = plan_worlds(a, b, 40, seed=2, ensemble=path)
    share = (plan.values[:, 0] == 0.2).mean()
    assert share == pytest.approx(0.25, abs=0.05)  # drawn in proportion to the weights
    assert set(plan.values[:, 0]) == {0.2, 0.5}
    bad = ens.rename(columns={"tech_gap": "tech_gapp"})
    bad.to_parquet(path)
    with pytest.raises(WorldsError, match="tech_gapp'?: not an uncertainty"):
        plan_worlds(a, b, 6, ensemble=path)
    ens.drop(columns="weight").to_parquet(path)
    with pytest.raises(WorldsError, match="weight"):
        plan_worlds(a, b, 6, ensemble=path)


def test_an_interrupted_comparison_resumes_to_the_same_result(done, tmp_path):
    rob, _ = done
    a, b = _pair()
    out = tmp_path / "cmp"
    plan = plan_worlds(a, b, 12, seed=3)
    work = work_dir(out)
    run_worlds(plan, work)
    for f in sorted((work / "runs").glob("part-*.parquet"))[::3]:  # "killed" before these
        f.unlink()
    with pytest.raises(WorldsError, match="--resume"):
        robust_compare(a, b, 12, out=out, seed=3)
    seen = []
    again, _, final = robust_compare(a, b, 12, out=out, seed=3, resume=True, plots=False,
                                       on_start=lambda d, t: seen.append((d, t)))
    assert 0 < seen[0][0] < seen[0][1]
    pd.testing.assert_frame_equal(again.table, rob.table)
    other = plan_worlds(a, b, 12, seed=4)
    work.mkdir()
    (work / "plan.json").write_text(json.dumps({"sha256": plan.sha256()}))
    with pytest.raises(WorldsError, match="another experiment"):
        run_worlds(other, work)


def test_wilson_interval():
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    lo, hi = wilson(142, 200)  # 71%
    assert lo == pytest.approx(0.643, abs=0.002) and hi == pytest.approx(0.768, abs=0.002)
    assert all(math.isnan(x) for x in wilson(0, 0))


def test_failure_box_finds_where_a_group_fails():
    rng = np.random.default_rng(0)
    n = 200
    x = pd.DataFrame({"instability": rng.random(n), "tech_gap": rng.random(n),
                      "noise": rng.random(n)})
    fails = x["instability"].to_numpy() > 0.6
    t = x.assign(world=range(n), developed=True, developing=~fails, china=True,
                 triple_win=~fails)
    for v in VERDICTS:
        t[v] = t[v].astype("boolean")
    boxes = failure_boxes(t, ["instability", "tech_gap", "noise"])
    first = boxes[0]
    assert first["outcome"] == "triple_win"
    names = [r["name"] for r in first["restrictions"]]
    assert names == ["instability"]  # the noise dimensions were not significant
    assert 0.45 < first["restrictions"][0]["min"] <= 0.6  # densest box with high coverage
    assert first["restrictions"][0]["max"] is None
    assert first["density"] >= 0.8 and first["coverage"] > 0.9
    assert first["text"].startswith("instability >= ")
    assert any(b["outcome"] == "developing" for b in boxes)


def test_worlds_1_is_refused_and_writes_nothing(cli, repo_root, tmp_path):
    sc = repo_root / "scenarios"
    r = cli("compare", sc / "no-cooperation.yaml", sc / "triple-win-package.yaml",
            "--worlds", "1", "--out", tmp_path / "x")
    assert r.returncode == 2
    assert "--worlds must be at least 2" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists()
    r = cli("compare", sc / "no-cooperation.yaml", sc / "triple-win-package.yaml",
            "--uncertain", "instability")
    assert r.returncode == 2 and "need --worlds" in r.stderr


def test_the_report_shows_the_verdict_across_worlds(done, tmp_path):
    from sim.report import write_report

    rob, final = done
    page = write_report(final, tmp_path / "report.html").read_text()
    assert "Is it robust? The verdict across 12 plausible worlds" in page
    share = f"{100 * rob.share['triple_win']:.0f}%"
    assert f"A triple win in {share} of 12 plausible worlds" in page
    assert page.count("data:image/png;base64,") == 2  # both figures, embedded
    assert "capital_controls" in page  # what was held, and why
    assert page.index("Is it robust?") < page.index("What the scenarios ask")


def test_the_api_returns_the_same_data(done):
    from sim import api

    rob, final = done
    a, b = _pair()
    res = api.compare(a, b, worlds=12, seed=3)
    assert res.out is None
    saved = json.loads((final / "robustness.json").read_text())
    assert res.share == saved["share"] and res.ci == saved["ci"]
    assert res.robustness["failure_boxes"] == saved["failure_boxes"]
    pd.testing.assert_frame_equal(res.worlds.reset_index(drop=True),
                                  pd.read_csv(final / "worlds.csv"), check_dtype=False)
    assert res.comparison["verdict"] == saved["own_world"]["verdict"]
    plain = api.compare(a, b, seed=3)
    assert plain["verdict"] == res.comparison["verdict"]
    with pytest.raises(ValueError, match="at least 2"):
        api.compare(a, b, worlds=1)
