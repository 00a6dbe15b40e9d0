"""The ten phases of one quarter, in order (docs/ODD.md section 3). This is the only place the
order is set; :meth:`sim.model.TripleWinModel.step` loops over :data:`PHASES`.

1. environment   domestic demand and utilisation, labour cost, SME participation, BITs, host risk
                 and debt service                                    (mechanisms.lending)
2. tendering     host economies issue tenders; tied projects on policy-bank credit
                                                                     (mechanisms.tendering)
3. bids          firms choose tenders; associations merge Chinese bids; trilateral consortia;
                 local firms bid at home; local sourcing priced in; markups and prices
                                                                     (agents.*, mechanisms.bidding,
                                                                      mechanisms.local)
4. award         best score per tender, vectorised                   (mechanisms.award)
5. payment       revenue, cost, local subcontracts, payment distress, joint fund, loans,
                 licensing                      (mechanisms.finance, accounts, local, lending)
6. technology    learning, transfer, R&D; local firms learn          (mechanisms.technology)
7. location      parks in developing hosts, plants in developed hosts; local firms invest and
                 partner                                             (mechanisms.location)
8. reputation    brand from campaigns, successes and failures        (mechanisms.reputation)
9. hosts         screening by developed hosts; local-content enforcement; lenders respond,
                 loans amortise                 (agents.host_economy, mechanisms.local, lending)
10. record       every metric of sim.metrics                         (sim.metrics)

Each phase is a function ``phase(model, quarter)``: agent state lives in the model's arrays; what
happens in the quarter (tenders, bids, prices, winners, settlement and the flows) is written to the
typed record ``quarter`` (:class:`sim.books.Quarter`) that the phases pass on; running totals are
``model.totals`` (:class:`sim.books.Totals`) and the trailing year of flows ``model.window``.
Formulas live in :mod:`sim.mechanisms`; a phase decides what to apply where. The phase functions
live in :mod:`sim.phases`, one module per group of phases (markets, bids, contracts, growth,
hosts); this module only sets their order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .phases.bids import bid
from .phases.contracts import award, pay
from .phases.growth import learn, locate
from .phases.hosts import record, reputation, respond
from .phases.markets import environment, tender

if TYPE_CHECKING:
    from .books import Quarter
    from .model import TripleWinModel


PHASES: tuple[tuple[str, Callable[[TripleWinModel, Quarter], None]], ...] = (
    ("environment", environment),
    ("tendering", tender),
    ("bids", bid),
    ("award", award),
    ("payment", pay),
    ("technology", learn),
    ("location", locate),
    ("reputation", reputation),
    ("hosts", respond),
    ("record", record),
)
