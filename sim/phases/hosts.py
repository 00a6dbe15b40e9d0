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
    from ..model import TripleWinModel

def reputation(m: TripleWinModel, q: Quarter) -> None:
    """Phase 8: brand from campaigns, successes and failures."""
    cn, st = m.cn, q.settlement
    cn.brand = rep_m.next_brand(cn.brand, branding=m.lever("branding"), soe=cn.soe,
                                successes=st.successes, failures=st.failures,
                                rate=m.k.branding_rate, success_gain=m.k.success_gain,
                                failure_loss=m.k.failure_loss)


def respond(m: TripleWinModel, q: Quarter) -> None:
    """Phase 9: developed hosts screen (each decides); developing-host debt evolves."""
    h = m.hosts
    dev = h.developed
    total = float(h.all_awarded[dev].sum())
    market = float(h.cn_awarded[dev].sum()) / total if total > 0 else 0.0
    cn = m.cn
    plants = cn.dev_host >= 0
    owned = sum_by(cn.dev_host[plants], cn.cap_dev[plants], h.n)
    volume = m.k.tender_rate * m.uncertainty("tender_volume") * h.size * m.k.mean_tender_value
    observed = screening.observed_pressure(
        cn_share=h.cn_share(), market_share=market, owned=owned, volume=volume,
        coordination=m.k.screening_coordination, ownership_weight=m.k.ownership_weight)
    host_economy.respond(h, observed=observed, attention=m.k.screening_attention,
                         relax=m.k.screening_relax, bit_cap=m.k.bit_cap,
                         threshold=m.uncertainty("screening_threshold"),
                         response=m.uncertainty("screening_response"),
                         bit_effect=m.uncertainty("bit_effect"))
    # developing hosts enforce their local-content rule as they see it met or not
    dg = h.developing
    local = sum(m.local_window)
    observed = np.divide(local, h.all_awarded, out=np.zeros(h.n), where=h.all_awarded > 0)
    m.local_enforcement[dg] = local_m.next_enforcement(
        m.local_enforcement[dg], rule=m.lever("local_content"), observed_share=observed[dg],
        base=m.k.local_enforcement_base, rate=m.k.local_enforcement_rate)
    # lenders pull back after losses and recover slowly; hosts pay interest and principal
    lenders, st, c = m.lenders, q.settlement, m.totals
    lenders.willingness = lending_m.next_willingness(
        lenders.willingness, st.loans.sum(axis=1), st.loan_losses.sum(axis=1))
    interest = lenders.exposure * (lenders.rate / 4.0)[:, None]
    repaid = lenders.exposure / lenders.tenor[:, None]
    lenders.exposure -= repaid
    lenders.repaid += repaid.sum(axis=1)
    c.dg_interest += float(interest.sum())
    c.policy_interest += float(interest[lender_a.POLICY_BANK].sum())
    c.fund_interest += float(interest[lender_a.JOINT_FUND].sum())
    c.policy_writeoff += float(st.loan_losses[lender_a.POLICY_BANK].sum())
    c.fund_writeoff += float(st.loan_losses[lender_a.JOINT_FUND].sum())
    c.loan_writeoff += float(st.loan_losses.sum())
    h.debt = host_debt_level(m)


def record(m: TripleWinModel, q: Quarter) -> None:
    """Phase 10: accrue wages and the value of upgrading, then record every metric."""
    cn, c = m.cn, m.totals
    c.dg_wages += m.k.jobs_park * float(cn.cap_park.sum()) * m.k.wage_dg
    c.dv_wages += m.k.jobs_dev * float(cn.cap_dev.sum()) * m.k.wage_dv
    c.dg_local_wages += local_m.JOBS_LOCAL * float(m.dg.revenue.sum()) * m.k.wage_dg
    cap = cn.capacity
    total = cap.sum()
    tech = float((cn.tech * cap).sum() / max(total, 1e-12))
    if m.tech0 is None:
        m.tech0 = float((m.tech_start * cap).sum() / max(total, 1e-12))
    c.tech_value += (m.uncertainty("tech_value") * (tech - m.tech0)
                     * float(total))
    m.window.append(q.flow)
    m.record()
