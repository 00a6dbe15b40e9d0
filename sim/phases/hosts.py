"""Phases 8 to 10 of a quarter: reputation, the hosts' and lenders' responses, the record.

:func:`reputation`: brand from campaigns, successes and failures
(:mod:`sim.mechanisms.reputation`). :func:`respond`: developed hosts screen
(:func:`sim.agents.host_economy.respond`), developing hosts enforce local content, lenders pull
back after losses and loans amortise. :func:`record`: wages and the value of upgrading accrue,
and every metric of :mod:`sim.metrics` is recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..agents import host_economy
from ..agents import lender as lender_a
from ..books import Quarter
from ..mechanisms import lending as lending_m
from ..mechanisms import local as local_m
from ..mechanisms import reputation as rep_m
from ..mechanisms import screening
from ..mechanisms.accounts import sum_by
from .markets import host_debt_level

if TYPE_CHECKING:
    from ..batch import Batch

def reputation(m: Batch, q: Quarter) -> None:
    """Phase 8: brand from campaigns, successes and failures."""
    cn, st, k = m.cn, q.settlement, m.k
    run = cn.run
    cn.brand = rep_m.next_brand(cn.brand, branding=m.at(m.lever("branding"), run), soe=cn.soe,
                                successes=st.successes, failures=st.failures,
                                rate=m.at(k.branding_rate, run),
                                success_gain=m.at(k.success_gain, run),
                                failure_loss=m.at(k.failure_loss, run))


def respond(m: Batch, q: Quarter) -> None:
    """Phase 9: developed hosts screen (each decides); developing-host debt evolves."""
    h, k = m.hosts, m.k
    hr = h.run
    dev = h.developed_index
    total = m.by_run(h.all_awarded[dev], hr[dev])
    market = np.divide(m.by_run(h.cn_awarded[dev], hr[dev]), total, out=np.zeros(m.R),
                       where=total > 0)
    cn = m.cn
    plants = cn.dev_host >= 0
    owned = sum_by(cn.dev_host[plants], cn.cap_dev[plants], h.n)
    volume = (m.at(k.tender_rate * m.uncertainty("tender_volume"), hr) * h.size
              * m.at(k.mean_tender_value, hr))
    observed = screening.observed_pressure(
        cn_share=h.cn_share(), market_share=market[hr], owned=owned, volume=volume,
        coordination=m.at(k.screening_coordination, hr),
        ownership_weight=m.at(k.ownership_weight, hr))
    dr = hr[dev]  # the run of each developed host
    host_economy.respond(h, observed=observed, attention=m.at(k.screening_attention, dr),
                         relax=m.at(k.screening_relax, dr), bit_cap=m.at(k.bit_cap, dr),
                         threshold=m.at(m.uncertainty("screening_threshold"), dr),
                         response=m.at(m.uncertainty("screening_response"), dr),
                         bit_effect=m.at(m.uncertainty("bit_effect"), dr))
    # developing hosts enforce their local-content rule as they see it met or not
    dg = h.developing
    gr = hr[dg]
    local = sum(m.local_window)
    observed = np.divide(local, h.all_awarded, out=np.zeros(h.n), where=h.all_awarded > 0)
    m.local_enforcement[dg] = local_m.next_enforcement(
        m.local_enforcement[dg], rule=m.at(m.lever("local_content"), gr),
        observed_share=observed[dg], base=m.at(k.local_enforcement_base, gr),
        rate=m.at(k.local_enforcement_rate, gr))
    # lenders pull back after losses and recover slowly; hosts pay interest and principal
    lenders, st, c = m.lenders, q.settlement, m.totals
    pr = q.tenders.run[st.won]
    lenders.willingness = lending_m.next_willingness(
        lenders.willingness, m.rows_by_run(st.loans, pr), m.rows_by_run(st.loan_losses, pr))
    interest = lenders.exposure * (lenders.rate / 4.0)[:, None]
    repaid = lenders.exposure / lenders.tenor[:, None]
    lenders.exposure -= repaid
    lenders.repaid += m.rows_by_run(repaid, hr)
    paid = m.rows_by_run(interest, hr)  # lenders x runs
    c.dg_interest += paid.sum(axis=0)
    c.policy_interest += paid[lender_a.POLICY_BANK]
    c.fund_interest += paid[lender_a.JOINT_FUND]
    lost = m.rows_by_run(st.loan_losses, pr)
    c.policy_writeoff += lost[lender_a.POLICY_BANK]
    c.fund_writeoff += lost[lender_a.JOINT_FUND]
    c.loan_writeoff += lost.sum(axis=0)
    h.debt = host_debt_level(m)


def record(m: Batch, q: Quarter) -> None:
    """Phase 10: accrue wages and the value of upgrading, then record every metric."""
    cn, c, k = m.cn, m.totals, m.k
    run = cn.run
    c.dg_wages += k.jobs_park * m.by_run(cn.cap_park, run) * k.wage_dg
    c.dv_wages += k.jobs_dev * m.by_run(cn.cap_dev, run) * k.wage_dv
    c.dg_local_wages += local_m.JOBS_LOCAL * m.by_run(m.dg.revenue, m.dg.run) * k.wage_dg
    cap = cn.capacity
    total = m.by_run(cap, run)
    tech = m.by_run(cn.tech * cap, run) / np.maximum(total, 1e-12)
    if m.tech0 is None:
        m.tech0 = m.by_run(m.tech_start * cap, run) / np.maximum(total, 1e-12)
    c.tech_value += m.uncertainty("tech_value") * (tech - m.tech0) * total
    m.window.append(q.flow)
    m.record()
