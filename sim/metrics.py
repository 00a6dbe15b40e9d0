"""Outcome metrics, declared once (docs/ODD.md section 7.10).

Each :class:`Metric` has a name (part of the public contract), label, unit, meaning and group.
:func:`compute` evaluates them all from the model's state at the end of a step; shares over time
are taken over the trailing year (four quarters) so that a quarter without awards does not jump.

The three gains are the verdict's basis; their formulas live in :func:`gains` only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from .groups import GAINS, GROUPS
from .mechanisms.local import JOBS_LOCAL
from .mechanisms.environment import OVERCAPACITY_MASK as _OVER
from .scenario.constants import constant

if TYPE_CHECKING:
    from .batch import Batch
    from .model import TripleWinModel

@dataclass(frozen=True)
class Metric:
    """Declaration of one metric."""

    name: str
    label: str
    unit: str
    meaning: str
    #: Its group, a key of :data:`sim.groups.METRIC_GROUPS`.
    group: str


_DECL = [
    Metric("cn_tech_level", "Chinese technology", "index 0-1",
           "Capacity-weighted mean technology level of Chinese firms.", "china"),
    Metric("cn_high_end_share", "High-end share of Chinese overseas revenue", "share 0-1",
           "Share of Chinese overseas contract revenue from high-end sectors (rail, power, "
           "telecom, aviation) over the trailing year: position in the value chain.", "china"),
    Metric("cn_utilization", "Home utilisation, overcapacity sectors", "share 0-1",
           "Capacity utilisation at home of steel, cement and flat glass, counting overseas work "
           "done with home capacity.", "china"),
    Metric("cn_overseas_profit", "Chinese overseas profit", "USD bn, cumulative",
           "Cumulative overseas profit of Chinese firms after payment-distress losses and "
           "licensing fees.", "china"),
    Metric("cn_developed_share", "Chinese investment in developed hosts", "share 0-1",
           "Share of Chinese overseas investment placed in developed hosts over the trailing year "
           "(cumulative share while no investment was made in that year).", "china"),
    Metric("cn_contract_share", "Chinese share of contracts", "share 0-1",
           "Chinese work share of all awarded tender value over the trailing year.", "china"),
    Metric("cn_markup", "Markup on Chinese winning bids", "share of cost",
           "Mean markup over cost on tenders won by Chinese or Chinese-led bids, trailing year.",
           "china"),
    Metric("cn_bids_per_tender", "Chinese bids per tender", "bids",
           "Mean number of separate Chinese bids (a consortium counts once) on tenders that draw "
           "any Chinese bid, trailing year.", "china"),
    Metric("cn_sme_abroad", "SMEs active abroad", "share 0-1",
           "Share of Chinese SMEs taking part in tenders abroad.", "china"),
    Metric("cn_unit_cost", "Chinese unit cost", "per unit of tender value",
           "Capacity-weighted mean unit cost of Chinese firms.", "china"),
    Metric("cn_brand", "Chinese brand", "index 0-1",
           "Capacity-weighted mean brand of Chinese firms.", "china"),
    Metric("cn_dev_win_rate", "Chinese win rate in developed hosts", "share 0-1",
           "Share of developed-host tenders drawing a Chinese bid that a Chinese or Chinese-led "
           "bid wins, trailing year.", "china"),
    Metric("cn_power_win_rate", "Chinese win rate in power tenders", "share 0-1",
           "Share of power tenders abroad drawing a Chinese bid that a Chinese or Chinese-led bid "
           "wins, trailing year.", "china"),
    Metric("cn_relocated_share", "Overcapacity relocated abroad", "share 0-1",
           "Share of overcapacity-sector capacity that sits in overseas parks or plants.", "china"),
    Metric("cn_distress_loss", "Chinese distress losses", "USD bn, cumulative",
           "Cumulative losses of Chinese firms to payment distress.", "china"),
    Metric("cn_overseas_revenue", "Chinese overseas contract revenue", "USD bn per year",
           "Chinese work value of tenders awarded abroad over the trailing year (consortium "
           "shares included): the model's counterpart of overseas contracting revenue.", "china"),
    Metric("cn_outward_investment", "Chinese outward investment", "USD bn per year",
           "Capacity Chinese firms placed in plants in developed hosts and parks in developing "
           "hosts over the trailing year, at its value.", "china"),
    Metric("dv_profit", "Developed firms' profit", "USD bn, cumulative",
           "Cumulative profit of developed firms in home and third markets, consortium shares and "
           "licensing fees included.", "developed"),
    Metric("dv_licensing", "Licensing income", "USD bn, cumulative",
           "Cumulative technology fees received by developed firms.", "developed"),
    Metric("dv_third_party_revenue", "Third-market revenue", "USD bn, cumulative",
           "Developed firms' cumulative revenue from tenders in developing hosts.", "developed"),
    Metric("dv_local_jobs", "Jobs at Chinese plants in developed hosts", "jobs",
           "Jobs at Chinese subsidiaries and plants in developed hosts.", "developed"),
    Metric("dv_barrier", "Entry barrier", "index 0-1",
           "Mean entry barrier Chinese bidders face in developed hosts.", "developed"),
    Metric("dv_cn_share", "Chinese share in developed hosts", "share 0-1",
           "Chinese work share of value awarded in developed hosts, trailing year.", "developed"),
    Metric("dv_cn_discount", "Chinese price discount in developed hosts", "share of rival price",
           "Mean discount of Chinese winning bids in developed hosts below the cheapest "
           "non-Chinese rival bid on the same tender, trailing year (F11: 21-48%).", "developed"),
    Metric("dv_cn_value", "Chinese work won in developed hosts", "USD bn, cumulative",
           "Cumulative Chinese work value of tenders won in developed hosts.", "developed"),
    Metric("dv_cn_share_cum", "Chinese share in developed hosts, cumulative", "share 0-1",
           "Chinese work share of all value awarded in developed hosts since the start.",
           "developed"),
    Metric("dg_cn_share", "Chinese share in developing hosts", "share 0-1",
           "Chinese work share of value awarded in developing hosts, trailing year.",
           "developing"),
    Metric("dg_infrastructure", "Infrastructure delivered", "USD bn, cumulative",
           "Cumulative value of projects delivered to developing hosts (written-off parts "
           "excluded).", "developing"),
    Metric("dg_price_per_quality", "Price per quality", "price per technology unit",
           "Price paid per unit of delivered technology in developing hosts, trailing year; lower "
           "is more affordable.", "developing"),
    Metric("dg_price_ratio", "Price relative to budget", "price / budget",
           "Price developing hosts pay relative to the tender budget, trailing year.",
           "developing"),
    Metric("dg_quality", "Delivered quality", "index 0-1",
           "Technology of projects delivered to developing hosts, weighted by the price paid, "
           "trailing year.",
           "developing"),
    Metric("dg_default_rate", "Default rate", "share 0-1",
           "Share of developing-host project value in payment distress, cumulative.",
           "developing"),
    Metric("dg_distress_share", "Distress share, trailing year", "share 0-1",
           "Share of developing-host project value awarded in the trailing year that fell into "
           "payment distress.", "developing"),
    Metric("dg_lending", "Chinese project lending", "USD bn per year",
           "New Chinese policy-bank loans on projects won in developing hosts over the trailing "
           "year.", "developing"),
    Metric("dg_jobs", "Jobs at Chinese parks", "jobs",
           "Jobs at Chinese plants and parks in developing hosts.", "developing"),
    Metric("dg_trilateral_projects", "Trilateral projects", "projects, cumulative",
           "Cumulative number of trilateral (China + developed firm) projects won in developing "
           "hosts.", "developing"),
    Metric("dg_distress_loss_per_project", "Distress loss per trilateral project", "USD bn",
           "Distress losses borne by contractors per trilateral project in developing hosts "
           "(fund share excluded), cumulative.", "developing"),
    Metric("dg_cancelled", "Tenders not awarded or cancelled", "USD bn, cumulative",
           "Cumulative value of developing-host tenders that drew bids but were not awarded (no "
           "bid under the host's reserve price; budget) and of awarded projects the host "
           "cancelled when they went bad (price).", "developing"),
    Metric("dg_local_revenue", "Local firms' revenue", "USD bn, cumulative",
           "Cumulative revenue of developing-country firms: their own contracts at home and the "
           "work foreign winners subcontract to them.", "developing"),
    Metric("dg_local_share", "Local share of work", "share 0-1",
           "Share of value awarded in developing hosts that developing-country firms do (own "
           "contracts and subcontracted work), trailing year.", "developing"),
    Metric("dg_local_tech", "Local firms' technology", "index 0-1",
           "Capacity-weighted mean technology of developing-country firms.", "developing"),
    Metric("dg_local_jobs", "Jobs at local firms", "jobs",
           "Jobs at developing-country firms this quarter (their work times jobs per USD bn).",
           "developing"),
    Metric("dg_debt_to_gdp", "Debt / GDP", "debt/GDP",
           "Mean public debt over annual GDP of developing hosts: their initial stock plus the "
           "outstanding loans that financed projects.", "developing"),
    Metric("dg_debt_service", "Debt service / revenue", "share of revenue",
           "Mean debt service (principal and interest) over government revenue of developing "
           "hosts this quarter; the IMF-WB DSF thresholds are 14-23%.", "developing"),
    Metric("dg_tied_value", "Tied financed projects", "USD bn per year",
           "Value of projects awarded in the trailing year that hosts tendered with tied "
           "policy-bank credit.", "developing"),
    Metric("gain_developed", "Welfare index: developed countries", "USD bn, cumulative",
           "Developed firms' profit (incl. consortium shares and licensing) + wages at Chinese "
           "plants in developed hosts + procurement surplus of developed hosts - their half of "
           "joint-fund losses.", "gain"),
    Metric("gain_developing", "Welfare index: developing countries", "USD bn, cumulative",
           "Quality-weighted value of delivered projects - price paid - value lost in payment "
           "distress + wages at Chinese parks and at local firms + local firms' profit.", "gain"),
    Metric("gain_china", "Welfare index: China", "USD bn, cumulative",
           "Overseas profit (after distress losses and licensing) + value of technology upgrading "
           "+ value of idle overcapacity put to work - China's half of joint-fund losses.", "gain"),
    Metric("tenders_awarded_value", "Awarded tender value", "USD bn per year",
           "Value of all tenders awarded over the trailing year, in every host: the size of the "
           "model's international contracting market.", "mechanism"),
]

#: The parts of each gain: (gain, part, label, meaning). The parts of a gain add up to it exactly
#: (:func:`gains` computes each gain as the sum of its parts); docs/ODD.md section 7.10.
GAIN_PARTS: tuple[tuple[str, str, str, str], ...] = (
    ("gain_developed", "firms", "developed firms' profit",
     "Developed firms' profit at home and in third markets, consortium shares and licensing "
     "fees (it can fall while the developed countries gain)."),
    ("gain_developed", "wages", "wages at Chinese plants",
     "Wages at Chinese plants and subsidiaries in developed hosts."),
    ("gain_developed", "procurement", "developed hosts' procurement surplus",
     "Quality value of projects in developed hosts minus the price paid (cheaper or better "
     "projects for their governments)."),
    ("gain_developed", "fund", "developed side's joint-fund result",
     "Half the joint funds' interest income minus half their loan write-offs and half the "
     "distress losses they absorb."),
    ("gain_developing", "surplus", "developing hosts' procurement surplus",
     "Quality value of projects in developing hosts minus the price paid."),
    ("gain_developing", "distress", "value lost in payment distress",
     "Minus the written-off value of distressed projects in developing hosts."),
    ("gain_developing", "local_firms", "local firms' profit",
     "Profit of developing-country firms (own contracts and subcontracted work) after their "
     "part of distress losses."),
    ("gain_developing", "wages", "wages in developing hosts",
     "Wages at Chinese parks and plants in developing hosts and at local firms."),
    ("gain_developing", "debt", "cost of project loans",
     "Minus the interest developing hosts pay on project loans, plus the loans written off in "
     "distress (a relief)."),
    ("gain_china", "profit", "Chinese overseas profit",
     "Overseas profit of Chinese firms after distress losses and licensing fees."),
    ("gain_china", "technology", "value of technology upgrading",
     "tech_value x capacity x the rise of Chinese technology, accrued each quarter."),
    ("gain_china", "capacity", "idle capacity put to work",
     "IDLE_VALUE x overseas work done with otherwise idle home overcapacity."),
    ("gain_china", "lending", "policy banks' result",
     "Interest the Chinese policy banks earn minus the loans they write off."),
    ("gain_china", "fund", "China's joint-fund result",
     "Half the joint funds' interest income minus half their loan write-offs and half the "
     "distress losses they absorb."),
)
_OF_GAIN = {g.gain: g.in_sentence for g in GROUPS}
_DECL += [Metric(f"{g}_{part}", f"Gain part, {_OF_GAIN[g]}: {label}", "USD bn, cumulative",
                 f"Part of {g}. {meaning}", "gain") for g, part, label, meaning in GAIN_PARTS]

METRICS: dict[str, Metric] = {m.name: m for m in _DECL}

#: The key metrics, by group: what every summary shows beside the gains (the run and compare
#: tables in the terminal and the report, the key-differences figure). For each group, what its
#: gain is made of and what the article argues about: China's technology, contracts, markups,
#: profit, its reach into developed markets and its idle capacity; developed countries' profit,
#: licensing, third-party revenue, barrier, the Chinese share of their market and local jobs;
#: developing countries' infrastructure, price per quality, quality, defaults and jobs. Every
#: metric is in summary.json, timeseries.csv and comparison.json.
KEY_METRICS: tuple[str, ...] = (
    "cn_tech_level", "cn_contract_share", "cn_markup", "cn_overseas_profit", "cn_developed_share",
    "cn_utilization", "dv_profit", "dv_licensing", "dv_third_party_revenue", "dv_barrier",
    "dv_cn_share", "dv_local_jobs", "dg_infrastructure", "dg_price_per_quality", "dg_quality",
    "dg_default_rate", "dg_jobs",
)
#: The metrics a run's summary shows: the key metrics and the three gains.
HEADLINE: tuple[str, ...] = (*KEY_METRICS, *GAINS)

#: Value of idle overcapacity put to work, per USD bn of such work (avoided losses).
IDLE_VALUE = constant("idle_value")


def latest(model: TripleWinModel, name: str) -> float:
    """A metric from the model's latest record (a named function: reporters must pickle)."""
    return model.latest[name]


def reporter(name: str) -> Callable[[TripleWinModel], float]:
    """Mesa model reporter for one metric (a ``functools.partial``, which Mesa calls with the
    model and which pickles for parallel sweeps)."""
    return partial(latest, name=name)


def _ratio(n: np.ndarray, d: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """``n / d`` per run where ``d > floor``, else 0."""
    return np.divide(n, d, out=np.zeros(np.shape(d) or np.shape(n)), where=d > floor)


def _year(y: dict[str, np.ndarray], flow: str) -> np.ndarray:
    """A flow summed over the trailing year (four quarters): a yearly amount."""
    return np.asarray(y[flow], float)


def _share_of_rest(y: dict[str, np.ndarray], part: str, part_sub: str, whole: str,
                   whole_sub: str) -> np.ndarray:
    """Trailing-year share ``(part - part_sub) / (whole - whole_sub)``: a share over the hosts
    outside a subset (e.g. developing hosts = all hosts less developed ones), kept in [0, 1]."""
    d = _year(y, whole) - _year(y, whole_sub)
    return np.minimum(1.0, np.maximum(0.0, _ratio(_year(y, part) - _year(y, part_sub), d,
                                                  1e-12)))


def gain_parts(m: Batch) -> dict[str, float]:
    """The parts of the three gains (cumulative, USD bn; arrays over the batch's runs), named
    ``<gain>_<part>`` as in :data:`GAIN_PARTS`. The one place their formulas live; docs/ODD.md section 7.10."""
    c = m.totals
    half_fund = 0.5 * (c.fund_loss + c.fund_writeoff - c.fund_interest)
    return {
        "gain_developed_firms": c.dv_profit,
        "gain_developed_wages": c.dv_wages,
        "gain_developed_procurement": c.dv_host_surplus,
        "gain_developed_fund": -half_fund,
        "gain_developing_surplus": c.dg_procurement,
        "gain_developing_distress": -c.dg_distress_cost,
        "gain_developing_local_firms": c.dg_local_profit,
        "gain_developing_wages": c.dg_wages + c.dg_local_wages,
        "gain_developing_debt": c.loan_writeoff - c.dg_interest,
        "gain_china_profit": c.cn_overseas_profit,
        "gain_china_technology": c.tech_value,
        "gain_china_capacity": m.k.idle_value * c.idle_put_to_work,
        "gain_china_lending": c.policy_interest - c.policy_writeoff,
        "gain_china_fund": -half_fund,
    }


def gains(m: Batch) -> dict[str, float]:
    """The three welfare indices of the verdict (cumulative, USD bn), each the sum of its parts
    (:func:`gain_parts`, in the order of :data:`GAIN_PARTS`), followed by the parts."""
    parts = gain_parts(m)
    out = dict.fromkeys(GAINS, 0.0)
    for g, name in _PART_OF_GAIN:
        out[g] += parts[name]
    out.update(parts)
    return out


#: (gain, part's metric name) for each part of :data:`GAIN_PARTS`, in order.
_PART_OF_GAIN = tuple((g, f"{g}_{part}") for g, part, _label, _meaning in GAIN_PARTS)


#: Trailing-year ratios of two flows: (metric, numerator, denominator, kept in [0, 1]).
_TRAILING: tuple[tuple[str, str, str, bool], ...] = (
    ("cn_high_end_share", "cn_value_high", "cn_value", True),
    ("cn_contract_share", "cn_value", "awarded", True),
    ("cn_markup", "cn_markup_sum", "cn_wins", False),
    ("cn_bids_per_tender", "cn_separate_bids", "tenders_with_cn", False),
    ("cn_dev_win_rate", "cn_dev_wins", "cn_dev_bids", True),
    ("cn_power_win_rate", "cn_power_wins", "cn_power_bids", True),
    ("dv_cn_share", "dev_cn_value", "dev_awarded", True),
    ("dv_cn_discount", "cn_discount_sum", "cn_discount_n", False),
    ("dg_price_per_quality", "dg_paid", "dg_value_tech", False),
    ("dg_price_ratio", "dg_paid", "dg_budget", False),
    ("dg_quality", "dg_price_tech", "dg_paid", True),
    ("dg_distress_share", "dg_distress_value", "dg_paid", True),
    ("dg_local_share", "dg_local_value", "dg_paid", True),
)
_TRAILING_NUM = tuple(t[1] for t in _TRAILING)
_TRAILING_DEN = tuple(t[2] for t in _TRAILING)
_TRAILING_CLIPPED = np.array([t[3] for t in _TRAILING])


#: The order of :func:`compute`'s metrics before the gains (a history row's order).
_ORDER: tuple[str, ...] = (
    "cn_tech_level", "cn_high_end_share", "cn_utilization", "cn_overseas_profit",
    "cn_developed_share", "cn_contract_share", "cn_markup", "cn_bids_per_tender",
    "cn_sme_abroad", "cn_unit_cost", "cn_brand", "cn_dev_win_rate", "cn_power_win_rate",
    "cn_relocated_share", "cn_distress_loss", "cn_overseas_revenue", "cn_outward_investment",
    "dv_profit", "dv_licensing", "dv_third_party_revenue", "dv_local_jobs", "dv_barrier",
    "dv_cn_share", "dv_cn_discount", "dv_cn_value", "dv_cn_share_cum", "dg_cn_share",
    "dg_infrastructure", "dg_price_per_quality", "dg_price_ratio", "dg_quality",
    "dg_default_rate", "dg_distress_share", "dg_lending", "dg_jobs", "dg_trilateral_projects",
    "dg_distress_loss_per_project", "tenders_awarded_value", "dg_cancelled", "dg_local_revenue",
    "dg_local_share", "dg_local_tech", "dg_local_jobs", "dg_debt_to_gdp", "dg_debt_service",
    "dg_tied_value",
)


def compute(m: Batch) -> dict[str, np.ndarray]:
    """Every metric of every run of the batch at the end of the current step: one array over
    runs per metric.

    The sums over agents are taken by kind of agent in one pass (:meth:`~sim.batch.Batch.
    rows_by_run`, each a run's elements added in order, members of a subset only: the others
    count 0) and the trailing-year ratios in one division, so that a step's metrics cost a few
    dozen numpy calls whatever the batch."""
    cn, h, c, q, lf = m.cn, m.hosts, m.totals, m.latest_quarter, m.dg
    R = m.R
    y = m.window.totals()  # every flow summed over the trailing year
    cap = cn.capacity
    over = _OVER[cn.sector]
    sme = ~cn.soe
    (cap_sum, tech_cap, home_over, cost_cap, brand_cap, abroad_over, cap_over, cap_dev,
     cap_park, sme_active, sme_n) = m.rows_by_run(np.array([
         cap, cn.tech * cap, np.where(over, cn.cap_home, 0.0), q.unit_cost * cap,
         cn.brand * cap, np.where(over, cn.cap_park + cn.cap_dev, 0.0),
         np.where(over, cap, 0.0), cn.cap_dev, cn.cap_park, cn.active & sme, sme]), cn.run)
    total_cap = np.maximum(cap_sum, 1e-12)
    n_over = len(_OVER)
    over_cell = np.tile(_OVER, R)
    demand, home_work = m.rows_by_run(np.array([
        np.where(over_cell, m.utilization * m.cap_home0, 0.0),
        np.where(over_cell, q.settlement.home_work, 0.0)]), np.arange(R * n_over) // n_over)
    dev = h.developed
    barrier, debt, service = m.rows_by_run(np.array([
        np.where(dev, h.barrier, 0.0), np.where(dev, 0.0, h.debt),
        np.where(dev, 0.0, q.service_ratio)]), h.run)
    lf_tech_cap, lf_cap, lf_revenue = m.rows_by_run(np.array([
        lf.tech * lf.capacity, lf.capacity, lf.revenue]), lf.run)
    n_dev, n_dg = m.sizes.developed, m.sizes.hosts - m.sizes.developed
    inv_year = sum(f.invest_dev + f.invest_dg for f in m.window)
    tri = c.trilateral_dg
    # the other ratios per run, in one division too (0 where the denominator is 0)
    (cum_dev, year_dev, sme_abroad, dv_barrier, dv_share_cum, default_rate, loss_per_project,
     debt_to_gdp, debt_service, utilization) = _ratio(
        np.array([c.invest_dev, y["invest_dev"], sme_active, barrier, c.dv_cn_value,
                  c.dg_distress_value, c.trilateral_loss, debt, service, demand + home_work]),
        np.array([c.invest_dev + c.invest_dg, inv_year, sme_n, n_dev, c.dv_awarded, c.dg_value,
                  tri, n_dg, n_dg, home_over], dtype=float))
    dev_share = np.where(inv_year > 0, year_dev, cum_dev)
    # the trailing-year ratios, all at once (0 where the denominator is 0)
    ratios = _ratio(np.array([y[k] for k in _TRAILING_NUM]),
                    np.array([y[k] for k in _TRAILING_DEN]))
    ratios = np.where(_TRAILING_CLIPPED[:, None], np.minimum(1.0, np.maximum(0.0, ratios)),
                      ratios)
    out = dict(zip((t[0] for t in _TRAILING), ratios))
    out.update({
        "cn_tech_level": tech_cap / total_cap,
        "cn_utilization": np.where(home_over > 0, np.minimum(1.0, utilization), 1.0),
        "cn_overseas_profit": c.cn_overseas_profit,
        "cn_developed_share": dev_share,
        "cn_sme_abroad": sme_abroad,
        "cn_unit_cost": cost_cap / total_cap,
        "cn_brand": brand_cap / total_cap,
        "cn_relocated_share": abroad_over / np.maximum(cap_over, 1e-12),
        "cn_distress_loss": c.cn_distress_loss,
        "cn_overseas_revenue": _year(y, "cn_value"),
        "cn_outward_investment": np.asarray(inv_year, float),
        "dv_profit": c.dv_profit,
        "dv_licensing": c.dv_licensing,
        "dv_third_party_revenue": c.dv_third_party_revenue,
        "dv_local_jobs": m.k.jobs_dev * cap_dev,
        "dv_barrier": dv_barrier,
        "dv_cn_value": c.dv_cn_value,
        "dv_cn_share_cum": dv_share_cum,
        "dg_cn_share": _share_of_rest(y, "cn_value", "dev_cn_value", "awarded", "dev_awarded"),
        "dg_infrastructure": c.dg_infrastructure,
        "dg_default_rate": default_rate,
        "dg_lending": y["dg_lending"],
        "dg_jobs": m.k.jobs_park * cap_park,
        "dg_trilateral_projects": tri,
        "dg_distress_loss_per_project": loss_per_project,
        "tenders_awarded_value": _year(y, "awarded"),
        "dg_cancelled": c.dg_cancelled,
        "dg_local_revenue": c.dg_local_revenue,
        "dg_local_tech": np.where(m.sizes.dg > 0, lf_tech_cap / np.maximum(lf_cap, 1e-12), 0.0),
        "dg_local_jobs": JOBS_LOCAL * lf_revenue,
        "dg_debt_to_gdp": debt_to_gdp,
        "dg_debt_service": debt_service,
        "dg_tied_value": y["dg_tied_value"],
    })
    out = {name: out[name] for name in _ORDER}  # the declared order
    out.update(gains(m))
    return out


#: Metric functions as a name -> callable map for clients that want one reporter per metric.
REPORTERS: dict[str, Callable[[TripleWinModel], float]] = {n: reporter(n) for n in METRICS}
