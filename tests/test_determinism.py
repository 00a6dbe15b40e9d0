"""One seed decides a run (docs/ODD.md section 4, "Stochasticity").

Same scenario and seed give byte-identical ``summary.json`` and ``timeseries.csv``; another seed
gives other numbers; replication r has the same seed whatever the number of replications and
reproduces when run alone; random streams are named per mechanism, so turning a lever that acts
on one mechanism leaves the draws of the others untouched; stepping by hand equals ``run()``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.experiments.compare import compare, with_levers
from sim.experiments.runner import run_one, run_replications
from sim.model import TripleWinModel
from sim.results.folders import timeseries_csv, write_run
from sim.scenario.load import load_scenario
from sim.streams import NAMES, make_streams, replication_seeds

STEPS = 16
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def baseline():
    """The baseline scenario, shortened to STEPS quarters and 3 replications."""
    return load_scenario(REPO / "scenarios" / "baseline.yaml", steps=STEPS, replications=3)


def _write(scenario, out: Path) -> Path:
    return write_run(run_replications(scenario), scenario, out_dir=out, plots=False)


def test_same_seed_gives_byte_identical_files(baseline, tmp_path: Path) -> None:
    """Two runs of the same scenario and seed write the same bytes (summary and time series)."""
    a = _write(baseline, tmp_path / "a")
    b = _write(baseline, tmp_path / "b")
    for name in ("summary.json", "timeseries.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs between runs"


def test_other_seed_gives_other_output(baseline, tmp_path: Path) -> None:
    """Another root seed changes the replication seeds and the numbers."""
    a = _write(baseline, tmp_path / "a")
    other = with_levers(baseline, seed=baseline.run.seed + 1)
    assert other.run.seed == baseline.run.seed + 1
    b = _write(other, tmp_path / "b")
    assert (a / "summary.json").read_bytes() != (b / "summary.json").read_bytes()
    rows_a = (a / "timeseries.csv").read_text().splitlines()
    rows_b = (b / "timeseries.csv").read_text().splitlines()
    assert rows_a[0] == rows_b[0]  # same columns
    assert sum(x != y for x, y in zip(rows_a[1:], rows_b[1:], strict=True)) == len(rows_a) - 1


def test_replication_seeds_stable_across_r() -> None:
    """Seed r is the same for R = 1, 3 and 10; seeds are distinct and fit in a signed int64."""
    ten = replication_seeds(2015, 10)
    assert replication_seeds(2015, 3) == ten[:3]
    assert replication_seeds(2015, 1) == ten[:1]
    assert replication_seeds(2015, 10) == ten
    assert len(set(ten)) == 10
    assert all(0 <= s < 2**63 for s in ten)
    assert replication_seeds(2016, 3) != ten[:3]


def test_replication_r_equals_the_same_replication_alone(baseline) -> None:
    """Replication r of a 3-replication run equals replication r run alone, and each matches
    the same replication inside a 5-replication run."""
    res3 = run_replications(baseline)
    res5 = run_replications(with_levers(baseline, replications=5))
    assert res3.seeds == res5.seeds[:3]
    for r, seed in enumerate(res3.seeds):
        alone = run_one(baseline, seed)
        assert alone == res3.histories[r] == res5.histories[r]
    assert res3.histories[0] != res3.histories[1]


def test_worker_processes_give_the_same_numbers(baseline, tmp_path: Path) -> None:
    """Replications on worker processes (as `triplewin run` and `compare` use them) equal those
    run in this process, bit for bit, in the same order; so do the files written from them."""
    serial = run_replications(baseline)
    parallel = run_replications(baseline, workers=2)
    assert parallel.seeds == serial.seeds
    assert parallel.histories == serial.histories
    assert parallel.summary == serial.summary
    assert timeseries_csv(parallel) == timeseries_csv(serial)
    b = with_levers(baseline, joint_bidding=1.0)
    c1, c2 = compare(baseline, b, workers=1), compare(baseline, b, workers=2)
    assert c2.metrics == c1.metrics and c2.verdict == c1.verdict
    assert c2.b.histories == c1.b.histories


def test_without_worker_processes_the_work_runs_here(baseline, monkeypatch, capsys,
                                                     tmp_path: Path) -> None:
    """Where worker processes cannot start (no /dev/shm, a process limit), replications and
    figures run in this process, with a note, and give the same numbers and files."""
    from sim.experiments import workers
    from sim.plotting.data import RunData
    from sim.results.figures import draw

    serial = run_replications(baseline)

    def refuse():
        raise OSError("no semaphores here")

    monkeypatch.setattr(workers, "context", refuse)
    fallen = run_replications(baseline, workers=2)
    assert fallen.histories == serial.histories
    paths = draw(RunData.from_results(fallen), tmp_path / "figures", workers=2)
    assert len(paths) == 10 and all(p.stat().st_size > 1000 for p in paths)
    err = capsys.readouterr().err
    assert err.count("worker processes unavailable (no semaphores here)") == 2


def test_results_do_not_depend_on_run_order(baseline) -> None:
    """Running other models first (another scenario) does not change a replication."""
    seed = replication_seeds(baseline.run.seed, 1)[0]
    first = run_one(baseline, seed)
    run_one(with_levers(baseline, joint_bidding=1.0, tender_volume=3.0), seed + 1)
    assert run_one(baseline, seed) == first


def _tender_draws(seed: int, steps: int, **params) -> list[dict[str, np.ndarray]]:
    model = TripleWinModel(rng=seed, steps=steps, **params)
    out = []
    for _ in range(steps):
        model.step()
        t = model.latest_quarter.tenders
        own = ~t.tied  # tied projects follow the policy banks' credit, which the economy moves
        out.append({"host": t.host[own], "sector": t.sector[own], "value": t.value[own],
                    "min_tech": t.min_tech[own], "u_payment": t.u_payment[own]})
    return out


@pytest.mark.parametrize("seed", [11, 2015])
def test_branding_leaves_tender_draws_unchanged(seed: int) -> None:
    """Branding acts on reputation only: the tenders hosts draw each quarter (hosts, sectors,
    values, payment draws; the tied projects on policy-bank credit aside, which respond to the
    economy) are identical with branding 0 and 1 under the same seed, while the run's brand
    metric does change."""
    low = _tender_draws(seed, STEPS, branding=0.0)
    high = _tender_draws(seed, STEPS, branding=1.0)
    for step, (a, b) in enumerate(zip(low, high, strict=True)):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=f"step {step}: tenders.{key}")
    brand = [TripleWinModel(rng=seed, steps=STEPS, branding=v).run()[-1]["cn_brand"]
             for v in (0.0, 1.0)]
    assert brand[0] != brand[1]


def test_streams_are_named_and_independent() -> None:
    """Each mechanism gets its own generator; the same name and seed give the same draws, and
    drawing from one stream does not move another."""
    a, b = make_streams(5), make_streams(5)
    assert set(a) == set(NAMES) and len(NAMES) >= 5 and "tendering" in NAMES
    for name in NAMES:
        if name != "tendering":
            a[name].random(1000)
    assert np.array_equal(a["tendering"].random(8), b["tendering"].random(8))
    firsts = {name: make_streams(5)[name].random(4).tobytes() for name in NAMES}
    assert len(set(firsts.values())) == len(NAMES), "two mechanisms share a stream"
    assert not np.array_equal(make_streams(5)["tendering"].random(8),
                              make_streams(6)["tendering"].random(8))


def test_stepping_by_hand_equals_run() -> None:
    """A model driven step by step records exactly the rows ``run()`` returns."""
    by_hand = TripleWinModel(rng=42, steps=STEPS, joint_bidding={0: 0.0, 5: 1.0})
    for _ in range(STEPS):
        by_hand.step()
    assert not by_hand.running
    whole = TripleWinModel(rng=42, steps=STEPS, joint_bidding={0: 0.0, 5: 1.0}).run()
    assert by_hand.history == whole
    assert len(whole) == STEPS


def test_timeseries_text_is_reproducible(baseline) -> None:
    """The CSV text of two independent computations is identical (full float precision)."""
    assert timeseries_csv(run_replications(baseline)) == timeseries_csv(run_replications(baseline))
