"""Phases 6 and 7 of a quarter: technology, and where firms put their capacity.

:func:`learn`: learning by doing, transfer in trilateral consortia and from plants beside
developed firms, R&D, the frontier's drift, and what local firms learn
(:mod:`sim.mechanisms.technology`). :func:`locate`: Chinese firms invest in parks in developing
hosts or plants in developed hosts (:func:`sim.agents.chinese_firm.location_utility`,
:mod:`sim.mechanisms.location`); local firms reinvest and partner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..agents import chinese_firm as cf
from ..books import Quarter
from ..mechanisms import local as local_m
from ..mechanisms import location as loc_m
from ..mechanisms import technology as tech_m
from ..mechanisms.accounts import sum_by
from ..scenario.params import SECTORS

if TYPE_CHECKING:
    from ..batch import Batch

def learn(m: Batch, q: Quarter) -> None:
    """Phase 6: learning by doing, transfer in consortia and plants, R&D; frontier drift."""
    cn, dv, b, st, k = m.cn, m.dv, q.bids, q.settlement, m.k
    run = cn.run
    cap = np.maximum(cn.capacity, 1e-12)
    sector_frontier = sum_by(dv.rsector, dv.tech, m.R * len(SECTORS)) / np.maximum(
        dv.per_rsector, 1)  # by (run, sector)
    gain = tech_m.learning(cn.tech, cn.revenue / cap, m.at(k.learning_by_doing, run),
                           m.at(k.domestic_drift, run))
    kk, firms, share = st.members.award, st.members.firm, st.members.share
    intensity, mult = st.intensity, st.ipr_multiplier
    spill, premium = m.uncertainty("spillover_rate"), m.uncertainty("jv_premium")
    row = st.rows[kk]  # the winning bid of each (award, firm) member
    tri = b.trilateral[row]
    if tri.any():
        row_t = row[tri]
        partner = b.dv[row_t]
        f_ = firms[tri]
        fr = run[f_]
        exposure = share[tri] * b.cn_frac[row_t] * q.price[row_t] / cap[f_]
        g = tech_m.transfer_gain(
            gap=dv.tech[partner] - cn.tech[f_], exposure=exposure, intensity=intensity[kk][tri],
            spillover=m.at(spill, fr), premium=m.at(premium, fr), multiplier=m.at(mult, fr),
            tech=cn.tech[f_], adjustment=m.at(k.spillover_adjustment, fr))
        np.add.at(gain, f_, g)
    # plants in developed hosts work beside developed firms (arm's-length spillover)
    plant_share = cn.cap_dev / cap
    plant_intensity = tech_m.transfer_intensity(k.plant_transfer, m.lever("ipr_protection"))
    gain += tech_m.transfer_gain(
        gap=sector_frontier[cn.rsector] - cn.tech, exposure=plant_share,
        intensity=m.at(plant_intensity, run), spillover=m.at(spill, run), premium=1.0,
        multiplier=m.at(mult, run), tech=cn.tech, adjustment=m.at(k.spillover_adjustment, run))
    gain += tech_m.rd_gain(cn.tech, cn.profit, cap, m.at(k.rd_share, run),
                           m.at(k.rd_efficiency, run))
    cn.tech = np.minimum(np.maximum(cn.tech + gain, 0.0), 0.99)
    dv.tech = np.minimum(np.maximum(dv.tech + m.at(k.frontier_drift, dv.run) * (1 - dv.tech),
                                    0.0), 0.99)
    _local_learning(m, q, cap)


def _local_learning(m: Batch, q: Quarter, cn_cap: np.ndarray) -> None:
    """Developing-country firms learn by doing, from the foreign winners they work for (the
    value-weighted technology of the cell's subcontracted projects) and from a Chinese
    joint-venture partner in a park of their host (``cn_cap``: the Chinese firms' capacity,
    at least 1e-12)."""
    dg, t, st, cn, k = m.dg, q.tenders, q.settlement, m.cn, m.k
    run = dg.run
    n_cells = m.hosts.n * len(SECTORS)
    cap = np.maximum(dg.capacity, 1e-12)
    tech_before = dg.tech
    gain = tech_m.learning(tech_before, dg.revenue / cap, m.at(k.learning_by_doing, run),
                           m.at(k.domestic_drift, run))
    cell = local_m.cells(t.host[st.won], t.sector[st.won], len(SECTORS))
    paid = sum_by(cell, st.local_pay, n_cells)
    winner_tech = sum_by(cell, st.local_pay * q.bids.tech[st.rows], n_cells) / np.maximum(
        paid, 1e-12)
    spill = m.at(m.uncertainty("spillover_rate"), run)
    adjustment = m.at(k.spillover_adjustment, run)
    gain += tech_m.transfer_gain(
        gap=winner_tech[dg.cell] - tech_before, exposure=dg.sub_revenue / cap,
        intensity=local_m.SUB_TRANSFER, spillover=spill, premium=1.0,
        multiplier=1.0, tech=tech_before, adjustment=adjustment)
    has = dg.partner >= 0
    if has.any():  # (without partners nothing is added: the gain stays as it is)
        partner = np.maximum(dg.partner, 0)
        gain += np.where(has, tech_m.transfer_gain(
            gap=cn.tech[partner] - tech_before,
            exposure=cn.cap_park[partner] / cn_cap[partner],
            intensity=local_m.JV_TRANSFER, spillover=spill,
            premium=m.at(m.uncertainty("jv_premium"), run), multiplier=1.0, tech=tech_before,
            adjustment=adjustment), 0.0)
    dg.tech = np.minimum(np.maximum(tech_before + gain, 0.0), 0.99)


def _host_of_run(u: np.ndarray, run: np.ndarray, index: np.ndarray,
                 count: np.ndarray) -> np.ndarray:
    """A host drawn uniformly (``u``) among its run's hosts of one kind: ``index`` lists the
    batch's hosts of that kind run after run, ``count`` how many each run has (a run without
    any gets host 0: the caller does not use it)."""
    start = count.cumsum() - count
    n = count[run]
    pos = start[run] + np.minimum((u * n).astype(int), n - 1)
    return index[np.where(n > 0, pos, 0)] if index.size else np.zeros(u.size, np.int64)


def locate(m: Batch, q: Quarter) -> None:
    """Phase 7: firms invest in parks in developing hosts or plants in developed hosts (in the
    runs that have hosts of both kinds)."""
    cn, h, k = m.cn, m.hosts, m.k
    run = cn.run
    r = m.streams["location"]
    u_dg, u_dev, u_block = r.random(m.sizes.cn, rows=3)
    noise = 0.02 * r.gumbel(m.sizes.cn, rows=2)
    cn.cash += m.at(k.domestic_earnings, run) * cn.cap_home * m.utilization[cn.rsector]
    n_dev = m.sizes.developed
    n_dg = m.sizes.hosts - n_dev
    both = (n_dev > 0) & (n_dg > 0)  # runs where firms choose between the two
    if not both.any():
        return
    budget = (loc_m.investable(cn.cash, cn.capacity, m.at(k.cash_threshold, run),
                               m.at(k.invest_rate, run))
              * (1 - m.at(m.uncertainty("capital_controls"), run)))
    park = np.where(cn.park_host >= 0, cn.park_host,
                    _host_of_run(u_dg, run, h.developing_index, n_dg))
    plant = np.where(cn.dev_host >= 0, cn.dev_host,
                     _host_of_run(u_dev, run, h.developed_index, n_dev))
    risk = q.p_distress[park] * m.at(m.uncertainty("writeoff_share"), run)
    idle = q.idle  # capacity has not moved since the bids
    u_park, u_dev = cf.location_utility(
        orientation=np.where(cn.soe, m.at(m.lever("soe_reform"), run), 1.0),
        labour_index=m.at(m.labour_index, run), park_labour=h.labour_cost[park],
        park_risk=risk, idle_share=idle, parks=m.at(m.lever("overseas_parks"), run),
        localization=m.at(m.lever("localization"), run),
        state_support=m.at(m.lever("state_support"), run), dev_barrier=h.barrier[plant],
        dev_bit=h.bit[plant], bit_effect=m.at(m.uncertainty("bit_effect"), run),
        risk_aversion=m.at(k.cn_risk_aversion, run),
        periphery_weight=m.at(k.periphery_weight, run),
        dev_plant_return=m.at(k.dev_plant_return, run),
        dev_plant_fixed=m.at(k.dev_plant_fixed, run), park_return=m.at(k.park_return, run),
        park_saving=m.at(k.park_saving, run), idle_relocation=m.at(k.idle_relocation, run))
    u_park, u_dev = u_park + noise[0], u_dev + noise[1]
    go = (budget > 0) & (np.maximum(u_park, u_dev) > 0) & both[run]
    prefer_dev = u_dev > u_park
    to_dev = go & prefer_dev
    # review turns the deal down: the entry barrier or an explicit investment screen
    p_block = 1.0 - (1.0 - h.barrier[plant]) * (
        1.0 - m.at(m.uncertainty("investment_screening"), run))
    blocked = to_dev & (u_block < p_block)
    to_dev &= ~blocked
    to_park = go & ~prefer_dev
    moved = loc_m.capacity_moved(budget, cn.cap_home, idle, m.at(k.capacity_per_bn, run),
                                 m.at(k.idle_move_factor, run), m.at(k.max_move, run))
    moving = to_dev | to_park
    inv = np.where(moving, budget, 0.0)
    cn.cash -= inv
    cn.cap_home -= np.where(moving, moved, 0.0)
    cn.cap_dev += np.where(to_dev, moved, 0.0)
    cn.cap_park += np.where(to_park, moved, 0.0)
    cn.dev_host = np.where(to_dev, plant, cn.dev_host)
    cn.park_host = np.where(to_park, park, cn.park_host)
    q.flow.invest_dev = m.by_run(inv[to_dev], run[to_dev])
    q.flow.invest_dg = m.by_run(inv[to_park], run[to_park])
    q.flow.invest_blocked = m.count_by_run(blocked, run)
    m.totals.invest_dev += q.flow.invest_dev
    m.totals.invest_dg += q.flow.invest_dg
    _local_investment(m, both)


def _local_investment(m: Batch, runs: np.ndarray) -> None:
    """Developing-country firms of the ``runs`` (a mask over runs) reinvest part of their profit
    in capacity; those without a partner join the Chinese firm with the largest park in their
    host (a joint venture)."""
    dg, cn = m.dg, m.cn
    mine = runs[dg.run]
    invest = np.where(mine, local_m.REINVEST * np.maximum(dg.profit, 0.0), 0.0)
    dg.cash -= invest
    dg.capacity = dg.capacity + local_m.CAPACITY_PER_BN * invest
    in_park = (cn.park_host >= 0).nonzero()[0]
    lone = (dg.partner < 0) & mine
    if in_park.size and lone.any():
        # parks by host, the largest first (ties: the lower firm index, as lexsort is stable)
        order = in_park[np.lexsort((-cn.cap_park[in_park], cn.park_host[in_park]))]
        host = cn.park_host[order]
        first = np.ones(order.size, bool)  # the first (largest) park of each host
        first[1:] = host[1:] != host[:-1]
        best = np.full(m.hosts.n, -1)
        best[host[first]] = order[first]
        dg.partner = np.where(lone, best[dg.home], dg.partner)
