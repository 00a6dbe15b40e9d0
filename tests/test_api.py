"""The Python API, and two real clients driving it: EMA Workbench's perform_experiments with its
MultiprocessingEvaluator (XLRM: uncertainties X, levers L, the model R, outcomes M) and Mesa's
own batch_run on the model class."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.experiments.runner import run_one
from sim.metrics import METRICS
from sim.model import TripleWinModel
from sim.scenario.load import ScenarioError, load_scenario
from sim.streams import replication_seeds

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
GAINS = ["gain_developed", "gain_developing", "gain_china"]


def test_run_returns_every_metric_as_triplewin_run_would() -> None:
    out = api.run(BASELINE, seed=5, replications=2, steps=6)
    assert list(out) == list(METRICS) and all(isinstance(v, float) for v in out.values())
    scenario = load_scenario(BASELINE, seed=5, steps=6, replications=2)
    finals = [run_one(scenario, s)[-1] for s in replication_seeds(5, 2)]
    for m in METRICS:
        assert out[m] == pytest.approx(np.mean([f[m] for f in finals]), rel=1e-12)


def test_run_accepts_a_dict_a_scenario_and_changes() -> None:
    scenario = load_scenario(BASELINE, steps=6, replications=1)
    from_file = api.run(BASELINE, steps=6, replications=1, levers={"joint_bidding": 0.9})
    from_scenario = api.run(scenario, levers={"joint_bidding": 0.9})
    data = scenario.model_dump()
    data["levers"]["joint_bidding"] = 0.9
    from_dict = api.run(data)
    assert from_file == from_scenario == from_dict
    assert api.run({"run": {"steps": 3, "replications": 1}})["cn_tech_level"] > 0


def test_run_frame_rows() -> None:
    df = api.run_frame(BASELINE, replications=3, steps=4, world={"instability": 0.6})
    assert isinstance(df, pd.DataFrame)
    assert df["replication"].tolist() == [0, 1, 2]
    assert df["seed"].tolist() == replication_seeds(2015, 3)
    assert set(METRICS) <= set(df.columns)
    ts = api.run_frame(BASELINE, replications=2, steps=4, timeseries=True)
    assert len(ts) == 8 and ts["step"].tolist() == [0, 1, 2, 3] * 2
    np.testing.assert_allclose(ts[ts["step"] == 3][GAINS].to_numpy(),
                               api.run_frame(BASELINE, replications=2, steps=4)[GAINS].to_numpy())


def test_worker_processes_change_no_number() -> None:
    kw = {"seed": 5, "replications": 3, "steps": 6}
    assert api.run(BASELINE, **kw, workers=2) == api.run(BASELINE, **kw)
    pd.testing.assert_frame_equal(api.run_frame(BASELINE, **kw, workers=2),
                                  api.run_frame(BASELINE, **kw))


def test_bad_config_raises_with_problems() -> None:
    with pytest.raises(ScenarioError) as e:
        api.run({"levers": {"joint_biding": 0.5}, "run": {"steps": 0}})
    text = str(e.value)
    assert "levers.joint_biding: unknown key; did you mean joint_bidding?" in text
    assert "run.steps:" in text
    with pytest.raises(ScenarioError, match="world.instability"):
        api.run(BASELINE, world={"instability": 3.0})
    with pytest.raises(TypeError):
        api.run(42)


def test_evaluate_is_one_model_run() -> None:
    out = api.evaluate(seed=11, steps=5, joint_bidding=0.5, instability=0.5)
    direct = TripleWinModel(rng=11, steps=5, joint_bidding=0.5, instability=0.5).run()[-1]
    assert out == direct
    assert api.evaluate(seed=11, steps=5, base=BASELINE) == run_one(
        load_scenario(BASELINE, steps=5), 11)[-1]
    assert api.evaluate(seed=1, steps=3, n_cn_firms=np.int64(40))["cn_tech_level"] > 0
    with pytest.raises(TypeError, match="unknown parameter"):
        api.evaluate(joint_biding=1.0)
    with pytest.raises(ScenarioError, match="out of range"):
        api.evaluate(joint_bidding=2.0)


def test_sweep_from_a_dict(tmp_path: Path) -> None:
    spec = {"name": "api-demo", "base": str(BASELINE), "design": "grid", "levels": 3,
            "steps": 4, "replications": 2, "levers": {"joint_bidding": {"low": 0, "high": 1}}}
    seen = []
    res = api.sweep(spec, tmp_path / "o", executor="serial", progress=lambda d, t, f:
                    seen.append((d, t, f)))
    assert (res.runs, res.done, res.failed) == (6, 6, 0) and res.complete
    assert seen[0] == (0, 6, 0) and seen[-1] == (6, 6, 0)
    runs = api.load_runs(tmp_path / "o")
    assert runs["levers.joint_bidding"].tolist() == [0, 0, 0.5, 0.5, 1, 1]
    assert runs.loc[0, "gain_china"] == api.evaluate(seed=int(runs.loc[0, "seed"]), steps=4,
                                                     base=BASELINE,
                                                     joint_bidding=0.0)["gain_china"]


# --------------------------------------------------------------------------------------------
# real clients


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_ema_workbench_perform_experiments_multiprocessing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import (
            Constant,
            Model,
            MultiprocessingEvaluator,
            RealParameter,
            ScalarOutcome,
            perform_experiments,
        )

    model = Model("triplewin", function=api.evaluate)
    model.uncertainties = [RealParameter("instability", 0.1, 0.6),
                           RealParameter("tech_gap", 0.2, 0.6)]
    model.levers = [RealParameter("joint_bidding", 0.0, 1.0),
                    RealParameter("third_party_cooperation", 0.0, 1.0)]
    model.constants = [Constant("steps", 4), Constant("seed", 7)]
    model.outcomes = [ScalarOutcome(g) for g in GAINS]
    with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=3, policies=2,
                                                    evaluator=evaluator)
    assert len(experiments) == 6
    assert {"instability", "tech_gap", "joint_bidding", "third_party_cooperation"} <= set(
        experiments.columns)
    for g in GAINS:
        assert outcomes[g].shape == (6,) and np.isfinite(outcomes[g]).all()
    row = experiments.iloc[4]
    direct = api.evaluate(seed=7, steps=4, **{k: float(row[k]) for k in (
        "instability", "tech_gap", "joint_bidding", "third_party_cooperation")})
    assert outcomes["gain_china"][4] == pytest.approx(direct["gain_china"], rel=1e-12)


def test_mesa_batch_run_on_the_model_class() -> None:
    import mesa

    results = mesa.batch_run(
        TripleWinModel,
        parameters={"joint_bidding": [0.0, 1.0], "ipr_protection": 0.5, "steps": 4},
        rng=[1, 2], max_steps=4, number_processes=2, data_collection_period=-1,
        display_progress=False)
    df = pd.DataFrame(results)
    assert len(df) == 4
    assert set(GAINS) <= set(df.columns) and (df["Step"] == 4).all()
    row = df[(df["joint_bidding"] == 1.0) & (df["rng"] == 2)].iloc[0]
    direct = api.evaluate(seed=2, steps=4, joint_bidding=1.0, ipr_protection=0.5)
    for g in GAINS:
        assert row[g] == pytest.approx(direct[g], rel=1e-12)
