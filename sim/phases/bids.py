"""Phase 3 of a quarter: the bids, and how bidders learn their markups from them.

:func:`bid`: Chinese firms choose tenders (:func:`sim.agents.chinese_firm.bid_utility`),
developed firms (:func:`sim.agents.developed_firm.bid_utility`) and developing-country firms at
home (:func:`sim.agents.developing_firm.bid_utility`) too; industrial associations merge the
Chinese bids they coordinate; trilateral consortia form; local sourcing is planned and priced
in; every bidder chooses its markup. :func:`learn_markups` (called in the payment phase, once
the results are known) reinforces the markups that paid. Formulas in
:mod:`sim.mechanisms.bidding`, :mod:`sim.mechanisms.local` and :mod:`sim.mechanisms.learning`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..agents import chinese_firm as cf
from ..agents import developed_firm as df
from ..agents import developing_firm as dgf
from ..books import Quarter
from ..mechanisms import bidding, learning
from ..mechanisms import lending as lending_m
from ..mechanisms import local as local_m
from ..scenario.params import SECTORS

if TYPE_CHECKING:
    from ..batch import Batch

#: Tenders a developing-country firm looks at in its home host each quarter, assumption.
LOOKS_DG = 3
#: Brand of a developing-country firm at home (known to its government, unknown abroad),
#: assumption.
LOCAL_BRAND = 0.35


def idle_share(m: Batch) -> np.ndarray:
    """Idle home capacity of each Chinese firm as a share of its capacity."""
    cn = m.cn
    return (1.0 - m.utilization[cn.rsector]) * cn.cap_home / np.maximum(cn.capacity, 1e-12)


def _unit_cost(m: Batch) -> np.ndarray:
    cn, h = m.cn, m.hosts
    park_labour = np.where(cn.park_host >= 0, h.labour_cost[np.maximum(cn.park_host, 0)], 1.0)
    return cn.unit_cost(m.at(m.labour_index, cn.run), park_labour)


def bid(m: Batch, q: Quarter) -> None:
    """Phase 3: firms choose tenders; associations merge; trilateral consortia; prices."""
    t, h, cn, dv = q.tenders, m.hosts, m.cn, m.dv
    k = m.k
    u_cn = m.draw_looks("bids", m.sizes.cn, k.looks_cn)
    u_dv = m.draw_looks("bids", m.sizes.dv, k.looks_dv)
    hr = h.run
    q.p_distress = p_distress = lending_m.distress_probability(
        m.at(m.uncertainty("distress_rate"), hr), h.instability, q.service_ratio,
        weight=m.at(k.debt_service_weight, hr), overhang=m.at(k.debt_overhang, hr))
    writeoff = m.at(m.uncertainty("writeoff_share"), hr)
    exp_loss = np.where(h.developed, 0.0, p_distress * writeoff)

    # Chinese firms decide (vectorised over their candidate tenders)
    q.idle = idle = idle_share(m)
    looks = 1.0 + m.at(k.looks_idle, cn.run) * idle
    u_cn = np.where(np.arange(u_cn.shape[1])[None, :] < looks[:, None], u_cn, np.nan)
    firm, ti = bidding.sample_candidates(u_cn, cn.rsector, cn.active, t.rsector, t.by_sector)
    # a local plant gives a firm one more look, at its plant host's tenders
    u_local = m.streams["bids"].random(m.sizes.cn)
    with_plant = (cn.active & (cn.dev_host >= 0)).nonzero()[0]
    lf, lt = bidding.sample_local(u_local, with_plant, cn.rsector, cn.dev_host[with_plant],
                                  t.rsector, t.host, t.by_sector)
    # tied financed projects draw one more look from every active firm of their sector (the
    # credit comes with them; drawn from the lending stream of the runs that have them, so
    # without tied projects nothing changes)
    tied = t.tied.nonzero()[0]
    if tied.size:
        has = np.bincount(t.run[tied], minlength=m.R) > 0
        u_tied = m.streams["lending"].random(np.where(has, m.sizes.cn, 0))
        u = np.full((cn.n, 1), np.nan)
        u[has[cn.run], 0] = u_tied
        pos_f, pos_t = bidding.sample_candidates(
            u, cn.rsector, cn.active, t.rsector[tied], t.rsector[tied].argsort(kind="stable"))
        lf, lt = np.concatenate([lf, pos_f]), np.concatenate([lt, tied[pos_t]])
    if lf.size:
        key = bidding.unique_sorted(np.concatenate([firm, lf]).astype(np.int64) * (t.n + 1)
                                    + np.concatenate([ti, lt]))
        firm, ti = np.divmod(key, t.n + 1)
    host = t.host[ti]
    fr = cn.run[firm]
    plant = cn.dev_host[firm] == host
    access = 1.0 - np.where(t.developed[ti], h.barrier[host], 0.0) * np.where(
        plant, m.at(k.plant_barrier_factor, fr), 1.0)
    orient = np.where(cn.soe, m.at(m.lever("soe_reform"), cn.run), 1.0)
    util = cf.bid_utility(orientation=orient[firm], soe=cn.soe[firm],
                          idle_share=idle[firm], access=access,
                          expected_loss=exp_loss[host], developing=~t.developed[ti],
                          state_support=m.at(m.lever("state_support"), fr),
                          expected_margin=m.at(k.cn_expected_margin, fr),
                          bid_cost_soe=m.at(k.bid_cost_soe, fr),
                          bid_cost_sme=m.at(k.bid_cost_sme, fr),
                          risk_aversion=m.at(k.cn_risk_aversion, fr),
                          idle_weight=m.at(k.idle_weight, fr),
                          volume_weight=m.at(k.volume_weight, fr),
                          periphery_weight=m.at(k.periphery_weight, fr))
    keep = (util > 0) & (cn.tech[firm] >= t.min_tech[ti])
    firm, ti, plant = firm[keep], ti[keep], plant[keep]
    # per (run, sector), from each association's standards work
    q.compliance_gap = gap = m.compliance_gap()
    q.unit_cost = _unit_cost(m)
    cost = q.unit_cost[firm] + m.at(k.compliance_cost, cn.run[firm]) * gap[cn.rsector[firm]]

    # developed firms decide: a risk-adjusted margin above their bid cost
    dfirm, dti = bidding.sample_candidates(u_dv, dv.rsector, np.ones(dv.n, bool), t.rsector,
                                           t.by_sector)
    dr = dv.run[dfirm]
    d_util = df.bid_utility(exp_loss[t.host[dti]],
                            expected_margin=m.at(k.dv_expected_margin, dr),
                            risk_aversion=m.at(k.dv_risk_aversion, dr),
                            bid_cost=m.at(k.dv_bid_cost, dr))
    dkeep = (d_util > 0) & (dv.tech[dfirm] >= t.min_tech[dti])
    dfirm, dti = dfirm[dkeep], dti[dkeep]
    # developing-country firms bid at home (their own stream: their draws leave others' alone)
    gfirm, gti = _local_bids(m, q, exp_loss)
    bids, (cn_rows, dv_rows, dg_rows) = bidding.Bids.of_bidders([
        dict(tender=ti, tech=cn.tech[firm], brand=cn.brand[firm], cost=cost,
             weight=cn.capacity[firm], orient=orient[firm]),
        dict(tender=dti, tech=dv.tech[dfirm], brand=dv.brand[dfirm], cost=dv.base_cost[dfirm],
             weight=dv.capacity[dfirm], orient=np.ones(dfirm.size)),
        dict(tender=gti, tech=m.dg.tech[gfirm], brand=np.full(gfirm.size, LOCAL_BRAND),
             cost=m.dg.base_cost[gfirm], weight=m.dg.capacity[gfirm],
             orient=np.ones(gfirm.size)),
    ])
    bids.cn[cn_rows] = firm
    bids.plant[cn_rows] = plant
    bids.is_cn[cn_rows] = True
    bids.cn_frac[cn_rows] = 1.0
    bids.dv[dv_rows] = dfirm
    bids.dg[dg_rows] = gfirm

    # separate Chinese bids per tender, before any merging (cutthroat competition metric)
    n_cn_sep = np.bincount(ti, minlength=t.n)
    q.flow.tenders_with_cn = m.count_by_run(n_cn_sep > 0, t.run)

    # industrial associations decide which tenders to coordinate (where their members would
    # otherwise bid against each other, up to the share joint_bidding lets them) and merge the
    # Chinese bids there (all associations of all runs in one pass)
    q.coordinated = bidding.choose_coordinated(
        n_member_bids=bidding.contested_tenders(bids, t.n), tender_sector=t.rsector,
        tender_value=t.value, covered=m.association_sectors,
        share=m.at(m.lever("joint_bidding"), t.run))
    bids = bidding.merge_chinese_bids(bids, q.coordinated, t.rsector)
    # separate Chinese bids as hosts receive them (a consortium counts once)
    live_cn = bids.live & bids.is_cn
    q.flow.cn_separate_bids = m.count_by_run(live_cn, t.run[bids.tender])

    # trilateral consortia on tenders open to third-party cooperation
    fund = m.lever("joint_fund")
    ipr = m.lever("ipr_protection")
    floor = m.at(k.partner_ipr_floor, dv.run)
    willingness = dv.partner_willingness * (floor + (1 - floor) * m.at(ipr, dv.run))
    reach = np.minimum(1.0, fund / k.fund_full)  # per run
    bonus = np.where(~t.developed, m.at(k.fund_willingness * reach, t.run), 0.0)
    bids = bidding.form_trilateral(
        bids, tender_open=t.trilateral_open, tender_sector=t.rsector, u_partner=t.u_partner,
        u_willing=t.u_willing, dv_sector=dv.rsector, dv_tech=dv.tech, dv_brand=dv.brand,
        dv_cost=dv.base_cost, willingness=willingness, tender_bonus=bonus,
        cn_share=m.at(k.trilateral_cn_share, t.run))

    # local content: every foreign bid in a developing host plans the share of work it will
    # source locally (at least the enforced rule, more where local firms are cheaper) and prices
    # it in
    q.own_cost = bids.cost.copy()
    cell = _cell(m, q, bids)
    q.local_share = _plan_local_sourcing(m, q, bids, cell)
    bids.cost = local_m.blended_cost(q.own_cost, q.local_share, q.local_price[cell])
    q.bids = bids
    bids.run = brun = t.run[bids.tender]
    # every bidder chooses its markup from its own history (learned propensities), or prices
    # at the customary markup when learning is switched off
    q.learner_row = _learner_rows(m, q)
    u = m.in_run_order(brun, m.streams["markups"].random)
    q.markup_choice = m.learners.choose(q.learner_row, u)
    learned = m.at(k.markup_learning, brun)
    markup = np.where(learned != 0, m.learners.grid[q.markup_choice],
                      m.at(k.customary_markup.astype(float), brun))
    q.markup = np.where(bids.live, markup, 0.0)
    q.price = bidding.bid_prices(bids, t.value, q.markup)


def _learner_rows(m: Batch, q: Quarter) -> np.ndarray:
    """Who chooses the markup of each bid, and in which situation: the association for a
    consortium bid, the Chinese firm (the lead of a trilateral consortium) for a Chinese bid,
    the developing-country firm for its own bid at home, the developed firm otherwise; the
    situation is whether rivals, and rivals of the bidder's
    own kind, bid on the tender (:func:`sim.mechanisms.learning.rival_context`)."""
    b, L = q.bids, m.learners
    rsector = q.tenders.rsector[b.tender]
    ctx = learning.rival_context(b.tender, b.is_cn.astype(np.int64), b.live, q.tenders.n, 2)
    # each bid's learner: its index among all learners (the row of its kind's first learner
    # plus its index within the kind, firms and associations numbered run after run), then
    # the row of its situation
    off = L.offset
    learner = np.where(b.consortium, off["assoc"] + rsector,
                       np.where(b.is_cn, off["cn"] + b.cn,
                                np.where(b.dg >= 0, off["dg"] + b.dg, off["dv"] + b.dv)))
    return learner * L.contexts + ctx


def learn_markups(m: Batch, q: Quarter, won: np.ndarray, profit: np.ndarray) -> None:
    """Bidders reinforce the markups they used by the profit they earned (per unit of tender
    value, nothing on a lost bid); volume-seeking SOEs also value the contract itself (idle
    capacity put to work, state direction: the volume terms of their bid utility)."""
    b, t, k = q.bids, q.tenders, m.k
    live = b.live.nonzero()[0]
    value = t.value[b.tender[live]]
    run = b.run[live]
    idle = np.where(b.consortium[live], 1.0 - m.utilization[t.rsector[b.tender[live]]],
                    np.where(b.is_cn[live], q.idle[np.maximum(b.cn[live], 0)], 0.0))
    volume = np.where(b.is_cn[live], m.at(k.volume_weight, run)
                      + m.at(k.idle_weight, run) * idle, 0.0)
    reward = learning.bid_reward(won=won[live], margin=profit[live] / value,
                                 orientation=b.orient[live], volume_value=volume)
    L = m.learners
    m.learners.learn(q.learner_row[live], q.markup_choice[live], reward,
                     recency=m.at(k.learning_recency, L.run),
                     experimentation=m.at(k.learning_experimentation, L.run))


def _cell(m: Batch, q: Quarter, bids: bidding.Bids) -> np.ndarray:
    """(host, sector) cell of each bid's tender (hosts numbered across the batch)."""
    t = q.tenders
    return local_m.cells(t.host[bids.tender], t.sector[bids.tender], len(SECTORS))


def _local_bids(m: Batch, q: Quarter,
                exp_loss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which developing-country firms bid on which tenders: those of their sector in their home
    host that they look at and find worth bidding on. Returns (firm, tender) pairs."""
    t, dg = q.tenders, m.dg
    u = m.streams["local"].random(m.sizes.dg, rows=LOOKS_DG)
    firm, ti = bidding.sample_local(u, np.arange(dg.n), dg.rsector, dg.home, t.rsector, t.host,
                                    t.by_sector)
    firm, ti = firm.astype(np.int64), ti.astype(np.int64)
    if firm.size:
        firm, ti = np.divmod(bidding.unique_sorted(firm * (t.n + 1) + ti), t.n + 1)
    keep = (dgf.bid_utility(exp_loss[t.host[ti]]) > 0) & (dg.tech[firm] >= t.min_tech[ti])
    return firm[keep], ti[keep]


def _plan_local_sourcing(m: Batch, q: Quarter, bids: bidding.Bids,
                         cell: np.ndarray) -> np.ndarray:
    """Share of each bid's work its bidder plans to source from local firms (0 in developed
    hosts and for local firms' own bids); ``cell`` is each bid's (host, sector) cell. Sets the
    quarter's local subcontract price per cell."""
    t, dg, h = q.tenders, m.dg, m.hosts
    n_cells = h.n * len(SECTORS)
    cap, cost, tech = local_m.cell_stats(dg.cell, dg.capacity, dg.base_cost, dg.tech, n_cells)
    q.local_price = cost * (1.0 + local_m.SUB_MARGIN)
    host = t.host[bids.tender]
    foreign = ~t.developed[bids.tender] & (bids.dg < 0)
    rule = m.at(m.lever("local_content"), h.run[host]) * m.local_enforcement[host]
    share = local_m.sourcing_share(rule=rule, own_cost=bids.cost, local_price=q.local_price[cell],
                                   available=cap[cell] > 0)
    return np.where(foreign, share, 0.0)
