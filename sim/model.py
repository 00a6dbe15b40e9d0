"""The triple-win model: builds the agents, owns the random streams, steps the phases.

``TripleWinModel(**levers_and_uncertainties, rng=seed)`` takes every lever and uncertainty of
:mod:`sim.scenario.params` as a keyword argument (numbers or schedules), so Mesa's own
``batch_run`` and visualisation can drive it; :meth:`TripleWinModel.from_scenario` builds it from
a validated scenario file.
"""

from __future__ import annotations

from collections import deque
from types import SimpleNamespace
from typing import Any

import mesa
import numpy as np

from . import metrics, schedule
from .mechanisms import learning
from .books import Quarter, Totals, Window
from .agents._store import freeze
from .agents import (
    ChineseFirm,
    ChineseFirms,
    DevelopedFirm,
    DevelopedFirms,
    DevelopingFirm,
    DevelopingFirms,
    HostEconomies,
    HostEconomy,
    IndustrialAssociation,
    Lender,
    Lenders,
)
from .scenario.constants import CONSTANTS
from .scenario.params import (
    LEVERS,
    OVERCAPACITY,
    POPULATION,
    SECTORS,
    START_YEAR,
    UNCERTAINTIES,
    WORLD,
)
from .mechanisms import lending as lending_m
from .mechanisms import local as local_m
from .mechanisms import tendering as tendering_m
from .scenario.schema import value_at
from .streams import make_streams

#: Mean capacity of a firm by sector, USD bn of output per quarter (SOEs x3, SMEs x0.5).
SECTOR_CAPACITY = np.array([6.0, 3.0, 1.5, 2.0, 3.0, 2.5, 1.0])
#: Unit cost of developed firms per unit of tender value: with the usual markup their price is
#: close to the budget.
DV_UNIT_COST = 0.85
#: Mean technology of developed firms at the start.
DV_TECH = 0.86
#: Mean market size of a developed and a developing host (tenders per quarter / BASE_RATE):
#: with the defaults about 250 tenders a quarter, 40% of the value in developed hosts (ENR, F9).
DEV_HOST_SIZE, DG_HOST_SIZE = 10.4, 4.2
#: Mean technology of developing-country firms at the start (low: below Chinese firms' about
#: 0.5-0.6), assumption.
DG_TECH = 0.35
#: Mean capacity of a developing-country firm, USD bn of output per quarter (a mid-sized local
#: contractor, about USD 1 bn a year), assumption.
DG_CAPACITY = 0.25
#: Quarterly GDP per unit of host size, USD bn (tender value is a small share of GDP). The
#: developing hosts stand for the borrowers of project lending: with the default 30 hosts their
#: GDP is about USD 1.9 trn a year, Sub-Saharan Africa's (World Bank, 2019); calibration.
DEV_GDP_PER_SIZE, DG_GDP_PER_SIZE = 400.0, 3.75


class MetricsCollector(mesa.DataCollector):
    """Mesa's data collector over the model's metrics (``model_vars``, ``get_model_vars_dataframe``
    and ``batch_run`` as usual), collecting a step's whole metric row in one pass.

    The metrics are floats computed once per step (``model.latest``, phase 10), so each is
    appended as it is: the generic ``collect`` would call one reporter and deep-copy its value
    per metric, about 4% of a default step. The reporters stay declared
    (:data:`sim.metrics.REPORTERS`) and give the same values.
    """

    def collect(self, model: TripleWinModel) -> None:
        row = model.latest
        self._collection_steps.append(model.time)
        for name, values in self.model_vars.items():
            values.append(row[name])


class TripleWinModel(mesa.Model):
    """Agent-based model of international industrial capacity cooperation (docs/ODD.md).

    Args:
        rng: seed (int) or numpy SeedSequence/Generator; one seed decides the whole run.
        steps: quarters to run; ``running`` turns False after the last one.
        **params: any lever, uncertainty or population size, as a number or a schedule
            ``{step: value}`` for schedulable ones. Unknown names raise ``TypeError``.
    """

    def __init__(self, *, rng: Any = None, steps: int = 40, **params: Any) -> None:
        unknown = set(params) - set(LEVERS) - set(WORLD)
        if unknown:
            raise TypeError(f"unknown parameter(s) {sorted(unknown)}; see `triplewin explain`")
        if rng is None:
            rng = 2015
        if isinstance(rng, np.random.Generator):
            rng = int(rng.integers(2**62))
        seed = int(rng) if not isinstance(rng, np.random.SeedSequence) else int(
            rng.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
        super().__init__(rng=seed)
        self.seed = seed
        self.n_steps = int(steps)
        self.levers: dict[str, Any] = {k: params.get(k, p.default) for k, p in LEVERS.items()}
        self.world: dict[str, Any] = {
            k: params.get(k, p.default) for k, p in WORLD.items()}
        #: The structural constants of this run (numbers; declared in sim.scenario.params).
        self.k = SimpleNamespace(**{k: self.world[k] for k in CONSTANTS})
        self.streams = make_streams(seed)
        self._resolved: dict[tuple[str, str, int], float] = {}  # schedule lookups, per quarter
        self.step_index = 0  # the quarter being simulated; 0 = 2015Q1
        self._build()
        self.history: list[dict[str, float]] = []
        self.datacollector = MetricsCollector(model_reporters=dict(metrics.REPORTERS))

    # --- parameters ------------------------------------------------------------------------
    @classmethod
    def from_scenario(cls, scenario: Any, seed: int) -> TripleWinModel:
        """Build from a validated :class:`~sim.scenario.schema.Scenario` and a replication seed."""
        return cls(rng=seed, steps=scenario.run.steps, **scenario.model_params())

    def lever(self, name: str) -> float:
        """Value of a lever in the current quarter (schedules resolved)."""
        key = ("lever", name, self.step_index)
        v = self._resolved.get(key)
        if v is None:
            v = self._resolved[key] = value_at(self.levers[name], self.step_index,
                                               LEVERS[name].default)
        return v

    def uncertainty(self, name: str) -> float:
        """Value of an uncertainty in the current quarter (schedules resolved)."""
        key = ("world", name, self.step_index)
        v = self._resolved.get(key)
        if v is None:
            v = self._resolved[key] = value_at(self.world[name], self.step_index,
                                               UNCERTAINTIES[name].default)
        return v

    def set_lever(self, name: str, value: Any) -> None:
        """Change a lever (a number or a schedule) from the next lookup on, e.g. between steps
        in the classroom page."""
        if name not in LEVERS:
            raise KeyError(f"unknown lever {name!r}")
        self.levers[name] = value
        self._resolved.clear()

    def set_uncertainty(self, name: str, value: Any) -> None:
        """Change a schedulable uncertainty (a number or a schedule) from the next lookup on: a
        stance a government can take, such as investment screening in the class game."""
        p = UNCERTAINTIES.get(name)
        if p is None or not p.schedulable:
            raise KeyError(f"{name!r} is not an uncertainty that takes a schedule")
        self.world[name] = value
        self._resolved.clear()

    @property
    def quarter(self) -> str:
        """Calendar quarter of the step being simulated, e.g. ``2017Q3``."""
        return f"{START_YEAR + self.step_index // 4}Q{self.step_index % 4 + 1}"

    # --- initialisation --------------------------------------------------------------------
    def _build(self) -> None:
        r = self.streams["init"]
        w = self.world
        n_dev, n_dg = int(w["n_developed_hosts"]), int(w["n_developing_hosts"])
        n_h = n_dev + n_dg
        dev = np.arange(n_h) < n_dev
        size = np.where(dev, DEV_HOST_SIZE, DG_HOST_SIZE) * r.lognormal(-0.18, 0.6, n_h)
        base_barrier = np.where(
            dev, np.clip(self.uncertainty("initial_barrier") * r.uniform(0.7, 1.3, n_h), 0, 1),
            0.02)
        offset = np.where(dev, -1.0, r.normal(0.0, 0.15, n_h))
        self.debt_offset = np.where(dev, 0.0, r.lognormal(-0.1, 0.45, n_h))
        self.hosts = HostEconomies(
            developed=dev, size=size,
            price_weight=np.where(dev, r.uniform(0.4, 0.6, n_h), r.uniform(0.45, 0.75, n_h)),
            base_barrier=base_barrier, barrier=base_barrier.copy(),
            stability_offset=offset, instability=np.zeros(n_h), debt=np.zeros(n_h),
            gdp=np.where(dev, DEV_GDP_PER_SIZE, DG_GDP_PER_SIZE) * size,
            labour_cost=np.where(dev, r.uniform(2.5, 3.5, n_h), r.uniform(0.3, 0.8, n_h)),
            bit=np.zeros(n_h, bool),
            # developed hosts sign BITs in this order as coverage rises (others never)
            bit_rank=np.concatenate([r.permutation(n_dev), np.full(n_dg, n_h)]),
            cn_awarded=np.zeros(n_h), all_awarded=np.zeros(n_h), concern=np.zeros(n_h),
        )

        n_cn = int(w["n_cn_firms"])
        sector = r.permutation(np.arange(n_cn) % len(SECTORS))
        soe = np.zeros(n_cn, bool)
        soe[r.permutation(n_cn)[: round(float(w["soe_share"]) * n_cn)]] = True
        cap = SECTOR_CAPACITY[sector] * np.where(soe, 3.0, 0.5) * r.lognormal(-0.125, 0.5, n_cn)
        high_end = ~np.isin(sector, [SECTORS.index(s) for s in OVERCAPACITY])
        gap = self.uncertainty("tech_gap") * np.where(high_end, 1.0, 0.7)
        tech = np.clip(DV_TECH - gap + 0.03 * soe + r.normal(0, 0.05, n_cn), 0.05, 0.95)
        support = self.lever("state_support")
        self.cn = ChineseFirms(
            soe=soe, sector=sector, cap_home=cap, cap_park=np.zeros(n_cn),
            cap_dev=np.zeros(n_cn), park_host=np.full(n_cn, -1), dev_host=np.full(n_cn, -1),
            base_cost=DV_UNIT_COST * (1 - self.uncertainty("cost_advantage"))
            * r.uniform(0.9, 1.1, n_cn),
            tech=tech, brand=np.clip(np.where(soe, 0.3, 0.15) + r.normal(0, 0.05, n_cn), 0, 1),
            cash=0.1 * cap, active=soe | (r.random(n_cn) < 0.2 + 0.3 * support),
        )
        self.initial_capacity = float(cap.sum())
        self.tech_start = tech.copy()
        self.cap_home0 = np.bincount(sector, weights=cap, minlength=len(SECTORS))

        n_dv = int(w["n_dv_firms"])
        dv_sector = r.permutation(np.arange(n_dv) % len(SECTORS))
        self.dv = DevelopedFirms(
            home=r.integers(0, max(n_dev, 1), n_dv), sector=dv_sector,
            tech=np.clip(DV_TECH + r.normal(0, 0.03, n_dv), 0.5, 0.99),
            brand=r.uniform(0.6, 0.9, n_dv), base_cost=DV_UNIT_COST * r.uniform(0.95, 1.05, n_dv),
            capacity=SECTOR_CAPACITY[dv_sector] * r.lognormal(-0.125, 0.5, n_dv),
            partner_willingness=r.uniform(0.3, 0.9, n_dv),
            transfer_willingness=r.uniform(0.2, 0.8, n_dv),
        )

        # developing-country firms: drawn from their own stream, so that adding them leaves
        # every other agent's initial draw unchanged
        rl = self.streams["local"]
        per = int(w["dg_firms_per_host"])
        dg_hosts = np.flatnonzero(~dev)
        home = np.repeat(dg_hosts, per)
        n_dg = home.size
        mix = np.cumsum(tendering_m.SECTOR_MIX_DEVELOPING)
        dg_sector = np.minimum(np.searchsorted(mix / mix[-1], rl.random(n_dg), side="right"),
                               len(SECTORS) - 1).astype(np.int64)
        self.dg = DevelopingFirms(
            home=home, sector=dg_sector,
            tech=np.clip(DG_TECH + rl.normal(0, 0.05, n_dg), 0.05, 0.9),
            capacity=DG_CAPACITY * rl.lognormal(-0.125, 0.5, n_dg),
            base_cost=local_m.unit_cost(DV_UNIT_COST, self.hosts.labour_cost[home])
            * rl.uniform(0.95, 1.05, n_dg),
            cash=np.zeros(n_dg), partner=np.full(n_dg, -1),
        )
        self.local_enforcement = np.where(dev, 0.0, float(self.k.local_enforcement_base))

        # lenders: the Chinese policy banks, the joint funds, the multilateral lenders
        self.lenders = Lenders(
            rate=np.array(lending_m.RATES), tenor=np.array(lending_m.TENORS, dtype=float),
            willingness=np.ones(3), exposure=np.zeros((3, n_h)), lent=np.zeros(3),
            written_off=np.zeros(3), repaid=np.zeros(3))
        self.unused_credit = 0.0  # policy-bank credit not drawn last quarter, USD bn

        # Mesa agents: thin views on the arrays, grouped in AgentSets
        for i in range(n_h):
            HostEconomy(self, i)
        for i in range(n_cn):
            ChineseFirm(self, i)
        for i in range(n_dv):
            DevelopedFirm(self, i)
        for i in range(n_dg):
            DevelopingFirm(self, i)
        for i in range(self.lenders.n):
            Lender(self, i)
        for s, name in enumerate(SECTORS):
            IndustrialAssociation(self, s, name)
        self.associations = self.agents_by_type[IndustrialAssociation]
        #: Sectors with an industrial association (that can coordinate its members' bids).
        self.association_sectors = np.zeros(len(SECTORS), bool)
        self.association_sectors[self.associations.get("sector")] = True
        # traits fixed for the run, of which the arrays keep derived views (masks, cells)
        freeze(self.hosts.developed, self.dg.home, self.dg.sector, self.dv.sector)
        # markup propensities of every kind of bidder, by situation (modified Roth-Erev)
        k = self.k
        self.learners = learning.Learners.create(
            {"cn": n_cn, "dv": n_dv, "assoc": len(SECTORS), "dg": self.dg.n},
            learning.markup_grid(k.markup_max, k.markup_step), initial=k.initial_propensity,
            customary=k.customary_markup, spread=k.prior_spread)

        # time-varying aggregates
        self.labour_index = 1.0
        self.utilization = np.zeros(len(SECTORS))
        self.tech0 = None  # capacity-weighted Chinese technology at the start, set on record
        self.window = Window(4)  # flows of the trailing year
        self.host_window: deque[tuple[np.ndarray, np.ndarray]] = deque(maxlen=4)
        self.local_window: deque[np.ndarray] = deque(maxlen=4)  # local work per host
        # distressed and all project value per host, trailing year
        self.distress_window: deque[tuple[np.ndarray, np.ndarray]] = deque(maxlen=4)
        self.totals = Totals()  # running totals since the start
        self.latest_quarter: Quarter | None = None  # the record of the latest quarter
        self.latest: dict[str, float] = {}

    # --- dynamics ----------------------------------------------------------------------------
    def step(self) -> None:
        """One quarter: the phases of :data:`sim.schedule.PHASES`, in order, each given the
        quarter's record (:class:`sim.books.Quarter`), then record."""
        self.step_index = self.steps - 1
        self._resolved.clear()
        self.latest_quarter = q = Quarter(index=self.step_index)
        for _name, phase in schedule.PHASES:
            phase(self, q)
        if self.steps >= self.n_steps:
            self.running = False

    def record(self) -> None:
        """Compute every metric (phase 10) and hand them to the Mesa data collector."""
        self.latest = metrics.compute(self)
        self.history.append(self.latest)
        self.datacollector.collect(self)

    def run(self) -> list[dict[str, float]]:
        """Run all steps; returns the metric rows, one per step."""
        while self.running:
            self.step()
        return self.history
