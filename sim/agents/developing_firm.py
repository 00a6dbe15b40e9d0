"""Developing-country firms: local contractors and suppliers in the developing hosts.

Source: China Brief 15(18), closing paragraphs (local workers and communities) and *With
Developing Countries*; FACTS F24 (local employment and linkages of Chinese projects in Africa).
They bid on tenders in their home host, are subcontracted a share of foreign winners' work there
(at least the host's enforced local-content rule, more where they are cheaper), partner with
Chinese firms that run a park in their host, learn (by doing, and from the firms they work for and
with), hire, and grow their capacity out of profit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import mesa
import numpy as np

from ._store import array_property


@dataclass
class DevelopingFirms:
    """State of all developing-country firms, one row per firm (USD bn; capacity is output per
    quarter)."""

    home: np.ndarray  # int host index of the home economy (a developing host)
    sector: np.ndarray  # int, index into params.SECTORS
    tech: np.ndarray  # technology level 0-1 (low)
    capacity: np.ndarray  # capacity, USD bn of output per quarter
    base_cost: np.ndarray  # unit cost per unit of tender value (low labour, dearer inputs)
    cash: np.ndarray  # USD bn
    partner: np.ndarray  # int Chinese firm of a park joint venture in the home host (-1 none)
    # flows of the current step (reset each step)
    revenue: np.ndarray = field(default=None)  # type: ignore[assignment]
    profit: np.ndarray = field(default=None)  # type: ignore[assignment]
    sub_revenue: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        n = self.home.size
        for name in ("revenue", "profit", "sub_revenue"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(n))

    @property
    def n(self) -> int:
        return int(self.home.size)

    @cached_property
    def cell(self) -> np.ndarray:
        """Each firm's (home host, sector) cell (:func:`sim.mechanisms.local.cells`), computed
        once: a firm's home and sector never change (callers must not modify it)."""
        from ..mechanisms.local import cells
        from ..scenario.params import SECTORS

        return cells(self.home, self.sector, len(SECTORS))


class DevelopingFirm(mesa.Agent):
    """One local contractor or supplier; its state is row ``index`` of ``model.dg``."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    home = array_property("dg", "home", "Index of the home host (a developing economy).",
                          fixed=True)
    tech = array_property("dg", "tech", "Technology level 0-1.")
    capacity = array_property("dg", "capacity", "Capacity, USD bn of output per quarter.")
    cash = array_property("dg", "cash", "Cash, USD bn.")
    partner = array_property("dg", "partner", "Chinese joint-venture partner (-1 none).")

    @property
    def sector(self) -> str:
        from ..scenario.params import SECTORS

        return SECTORS[self.model.dg.sector[self.index]]


# --- decisions -----------------------------------------------------------------------------

#: Markup a local firm expects when it considers a tender at home (as a developed firm's).
EXPECTED_MARGIN = 0.12
#: Cost of preparing a bid at home, as a share of its value (no travel, no translation),
#: assumption.
BID_COST = 0.01
#: Risk aversion to expected payment losses: a home firm knows its government's arrears and has
#: nowhere else to go (below the foreign firms' 3-4), assumption.
RISK_AVERSION = 2.0


def bid_utility(expected_loss: np.ndarray) -> np.ndarray:
    """Utility of bidding on a candidate tender at home, per unit of its value (> 0: bid)."""
    return EXPECTED_MARGIN - RISK_AVERSION * expected_loss - BID_COST
