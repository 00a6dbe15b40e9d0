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
    from ..model import TripleWinModel

def learn(m: TripleWinModel, q: Quarter) -> None:
    """Phase 6: learning by doing, transfer in consortia and plants, R&D; frontier drift."""
    cn, dv, b, st = m.cn, m.dv, q.bids, q.settlement
    cap = np.maximum(cn.capacity, 1e-12)
    sector_frontier = sum_by(dv.sector, dv.tech, len(SECTORS)) / np.maximum(dv.per_sector, 1)
    gain = tech_m.learning(cn.tech, cn.revenue / cap, m.k.learning_by_doing, m.k.domestic_drift)
    k, firms, share = st.members.award, st.members.firm, st.members.share
    intensity, mult = st.intensity, st.ipr_multiplier
    row = st.rows[k]  # the winning bid of each (award, firm) member
    tri = b.trilateral[row]
    if tri.any():
        row_t = row[tri]
        partner = b.dv[row_t]
        f_ = firms[tri]
        exposure = share[tri] * b.cn_frac[row_t] * q.price[row_t] / cap[f_]
        g = tech_m.transfer_gain(
            gap=dv.tech[partner] - cn.tech[f_], exposure=exposure, intensity=intensity[k][tri],
            spillover=m.uncertainty("spillover_rate"), premium=m.uncertainty("jv_premium"),
            multiplier=mult, tech=cn.tech[f_], adjustment=m.k.spillover_adjustment)
        np.add.at(gain, f_, g)
    # plants in developed hosts work beside developed firms (arm's-length spillover)
    plant_share = cn.cap_dev / cap
    gain += tech_m.transfer_gain(
        gap=sector_frontier[cn.sector] - cn.tech, exposure=plant_share,
        intensity=float(tech_m.transfer_intensity(m.k.plant_transfer, m.lever("ipr_protection"))),
        spillover=m.uncertainty("spillover_rate"), premium=1.0, multiplier=mult, tech=cn.tech,
        adjustment=m.k.spillover_adjustment)
    gain += tech_m.rd_gain(cn.tech, cn.profit, cap, m.k.rd_share, m.k.rd_efficiency)
    cn.tech = np.minimum(np.maximum(cn.tech + gain, 0.0), 0.99)
    dv.tech = np.minimum(np.maximum(dv.tech + m.k.frontier_drift * (1 - dv.tech), 0.0), 0.99)
    _local_learning(m, q, cap)


def _local_learning(m: TripleWinModel, q: Quarter, cn_cap: np.ndarray) -> None:
    """Developing-country firms learn by doing, from the foreign winners they work for (the
    value-weighted technology of the cell's subcontracted projects) and from a Chinese
    joint-venture partner in a park of their host (``cn_cap``: the Chinese firms' capacity,
    at least 1e-12)."""
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
    spill = m.uncertainty("spillover_rate")
    gain += tech_m.transfer_gain(
        gap=winner_tech[dg.cell] - tech_before, exposure=dg.sub_revenue / cap,
        intensity=local_m.SUB_TRANSFER, spillover=spill, premium=1.0,
        multiplier=1.0, tech=tech_before, adjustment=m.k.spillover_adjustment)
    has = dg.partner >= 0
    if has.any():  # (without partners nothing is added: the gain stays as it is)
        partner = np.maximum(dg.partner, 0)
        gain += np.where(has, tech_m.transfer_gain(
            gap=cn.tech[partner] - tech_before,
            exposure=cn.cap_park[partner] / cn_cap[partner],
            intensity=local_m.JV_TRANSFER, spillover=spill,
            premium=m.uncertainty("jv_premium"), multiplier=1.0, tech=tech_before,
            adjustment=m.k.spillover_adjustment), 0.0)
    dg.tech = np.minimum(np.maximum(tech_before + gain, 0.0), 0.99)


def locate(m: TripleWinModel, q: Quarter) -> None:
    """Phase 7: firms invest in parks in developing hosts or plants in developed hosts."""
    cn, h = m.cn, m.hosts
    r = m.streams["location"]
    u_dg, u_dev, u_block = r.random((3, cn.n))
    noise = 0.02 * r.gumbel(size=(2, cn.n))
    cn.cash += m.k.domestic_earnings * cn.cap_home * m.utilization[cn.sector]
    dg_idx, dev_idx = h.developing_index, h.developed_index
    budget = (loc_m.investable(cn.cash, cn.capacity, m.k.cash_threshold, m.k.invest_rate)
              * (1 - m.uncertainty("capital_controls")))
    if dg_idx.size == 0 or dev_idx.size == 0:
        return
    park = np.where(cn.park_host >= 0, cn.park_host,
                    dg_idx[np.minimum((u_dg * dg_idx.size).astype(int), dg_idx.size - 1)])
    plant = np.where(cn.dev_host >= 0, cn.dev_host,
                     dev_idx[np.minimum((u_dev * dev_idx.size).astype(int), dev_idx.size - 1)])
    risk = q.p_distress[park] * m.uncertainty("writeoff_share")
    idle = q.idle  # capacity has not moved since the bids
    u_park, u_dev = cf.location_utility(
        orientation=cn.profit_orientation(m.lever("soe_reform")), labour_index=m.labour_index,
        park_labour=h.labour_cost[park], park_risk=risk, idle_share=idle,
        parks=m.lever("overseas_parks"), localization=m.lever("localization"),
        state_support=m.lever("state_support"), dev_barrier=h.barrier[plant],
        dev_bit=h.bit[plant], bit_effect=m.uncertainty("bit_effect"),
        risk_aversion=m.k.cn_risk_aversion, periphery_weight=m.k.periphery_weight,
        dev_plant_return=m.k.dev_plant_return, dev_plant_fixed=m.k.dev_plant_fixed,
        park_return=m.k.park_return, park_saving=m.k.park_saving,
        idle_relocation=m.k.idle_relocation)
    u_park, u_dev = u_park + noise[0], u_dev + noise[1]
    go = (budget > 0) & (np.maximum(u_park, u_dev) > 0)
    prefer_dev = u_dev > u_park
    to_dev = go & prefer_dev
    # review turns the deal down: the entry barrier or an explicit investment screen
    p_block = 1.0 - (1.0 - h.barrier[plant]) * (1.0 - m.uncertainty("investment_screening"))
    blocked = to_dev & (u_block < p_block)
    to_dev &= ~blocked
    to_park = go & ~prefer_dev
    moved = loc_m.capacity_moved(budget, cn.cap_home, idle, m.k.capacity_per_bn,
                                 m.k.idle_move_factor, m.k.max_move)
    moving = to_dev | to_park
    inv = np.where(moving, budget, 0.0)
    cn.cash -= inv
    cn.cap_home -= np.where(moving, moved, 0.0)
    cn.cap_dev += np.where(to_dev, moved, 0.0)
    cn.cap_park += np.where(to_park, moved, 0.0)
    cn.dev_host = np.where(to_dev, plant, cn.dev_host)
    cn.park_host = np.where(to_park, park, cn.park_host)
    q.flow.invest_dev = float(inv[to_dev].sum())
    q.flow.invest_dg = float(inv[to_park].sum())
    q.flow.invest_blocked = float(np.count_nonzero(blocked))
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
    in_park = (cn.park_host >= 0).nonzero()[0]
    lone = dg.partner < 0
    if in_park.size and lone.any():
        # parks by host, the largest first (ties: the lower firm index, as lexsort is stable)
        order = in_park[np.lexsort((-cn.cap_park[in_park], cn.park_host[in_park]))]
        host = cn.park_host[order]
        first = np.ones(order.size, bool)  # the first (largest) park of each host
        first[1:] = host[1:] != host[:-1]
        best = np.full(m.hosts.n, -1)
        best[host[first]] = order[first]
        dg.partner = np.where(lone, best[dg.home], dg.partner)
