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
