"""Analysis of sweeps: Sobol' and Morris indices recover known effects, PRIM (EMA Workbench)
finds a known box, the triple win is paired by replication, and `triplewin analyze` prints
S1/ST on a sobol design, the map and a PRIM box on an lhs design, and refuses Sobol' on lhs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.analysis import discovery, sensitivity
from sim.sweeps.session import run_sweep
from sim.sweeps.spec import load_sweep

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def _cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    env.pop("TRIPLEWIN_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


# --------------------------------------------------------------------------------------------
# the methods on functions with known answers


def test_sobol_indices_recover_a_known_function() -> None:
    from SALib.sample import sobol

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    x = sobol.sample(problem, 256, calc_second_order=False, seed=1)
    y = 4 * x[:, 0] + x[:, 1] + 0 * x[:, 2]  # variance shares 16:1:0
    table, second, notes = sensitivity.sobol_indices({"y": y, "flat": np.ones(len(x))},
                                                     ["a", "b", "c"], seed=1)
    assert second is None and notes == ["flat: constant across the design; no indices"]
    t = table.set_index("factor")
    assert t.loc["a", "S1"] == pytest.approx(16 / 17, abs=0.05)
    assert t.loc["b", "ST"] == pytest.approx(1 / 17, abs=0.03)
    assert abs(t.loc["c", "ST"]) < 0.01
    assert (t["S1_conf"] >= 0).all() and (t["ST_conf"] >= 0).all()


def test_morris_indices_recover_a_known_function() -> None:
    from SALib.sample import morris

    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1]] * 2}
    x = morris.sample(problem, 10, num_levels=4, seed=3)
    table, notes = sensitivity.morris_indices({"y": 2 * x[:, 0]}, x, ["a", "b"], levels=4)
    t = table.set_index("factor")
    assert t.loc["a", "mu_star"] == pytest.approx(2.0) and t.loc["b", "mu_star"] == 0
    assert t.loc["a", "sigma"] == pytest.approx(0.0, abs=1e-12) and not notes


def test_prim_finds_a_known_box() -> None:
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"levers.a": rng.random(600), "world.b": rng.random(600)})
    y = ((x["levers.a"] > 0.6) & (x["world.b"] < 0.5)).to_numpy()
    box = discovery.find_box(x, y.astype(int), threshold=0.9)
    lim = box.limits.set_index("factor")
    assert box.density >= 0.9 and box.coverage > 0.6 and box.res_dim == 2
    assert 0.55 <= lim.loc["levers.a", "min"] <= 0.65  # the box the data were made from
    assert 0.45 <= lim.loc["world.b", "max"] <= 0.6
    assert lim["restricted"].all()
    assert len(box.trajectory) > 3 and box.base_rate == pytest.approx(y.mean())


def test_choose_box_prefers_restricted_dense_boxes() -> None:
    traj = pd.DataFrame({"coverage": [1.0, 0.9, 0.7, 0.3], "density": [0.85, 0.88, 0.95, 1.0],
                         "mass": [1, 0.8, 0.5, 0.2], "res_dim": [0, 1, 1, 2]})
    assert discovery.choose_box(traj, 0.8) == 1
    assert discovery.choose_box(traj, 0.9) == 2
    assert discovery.choose_box(traj, 1.01) == 3
    assert discovery.choose_box(traj.iloc[:1], 0.8) == 0


def test_triple_win_is_paired_by_replication_and_mapped() -> None:
    ref = pd.DataFrame({"replication": [0, 1], "gain_developed": [10.0, 20.0],
                        "gain_developing": [10.0, 20.0], "gain_china": [10.0, 20.0]})
    runs = pd.DataFrame({"replication": [0, 1, 0, 1, 1],
                         "gain_developed": [11.0, 15.0, 11.0, 21.0, np.nan],
                         "gain_developing": [11.0, 21.0, 11.0, 21.0, 30.0],
                         "gain_china": [11.0, 21.0, 9.0, 21.0, 30.0],
                         "levers.a": [0.1, 0.1, 0.9, 0.9, 0.5],
                         "levers.b": [0.2, 0.2, 0.2, 0.8, 0.5]})
    win = discovery.triple_win(runs, ref)
    # 15 < 20 in replication 1 fails although it beats replication 0's reference
    np.testing.assert_array_equal(win, [1.0, 0.0, 0.0, 1.0, np.nan])
    ax = discovery.Axis.of({"key": "levers.a", "low": 0, "high": 1}, np.linspace(0, 1, 9), 2)
    ay = discovery.Axis.of({"key": "levers.b", "values": [0.2, 0.5, 0.8]},
                           runs["levers.b"].to_numpy(), 5)
    table = discovery.triple_win_map(runs, win, ax, ay)
    assert len(table) == 2 * 3
    cell = table[(table["x_low"] == 0) & (table["y_low"] == 0.2)].iloc[0]
    assert (cell["runs"], cell["share"]) == (2, 0.5)
    assert table["runs"].sum() == 4  # the failed run is left out


# --------------------------------------------------------------------------------------------
# the command on real sweeps


def _sweep(tmp_path: Path, text: str, name: str) -> Path:
    f = tmp_path / f"{name}.yaml"
    f.write_text(f"name: {name}\nbase: {BASELINE}\nsteps: 8\nseed: 3\n" + text)
    run_sweep(load_sweep(f), tmp_path / name, executor="serial")
    return tmp_path / name


def test_analyze_prints_sobol_indices(tmp_path: Path) -> None:
    out = _sweep(tmp_path, "design: sobol\nsamples: 8\nlevers:\n"
                 "  third_party_cooperation: {low: 0, high: 1}\n"
                 "  joint_bidding: {low: 0, high: 1}\n", "sob")
    # the map and PRIM are tested on the lhs design below; here the indices alone
    r = _cli("analyze", out, "--no-reference", "--metric", "gain_china", "--metric",
             "cn_tech_level", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Sobol' indices of gain_china" in r.stdout
    assert "Sobol' indices of cn_tech_level" in r.stdout
    for col in ("S1", "ST", " ± ", "ST N/2", "check", "levers.joint_bidding"):
        assert col in r.stdout
    assert "PRIM" not in r.stdout
    table = pd.read_csv(out / "analysis" / "sobol.csv")
    assert list(table.columns) == ["metric", "factor", "S1", "S1_conf", "ST", "ST_conf",
                                   "S1_half", "ST_half", "moved", "flags"]
    assert {"gain_developed", "gain_developing", "gain_china"} <= set(table["metric"])
    assert len(table) == 2 * len(set(table["metric"]))
    assert (out / "analysis" / "sobol.png").is_file()


def test_triple_win_share_gets_indices_too(tmp_path: Path) -> None:
    out = _sweep(tmp_path, "design: sobol\nsamples: 4\nlevers:\n"
                 "  third_party_cooperation: {low: 0, high: 1}\n"
                 "  state_support: {low: 0, high: 1}\n", "sob")
    res = api.analyze(out, plots=False)
    assert res.method == "sobol" and res.reference.endswith("no-cooperation.yaml")
    assert 0 <= res.triple_win_share <= 1
    assert (out / "analysis" / "reference.csv").is_file()
    ref = pd.read_csv(out / "analysis" / "reference.csv")
    assert len(ref) == 1 and list(ref.columns) == ["replication", "seed", "gain_developed",
                                                   "gain_developing", "gain_china"]
    if 0 < res.triple_win_share < 1:
        assert "triple_win" in set(res.indices["metric"])


def test_analyze_lhs_gives_map_and_prim_and_refuses_sobol(tmp_path: Path) -> None:
    out = _sweep(tmp_path, "design: lhs\nsamples: 24\nreplications: 2\nlevers:\n"
                 "  joint_bidding: {low: 0, high: 1}\n"
                 "  third_party_cooperation: {low: 0, high: 1}\n"
                 "world:\n  instability: {low: 0.1, high: 0.6}\n", "lhs")
    r = _cli("analyze", out, "--bins", "3", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Triple-win share: levers.third_party_cooperation (rows) by levers.joint_bidding" \
        in " ".join(r.stdout.split())
    assert "PRIM box for the triple win: coverage" in r.stdout
    assert "density" in r.stdout and "Sobol' indices" not in r.stdout
    assert "a lhs design gives no Sobol' or Morris indices" in " ".join(r.stdout.split())
    box = pd.read_csv(out / "analysis" / "prim_box.csv")
    assert set(box["factor"]) == {"levers.joint_bidding", "levers.third_party_cooperation",
                                  "world.instability"}
    assert box["restricted"].any()
    cells = pd.read_csv(out / "analysis" / "triple_win_map.csv")
    assert len(cells) == 9 and cells["runs"].sum() == 48
    for f in ("triple_win_map.png", "prim_tradeoff.png", "prim_trajectory.csv"):
        assert (out / "analysis" / f).is_file(), f

    r = _cli("analyze", out, "--indices", "sobol", cwd=tmp_path)
    assert r.returncode == 2
    assert "Sobol indices need a sobol design, and this sweep is lhs" in r.stderr
    r = _cli("analyze", out, "--x", "branding", cwd=tmp_path)
    assert r.returncode == 2 and "branding is not varied" in r.stderr


def test_analyze_morris_with_the_api(tmp_path: Path) -> None:
    out = _sweep(tmp_path, "design: morris\nsamples: 3\nlevers:\n"
                 "  joint_bidding: {low: 0, high: 1}\n"
                 "world:\n  tech_gap: {low: 0.2, high: 0.6}\n", "mor")
    res = api.analyze(out, reference=None, plots=False)
    assert res.method == "morris" and res.map is None and res.prim is None
    t = res.indices
    assert set(t["factor"]) == {"levers.joint_bidding", "world.tech_gap"}
    row = t[(t["metric"] == "cn_tech_level") & (t["factor"] == "world.tech_gap")].iloc[0]
    assert row["mu"] < 0  # a wider initial gap leaves Chinese technology lower
    assert (out / "analysis" / "morris.csv").is_file()


# --------------------------------------------------------------------------------------------
# same-world references


NO_COOP = ROOT / "scenarios" / "no-cooperation.yaml"


def test_a_hair_from_the_reference_never_wins_in_the_same_world(tmp_path: Path) -> None:
    """The policy is the reference with a lever moved by a hair, swept over worlds: in the same
    world and seed it never wins. Compared with the reference's fixed world (the earlier way),
    the luckier worlds look like wins although the policy does nothing."""
    f = tmp_path / "hair.yaml"
    f.write_text(f"name: hair\nbase: {NO_COOP}\nsteps: 8\nseed: 3\ndesign: grid\n"
                 "replications: 2\nlevers:\n  third_party_cooperation: {values: [0.0, 1.0e-9]}\n"
                 "world:\n  instability: {values: [0.05, 0.9]}\n"
                 "  tender_volume: {values: [0.6, 1.4]}\n")
    out = tmp_path / "hair"
    run_sweep(load_sweep(f), out, executor="serial")
    res = api.analyze(out, plots=False)
    assert res.reference_world == "same" and res.triple_win_share == 0.0
    ref = pd.read_csv(out / "analysis" / "reference.csv")
    assert len(ref) == 4 * 2  # one reference run per world and replication
    assert {"world.instability", "world.tender_volume"} <= set(ref.columns)
    p = res.policies
    assert p is not None and len(p) == 2 and (p["worlds"] == 4).all()
    assert (p["share_triple_win"] == 0).all()
    assert np.allclose(p[["regret_mean_developed", "regret_mean_developing",
                          "regret_mean_china"]], 0, atol=1e-6)
    fixed = api.analyze(out, plots=False, fixed_world=True)
    assert fixed.reference_world == "fixed" and fixed.triple_win_share > 0
    assert any("fixed-world comparison (asked for)" in n for n in fixed.notes)


def test_the_reference_keeps_its_own_world_settings_and_takes_the_runs_world(
        monkeypatch: pytest.MonkeyPatch) -> None:
    runs = pd.DataFrame({"world.instability": [0.2, 0.2, 0.8, 0.8],
                         "world.capital_controls": [0.0] * 4,
                         "world.domestic_demand": ['{"0": 50.0, "4": 45.0}'] * 4,
                         "replication": [0, 1, 0, 1]})
    manifest = {"design": {"factors": [{"key": "world.instability", "section": "world",
                                        "name": "instability", "integer": False}]},
                "seeds": [5, 6], "steps": 2}
    from sim.scenario.load import load_scenario

    seen = []
    import sim.sweeps.executors as executors_m

    monkeypatch.setattr(executors_m, "execute", lambda tasks, on_result, **kw: seen.extend(tasks))
    _, keys = discovery.same_world_references(runs, manifest, load_scenario(NO_COOP, steps=2),
                                              own_keys=discovery.own_world_keys(NO_COOP))
    assert keys == ["world.instability"]
    assert [t.runs[0][2] for t in seen] == [(0.2,), (0.8,)]
    assert [[r[1] for r in t.runs] for t in seen] == [[5, 6], [5, 6]]
    base = seen[0].base
    assert base["capital_controls"] == 1.0  # no-cooperation's own world setting
    assert base["domestic_demand"] == {0: 50.0, 4: 45.0}  # the sweep's world (a schedule)
    assert base["third_party_cooperation"] == 0.0  # the reference's levers


def test_beats_needs_more_than_a_hair() -> None:
    ref = np.array([100.0, 100.0, 0.0, -50.0])
    assert list(discovery.beats(ref + np.array([1e-9, 1.0, 1e-9, 1e-3]), ref)) == [
        False, True, False, True]


# --------------------------------------------------------------------------------------------
# indices a reviewer can trust


def test_seed_noise_share_of_variance() -> None:
    rng = np.random.default_rng(1)
    points = np.repeat(np.arange(200), 4)
    signal = np.repeat(rng.normal(0, 3.0, 200), 4)  # between points: variance 9
    noise = rng.normal(0, 1.0, 800)  # within points: variance 1
    runs = pd.DataFrame({"point": points, "y": signal + noise, "flat": 1.0, "error": None})
    t = sensitivity.seed_noise(runs, ["y"], 200).set_index("metric")
    assert t.loc["y", "noise_share"] == pytest.approx(0.1, abs=0.03)
    assert t.loc["y", "noise_in_means"] == pytest.approx(0.25 / 9.25, abs=0.015)
    assert t.loc["y", "replications"] == 4
    one = sensitivity.seed_noise(runs.drop_duplicates("point"), ["y"], 200)
    assert np.isnan(one["noise_share"].iloc[0])  # one replication: cannot tell


def test_a_failed_point_drops_its_block_not_every_index() -> None:
    from SALib.sample import morris, sobol

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    x = sobol.sample(problem, 64, calc_second_order=False, seed=1)
    y = 4 * x[:, 0] + x[:, 1]
    y[7] = np.nan  # one design point without a successful run
    table, _, notes = sensitivity.sobol_indices({"y": y}, ["a", "b", "c"], seed=1)
    t = table.set_index("factor")
    assert t.loc["a", "S1"] == pytest.approx(16 / 17, abs=0.08)
    assert any("1 of 64 base samples dropped" in n for n in notes)
    assert set(t.columns) >= {"S1_half", "ST_half", "moved", "flags"}
    xm = morris.sample({"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1]] * 2}, 10,
                       num_levels=4, seed=3)
    ym = 2 * xm[:, 0]
    ym[4] = np.nan
    mt, mnotes = sensitivity.morris_indices({"y": ym}, xm, ["a", "b"], levels=4)
    assert mt.set_index("factor").loc["a", "mu_star"] == pytest.approx(2.0)
    assert any("1 of 10 trajectories dropped" in n for n in mnotes)


def test_convergence_and_impossible_indices_are_flagged() -> None:
    from SALib.sample import sobol

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    x = sobol.sample(problem, 512, calc_second_order=False, seed=1)
    smooth = 4 * x[:, 0] + x[:, 1]
    table, _, notes = sensitivity.sobol_indices({"y": smooth}, ["a", "b", "c"], seed=1)
    assert not table["moved"].any() and (table["flags"] == "").all()
    assert not any("not converged" in n for n in notes)
    small = sobol.sample(problem, 8, calc_second_order=False, seed=1)
    noise = np.random.default_rng(5).normal(size=len(small))  # nothing to find, few samples
    table, _, notes = sensitivity.sobol_indices({"y": noise}, ["a", "b", "c"], seed=1)
    assert table["moved"].any() or (table["flags"] != "").any()
    assert any("not converged" in n or "negative or have S1 > ST" in n for n in notes)
    row = {"S1": 0.5, "ST": 0.3}
    assert sensitivity._flags(row) == "S1>ST"
    assert sensitivity._flags({"S1": -0.2, "ST": -0.05}) == "S1<0 ST<0"


def test_salib_warnings_become_notes() -> None:
    import warnings as w

    notes: list[str] = []

    def noisy() -> int:
        w.warn("something is off\nin the sample", UserWarning, stacklevel=1)
        w.warn("something is off\nin the sample", UserWarning, stacklevel=1)
        return 3

    assert sensitivity._salib(noisy, "gain_china", notes) == 3
    assert notes == ["gain_china: SALib warns: something is off in the sample"]
