"""The model's books: a typed record of one quarter, its flows, and the running totals.

* :class:`Quarter` is what the phases of :mod:`sim.schedule` pass to each other within one
  quarter: the tenders issued, the bids, their markups and prices, the winners and the
  settlement. A phase reads what earlier phases wrote and adds its own part; nothing of a quarter
  is kept on the model except ``model.latest_quarter`` (for metrics and inspection).
* :class:`Flows` are the quarter's money and count flows, one documented field each; the metrics
  take trailing-year sums of them over :class:`Window`.
* :class:`Totals` are the running totals since the start (USD bn unless noted).

All three are slotted dataclasses: assigning or reading a field that does not exist (a mistyped
flow) raises ``AttributeError`` instead of silently creating or reading a zero.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from operator import attrgetter

import numpy as np

from .mechanisms.bidding import Bids
from .mechanisms.tendering import Tenders


@dataclass(slots=True)
class Flows:
    """Flows of one quarter (USD bn of price paid unless noted); every field starts at 0."""

    #: Value awarded: the price of every tender won this quarter.
    awarded: float = 0.0
    #: Chinese work share of the value awarded.
    cn_value: float = 0.0
    #: Chinese work share of value awarded in high-end sectors (rail, power, telecom, aviation).
    cn_value_high: float = 0.0
    #: Value awarded in developed hosts.
    dev_awarded: float = 0.0
    #: Chinese work share of value awarded in developed hosts.
    dev_cn_value: float = 0.0
    #: Price paid by developing hosts.
    dg_paid: float = 0.0
    #: Budget x delivered technology of developing-host projects.
    dg_value_tech: float = 0.0
    #: Budgets of developing-host projects awarded.
    dg_budget: float = 0.0
    #: Price x delivered technology of developing-host projects.
    dg_price_tech: float = 0.0
    #: Sum of markups on tenders won by Chinese or Chinese-led bids (share of cost, summed).
    cn_markup_sum: float = 0.0
    #: Tenders won by Chinese or Chinese-led bids (count).
    cn_wins: float = 0.0
    #: Developed-host tenders that drew a live Chinese bid (count).
    cn_dev_bids: float = 0.0
    #: Developed-host tenders won by a Chinese or Chinese-led bid (count).
    cn_dev_wins: float = 0.0
    #: Power tenders that drew a live Chinese bid (count).
    cn_power_bids: float = 0.0
    #: Power tenders won by a Chinese or Chinese-led bid (count).
    cn_power_wins: float = 0.0
    #: Trilateral projects won in developing hosts (count).
    trilateral_dg: float = 0.0
    #: Projects awarded in developing hosts (count).
    dg_projects: float = 0.0
    #: Price of developing-host projects that fell into payment distress.
    dg_distress_value: float = 0.0
    #: Chinese investment placed in plants in developed hosts.
    invest_dev: float = 0.0
    #: Chinese investment placed in parks in developing hosts.
    invest_dg: float = 0.0
    #: Chinese investments in developed hosts turned down by review (count).
    invest_blocked: float = 0.0
    #: Sum of the discounts of Chinese winning bids in developed hosts below the cheapest
    #: non-Chinese rival (share of the rival's price, summed).
    cn_discount_sum: float = 0.0
    #: Number of such contested Chinese wins (count).
    cn_discount_n: float = 0.0
    #: New policy-bank loans on projects won in developing hosts.
    dg_lending: float = 0.0
    #: New loans of all lenders on projects in developing hosts.
    dg_loans: float = 0.0
    #: Value of tied (policy-bank financed) projects awarded.
    dg_tied_value: float = 0.0
    #: Tenders that drew at least one separate Chinese bid before any merging (count).
    tenders_with_cn: float = 0.0
    #: Separate Chinese bids as hosts receive them, a consortium counting once (count).
    cn_separate_bids: float = 0.0
    #: Budget of developing-host tenders that drew bids but none under the reserve price.
    dg_priced_out: float = 0.0
    #: Developing-host value not awarded (priced out) or cancelled after award (price).
    dg_cancelled: float = 0.0
    #: Work done by developing-country firms in developing hosts: their own contracts and the
    #: work subcontracted to them.
    dg_local_value: float = 0.0


@dataclass(slots=True)
class Totals:
    """Running totals since the start of the run (USD bn unless noted)."""

    #: Overseas profit of Chinese firms after distress losses and licensing fees.
    cn_overseas_profit: float = 0.0
    #: Distress losses borne by Chinese firms.
    cn_distress_loss: float = 0.0
    #: Profit of developed firms (solo bids, consortium shares, licensing fees).
    dv_profit: float = 0.0
    #: Licensing fees received by developed firms.
    dv_licensing: float = 0.0
    #: Developed firms' revenue from tenders in developing hosts.
    dv_third_party_revenue: float = 0.0
    #: Value delivered to developing hosts (written-off parts excluded).
    dg_infrastructure: float = 0.0
    #: Price of all projects awarded in developing hosts.
    dg_value: float = 0.0
    #: Price of developing-host projects in payment distress.
    dg_distress_value: float = 0.0
    #: Developing hosts' procurement surplus: quality value - price.
    dg_procurement: float = 0.0
    #: Value lost in payment distress on developing-host projects (contractors' and the joint
    #: fund's write-offs).
    dg_distress_cost: float = 0.0
    #: Developed hosts' procurement surplus: quality value - price.
    dv_host_surplus: float = 0.0
    #: Trilateral projects won in developing hosts (count).
    trilateral_dg: float = 0.0
    #: Contractors' distress losses on trilateral projects in developing hosts.
    trilateral_loss: float = 0.0
    #: Distress losses absorbed by the joint fund.
    fund_loss: float = 0.0
    #: Chinese work in overcapacity sectors done with idle home capacity.
    idle_put_to_work: float = 0.0
    #: Chinese investment placed in developed hosts.
    invest_dev: float = 0.0
    #: Chinese investment placed in developing hosts.
    invest_dg: float = 0.0
    #: Wages paid at Chinese parks and plants in developing hosts.
    dg_wages: float = 0.0
    #: Wages paid at Chinese plants in developed hosts.
    dv_wages: float = 0.0
    #: Value of Chinese technology upgrading (tech_value x capacity x rise in technology).
    tech_value: float = 0.0
    #: Chinese work value won in developed hosts.
    dv_cn_value: float = 0.0
    #: Value awarded in developed hosts.
    dv_awarded: float = 0.0
    #: Developing-host value not awarded (no bid under the reserve price) or cancelled.
    dg_cancelled: float = 0.0
    #: Revenue of developing-country firms (own contracts and subcontracted work).
    dg_local_revenue: float = 0.0
    #: Profit of developing-country firms, after their part of distress losses.
    dg_local_profit: float = 0.0
    #: Wages paid by developing-country firms.
    dg_local_wages: float = 0.0
    #: Interest developing hosts paid on project loans.
    dg_interest: float = 0.0
    #: Interest received by the Chinese policy banks.
    policy_interest: float = 0.0
    #: Interest received by the joint funds.
    fund_interest: float = 0.0
    #: Loans the policy banks wrote off on distressed projects.
    policy_writeoff: float = 0.0
    #: Loans the joint funds wrote off on distressed projects.
    fund_writeoff: float = 0.0
    #: Loans all lenders wrote off on distressed projects (a relief to the hosts).
    loan_writeoff: float = 0.0


FLOW_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Flows))
TOTAL_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Totals))
_FLOW_SET = frozenset(FLOW_FIELDS)
_ALL_FLOWS = attrgetter(*FLOW_FIELDS)  # a quarter's flows as a tuple, in FLOW_FIELDS order


class Window:
    """The flows of the trailing year (the last four quarters, oldest first)."""

    __slots__ = ("_quarters", "_values")

    def __init__(self, quarters: int = 4) -> None:
        self._quarters: deque[Flows] = deque(maxlen=quarters)
        # the same, as one array each (flows x runs of a batch, or flows for plain numbers)
        self._values: deque[np.ndarray] = deque(maxlen=quarters)

    def append(self, flows: Flows) -> None:
        """Add a quarter's flows, which are final by then (its values are read once, here)."""
        self._quarters.append(flows)
        self._values.append(np.array(_ALL_FLOWS(flows), dtype=float))

    def total(self, name: str) -> float:
        """Sum of one flow over the trailing year (``AttributeError`` for an unknown flow, even
        while the window is empty)."""
        if name not in _FLOW_SET:
            raise AttributeError(f"no flow named {name!r} (see sim.books.Flows)")
        return sum([getattr(f, name) for f in self._quarters])

    def totals(self) -> dict[str, float]:
        """Every flow summed over the trailing year, by name: what :meth:`total` gives for each,
        summed in the same order, in one pass over the quarters."""
        if not self._quarters:
            return dict.fromkeys(FLOW_FIELDS, 0)
        total = 0 + self._values[0]  # as sum() adds: 0, then the quarters in order
        for v in itertools.islice(self._values, 1, None):
            total = total + v
        return dict(zip(FLOW_FIELDS, total))

    def __iter__(self) -> Iterator[Flows]:
        return iter(self._quarters)

    def __len__(self) -> int:
        return len(self._quarters)


@dataclass(slots=True)
class Members:
    """Chinese firms behind the winning bids: one row per (winning bid, firm)."""

    #: Position of the winning bid in :attr:`Settlement.won` (index into its arrays).
    award: np.ndarray
    #: The Chinese firm.
    firm: np.ndarray
    #: The firm's share of the Chinese part of the bid (1 for a solo bid; by capacity in a
    #: consortium).
    share: np.ndarray


@dataclass(slots=True)
class Settlement:
    """Who won what and how it was paid (phase 5); arrays run over the awarded tenders."""

    #: Awarded tenders (rows of :class:`~sim.mechanisms.tendering.Tenders`).
    won: np.ndarray
    #: Winning bid of each awarded tender (rows of :class:`~sim.mechanisms.bidding.Bids`).
    rows: np.ndarray
    #: Price paid, USD bn.
    price: np.ndarray
    #: Markup of the winning bid over its cost.
    markup: np.ndarray
    #: Chinese work share of the winning bid.
    cn_frac: np.ndarray
    #: The project fell into payment distress.
    distressed: np.ndarray
    #: Distress loss borne by the contractors, USD bn.
    loss: np.ndarray
    #: Distress loss absorbed by the joint fund, USD bn.
    fund_loss: np.ndarray
    #: Licensing fee paid by the Chinese side to a trilateral partner, USD bn.
    fee: np.ndarray
    #: Technology-transfer intensity inside a trilateral consortium (0 elsewhere).
    intensity: np.ndarray
    #: IPR multiplier of transfer and fees this quarter.
    ipr_multiplier: float
    #: Chinese firms behind the winning bids.
    members: Members
    #: Successful projects per Chinese firm (shares of projects).
    successes: np.ndarray
    #: Projects with implementation problems per Chinese firm (shares of projects).
    failures: np.ndarray
    #: New loans per lender (rows: policy banks, joint funds, multilateral lenders) and project,
    #: USD bn.
    loans: np.ndarray
    #: Loans written off on distressed projects, per lender and project, USD bn.
    loan_losses: np.ndarray
    #: Chinese revenue done with home capacity, per sector, USD bn.
    home_work: np.ndarray
    #: Share of each project's work sourced from local firms (planned share x what local
    #: capacity could take).
    local_share: np.ndarray
    #: Paid to local firms for subcontracted work per project, USD bn.
    local_pay: np.ndarray


@dataclass(slots=True)
class Quarter:
    """The record of one quarter, filled phase by phase (``None`` until its phase has run)."""

    #: Step index (0 = 2015Q1).
    index: int
    #: Flows of the quarter.
    flow: Flows = field(default_factory=Flows)
    #: Tenders issued (phase 2).
    tenders: Tenders | None = None
    #: Debt service over government revenue per host at the start of the quarter (phase 1).
    service_ratio: np.ndarray | None = None
    #: Chance of payment distress per host (phase 3).
    p_distress: np.ndarray | None = None
    #: Standards-compliance gap per sector from the associations' work (phase 3).
    compliance_gap: np.ndarray | None = None
    #: Unit cost of each Chinese firm (phase 3).
    unit_cost: np.ndarray | None = None
    #: Idle home capacity of each Chinese firm as a share of its capacity (phase 3; capacity
    #: moves only in phase 7, after its firms have read this).
    idle: np.ndarray | None = None
    #: Local subcontract price per (host, sector) cell, per unit of tender value (phase 3).
    local_price: np.ndarray | None = None
    #: Unit cost of every bid row before local sourcing (phase 3).
    own_cost: np.ndarray | None = None
    #: Share of work each bid row plans to source locally (phase 3).
    local_share: np.ndarray | None = None
    #: All bids (phase 3).
    bids: Bids | None = None
    #: Markup of every bid row (0 for dead rows) (phase 3).
    markup: np.ndarray | None = None
    #: Price of every bid row (0 for dead rows) (phase 3).
    price: np.ndarray | None = None
    #: Tenders an association coordinates (its members' bids merged) (phase 3).
    coordinated: np.ndarray | None = None
    #: Learner row (bidder and situation) that chose each bid's markup (phase 3).
    learner_row: np.ndarray | None = None
    #: Index on the markup grid each bid chose (phase 3).
    markup_choice: np.ndarray | None = None
    #: Winning bid row per tender, -1 where none (phase 4).
    winner: np.ndarray | None = None
    #: Settlement of the awarded tenders (phase 5).
    settlement: Settlement | None = None
