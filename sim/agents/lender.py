"""Lenders: who finances projects in developing hosts.

Source: China Brief 15(18), *With Developing Countries* (China lobbying hosts to fund
infrastructure), *With Developed Countries* (joint funds), *Location Preference* (debt
insolvency); FACTS F22 (policy-bank lending rose to 2016, then fell), F23 (hidden debt), F25
(rescue lending after the boom). Three kinds, one row each: the Chinese policy banks (CDB and
China Exim, capital set by the ``policy_bank_lending`` lever), the joint funds (the
``joint_fund`` lever: they back trilateral projects) and the multilateral lenders (given
capital, the ``multilateral_lending`` uncertainty).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

#: Lender kinds, in row order.
POLICY_BANK, JOINT_FUND, MULTILATERAL = 0, 1, 2
KINDS = ("policy_bank", "joint_fund", "multilateral")


@dataclass
class Lenders:
    """State of the lenders, one row per lender (USD bn)."""

    rate: np.ndarray  # interest per year
    tenor: np.ndarray  # quarters over which a loan is repaid (straight line)
    willingness: np.ndarray  # 0-1: share of its capital a lender is willing to commit
    exposure: np.ndarray  # outstanding loans, lenders x hosts
    lent: np.ndarray  # cumulative new loans
    written_off: np.ndarray  # cumulative loans written off in distress
    repaid: np.ndarray  # cumulative principal repaid

    @property
    def n(self) -> int:
        return int(self.rate.size)

    def service(self) -> np.ndarray:
        """Debt service each host owes each quarter on these loans: principal over the tenor
        plus interest (lenders x hosts summed over lenders)."""
        per = 1.0 / self.tenor + self.rate / 4.0
        return (self.exposure * per[:, None]).sum(axis=0)


class Lender(mesa.Agent):
    """One lender; its state is row ``index`` of ``model.lenders``."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def kind(self) -> str:
        return KINDS[self.index]

    @property
    def willingness(self) -> float:
        return float(self.model.lenders.willingness[self.index])

    @property
    def exposure(self) -> float:
        """Outstanding loans to all hosts, USD bn."""
        return float(self.model.lenders.exposure[self.index].sum())
