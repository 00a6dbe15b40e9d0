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
    from ..batch import Batch

_HIGH = np.array([s in HIGH_END for s in SECTORS])
_POWER = SECTORS.index("power")


def quality_value(value: np.ndarray, tech: np.ndarray, *, project_value: float,
                  reference_tech: float) -> np.ndarray:
    """What a project is worth to its host: ``project_value`` times the budget, scaled by the
    delivered technology against the reference technology the budget was priced at."""
    return project_value * value * (0.4 + 0.6 * tech) / (0.4 + 0.6 * reference_tech)


def award(m: Batch, q: Quarter) -> None:
    """Phase 4: every tender goes to its best-scoring eligible bid."""
    t, b, h, k = q.tenders, q.bids, m.hosts, m.k
    br = b.run
    host = t.host[b.tender]
    dev = t.developed[b.tender]
    host_barrier = h.barrier[host]
    any_tri = bool(b.trilateral.any())  # trilateral consortia bid (else their factors are 1)
    cn_dev = dev & b.is_cn  # Chinese bids in developed hosts
    barrier = np.where(cn_dev, m.at(k.barrier_weight, br) * host_barrier, 0.0)
    barrier *= np.where(b.plant, m.at(k.plant_barrier_factor, br), 1.0)
    gap = np.where(b.is_cn, q.compliance_gap[t.rsector[b.tender]], 0.0)
    if any_tri:
        # a trilateral consortium faces only part of the barrier, of the compliance gap and
        # of the screening
        tri_factor = np.where(b.trilateral, m.at(k.trilateral_barrier_factor, br), 1.0)
        barrier *= tri_factor
        gap *= np.where(b.trilateral, m.at(k.trilateral_compliance, br), 1.0)
    fund = m.lever("joint_fund") > 0
    if any_tri and fund.any():  # a joint fund backs trilateral bids in developing hosts
        fund_bonus = np.where(b.trilateral & ~dev & fund[br], m.at(k.fund_bonus, br), 0.0)
    else:  # no joint fund or no trilateral bid: no bonus for anyone
        fund_bonus = np.zeros(b.n)
    rng = m.streams["award"]
    gumbel = m.in_run_order(br, rng.gumbel)
    # screening above a host's base barrier turns Chinese bids away outright (security reviews,
    # procurement bans that reach local plants too, F14); a developed partner softens it
    # (the share of the way from the host's base barrier to a full ban)
    base = h.base_barrier[host]
    screened = np.minimum(np.maximum((host_barrier - base) / np.maximum(1.0 - base, 1e-9), 0.0),
                          1.0)
    if any_tri:
        screened *= tri_factor
    turned_away = cn_dev & (m.in_run_order(br, rng.random) < screened)
    value = t.value[b.tender]
    score = award_m.scores(
        price_ratio=q.price / value, tech=b.tech, brand=b.brand,
        price_weight=t.price_weight[b.tender], compliance_gap=gap, barrier=barrier,
        fund_bonus=fund_bonus, gumbel=gumbel, brand_weight=m.at(k.brand_weight, br),
        noise=m.at(k.award_noise, br))
    # a host refuses bids above its reserve price (its valuation of the project): a tender
    # without a bid under it is not awarded (F13, Mexico high-speed rail)
    eligible = (b.live & (b.tech >= t.min_tech[b.tender]) & ~turned_away
                & (q.price <= award_m.reserve_price(value, m.at(k.reserve_ratio, br))))
    if t.tied.any():
        eligible &= ~t.tied[b.tender] | b.is_cn  # tied credit pays Chinese contractors only
    q.winner = award_m.best_per_tender(b.tender, score, eligible, t.n)
    out = award_m.priced_out(b.tender, b.live, q.winner) & ~t.developed
    q.flow.dg_priced_out = m.by_run(t.value[out], t.run[out])


def pay(m: Batch, q: Quarter) -> None:
    """Phase 5: revenue and cost booked; payment distress; joint fund; licensing fees."""
    t, b, h, cn, dv, k = q.tenders, q.bids, m.hosts, m.cn, m.dv, m.k
    won_t = np.flatnonzero(q.winner >= 0)
    w = q.winner[won_t]
    pr = t.run[won_t]  # the run of each project (projects come run after run)
    price, markup = q.price[w], q.markup[w]
    f = b.cn_frac[w]
    host = t.host[won_t]
    dev = t.developed[won_t]
    dg = ~dev
    tri = b.trilateral[w]
    dg_firm, dv_firm = b.dg[w], b.dv[w]  # the winner's developing / developed firm, or -1
    writeoff = m.uncertainty("writeoff_share")
    wo = m.at(writeoff, pr)
    backed = finance.fund_backing(price, tri & dg, m.lever("joint_fund")[pr] / 4.0,
                                  run=pr, n_runs=m.R)
    p_d = np.where(dev, 0.0, q.p_distress[host])
    distressed, loss, fund_loss = finance.settle(
        price=price, p_distress=p_d, u=t.u_payment[won_t], backed=backed, writeoff=wo)
    value = t.value[won_t]
    sec = t.sector[won_t]

    # local work: the planned share, as far as local firms of the cell have capacity left after
    # their own contracts; the winner does the rest itself at its own cost
    lf = m.dg  # the local (developing-country) firms
    n_cells = h.n * len(SECTORS)
    cell = local_m.cells(host, sec, len(SECTORS))
    dg_cell = lf.cell
    dg_win = dg_firm >= 0
    dg_own = dg_firm[dg_win]
    np.add.at(lf.revenue, dg_own, price[dg_win])
    free = np.maximum(lf.capacity - lf.revenue, 0.0)
    cell_free = sum_by(dg_cell, free, n_cells)
    lp = q.local_price[cell]
    planned = q.local_share[w]
    fill = local_m.fill(sum_by(cell, planned * value * lp, n_cells), cell_free)[cell]
    local_share = planned * fill
    sub = local_share * value * lp  # paid to local firms
    net = price - sub  # what stays with the winner's side
    margin = price - value * local_m.blended_cost(q.own_cost[w], local_share, lp)
    winner_part = np.where(price > 0, 1.0 - sub / np.maximum(price, 1e-12), 1.0)
    own_loss = winner_part * loss  # the winner's side bears its part of the loss
    kept = margin - own_loss

    # licensing fees inside trilateral consortia, paid by the Chinese side to the partner
    ipr = m.lever("ipr_protection")
    mult = tech_m.ipr_multiplier(ipr, m.uncertainty("ipr_elasticity"))  # per run
    any_tri = bool(tri.any())
    if any_tri:
        intensity = np.where(tri, tech_m.transfer_intensity(
            dv.transfer_willingness[np.maximum(dv_firm, 0)], m.at(ipr, pr)), 0.0)
        fee = np.where(tri, tech_m.licence_fee(f * price, intensity, m.at(mult, pr),
                                               m.at(k.licence_rate, pr)), 0.0)
    else:  # no consortium won: no transfer, no fee
        intensity, fee = np.zeros(w.size), np.zeros(w.size)

    # book to Chinese firms (members share by capacity)
    won = np.zeros(b.n, bool)
    won[w] = True
    rows, firms, share = members(b, w, won=won)
    index_of = np.full(b.n, -1)
    index_of[w] = np.arange(w.size)
    kk = index_of[rows]
    cn_rev = share * f[kk] * net[kk]
    cn_profit = share * (f * kept - fee)[kk]
    np.add.at(cn.revenue, firms, cn_rev)
    np.add.at(cn.profit, firms, cn_profit)
    # book to developed firms (solo bids and trilateral partners)
    has_dv = dv_firm >= 0
    dvi = dv_firm[has_dv]
    dv_part = (1 - f) * net
    np.add.at(dv.revenue, dvi, dv_part[has_dv])
    np.add.at(dv.profit, dvi, ((1 - f) * kept + fee)[has_dv])
    cn.cash += cn.profit
    # book to developing-country firms: their own contracts, then subcontracts shared in each
    # cell by free capacity (at the cell's subcontract price), with their part of any loss
    realised = margin - loss  # the winner's realised profit
    np.add.at(lf.profit, dg_own, realised[dg_win])
    portion = free / np.maximum(cell_free[dg_cell], 1e-12)
    sub_pay = sum_by(cell, sub, n_cells)[dg_cell] * portion
    sub_loss = sum_by(cell, loss - own_loss, n_cells)[dg_cell] * portion
    lf.sub_revenue += sub_pay
    lf.revenue += lf.sub_revenue
    lf.profit += (lf.sub_revenue * (local_m.SUB_MARGIN / (1.0 + local_m.SUB_MARGIN))
                  - sub_loss)
    lf.cash += lf.profit

    # every bidder learns from the quarter's result (realised profit of its whole bid)
    bid_profit = np.zeros(b.n)
    bid_profit[w] = realised
    learn_markups(m, q, won, bid_profit)

    # implementation problems (brand) per Chinese firm
    is_cn = b.is_cn[w]
    tech = b.tech[w]
    prob = rep_m.problem_probability(m.at(m.uncertainty("problem_rate"), pr), tech)
    problem_any = t.u_problem[won_t] < prob
    problem = (is_cn & problem_any)[kk]
    # a developing host stops a project that goes bad (payment distress and a major problem)
    # instead of renegotiating it: the unbuilt rest is lost to it
    cancel = award_m.cancelled(distressed, problem_any) & dg
    # successes and failures per firm
    successes = sum_by(firms, share * ~problem, cn.n)
    failures = sum_by(firms, share * problem, cn.n)

    # host records: value awarded, Chinese work share, new Chinese-financed debt, local work
    # (the per-host sums in one bincount over (record, host), one block per record)
    cn_val = np.where(is_cn, f * net, 0.0)
    local_work = np.where(dg_win, price, sub)
    records = np.array([price, cn_val, np.where(distressed, price, 0.0),
                        np.where(dev, 0.0, price), local_work])
    n_rec = len(records)
    hv_all, hv_cn, hv_distressed, hv_dg, hv_local = sum_by(
        (np.arange(n_rec)[:, None] * h.n + host).ravel(), records.ravel(),
        n_rec * h.n).reshape(n_rec, h.n)
    m.host_window.append((hv_cn, hv_all))
    cn_awarded = all_awarded = 0  # over the trailing year, quarter by quarter
    for cn_q, all_q in m.host_window:
        cn_awarded, all_awarded = cn_awarded + cn_q, all_awarded + all_q
    h.cn_awarded, h.all_awarded = cn_awarded, all_awarded
    tied = t.tied[won_t]  # projects on tied credit
    loans, loan_losses = _lend(m, q, host, pr, dev, is_cn, tied, backed, price, distressed, wo)
    m.distress_window.append((hv_distressed, hv_dg))

    # price of Chinese winning bids in developed hosts against the cheapest non-Chinese rival
    rival = np.full(t.n, np.inf)
    other = b.live & ~b.is_cn
    np.minimum.at(rival, b.tender[other], q.price[other])
    cn_dev = is_cn & dev
    rival_won = rival[won_t]
    contested = cn_dev & np.isfinite(rival_won)
    discount = 1.0 - price[contested] / rival_won[contested]

    # flows of the quarter
    qv = quality_value(value, tech, project_value=m.at(k.project_value, pr),
                       reference_tech=m.at(k.reference_tech, pr))
    any_cancel = bool(cancel.any())
    if any_cancel:  # a cancelled project delivers only what was built before it stopped
        qv = qv * np.where(cancel, 1.0 - wo, 1.0)
    surplus = qv - price  # the host's surplus over the price it pays
    # sums of these rows per run over all projects (the first six), over those in developed
    # hosts (the first three) and over those in developing hosts (all): one bincount each
    rows_by_side = np.array([price, cn_val, surplus, fund_loss, fee, f * own_loss, value * tech,
                             value, price * tech, local_work, dv_part,
                             price * (1 - np.where(distressed, wo, 0.0)), loss])
    awarded, cn_value, _, all_fund_loss, licensing, cn_distress_loss = m.rows_by_run(
        rows_by_side[:6], pr)
    on_dev, on_dg = np.flatnonzero(dev), np.flatnonzero(dg)
    dev_awarded, dev_cn_value, dev_surplus = m.rows_by_run(
        rows_by_side[:3].take(on_dev, axis=1), pr[on_dev])
    (dg_paid, _, dg_surplus, dg_fund_loss, _, _, dg_value_tech, dg_budget, dg_price_tech,
     dg_local_value, dg_third_party, dg_infrastructure, dg_loss) = m.rows_by_run(
        rows_by_side.take(on_dg, axis=1), pr[on_dg])
    # tenders that drew a Chinese bid, by kind
    cn_tender = np.zeros(t.n, bool)
    cn_tender[b.tender[b.live & b.is_cn]] = True
    high = _HIGH[sec]
    fl = q.flow
    fl.awarded = awarded
    fl.cn_value = cn_value
    fl.cn_value_high = m.by_run(cn_val[high], pr[high])
    fl.dev_awarded = dev_awarded
    fl.dev_cn_value = dev_cn_value
    fl.dg_paid = dg_paid
    fl.dg_value_tech = dg_value_tech
    fl.dg_budget = dg_budget
    fl.dg_price_tech = dg_price_tech
    fl.cn_markup_sum = m.by_run(markup[is_cn], pr[is_cn])
    fl.cn_wins = m.count_by_run(is_cn, pr)
    fl.cn_dev_bids = m.count_by_run(cn_tender & t.developed, t.run)
    fl.cn_dev_wins = m.count_by_run(cn_dev, pr)
    fl.cn_power_bids = m.count_by_run(cn_tender & (t.sector == _POWER), t.run)
    fl.cn_power_wins = m.count_by_run(is_cn & (sec == _POWER), pr)
    tri_dg = tri & dg
    fl.trilateral_dg = m.count_by_run(tri_dg, pr)
    fl.dg_projects = m.count_by_run(dg, pr)
    bad = distressed & dg
    fl.dg_distress_value = m.by_run(price[bad], pr[bad])
    fl.cn_discount_sum = m.by_run(discount, pr[contested])
    fl.cn_discount_n = m.count_by_run(contested, pr)
    fl.dg_lending = m.by_run(loans[lender_a.POLICY_BANK], pr)
    fl.dg_loans = m.rows_by_run(loans, pr).sum(axis=0)
    fl.dg_tied_value = m.by_run(price[tied], pr[tied])
    fl.dg_local_value = dg_local_value
    fl.dg_cancelled = fl.dg_priced_out + m.by_run(price[cancel], pr[cancel])
    c = m.totals
    c.cn_overseas_profit += m.by_run(cn_profit, cn.run[firms])
    c.cn_distress_loss += cn_distress_loss
    c.dv_profit += m.by_run(dv.profit, dv.run)
    c.dv_licensing += licensing
    c.dv_third_party_revenue += dg_third_party
    c.dg_infrastructure += dg_infrastructure
    c.dg_value += fl.dg_paid
    c.dg_cancelled += fl.dg_cancelled
    c.dg_distress_value += fl.dg_distress_value
    c.dg_procurement += dg_surplus
    c.dg_distress_cost += dg_loss + dg_fund_loss
    c.dv_host_surplus += dev_surplus
    c.trilateral_dg += fl.trilateral_dg
    c.dv_cn_value += fl.dev_cn_value
    c.dv_awarded += fl.dev_awarded
    c.trilateral_loss += m.by_run(loss[tri_dg], pr[tri_dg])
    c.fund_loss += all_fund_loss
    # idle overcapacity put to work: Chinese work in overcapacity sectors done at home
    home_share = cn.cap_home / np.maximum(cn.capacity, 1e-12)
    over = env_m.OVERCAPACITY_MASK[cn.sector]
    home_work = cn.revenue * home_share
    idle = cn.cap_home * (1.0 - m.utilization[cn.rsector])
    c.idle_put_to_work += m.by_run(np.minimum(home_work, idle)[over], cn.run[over])
    c.dg_local_revenue += m.by_run(lf.revenue, lf.run)
    c.dg_local_profit += m.by_run(lf.profit, lf.run)
    m.local_window.append(hv_local)
    q.settlement = Settlement(
        won=won_t, rows=w, price=price, markup=markup, cn_frac=f, distressed=distressed,
        loss=loss, fund_loss=fund_loss, fee=fee, intensity=intensity, ipr_multiplier=mult,
        members=Members(award=kk, firm=firms, share=share), successes=successes,
        failures=failures, loans=loans, loan_losses=loan_losses, local_share=local_share,
        local_pay=sub,
        home_work=sum_by(cn.rsector, home_work, m.R * len(SECTORS)))


def _lend(m: Batch, q: Quarter, host: np.ndarray, pr: np.ndarray, dev: np.ndarray,
          is_cn: np.ndarray, tied: np.ndarray, backed: np.ndarray, price: np.ndarray,
          distressed: np.ndarray, writeoff: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Loans on this quarter's projects in developing hosts (lenders x projects) and what the
    lenders write off on the distressed ones (``pr``: the run of each project; projects come
    run after run).

    ``FINANCED_SHARE`` of each project's price is borrowed: the joint funds lend on the part of
    trilateral projects they back; the policy banks on Chinese-involved projects (tied ones
    first) up to their credit this quarter; multilateral lenders on the others up to theirs.
    Disciplined lenders grant only what the debt rule lets them (multilateral lenders always
    apply it). A distressed project's loan is written down by the write-off share (F19), except
    the multilateral lenders' (preferred creditor status).
    """
    h, lenders = m.hosts, m.lenders
    # the share of its credit a fully disciplined lender cuts, by the host's debt service
    cut = lending_m.dsf_cut(q.service_ratio[host])
    discipline = 1.0 - m.at(m.lever("lending_discipline"), pr) * cut  # as lending_m.credit_cap
    request = np.where(dev, 0.0, finance.FINANCED_SHARE * price)
    rest = request * (1.0 - backed)
    # this quarter's credit: a quarter of each lender's capital, as far as it is willing
    policy_budget = (lenders.willingness[lender_a.POLICY_BANK]
                     * m.lever("policy_bank_lending") / 4.0)  # per run
    multi_budget = (lenders.willingness[lender_a.MULTILATERAL]
                    * m.uncertainty("multilateral_lending") / 4.0)
    loans = np.empty((len(lender_a.KINDS), price.size))  # one row per lender, in row order
    policy = loans[lender_a.POLICY_BANK]
    asked = np.where(is_cn, rest * discipline, 0.0)
    if tied.any():  # tied projects draw first (in each run)
        order = np.lexsort((~tied, pr))
        policy[order] = lending_m.ration(asked[order], policy_budget[pr[order]],
                                         run=pr[order], n_runs=m.R)
    else:
        policy[:] = lending_m.ration(asked, policy_budget[pr], run=pr, n_runs=m.R)
    loans[lender_a.JOINT_FUND] = request * backed * discipline
    # multilateral lenders always apply the debt rule (credit_cap at discipline 1)
    loans[lender_a.MULTILATERAL] = lending_m.ration(np.where(is_cn, 0.0, rest * (1.0 - cut)),
                                                    multi_budget[pr], run=pr, n_runs=m.R)
    m.unused_credit = np.maximum(policy_budget - m.by_run(policy, pr), 0.0)
    losses = loans * np.where(distressed, writeoff, 0.0)
    losses[lender_a.MULTILATERAL] = 0.0  # preferred creditors: their loans are not written down
    # outstanding loans per lender and host (one bincount over lender x host)
    lender_host = np.arange(lenders.n)[:, None] * h.n + host
    lenders.exposure += sum_by(lender_host.ravel(), (loans - losses).ravel(),
                               lenders.n * h.n).reshape(lenders.n, h.n)
    lenders.lent += m.rows_by_run(loans, pr)
    lenders.written_off += m.rows_by_run(losses, pr)
    return loans, losses
