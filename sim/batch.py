"""The batched engine: the state of many runs in the same flat arrays, advanced together.

A :class:`Batch` holds R runs of the model. Every agent, tender and bid row carries the index of
its run (``run``); the hosts, firms and lenders of all runs are numbered globally (run 0's
first, then run 1's, ...), so that an index into another store (a firm's plant host, a
developing firm's partner) points inside its own run; per-run parameters (levers, uncertainties,
structural constants) are arrays over runs, read at an element's run; reductions over a run are
sums by run index (:meth:`Batch.by_run`), keyed by run and host or run and sector where the
single-run model kept one value per host or sector. One pass of the phases of
:data:`sim.schedule.PHASES` advances every run one quarter.

Each run keeps its own named random streams (:class:`sim.streams.RunStreams`): draws are taken
run by run, in the sizes the run alone would take, and concatenated. Every reduction adds a
run's elements in the same order whatever else is in the batch, so a run's results are bit for
bit the same in a batch of any size; the one-run model :class:`sim.model.TripleWinModel` is a
batch of one. :func:`run_batch` runs a list of runs in batches and isolates a failing run.
"""

from __future__ import annotations

import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from types import SimpleNamespace
from typing import Any

import numpy as np

from . import metrics, population, schedule
from .agents import ChineseFirms, DevelopedFirms, DevelopingFirms, HostEconomies, Lenders
from .agents.association import STANDARDS_WEIGHT
from .books import FLOW_FIELDS, TOTAL_FIELDS, Flows, Quarter, Totals, Window
from .mechanisms.accounts import sum_by
from .scenario.constants import CONSTANTS
from .scenario.params import LEVERS, SECTORS, UNCERTAINTIES, WORLD
from .scenario.schema import value_at
from .streams import make_run_streams

#: Number of sectors (``SECTORS``): what was per sector in one run is per (run, sector) in a
#: batch.
N_SECTORS = len(SECTORS)
#: Standards weight of each sector's tenders, in ``SECTORS`` order.
_STANDARDS = np.array([STANDARDS_WEIGHT[s] for s in SECTORS])
#: The structural constants that shape arrays (the markup grid): runs of one batch share them.
SHAPE_CONSTANTS = ("markup_max", "markup_step")


@dataclass(frozen=True)
class RunSpec:
    """One run: its seed, its number of quarters and its levers, uncertainties, population
    sizes and structural constants (numbers, or schedules ``{step: value}`` where allowed;
    defaults for any not given)."""

    seed: int
    steps: int = 40
    params: dict[str, Any] = field(default_factory=dict)

    def shape_key(self) -> tuple[Any, ...]:
        """What runs of one batch must share: the quarters and the constants that shape the
        arrays (:data:`SHAPE_CONSTANTS`)."""
        return (int(self.steps), *(float(self.params.get(k, CONSTANTS[k].default))
                                   for k in SHAPE_CONSTANTS))


def check_params(params: dict[str, Any]) -> None:
    """Refuse parameter names the model does not know (``TypeError``)."""
    unknown = set(params) - set(LEVERS) - set(WORLD)
    if unknown:
        raise TypeError(f"unknown parameter(s) {sorted(unknown)}; see `triplewin explain`")


class _Values:
    """The values of one kind of parameter (levers or world values) of every run, looked up per
    quarter as arrays over runs (schedules resolved run by run)."""

    def __init__(self, decl: dict[str, Any], per_run: list[dict[str, Any]]) -> None:
        self.decl = decl
        self.raw = {k: [p[k] for p in per_run] for k in decl}
        self._fixed: dict[str, np.ndarray] = {}
        for k, values in self.raw.items():
            self._refix(k, values)
        self._step = -1
        self._cache: dict[str, np.ndarray] = {}

    def _refix(self, name: str, values: list[Any]) -> None:
        if any(isinstance(v, dict) for v in values):
            self._fixed.pop(name, None)
        else:
            a = np.array([float(v) for v in values])
            a.flags.writeable = False
            self._fixed[name] = a

    def at(self, name: str, step: int) -> np.ndarray:
        a = self._fixed.get(name)
        if a is not None:
            return a
        if step != self._step:
            self._step, self._cache = step, {}
        a = self._cache.get(name)
        if a is None:
            default = self.decl[name].default
            a = self._cache[name] = np.array([value_at(v, step, default)
                                              for v in self.raw[name]])
            a.flags.writeable = False
        return a

    def set(self, name: str, run: int, value: Any) -> None:
        self.raw[name][run] = value
        self._refix(name, self.raw[name])
        self._cache = {}


class Batch:
    """R runs of the model in one set of flat arrays (see the module docstring).

    Args:
        specs: the runs; they must share their number of quarters and the constants of
            :data:`SHAPE_CONSTANTS` (:func:`run_batch` groups runs so).
    """

    def __init__(self, specs: Sequence[RunSpec]) -> None:
        if not specs:
            raise ValueError("a batch needs at least one run")
        keys = {s.shape_key() for s in specs}
        if len(keys) > 1:
            raise ValueError("the runs of one batch must share their steps and markup grid "
                             f"({', '.join(SHAPE_CONSTANTS)}); got {sorted(keys)}")
        for s in specs:
            check_params(s.params)
        self.specs = list(specs)
        self.R = len(specs)
        self.seeds = [int(s.seed) for s in specs]
        self.n_steps = int(specs[0].steps)
        self._levers = _Values(LEVERS, [{k: s.params.get(k, p.default) for k, p in LEVERS.items()}
                                        for s in specs])
        self._world = _Values(WORLD, [{k: s.params.get(k, p.default) for k, p in WORLD.items()}
                                      for s in specs])
        #: The structural constants of each run, as arrays over runs.
        self.k = SimpleNamespace(**{
            k: np.array([self._world.raw[k][r] for r in range(self.R)],
                        dtype=np.int64 if CONSTANTS[k].integer else float)
            for k in CONSTANTS})
        self.streams = make_run_streams(self.seeds)
        self.step_index = 0  # the quarter being simulated; 0 = 2015Q1
        self.steps_done = 0
        self.running = True
        self._build()
        self.history: list[list[dict[str, float]]] = [[] for _ in range(self.R)]
        self.latest: list[dict[str, float]] = [{} for _ in range(self.R)]

    # --- parameters ------------------------------------------------------------------------
    def lever(self, name: str) -> np.ndarray:
        """Each run's value of a lever in the current quarter (schedules resolved)."""
        return self._levers.at(name, self.step_index)

    def uncertainty(self, name: str) -> np.ndarray:
        """Each run's value of an uncertainty in the current quarter (schedules resolved)."""
        return self._world.at(name, self.step_index)

    def set_lever(self, run: int, name: str, value: Any) -> None:
        """Change a run's lever (a number or a schedule) from the next lookup on."""
        if name not in LEVERS:
            raise KeyError(f"unknown lever {name!r}")
        self._levers.set(name, run, value)

    def set_uncertainty(self, run: int, name: str, value: Any) -> None:
        """Change a run's schedulable uncertainty from the next lookup on."""
        p = UNCERTAINTIES.get(name)
        if p is None or not p.schedulable:
            raise KeyError(f"{name!r} is not an uncertainty that takes a schedule")
        self._world.set(name, run, value)

    def at(self, values: np.ndarray, index: np.ndarray) -> np.ndarray | float:
        """Per-run ``values`` (an array over runs) at the runs ``index`` of some elements: one
        number when every run has the same value (the usual case; the same results as the
        gathered array, cheaper), else ``values[index]``."""
        if self.R == 1 or not (values != values[0]).any():
            return values.item(0)
        return values[index]

    def by_run(self, values: np.ndarray, run: np.ndarray) -> np.ndarray:
        """Sum of ``values`` per run (``run``: the run of each element), as floats: each run's
        elements are added one after the other in their order, whatever else is in the batch."""
        return sum_by(run, values, self.R)

    def count_by_run(self, mask: np.ndarray, run: np.ndarray) -> np.ndarray:
        """Number of true entries of ``mask`` per run, as floats."""
        return np.bincount(run[mask], minlength=self.R).astype(float)

    def draw_looks(self, stream: str, sizes: np.ndarray, looks: np.ndarray) -> np.ndarray:
        """Uniforms for ``sizes[r]`` agents of each run taking ``looks[r]`` looks each (agents
        x looks, drawn per run as a run alone draws them), NaN where a run has fewer looks than
        the most of any."""
        gens = self.streams[stream].generators
        if not (looks != looks[0]).any():  # the same looks in every run
            c = int(looks[0])
            if len(gens) == 1:
                return gens[0].random((int(sizes[0]), c))
            return np.concatenate([g.random((int(n), c)) for g, n in zip(gens, sizes)])
        out = np.full((int(sizes.sum()), int(looks.max())), np.nan)
        start = 0
        for g, n, c in zip(gens, sizes, looks):
            out[start:start + n, :c] = g.random((int(n), int(c)))
            start += n
        return out

    def in_run_order(self, run: np.ndarray, values: Callable[[np.ndarray], np.ndarray]
                     ) -> np.ndarray:
        """Per-row values drawn run by run for rows that are not grouped by run: ``values``
        gets the number of rows of each run and returns their values run after run; row ``i``
        gets the value of its place among its run's rows (rows of a run in their order)."""
        if self.R == 1:
            return values(np.array([run.size]))
        order = run.argsort(kind="stable")
        out = np.empty(run.size)
        out[order] = values(np.bincount(run, minlength=self.R))
        return out

    def rows_by_run(self, rows: np.ndarray, run: np.ndarray) -> np.ndarray:
        """Each row of the 2-D ``rows`` summed per run: (rows x runs), one bincount."""
        n = rows.shape[0]
        key = (np.arange(n)[:, None] * self.R + run).ravel()
        return np.bincount(key, weights=rows.ravel(), minlength=n * self.R).reshape(n, self.R)

    # --- initialisation --------------------------------------------------------------------
    def _build(self) -> None:
        R = self.R
        parts = [population.build_run(self, r) for r in range(R)]
        n_h = np.array([p.hosts.n for p in parts])
        n_cn = np.array([p.cn.n for p in parts])
        n_dv = np.array([p.dv.n for p in parts])
        n_dg = np.array([p.dg.n for p in parts])
        h_off = np.concatenate([[0], n_h.cumsum()[:-1]])
        cn_off = np.concatenate([[0], n_cn.cumsum()[:-1]])
        self.sizes = SimpleNamespace(hosts=n_h, cn=n_cn, dv=n_dv, dg=n_dg, developed=np.array(
            [int(p.hosts.developed.sum()) for p in parts]))

        def shift(a: np.ndarray, off: int) -> np.ndarray:
            return np.where(a >= 0, a + off, a)

        def cat(store: str, cls: type, shifted: dict[str, np.ndarray]) -> Any:
            out = {}
            for f in fields(cls):
                if f.name in ("revenue", "profit", "sub_revenue"):
                    continue
                arrays = [getattr(p, store).__dict__[f.name] for p in parts]
                if f.name in shifted:
                    arrays = [shift(a, int(o)) for a, o in zip(arrays, shifted[f.name])]
                out[f.name] = np.concatenate(arrays)
            return cls(**out)

        self.hosts = cat("hosts", HostEconomies, {})
        self.cn = cat("cn", ChineseFirms, {"park_host": h_off, "dev_host": h_off})
        self.dv = cat("dv", DevelopedFirms, {"home": h_off})
        self.dg = cat("dg", DevelopingFirms, {"home": h_off, "partner": cn_off})
        self.hosts.run = np.repeat(np.arange(R), n_h)
        self.cn.run = np.repeat(np.arange(R), n_cn)
        self.dv.run = np.repeat(np.arange(R), n_dv)
        self.dg.run = np.repeat(np.arange(R), n_dg)
        # (run, sector) keys: what was per sector in a run is per (run, sector) in a batch
        self.cn.rsector = self.cn.run * N_SECTORS + self.cn.sector
        self.dv.rsector = self.dv.run * N_SECTORS + self.dv.sector
        self.dg.rsector = self.dg.run * N_SECTORS + self.dg.sector
        self.dv.per_rsector = np.bincount(self.dv.rsector, minlength=R * N_SECTORS)
        self.h_off = h_off
        self.debt_offset = np.concatenate([p.debt_offset for p in parts])
        self.local_enforcement = np.concatenate([p.local_enforcement for p in parts])
        self.initial_capacity = np.array([p.initial_capacity for p in parts])
        self.tech_start = np.concatenate([p.tech_start for p in parts])
        self.cap_home0 = np.concatenate([p.cap_home0 for p in parts])  # by (run, sector)
        # lenders: one row per kind, one column per run (their loans: one column per host)
        ls = [p.lenders for p in parts]
        self.lenders = Lenders(
            rate=ls[0].rate, tenor=ls[0].tenor,
            willingness=np.stack([x.willingness for x in ls], axis=1),
            exposure=np.concatenate([x.exposure for x in ls], axis=1),
            lent=np.stack([x.lent for x in ls], axis=1),
            written_off=np.stack([x.written_off for x in ls], axis=1),
            repaid=np.stack([x.repaid for x in ls], axis=1))
        self.unused_credit = np.zeros(R)  # policy-bank credit not drawn last quarter, USD bn
        # every sector has an association (that can coordinate its members' bids)
        self.association_sectors = np.ones(R * N_SECTORS, bool)
        # traits fixed for the run, of which the arrays keep derived views (masks, cells)
        for a in (self.hosts.developed, self.dg.home, self.dg.sector, self.dv.sector,
                  self.hosts.run, self.cn.run, self.dv.run, self.dg.run, self.cn.rsector,
                  self.dv.rsector, self.dg.rsector):
            a.flags.writeable = False
        # markup propensities of every kind of bidder, by situation (modified Roth-Erev): the
        # rows of each kind, run after run
        self.learners = population.learners(self, parts)
        # time-varying aggregates
        self.labour_index = np.ones(R)
        self.utilization = np.zeros(R * N_SECTORS)  # by (run, sector)
        self.tech0: np.ndarray | None = None  # capacity-weighted technology at the start
        self.window = Window(4)  # flows of the trailing year
        self.host_window: deque[tuple[np.ndarray, np.ndarray]] = deque(maxlen=4)
        self.local_window: deque[np.ndarray] = deque(maxlen=4)  # local work per host
        # distressed and all project value per host, trailing year
        self.distress_window: deque[tuple[np.ndarray, np.ndarray]] = deque(maxlen=4)
        self.totals = Totals(**{f: np.zeros(R) for f in TOTAL_FIELDS})
        self.latest_quarter: Quarter | None = None  # the record of the latest quarter

    def new_flows(self) -> Flows:
        """The flows of a new quarter: every field zero in every run."""
        return Flows(**{f: np.zeros(self.R) for f in FLOW_FIELDS})

    def compliance_gap(self) -> np.ndarray:
        """Score penalty of a Chinese bid for foreign standards, per (run, sector): at most
        compliance_penalty (power, no integration); the associations' standards work removes
        it (:meth:`sim.agents.association.IndustrialAssociation.compliance_gap`)."""
        pen = self.k.compliance_penalty * (1.0 - self.lever("standards_integration"))
        return (pen[:, None] * _STANDARDS[None, :]).ravel()

    # --- dynamics ----------------------------------------------------------------------------
    def step(self) -> None:
        """One quarter of every run: the phases of :data:`sim.schedule.PHASES`, in order."""
        self.step_index = self.steps_done
        self.latest_quarter = q = Quarter(index=self.step_index, flow=self.new_flows())
        for _name, phase in schedule.PHASES:
            phase(self, q)
        self.steps_done += 1
        if self.steps_done >= self.n_steps:
            self.running = False

    def record(self) -> None:
        """Compute every metric of every run (phase 10) and append them to the histories."""
        columns = metrics.compute(self)
        names = list(columns)
        table = np.empty((len(names), self.R))
        for i, values in enumerate(columns.values()):
            table[i] = values  # an array over runs, or one number for all
        table = table.T.tolist()
        for r, row in enumerate(table):
            d = dict(zip(names, row))
            self.latest[r] = d
            self.history[r].append(d)

    def run(self) -> list[list[dict[str, float]]]:
        """Run every quarter; returns each run's metric rows, one per quarter."""
        while self.running:
            self.step()
        return self.history


# --- running many runs ---------------------------------------------------------------------------

#: Runs per pass when none is asked for: past about this many runs a pass is as cheap per run as
#: it gets (numpy's cost per element dominates; bench/), while memory grows with the batch.
BATCH_CAP = 64
#: Memory of one default run in a batch, bytes, with room to spare (measured with tracemalloc
#: over a batch of 64 default runs: 0.6 MB held, 1.0 MB at the peak of a quarter, mostly the
#: markup propensities); the automatic batch keeps a batch within a quarter of the free memory.
RUN_BYTES = 2_000_000


def auto_batch(n_runs: int, *, memory: int | None = None) -> int:
    """Runs per pass chosen by memory: at most :data:`BATCH_CAP`, at most ``n_runs``, and no
    more than a quarter of the free memory (``memory`` bytes; read from the system when not
    given) holds."""
    if memory is None:
        memory = _free_memory()
    fits = max(1, int(memory // 4 // RUN_BYTES))
    return max(1, min(BATCH_CAP, int(n_runs), fits))


def _free_memory() -> int:
    try:
        import os

        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - no sysconf
        return 4 * 2**30


@dataclass
class Outcome:
    """The result of one run of :func:`run_batch`: its metric rows, or the error that stopped
    it (``history`` is then ``None``)."""

    history: list[dict[str, float]] | None
    error: str = ""


def error_text(e: BaseException) -> str:
    """One line naming an exception and where it was raised (a failed run's record)."""
    from pathlib import Path

    text = " ".join(str(e).split()) or "no details"
    tb = traceback.extract_tb(e.__traceback__)
    where = f" (at {Path(tb[-1].filename).name}:{tb[-1].lineno} in {tb[-1].name})" if tb else ""
    return f"{type(e).__name__}: {text}{where}"[:2000]


def batches(specs: Sequence[RunSpec], size: int) -> Iterator[list[int]]:
    """Positions of ``specs`` in batches of at most ``size`` runs that can share a batch (same
    quarters and markup grid), in order of first appearance."""
    size = max(int(size), 1)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, s in enumerate(specs):
        groups.setdefault(s.shape_key(), []).append(i)
    for idx in groups.values():
        for start in range(0, len(idx), size):
            yield idx[start:start + size]


def run_batch(specs: Sequence[RunSpec], *, batch: int | None = None,
              check: Callable[[Batch], None] | None = None,
              progress: Callable[[int], None] | None = None) -> list[Outcome]:
    """Run every spec, ``batch`` runs per pass, and return their outcomes in order. Without
    ``batch``, the runs are shared evenly among as few passes as :func:`auto_batch` allows (70
    runs: two passes of 35).

    A batch that raises is run again run by run (a run's results do not depend on the batch),
    so only the runs that fail on their own are lost, each with its error text. ``check`` is
    called on every batch after each quarter (for example the accounting invariants);
    ``progress`` after each batch with the number of runs it finished."""
    if batch is None:  # as many passes as the automatic size needs, shared out evenly
        cap = auto_batch(len(specs))
        size = -(-len(specs) // -(-len(specs) // cap)) if specs else 1
    else:
        size = max(int(batch), 1)
    out: list[Outcome | None] = [None] * len(specs)
    for idx in batches(specs, size):
        try:
            histories = _run(specs, idx, check)
        except Exception as e:  # noqa: BLE001 - any run may fail; find which, alone
            if len(idx) == 1:
                out[idx[0]] = Outcome(None, error_text(e))
            else:
                for i in idx:
                    try:
                        (h,) = _run(specs, [i], check)
                        out[i] = Outcome(h)
                    except Exception as e1:  # noqa: BLE001
                        out[i] = Outcome(None, error_text(e1))
        else:
            for i, h in zip(idx, histories, strict=True):
                out[i] = Outcome(h)
        if progress is not None:
            progress(len(idx))
    return out  # type: ignore[return-value]


def _run(specs: Sequence[RunSpec], idx: list[int],
         check: Callable[[Batch], None] | None) -> list[list[dict[str, float]]]:
    b = Batch([specs[i] for i in idx])
    while b.running:
        b.step()
        if check is not None:
            check(b)
    return b.history
