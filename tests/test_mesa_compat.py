"""The model is a well-behaved Mesa 3 model (pyproject.toml: Mesa >= 3.5.1, < 4).

Mesa's own tools must drive it: ``mesa.batch_run`` with the levers as keyword arguments and
``rng=`` seeds, the data collector reporting every metric, agents in AgentSets by type (Mesa 3.5
hands out subclasses of its ``AbstractAgentSet``), and ``model.time`` advancing one quarter per
step.
"""

from __future__ import annotations

import mesa
from mesa.agentset import AbstractAgentSet
import pytest

from sim.agents import (
    ChineseFirm,
    DevelopedFirm,
    DevelopingFirm,
    HostEconomy,
    IndustrialAssociation,
    Lender,
)
from sim.metrics import METRICS
from sim.model import TripleWinModel
from sim.scenario.params import LEVERS, POPULATION, SECTORS, UNCERTAINTIES

STEPS = 8


@pytest.fixture(scope="module")
def batch_rows() -> list[dict]:
    return mesa.batch_run(
        TripleWinModel, parameters={"joint_bidding": [0.0, 1.0], "steps": STEPS}, rng=[1, 2],
        max_steps=STEPS, number_processes=1, data_collection_period=1, display_progress=False)


def test_batch_run_reports_every_metric_and_parameter(batch_rows) -> None:
    """2 lever values x 2 seeds x 8 collected steps; every row carries every metric name and
    the parameter values it was run with."""
    assert len(batch_rows) == 2 * 2 * STEPS
    for row in batch_rows:
        missing = set(METRICS) - set(row)
        assert not missing, f"batch_run row lacks metrics {sorted(missing)}"
        assert row["joint_bidding"] in (0.0, 1.0)
        assert row["steps"] == STEPS
        assert row["rng"] in (1, 2)
    combos = {(r["joint_bidding"], r["rng"]) for r in batch_rows}
    assert combos == {(0.0, 1), (0.0, 2), (1.0, 1), (1.0, 2)}
    assert sorted({r["Step"] for r in batch_rows}) == list(range(1, STEPS + 1))


def test_batch_run_matches_the_model_run(batch_rows) -> None:
    """What batch_run collects is exactly what the model records (same seed, same lever)."""
    rows = sorted((r for r in batch_rows if r["joint_bidding"] == 1.0 and r["rng"] == 2),
                  key=lambda r: r["Step"])
    history = TripleWinModel(rng=2, steps=STEPS, joint_bidding=1.0).run()
    assert len(rows) == len(history) == STEPS
    for row, rec in zip(rows, history, strict=True):
        assert {k: row[k] for k in METRICS} == rec
    # and the lever made a difference somewhere
    other = [r for r in batch_rows if r["joint_bidding"] == 0.0 and r["rng"] == 2]
    assert any(a["cn_bids_per_tender"] != b["cn_bids_per_tender"]
               for a, b in zip(sorted(other, key=lambda r: r["Step"]), rows, strict=True))


def test_agents_are_mesa_agents_in_agentsets() -> None:
    """The default world: 38 hosts (8 developed), 120 Chinese firms, 60 developed firms, 4 local
    firms in each of the 30 developing hosts, 3 lenders and one association per sector (7), each
    a mesa.Agent, grouped in AgentSets by type."""
    model = TripleWinModel(rng=7, steps=2)
    counts = {t: len(s) for t, s in model.agents_by_type.items()}
    assert counts == {HostEconomy: 38, ChineseFirm: 120, DevelopedFirm: 60, DevelopingFirm: 120,
                      Lender: 3, IndustrialAssociation: len(SECTORS)}
    assert len(SECTORS) == 7
    assert POPULATION["n_developed_hosts"].default + POPULATION["n_developing_hosts"].default == 38
    for agent_set in model.agents_by_type.values():
        assert isinstance(agent_set, AbstractAgentSet)
        assert all(isinstance(a, mesa.Agent) and a.model is model for a in agent_set)
    assert isinstance(model.agents, AbstractAgentSet)
    assert len(model.agents) == 38 + 120 + 60 + 120 + 3 + 7
    assert len(model.agents_by_type[HostEconomy].select(lambda a: a.developed)) == 8
    ids = [a.unique_id for a in model.agents]
    assert len(set(ids)) == len(ids)


def test_population_sizes_follow_the_kwargs() -> None:
    """Population keyword arguments set the AgentSet sizes (local firms: 4 per developing host)."""
    model = TripleWinModel(rng=7, steps=2, n_cn_firms=14, n_dv_firms=9, n_developed_hosts=2,
                           n_developing_hosts=3)
    counts = {t: len(s) for t, s in model.agents_by_type.items()}
    assert counts == {HostEconomy: 5, ChineseFirm: 14, DevelopedFirm: 9, DevelopingFirm: 12,
                      Lender: 3, IndustrialAssociation: 7}


def test_time_advances_one_quarter_per_step() -> None:
    """``model.time`` (and ``model.steps``) go up by exactly 1 per step; ``running`` turns False
    after the last step."""
    model = TripleWinModel(rng=3, steps=5)
    assert model.time == 0
    for k in range(1, 6):
        assert model.running
        model.step()
        assert model.time == k
        assert model.steps == k
    assert not model.running
    assert model.quarter == "2016Q1"  # step 4 is the fifth quarter from 2015Q1


def test_datacollector_collects_every_metric() -> None:
    """The Mesa data collector has one column per metric and one row per step."""
    model = TripleWinModel(rng=3, steps=4)
    model.run()
    df = model.datacollector.get_model_vars_dataframe()
    assert set(METRICS) <= set(df.columns)
    assert len(df) == 4


def test_unknown_kwarg_raises_type_error() -> None:
    """A misspelt lever is refused, not silently ignored."""
    with pytest.raises(TypeError, match="joint_biding"):
        TripleWinModel(rng=1, joint_biding=1.0)


def test_every_parameter_is_a_kwarg() -> None:
    """Every lever, uncertainty and population size is accepted as a keyword argument."""
    kwargs = {**{k: p.default for k, p in LEVERS.items()},
              **{k: p.default for k, p in UNCERTAINTIES.items()},
              **{k: p.default for k, p in POPULATION.items()}}
    default = TripleWinModel(rng=9, steps=3).run()
    assert TripleWinModel(rng=9, steps=3, **kwargs).run() == default
