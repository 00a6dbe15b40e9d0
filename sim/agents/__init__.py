"""The six kinds of Mesa agent (docs/ODD.md section 2).

Each agent is a thin Mesa ``Agent`` whose state lives in one row of a numpy array store owned by
the model (:class:`~sim.agents.chinese_firm.ChineseFirms` and friends). The arrays let the hot
mechanisms (tender award, technology transfer, payments) clear the whole population at once, while
the agents remain ordinary Mesa agents that AgentSet operations, Mesa's data collector and its
visualisation can read.
"""

from .association import IndustrialAssociation
from .chinese_firm import ChineseFirm, ChineseFirms
from .developed_firm import DevelopedFirm, DevelopedFirms
from .developing_firm import DevelopingFirm, DevelopingFirms
from .host_economy import HostEconomies, HostEconomy
from .lender import Lender, Lenders

__all__ = [
    "ChineseFirm",
    "ChineseFirms",
    "DevelopedFirm",
    "DevelopedFirms",
    "DevelopingFirm",
    "DevelopingFirms",
    "HostEconomies",
    "HostEconomy",
    "IndustrialAssociation",
    "Lender",
    "Lenders",
]
