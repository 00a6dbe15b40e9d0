"""Tendering (step phase 2): host economies issue tenders.

Source: China Brief 15(18), *With Developing Countries*; calibration to about USD 500 bn a year of
international contracts, 40% in developed markets (ENR via CHINCA, F9, F10).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..scenario.constants import constant

#: Mean tender value, USD bn (lognormal, sigma 1).
MEAN_VALUE = constant("mean_tender_value")
#: Tenders per quarter per unit of host size (before the tender_volume multiplier).
BASE_RATE = constant("tender_rate")
#: Sector mix of tenders in developing hosts (steel, cement, flat glass, rail, power, telecom,
#: aviation): overcapacity sectors weigh more there.
SECTOR_MIX_DEVELOPING = np.array([0.16, 0.14, 0.08, 0.18, 0.24, 0.14, 0.06])
#: Sector mix of tenders in developed hosts, same order: mostly high-end.
SECTOR_MIX_DEVELOPED = np.array([0.07, 0.06, 0.05, 0.26, 0.26, 0.18, 0.12])
#: The two mixes as cumulative bounds (last bound exactly 1), for drawing a sector by inversion.
_CUM_DEVELOPING = np.cumsum(SECTOR_MIX_DEVELOPING) / np.cumsum(SECTOR_MIX_DEVELOPING)[-1]
_CUM_DEVELOPED = np.cumsum(SECTOR_MIX_DEVELOPED) / np.cumsum(SECTOR_MIX_DEVELOPED)[-1]


@dataclass
class Tenders:
    """The tenders of one quarter, one row each."""

    host: np.ndarray
    sector: np.ndarray
    value: np.ndarray  # budget at the reference (developed-firm) price, USD bn
    min_tech: np.ndarray
    price_weight: np.ndarray
    developed: np.ndarray  # bool: host is developed
    trilateral_open: np.ndarray  # bool: open to trilateral consortia
    u_payment: np.ndarray  # uniform draws for payment distress
    u_problem: np.ndarray  # uniform draws for implementation problems
    u_partner: np.ndarray  # uniform draws for trilateral partner choice
    u_willing: np.ndarray  # uniform draws for the partner's willingness
    by_sector: np.ndarray  # row order by sector, then host, then row (for candidate draws)
    tied: np.ndarray = None  # type: ignore[assignment]  # bool: financed by tied policy-bank credit

    def __post_init__(self) -> None:
        if self.tied is None:
            self.tied = np.zeros(self.host.size, bool)

    @property
    def n(self) -> int:
        return int(self.host.size)

    @classmethod
    def of_runs(cls, parts: list[Tenders], n_runs: int) -> Tenders:
        """The tenders of ``parts`` (each with its ``run`` set, hosts numbered across a batch:
        :func:`issue_runs`) in one set, run after run and, within a run, part after part; with
        each tender's (run, sector) key ``rsector`` and ``by_sector`` ordering them by run,
        sector, host, then row (each run's own order)."""
        n_sectors = len(SECTOR_MIX_DEVELOPED)
        parts = [p for p in parts if p.n] or parts[:1]
        if len(parts) == 1:
            out = {f.name: getattr(parts[0], f.name) for f in fields(cls)}
            run = parts[0].run
        else:
            run = np.concatenate([p.run for p in parts])
            order = run.argsort(kind="stable")
            run = run[order]
            out = {f.name: np.concatenate([getattr(p, f.name) for p in parts])[order]
                   for f in fields(cls) if f.name != "by_sector"}
        rsector = run * n_sectors + out["sector"]
        # hosts are numbered run after run, so (run, sector, host) is (rsector, host)
        n_hosts = int(out["host"].max(initial=0)) + 1
        out["by_sector"] = (rsector * n_hosts + out["host"]).argsort(kind="stable")
        t = cls(**out)
        t.run, t.rsector = run, rsector
        return t

    def extended(self, extra: Tenders) -> Tenders:
        """These tenders followed by ``extra`` (``by_sector`` recomputed: sector, then host, then
        row); ``self`` when ``extra`` is empty."""
        if extra.n == 0:
            return self
        out = {f.name: np.concatenate([getattr(self, f.name), getattr(extra, f.name)])
               for f in fields(self) if f.name != "by_sector"}
        # by sector, then host, then row: one sort of a composite key (unique, so the same
        # order as sorting by the three keys in turn)
        n = self.n + extra.n
        n_hosts = int(out["host"].max()) + 1
        out["by_sector"] = ((out["sector"] * n_hosts + out["host"]) * n
                            + np.arange(n)).argsort()
        return Tenders(**out)


def issue(rng: np.random.Generator, *, size: np.ndarray, developed: np.ndarray,
          price_weight: np.ndarray, volume: float, third_party: float, mean_value: float = MEAN_VALUE,
          base_rate: float = BASE_RATE) -> Tenders:
    """Draw one quarter's tenders for all hosts.

    Counts are Poisson in host size; sector from the host kind's sector mix; value lognormal;
    minimum technology higher in developed hosts. Lever-dependent flags use fixed uniform draws
    compared with the lever (common random numbers: raising a lever only adds tenders to a set).
    """
    counts = rng.poisson(base_rate * volume * size)
    host = np.arange(size.size).repeat(counts)
    n = host.size
    dev = developed[host]
    u_sector = rng.random(n)
    # a uniform draw below 1 never passes the last bound (1.0), so the sector is a valid index
    sector = np.where(dev, _CUM_DEVELOPED.searchsorted(u_sector, side="right"),
                      _CUM_DEVELOPING.searchsorted(u_sector, side="right"))
    value = mean_value * np.exp(rng.normal(-0.5, 1.0, n))
    min_tech = np.where(dev, rng.uniform(0.45, 0.8, n), rng.uniform(0.3, 0.65, n))
    # six uniform draws per tender, drawn as six rows (the same numbers as six draws of n in a
    # row). The first once decided coordination; associations decide that now (phase 3), and
    # the row is kept so that every later draw of the stream stays where it was
    _, u_tri, u_payment, u_problem, u_partner, u_willing = rng.random((6, n))
    sector = sector.astype(np.int64, copy=False)
    return Tenders(
        host=host, sector=sector, value=value, min_tech=min_tech,
        price_weight=price_weight[host], developed=dev,
        trilateral_open=u_tri < third_party,
        u_payment=u_payment, u_problem=u_problem, u_partner=u_partner, u_willing=u_willing,
        # rows come host by host, so a stable sort by sector alone (a radix sort of 8-bit keys)
        # orders them by sector, then host
        by_sector=sector.astype(np.uint8).argsort(kind="stable"),
    )


def issue_runs(gens: list[np.random.Generator], runs: np.ndarray, *, size: np.ndarray,
               developed: np.ndarray, price_weight: np.ndarray, host_offset: np.ndarray,
               host_count: np.ndarray, volume: np.ndarray, third_party: np.ndarray,
               mean_value: np.ndarray, base_rate: np.ndarray) -> Tenders:
    """:func:`issue` for several runs of a batch at once: run ``r`` of ``runs`` draws from
    ``gens[r]`` exactly what :func:`issue` draws for its hosts (``host_offset[r]`` and the next
    ``host_count[r]`` of the batch's hosts) with its own ``volume[r]``, ``third_party[r]``,
    ``mean_value[r]`` and ``base_rate[r]``; the arithmetic is done once for all. Returns the
    tenders run after run, hosts numbered across the batch, with ``run`` set (``by_sector`` is
    left for :meth:`Tenders.of_runs` to set)."""
    hosts, draws = [], []
    for r in runs:
        g = gens[r]
        lo = host_offset[r]
        counts = g.poisson(base_rate[r] * volume[r] * size[lo:lo + host_count[r]])
        n = int(counts.sum())
        hosts.append(np.arange(lo, lo + host_count[r]).repeat(counts))
        draws.append((g.random(n), g.normal(-0.5, 1.0, n), g.uniform(0.45, 0.8, n),
                      g.uniform(0.3, 0.65, n), g.random((6, n))))
    if not hosts:
        return _no_tenders()
    host = np.concatenate(hosts)
    u_sector, normal, tech_dev, tech_dg = (np.concatenate([d[i] for d in draws])
                                           for i in range(4))
    _, u_tri, u_payment, u_problem, u_partner, u_willing = np.concatenate(
        [d[4] for d in draws], axis=1)
    run = np.repeat(runs, [h.size for h in hosts])
    dev = developed[host]
    sector = np.where(dev, _CUM_DEVELOPED.searchsorted(u_sector, side="right"),
                      _CUM_DEVELOPING.searchsorted(u_sector, side="right")).astype(np.int64)
    t = Tenders(
        host=host, sector=sector, value=mean_value[run] * np.exp(normal),
        min_tech=np.where(dev, tech_dev, tech_dg), price_weight=price_weight[host],
        developed=dev, trilateral_open=u_tri < third_party[run], u_payment=u_payment,
        u_problem=u_problem, u_partner=u_partner, u_willing=u_willing,
        by_sector=np.zeros(0, np.int64))
    t.run = run
    return t


def _no_tenders() -> Tenders:
    z = np.zeros(0)
    zi = np.zeros(0, np.int64)
    t = Tenders(host=zi, sector=zi, value=z, min_tech=z, price_weight=z,
                developed=np.zeros(0, bool), trilateral_open=np.zeros(0, bool), u_payment=z,
                u_problem=z, u_partner=z, u_willing=z, by_sector=zi)
    t.run = zi
    return t
