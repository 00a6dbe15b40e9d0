"""Chinese industrial associations, one per sector (a China Electricity Council).

Source: China Brief 15(18), *Internally* (associations coordinate joint bids and carry standards
work; CEC's English standards).
"""

from __future__ import annotations

import mesa

from ..scenario.constants import constant

#: How much each sector's tenders depend on technical standards; the CEC's standards work makes
#: power the sector where integration matters most (China Brief 15(18), *Internally*; F17).
STANDARDS_WEIGHT = {"steel": 0.3, "cement": 0.3, "flat_glass": 0.3, "rail": 0.6, "power": 1.0,
                    "telecom": 0.6, "aviation": 0.6}


#: Largest score penalty for bidding on foreign standards (about the value of 0.15 technology
#: points). Calibration choice: large enough that CEC-style standards work moves power win rates.
COMPLIANCE_PENALTY = constant("compliance_penalty")


class IndustrialAssociation(mesa.Agent):
    """The association of one sector: coordinates joint bids, carries standards work."""

    def __init__(self, model: mesa.Model, sector: int, sector_name: str) -> None:
        super().__init__(model)
        self.sector = sector
        self.sector_name = sector_name
        self.standards_weight = STANDARDS_WEIGHT[sector_name]

    def compliance_gap(self) -> float:
        """Score penalty a Chinese bid in this sector carries for foreign standards.

        At most COMPLIANCE_PENALTY (power, no integration); standards work removes it.
        """
        return (self.model.k.compliance_penalty * self.standards_weight
                * (1.0 - self.model.lever("standards_integration")))
