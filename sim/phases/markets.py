"""Phases 1 and 2 of a quarter: the environment, and the tenders the hosts issue.

:func:`environment` sets home demand and utilisation, labour cost, SME participation, BITs and
host risk, and each developing host's debt and debt service (:func:`host_debt`; the debt alone,
:func:`host_debt_level`, is read again after the hosts' phase); :func:`tender` issues the
quarter's tenders and the tied projects the policy banks finance with last quarter's undrawn
credit (:mod:`sim.mechanisms.tendering`, :mod:`sim.mechanisms.lending`). The order of the phases is :data:`sim.schedule.PHASES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..books import Quarter
from ..mechanisms import environment as env_m
from ..mechanisms import finance, tendering
from ..mechanisms import lending as lending_m

if TYPE_CHECKING:
    from ..batch import Batch

def environment(m: Batch, q: Quarter) -> None:
    """Phase 1: demand, utilisation, labour cost, participation, BITs, host risk."""
    if m.step_index > 0:
        m.labour_index = m.labour_index * (1.0 + m.uncertainty("labour_cost_growth"))
    over = env_m.OVERCAPACITY_MASK[None, :]
    initial = np.where(over, m.uncertainty("initial_utilization")[:, None],
                       m.k.high_end_utilization[:, None])
    m.utilization = env_m.home_utilization(
        m.uncertainty("domestic_demand")[:, None], initial,
        m.uncertainty("demand_sensitivity")[:, None]).ravel()  # by (run, sector)
    cn = m.cn
    u = m.streams["environment"].random(m.sizes.cn)
    run = cn.run
    m.cn.active = env_m.sme_participation(cn.active, cn.soe, u, m.lever("state_support")[run],
                                          entry=m.k.sme_entry[run],
                                          entry_support=m.k.sme_entry_support[run],
                                          leave_rate=m.k.sme_exit[run])
    h = m.hosts
    signed = np.round(m.lever("bit_coverage") * m.sizes.developed)
    h.bit = h.bit_rank < signed[h.run]
    h.instability = np.where(
        h.developing,
        np.minimum(np.maximum(m.uncertainty("instability")[h.run] + h.stability_offset, 0), 1),
        0.0)
    h.debt, q.service_ratio = host_debt(m)
    # the step's flows start at 0
    for flow in (m.cn.revenue, m.cn.profit, m.dv.revenue, m.dv.profit, m.dg.revenue,
                 m.dg.profit, m.dg.sub_revenue):
        flow.fill(0.0)


def host_debt(m: Batch) -> tuple[np.ndarray, np.ndarray]:
    """Each host's debt (its initial stock plus every lender's outstanding loans, over annual
    GDP) and its debt service against government revenue; 0 for developed hosts."""
    h = m.hosts
    old = m.uncertainty("debt_level")[h.run] * m.debt_offset
    annual = 4.0 * h.gdp
    service = old * annual * lending_m.OLD_SERVICE + m.lenders.service()
    return (_debt(m, old, annual),
            np.where(h.developing, lending_m.service_ratio(service, h.gdp), 0.0))


def host_debt_level(m: Batch) -> np.ndarray:
    """Each host's debt alone, as :func:`host_debt` gives it (0 for developed hosts)."""
    h = m.hosts
    return _debt(m, m.uncertainty("debt_level")[h.run] * m.debt_offset, 4.0 * h.gdp)


def _debt(m: Batch, old: np.ndarray, annual: np.ndarray) -> np.ndarray:
    """Debt over annual GDP from the initial stock ``old`` and the lenders' exposure."""
    return np.where(m.hosts.developing, old + m.lenders.exposure.sum(axis=0) / annual, 0.0)


def tender(m: Batch, q: Quarter) -> None:
    """Phase 2: host economies issue this quarter's tenders; the policy banks offer the credit
    not drawn last quarter to developing hosts, which tender tied financed projects with it.

    Each run issues its tenders from its own stream (:func:`sim.mechanisms.tendering.issue_runs`);
    the batch's tenders are the runs' tenders one run after the other, hosts numbered
    globally."""
    h = m.hosts
    volume = m.uncertainty("tender_volume")
    third = m.lever("third_party_cooperation")
    k = m.k
    # credit goes where hosts are large, within the lenders' discipline, and where hosts still
    # want it after their own projects went bad
    distressed, value = np.zeros(h.n), np.zeros(h.n)  # over the trailing year
    for d, v in m.distress_window:
        distressed += d
        value += v
    share = np.divide(distressed, value, out=np.zeros(h.n), where=value > 0)
    offer = lending_m.offer(m.unused_credit, np.where(h.developed, 0.0, h.size), h.run, m.R)
    offered = (offer * lending_m.credit_cap(q.service_ratio,
                                            m.lever("lending_discipline")[h.run])
               * lending_m.appetite(share))
    any_offer = np.bincount(h.run, weights=offered != 0, minlength=m.R) > 0
    common = dict(size=h.size, developed=h.developed, price_weight=h.price_weight,
                  host_offset=m.h_off, host_count=m.sizes.hosts, volume=volume,
                  third_party=third, mean_value=k.mean_tender_value, base_rate=k.tender_rate)
    parts = [tendering.issue_runs(m.streams["tendering"].generators, np.arange(m.R), **common)]
    tied_runs = np.flatnonzero(any_offer & (volume > 0))
    if tied_runs.size:
        # a run's extra tenders are sized so that their expected budget is the project value
        # the offered credit finances
        size = lending_m.tied_tender_size(offered, finance.FINANCED_SHARE,
                                          k.mean_tender_value[h.run], k.tender_rate[h.run],
                                          volume[h.run])
        extra = tendering.issue_runs(m.streams["lending"].generators, tied_runs,
                                     **(common | dict(size=size)))
        extra.tied[:] = True
        parts.append(extra)
    q.tenders = tendering.Tenders.of_runs(parts, m.R)
