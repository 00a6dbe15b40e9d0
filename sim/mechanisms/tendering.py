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


def issue(rng: np.random.Generator, *, size: np.ndarray, developed: np.ndarray,
          price_weight: np.ndarray, volume: float, third_party: float, mean_value: float = MEAN_VALUE,
          base_rate: float = BASE_RATE) -> Tenders:
    """Draw one quarter's tenders for the hosts of one run (:func:`issue_runs` for a batch of
    one run)."""
    one = lambda x: np.array([x], dtype=float)  # noqa: E731 - a value of the one run
    t = issue_runs([rng], np.zeros(1, np.int64), size=size, developed=developed,
                   price_weight=price_weight, host_offset=np.zeros(1, np.int64),
                   host_count=np.array([size.size]), volume=one(volume),
                   third_party=one(third_party), mean_value=one(mean_value),
                   base_rate=one(base_rate))
    return Tenders.of_runs([t], 1)


def issue_runs(gens: list[np.random.Generator], runs: np.ndarray, *, size: np.ndarray,
               developed: np.ndarray, price_weight: np.ndarray, host_offset: np.ndarray,
               host_count: np.ndarray, volume: np.ndarray, third_party: np.ndarray,
               mean_value: np.ndarray, base_rate: np.ndarray) -> Tenders:
    """Draw one quarter's tenders for the hosts of several runs of a batch.

    Counts are Poisson in host size; sector from the host kind's sector mix; value lognormal;
    minimum technology higher in developed hosts. Lever-dependent flags use fixed uniform draws
    compared with the lever (common random numbers: raising a lever only adds tenders to a set).
    Run ``r`` of ``runs`` draws from its own ``gens[r]`` for its hosts (``host_offset[r]`` and
    the next ``host_count[r]`` of the batch's hosts) with its own ``volume[r]``,
    ``third_party[r]``, ``mean_value[r]`` and ``base_rate[r]``, the same numbers whatever other
    runs are drawn with it; the arithmetic is done once for all. The six uniform rows per tender
    keep a first row that once decided coordination (associations decide that now, phase 3), so
    that every later draw of the stream stays where it was. Returns the tenders run after run,
    hosts numbered across the batch, with ``run`` set (``by_sector`` is left for
    :meth:`Tenders.of_runs` to set)."""
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
