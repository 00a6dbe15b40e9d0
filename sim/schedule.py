"""The ten phases of one quarter, in order (DESIGN.md section 3). This is the only place the
order is set; :meth:`sim.model.TripleWinModel.step` loops over :data:`PHASES`.

1. environment   domestic demand and utilisation, labour cost, SME participation, BITs, host risk
                 and debt service                                    (mechanisms.lending)
2. tendering     host economies issue tenders; tied projects on policy-bank credit
                                                                     (mechanisms.tendering)
3. bids          firms choose tenders; associations merge Chinese bids; trilateral consortia;
                 local firms bid at home; local sourcing priced in; markups and prices
                                                                     (agents.*, mechanisms.bidding,
                                                                      mechanisms.local)
4. award         best score per tender, vectorised                   (mechanisms.award)
5. payment       revenue, cost, local subcontracts, payment distress, joint fund, loans,
                 licensing                      (mechanisms.finance, accounts, local, lending)
6. technology    learning, transfer, R&D; local firms learn          (mechanisms.technology)
7. location      parks in developing hosts, plants in developed hosts; local firms invest and
                 partner                                             (mechanisms.location)
8. reputation    brand from campaigns, successes and failures        (mechanisms.reputation)
9. hosts         screening by developed hosts; local-content enforcement; lenders respond,
                 loans amortise                 (agents.host_economy, mechanisms.local, lending)
10. record       every metric of sim.metrics                         (sim.metrics)

Each phase is a function ``phase(model, quarter)``: agent state lives in the model's arrays; what
happens in the quarter (tenders, bids, prices, winners, settlement and the flows) is written to the
typed record ``quarter`` (:class:`sim.books.Quarter`) that the phases pass on; running totals are
``model.totals`` (:class:`sim.books.Totals`) and the trailing year of flows ``model.window``.
Formulas live in :mod:`sim.mechanisms`; a phase decides what to apply where.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .agents import chinese_firm as cf
from .agents import developed_firm as df
from .agents import developing_firm as dgf
from .agents import host_economy
from .agents import lender as lender_a
from .books import Members, Quarter, Settlement
from .mechanisms import (
    accounts,
    award as award_m,
)
from .mechanisms import (
    bidding,
    learning,
    environment as env_m,
    finance,
    lending as lending_m,
    local as local_m,
    location as loc_m,
    reputation as rep_m,
    screening,
    technology as tech_m,
    tendering,
)
from .scenario.params import HIGH_END, SECTORS

if TYPE_CHECKING:
    from .model import TripleWinModel

# Every number of the phases that moves an outcome is a structural constant declared in
# sim.scenario.params (CONSTANTS) and read from the run's values, ``m.k.<name>``.
#: Tenders a developing-country firm looks at in its home host each quarter, assumption.
LOOKS_DG = 3
#: Brand of a developing-country firm at home (known to its government, unknown abroad),
#: assumption.
LOCAL_BRAND = 0.35

_HIGH = np.array([s in HIGH_END for s in SECTORS])
#: Overcapacity sectors (steel, cement, flat glass) as a mask over sector indices.
OVERCAPACITY_MASK = env_m.OVERCAPACITY_MASK
_POWER = SECTORS.index("power")


sum_by = accounts.sum_by


def quality_value(value: np.ndarray, tech: np.ndarray, *, project_value: float,
                  reference_tech: float) -> np.ndarray:
    """What a project is worth to its host: ``project_value`` times the budget, scaled by the
    delivered technology against the reference technology the budget was priced at."""
    return project_value * value * (0.4 + 0.6 * tech) / (0.4 + 0.6 * reference_tech)


def environment(m: TripleWinModel, q: Quarter) -> None:
    """Phase 1: demand, utilisation, labour cost, participation, BITs, host risk."""
    if m.step_index > 0:
        m.labour_index *= 1.0 + m.uncertainty("labour_cost_growth")
    initial = np.where(OVERCAPACITY_MASK, m.uncertainty("initial_utilization"),
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


def _idle_share(m: TripleWinModel) -> np.ndarray:
    """Idle home capacity of each Chinese firm as a share of its capacity."""
    cn = m.cn
    return (1.0 - m.utilization[cn.sector]) * cn.cap_home / np.maximum(cn.capacity, 1e-12)


def _unit_cost(m: TripleWinModel) -> np.ndarray:
    cn, h = m.cn, m.hosts
    park_labour = np.where(cn.park_host >= 0, h.labour_cost[np.maximum(cn.park_host, 0)], 1.0)
    return cn.unit_cost(m.labour_index, park_labour)


def bid(m: TripleWinModel, q: Quarter) -> None:
    """Phase 3: firms choose tenders; associations merge; trilateral consortia; prices."""
    t, h, cn, dv = q.tenders, m.hosts, m.cn, m.dv
    rng = m.streams["bids"]
    k = m.k
    u_cn, u_dv = rng.random((cn.n, k.looks_cn)), rng.random((dv.n, k.looks_dv))
    q.p_distress = p_distress = lending_m.distress_probability(
        m.uncertainty("distress_rate"), h.instability, q.service_ratio,
        weight=k.debt_service_weight, overhang=k.debt_overhang)
    writeoff = m.uncertainty("writeoff_share")
    exp_loss = np.where(h.developed, 0.0, p_distress * writeoff)

    # Chinese firms decide (vectorised over their candidate tenders)
    idle = _idle_share(m)
    looks = 1.0 + k.looks_idle * idle
    u_cn = np.where(np.arange(k.looks_cn)[None, :] < looks[:, None], u_cn, np.nan)
    firm, ti = bidding.sample_candidates(u_cn, cn.sector, cn.active, t.sector, t.by_sector)
    # a local plant gives a firm one more look, at its plant host's tenders
    u_local = rng.random(cn.n)
    with_plant = np.flatnonzero(cn.active & (cn.dev_host >= 0))
    lf, lt = bidding.sample_local(u_local, with_plant, cn.sector, cn.dev_host[with_plant],
                                  t.sector, t.host, t.by_sector)
    # tied financed projects draw one more look from every active firm of their sector (the
    # credit comes with them; drawn from the lending stream, so without tied projects nothing
    # changes)
    tied = np.flatnonzero(t.tied)
    if tied.size:
        pos_f, pos_t = bidding.sample_candidates(
            m.streams["lending"].random((cn.n, 1)), cn.sector, cn.active, t.sector[tied],
            np.argsort(t.sector[tied], kind="stable"))
        lf, lt = np.concatenate([lf, pos_f]), np.concatenate([lt, tied[pos_t]])
    if lf.size:
        key = bidding.unique_sorted(np.concatenate([firm, lf]).astype(np.int64) * (t.n + 1)
                                    + np.concatenate([ti, lt]))
        firm, ti = key // (t.n + 1), key % (t.n + 1)
    host = t.host[ti]
    plant = cn.dev_host[firm] == host
    access = 1.0 - np.where(t.developed[ti], h.barrier[host], 0.0) * np.where(
        plant, k.plant_barrier_factor, 1.0)
    orient = cn.profit_orientation(m.lever("soe_reform"))
    util = cf.bid_utility(orientation=orient[firm], soe=cn.soe[firm],
                          idle_share=idle[firm], access=access,
                          expected_loss=exp_loss[host], developing=~t.developed[ti],
                          state_support=m.lever("state_support"),
                          expected_margin=k.cn_expected_margin, bid_cost_soe=k.bid_cost_soe,
                          bid_cost_sme=k.bid_cost_sme, risk_aversion=k.cn_risk_aversion,
                          idle_weight=k.idle_weight, volume_weight=k.volume_weight,
                          periphery_weight=k.periphery_weight)
    keep = (util > 0) & (cn.tech[firm] >= t.min_tech[ti])
    firm, ti, plant = firm[keep], ti[keep], plant[keep]
    # per sector, from each association's standards work (AgentSet.map keeps sector order)
    gap = np.array(m.associations.map("compliance_gap"))
    q.compliance_gap = gap
    q.unit_cost = _unit_cost(m)
    cost = q.unit_cost[firm] + k.compliance_cost * gap[cn.sector[firm]]
    n1 = firm.size
    cn_bids = bidding.Bids(
        tender=ti, tech=cn.tech[firm], brand=cn.brand[firm], cost=cost,
        weight=cn.capacity[firm], orient=orient[firm], **bidding.empty_like_bids(n1))
    cn_bids.cn[:] = firm
    cn_bids.plant[:] = plant
    cn_bids.is_cn[:] = True
    cn_bids.cn_frac[:] = 1.0

    # developed firms decide: a risk-adjusted margin above their bid cost
    dfirm, dti = bidding.sample_candidates(u_dv, dv.sector, np.ones(dv.n, bool), t.sector,
                                             t.by_sector)
    d_util = df.bid_utility(exp_loss[t.host[dti]], expected_margin=k.dv_expected_margin,
                            risk_aversion=k.dv_risk_aversion, bid_cost=k.dv_bid_cost)
    dkeep = (d_util > 0) & (dv.tech[dfirm] >= t.min_tech[dti])
    dfirm, dti = dfirm[dkeep], dti[dkeep]
    dv_bids = bidding.Bids(
        tender=dti, tech=dv.tech[dfirm], brand=dv.brand[dfirm], cost=dv.base_cost[dfirm],
        weight=dv.capacity[dfirm], orient=np.ones(dfirm.size), **bidding.empty_like_bids(dfirm.size))
    dv_bids.dv[:] = dfirm
    # developing-country firms bid at home (their own stream: their draws leave others' alone)
    bids = bidding.Bids.concat([cn_bids, dv_bids, _local_bids(m, q, exp_loss)])

    # separate Chinese bids per tender, before any merging (cutthroat competition metric)
    n_cn_sep = np.bincount(cn_bids.tender, minlength=t.n)
    q.flow.tenders_with_cn = float((n_cn_sep > 0).sum())

    # industrial associations decide which tenders to coordinate (where their members would
    # otherwise bid against each other, up to the share joint_bidding lets them) and merge the
    # Chinese bids there (all associations in one pass)
    covered = np.zeros(len(SECTORS), bool)
    covered[m.associations.get("sector")] = True
    q.coordinated = bidding.choose_coordinated(
        n_member_bids=bidding.contested_tenders(bids, t.n), tender_sector=t.sector,
        tender_value=t.value, covered=covered, share=m.lever("joint_bidding"))
    bids = bidding.merge_chinese_bids(bids, q.coordinated, t.sector)
    # separate Chinese bids as hosts receive them (a consortium counts once)
    live_cn = bids.live & bids.is_cn
    q.flow.cn_separate_bids = float(live_cn.sum())

    # trilateral consortia on tenders open to third-party cooperation
    fund = m.lever("joint_fund")
    ipr = m.lever("ipr_protection")
    willingness = dv.partner_willingness * (k.partner_ipr_floor
                                            + (1 - k.partner_ipr_floor) * ipr)
    bonus = np.where(~t.developed, k.fund_willingness * min(1.0, fund / k.fund_full), 0.0)
    bids = bidding.form_trilateral(
        bids, tender_open=t.trilateral_open, tender_sector=t.sector, u_partner=t.u_partner,
        u_willing=t.u_willing, dv_sector=dv.sector, dv_tech=dv.tech, dv_brand=dv.brand,
        dv_cost=dv.base_cost, willingness=willingness, tender_bonus=bonus,
        cn_share=k.trilateral_cn_share)

    # local content: every foreign bid in a developing host plans the share of work it will
    # source locally (at least the enforced rule, more where local firms are cheaper) and prices
    # it in
    q.own_cost = bids.cost.copy()
    q.local_share = _plan_local_sourcing(m, q, bids)
    bids.cost = local_m.blended_cost(q.own_cost, q.local_share, q.local_price[_cell(m, q, bids)])
    q.bids = bids
    # every bidder chooses its markup from its own history (learned propensities), or prices
    # at the customary markup when learning is switched off
    q.learner_row = _learner_rows(m, q)
    q.markup_choice = learning.choose(m.learners.propensity, q.learner_row,
                                      m.streams["markups"].random(bids.n))
    if k.markup_learning:
        markup = m.learners.grid[q.markup_choice]
    else:
        markup = np.full(bids.n, float(k.customary_markup))
    q.markup = np.where(bids.live, markup, 0.0)
    q.price = bidding.bid_prices(bids, t.value, q.markup)


def _learner_rows(m: TripleWinModel, q: Quarter) -> np.ndarray:
    """Who chooses the markup of each bid, and in which situation: the association for a
    consortium bid, the Chinese firm (the lead of a trilateral consortium) for a Chinese bid,
    the developing-country firm for its own bid at home, the developed firm otherwise; the
    situation is whether rivals, and rivals of the bidder's
    own kind, bid on the tender (:func:`sim.mechanisms.learning.rival_context`)."""
    b, L = q.bids, m.learners
    sector = q.tenders.sector[b.tender]
    ctx = learning.rival_context(b.tender, b.is_cn.astype(np.int64), b.live, q.tenders.n, 2)
    return np.where(b.consortium, L.rows("assoc", sector, ctx),
                    np.where(b.is_cn, L.rows("cn", np.maximum(b.cn, 0), ctx),
                             np.where(b.dg >= 0, L.rows("dg", np.maximum(b.dg, 0), ctx),
                                      L.rows("dv", np.maximum(b.dv, 0), ctx))))


def learn_markups(m: TripleWinModel, q: Quarter, won: np.ndarray, profit: np.ndarray) -> None:
    """Bidders reinforce the markups they used by the profit they earned (per unit of tender
    value, nothing on a lost bid); volume-seeking SOEs also value the contract itself (idle
    capacity put to work, state direction: the volume terms of their bid utility)."""
    b, t = q.bids, q.tenders
    live = np.flatnonzero(b.live)
    value = t.value[b.tender[live]]
    idle = np.where(b.consortium[live], 1.0 - m.utilization[t.sector[b.tender[live]]],
                    np.where(b.is_cn[live], _idle_share(m)[np.maximum(b.cn[live], 0)], 0.0))
    volume = np.where(b.is_cn[live], m.k.volume_weight + m.k.idle_weight * idle, 0.0)
    reward = learning.bid_reward(won=won[live], margin=profit[live] / value,
                                 orientation=b.orient[live], volume_value=volume)
    m.learners.propensity = learning.reinforce(
        m.learners.propensity, q.learner_row[live], q.markup_choice[live], reward,
        recency=m.k.learning_recency, experimentation=m.k.learning_experimentation)


def _cell(m: TripleWinModel, q: Quarter, bids: bidding.Bids) -> np.ndarray:
    """(host, sector) cell of each bid's tender."""
    t = q.tenders
    return local_m.cells(t.host[bids.tender], t.sector[bids.tender], len(SECTORS))


def _local_bids(m: TripleWinModel, q: Quarter, exp_loss: np.ndarray) -> bidding.Bids:
    """Bids of developing-country firms on tenders of their sector in their home host."""
    t, dg = q.tenders, m.dg
    u = m.streams["local"].random((LOOKS_DG, dg.n))
    everyone = np.arange(dg.n)
    picks = [bidding.sample_local(u[j], everyone, dg.sector, dg.home, t.sector, t.host,
                                  t.by_sector) for j in range(LOOKS_DG)]
    firm = np.concatenate([p[0] for p in picks]).astype(np.int64)
    ti = np.concatenate([p[1] for p in picks]).astype(np.int64)
    if firm.size:
        key = bidding.unique_sorted(firm * (t.n + 1) + ti)
        firm, ti = key // (t.n + 1), key % (t.n + 1)
    keep = (dgf.bid_utility(exp_loss[t.host[ti]]) > 0) & (dg.tech[firm] >= t.min_tech[ti])
    firm, ti = firm[keep], ti[keep]
    out = bidding.Bids(
        tender=ti, tech=dg.tech[firm], brand=np.full(firm.size, LOCAL_BRAND),
        cost=dg.base_cost[firm], weight=dg.capacity[firm], orient=np.ones(firm.size),
        **bidding.empty_like_bids(firm.size))
    out.dg[:] = firm
    return out


def _plan_local_sourcing(m: TripleWinModel, q: Quarter, bids: bidding.Bids) -> np.ndarray:
    """Share of each bid's work its bidder plans to source from local firms (0 in developed
    hosts and for local firms' own bids). Sets the quarter's local subcontract price per cell."""
    t, dg, h = q.tenders, m.dg, m.hosts
    n_cells = h.n * len(SECTORS)
    cap, cost, tech = local_m.cell_stats(local_m.cells(dg.home, dg.sector, len(SECTORS)),
                                         dg.capacity, dg.base_cost, dg.tech, n_cells)
    q.local_price = cost * (1.0 + local_m.SUB_MARGIN)
    cell = _cell(m, q, bids)
    host = t.host[bids.tender]
    foreign = ~t.developed[bids.tender] & (bids.dg < 0)
    rule = m.lever("local_content") * m.local_enforcement[host]
    share = local_m.sourcing_share(rule=rule, own_cost=bids.cost, local_price=q.local_price[cell],
                                   available=cap[cell] > 0)
    return np.where(foreign, share, 0.0)


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
    rows, firms, share = accounts.members(b, w)
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
    over = OVERCAPACITY_MASK[cn.sector]
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
    for i in range(lenders.n):
        lenders.exposure[i] += sum_by(host, loans[i] - losses[i], h.n)
    lenders.lent += loans.sum(axis=1)
    lenders.written_off += losses.sum(axis=1)
    return loans, losses


def learn(m: TripleWinModel, q: Quarter) -> None:
    """Phase 6: learning by doing, transfer in consortia and plants, R&D; frontier drift."""
    cn, dv, b, st = m.cn, m.dv, q.bids, q.settlement
    cap = np.maximum(cn.capacity, 1e-12)
    sector_frontier = sum_by(dv.sector, dv.tech, len(SECTORS)) / np.maximum(
        np.bincount(dv.sector, minlength=len(SECTORS)), 1)
    gain = tech_m.learning(cn.tech, cn.revenue / cap, m.k.learning_by_doing, m.k.domestic_drift)
    k, firms, share = st.members.award, st.members.firm, st.members.share
    intensity, mult = st.intensity, st.ipr_multiplier
    w = st.rows
    tri = b.trilateral[w][k]
    if tri.any():
        partner = b.dv[w][k][tri]
        f_ = firms[tri]
        exposure = share[tri] * b.cn_frac[w][k][tri] * q.price[w][k][tri] / cap[f_]
        g = tech_m.transfer_gain(
            gap=dv.tech[partner] - cn.tech[f_], exposure=exposure, intensity=intensity[k][tri],
            spillover=m.uncertainty("spillover_rate"), premium=m.uncertainty("jv_premium"),
            multiplier=mult, tech=cn.tech[f_], adjustment=m.k.spillover_adjustment)
        np.add.at(gain, f_, g)
    # plants in developed hosts work beside developed firms (arm's-length spillover)
    plant_share = cn.cap_dev / cap
    gain += tech_m.transfer_gain(
        gap=sector_frontier[cn.sector] - cn.tech, exposure=plant_share,
        intensity=np.full(cn.n, float(tech_m.transfer_intensity(
            np.array(m.k.plant_transfer), m.lever("ipr_protection")))),
        spillover=m.uncertainty("spillover_rate"), premium=1.0, multiplier=mult, tech=cn.tech,
        adjustment=m.k.spillover_adjustment)
    gain += tech_m.rd_gain(cn.tech, cn.profit, cap, m.k.rd_share, m.k.rd_efficiency)
    cn.tech = np.clip(cn.tech + gain, 0.0, 0.99)
    dv.tech = np.clip(dv.tech + m.k.frontier_drift * (1 - dv.tech), 0.0, 0.99)
    _local_learning(m, q)


def _local_learning(m: TripleWinModel, q: Quarter) -> None:
    """Developing-country firms learn by doing, from the foreign winners they work for (the
    value-weighted technology of the cell's subcontracted projects) and from a Chinese
    joint-venture partner in a park of their host."""
    dg, t, st, cn = m.dg, q.tenders, q.settlement, m.cn
    n_cells = m.hosts.n * len(SECTORS)
    cap = np.maximum(dg.capacity, 1e-12)
    tech_before = dg.tech
    gain = tech_m.learning(tech_before, dg.revenue / cap, m.k.learning_by_doing,
                           m.k.domestic_drift)
    cell = local_m.cells(t.host[st.won], t.sector[st.won], len(SECTORS))
    paid = sum_by(cell, st.local_pay, n_cells)
    winner_tech = sum_by(cell, st.local_pay * q.bids.tech[st.rows], n_cells) / np.maximum(
        paid, 1e-12)
    dg_cell = local_m.cells(dg.home, dg.sector, len(SECTORS))
    spill = m.uncertainty("spillover_rate")
    gain += tech_m.transfer_gain(
        gap=winner_tech[dg_cell] - tech_before, exposure=dg.sub_revenue / cap,
        intensity=np.full(dg.n, local_m.SUB_TRANSFER), spillover=spill, premium=1.0,
        multiplier=1.0, tech=tech_before, adjustment=m.k.spillover_adjustment)
    has = dg.partner >= 0
    partner = np.maximum(dg.partner, 0)
    gain += np.where(has, tech_m.transfer_gain(
        gap=cn.tech[partner] - tech_before,
        exposure=cn.cap_park[partner] / np.maximum(cn.capacity[partner], 1e-12),
        intensity=np.full(dg.n, local_m.JV_TRANSFER), spillover=spill,
        premium=m.uncertainty("jv_premium"), multiplier=1.0, tech=tech_before,
        adjustment=m.k.spillover_adjustment), 0.0)
    dg.tech = np.clip(tech_before + gain, 0.0, 0.99)


def locate(m: TripleWinModel, q: Quarter) -> None:
    """Phase 7: firms invest in parks in developing hosts or plants in developed hosts."""
    cn, h = m.cn, m.hosts
    r = m.streams["location"]
    u_dg, u_dev, u_block = r.random(cn.n), r.random(cn.n), r.random(cn.n)
    noise = 0.02 * r.gumbel(size=(2, cn.n))
    cn.cash += m.k.domestic_earnings * cn.cap_home * m.utilization[cn.sector]
    dg_idx, dev_idx = np.flatnonzero(~h.developed), np.flatnonzero(h.developed)
    budget = (loc_m.investable(cn.cash, cn.capacity, m.k.cash_threshold, m.k.invest_rate)
              * (1 - m.uncertainty("capital_controls")))
    if dg_idx.size == 0 or dev_idx.size == 0:
        return
    park = np.where(cn.park_host >= 0, cn.park_host,
                    dg_idx[np.minimum((u_dg * dg_idx.size).astype(int), dg_idx.size - 1)])
    plant = np.where(cn.dev_host >= 0, cn.dev_host,
                     dev_idx[np.minimum((u_dev * dev_idx.size).astype(int), dev_idx.size - 1)])
    risk = q.p_distress[park] * m.uncertainty("writeoff_share")
    idle = _idle_share(m)
    u_park, u_dev = cf.location_utility(
        orientation=cn.profit_orientation(m.lever("soe_reform")), labour_index=m.labour_index,
        park_labour=h.labour_cost[park], park_risk=risk, idle_share=idle,
        parks=m.lever("overseas_parks"), localization=m.lever("localization"),
        state_support=m.lever("state_support"), dev_barrier=h.barrier[plant],
        dev_bit=h.bit[plant].astype(float), bit_effect=m.uncertainty("bit_effect"),
        risk_aversion=m.k.cn_risk_aversion, periphery_weight=m.k.periphery_weight,
        dev_plant_return=m.k.dev_plant_return, dev_plant_fixed=m.k.dev_plant_fixed,
        park_return=m.k.park_return, park_saving=m.k.park_saving,
        idle_relocation=m.k.idle_relocation)
    u_park, u_dev = u_park + noise[0], u_dev + noise[1]
    go = (budget > 0) & (np.maximum(u_park, u_dev) > 0)
    to_dev = go & (u_dev > u_park)
    # review turns the deal down: the entry barrier or an explicit investment screen
    p_block = 1.0 - (1.0 - h.barrier[plant]) * (1.0 - m.uncertainty("investment_screening"))
    blocked = to_dev & (u_block < p_block)
    to_dev &= ~blocked
    to_park = go & ~(u_dev > u_park)
    moved = loc_m.capacity_moved(budget, cn.cap_home, idle, m.k.capacity_per_bn,
                                 m.k.idle_move_factor, m.k.max_move)
    inv = np.where(to_dev | to_park, budget, 0.0)
    cn.cash -= inv
    cn.cap_home -= np.where(to_dev | to_park, moved, 0.0)
    cn.cap_dev += np.where(to_dev, moved, 0.0)
    cn.cap_park += np.where(to_park, moved, 0.0)
    cn.dev_host = np.where(to_dev, plant, cn.dev_host)
    cn.park_host = np.where(to_park, park, cn.park_host)
    q.flow.invest_dev = float(inv[to_dev].sum())
    q.flow.invest_dg = float(inv[to_park].sum())
    q.flow.invest_blocked = float(blocked.sum())
    m.totals.invest_dev += q.flow.invest_dev
    m.totals.invest_dg += q.flow.invest_dg
    _local_investment(m)


def _local_investment(m: TripleWinModel) -> None:
    """Developing-country firms reinvest part of their profit in capacity; those without a
    partner join the Chinese firm with the largest park in their host (a joint venture)."""
    dg, cn = m.dg, m.cn
    invest = local_m.REINVEST * np.maximum(dg.profit, 0.0)
    dg.cash -= invest
    dg.capacity = dg.capacity + local_m.CAPACITY_PER_BN * invest
    in_park = np.flatnonzero(cn.park_host >= 0)
    if in_park.size:
        order = in_park[np.lexsort((in_park, -cn.cap_park[in_park], cn.park_host[in_park]))]
        best = np.full(m.hosts.n, -1)
        hosts, first = np.unique(cn.park_host[order], return_index=True)
        best[hosts] = order[first]
        dg.partner = np.where(dg.partner < 0, best[dg.home], dg.partner)


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
    dg = ~h.developed
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
    h.debt = host_debt(m)[0]


def record(m: TripleWinModel, q: Quarter) -> None:
    """Phase 10: accrue wages and the value of upgrading, then record every metric."""
    cn, c = m.cn, m.totals
    c.dg_wages += m.k.jobs_park * float(cn.cap_park.sum()) * m.k.wage_dg
    c.dv_wages += m.k.jobs_dev * float(cn.cap_dev.sum()) * m.k.wage_dv
    c.dg_local_wages += local_m.JOBS_LOCAL * float(m.dg.revenue.sum()) * m.k.wage_dg
    tech = float((cn.tech * cn.capacity).sum() / max(cn.capacity.sum(), 1e-12))
    if m.tech0 is None:
        m.tech0 = float((m.tech_start * cn.capacity).sum() / max(cn.capacity.sum(), 1e-12))
    c.tech_value += (m.uncertainty("tech_value") * (tech - m.tech0)
                     * float(cn.capacity.sum()))
    m.window.append(q.flow)
    m.record()


PHASES: tuple[tuple[str, Callable[[TripleWinModel, Quarter], None]], ...] = (
    ("environment", environment),
    ("tendering", tender),
    ("bids", bid),
    ("award", award),
    ("payment", pay),
    ("technology", learn),
    ("location", locate),
    ("reputation", reputation),
    ("hosts", respond),
    ("record", record),
)
