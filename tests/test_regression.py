"""Layer 3 of the test suite (STYLE.md item 9): a stored-baseline regression test.

The final-step mean of every metric for ``scenarios/baseline.yaml`` (3 replications, 40 steps,
seed 2015) and the per-step path of a few key metrics in replication 0 are stored in
``tests/baseline/baseline.json``. Runs are deterministic, so the recomputed numbers must match
within a relative tolerance of 1e-9. Any change that moves them fails here, listing what moved and
by how much; if the change is intended, run ``make baseline`` and commit ``tests/baseline/``.
"""

from __future__ import annotations

import pytest

import regenerate_baseline as rb
from sim.metrics import METRICS

HOW_TO_UPDATE = ("if this change is intended, run `make baseline` and commit tests/baseline/")


@pytest.fixture(scope="module")
def stored() -> dict:
    data = rb.load()
    assert data is not None, f"no stored baseline at {rb.BASELINE_FILE}: run `make baseline`"
    return data


@pytest.fixture(scope="module")
def fresh() -> dict:
    return rb.compute()


def test_baseline_file_is_canonical(stored) -> None:
    """The stored file is exactly what the regenerate command writes (sorted keys, full
    precision), for the documented scenario and settings, with every metric present."""
    assert rb.BASELINE_FILE.read_text(encoding="utf-8") == rb.dumps(stored)
    assert (stored["scenario"], stored["replications"], stored["steps"], stored["seed"]) == (
        "scenarios/baseline.yaml", 3, 40, 2015)
    assert set(stored["series"]) == set(rb.SERIES_METRICS)
    assert all(len(v) == 40 for v in stored["series"].values())


def test_final_means_match_baseline(stored, fresh) -> None:
    """Every metric's final-step mean over 3 replications equals the stored one (rel. 1e-9);
    no metric is added or removed without updating the baseline."""
    moved = [line for line in rb.differences(stored, fresh) if not line.startswith("series ")]
    assert not moved, ("the baseline scenario's results moved:\n  " + "\n  ".join(moved)
                       + f"\n{HOW_TO_UPDATE}")
    assert set(stored["final_mean"]) == set(METRICS)


def test_key_series_match_baseline(stored, fresh) -> None:
    """The per-step path of the key metrics in replication 0 equals the stored one at every
    step (rel. 1e-9): catches changes that cancel out at the final step."""
    moved = [line for line in rb.differences(stored, fresh) if line.startswith("series ")]
    assert not moved, ("key time series moved:\n  " + "\n  ".join(moved) + f"\n{HOW_TO_UPDATE}")


def test_differences_reports_what_moved(stored) -> None:
    """The comparison itself can fail: a nudged metric, a removed one and a moved step are each
    reported, with old and new values."""
    tampered = {**stored,
                "final_mean": {**stored["final_mean"], "cn_markup": stored["final_mean"]
                               ["cn_markup"] * (1 + 1e-6)},
                "series": {**stored["series"],
                           "dv_barrier": [*stored["series"]["dv_barrier"][:-1], 0.123456]}}
    del tampered["final_mean"]["gain_china"]
    lines = rb.differences(stored, tampered)
    assert any(line.startswith("final mean cn_markup:") and "+1.00e-06 relative" in line
               for line in lines)
    assert any(line.startswith("metric gain_china: removed") for line in lines)
    assert any(line.startswith("series dv_barrier: 1 of 40 steps moved, first at step 39")
               for line in lines)
    assert rb.differences(stored, stored) == []
