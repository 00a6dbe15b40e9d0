"""Bids (step phase 3): candidate tenders, which tenders associations coordinate, consortia,
trilateral partners, prices. Markups are learned by each bidder (:mod:`sim.mechanisms.learning`).

Source: China Brief 15(18), *Internally* (joint bidding, cutthroat competition, CNR/CSR),
*International Industrial Capacity Cooperation* and *With Developed Countries* (trilateral
consortia, AREVA); FACTS F11-F13 (bid discounts, price wars, a sole coordinated bid priced high).

A bid row is *live* when it competes. Joint bidding does not delete the members' rows: they stay
as dead rows whose ``parent`` is the consortium row, which is how revenue is shared later.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..scenario.constants import constant

#: Chinese work share inside a trilateral consortium.
TRILATERAL_CN_SHARE = constant("trilateral_cn_share")


@dataclass
class Bids:
    """All bids of one quarter, one row each (dead rows are consortium members)."""

    tender: np.ndarray
    cn: np.ndarray  # Chinese firm (lead of a consortium: -1), or -1
    dv: np.ndarray  # developed firm (solo or trilateral partner), or -1
    dg: np.ndarray  # developing-country firm bidding at home, or -1
    tech: np.ndarray
    brand: np.ndarray
    cost: np.ndarray  # unit cost per unit of tender value
    weight: np.ndarray  # capacity of the bidder, for pooling
    orient: np.ndarray  # profit orientation of the bidder (1 for developed firms)
    plant: np.ndarray  # bool: the Chinese bidder has a plant in the host
    is_cn: np.ndarray  # bool: Chinese firms take part
    consortium: np.ndarray  # bool: an association's joint bid
    trilateral: np.ndarray  # bool: Chinese + developed consortium
    cn_frac: np.ndarray  # Chinese work share of the bid
    parent: np.ndarray  # consortium row a member belongs to, or -1
    live: np.ndarray  # bool

    @property
    def n(self) -> int:
        return int(self.tender.size)

    @classmethod
    def concat(cls, parts: list[Bids]) -> Bids:
        """The rows of ``parts`` one after the other (``parent`` indices shifted)."""
        out = {name: np.concatenate([getattr(p, name) for p in parts])
               for name in _FIELDS if name != "parent"}
        parents, off = [], 0
        for p in parts:
            parents.append(np.where(p.parent >= 0, p.parent + off, -1) if off else p.parent)
            off += p.n
        out["parent"] = np.concatenate(parents)
        return cls(**out)


    @classmethod
    def of_bidders(cls, parts: list[dict[str, np.ndarray]]) -> tuple[Bids, list[slice]]:
        """New live bids of several kinds of bidder, one kind after the other: each part gives
        what its bidders bring (``tender``, ``tech``, ``brand``, ``cost``, ``weight``,
        ``orient``); the rest is nobody's and unflagged (:func:`empty_like_bids`), for the caller
        to fill in through the rows of each part (the slices returned)."""
        out = {name: np.concatenate([p[name] for p in parts]) for name in _OWN}
        rows, start = [], 0
        for p in parts:
            rows.append(slice(start, start + p["tender"].size))
            start += p["tender"].size
        return cls(**out, **empty_like_bids(start)), rows


_FIELDS = tuple(f.name for f in fields(Bids))
#: What a bidder brings to its bid; every other field starts from :func:`empty_like_bids`.
_OWN = ("tender", "tech", "brand", "cost", "weight", "orient")


def empty_like_bids(n: int) -> dict[str, np.ndarray]:
    """The fields of ``n`` new live bids other than what the bidder brings: nobody's (-1), no
    flag set, no Chinese share. (One block of ints and one of flags, handed out row by row.)"""
    ids = np.full((4, n), -1)
    flags = np.zeros((4, n), bool)
    return dict(
        cn=ids[0], dv=ids[1], dg=ids[2], parent=ids[3], plant=flags[0], is_cn=flags[1],
        consortium=flags[2], trilateral=flags[3], cn_frac=np.zeros(n), live=np.ones(n, bool),
    )


def unique_sorted(key: np.ndarray) -> np.ndarray:
    """Sorted unique values of an int64 array (same result as ``np.unique``, by one sort)."""
    if key.size == 0:
        return key
    s = np.sort(key)
    keep = np.empty(s.size, bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def sample_candidates(u: np.ndarray, firm_sector: np.ndarray, eligible: np.ndarray,
                      tender_sector: np.ndarray, by_sector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each eligible firm looks at ``u.shape[1]`` tenders of its own sector, drawn uniformly.

    ``u`` is a fixed-size array of uniforms (firms x looks), so the draw does not depend on how
    many firms are eligible; a NaN entry is a look the firm does not take. ``by_sector`` orders
    the tenders by sector, then host (``Tenders.by_sector``). Returns (firm, tender) pairs
    without duplicates. Linear in the number of firms: no firm scans every tender.
    """
    n_sectors = int(max(tender_sector.max(initial=-1), firm_sector.max(initial=-1))) + 1
    counts = np.bincount(tender_sector, minlength=n_sectors)
    starts = counts.cumsum() - counts
    # the looks taken: by an eligible firm with tenders of its sector, not NaN (firm by firm)
    ok = (eligible & (counts[firm_sector] > 0))[:, None] & ~np.isnan(u)
    firm, uu = ok.nonzero()[0], u[ok]
    s = firm_sector[firm]
    pick = starts[s] + np.floor(uu * counts[s]).astype(np.int64)
    tender = by_sector[np.minimum(pick, by_sector.size - 1)] if by_sector.size else pick
    if firm.size:
        key = unique_sorted(firm.astype(np.int64) * (tender_sector.size + 1) + tender)
        firm, tender = np.divmod(key, tender_sector.size + 1)
    return firm, tender


def sample_local(u: np.ndarray, firm: np.ndarray, firm_sector: np.ndarray,
                 firm_host: np.ndarray, tender_sector: np.ndarray,
                 tender_host: np.ndarray, by_sector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Firms with a plant in a host look at one tender of their sector in that host.

    ``firm`` lists the firms with a plant, ``firm_host`` their plant's host; ``u`` one uniform
    per firm of the whole population, or one row of them per look (looks x population: each
    firm then takes one look per row); ``by_sector`` orders the tenders by sector, then host.
    Returns (firm, tender) pairs, look by look.
    """
    if firm.size == 0 or tender_sector.size == 0:
        return firm[:0], firm[:0]
    n_hosts = int(max(tender_host.max(), firm_host.max())) + 1
    # the tenders of each (sector, host) cell are one block of ``by_sector``: where it starts
    # and its size, found in the keys in that order
    ordered = (tender_sector.astype(np.int64) * n_hosts + tender_host)[by_sector]
    fkey = firm_sector[firm].astype(np.int64) * n_hosts + firm_host
    lo = ordered.searchsorted(fkey, side="left")
    n = ordered.searchsorted(fkey, side="right") - lo
    has = n > 0
    lo, n, firm = lo[has], n[has], firm[has]
    if u.ndim == 1:
        pick = lo + np.floor(u[firm] * n).astype(np.int64)
        return firm, by_sector[np.minimum(pick, by_sector.size - 1)]
    pick = lo + np.floor(u[:, firm] * n).astype(np.int64)
    return (np.concatenate([firm] * u.shape[0]),
            by_sector[np.minimum(pick.ravel(), by_sector.size - 1)])


def merge_chinese_bids(bids: Bids, coordinated: np.ndarray, tender_sector: np.ndarray) -> Bids:
    """Associations merge the Chinese bids on coordinated tenders into consortium bids.

    On each coordinated tender the consortium pools capacity, bids with the best member
    technology and brand and the capacity-weighted cost, and its members stop undercutting each
    other. Members stay as dead rows pointing at the consortium row. Consortium rows are
    appended sector by sector (an association's own tenders together), tenders in order within a
    sector: one pass for all associations.
    """
    if not coordinated.any():
        return bids
    mask = bids.live & bids.is_cn & ~bids.trilateral & ~bids.consortium & coordinated[bids.tender]
    rows = mask.nonzero()[0]
    if rows.size == 0:
        return bids
    tender = bids.tender[rows]
    key = tender_sector[tender].astype(np.int64) * (tender_sector.size + 1) + tender
    order = key.argsort(kind="stable")
    rows, key = rows[order], key[order]
    first = np.ones(rows.size, bool)
    np.not_equal(key[1:], key[:-1], out=first[1:])
    start = first.nonzero()[0]
    uniq = bids.tender[rows[start]]
    w = bids.weight[rows]
    wsum = np.add.reduceat(w, start)
    new = dict(
        tender=uniq,
        tech=np.maximum.reduceat(bids.tech[rows], start),
        brand=np.maximum.reduceat(bids.brand[rows], start),
        cost=np.add.reduceat(bids.cost[rows] * w, start) / wsum,
        weight=wsum,
        orient=np.add.reduceat(bids.orient[rows] * w, start) / wsum,
    )
    new.update(empty_like_bids(uniq.size))
    new["plant"] = np.logical_or.reduceat(bids.plant[rows], start)
    new["is_cn"][:] = True
    new["consortium"][:] = True
    new["cn_frac"][:] = 1.0
    bids.parent[rows] = bids.n + first.cumsum() - 1
    bids.live[rows] = False
    return Bids.concat([bids, Bids(**new)])


def form_trilateral(bids: Bids, *, tender_open: np.ndarray, tender_sector: np.ndarray,
                    u_partner: np.ndarray, u_willing: np.ndarray, dv_sector: np.ndarray,
                    dv_tech: np.ndarray, dv_brand: np.ndarray, dv_cost: np.ndarray,
                    willingness: np.ndarray, tender_bonus: np.ndarray,
                    cn_share: float | np.ndarray = TRILATERAL_CN_SHARE) -> Bids:
    """On tenders open to third-party cooperation, the cheapest Chinese bid seeks a partner.

    The partner is a developed firm of the sector, drawn at random; it joins with probability
    ``willingness`` (already adjusted for IPR protection) plus ``tender_bonus`` (joint-fund
    backing of the tender). The consortium
    bids with the partner's technology and brand and a cost blended by work share; the partner's
    own bid on that tender, if any, is withdrawn. ``cn_share`` may be given per tender.
    """
    cand = (bids.live & bids.is_cn & ~bids.trilateral & tender_open[bids.tender]).nonzero()[0]
    if cand.size == 0:
        return bids
    # the lead on each tender: the cheapest candidate, the lower row on a tie (no sort)
    n_t = tender_open.size
    tc, cost = bids.tender[cand], bids.cost[cand]
    cheapest = np.full(n_t, np.inf)
    np.fmin.at(cheapest, tc, cost)
    at_min = cost == cheapest[tc]
    first = np.full(n_t, bids.n, dtype=np.int64)
    np.minimum.at(first, tc[at_min], cand[at_min])
    t = (first < bids.n).nonzero()[0]
    lead = first[t]
    sec = tender_sector[t]
    order = dv_sector.argsort(kind="stable")
    counts = np.bincount(dv_sector, minlength=int(sec.max()) + 1)
    starts = counts.cumsum() - counts
    has = counts[sec] > 0
    pick = starts[sec] + np.floor(u_partner[t] * np.maximum(counts[sec], 1)).astype(np.int64)
    partner = np.where(has, order[np.minimum(pick, order.size - 1)], -1)
    ok = has & (u_willing[t] < willingness[np.maximum(partner, 0)] + tender_bonus[t])
    lead, partner, t = lead[ok], partner[ok], t[ok]
    if lead.size == 0:
        return bids
    f = cn_share[t] if isinstance(cn_share, np.ndarray) else cn_share
    bids.trilateral[lead] = True
    bids.dv[lead] = partner
    bids.tech[lead] = np.maximum(bids.tech[lead], dv_tech[partner])
    bids.brand[lead] = np.maximum(bids.brand[lead], dv_brand[partner])
    bids.cost[lead] = f * bids.cost[lead] + (1 - f) * dv_cost[partner]
    bids.cn_frac[lead] = f
    # withdraw the partner's own solo bid on the same tender
    # (one trilateral consortium per tender at most)
    partner_on = np.full(n_t, -1, dtype=np.int64)
    partner_on[t] = partner
    solo = bids.live & ~bids.is_cn & (bids.dv >= 0)
    solo &= partner_on[bids.tender] == bids.dv
    bids.live[solo] = False
    return bids


def contested_tenders(bids: Bids, n_tenders: int) -> np.ndarray:
    """Number of separate Chinese bids (not yet merged, not trilateral) on each tender: where
    it is 2 or more, members of one association would bid against each other."""
    mask = bids.live & bids.is_cn & ~bids.trilateral & ~bids.consortium
    return np.bincount(bids.tender[mask], minlength=n_tenders)


def choose_coordinated(*, n_member_bids: np.ndarray, tender_sector: np.ndarray,
                       tender_value: np.ndarray, covered: np.ndarray,
                       share: float | np.ndarray) -> np.ndarray:
    """The tenders the associations coordinate (one decision per association, all at once).

    An association considers only the tenders of its sector where two or more of its members
    bid (where they would otherwise undercut each other, China Brief 15(18), *Internally*; F12).
    Of those it coordinates the ones with the most at stake first (largest value), up to the
    share ``share`` of them that policy lets it coordinate (the ``joint_bidding`` lever, rounded
    to the nearest whole tender; ``share`` may be given per tender, the same within a sector).
    Raising the share only adds tenders to the coordinated set.
    """
    n = tender_sector.size
    contested = (n_member_bids >= 2) & covered[tender_sector]
    out = np.zeros(n, bool)
    rows = contested.nonzero()[0]
    if rows.size == 0 or (not isinstance(share, np.ndarray) and share <= 0):
        return out
    # by sector, then value descending, then row (deterministic)
    order = np.lexsort((rows, -tender_value[rows], tender_sector[rows]))
    rows = rows[order]
    sec = tender_sector[rows]
    first = np.ones(rows.size, bool)
    np.not_equal(sec[1:], sec[:-1], out=first[1:])
    start = first.nonzero()[0]
    group = first.cumsum() - 1
    size = np.bincount(group)  # contested tenders per sector
    rank = np.arange(rows.size) - start[group]
    if isinstance(share, np.ndarray):  # one share per tender: each group's own
        share = share[rows[start]]
    quota = np.floor(share * size + 0.5)
    out[rows[rank < quota[group]]] = True
    return out


def bid_prices(bids: Bids, value: np.ndarray, markup: np.ndarray) -> np.ndarray:
    """Price of every live bid: tender budget x unit cost x (1 + the bidder's chosen markup);
    zero for dead rows."""
    return np.where(bids.live, value[bids.tender] * bids.cost * (1.0 + markup), 0.0)
