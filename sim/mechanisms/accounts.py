"""Booking (step phase 5): who behind a winning bid is paid what.

Pure functions over the arrays of one quarter's bids and awards; the phase in
:mod:`sim.schedule` decides what to book where.
"""

from __future__ import annotations

import numpy as np

from .bidding import Bids


def sum_by(index: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``weights`` per value of ``index`` in 0..n-1, always float (``np.bincount``
    returns integers for empty input)."""
    return np.bincount(index, weights=weights, minlength=n).astype(float, copy=False)


def cumsum_by_run(values: np.ndarray, run: np.ndarray | None, n_runs: int = 1) -> np.ndarray:
    """Running sum of ``values`` within each run (``run``: the run of each entry, ``None`` for
    one run), in the entries' order: each run's sums are those of ``np.cumsum`` over its
    entries alone, whatever other runs are present."""
    if run is None or n_runs == 1:
        return np.cumsum(values)
    order = run.argsort(kind="stable")
    counts = np.bincount(run, minlength=n_runs)
    starts = counts.cumsum() - counts
    r = run[order]
    pos = np.arange(run.size) - starts[r]
    table = np.zeros((n_runs, int(counts.max(initial=0))))
    table[r, pos] = values[order]
    out = np.empty(run.size)
    out[order] = table.cumsum(axis=1)[r, pos]
    return out


def members(b: Bids, win_rows: np.ndarray, *, won: np.ndarray | None = None,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chinese firms behind winning bids: (bid row, firm, share of the Chinese part).

    A solo Chinese bid has its firm with share 1; a consortium's members share its Chinese part
    by capacity (``weight``). Rows are the winning bid rows the firms belong to. ``won`` (a
    flag per bid row, true on ``win_rows``) can be passed by a caller that has it already.
    """
    if won is None:
        won = np.zeros(b.n, bool)
        won[win_rows] = True
    direct = np.flatnonzero(won & (b.cn >= 0))
    in_consortium = b.parent >= 0
    if not in_consortium.any():  # no consortium this quarter: solo bids only
        return direct, b.cn[direct], np.ones(direct.size)
    member = np.flatnonzero(in_consortium & won[np.maximum(b.parent, 0)])
    parent = b.parent[member]
    rows = np.concatenate([direct, parent])
    firms = np.concatenate([b.cn[direct], b.cn[member]])
    share = np.concatenate([np.ones(direct.size), b.weight[member] / b.weight[parent]])
    return rows, firms, share
