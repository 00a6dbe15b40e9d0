"""Phases 4 and 5 of a quarter: the award of each tender, and the payment of the contracts.

:func:`award`: every tender goes to its best-scoring eligible bid (screening, reserve price,
tied credit; :mod:`sim.mechanisms.award`). :func:`pay`: revenue and cost are booked to the
winners and their local subcontractors, payment distress and the joint fund's backing settle
(:mod:`sim.mechanisms.finance`), licensing fees are paid in consortia, the lenders lend on the
projects (:func:`_lend`, :mod:`sim.mechanisms.lending`), bidders learn from the result, and the
quarter's flows and running totals are written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..agents import lender as lender_a
from ..books import Members, Quarter, Settlement
from ..mechanisms import award as award_m
from ..mechanisms import environment as env_m
from ..mechanisms import finance
from ..mechanisms import lending as lending_m
from ..mechanisms import local as local_m
from ..mechanisms import reputation as rep_m
from ..mechanisms import technology as tech_m
from ..mechanisms.accounts import members, sum_by
from ..scenario.params import HIGH_END, SECTORS
from .bids import learn_markups

if TYPE_CHECKING:
    from ..model import TripleWinModel

_HIGH = np.array([s in HIGH_END for s in SECTORS])
_POWER = SECTORS.index("power")


def quality_value(value: np.ndarray, tech: np.ndarray, *, project_value: float,
                  reference_tech: float) -> np.ndarray:
    """What a project is worth to its host: ``project_value`` times the budget, scaled by the
    delivered technology against the reference technology the budget was priced at."""
    return project_value * value * (0.4 + 0.6 * tech) / (0.4 + 0.6 * reference_tech)


def award(m: TripleWinModel, q: Quarter) -> None:
    """Phase 4: every tender goes to its best-scoring eligible bid."""
    t, b, h, k = q.tenders, q.bids, m.hosts, m.k
    host = t.host[b.tender]
    dev = t.developed[b.tender]
    barrier = np.where(dev & b.is_cn, k.barrier_weight * h.barrier[host], 0.0)
    barrier *= np.where(b.plant, k.plant_barrier_factor, 1.0)
    barrier *= np.where(b.trilateral, k.trilateral_barrier_factor, 1.0)
    gap = np.where(b.is_cn, q.compliance_gap[t.sector[b.tender]], 0.0)
    gap *= np.where(b.trilateral, k.trilateral_compliance, 1.0)
    fund_bonus = np.where(b.trilateral & ~dev & (m.lever("joint_fund") > 0), k.fund_bonus, 0.0)
    rng = m.streams["award"]
    gumbel = rng.gumbel(size=b.n)
    # screening above a host's base barrier turns Chinese bids away outright (security reviews,
    # procurement bans that reach local plants too, F14); a developed partner softens it
    # (the share of the way from the host's base barrier to a full ban)
    base = h.base_barrier[host]
    screened = np.clip((h.barrier[host] - base) / np.maximum(1.0 - base, 1e-9), 0.0, 1.0)
    screened *= np.where(b.trilateral, k.trilateral_barrier_factor, 1.0)
    turned_away = dev & b.is_cn & (rng.random(b.n) < screened)
    value = t.value[b.tender]
    score = award_m.scores(
        price_ratio=q.price / value, tech=b.tech, brand=b.brand,
        price_weight=t.price_weight[b.tender], compliance_gap=gap, barrier=barrier,
        fund_bonus=fund_bonus, gumbel=gumbel, brand_weight=k.brand_weight, noise=k.award_noise)
    # a host refuses bids above its reserve price (its valuation of the project): a tender
    # without a bid under it is not awarded (F13, Mexico high-speed rail)
    reserve = award_m.reserve_price(t.value, k.reserve_ratio)
    eligible = (b.live & (b.tech >= t.min_tech[b.tender]) & ~turned_away
                & award_m.within_reserve(q.price, b.tender, reserve))
    eligible &= ~t.tied[b.tender] | b.is_cn  # tied credit pays Chinese contractors only
    q.winner = award_m.best_per_tender(b.tender, score, eligible, t.n)
    out = award_m.priced_out(b.tender, b.live, q.winner) & ~t.developed
    q.flow.dg_priced_out = float(t.value[out].sum())


def pay(m: TripleWinModel, q: Quarter) -> None:
    """Phase 5: revenue and cost booked; payment distress; joint fund; licensing fees."""
    t, b, h, cn, dv = q.tenders, q.bids, m.hosts, m.cn, m.dv
    won_t = np.flatnonzero(q.winner >= 0)
    w = q.winner[won_t]
    price, markup = q.price[w], q.markup[w]
    f = b.cn_frac[w]
    host = t.host[won_t]
    dev = t.developed[won_t]
    tri = b.trilateral[w]
    backed = finance.fund_backing(price, tri & ~dev, m.lever("joint_fund") / 4.0)
    p_d = np.where(dev, 0.0, q.p_distress[host])
    distressed, loss, fund_loss = finance.settle(
        price=price, p_distress=p_d, u=t.u_payment[won_t], backed=backed,
        writeoff=m.uncertainty("writeoff_share"))
    value = t.value[won_t]
    sec = t.sector[won_t]

    # local work: the planned share, as far as local firms of the cell have capacity left after
    # their own contracts; the winner does the rest itself at its own cost
    lf = m.dg  # the local (developing-country) firms
    n_cells = h.n * len(SECTORS)
    cell = local_m.cells(host, sec, len(SECTORS))
    dg_cell = local_m.cells(lf.home, lf.sector, len(SECTORS))
    dg_win = b.dg[w] >= 0
    np.add.at(lf.revenue, b.dg[w][dg_win], price[dg_win])
    free = np.maximum(lf.capacity - lf.revenue, 0.0)
    cell_free = sum_by(dg_cell, free, n_cells)
    lp = q.local_price[cell]
    planned = q.local_share[w]
    fill = local_m.fill(sum_by(cell, planned * value * lp, n_cells), cell_free)[cell]
    local_share = planned * fill
    sub = local_share * value * lp  # paid to local firms
    margin = price - value * local_m.blended_cost(q.own_cost[w], local_share, lp)
    winner_part = np.where(price > 0, 1.0 - sub / np.maximum(price, 1e-12), 1.0)

    # licensing fees inside trilateral consortia, paid by the Chinese side to the partner
    mult = tech_m.ipr_multiplier(m.lever("ipr_protection"), m.uncertainty("ipr_elasticity"))
    intensity = np.where(tri, tech_m.transfer_intensity(
        dv.transfer_willingness[np.maximum(b.dv[w], 0)], m.lever("ipr_protection")), 0.0)
    fee = np.where(tri, tech_m.licence_fee(f * price, intensity, mult, m.k.licence_rate), 0.0)

    # book to Chinese firms (members share by capacity)
    rows, firms, share = members(b, w)
    index_of = np.full(b.n, -1)
    index_of[w] = np.arange(w.size)
    k = index_of[rows]
    own_loss = winner_part * loss  # the winner's side bears its part of the loss
    cn_rev = share * f[k] * (price[k] - sub[k])
    cn_profit = share * (f[k] * (margin[k] - own_loss[k]) - fee[k])
    np.add.at(cn.revenue, firms, cn_rev)
    np.add.at(cn.profit, firms, cn_profit)
    # book to developed firms (solo bids and trilateral partners)
    has_dv = b.dv[w] >= 0
    dvi = b.dv[w][has_dv]
    np.add.at(dv.revenue, dvi, ((1 - f) * (price - sub))[has_dv])
    np.add.at(dv.profit, dvi, ((1 - f) * (margin - own_loss) + fee)[has_dv])
    cn.cash += cn.profit
    # book to developing-country firms: their own contracts, then subcontracts shared in each
    # cell by free capacity (at the cell's subcontract price), with their part of any loss
    np.add.at(lf.profit, b.dg[w][dg_win], (margin - loss)[dg_win])
    portion = free / np.maximum(cell_free[dg_cell], 1e-12)
    lf.sub_revenue += sum_by(cell, sub, n_cells)[dg_cell] * portion
    lf.revenue += lf.sub_revenue
    lf.profit += (lf.sub_revenue * (local_m.SUB_MARGIN / (1.0 + local_m.SUB_MARGIN))
                  - sum_by(cell, loss - own_loss, n_cells)[dg_cell] * portion)
    lf.cash += lf.profit

    # every bidder learns from the quarter's result (realised profit of its whole bid)
    won = np.zeros(b.n, bool)
    won[w] = True
    bid_profit = np.zeros(b.n)
    bid_profit[w] = margin - loss
    learn_markups(m, q, won, bid_profit)

    # implementation problems (brand) per Chinese firm
    is_cn = b.is_cn[w]
    prob = rep_m.problem_probability(m.uncertainty("problem_rate"), b.tech[w])
    problem_any = t.u_problem[won_t] < prob
    problem = is_cn & problem_any
    # a developing host stops a project that goes bad (payment distress and a major problem)
    # instead of renegotiating it: the unbuilt rest is lost to it
    cancel = award_m.cancelled(distressed, problem_any) & ~dev
    successes = np.zeros(cn.n)
    failures = np.zeros(cn.n)
    np.add.at(successes, firms, share * ~problem[k])
    np.add.at(failures, firms, share * problem[k])

    # host records: value awarded, Chinese work share, new Chinese-financed debt
    cn_val = np.where(is_cn, f * (price - sub), 0.0)
    hv_all = sum_by(host, price, h.n)
    hv_cn = sum_by(host, cn_val, h.n)
    m.host_window.append((hv_cn, hv_all))
    h.cn_awarded = sum(x[0] for x in m.host_window)
    h.all_awarded = sum(x[1] for x in m.host_window)
    loans, loan_losses = _lend(m, q, won_t, host, dev, is_cn, backed, price, distressed)
    m.distress_window.append((sum_by(host, np.where(distressed, price, 0.0), h.n),
                              sum_by(host, np.where(dev, 0.0, price), h.n)))

    # price of Chinese winning bids in developed hosts against the cheapest non-Chinese rival
    rival = np.full(t.n, np.inf)
    other = b.live & ~b.is_cn
    np.minimum.at(rival, b.tender[other], q.price[other])
    contested = is_cn & dev & np.isfinite(rival[won_t])
    discount = 1.0 - price[contested] / rival[won_t][contested]

    # flows of the quarter
    tech = b.tech[w]
    qv = quality_value(value, tech, project_value=m.k.project_value,
                       reference_tech=m.k.reference_tech)
    qv = qv * np.where(cancel, 1.0 - m.uncertainty("writeoff_share"), 1.0)
    dg = ~dev
    # tenders that drew a Chinese bid, by kind
    cn_tender = np.zeros(t.n, bool)
    cn_tender[b.tender[b.live & b.is_cn]] = True
    cn_dev_bid = cn_tender & t.developed
    cn_power_bid = cn_tender & (t.sector == _POWER)
    fl = q.flow
    fl.awarded = float(price.sum())
    fl.cn_value = float(cn_val.sum())
    fl.cn_value_high = float(cn_val[_HIGH[sec]].sum())
    fl.dev_awarded = float(price[dev].sum())
    fl.dev_cn_value = float(cn_val[dev].sum())
    fl.dg_paid = float(price[dg].sum())
    fl.dg_value_tech = float((value * tech)[dg].sum())
    fl.dg_budget = float(value[dg].sum())
    fl.dg_price_tech = float((price * tech)[dg].sum())
    fl.cn_markup_sum = float(markup[is_cn].sum())
    fl.cn_wins = float(is_cn.sum())
    fl.cn_dev_bids = float(cn_dev_bid.sum())
    fl.cn_dev_wins = float((is_cn & dev).sum())
    fl.cn_power_bids = float(cn_power_bid.sum())
    fl.cn_power_wins = float((is_cn & (sec == _POWER)).sum())
    fl.trilateral_dg = float((tri & dg).sum())
    fl.dg_projects = float(dg.sum())
    fl.dg_distress_value = float(price[distressed & dg].sum())
    fl.cn_discount_sum = float(discount.sum())
    fl.cn_discount_n = float(discount.size)
    fl.dg_lending = float(loans[lender_a.POLICY_BANK].sum())
    fl.dg_loans = float(loans.sum())
    fl.dg_tied_value = float(price[t.tied[won_t]].sum())
    local_work = np.where(dg_win, price, sub)
    fl.dg_local_value = float(local_work[dg].sum())
    dv_part = (1 - f) * (price - sub)
    fl.dg_cancelled = fl.dg_priced_out + float(price[cancel].sum())
    c = m.totals
    c.cn_overseas_profit += float(cn_profit.sum())
    c.cn_distress_loss += float((f * own_loss).sum())
    c.dv_profit += float(dv.profit.sum())
    c.dv_licensing += float(fee.sum())
    c.dv_third_party_revenue += float(dv_part[dg].sum())
    c.dg_infrastructure += float((price * (1 - np.where(distressed,
                                  m.uncertainty("writeoff_share"), 0.0)))[dg].sum())
    c.dg_value += float(price[dg].sum())
    c.dg_cancelled += fl.dg_cancelled
    c.dg_distress_value += fl.dg_distress_value
    c.dg_procurement += float((qv - price)[dg].sum())
    c.dg_distress_cost += float(loss[dg].sum() + fund_loss[dg].sum())
    c.dv_host_surplus += float((qv - price)[dev].sum())
    c.trilateral_dg += fl.trilateral_dg
    c.dv_cn_value += fl.dev_cn_value
    c.dv_awarded += fl.dev_awarded
    c.trilateral_loss += float(loss[tri & dg].sum())
    c.fund_loss += float(fund_loss.sum())
    # idle overcapacity put to work: Chinese work in overcapacity sectors done at home
    home_share = cn.cap_home / np.maximum(cn.capacity, 1e-12)
    over = env_m.OVERCAPACITY_MASK[cn.sector]
    home_work = cn.revenue * home_share
    idle = cn.cap_home * (1.0 - m.utilization[cn.sector])
    c.idle_put_to_work += float(np.minimum(home_work, idle)[over].sum())
    c.dg_local_revenue += float(lf.revenue.sum())
    c.dg_local_profit += float(lf.profit.sum())
    m.local_window.append(sum_by(host, local_work, h.n))
    q.settlement = Settlement(
        won=won_t, rows=w, price=price, markup=markup, cn_frac=f, distressed=distressed,
        loss=loss, fund_loss=fund_loss, fee=fee, intensity=intensity, ipr_multiplier=mult,
        members=Members(award=k, firm=firms, share=share), successes=successes,
        failures=failures, loans=loans, loan_losses=loan_losses, local_share=local_share,
        local_pay=sub,
        home_work=sum_by(cn.sector, home_work, len(SECTORS)))


def _lend(m: TripleWinModel, q: Quarter, won_t: np.ndarray, host: np.ndarray, dev: np.ndarray,
          is_cn: np.ndarray, backed: np.ndarray, price: np.ndarray,
          distressed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loans on this quarter's projects in developing hosts (lenders x projects) and what the
    lenders write off on the distressed ones.

    ``FINANCED_SHARE`` of each project's price is borrowed: the joint funds lend on the part of
    trilateral projects they back; the policy banks on Chinese-involved projects (tied ones
    first) up to their credit this quarter; multilateral lenders on the others up to theirs.
    Disciplined lenders grant only what the debt rule lets them (multilateral lenders always
    apply it). A distressed project's loan is written down by the write-off share (F19), except
    the multilateral lenders' (preferred creditor status).
    """
    t, h, lenders = q.tenders, m.hosts, m.lenders
    ratio = q.service_ratio[host]
    discipline = lending_m.credit_cap(ratio, m.lever("lending_discipline"))
    request = np.where(dev, 0.0, finance.FINANCED_SHARE * price)
    fund = request * backed * discipline
    rest = request * (1.0 - backed)
    budget = {lender_a.POLICY_BANK: m.lever("policy_bank_lending"),
              lender_a.MULTILATERAL: m.uncertainty("multilateral_lending")}
    budget = {i: float(lenders.willingness[i]) * v / 4.0 for i, v in budget.items()}
    order = np.argsort(~t.tied[won_t], kind="stable")  # tied projects draw first
    policy = np.zeros(price.size)
    policy[order] = lending_m.ration(np.where(is_cn, rest * discipline, 0.0)[order],
                                     budget[lender_a.POLICY_BANK])
    multi = lending_m.ration(np.where(is_cn, 0.0, rest * lending_m.credit_cap(ratio, 1.0)),
                             budget[lender_a.MULTILATERAL])
    m.unused_credit = max(budget[lender_a.POLICY_BANK] - float(policy.sum()), 0.0)
    loans = np.stack([policy, fund, multi])
    losses = loans * np.where(distressed, m.uncertainty("writeoff_share"), 0.0)
    losses[lender_a.MULTILATERAL] = 0.0  # preferred creditors: their loans are not written down
    # outstanding loans per lender and host (one bincount over lender x host)
    lender_host = np.arange(lenders.n)[:, None] * h.n + host
    lenders.exposure += sum_by(lender_host.ravel(), (loans - losses).ravel(),
                               lenders.n * h.n).reshape(lenders.n, h.n)
    lenders.lent += loans.sum(axis=1)
    lenders.written_off += losses.sum(axis=1)
    return loans, losses
