"""Lending and debt (step phases 2, 3, 5 and 9): credit offered to developing hosts, loans on
awarded projects, debt service against revenue, payment distress, and the lenders' response.

Source: China Brief 15(18), *With Developing Countries*, *Location Preference* (debt
insolvency); FACTS F19 (renegotiation and partial write-off), F22 (policy-bank lending boom to
2016, then a fall), F25 (rescue lending after the boom); the lenders' debt-sustainability cap is
anchored to the IMF-World Bank Debt Sustainability Framework for low-income countries (2018):
external debt service of 14 / 18 / 23% of revenue for weak / medium / strong debt-carrying
capacity.

A host's debt is its loans: an initial stock (the ``debt_level`` uncertainty, serviced on old
terms) plus every lender's outstanding loans. What it owes each quarter (principal over the tenor
plus interest) against its revenue decides how likely its projects are to fall into payment
distress. All functions are pure and vectorised over hosts.
"""

from __future__ import annotations

import numpy as np

from ..scenario.constants import constant
from .accounts import cumsum_by_run, sum_by

#: Government revenue as a share of GDP in developing hosts (IMF: about 15-20% in low-income
#: countries), assumption within that range.
REVENUE_SHARE = 0.2
#: Debt service per quarter on the initial debt stock, per unit of it: old loans at about 2% a
#: year over about 30 years (0.005 + 0.0083), assumption.
OLD_SERVICE = 0.0133
#: Debt service / revenue at which a disciplined lender starts to cut credit, and where it stops
#: lending: the DSF thresholds for weak (14%) and medium (18%) debt-carrying capacity.
DSF_WEAK, DSF_MEDIUM = 0.14, 0.18
#: Weight of the debt-service ratio in the distress probability. Calibration: at the default
#: debt_level (0.5) a host's service ratio is about 0.133, where the factor 0.5 + SERVICE_WEIGHT
#: x ratio equals 1 (distress_rate is then the chance of distress of an average host).
SERVICE_WEIGHT = constant("debt_service_weight")
#: Extra distress factor per unit of debt service above the DSF medium threshold, relative to
#: that threshold: past it the risk of debt distress is high (what the DSF thresholds mark),
#: assumption.
OVERHANG = constant("debt_overhang")
#: A lender's willingness recovers by this share of the way to 1 each quarter, assumption.
RECOVERY = 0.05
#: Fall of willingness per unit of the share of its new loans written off this quarter above
#: the loss it expects as normal (lenders pull back after losses, F22, F25), assumption.
LOSS_AVERSION = 2.0
#: Share of new loans a lender expects to write off in a normal quarter (about the default
#: distress rate times the write-off share, 0.08 x 0.35), assumption.
EXPECTED_LOSS = 0.03
#: Hosts' appetite for new financed projects falls by this much per unit of the distress share
#: of their projects over the trailing year, assumption.
DISTRESS_APPETITE = 3.0
#: Interest a year and tenor (quarters) of the policy banks', the joint funds' and the
#: multilateral lenders' loans, in lender row order. Order of magnitude of AidData 2021
#: (*Banking on the Belt and Road*: Chinese official loans at about 4% over under 10 years, other
#: official lenders about 1% over about 28 years); the joint funds' in between, assumption.
RATES = (0.042, 0.02, 0.011)
TENORS = (40, 80, 112)


def service_ratio(service: np.ndarray, gdp_quarterly: np.ndarray) -> np.ndarray:
    """Debt service over government revenue, per host and quarter."""
    return service / np.maximum(REVENUE_SHARE * gdp_quarterly, 1e-12)


def distress_probability(distress_rate: float, instability: np.ndarray, ratio: np.ndarray,
                         weight: float = SERVICE_WEIGHT,
                         overhang: float = OVERHANG) -> np.ndarray:
    """Chance that a project in a developing host falls into payment distress: rises with
    political instability and with the host's debt service against its revenue, faster above the
    DSF medium threshold (equal to ``distress_rate`` at instability 0.3 and the default debt)."""
    debt = 0.5 + weight * ratio + overhang * np.maximum(ratio - DSF_MEDIUM, 0.0) / DSF_MEDIUM
    return np.minimum(np.maximum(distress_rate * (0.4 + 2.0 * instability) * debt, 0.0), 0.95)


def dsf_cut(ratio: np.ndarray) -> np.ndarray:
    """How far a host's debt-service ratio has gone from the DSF weak threshold to the medium
    one (0 below the weak threshold, 1 from the medium one up): the share of its credit a fully
    disciplined lender cuts."""
    return np.minimum(np.maximum((ratio - DSF_WEAK) / (DSF_MEDIUM - DSF_WEAK), 0.0), 1.0)


def credit_cap(ratio: np.ndarray, discipline: float) -> np.ndarray:
    """Share of the credit a lender would offer a host that it does offer: a disciplined lender
    (``discipline`` 1) cuts it linearly between the DSF weak and medium thresholds of the
    host's debt-service ratio and lends nothing above; an undisciplined one (0) lends whatever is
    asked."""
    return 1.0 - discipline * dsf_cut(ratio)


def appetite(distress_share: np.ndarray) -> np.ndarray:
    """Hosts' appetite for new financed projects after their own projects went bad."""
    return np.minimum(np.maximum(1.0 - DISTRESS_APPETITE * distress_share, 0.0), 1.0)


def offer(budget: np.ndarray, weight: np.ndarray, run: np.ndarray, n_runs: int) -> np.ndarray:
    """Each run's ``budget`` shared among its hosts in proportion to ``weight`` (0 where all of
    a run's weights are 0; ``run``: each host's run): the credit a lender would offer each host
    before its cap and the host's appetite."""
    total = sum_by(run, weight, n_runs)[run]
    return np.divide(budget[run] * weight, total, out=np.zeros(weight.shape), where=total > 0)


def ration(request: np.ndarray, budget: float | np.ndarray, run: np.ndarray | None = None,
           n_runs: int = 1) -> np.ndarray:
    """Loans granted on requests in order, first come first served, up to ``budget`` (one
    number, or one per request: its run's; with ``run`` given, each run's requests are served
    in order from its own budget)."""
    before = cumsum_by_run(request, run, n_runs) - request
    return np.maximum(np.minimum(request, budget - before), 0.0)


def tied_tender_size(offered: np.ndarray, financed_share: float,
                     mean_value: float | np.ndarray, base_rate: float | np.ndarray,
                     volume: float | np.ndarray) -> np.ndarray:
    """Host size that makes the expected budget of a host's extra financed tenders equal the
    project value the offered credit finances (``offered / financed_share``)."""
    return offered / np.maximum(financed_share * mean_value * base_rate * volume, 1e-12)


def next_willingness(willingness: np.ndarray, lent: np.ndarray,
                     distressed: np.ndarray) -> np.ndarray:
    """Lenders' willingness next quarter: down with the share of this quarter's new loans
    written off beyond the normal loss, recovering toward 1 otherwise."""
    bad = np.divide(distressed, lent, out=np.zeros(lent.shape), where=lent > 0)
    return np.minimum(np.maximum(willingness + RECOVERY * (1.0 - willingness)
                                 - LOSS_AVERSION * np.maximum(bad - EXPECTED_LOSS, 0.0), 0.0),
                      1.0)
