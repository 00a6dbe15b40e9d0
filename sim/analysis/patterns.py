"""Historical patterns for calibration and validation, declared once.

Each :class:`Pattern` is a stylised fact from a public source: what the model must show in the
``historical`` scenario (2015-2024), how one run is reduced to one number (a :class:`Measure`
over metrics named as in :mod:`sim.metrics`), the target, the tolerance and the source. Its
``role`` says what it is for:

* ``calibration``: one of the few patterns the approximate Bayesian computation of
  ``triplewin calibrate`` fits the parameters to (:data:`FITTED` says which parameter to which);
* ``validation``: held out, never used to fit anything; ``triplewin validate-history`` checks it.

Its ``kind`` is ``share`` (a number in 0-1), ``magnitude`` (USD bn, divided by a declared
:class:`Scale` before it is compared), ``date`` (a calendar year) or ``shape`` (a change, ratio or
lag over time). A run is *within tolerance* when its number lies in ``target +- tolerance``; a
pattern *holds* when the share of runs within tolerance (its coverage) reaches
:data:`HOLD_LEVEL`.

Scheduled history (screening rules from 2018, capital controls from 2016, the PMI path) is an
*input* of the historical scenario, not a result: each pattern lists in ``leans_on`` the
parameters whose history bears on it directly, and the report says which of them the scenario
schedules. Facts that a parameter's default was taken from (e.g. the 35% problem share behind
``problem_rate``) are listed in :data:`INPUT_FACTS`, never as tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..scenario.params import START_YEAR

Role = Literal["calibration", "validation"]
PatternKind = Literal["share", "magnitude", "date", "shape"]
How = Literal["at", "mean", "max", "peak_year", "change", "ratio", "lag"]

#: A pattern holds when at least this share of runs is within its tolerance.
HOLD_LEVEL = 0.5


@dataclass(frozen=True)
class Scale:
    """How a model magnitude maps onto the world figure it is compared with.

    The model's value is divided by ``value`` before it is set beside the target: a scale below
    1 says that the model stands for only part of what the public figure counts.
    """

    name: str
    value: float
    unit: str
    low: float
    high: float
    meaning: str
    source: str


SCALES: dict[str, Scale] = {s.name: s for s in [
    Scale("market_scale", 1.0, "share of the world figure", 0.5, 1.0,
          "Share of the world's international contracting that the model's tenders stand for. "
          "1: the model's hosts are the whole international market as the ENR Top-250 "
          "contractors' international revenue measures it (the `market_size` calibration "
          "pattern); overseas contracting figures counted more widely (MOFCOM) are compared at "
          "this scale.",
          "modelling choice (the hosts stand for the world market); "
          "ENR, The Top 250 International Contractors"),
    Scale("odi_coverage", 0.2, "share of outward investment flows", 0.1, 0.3,
          "Share of China's outward direct investment flows that the model's investment "
          "(plants and parks of the seven sectors) stands for: manufacturing, power and "
          "construction, about a fifth of the flows of 2015-2019 (leasing, finance, "
          "commerce, mining and real estate are not modelled).",
          "MOFCOM/NBS/SAFE, Statistical Bulletin of China's Outward Foreign Direct Investment "
          "(industry breakdown; manufacturing about USD 29 bn of 196 bn in 2016)"),
]}


@dataclass(frozen=True)
class Measure:
    """How one run is reduced to one number, declared as data.

    ``how``:

    * ``at``: ``metric`` at the last quarter of ``years[0]`` (trailing-year metrics then are
      that year's value);
    * ``mean`` / ``max``: mean / highest of the year-end values over ``years``;
    * ``peak_year``: the year (of ``years``) with the highest year-end value;
    * ``change``: mean over ``years`` minus mean over ``base_years``;
    * ``ratio``: mean over ``years`` divided by mean over ``base_years``;
    * ``lag``: peak year of ``metric`` minus peak year of ``other`` over ``years``.

    ``times`` multiplies ``metric`` by another metric first (e.g. outward investment times the
    developed-host share gives investment into developed hosts); ``scale`` names a
    :class:`Scale` the value is divided by.
    """

    how: How
    metric: str
    years: tuple[int, ...]
    base_years: tuple[int, ...] = ()
    other: str | None = None
    times: str | None = None
    scale: str | None = None

    def metrics(self) -> tuple[str, ...]:
        """Every metric this measure reads."""
        return tuple(m for m in (self.metric, self.other, self.times) if m)

    def text(self) -> str:
        """One line saying how the number is taken."""
        m = f"{self.metric} x {self.times}" if self.times else self.metric
        span = _span(self.years)
        base = _span(self.base_years) if self.base_years else ""
        t = {"at": f"{m} at {span}Q4",
             "mean": f"mean of {m} at the year ends {span}",
             "max": f"highest of {m} at the year ends {span}",
             "peak_year": f"year of the highest {m} (year ends {span})",
             "change": f"mean of {m} {span} minus its mean {base}",
             "ratio": f"mean of {m} {span} / its mean {base}",
             "lag": f"peak year of {m} minus peak year of {self.other} ({span})"}[self.how]
        if self.scale:
            t += f", divided by {self.scale} = {SCALES[self.scale].value:g}"
        return t


def _span(years: tuple[int, ...]) -> str:
    if not years:
        return ""
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def _years(a: int, b: int) -> tuple[int, ...]:
    return tuple(range(a, b + 1))


@dataclass(frozen=True)
class Pattern:
    """One stylised fact, how the model is measured against it, and what it is used for."""

    name: str
    title: str
    role: Role
    kind: PatternKind
    target: float
    tolerance: float
    unit: str
    measure: Measure
    source: str
    figures: str
    leans_on: tuple[str, ...] = ()
    note: str = ""

    @property
    def interval(self) -> tuple[float, float]:
        return (self.target - self.tolerance, self.target + self.tolerance)

    def within(self, values: np.ndarray) -> np.ndarray:
        """Per run: is the value within tolerance (NaN counts as outside)."""
        lo, hi = self.interval
        v = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            return (v >= lo - 1e-12) & (v <= hi + 1e-12)


# --------------------------------------------------------------------------------------------
# the patterns

_SCREENING = ("screening_threshold", "screening_response", "investment_screening")

PATTERNS: tuple[Pattern, ...] = (
    # ---- calibration: the few the parameters are fitted to
    Pattern("market_size", "Size of the international contracting market", "calibration",
            "magnitude", 485.0, 75.0, "USD bn per year",
            Measure("mean", "tenders_awarded_value", _years(2015, 2019), scale="market_scale"),
            "ENR, The Top 250 International Contractors (2016-2020 editions): international "
            "revenue of the 250 largest contractors",
            "about USD 470-520 bn a year in 2015-2019",
            note="The figures are ENR's annual totals as reported in the trade press (not "
                 "checked against the lists); the tolerance covers the whole range."),
    Pattern("contract_share_start", "Chinese share of international contracting at the start",
            "calibration", "share", 0.131, 0.05, "share 0-1",
            Measure("at", "cn_contract_share", (2015,)),
            "ENR Top-250 International Contractors via CHINCA",
            "13.1% (2013)",
            note="The 2013 figure stands for the model's first year."),
    Pattern("contract_share_2018_19", "Chinese share of international contracting, 2018-19",
            "calibration", "share", 0.249, 0.05, "share 0-1",
            Measure("mean", "cn_contract_share", (2018, 2019)),
            "ENR Top-250 International Contractors via CHINCA", "24.4% (2018), 25.4% (2019)"),
    Pattern("utilization_start", "Home utilisation of the overcapacity sectors at the start",
            "calibration", "share", 0.695, 0.045, "share 0-1",
            Measure("at", "cn_utilization", (2015,)),
            "State Council, Guiding Opinions on Resolving Severe Overcapacity (Oct 2013); trade "
            "press 2015-16",
            "steel 72%, cement 73.7%, flat glass 73.1% (2012); steel 67-71%, cement about 65%, "
            "flat glass 68.4% (2015)", leans_on=("domestic_demand",)),
    Pattern("price_discount", "Chinese winning bids in developed markets below rivals",
            "calibration", "share", 0.345, 0.135, "share of the rival's price",
            Measure("mean", "dv_cn_discount", _years(2015, 2017)),
            "MassLive (2014): MBTA Orange and Red Line cars, bids of CNR and its rivals",
            "CNR USD 566.6 m against Hyundai Rotem 720.6 m, Kawasaki 904.9 m, Bombardier 1.08 bn: "
            "21-48% below",
            note="One tender; the tolerance spans the three rivals."),
    # ---- validation: held out, never used to fit
    Pattern("contract_share_levels_off", "Chinese contracting share levels off after 2019",
            "validation", "shape", 0.0, 0.04, "share points",
            Measure("change", "cn_contract_share", _years(2022, 2024),
                    base_years=_years(2019, 2021)),
            "ENR Top-250 International Contractors via CHINCA",
            "25.4% (2019), 27.5% (2022), 24.6% (2023)"),
    Pattern("developed_share_start", "Developed-host share of Chinese investment, 2015",
            "validation", "share", 0.52, 0.1, "share 0-1",
            Measure("at", "cn_developed_share", (2015,)),
            "American Enterprise Institute, China Global Investment Tracker (deals of USD 100 m "
            "and more; advanced economies as listed by the IMF)", "52% (2015)"),
    Pattern("developed_share_peak", "Developed-host share of Chinese investment at its peak",
            "validation", "share", 0.715, 0.12, "share 0-1",
            Measure("max", "cn_developed_share", (2016, 2017)),
            "American Enterprise Institute, China Global Investment Tracker",
            "65% (2016), 78% (2017)", leans_on=("capital_controls",)),
    Pattern("developed_share_turns_down", "Year the developed-host share turns down",
            "validation", "date", 2017.0, 1.0, "year",
            Measure("peak_year", "cn_developed_share", _years(2015, 2024)),
            "American Enterprise Institute, China Global Investment Tracker",
            "highest in 2017 (78%), 43% in 2018", leans_on=(*_SCREENING, "capital_controls"),
            note="The screening that follows (FIRRMA 2018, EU 2019/452) is scheduled in the "
                 "historical scenario, where it is an input; a peak in 2016-18 can also come "
                 "from the model's own dynamics, and the runs with the scheduled inputs held "
                 "say which."),
    Pattern("developed_share_after_screening", "Developed-host share after screening starts",
            "validation", "share", 0.405, 0.1, "share 0-1",
            Measure("mean", "cn_developed_share", (2018, 2019)),
            "American Enterprise Institute, China Global Investment Tracker; US FIRRMA (Aug "
            "2018); EU Regulation 2019/452", "43% (2018), 38% (2019)", leans_on=_SCREENING),
    Pattern("developed_investment_falls", "Chinese investment into developed hosts falls",
            "validation", "shape", 0.3, 0.2, "ratio",
            Measure("ratio", "cn_outward_investment", (2018, 2019), base_years=(2016,),
                    times="cn_developed_share"),
            "Rhodium Group, US-China investment (2016-2018); Rhodium Group and MERICS, Chinese "
            "FDI in Europe (2020 update)",
            "US: USD 46 bn (2016), 29 bn (2017), about 5 bn (2018); EU: about EUR 37 bn (2016), "
            "17 bn (2018), 11.7 bn (2019): together about a third of the 2016 level",
            leans_on=(*_SCREENING, "capital_controls"),
            note="The EU figures for 2016 and 2018 are recalled from Rhodium/MERICS reports, not "
                 "checked here; the tolerance is wide for that reason."),
    Pattern("overseas_revenue_2016", "Chinese overseas contracting revenue, 2016",
            "validation", "magnitude", 159.4, 40.0, "USD bn per year",
            Measure("at", "cn_overseas_revenue", (2016,), scale="market_scale"),
            "MOFCOM, statistics on overseas contracted projects (2016)",
            "turnover USD 159.4 bn; new contracts USD 244.0 bn, 51.6% in Belt and Road countries",
            note="MOFCOM counts every Chinese contractor abroad, more widely than ENR's "
                 "Top-250; the model's market is scaled to ENR's (market_scale)."),
    Pattern("outward_investment", "China's outward direct investment, 2015-2019",
            "validation", "magnitude", 156.0, 50.0, "USD bn per year",
            Measure("mean", "cn_outward_investment", _years(2015, 2019), scale="odi_coverage"),
            "MOFCOM/NBS/SAFE, Statistical Bulletin of China's Outward Foreign Direct Investment",
            "145.7 (2015), 196.2 (2016), 158.3 (2017), 143.0 (2018), 136.9 (2019) USD bn",
            leans_on=("capital_controls",)),
    Pattern("overcapacity_absorbed", "Overseas activity absorbs only a small part of "
            "overcapacity", "validation", "share", 0.05, 0.05, "share 0-1",
            Measure("at", "cn_relocated_share", (2024,)),
            "MIIT (capacity removed in 2015); State Council (2013) and trade press on excess "
            "capacity", "17 Mt of steel removed in 2015 against 325-400 Mt of excess"),
    Pattern("cn_share_developing", "Chinese share of contracting in developing hosts",
            "validation", "share", 0.5, 0.12, "share 0-1",
            Measure("mean", "dg_cn_share", _years(2015, 2017)),
            "McKinsey & Company, Dance of the Lions and Dragons (2017)",
            "Chinese firms held nearly 50% of Africa's internationally contracted construction "
            "market"),
    Pattern("lending_peak_year", "Year Chinese project lending peaks", "validation", "date",
            2016.0, 1.0, "year",
            Measure("peak_year", "dg_lending", _years(2015, 2024)),
            "Boston University GDP Center, China's Overseas Development Finance database (2020)",
            "CDB and China Exim lending grew strongly 2011-2016, then fell steeply",
            leans_on=("policy_bank_lending", "debt_level", "instability")),
    Pattern("distress_after_lending", "Payment distress peaks years after the lending peak",
            "validation", "shape", 3.0, 3.0, "years",
            Measure("lag", "dg_distress_share", _years(2015, 2024), other="dg_lending"),
            "Boston University GDP Center, China's Overseas Development Finance (2020); Horn, "
            "Parks, Reinhart, Trebesch et al. (2023)",
            "policy-bank lending peaks about 2016; about 80% of USD 240 bn of rescue lending in "
            "2017-2021; distressed borrowers' share of lending from about 5% (2010) to about "
            "60% a decade later", leans_on=("debt_level", "instability", "policy_bank_lending")),
)

PATTERN_BY_NAME: dict[str, Pattern] = {p.name: p for p in PATTERNS}


#: Which parameter is fitted to which calibration patterns, and its prior (uniform over
#: [low, high]; None: the parameter's declared range). The parameter names are registry keys
#: under ``world:``.
@dataclass(frozen=True)
class Fitted:
    name: str
    patterns: tuple[str, ...]
    low: float | None = None
    high: float | None = None
    why: str = ""


FITTED: tuple[Fitted, ...] = (
    Fitted("tender_volume", ("market_size",), 0.5, 4.0,
           "tenders per quarter set the market's size"),
    Fitted("tech_gap", ("contract_share_start", "contract_share_2018_19"), 0.1, 0.6,
           "the developed firms' lead decides who wins high-end tenders"),
    Fitted("cost_advantage", ("price_discount", "contract_share_start"), 0.1, 0.6,
           "Chinese unit cost below rivals' sets the discount and the win rate on price"),
    Fitted("labour_cost_growth", ("price_discount", "contract_share_2018_19"), 0.0, 0.03,
           "rising Chinese labour cost erodes the discount over time"),
    Fitted("initial_utilization", ("utilization_start",), 0.55, 0.85,
           "home utilisation at the start"),
    Fitted("demand_sensitivity", ("utilization_start",), 0.0, 0.05,
           "home utilisation's response to the PMI"),
    Fitted("customary_markup", ("price_discount",), 0.03, 0.3,
           "structural constant: the markup bidders start learning from sets how far below "
           "rivals Chinese winning bids come in"),
    Fitted("award_noise", ("contract_share_start", "contract_share_2018_19"), 0.02, 0.4,
           "structural constant: how much award decisions depend on things the score does not "
           "see, which moves who wins"),
)


@dataclass(frozen=True)
class InputFact:
    """A public figure the model takes as an input (a default or a schedule), not a test."""

    fact: str
    source: str
    used_as: str


INPUT_FACTS: tuple[InputFact, ...] = (
    InputFact("35% of Belt and Road infrastructure projects met major implementation problems",
              "AidData, Banking on the Belt and Road (2021)",
              "the default of problem_rate: comparing the model's problem share with it would "
              "test the input against itself"),
    InputFact("late-2016 capital controls; ODI -19% in 2017", "MOFCOM",
              "the capital_controls schedule of the historical scenario"),
    InputFact("US FIRRMA (Aug 2018), EU Regulation 2019/452 (Oct 2020)",
              "official texts; Congressional Research Service",
              "the screening schedules of the historical scenario (screening_threshold, "
              "screening_response, investment_screening)"),
    InputFact("official PMI, 49.7 in Aug 2015, the 2020Q1 slump", "National Bureau of "
              "Statistics", "the domestic_demand schedule of the historical scenario"),
    InputFact("Chinese bids 21-48% below rivals (MBTA 2014)", "MassLive",
              "the default of cost_advantage, and the calibration pattern price_discount"),
)


# --------------------------------------------------------------------------------------------
# measuring

#: Per-run series of every metric: name -> array (runs x steps).
Series = Mapping[str, np.ndarray]


class NotMeasurable(KeyError):
    """A pattern reads a metric the model does not report."""


def _step(year: int, steps: int) -> int:
    return min(4 * (year - START_YEAR) + 3, steps - 1)


def _col(series: Series, name: str) -> np.ndarray:
    if name not in series:
        raise NotMeasurable(name)
    return np.asarray(series[name], dtype=float)


def _year_ends(x: np.ndarray, years: tuple[int, ...]) -> np.ndarray:
    """(runs x len(years)) year-end values."""
    return x[:, [_step(y, x.shape[1]) for y in years]]


def _peak_year(x: np.ndarray, years: tuple[int, ...]) -> np.ndarray:
    return np.asarray(years, dtype=float)[_year_ends(x, years).argmax(axis=1)]


def measure(m: Measure, series: Series) -> np.ndarray:
    """One number per run (NaN where it is undefined, e.g. a ratio over zero)."""
    x = _col(series, m.metric)
    if m.times:
        x = x * _col(series, m.times)
    with np.errstate(divide="ignore", invalid="ignore"):
        if m.how == "at":
            v = _year_ends(x, m.years[:1])[:, 0]
        elif m.how == "mean":
            v = _year_ends(x, m.years).mean(axis=1)
        elif m.how == "max":
            v = _year_ends(x, m.years).max(axis=1)
        elif m.how == "peak_year":
            v = _peak_year(x, m.years)
        elif m.how == "change":
            v = _year_ends(x, m.years).mean(axis=1) - _year_ends(x, m.base_years).mean(axis=1)
        elif m.how == "ratio":
            base = _year_ends(x, m.base_years).mean(axis=1)
            v = np.where(base > 0, _year_ends(x, m.years).mean(axis=1) / base, np.nan)
        elif m.how == "lag":
            v = _peak_year(x, m.years) - _peak_year(_col(series, m.other or ""), m.years)
        else:  # pragma: no cover - Measure.how is a Literal
            raise ValueError(m.how)
    if m.scale:
        v = v / SCALES[m.scale].value
    return np.asarray(v, dtype=float)


def pattern_values(patterns: tuple[Pattern, ...] | list[Pattern], series: Series
                   ) -> dict[str, np.ndarray | None]:
    """Per pattern name, one number per run; None where the model lacks a metric it reads."""
    out: dict[str, np.ndarray | None] = {}
    for p in patterns:
        try:
            out[p.name] = measure(p.measure, series)
        except NotMeasurable:
            out[p.name] = None
    return out


def missing_metrics(p: Pattern, available: set[str] | Mapping[str, object]) -> list[str]:
    return [m for m in p.measure.metrics() if m not in available]


def series_of(histories: list[list[dict[str, float]]], names: set[str] | None = None
              ) -> dict[str, np.ndarray]:
    """Metric histories (one list of per-step dicts per run) as name -> (runs x steps)."""
    if not histories:
        return {}
    keys = [k for k in histories[0][0] if names is None or k in names]
    return {k: np.array([[row[k] for row in h] for h in histories]) for k in keys}


def calibration_patterns() -> tuple[Pattern, ...]:
    return tuple(p for p in PATTERNS if p.role == "calibration")


def validation_patterns() -> tuple[Pattern, ...]:
    return tuple(p for p in PATTERNS if p.role == "validation")


def fitted_map(fitted: tuple[Fitted, ...] = FITTED) -> dict[str, list[str]]:
    """``{PARAM: [PATTERN, ...]}``: which parameter was fitted to which patterns."""
    return {f.name: list(f.patterns) for f in fitted}


def check_declarations(patterns: tuple[Pattern, ...] = PATTERNS,
                       fitted: tuple[Fitted, ...] = FITTED,
                       known_params: Callable[[str], bool] | None = None) -> list[str]:
    """Problems with the declarations (empty when they are consistent): unique names, a
    positive tolerance, known scales, fitted parameters fitted to calibration patterns only."""
    problems = []
    names = [p.name for p in patterns]
    problems += [f"pattern {n!r} declared twice" for n in set(names) if names.count(n) > 1]
    roles = {p.name: p.role for p in patterns}
    for p in patterns:
        if not p.tolerance > 0:
            problems.append(f"{p.name}: tolerance must be > 0")
        if p.measure.scale and p.measure.scale not in SCALES:
            problems.append(f"{p.name}: unknown scale {p.measure.scale!r}")
        if p.kind == "magnitude" and not p.measure.scale:
            problems.append(f"{p.name}: a magnitude names its scale")
    for f in fitted:
        if known_params is not None and not known_params(f.name):
            problems.append(f"fitted parameter {f.name!r} is not in the registry")
        for q in f.patterns:
            if roles.get(q) != "calibration":
                problems.append(f"{f.name} is fitted to {q!r}, which is not a calibration "
                                "pattern")
    return problems


__all__ = ["FITTED", "HOLD_LEVEL", "INPUT_FACTS", "PATTERNS", "PATTERN_BY_NAME", "SCALES",
           "Fitted", "Measure", "Pattern", "Scale", "calibration_patterns", "check_declarations",
           "fitted_map", "measure", "pattern_values", "series_of", "validation_patterns"]
