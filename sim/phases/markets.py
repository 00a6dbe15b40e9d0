"""Phases 1 and 2 of a quarter: the environment, and the tenders the hosts issue.

:func:`environment` sets home demand and utilisation, labour cost, SME participation, BITs and
host risk, and each developing host's debt and debt service (:func:`host_debt`, also read again
after the hosts' phase); :func:`tender` issues the quarter's tenders and the tied projects the
policy banks finance with last quarter's undrawn credit (:mod:`sim.mechanisms.tendering`,
:mod:`sim.mechanisms.lending`). The order of the phases is :data:`sim.schedule.PHASES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..books import Quarter
from ..mechanisms import environment as env_m
from ..mechanisms import finance, tendering
from ..mechanisms import lending as lending_m

if TYPE_CHECKING:
    from ..model import TripleWinModel

def environment(m: TripleWinModel, q: Quarter) -> None:
    """Phase 1: demand, utilisation, labour cost, participation, BITs, host risk."""
    if m.step_index > 0:
        m.labour_index *= 1.0 + m.uncertainty("labour_cost_growth")
    initial = np.where(env_m.OVERCAPACITY_MASK, m.uncertainty("initial_utilization"),
                       m.k.high_end_utilization)
    m.utilization = env_m.home_utilization(m.uncertainty("domestic_demand"), initial,
                                           m.uncertainty("demand_sensitivity"))
    u = m.streams["environment"].random(m.cn.n)
    m.cn.active = env_m.sme_participation(m.cn.active, m.cn.soe, u, m.lever("state_support"),
                                          entry=m.k.sme_entry,
                                          entry_support=m.k.sme_entry_support,
                                          leave_rate=m.k.sme_exit)
    h = m.hosts
    n_dev = int(h.developed.sum())
    h.bit = h.bit_rank < round(m.lever("bit_coverage") * n_dev)
    dg = ~h.developed
    h.instability = np.where(dg, np.clip(m.uncertainty("instability") + h.stability_offset, 0, 1),
                             0.0)
    h.debt, q.service_ratio = host_debt(m)
    m.cn.revenue[:] = 0.0
    m.cn.profit[:] = 0.0
    m.dv.revenue[:] = 0.0
    m.dv.profit[:] = 0.0
    m.dg.revenue[:] = 0.0
    m.dg.profit[:] = 0.0
    m.dg.sub_revenue[:] = 0.0


def host_debt(m: TripleWinModel) -> tuple[np.ndarray, np.ndarray]:
    """Each host's debt (its initial stock plus every lender's outstanding loans, over annual
    GDP) and its debt service against government revenue; 0 for developed hosts."""
    h = m.hosts
    dg = ~h.developed
    old = m.uncertainty("debt_level") * m.debt_offset
    annual = 4.0 * h.gdp
    debt = np.where(dg, old + m.lenders.exposure.sum(axis=0) / annual, 0.0)
    service = old * annual * lending_m.OLD_SERVICE + m.lenders.service()
    return debt, np.where(dg, lending_m.service_ratio(service, h.gdp), 0.0)


def tender(m: TripleWinModel, q: Quarter) -> None:
    """Phase 2: host economies issue this quarter's tenders; the policy banks offer the credit
    not drawn last quarter to developing hosts, which tender tied financed projects with it."""
    h = m.hosts
    volume = m.uncertainty("tender_volume")
    q.tenders = tendering.issue(
        m.streams["tendering"], size=h.size, developed=h.developed, price_weight=h.price_weight,
        volume=volume,
        third_party=m.lever("third_party_cooperation"), mean_value=m.k.mean_tender_value,
        base_rate=m.k.tender_rate)
    # credit goes where hosts are large, within the lenders' discipline, and where hosts still
    # want it after their own projects went bad
    distressed = sum((d for d, _v in m.distress_window), np.zeros(h.n))
    value = sum((v for _d, v in m.distress_window), np.zeros(h.n))
    share = np.divide(distressed, value, out=np.zeros(h.n), where=value > 0)
    offered = (lending_m.offer(m.unused_credit, np.where(h.developed, 0.0, h.size))
               * lending_m.credit_cap(q.service_ratio, m.lever("lending_discipline"))
               * lending_m.appetite(share))
    if offered.any() and volume > 0:
        extra = tendering.issue(
            m.streams["lending"], size=lending_m.tied_tender_size(
                offered, finance.FINANCED_SHARE, m.k.mean_tender_value, m.k.tender_rate,
                volume),
            developed=h.developed, price_weight=h.price_weight, volume=volume,
            third_party=m.lever("third_party_cooperation"), mean_value=m.k.mean_tender_value,
            base_rate=m.k.tender_rate)
        extra.tied[:] = True
        q.tenders = q.tenders.extended(extra)
