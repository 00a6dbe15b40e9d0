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
    h.bit = h.bit_rank < round(m.lever("bit_coverage") * h.n_developed)
    h.instability = np.where(
        h.developing,
        np.minimum(np.maximum(m.uncertainty("instability") + h.stability_offset, 0), 1), 0.0)
    h.debt, q.service_ratio = host_debt(m)
    # the step's flows start at 0
    for flow in (m.cn.revenue, m.cn.profit, m.dv.revenue, m.dv.profit, m.dg.revenue,
                 m.dg.profit, m.dg.sub_revenue):
        flow.fill(0.0)


def host_debt(m: TripleWinModel) -> tuple[np.ndarray, np.ndarray]:
    """Each host's debt (its initial stock plus every lender's outstanding loans, over annual
    GDP) and its debt service against government revenue; 0 for developed hosts."""
    h = m.hosts
    old = m.uncertainty("debt_level") * m.debt_offset
    annual = 4.0 * h.gdp
    service = old * annual * lending_m.OLD_SERVICE + m.lenders.service()
    return (_debt(m, old, annual),
            np.where(h.developing, lending_m.service_ratio(service, h.gdp), 0.0))


def host_debt_level(m: TripleWinModel) -> np.ndarray:
    """Each host's debt alone, as :func:`host_debt` gives it (0 for developed hosts)."""
    return _debt(m, m.uncertainty("debt_level") * m.debt_offset, 4.0 * m.hosts.gdp)


def _debt(m: TripleWinModel, old: np.ndarray, annual: np.ndarray) -> np.ndarray:
    """Debt over annual GDP from the initial stock ``old`` and the lenders' exposure."""
    return np.where(m.hosts.developing, old + m.lenders.exposure.sum(axis=0) / annual, 0.0)


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
    distressed, value = np.zeros(h.n), np.zeros(h.n)  # over the trailing year
    for d, v in m.distress_window:
        distressed += d
        value += v
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
