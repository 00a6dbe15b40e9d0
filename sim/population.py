"""The population of a run at the start: hosts, firms, developing-country firms, lenders and
the bidders' markup propensities, drawn from the run's own ``init`` and ``local`` streams
(:func:`build_run`); :class:`sim.batch.Batch` puts the runs of a batch side by side.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from .agents import Lenders
from .mechanisms import learning
from .mechanisms import lending as lending_m
from .mechanisms import local as local_m
from .mechanisms import tendering as tendering_m
from .scenario.constants import CONSTANTS
from .scenario.params import OVERCAPACITY, SECTORS, WORLD

if TYPE_CHECKING:
    from .batch import Batch

_N_SECTORS = len(SECTORS)

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


def build_run(b: Batch, r: int) -> SimpleNamespace:
    """The agents of run ``r`` of ``b`` at the start, drawn from the run's own streams."""
    w = {k: b._world.raw[k][r] for k in WORLD}
    k = SimpleNamespace(**{n: getattr(b.k, n)[r].item() for n in CONSTANTS})

    def unc(name: str) -> float:
        return float(b._world.at(name, 0)[r])

    def lev(name: str) -> float:
        return float(b._levers.at(name, 0)[r])

    rng = b.streams["init"][r]
    n_dev, n_dg = int(w["n_developed_hosts"]), int(w["n_developing_hosts"])
    n_h = n_dev + n_dg
    dev = np.arange(n_h) < n_dev
    size = np.where(dev, DEV_HOST_SIZE, DG_HOST_SIZE) * rng.lognormal(-0.18, 0.6, n_h)
    base_barrier = np.where(
        dev, np.clip(unc("initial_barrier") * rng.uniform(0.7, 1.3, n_h), 0, 1), 0.02)
    offset = np.where(dev, -1.0, rng.normal(0.0, 0.15, n_h))
    out = SimpleNamespace()
    out.debt_offset = np.where(dev, 0.0, rng.lognormal(-0.1, 0.45, n_h))
    hosts = dict(
        developed=dev, size=size,
        price_weight=np.where(dev, rng.uniform(0.4, 0.6, n_h), rng.uniform(0.45, 0.75, n_h)),
        base_barrier=base_barrier, barrier=base_barrier.copy(),
        stability_offset=offset, instability=np.zeros(n_h), debt=np.zeros(n_h),
        gdp=np.where(dev, DEV_GDP_PER_SIZE, DG_GDP_PER_SIZE) * size,
        labour_cost=np.where(dev, rng.uniform(2.5, 3.5, n_h), rng.uniform(0.3, 0.8, n_h)),
        bit=np.zeros(n_h, bool),
        # developed hosts sign BITs in this order as coverage rises (others never)
        bit_rank=np.concatenate([rng.permutation(n_dev), np.full(n_dg, n_h)]),
        cn_awarded=np.zeros(n_h), all_awarded=np.zeros(n_h), concern=np.zeros(n_h),
    )
    out.hosts = Part(n_h, hosts)

    n_cn = int(w["n_cn_firms"])
    sector = rng.permutation(np.arange(n_cn) % _N_SECTORS)
    soe = np.zeros(n_cn, bool)
    soe[rng.permutation(n_cn)[: round(float(w["soe_share"]) * n_cn)]] = True
    cap = SECTOR_CAPACITY[sector] * np.where(soe, 3.0, 0.5) * rng.lognormal(-0.125, 0.5, n_cn)
    high_end = ~np.isin(sector, [SECTORS.index(s) for s in OVERCAPACITY])
    gap = unc("tech_gap") * np.where(high_end, 1.0, 0.7)
    tech = np.clip(DV_TECH - gap + 0.03 * soe + rng.normal(0, 0.05, n_cn), 0.05, 0.95)
    support = lev("state_support")
    out.cn = Part(n_cn, dict(
        soe=soe, sector=sector, cap_home=cap, cap_park=np.zeros(n_cn),
        cap_dev=np.zeros(n_cn), park_host=np.full(n_cn, -1), dev_host=np.full(n_cn, -1),
        base_cost=DV_UNIT_COST * (1 - unc("cost_advantage")) * rng.uniform(0.9, 1.1, n_cn),
        tech=tech, brand=np.clip(np.where(soe, 0.3, 0.15) + rng.normal(0, 0.05, n_cn), 0, 1),
        cash=0.1 * cap, active=soe | (rng.random(n_cn) < 0.2 + 0.3 * support),
    ))
    out.initial_capacity = float(cap.sum())
    out.tech_start = tech.copy()
    out.cap_home0 = np.bincount(sector, weights=cap, minlength=_N_SECTORS)

    n_dv = int(w["n_dv_firms"])
    dv_sector = rng.permutation(np.arange(n_dv) % _N_SECTORS)
    out.dv = Part(n_dv, dict(
        home=rng.integers(0, max(n_dev, 1), n_dv), sector=dv_sector,
        tech=np.clip(DV_TECH + rng.normal(0, 0.03, n_dv), 0.5, 0.99),
        brand=rng.uniform(0.6, 0.9, n_dv), base_cost=DV_UNIT_COST * rng.uniform(0.95, 1.05, n_dv),
        capacity=SECTOR_CAPACITY[dv_sector] * rng.lognormal(-0.125, 0.5, n_dv),
        partner_willingness=rng.uniform(0.3, 0.9, n_dv),
        transfer_willingness=rng.uniform(0.2, 0.8, n_dv),
    ))

    # developing-country firms: drawn from their own stream, so that adding them leaves every
    # other agent's initial draw unchanged
    rl = b.streams["local"][r]
    per = int(w["dg_firms_per_host"])
    home = np.repeat(np.flatnonzero(~dev), per)
    n_lf = home.size
    mix = np.cumsum(tendering_m.SECTOR_MIX_DEVELOPING)
    dg_sector = np.minimum(np.searchsorted(mix / mix[-1], rl.random(n_lf), side="right"),
                           _N_SECTORS - 1).astype(np.int64)
    out.dg = Part(n_lf, dict(
        home=home, sector=dg_sector,
        tech=np.clip(DG_TECH + rl.normal(0, 0.05, n_lf), 0.05, 0.9),
        capacity=DG_CAPACITY * rl.lognormal(-0.125, 0.5, n_lf),
        base_cost=local_m.unit_cost(DV_UNIT_COST, hosts["labour_cost"][home])
        * rl.uniform(0.95, 1.05, n_lf),
        cash=np.zeros(n_lf), partner=np.full(n_lf, -1),
    ))
    out.local_enforcement = np.where(dev, 0.0, float(k.local_enforcement_base))
    # lenders: the Chinese policy banks, the joint funds, the multilateral lenders
    out.lenders = Lenders(
        rate=np.array(lending_m.RATES), tenor=np.array(lending_m.TENORS, dtype=float),
        willingness=np.ones(3), exposure=np.zeros((3, n_h)), lent=np.zeros(3),
        written_off=np.zeros(3), repaid=np.zeros(3))
    out.k = k
    return out


class Part:
    """One run's arrays of one store, before the batch concatenates them."""

    def __init__(self, n: int, arrays: dict[str, np.ndarray]) -> None:
        self.n = n
        self.__dict__.update(arrays)


def learners(b: Batch, parts: list[SimpleNamespace]) -> learning.Learners:
    """Every bidder's markup propensities: the rows of each kind (Chinese firms, developed
    firms, associations, developing-country firms), run after run within a kind; each run's
    rows start from that run's prior."""
    k0 = parts[0].k
    grid = learning.markup_grid(k0.markup_max, k0.markup_step)
    kinds = {"cn": [p.cn.n for p in parts], "dv": [p.dv.n for p in parts],
             "assoc": [_N_SECTORS] * b.R, "dg": [p.dg.n for p in parts]}
    first = [learning.initial_propensities(1, grid, p.k.initial_propensity,
                                           p.k.customary_markup, p.k.prior_spread)
             for p in parts]
    cdf1 = [learning.cumulative(f) for f in first]
    C = learning.CONTEXTS
    offset, n, prop, cdf = {}, 0, [], []
    for kind, sizes in kinds.items():
        offset[kind] = n
        n += int(sum(sizes))
        for r, size in enumerate(sizes):
            prop.append(np.repeat(first[r], size * C, axis=0))
            cdf.append(np.repeat(cdf1[r], size * C, axis=0))
    L = learning.Learners(np.concatenate(prop), offset, grid, C, cdf=np.concatenate(cdf))
    # the run of each learner row, and each kind's first row of each run
    run = np.concatenate([np.repeat(np.arange(b.R), np.asarray(s) * C)
                          for s in kinds.values()])
    L.run = run
    L.run_offset = {kind: offset[kind] + np.concatenate([[0], np.cumsum(s)[:-1]])
                    for kind, s in kinds.items()}
    return L


