"""Chinese firms: SOEs and SMEs in one sector each.

Source: China Brief 15(18), intro, *Externally*, *Internally* and *Location Preference*.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import numpy as np

from ..scenario.constants import constant
from ._store import array_property


@dataclass
class ChineseFirms:
    """State of all Chinese firms, one row per firm (USD bn; capacity is output per quarter)."""

    soe: np.ndarray  # bool
    sector: np.ndarray  # int, index into params.SECTORS
    cap_home: np.ndarray  # capacity at home
    cap_park: np.ndarray  # capacity relocated to industrial parks in developing hosts
    cap_dev: np.ndarray  # capacity at plants and subsidiaries in developed hosts
    park_host: np.ndarray  # int host index of the firm's park (-1 none)
    dev_host: np.ndarray  # int host index of the firm's developed-market plant (-1 none)
    base_cost: np.ndarray  # unit cost at home at the start, per unit of tender value
    tech: np.ndarray  # technology level 0-1
    brand: np.ndarray  # brand 0-1
    cash: np.ndarray  # USD bn
    active: np.ndarray  # bool: takes part abroad this quarter
    # flows of the current step (reset each step)
    revenue: np.ndarray = field(default=None)  # type: ignore[assignment]
    profit: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        n = self.soe.size
        if self.revenue is None:
            self.revenue = np.zeros(n)
        if self.profit is None:
            self.profit = np.zeros(n)

    @property
    def n(self) -> int:
        return int(self.soe.size)

    @property
    def capacity(self) -> np.ndarray:
        """Total capacity wherever it sits; relocation moves it, never creates it."""
        return self.cap_home + self.cap_park + self.cap_dev

    def profit_orientation(self, soe_reform: float) -> np.ndarray:
        """SOEs follow the ``soe_reform`` lever; SMEs are fully profit-oriented."""
        return np.where(self.soe, soe_reform, 1.0)

    def unit_cost(self, labour_index: float, park_labour: np.ndarray) -> np.ndarray:
        """Unit cost blended over where capacity sits.

        Home cost rises with the domestic labour index (labour is about 30% of cost); park
        capacity uses the park host's lower labour cost (China Brief 15(18), *Externally*).
        """
        home = self.base_cost * (0.7 + 0.3 * labour_index)
        park = self.base_cost * (0.7 + 0.3 * park_labour)
        cap = np.maximum(self.capacity, 1e-12)
        return (home * (self.cap_home + self.cap_dev) + park * self.cap_park) / cap


class ChineseFirm(mesa.Agent):
    """One Chinese SOE or SME; its state is row ``index`` of ``model.cn``."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    soe = array_property("cn", "soe", "True for a state-owned enterprise.")
    tech = array_property("cn", "tech", "Technology level 0-1.")
    brand = array_property("cn", "brand", "Brand 0-1.")
    cash = array_property("cn", "cash", "Cash, USD bn.")
    cap_home = array_property("cn", "cap_home", "Capacity at home, USD bn per quarter.")
    cap_park = array_property("cn", "cap_park", "Capacity in overseas parks, USD bn per quarter.")
    cap_dev = array_property("cn", "cap_dev", "Capacity in developed hosts, USD bn per quarter.")
    active = array_property("cn", "active", "Takes part in tenders abroad.")

    @property
    def sector(self) -> str:
        from ..scenario.params import SECTORS

        return SECTORS[self.model.cn.sector[self.index]]

    @property
    def ownership(self) -> str:
        return "soe" if self.soe else "sme"

    @property
    def profit_orientation(self) -> float:
        return 1.0 if not self.soe else float(self.model.lever("soe_reform"))


# --- decisions (vectorised over the firms that make them) -------------------------------------

#: Markup a firm expects to earn when it considers a tender.
EXPECTED_MARGIN = constant("cn_expected_margin")
#: Cost of preparing a bid abroad as a share of its value (SOE; SMEs pay more).
BID_COST_SOE, BID_COST_SME = constant("bid_cost_soe"), constant("bid_cost_sme")
#: Risk aversion of profit-oriented firms to expected payment losses.
RISK_AVERSION = constant("cn_risk_aversion")
#: Weight of idle capacity and of state direction in the utility of volume-seeking SOEs.
IDLE_WEIGHT = constant("idle_weight")
VOLUME_WEIGHT = constant("volume_weight")
PERIPHERY_WEIGHT = constant("periphery_weight")


def bid_utility(*, orientation: np.ndarray, soe: np.ndarray, idle_share: np.ndarray,
                access: np.ndarray, expected_loss: np.ndarray, developing: np.ndarray,
                state_support: float, expected_margin: float = EXPECTED_MARGIN,
                bid_cost_soe: float = BID_COST_SOE, bid_cost_sme: float = BID_COST_SME,
                risk_aversion: float = RISK_AVERSION, idle_weight: float = IDLE_WEIGHT,
                volume_weight: float = VOLUME_WEIGHT,
                periphery_weight: float = PERIPHERY_WEIGHT) -> np.ndarray:
    """Utility of bidding on a candidate tender, per unit of its value (> 0: bid).

    A profit-oriented firm weighs the risk-adjusted margin (the chance of getting past the entry
    barrier times the margin, minus expected payment losses with risk aversion, minus the bid
    cost); idle capacity makes overseas work cheaper at the margin. A volume-seeking SOE also
    values shifting idle capacity and state direction toward the periphery, and discounts risk
    (a soft budget constraint). China Brief 15(18), *Internally*, *Location Preference*.
    """
    bid_cost = np.where(soe, bid_cost_soe, bid_cost_sme) * (1.0 - 0.5 * state_support)
    margin = expected_margin + idle_weight * idle_share
    profit = access * margin - risk_aversion * expected_loss - bid_cost
    volume = (volume_weight + idle_weight * idle_share + periphery_weight * developing
              + 0.3 * (access * expected_margin - bid_cost))
    return orientation * profit + (1.0 - orientation) * volume


#: Return of a plant in a developed host before support, BIT and barrier (higher returns and
#: payment credibility of mature markets: China Brief 15(18), *Location Preference*).
DEV_PLANT_RETURN = constant("dev_plant_return")
#: Fixed cost of a developed-market plant as a return penalty, before state support.
DEV_PLANT_FIXED = constant("dev_plant_fixed")
#: Return of a park before labour savings and support, and the return per unit of relative
#: labour-cost saving (China Brief 15(18), *Externally*: cheaper land and labour).
PARK_RETURN, PARK_SAVING = constant("park_return"), constant("park_saving")
#: Idle home capacity makes relocating it cheaper at the margin (overcapacity push).
IDLE_RELOCATION = constant("idle_relocation")


def location_utility(*, orientation: np.ndarray, labour_index: float, park_labour: np.ndarray,
                     park_risk: np.ndarray, idle_share: np.ndarray, parks: float,
                     localization: float, state_support: float, dev_barrier: np.ndarray,
                     dev_bit: np.ndarray, bit_effect: float,
                     risk_aversion: float = RISK_AVERSION,
                     periphery_weight: float = PERIPHERY_WEIGHT,
                     dev_plant_return: float = DEV_PLANT_RETURN,
                     dev_plant_fixed: float = DEV_PLANT_FIXED, park_return: float = PARK_RETURN,
                     park_saving: float = PARK_SAVING,
                     idle_relocation: float = IDLE_RELOCATION) -> tuple[np.ndarray, np.ndarray]:
    """Utilities of a park in a developing host and of a plant in a developed host.

    Profit-oriented firms weigh risk-adjusted return: a park saves labour cost but carries payment
    and political risk; a developed plant earns more, lowers the barrier the firm faces there and
    is safer, but has a fixed cost and meets screening. Volume-seeking SOEs add the value of
    shifting idle capacity and state direction toward the periphery, and discount risk. So SOE
    reform moves investment from periphery to centre (China Brief 15(18), *Location Preference*).
    """
    park_value = (park_return + park_saving * (1.0 - park_labour / labour_index) + 0.04 * parks
                  + idle_relocation * idle_share)
    dev_return = (dev_plant_return + 0.05 * localization + bit_effect * dev_bit
                  + 0.1 * dev_barrier - dev_plant_fixed * (1.0 - 0.5 * state_support)
                  - 0.15 * dev_barrier ** 2)
    u_park = (orientation * (park_value - risk_aversion * park_risk)
              + (1 - orientation) * (park_value + periphery_weight + 0.03))
    u_dev = orientation * dev_return + (1 - orientation) * (dev_return - 0.04)
    return u_park, u_dev
