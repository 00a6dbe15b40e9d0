"""The batched engine (sim.batch): a run's results are bit for bit the same in a batch of any
size, its books balance per run, and a run that fails is isolated.

Criterion of every identity test: exact equality of the metric histories (every metric, every
quarter), not closeness.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import schedule
from sim.batch import BATCH_CAP, Batch, RunSpec, auto_batch, batches, run_batch
from sim.invariants import violations, violations_by_run
from sim.mechanisms import tendering
from sim.model import TripleWinModel
from sim.scenario.library import files_in, library_dir
from sim.scenario.load import load_scenario
from sim.streams import make_run_streams, make_streams

STEPS = 10

#: Configurations that differ in levers, world sizes and constants, with schedules, empty
#: populations of a kind and the knock-out of markup learning, to share one batch.
EDGES: list[dict] = [
    {},
    {"n_developed_hosts": 0},
    {"n_developing_hosts": 0},
    {"dg_firms_per_host": 0, "joint_fund": 5.0, "third_party_cooperation": 0.8},
    {"n_cn_firms": 30, "n_dv_firms": 14, "n_developed_hosts": 3, "n_developing_hosts": 5},
    {"looks_cn": 3, "looks_dv": 7, "learning_recency": 0.3, "markup_learning": 0},
    {"joint_bidding": {0: 0.0, 4: 1.0}, "bit_coverage": {0: 0.0, 3: 1.0},
     "investment_screening": {0: 0.0, 5: 0.5}},
    {"policy_bank_lending": 80.0, "lending_discipline": 1.0, "debt_level": 2.0,
     "local_content": 0.6},
    {"tender_volume": 0.0},
    {"ipr_protection": 1.0, "third_party_cooperation": 1.0, "joint_fund": 20.0,
     "standards_integration": 1.0, "customary_markup": 0.3, "award_noise": 0.3},
]


def _specs() -> list[RunSpec]:
    specs = [RunSpec(seed=100 + i, steps=STEPS, params=load_scenario(f).model_params())
             for i, f in enumerate(files_in(library_dir()))]
    specs += [RunSpec(seed=7 + i, steps=STEPS, params=p) for i, p in enumerate(EDGES)]
    return specs


@pytest.fixture(scope="module")
def specs() -> list[RunSpec]:
    return _specs()


@pytest.fixture(scope="module")
def alone(specs: list[RunSpec]) -> list[list[dict[str, float]]]:
    """Each run as a batch of one."""
    return [Batch([s]).run()[0] for s in specs]


@pytest.mark.parametrize("size", [1, 2, 7, 64])
def test_a_run_is_the_same_in_any_batch(size: int, specs: list[RunSpec],
                                        alone: list[list[dict[str, float]]]) -> None:
    """Batch sizes 1, 2, 7 and 64 give every run exactly its own history."""
    out = run_batch(specs, batch=size)
    assert [o.error for o in out] == [""] * len(specs)
    for spec, o, h in zip(specs, out, alone, strict=True):
        assert o.history == h, f"seed {spec.seed} differs in batches of {size}"


def test_the_order_in_a_batch_does_not_matter(specs: list[RunSpec],
                                              alone: list[list[dict[str, float]]]) -> None:
    order = list(reversed(range(len(specs))))
    b = Batch([specs[i] for i in order])
    for pos, i in enumerate(order):
        assert b.run()[pos] == alone[i]


def test_the_model_is_the_batch_of_one() -> None:
    """TripleWinModel (Mesa's model class) runs the engine as a batch of one."""
    params = {"joint_bidding": 0.7, "n_developing_hosts": 12}
    model = TripleWinModel(rng=42, steps=STEPS, **params)
    assert model.run() == Batch([RunSpec(42, STEPS, params)]).run()[0]
    assert model.batch.R == 1
    assert model.datacollector.get_model_vars_dataframe().shape[0] == STEPS


def test_books_balance_per_run_of_a_batch(specs: list[RunSpec]) -> None:
    """Every run of a mixed batch passes the accounting invariants after every quarter."""
    b = Batch(specs)
    while b.running:
        b.step()
        problems = violations_by_run(b)
        assert problems == [[] for _ in specs], [p for p in problems if p][:1]


def test_a_broken_book_is_reported_for_its_run_only() -> None:
    b = Batch([RunSpec(1, 3), RunSpec(2, 3), RunSpec(3, 3)])
    b.step()
    assert violations(b) == []
    firm = int(np.flatnonzero(b.cn.run == 1)[0])
    b.cn.revenue[firm] += 1.0  # revenue no award paid for, in run 1
    problems = violations_by_run(b)
    assert problems[0] == [] and problems[2] == []
    assert any("awarded value" in p for p in problems[1])
    assert all(p.startswith("run 1:") for p in violations(b))


def test_a_failing_run_is_isolated(monkeypatch: pytest.MonkeyPatch, specs: list[RunSpec],
                                   alone: list[list[dict[str, float]]]) -> None:
    """A run that raises in the middle of a batch is recorded with its error; every other run
    of that batch (and of the others) keeps exactly its own history."""
    bad_seed = specs[5].seed

    def explode(m: Batch, q: object) -> None:
        if bad_seed in m.seeds and m.step_index == 4:
            raise FloatingPointError("a run that breaks in quarter 4")

    monkeypatch.setattr(schedule, "PHASES", (*schedule.PHASES, ("explode", explode)))
    out = run_batch(specs, batch=7)
    for spec, o, h in zip(specs, out, alone, strict=True):
        if spec.seed == bad_seed:
            assert o.history is None
            assert o.error.startswith("FloatingPointError: a run that breaks in quarter 4")
        else:
            assert o.error == "" and o.history == h


def test_runs_that_cannot_share_a_batch_are_grouped() -> None:
    """Runs of different lengths or markup grids go to separate passes, in order."""
    specs = [RunSpec(1, 4), RunSpec(2, 6), RunSpec(3, 4, {"markup_max": 2.0}), RunSpec(4, 4)]
    assert list(batches(specs, 64)) == [[0, 3], [1], [2]]
    out = run_batch(specs, batch=64)
    for s, o in zip(specs, out, strict=True):
        assert o.history == Batch([s]).run()[0]
    with pytest.raises(ValueError, match="share their steps"):
        Batch(specs)


def test_unknown_parameters_are_refused() -> None:
    with pytest.raises(TypeError, match="unknown parameter"):
        Batch([RunSpec(1, 4, {"joint_biding": 0.5})])
    (o,) = run_batch([RunSpec(1, 4, {"joint_biding": 0.5})])
    assert o.history is None and "TypeError" in o.error


def test_auto_batch_follows_memory() -> None:
    assert auto_batch(1000, memory=64 * 2**30) == BATCH_CAP
    assert auto_batch(5, memory=64 * 2**30) == 5
    assert auto_batch(1000, memory=0) == 1
    assert 1 <= auto_batch(1000, memory=40_000_000) < BATCH_CAP


def test_batch_draws_are_each_runs_own() -> None:
    """A batch's draw is each run's own draw of its own size, concatenated."""
    seeds, sizes = [5, 9, 11], np.array([3, 0, 4])
    batch = make_run_streams(seeds)["bids"].random(sizes, rows=2)
    alone = [make_streams(s)["bids"].random((2, n)) for s, n in zip(seeds, sizes)]
    assert np.array_equal(batch, np.concatenate(alone, axis=1))


def test_tenders_of_several_runs_are_each_runs_own() -> None:
    """issue_runs draws for each run of several what it draws for that run alone (issue)."""
    rng = np.random.default_rng(0)
    size = rng.uniform(1, 10, 7)
    developed = np.array([True, True, False, False, True, False, False])
    weight = rng.uniform(0.4, 0.7, 7)
    offs, counts = np.array([0, 2, 4]), np.array([2, 2, 3])
    vol, third = np.array([1.0, 2.0, 0.5]), np.array([0.1, 0.5, 0.9])
    mean, rate = np.array([0.5, 0.4, 0.6]), np.array([1.2, 1.0, 1.5])
    gens = [np.random.default_rng(s) for s in (1, 2, 3)]
    t = tendering.issue_runs(gens, np.arange(3), size=size, developed=developed,
                             price_weight=weight, host_offset=offs, host_count=counts,
                             volume=vol, third_party=third, mean_value=mean, base_rate=rate)
    for r in range(3):
        hs = slice(offs[r], offs[r] + counts[r])
        one = tendering.issue(np.random.default_rng(r + 1), size=size[hs],
                              developed=developed[hs], price_weight=weight[hs],
                              volume=vol[r], third_party=third[r], mean_value=mean[r],
                              base_rate=rate[r])
        mine = t.run == r
        assert np.array_equal(t.host[mine] - offs[r], one.host)
        for name in ("sector", "value", "min_tech", "price_weight", "developed",
                     "trilateral_open", "u_payment", "u_problem", "u_partner", "u_willing"):
            assert np.array_equal(getattr(t, name)[mine], getattr(one, name)), name


def test_a_failing_run_in_a_sweep_chunk_is_recorded_alone(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """The sweep executors' path (run_chunks): a run that raises inside a pass gets its error
    text in the chunk's result; every other run of the chunk has its own final metrics."""
    from sim.sweeps.executors import ChunkTask, run_chunks

    runs = tuple((i, 50 + i, (0.1 * i,)) for i in range(7))
    task = ChunkTask(chunk=0, steps=6, base={}, keys=("joint_bidding",), integer=(False,),
                     runs=runs, batch=7)
    (clean,) = run_chunks([task])
    assert clean.errors == [""] * 7

    def explode(m: Batch, q: object) -> None:
        if 53 in m.seeds and m.step_index == 2:
            raise ZeroDivisionError("run 3 divides by zero in quarter 2")

    monkeypatch.setattr(schedule, "PHASES", (*schedule.PHASES, ("explode", explode)))
    (res,) = run_chunks([task])
    assert res.errors[3].startswith("ZeroDivisionError: run 3 divides by zero in quarter 2")
    assert np.isnan(res.finals[3]).all()
    others = [i for i in range(7) if i != 3]
    assert [res.errors[i] for i in others] == [""] * 6
    assert np.array_equal(res.finals[others], clean.finals[others])
