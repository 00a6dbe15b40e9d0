"""Developed-country firms (an AREVA, a Maxwell).

Source: China Brief 15(18), *With Developed Countries*; *International Industrial Capacity
Cooperation*.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import numpy as np

from ..scenario.constants import constant
from ._store import array_property


@dataclass
class DevelopedFirms:
    """State of all developed-country firms, one row per firm."""

    home: np.ndarray  # int host index of the home economy (a developed host)
    sector: np.ndarray
    tech: np.ndarray
    brand: np.ndarray
    base_cost: np.ndarray
    capacity: np.ndarray
    partner_willingness: np.ndarray  # 0-1, propensity to join trilateral consortia
    transfer_willingness: np.ndarray  # 0-1, propensity to transfer technology to partners
    revenue: np.ndarray = field(default=None)  # type: ignore[assignment]
    profit: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        n = self.home.size
        if self.revenue is None:
            self.revenue = np.zeros(n)
        if self.profit is None:
            self.profit = np.zeros(n)

    @property
    def n(self) -> int:
        return int(self.home.size)


class DevelopedFirm(mesa.Agent):
    """One developed-country firm; its state is row ``index`` of ``model.dv``."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    tech = array_property("dv", "tech", "Technology level 0-1.")
    brand = array_property("dv", "brand", "Brand 0-1.")
    capacity = array_property("dv", "capacity", "Capacity, USD bn per quarter.")
    partner_willingness = array_property("dv", "partner_willingness",
                                         "Propensity to join trilateral consortia.")
    transfer_willingness = array_property("dv", "transfer_willingness",
                                          "Propensity to transfer technology.")

    @property
    def sector(self) -> str:
        from ..scenario.params import SECTORS

        return SECTORS[self.model.dv.sector[self.index]]


# --- decisions -----------------------------------------------------------------------------

#: Markup a developed firm expects when it considers a tender.
EXPECTED_MARGIN = constant("dv_expected_margin")
#: Cost of preparing a bid, as a share of its value.
BID_COST = constant("dv_bid_cost")
#: Risk aversion to expected payment losses: below a profit-oriented Chinese firm's (4), as
#: established multinationals diversify across many markets and insure export credit.
RISK_AVERSION = constant("dv_risk_aversion")


def bid_utility(expected_loss: np.ndarray, *, expected_margin: float = EXPECTED_MARGIN,
                risk_aversion: float = RISK_AVERSION, bid_cost: float = BID_COST) -> np.ndarray:
    """Utility of bidding on a candidate tender, per unit of its value (> 0: bid)."""
    return expected_margin - risk_aversion * expected_loss - bid_cost
