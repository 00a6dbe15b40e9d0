"""The typed books (sim/books.py): a mistyped flow or total is an error, not a silent zero; the
phases fill the quarter's record; the trailing window sums the last four quarters."""

from __future__ import annotations

import numpy as np
import pytest

from sim.books import FLOW_FIELDS, TOTAL_FIELDS, Flows, Quarter, Totals, Window
from sim.model import TripleWinModel


def test_mistyped_flow_and_total_are_errors() -> None:
    flows, totals = Flows(), Totals()
    with pytest.raises(AttributeError):
        flows.awardd = 1.0  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        totals.dv_proft += 1.0  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        Window().total("awardd")
    with pytest.raises(AttributeError):
        Quarter(index=0).bidz = None  # type: ignore[attr-defined]


def test_window_sums_the_last_four_quarters() -> None:
    w = Window(4)
    for v in (1.0, 2.0, 3.0, 4.0, 5.0):
        w.append(Flows(awarded=v, cn_value=v / 2))
    assert len(w) == 4
    assert w.total("awarded") == 14.0
    assert w.total("cn_value") == 7.0
    assert w.total("invest_dg") == 0.0


def test_every_field_is_documented() -> None:
    """Each flow and total has a `#:` comment in sim/books.py (the one place they are defined)."""
    import inspect

    import sim.books as books

    src = inspect.getsource(books)
    for name in FLOW_FIELDS + TOTAL_FIELDS:
        i = src.index(f"\n    {name}: float = 0.0")
        assert src[:i].rstrip().rsplit("\n", 1)[-1].lstrip().startswith("#:"), name


def test_phases_fill_the_quarter_record() -> None:
    m = TripleWinModel(rng=3, steps=3)
    m.step()
    q = m.latest_quarter
    assert q is not None and q.index == 0
    for name in ("tenders", "p_distress", "compliance_gap", "unit_cost", "bids", "markup",
                 "price", "winner", "settlement"):
        assert getattr(q, name) is not None, name
    st = q.settlement
    assert st.won.size == (q.winner >= 0).sum() > 0
    np.testing.assert_array_equal(st.rows, q.winner[st.won])
    assert q.flow.awarded == pytest.approx(float(st.price.sum()), rel=1e-12)
    first = q
    m.step()
    assert m.latest_quarter is not first and m.latest_quarter.index == 1
    assert len(m.window) == 2
    assert m.window.total("awarded") == pytest.approx(
        first.flow.awarded + m.latest_quarter.flow.awarded, rel=1e-12)
