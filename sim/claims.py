"""The claims the model reproduces, declared once (one table).

Each :class:`Claim` states what the source article says (or implies) a policy does, where the
article says it, which lever (or uncertainty) is moved, which metrics move which way, and *how*
the model produces it:

* **emergent**: it arises from the agents' decisions and the clearing of markets (learned
  markups, award, hosts' responses), not from a formula that ties the lever to the metric. Its
  test also *knocks the mechanism out* (``knockout``: settings, usually a structural constant,
  that switch the mechanism off in both arms) and shows that the effect goes (the confidence
  interval of the paired difference then includes zero or has the other sign).
* **imposed**: the lever acts on the outcome (or one step before it) through a formula, by
  design; the ``why`` line says which.
* **contested**: the evidence (see the sources in :mod:`sim.scenario.params`) points the other
  way or to about zero; the model shows the article's mechanism under a stated assumption
  (``context``), and says so.

This table drives the claim tests (``tests/test_claims.py``), the "no lever is a no-op" tests
(``tests/test_levers.py`` takes each lever's documented effect from the claim that moves it) and
the generated page ``docs/claims.md`` (``python -m sim.reference``).

Every comparison is paired: the scenario with settings ``a`` and with settings ``b`` (all other
values as in the scenario, every parameter constant over the run), the same replication seeds
for both (common random numbers), the final-step metric; a move holds when the 95% Student-t
interval of the paired difference B - A lies wholly on its side of zero.

A *trajectory* claim is about one scenario's path over time: a contrast of a metric between
quarters (e.g. the share in 2019 minus the share in 2015) per replication, with its 95% interval
on the stated side of zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Label = Literal["emergent", "imposed", "contested"]
UP, DOWN = +1, -1


@dataclass(frozen=True)
class Contrast:
    """A contrast of ``metric`` between quarters of one run: sum of ``weights[step] * x[step]``;
    ``direction`` +1 means the contrast is positive, -1 negative."""

    name: str
    metric: str
    weights: dict[int, float]
    direction: int


@dataclass(frozen=True)
class Claim:
    """One claim of the model (see the module docstring for the columns)."""

    number: int
    title: str
    statement: str
    section: str
    lever: str
    label: Label
    why: str
    a: dict[str, Any] = field(default_factory=dict)
    b: dict[str, Any] = field(default_factory=dict)
    moves: tuple[tuple[str, int], ...] = ()
    #: settings applied to both arms (e.g. the assumption a contested claim is shown under)
    context: dict[str, Any] = field(default_factory=dict)
    #: settings (both arms) that switch the claim's mechanism off; emergent claims only
    knockout: dict[str, Any] = field(default_factory=dict)
    #: the moves (metric names) or contrasts (names) that must vanish under the knock-out
    knockout_effects: tuple[str, ...] = ()
    #: scenario file (under scenarios/) the comparison or trajectory starts from
    scenario: str = "baseline.yaml"
    #: for trajectory claims: the contrasts that must hold in ``scenario``
    contrasts: tuple[Contrast, ...] = ()
    replications: int = 12
    #: False for a claim the model does not reproduce (measured and reported, not asserted)
    reproduced: bool = True

    @property
    def metrics(self) -> tuple[str, ...]:
        """Every metric the claim is about, in order."""
        seen = [m for m, _ in self.moves] + [c.metric for c in self.contrasts]
        return tuple(dict.fromkeys(seen))


def _yearly(step_of_year: int) -> int:
    """Step of the last quarter of a year (2015 -> 3)."""
    return (step_of_year - 2015) * 4 + 3


CLAIMS: tuple[Claim, ...] = (
    Claim(
        1, "Joint bidding",
        "Joint bidding up: fewer Chinese bids per tender, a higher Chinese markup and overseas "
        "profit; developing hosts pay somewhat more (not a free lunch for them).",
        "*Internally* (joint bidding abroad; CNR/CSR)", "joint_bidding", "emergent",
        "Markups are learned by each bidder from its own results: uncoordinated Chinese firms "
        "facing a compatriot learn lower markups (a price war), an association's consortium, "
        "with no compatriot rival, learns higher ones; the award picks the price. Knock-out: "
        "markups not learned (every bidder at the customary markup).",
        a={"joint_bidding": 0.0}, b={"joint_bidding": 1.0},
        moves=(("cn_bids_per_tender", DOWN), ("cn_markup", UP), ("cn_overseas_profit", UP),
               ("dg_price_ratio", UP)),
        knockout={"markup_learning": 0}, knockout_effects=("cn_markup",),
        replications=20,
    ),
    Claim(
        2, "Investment treaties",
        "BIT coverage up: lower barrier, higher Chinese share in developed markets and a higher "
        "developed share of Chinese investment.",
        "*Location Preference* (BIT negotiations)", "bit_coverage", "contested",
        "A BIT lowers the base barrier and adds to plant returns by bit_effect, by formula; the "
        "evidence puts that effect near zero for rich hosts after correcting for publication "
        "bias (Bellak & Reiter 2020), so the claim is shown under the article's assumption "
        "bit_effect = 0.08. The barrier itself is not tested: the lower base is offset by the "
        "hosts' screening of the extra Chinese plants (about -0.03, interval near zero).",
        a={"bit_coverage": 0.0}, b={"bit_coverage": 1.0}, context={"bit_effect": 0.08},
        moves=(("dv_cn_share_cum", UP), ("cn_developed_share", UP)),
    ),
    Claim(
        3, "IPR protection",
        "IPR protection up: more transfer; Chinese technology and developed licensing income "
        "both rise.",
        "closing paragraphs (caution over weak IPR)", "ipr_protection", "imposed",
        "IPR protection scales partners' willingness, transfer intensity and licence fees by "
        "formula (the elasticity of Branstetter, Fisman & Foley 2006).",
        a={"ipr_protection": 0.0}, b={"ipr_protection": 1.0},
        moves=(("cn_tech_level", UP), ("dv_licensing", UP)),
    ),
    Claim(
        4, "Third-party cooperation",
        "Third-party cooperation up: developed third-market revenue up, developing price per "
        "quality down, Chinese technology up; against a no-cooperation reference this is where "
        "the triple win appears.",
        "*International Industrial Capacity Cooperation*; *With Developed Countries*",
        "third_party_cooperation", "imposed",
        "The lever opens tenders to consortia whose technology, brand and cost are blended by "
        "formula; they win in the award, and transfer inside them follows the spillover "
        "formula. Against the no-cooperation reference, developed and developing gains rise "
        "but China's does not (interval around zero): the triple win is not reproduced.",
        a={"third_party_cooperation": 0.0}, b={"third_party_cooperation": 1.0},
        moves=(("dv_third_party_revenue", UP), ("dg_price_per_quality", DOWN),
               ("cn_tech_level", UP)),
    ),
    Claim(
        5, "SOE reform",
        "SOE reform up: investment moves from periphery to centre, fewer losses to payment "
        "distress.",
        "*Internally* (SOE reform); *Location Preference*", "soe_reform", "imposed",
        "Profit orientation weighs risk aversion against a preference for volume and the "
        "periphery in the bid and location utilities, by formula.",
        a={"soe_reform": 0.0}, b={"soe_reform": 1.0},
        moves=(("cn_developed_share", UP), ("cn_distress_loss", DOWN)),
    ),
    Claim(
        6, "Instability and debt",
        "Instability or debt in developing hosts up: more distress, investment shifts to "
        "developed hosts.",
        "*Location Preference* (instability, debt insolvency)", "instability", "imposed",
        "The distress probability is a formula of instability and debt; firms' location choice "
        "weighs the expected loss.",
        a={"instability": 0.2, "debt_level": 0.4}, b={"instability": 0.7, "debt_level": 1.5},
        moves=(("dg_default_rate", UP), ("cn_developed_share", UP)),
    ),
    Claim(
        7, "Stricter screening",
        "Stricter screening: barrier up, Chinese developed-market share down.",
        "*With Developed Countries* (EU concern over Chinese market share)",
        "screening_threshold", "imposed",
        "A lower threshold makes hosts respond to a smaller Chinese presence: the barrier "
        "follows the parameter (the dynamic part of the claim is claim 17).",
        a={"screening_threshold": 0.4}, b={"screening_threshold": 0.1},
        moves=(("dv_barrier", UP), ("dv_cn_share_cum", DOWN)),
    ),
    Claim(
        8, "Domestic slowdown",
        "Domestic slowdown: lower home utilisation, more overseas bidding and relocation in "
        "overcapacity sectors.",
        "intro (PMI 49.7); *International Industrial Capacity Cooperation*",
        "domestic_demand", "imposed",
        "Utilisation is a formula of the demand index; idle capacity enters the bid and "
        "relocation utilities by formula.",
        a={"domestic_demand": 52.0}, b={"domestic_demand": 46.0},
        moves=(("cn_utilization", DOWN), ("cn_bids_per_tender", UP),
               ("cn_relocated_share", UP)),
    ),
    Claim(
        9, "Branding",
        "Branding up: higher brand and win rate in developed markets.",
        "branding paragraphs (CEMA, CRRC)", "branding", "imposed",
        "Campaigns add to brand by formula; the win rate then follows in the award.",
        a={"branding": 0.0}, b={"branding": 1.0},
        moves=(("cn_brand", UP), ("cn_dev_win_rate", UP)), replications=16,
    ),
    Claim(
        10, "Standards integration",
        "Standards integration up: higher Chinese win rate in power tenders abroad.",
        "*Internally* (CEC English standards)", "standards_integration", "imposed",
        "Integration removes the compliance penalty and cost by formula; the win rate follows "
        "in the award.",
        a={"standards_integration": 0.0}, b={"standards_integration": 1.0},
        moves=(("cn_power_win_rate", UP),), replications=16,
    ),
    Claim(
        11, "Localization",
        "Localization up: more developed-host jobs and Chinese wins there, until screening "
        "bites.",
        "*Location Preference* (CRRC's US plants)", "localization", "imposed",
        "Support adds to the return of a developed-host plant by formula; jobs and local wins "
        "follow. That screening then bites is the hosts' response (claim 17's mechanism, "
        "checked in the localization-ban scenario).",
        a={"localization": 0.0}, b={"localization": 1.0},
        moves=(("dv_local_jobs", UP), ("dv_cn_value", UP)), replications=16,
    ),
    Claim(
        12, "Overseas parks",
        "Overseas parks up: lower Chinese unit cost, more developing-host jobs; home "
        "overcapacity falls only a little.",
        "*Externally* (industrial parks)", "overseas_parks", "imposed",
        "Support adds to the return of relocating by formula; cost and jobs follow from where "
        "capacity sits.",
        a={"overseas_parks": 0.0}, b={"overseas_parks": 1.0},
        moves=(("cn_unit_cost", DOWN), ("dg_jobs", UP)),
    ),
    Claim(
        13, "Joint fund",
        "Joint fund up: more trilateral projects in developing hosts, less distress loss per "
        "project.",
        "*With Developed Countries* (joint funds)", "joint_fund", "imposed",
        "The fund raises partners' willingness, gives fund-backed bids a score bonus and "
        "absorbs a share of distress losses, by formula.",
        a={"joint_fund": 0.0}, b={"joint_fund": 20.0},
        context={"third_party_cooperation": 0.5},
        moves=(("dg_trilateral_projects", UP), ("dg_distress_loss_per_project", DOWN)),
    ),
    Claim(
        14, "State support",
        "State support up: more SMEs take part abroad.",
        "*Internally* (State Council services)", "state_support", "imposed",
        "Support raises SMEs' hazard of going abroad and lowers that of coming home, by "
        "formula.",
        a={"state_support": 0.0}, b={"state_support": 1.0},
        moves=(("cn_sme_abroad", UP),),
    ),
    Claim(
        15, "Local content",
        "Local content up: developing-country firms' revenue, share and technology up; Chinese "
        "share of contracts in developing hosts down; projects somewhat dearer.",
        "Closing paragraphs (local workers and communities); *With Developing Countries*",
        "local_content", "emergent",
        "Winners price in the local sourcing the host's enforced rule asks for (local firms are "
        "dearer than Chinese ones), local firms get the work, learn by doing and from the "
        "winners they work for; hosts tighten enforcement when they see the rule unmet. "
        "Knock-out: hosts never enforce the rule (enforcement 0): the lever is words only.",
        a={"local_content": 0.0}, b={"local_content": 0.6},
        moves=(("dg_local_revenue", UP), ("dg_local_share", UP), ("dg_local_tech", UP),
               ("dg_cn_share", DOWN), ("dg_price_ratio", UP)),
        knockout={"local_enforcement_base": 0.0, "local_enforcement_rate": 0.0},
        knockout_effects=("dg_local_revenue", "dg_local_share", "dg_local_tech", "dg_cn_share",
                          "dg_price_ratio"),
        replications=10,
    ),
    Claim(
        16, "Policy-bank lending without discipline",
        "Policy-bank lending up without discipline: more infrastructure at first, then more "
        "debt and distress (boom then bust); with lending discipline up, less distress per "
        "project.",
        "*With Developing Countries* (lobbying hosts to fund infrastructure); *Location "
        "Preference* (debt insolvency); FACTS F22, F25",
        "policy_bank_lending", "emergent",
        "A host's debt is the sum of its loans; debt service against revenue decides payment "
        "distress; distress writes loans down and lenders and hosts pull back. Here the final "
        "debt and distress per project; the boom first and its turn, and discipline, are tested "
        "in tests/test_claims_local_lending.py. Knock-out: distress does not depend on debt "
        "service (debt_service_weight and debt_overhang 0).",
        a={"policy_bank_lending": 20.0}, b={"policy_bank_lending": 100.0},
        moves=(("dg_debt_to_gdp", UP), ("dg_default_rate", UP)),
        knockout={"debt_service_weight": 0.0, "debt_overhang": 0.0},
        knockout_effects=("dg_default_rate",),
    ),
    Claim(
        17, "Backlash with constant screening",
        "Backlash: with every screening parameter constant over the run, a rising Chinese share "
        "in developed hosts triggers screening and the share rises, then falls.",
        "*With Developed Countries* (EU concern over Chinese market share)",
        "localization", "emergent",
        "Hosts' concern follows the Chinese share and Chinese-owned plants they observe, with a "
        "lag; above a constant threshold it raises the barrier, which relaxes only slowly: the "
        "late, lasting response turns the rise into a fall. Knock-out: hosts never respond "
        "(screening_response 0).",
        scenario="backlash-screening.yaml",
        contrasts=(
            Contrast("rise 2015-2018", "dv_cn_share", {_yearly(2018): 1.0, _yearly(2015): -1.0},
                     UP),
            Contrast("fall 2018-2024", "dv_cn_share", {_yearly(2024): 1.0, _yearly(2018): -1.0},
                     DOWN),
        ),
        knockout={"screening_response": 0.0}, knockout_effects=("fall 2018-2024",),
    ),
    Claim(
        18, "Joint bidding checked by hosts",
        "Joint bidding is checked by hosts: where coordinated markups push bids above reserve "
        "prices, more tenders go unawarded.",
        "*Internally* (joint bidding); Mexico high-speed rail 2014 (a sole coordinated bid "
        "revoked)",
        "joint_bidding", "emergent",
        "Each host refuses bids above its reserve price; consortia learn higher markups and "
        "some of their bids land above it, so more value goes unawarded. NOT REPRODUCED since "
        "developing-country firms bid at home: a consortium is seldom alone on a tender, and "
        "the effect is +0.2 USD bn (95% CI -3.4 to +3.8, 20 replications; it was +4.8, CI +1.9 "
        "to +7.8, before). Knock-out: markups not learned (every bidder at the customary "
        "markup).",
        a={"joint_bidding": 0.0}, b={"joint_bidding": 1.0},
        moves=(("dg_cancelled", UP),),
        knockout={"markup_learning": 0}, knockout_effects=("dg_cancelled",),
        reproduced=False,
    ),
)

#: The claims by number.
BY_NUMBER: dict[int, Claim] = {c.number: c for c in CLAIMS}

#: Claim 16's second half: at high policy-bank lending, discipline means less distress per
#: project and less debt (lenders stop where the debt rule says).
LENDING_DISCIPLINE = Claim(
    16, "Lending discipline",
    "With policy-bank lending high, lending discipline up: less distress per project and less "
    "debt.",
    "*Location Preference* (debt insolvency); IMF-World Bank LIC DSF 2018", "lending_discipline",
    "emergent",
    "Disciplined lenders cut credit as a host's debt service passes the DSF thresholds, so debt "
    "service and with it distress stay lower. Knock-out: distress does not depend on debt "
    "service.",
    a={"lending_discipline": 0.0}, b={"lending_discipline": 1.0},
    context={"policy_bank_lending": 100.0},
    moves=(("dg_debt_to_gdp", DOWN), ("dg_default_rate", DOWN)),
    knockout={"debt_service_weight": 0.0, "debt_overhang": 0.0},
    knockout_effects=("dg_default_rate",),
    replications=12,
)

#: Claim 11's second half, a trajectory of the localization-ban scenario: jobs at Chinese
#: plants in developed hosts grow less over 2020-24 than over 2015-19 once screening bites;
#: with hosts that never respond the slowdown goes.
LOCALIZATION_BITES = Claim(
    11, "Localization, until screening bites",
    "With constant localisation support and constant screening parameters, jobs at Chinese "
    "plants in developed hosts grow less in 2020-24 than in 2015-19.",
    "*Location Preference* (CRRC's US plants; NDAA FY2020)", "localization", "emergent",
    "NOT REPRODUCED as stated: the hosts' screening does bite (with hosts that never respond, "
    "growth in 2020-24 exceeds growth in 2015-19 by about 11,000 jobs; with them, by about "
    "zero), but growth does not fall below its earlier pace. Knock-out: hosts never respond.",
    reproduced=False,
    scenario="localization-ban.yaml",
    contrasts=(Contrast("growth 2020-24 minus growth 2015-19", "dv_local_jobs",
                        {39: 1.0, 19: -2.0, 0: 1.0}, DOWN),),
    knockout={"screening_response": 0.0},
    knockout_effects=("growth 2020-24 minus growth 2015-19",),
)


# --------------------------------------------------------------------------------------------
# evaluation (used by the tests and by anyone who wants the measured effects)

#: Root seed of the claim comparisons (replication seeds are spawned from it).
SEED = 11


@dataclass(frozen=True)
class Effect:
    """One measured effect of a claim: a move (paired B - A at the final step) or a contrast
    (within one run), with its mean, 95% interval and whether it holds the stated way."""

    name: str
    metric: str
    direction: int
    delta: float
    ci_low: float
    ci_high: float
    n: int

    @property
    def holds(self) -> bool:
        """The whole interval lies on the stated side of zero."""
        return self.ci_low > 0 if self.direction == UP else self.ci_high < 0

    @property
    def gone(self) -> bool:
        """The interval includes zero or lies on the other side (used for knock-outs)."""
        return not self.holds

    def text(self) -> str:
        way = "up" if self.direction == UP else "down"
        return (f"{self.name} ({way}): {self.delta:+.4g} "
                f"(95% CI {self.ci_low:+.4g} to {self.ci_high:+.4g}, n {self.n})")


def evaluate(claim: Claim, *, knockout: bool = False, replications: int | None = None,
             seed: int = SEED, scenarios_dir: Any = None) -> list[Effect]:
    """Measure a claim's effects (with its mechanism knocked out if ``knockout``)."""
    from pathlib import Path

    import numpy as np

    from .experiments.compare import compare, with_levers
    from .experiments.runner import run_replications
    from .scenario.library import library_dir
    from .scenario.load import load_scenario
    from .stats import mean_ci
    from .streams import replication_seeds

    folder = Path(scenarios_dir or library_dir("scenarios"))
    reps = replications or claim.replications
    base = load_scenario(folder / claim.scenario)
    extra = {**claim.context, **(claim.knockout if knockout else {})}
    out: list[Effect] = []
    if claim.moves:
        c = compare(with_levers(base, **{**extra, **claim.a}),
                    with_levers(base, **{**extra, **claim.b}), replications=reps, seed=seed)
        for metric, direction in claim.moves:
            d = c.metrics[metric]
            out.append(Effect(metric, metric, direction, d["delta"], d["ci_low"], d["ci_high"],
                              int(d["n"])))
    if claim.contrasts:
        sc = with_levers(base, **extra) if extra else base
        res = run_replications(sc, seeds=replication_seeds(seed, reps))
        for con in claim.contrasts:
            x = res.series(con.metric)
            value = sum(w * x[:, step] for step, w in con.weights.items())
            s = mean_ci(np.asarray(value))
            out.append(Effect(con.name, con.metric, con.direction, s["mean"], s["ci_low"],
                              s["ci_high"], int(s["n"])))
    return out
