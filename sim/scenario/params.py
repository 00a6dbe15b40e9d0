"""Every scenario parameter, declared once.

Each :class:`Param` carries its default, unit, allowed range, meaning and source. The pydantic
schema (:mod:`sim.scenario.schema`), the model's keyword arguments, ``triplewin explain`` and the
parameter reference in ``docs/ODD.md`` are all generated from these declarations.

Levers are what policy sets; uncertainties are what policy does not set; structural constants
are the numbers inside the mechanisms (:data:`CONSTANTS`). Levers are kept apart from the rest in
the schema (``levers:`` vs ``world:``), in sweep designs and in result columns; uncertainties,
constants and population sizes share ``world:`` and are told apart by their kind.

Sources are named by article section ("China Brief 15(18), *Internally*") or by the public source
behind a calibration figure (e.g. "ENR Top-250 via CHINCA"). Calibration choices say so in ``source``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Kind = Literal["lever", "uncertainty", "constant", "population", "run"]


@dataclass(frozen=True)
class Param:
    """One declared parameter."""

    name: str
    kind: Kind
    default: float | int
    unit: str
    low: float | int
    high: float | int | None
    meaning: str
    source: str
    integer: bool = False
    schedulable: bool = False
    #: The range ``compare --worlds`` draws plausible worlds from, where the allowed range
    #: ``[low, high]`` is wider than a plausible world (None: the allowed range).
    plausible: tuple[float, float] | None = None

    @property
    def world_range(self) -> tuple[float, float]:
        """The range a world is drawn from: :attr:`plausible`, else ``[low, high]``."""
        if self.plausible is not None:
            return float(self.plausible[0]), float(self.plausible[1])
        if self.high is None:
            raise ValueError(f"{self.name} has no upper bound and no plausible range")
        return float(self.low), float(self.high)

    @property
    def number_text(self) -> str:
        """The allowed numbers, e.g. ``number in [0, 1]`` or ``integer in [1, 400]``."""
        hi = "inf" if self.high is None else f"{self.high:g}"
        kind = "integer" if self.integer else "number"
        return f"{kind} in [{self.low:g}, {hi}]"

    @property
    def range_text(self) -> str:
        """The allowed values: :attr:`number_text`, and schedules where the parameter takes them."""
        text = self.number_text
        if self.schedulable:
            text += ", or a schedule {step: value}"
        return text

    def fault(self, v: int | float) -> Literal["not whole", "not finite", "out of range"] | None:
        """What keeps the number ``v`` from being a value of this parameter, or None: the one range
        rule, used by the scenario schema and by sweep files (each words its own message)."""
        if self.integer and isinstance(v, float) and not v.is_integer():
            return "not whole"
        if isinstance(v, float) and not math.isfinite(v):
            return "not finite"
        if v < self.low or (self.high is not None and v > self.high):
            return "out of range"
        return None


def _lever(name, default, meaning, source, unit="share 0-1", high=1.0):
    return Param(name, "lever", default, unit, 0.0, high, meaning, source, schedulable=True)


LEVERS: dict[str, Param] = {
    p.name: p
    for p in [
        _lever(
            "joint_bidding", 0.0,
            "Share of tenders on which a Chinese industrial association merges the Chinese bidders "
            "into one consortium bid (pooled capacity, best member technology, no undercutting).",
            "China Brief 15(18), *Internally* (joint bidding abroad; CNR/CSR merger); CNR-CSR price "
            "wars abroad and MOFCOM 2013 rules on unfair price competition (press; Asia Society)",
        ),
        _lever(
            "bit_coverage", 0.0,
            "Share of developed hosts with a bilateral investment treaty in force with China. A BIT "
            "lowers the entry barrier and caps how far screening can raise it.",
            "China Brief 15(18), *Location Preference* (BIT negotiations with the US and EU); "
            "US-China BIT talks dormant since 2017, China-EU CAI frozen 2021 (CRS)",
        ),
        _lever(
            "third_party_cooperation", 0.0,
            "Share of tenders open to trilateral consortia of a Chinese and a willing developed "
            "firm (developed technology and brand, blended cost).",
            "China Brief 15(18), *International Industrial Capacity Cooperation*; *With Developed "
            "Countries* (AREVA consortium); Hinkley Point C (CGN with EDF, 2016); China-France "
            "third-market declaration 2015 and NDRC pilot lists",
        ),
        _lever(
            "ipr_protection", 0.3,
            "Strength of IPR protection in China. Developed partners transfer more technology, and "
            "are more willing to partner, when it is high.",
            "China Brief 15(18), closing paragraphs (caution over weak IPR); Branstetter, Fisman & "
            "Foley 2006",
        ),
        _lever(
            "soe_reform", 0.3,
            "Profit orientation of SOEs: 0 = volume and state direction, 1 = risk-adjusted profit "
            "like a private firm.",
            "China Brief 15(18), *Internally* (SOE reform: from controlling assets to capital)",
        ),
        _lever(
            "branding", 0.2,
            "Intensity of state-backed branding campaigns for Chinese firms abroad.",
            "China Brief 15(18), branding paragraphs (CEMA, CRRC campaign in the US)",
        ),
        _lever(
            "standards_integration", 0.1,
            "Share of Chinese standards translated and aligned with international ones; lowers the "
            "compliance penalty of Chinese bids (strongest in power).",
            "China Brief 15(18), *Internally* (CEC English standards); 120 power-design standards "
            "translated since 2007 (power planning association)",
        ),
        _lever(
            "joint_fund", 0.0,
            "China-EU/France/Belgium joint funds financing trilateral projects in developing hosts; "
            "absorbs part of their payment-distress losses.",
            "China Brief 15(18), *With Developed Countries* (joint funds); NDRC third-market pilot "
            "lists",
            unit="USD bn per year", high=50.0,
        ),
        _lever(
            "localization", 0.0,
            "Support for Chinese subsidiaries and plants in developed markets (subsidies and help "
            "that raise their return to the investing firm).",
            "China Brief 15(18), *Location Preference* (CRRC localisation in the US); CRRC plants "
            "in Springfield and Chicago, NDAA FY2020 s.7613 (press; FTA)",
        ),
        _lever(
            "overseas_parks", 0.0,
            "Support for relocating capacity to industrial parks in developing hosts (subsidies and "
            "park services that raise the return of relocating).",
            "China Brief 15(18), *Externally* (industrial parks abroad)",
        ),
        _lever(
            "state_support", 0.2,
            "Streamlined approvals, information, customs, consular and legal services; lowers the "
            "fixed cost of going abroad, most for SMEs.",
            "China Brief 15(18), *Internally* (State Council supportive services)",
        ),
        _lever(
            "local_content", 0.0,
            "Developing hosts' local-content rule: the share of a project's work its winner must "
            "source from developing-country firms of the host (applied as far as the host "
            "enforces it and local firms of the sector exist).",
            "China Brief 15(18), closing paragraphs (local workers and communities); McKinsey 2017 "
            "*Dance of the Lions and Dragons* (F24: local staff and linkages)",
        ),
        _lever(
            "policy_bank_lending", 20.0,
            "Credit the Chinese policy banks (CDB, China Exim) make available a year for projects "
            "in developing hosts: it finances Chinese-won projects there, and credit not drawn is "
            "offered to hosts as tied financed projects. How much of it is lent depends on the "
            "banks' willingness (which falls after distress) and their discipline.",
            "China Brief 15(18), *With Developing Countries* (lobbying hosts to fund "
            "infrastructure); Boston University GDP Center 2020 (F22: USD 462 bn 2008-2019, about "
            "40 bn a year, peak 2016); default set near the model's Chinese-financed project flow",
            unit="USD bn per year", high=500.0,
        ),
        _lever(
            "lending_discipline", 0.0,
            "How strictly the Chinese policy banks and the joint funds cap a host's new credit by "
            "its debt sustainability: 0 lends whatever is asked; 1 cuts credit between the IMF-WB "
            "DSF weak and medium thresholds of debt service to revenue (14% and 18%) and stops "
            "above. Multilateral lenders always apply the rule.",
            "China Brief 15(18), *Location Preference* (debt insolvency); IMF-World Bank LIC Debt "
            "Sustainability Framework 2018 (FACTS, decision-rule anchors)",
        ),
    ]
}


def _unc(name, default, low, high, unit, meaning, source, schedulable=False, plausible=None):
    return Param(name, "uncertainty", default, unit, low, high, meaning, source,
                 schedulable=schedulable, plausible=plausible)


UNCERTAINTIES: dict[str, Param] = {
    p.name: p
    for p in [
        _unc("domestic_demand", 50.0, 30.0, 70.0, "PMI index points",
             "Chinese domestic demand as a PMI-like index; below 50 is contraction and lowers home "
             "utilisation.",
             "NBS official PMI: 49.7 in Aug 2015 (FACTS corrections)", schedulable=True,
             plausible=(40.0, 60.0)),  # assumption: NBS PMI mostly 45-55 since 2005, widened
        _unc("labour_cost_growth", 0.01, 0.0, 0.1, "share per quarter",
             "Quarterly growth of Chinese unit labour cost (wages net of productivity), pushing "
             "unit cost up at home.",
             "China Brief 15(18) intro (rising labour costs); calibration: wages grew about 8% a "
             "year, productivity about half that, so about 4% a year net; keeps Chinese bids "
             "20-50% below rivals through 2024 (MBTA bids 2014, MassLive)",
             schedulable=True,
             plausible=(0.0, 0.03)),  # assumption: up to about 12% a year net of productivity
        _unc("initial_utilization", 0.70, 0.4, 1.0, "share 0-1",
             "Home capacity utilisation of the overcapacity sectors (steel, cement, flat glass) at "
             "the start.",
             "State Council, Oct 2013, and trade press 2015-16: 0.65-0.74",
             plausible=(0.6, 0.8)),  # State Council 2013, trade press: 0.65-0.74, widened
        _unc("demand_sensitivity", 0.02, 0.0, 0.1, "share per PMI point",
             "Change of home utilisation per PMI point away from 50.",
             "Calibration: PMI 49.7 in 2015 leaves utilisation near 0.67-0.71 (trade press 2015-16)",
             plausible=(0.0, 0.04)),  # assumption: twice the calibrated value at most
        _unc("instability", 0.3, 0.0, 1.0, "index 0-1",
             "Mean political instability of developing hosts.",
             "China Brief 15(18), *Location Preference*; AidData 2021", schedulable=True),
        _unc("debt_level", 0.5, 0.0, 3.0, "debt/GDP",
             "Mean public debt to GDP of developing hosts at the start.",
             "China Brief 15(18), *Location Preference* (debt insolvency)", schedulable=True,
             plausible=(0.2, 1.5)),  # assumption: most hosts 0.2-1.0, a few above
        _unc("distress_rate", 0.08, 0.0, 1.0, "probability per project",
             "Payment-distress probability of a project in a developing host of average stability "
             "and debt.",
             "Rhodium 2019, AidData 2021: about 0.35 of projects meet major problems over "
             "their life; calibration spreads that over the lending cycle",
             plausible=(0.02, 0.25)),  # assumption: a third to three times the calibrated value
        _unc("writeoff_share", 0.35, 0.0, 1.0, "share 0-1",
             "Share of a distressed project's value written off (partial write-off, not seizure).",
             "Rhodium Group 2019: write-off most common, seizure rare",
             plausible=(0.1, 0.6)),  # assumption: around Rhodium 2019's partial write-offs
        _unc("screening_threshold", 0.25, 0.0, 1.0, "share 0-1",
             "Level of a developed host's concern (the Chinese share it observes in its market, "
             "plus Chinese-owned plants, followed with a lag) above which it raises its barrier.",
             "Assumption; US FIRRMA 2018 and EU Regulation 2019/452 followed Chinese shares "
             "and acquisitions rising for years (F2, F4, F18). Keep it constant to let screening "
             "respond; a schedule imposes it", schedulable=True,
             plausible=(0.1, 0.5)),  # assumption
        _unc("screening_response", 0.5, 0.0, 5.0, "barrier per share point per quarter",
             "How fast a developed host raises its barrier per unit of concern above the "
             "threshold (0: hosts never screen).",
             "Calibration toward Rhodium Group figures on Chinese FDI into the US, 2016-18",
             schedulable=True,
             plausible=(0.0, 2.0)),  # assumption
        _unc("investment_screening", 0.0, 0.0, 1.0, "probability",
             "Chance that a developed host's investment review (CFIUS under FIRRMA, EU 2019/452) "
             "blocks a Chinese plant or acquisition, on top of the entry barrier.",
             "US FIRRMA Aug 2018, EU Regulation 2019/452; Chinese FDI into the US fell from "
             "USD 46 bn (2016) to about 5 bn (2018) (Rhodium Group)", schedulable=True,
             plausible=(0.0, 0.5)),  # assumption
        _unc("initial_barrier", 0.3, 0.0, 1.0, "index 0-1",
             "Entry barrier Chinese bidders face in developed hosts at the start.",
             "China Brief 15(18), *Location Preference* (political concerns, IPR disputes)",
             plausible=(0.1, 0.6)),  # assumption
        _unc("tech_gap", 0.35, 0.0, 0.9, "technology points",
             "Initial gap between developed firms' and Chinese high-end firms' technology.",
             "China Brief 15(18), closing paragraphs (quality and innovation decide); "
             "calibration: a Chinese share of contracts near 13% in 2015 (ENR Top-250 via CHINCA)",
             plausible=(0.15, 0.6)),  # assumption: around the calibrated 0.35
        _unc("tender_volume", 1.0, 0.0, 10.0, "multiplier",
             "Multiplier on the number of tenders hosts issue.",
             "Calibration: about USD 500 bn a year of international contracts (ENR Top-250; MOFCOM)",
             schedulable=True,
             plausible=(0.5, 1.5)),  # assumption: half to one and a half the calibrated volume
        _unc("cost_advantage", 0.35, 0.0, 0.8, "share 0-1",
             "How much lower Chinese unit cost is than developed firms' at the start.",
             "MassLive, MBTA 2014: Chinese bids 21-48% below rivals",
             plausible=(0.2, 0.5)),  # MassLive, MBTA 2014: bids 21-48% below rivals
        _unc("bit_effect", 0.01, 0.0, 0.35, "share 0-1",
             "Effect of a BIT in force on Chinese investment in a developed host: it lowers the "
             "base entry barrier by twice this share and adds it to the return of a plant there. "
             "The article's mechanism, kept as an assumption: the default is the evidence for "
             "rich, well-governed hosts (about zero); the article's view is about 0.05-0.1.",
             "Bellak & Reiter 2020 meta-analysis (721 estimates): 0 to +23%, under 1% after "
             "correction for publication bias, about zero for rich hosts; stronger in risky "
             "hosts (Neumayer & Spess 2005)"),
        _unc("spillover_rate", 0.55, 0.0, 1.1, "technology share per unit share of presence",
             "Long-run elasticity of a Chinese firm's technology to working beside developed "
             "firms: a share x of its work done with them raises its technology level by "
             "spillover_rate times x (times its level; +10 points of presence, +5.5% at the "
             "default), reached over spillover_adjustment quarters, more for modest gaps. An "
             "elasticity of productivity, converted into a quarterly gain; not a share of the "
             "gap closed each quarter.",
             "Hampl & Havranek: +10 points of foreign presence -> +11% productivity (1.1), +19% "
             "for joint ventures; Havranek & Irsova 2011 (1,205 estimates): about 0 on average. "
             "Default: midway"),
        _unc("jv_premium", 1.35, 1.0, 1.7, "multiplier",
             "Spillover premium of joint ventures and trilateral consortia over arm's length "
             "presence.",
             "Hampl & Havranek: JV spillovers +19% vs +11%; range 1.0-1.7"),
        _unc("ipr_elasticity", 1.3, 1.0, 1.35, "multiplier",
             "Multiplier on technology transfer and licensing when IPR protection is full.",
             "Branstetter, Fisman & Foley 2006 (QJE): royalties +30% after IPR reform"),
        _unc("capital_controls", 0.0, 0.0, 1.0, "index 0-1",
             "Home controls on outward investment: the share of planned investment they stop (1 = no outward investment).",
             "MOFCOM: late-2016 controls, ODI -19% in 2017", schedulable=True),
        _unc("tech_value", 0.2, 0.0, 1.0, "share of output per technology point",
             "Value to China of one point of technology upgrading, as a share of the output of the "
             "upgraded capacity per quarter (a price and value-added premium). Enters gain_china "
             "only; the verdict for China depends on it (see docs/ODD.md).",
             "China Brief 15(18), intro and *With Developed Countries* (moving up the value chain "
             "is China's aim); modelling choice, no published estimate: vary it in sweeps",
             plausible=(0.05, 0.5)),  # assumption: the modelling choice, varied
        _unc("multilateral_lending", 15.0, 0.0, 200.0, "USD bn per year",
             "Credit multilateral lenders (World Bank, regional development banks) make available "
             "a year for projects in developing hosts not won by Chinese bidders; they apply the "
             "debt-sustainability rule.",
             "Assumption: order of magnitude of multilateral infrastructure lending to low- and "
             "middle-income countries (F22: Chinese policy-bank lending close to the World Bank's "
             "total over 2008-2019)", schedulable=True),
        _unc("problem_rate", 0.35, 0.0, 1.0, "probability per project (over its life)",
             "Chance that a delivered project meets a major implementation problem (hurts "
             "brand), at technology 0.5 (lower for better technology). Drawn once per project "
             "when it is awarded: a share of projects over their life, not a rate per quarter.",
             "AidData 2021: 35% of BRI infrastructure projects met major problems",
             plausible=(0.2, 0.5)),  # assumption: around AidData 2021's 35%
    ]
}


def _const(name, default, low, high, unit, meaning, source, integer=False):
    return Param(name, "constant", default, unit, low, high, meaning, source, integer=integer)


#: Structural constants: numbers inside the mechanisms that move outcomes. Each is declared like
#: a parameter (unit, plausible range, source or "assumption") so that it can be set under
#: ``world:``, swept like an uncertainty and listed by ``triplewin explain`` and the docs. They are
#: kept apart from the uncertainties by their kind ("constant") everywhere. Most have no
#: published estimate: their source says "assumption" and the range is what the model's
#: behaviour stays plausible over. The mechanism modules take their defaults from here.
CONSTANTS: dict[str, Param] = {
    p.name: p
    for p in [
        # --- bids and learned markups (sim.mechanisms.learning) ---
        _const("markup_learning", 1, 0, 1, "switch 0/1",
               "1: every bidder learns its markup from its own results (modified Roth-Erev). "
               "0: every bidder prices at customary_markup (the knock-out of the claims that "
               "rest on learned markups).",
               "Roth & Erev 1995; Erev & Roth 1998; Nicolaisen, Petrov & Tesfatsion 2001",
               integer=True),
        _const("customary_markup", 0.12, 0.0, 0.5, "share of unit cost",
               "The markup of the trade: where bidders' propensities start, and the markup of "
               "every bid when markup_learning is 0.",
               "Assumption (about the expected margin of contractors abroad)"),
        _const("markup_max", 1.5, 0.5, 3.0, "share of unit cost",
               "Largest markup on the grid bidders choose from.",
               "Assumption: wide enough for a bidder 35% cheaper than its rivals (F11) to price "
               "up to a host's reserve"),
        _const("markup_step", 0.05, 0.01, 0.2, "share of unit cost",
               "Step of the markup grid.", "Assumption"),
        _const("learning_recency", 0.1, 0.0, 0.5, "share per quarter",
               "Forgetting of markup propensities per quarter (Erev-Roth recency).",
               "Assumption within the range of the AMES test bed (Nicolaisen, Petrov & "
               "Tesfatsion 2001)"),
        _const("learning_experimentation", 0.2, 0.0, 0.9, "share 0-1",
               "Share of reinforcement spread to markups not used (modified Roth-Erev "
               "experimentation).",
               "Assumption within the range of the AMES test bed (Nicolaisen, Petrov & "
               "Tesfatsion 2001)"),
        _const("initial_propensity", 0.02, 0.001, 1.0, "profit per unit of tender value",
               "Mean initial propensity of a markup; small against one win's reward, so that "
               "experience soon outweighs the start.", "Assumption"),
        _const("prior_spread", 0.15, 0.01, 1.0, "share of unit cost",
               "Spread of initial propensities around the customary markup.", "Assumption"),
        _const("trilateral_cn_share", 0.6, 0.1, 0.9, "share 0-1",
               "Chinese work share inside a trilateral consortium.",
               "Assumption; Hinkley Point C: CGN 33.5% beside EDF (F15), Chinese-led consortia "
               "in third markets larger"),
        _const("looks_cn", 8, 1, 30, "tenders per quarter",
               "Most tenders a Chinese firm looks at in a quarter (1 + looks_idle x its idle "
               "share, at most this).", "Assumption", integer=True),
        _const("looks_dv", 4, 1, 30, "tenders per quarter",
               "Tenders a developed firm looks at in a quarter.", "Assumption", integer=True),
        _const("looks_idle", 6.0, 0.0, 20.0, "tenders per unit of idle share",
               "Extra tenders a Chinese firm looks at per unit of idle home capacity share "
               "(overcapacity pushes firms abroad).",
               "Assumption; China Brief 15(18), *International Industrial Capacity "
               "Cooperation*"),
        _const("compliance_cost", 0.3, 0.0, 1.0, "unit cost per unit of compliance penalty",
               "Extra unit cost of a Chinese bid per unit of standards-compliance penalty "
               "(translation, redesign, certification).", "Assumption"),
        _const("partner_ipr_floor", 0.5, 0.0, 1.0, "share 0-1",
               "Developed partners' willingness to join a consortium at no IPR protection, as a "
               "share of their full willingness.",
               "Assumption; China Brief 15(18), closing paragraphs"),
        _const("fund_willingness", 0.3, 0.0, 1.0, "probability",
               "Extra willingness of developed partners to join trilateral bids in developing "
               "hosts when a joint fund backs them (reached at fund_full).", "Assumption"),
        _const("fund_full", 10.0, 1.0, 50.0, "USD bn per year",
               "Joint-fund size at which its effect on partners' willingness is full.",
               "Assumption"),
        # --- award and hosts (sim.mechanisms.award) ---
        _const("reserve_ratio", 1.15, 1.0, 1.5, "price / budget",
               "A host's reserve price per unit of its tender budget: bids above it are refused; "
               "a tender with no bid under it is not awarded.",
               "Assumption; Mexico HSR 2014: a sole bid 18% over the estimate was revoked (F13)"),
        _const("barrier_weight", 0.4, 0.0, 1.0, "score per unit of barrier",
               "Score penalty of a Chinese bid in a developed host per unit of entry barrier.",
               "Assumption"),
        _const("brand_weight", 0.5, 0.0, 1.0, "score per brand point",
               "Weight of brand relative to technology in a bid's quality.", "Assumption"),
        _const("award_noise", 0.1, 0.01, 0.5, "score units",
               "Scale of the Gumbel taste shock in bid scores (how much award decisions depart "
               "from price and quality).", "Assumption"),
        _const("plant_barrier_factor", 0.4, 0.0, 1.0, "share 0-1",
               "Share of the barrier penalty a Chinese bidder with a local plant still faces.",
               "Assumption; CRRC's US plants (F14)"),
        _const("trilateral_barrier_factor", 0.5, 0.0, 1.0, "share 0-1",
               "Share of the barrier penalty a trilateral consortium still faces.",
               "Assumption; China Brief 15(18), *With Developed Countries* (AREVA)"),
        _const("trilateral_compliance", 0.3, 0.0, 1.0, "share 0-1",
               "Share of the compliance penalty a trilateral consortium keeps.", "Assumption"),
        _const("fund_bonus", 0.03, 0.0, 0.2, "score units",
               "Score bonus of a fund-backed trilateral bid in a developing host "
               "(concessional finance).", "Assumption"),
        _const("project_value", 1.2, 1.0, 2.0, "value / budget",
               "What a host values a project at per unit of its budget at the reference "
               "technology (infrastructure returns).",
               "Assumption (returns to infrastructure above cost)"),
        _const("reference_tech", 0.85, 0.5, 1.0, "index 0-1",
               "Technology level a tender budget is priced at (a developed firm's).",
               "Assumption, a little below the developed firms' mean technology"),
        # --- host responses (sim.mechanisms.screening) ---
        _const("screening_attention", 0.15, 0.05, 1.0, "share per quarter",
               "Share of the gap between what a developed host observes and its concern closed "
               "each quarter (the lag of its response: 1/attention quarters).",
               "Assumption: about 7 quarters; FIRRMA (Aug 2018) came about two years after the "
               "2016 peak of Chinese acquisitions in the US (F4, F18)"),
        _const("screening_relax", 0.02, 0.0, 0.5, "share per quarter",
               "Speed at which a barrier relaxes toward its base while concern is below the "
               "threshold (screening laws persist).", "Assumption"),
        _const("screening_coordination", 0.5, 0.0, 1.0, "share 0-1",
               "Weight a developed host gives the Chinese share across all developed markets, "
               "rather than its own, in what it observes (coordinated screening).",
               "Assumption; EU Regulation 2019/452 (F18)"),
        _const("ownership_weight", 0.5, 0.0, 2.0, "per unit of presence",
               "Weight of Chinese-owned plant capacity (per unit of a host's quarterly tender "
               "volume) in what a developed host observes.",
               "Assumption; FIRRMA targeted acquisitions (F4, F18)"),
        _const("bit_cap", 0.15, 0.0, 1.0, "index 0-1",
               "How far above its (lowered) base a BIT lets screening raise a barrier.",
               "Assumption"),
        # --- technology, wages, values ---
        _const("plant_transfer", 0.5, 0.0, 1.0, "share 0-1",
               "Transfer intensity from working beside developed firms at a plant (arm's "
               "length), relative to a consortium partner's full willingness.", "Assumption"),
        _const("spillover_adjustment", 8, 1, 40, "quarters",
               "Quarters over which the long-run productivity effect of working beside "
               "developed firms (spillover_rate) comes about.",
               "Assumption: most of the level effect within two years", integer=True),
        _const("wage_dg", 1.25e-6, 0.0, 1e-5, "USD bn per job per quarter",
               "Wage of a job at a Chinese park or plant in a developing host.",
               "Assumption (about USD 5,000 a year)"),
        _const("wage_dv", 1.5e-5, 0.0, 5e-5, "USD bn per job per quarter",
               "Wage of a job at a Chinese plant in a developed host.",
               "Assumption (about USD 60,000 a year)"),
        _const("idle_value", 0.1, 0.0, 0.5, "share of the work",
               "Value to China of idle overcapacity put to work, per USD bn of such work "
               "(avoided losses).", "Assumption"),
        _const("domestic_earnings", 0.01, 0.0, 0.05, "USD bn per unit of capacity per quarter",
               "Retained domestic earnings per quarter per unit of utilised home capacity.",
               "Assumption"),
        # --- decisions of Chinese firms (sim.agents.chinese_firm) ---
        _const("cn_expected_margin", 0.12, 0.0, 0.5, "share of tender value",
               "Margin a Chinese firm expects when it considers a tender (bid decision).",
               "Assumption"),
        _const("bid_cost_soe", 0.02, 0.0, 0.2, "share of tender value",
               "Cost of preparing a bid abroad for an SOE (halved at full state support).",
               "Assumption"),
        _const("bid_cost_sme", 0.05, 0.0, 0.2, "share of tender value",
               "Cost of preparing a bid abroad for an SME (halved at full state support).",
               "Assumption; China Brief 15(18), *Internally* (SMEs lack information and services)"),
        _const("cn_risk_aversion", 4.0, 0.0, 10.0, "per unit of expected loss",
               "Weight a profit-oriented Chinese firm gives expected payment losses.",
               "Assumption"),
        _const("idle_weight", 0.10, 0.0, 0.5, "per unit of idle share",
               "Value of putting idle home capacity to work, in bid and markup decisions.",
               "Assumption; China Brief 15(18), *International Industrial Capacity Cooperation*"),
        _const("volume_weight", 0.04, 0.0, 0.2, "share of tender value",
               "Value a volume-seeking SOE puts on a contract itself.",
               "Assumption; China Brief 15(18), *Internally* (SOEs before reform)"),
        _const("periphery_weight", 0.03, 0.0, 0.2, "share of tender value",
               "State direction toward developing hosts in a volume-seeking SOE's utilities.",
               "Assumption; China Brief 15(18), *Location Preference*"),
        _const("dev_plant_return", 0.12, 0.0, 0.5, "return",
               "Return of a plant in a developed host before support, BIT and barrier.",
               "Assumption; China Brief 15(18), *Location Preference* (higher returns of mature "
               "markets)"),
        _const("dev_plant_fixed", 0.05, 0.0, 0.3, "return",
               "Fixed cost of a developed-market plant as a return penalty (halved at full state "
               "support).", "Assumption"),
        _const("park_return", 0.02, -0.1, 0.3, "return",
               "Return of a park in a developing host before labour savings and support.",
               "Assumption"),
        _const("park_saving", 0.1, 0.0, 0.5, "return per unit of relative labour saving",
               "Return of a park per unit of relative labour-cost saving.",
               "Assumption; China Brief 15(18), *Externally* (cheaper land and labour)"),
        _const("idle_relocation", 0.3, 0.0, 1.0, "return per unit of idle share",
               "How much idle home capacity adds to the return of relocating it.",
               "Assumption (overcapacity push)"),
        # --- decisions of developed firms and associations ---
        _const("dv_expected_margin", 0.12, 0.0, 0.5, "share of tender value",
               "Margin a developed firm expects when it considers a tender.", "Assumption"),
        _const("dv_bid_cost", 0.02, 0.0, 0.2, "share of tender value",
               "Cost of preparing a bid for a developed firm.", "Assumption"),
        _const("dv_risk_aversion", 3.0, 0.0, 10.0, "per unit of expected loss",
               "Weight a developed firm gives expected payment losses (below a Chinese "
               "profit-oriented firm's: diversified multinationals with export-credit insurance).",
               "Assumption"),
        _const("compliance_penalty", 0.3, 0.0, 1.0, "score units",
               "Largest score penalty of bidding on foreign standards (power, no integration).",
               "Assumption; China Brief 15(18), *Internally* (CEC standards, F17)"),
        # --- technology and reputation ---
        _const("learning_by_doing", 0.02, 0.0, 0.1, "share of the gap to 1 per quarter",
               "Technology gained per quarter at full use of capacity abroad (times 1 - tech).",
               "Assumption"),
        _const("domestic_drift", 0.002, 0.0, 0.02, "share of the gap to 1 per quarter",
               "Domestic upgrading per quarter (Made in China 2025).", "Assumption"),
        _const("licence_rate", 0.05, 0.0, 0.2, "share of Chinese work value",
               "Licence fee in a consortium at full transfer intensity.", "Assumption"),
        _const("rd_share", 0.1, 0.0, 0.5, "share of profit",
               "Share of positive profit Chinese firms spend on R&D.", "Assumption"),
        _const("rd_efficiency", 0.5, 0.0, 2.0, "technology per R&D per capacity",
               "Technology gained per USD bn of R&D per USD bn of capacity (times 1 - tech).",
               "Assumption"),
        _const("frontier_drift", 0.002, 0.0, 0.02, "share of the gap to 1 per quarter",
               "Quarterly drift of developed firms' technology.", "Assumption"),
        _const("branding_rate", 0.03, 0.0, 0.2, "brand per quarter",
               "Brand gained per quarter at full branding intensity (SOEs; SMEs half), times "
               "the room left to grow.", "Assumption"),
        _const("success_gain", 0.004, 0.0, 0.05, "brand per project",
               "Brand gained per successful project, times the room left to grow.", "Assumption"),
        _const("failure_loss", 0.012, 0.0, 0.1, "brand per project",
               "Brand lost per project with a major problem, times the brand there is.",
               "Assumption"),
        # --- investment, location and jobs (sim.mechanisms.location) ---
        _const("capacity_per_bn", 0.12, 0.01, 1.0, "USD bn of quarterly output per USD bn",
               "Capacity moved abroad per USD bn invested (before the idle-equipment bonus).",
               "Assumption"),
        _const("cash_threshold", 0.15, 0.0, 1.0, "share of capacity",
               "A firm invests when its cash exceeds this share of its capacity.", "Assumption"),
        _const("invest_rate", 0.5, 0.0, 1.0, "share of excess cash",
               "Share of the cash above the threshold a firm puts into one investment.",
               "Assumption"),
        _const("max_move", 0.2, 0.0, 1.0, "share of home capacity",
               "Largest share of home capacity one investment can move.", "Assumption"),
        _const("idle_move_factor", 2.0, 0.0, 5.0, "per unit of idle share",
               "Idle equipment is cheaper to move: capacity moved per USD bn rises by this "
               "factor times the firm's idle share.",
               "Assumption; China Brief 15(18), *International Industrial Capacity "
               "Cooperation*"),
        _const("jobs_park", 20000, 0, 100000, "jobs per USD bn of quarterly output",
               "Jobs at Chinese parks and plants in developing hosts (labour-intensive).",
               "Assumption"),
        _const("jobs_dev", 6000, 0, 50000, "jobs per USD bn of quarterly output",
               "Jobs at Chinese plants in developed hosts.",
               "Calibration: CRRC Springfield, about USD 100 m a year and a few hundred jobs "
               "(F14)"),
        # --- home economy (sim.mechanisms.environment) ---
        _const("high_end_utilization", 0.85, 0.5, 1.0, "share 0-1",
               "Home utilisation of the high-end sectors at PMI 50.", "Assumption"),
        _const("sme_entry", 0.02, 0.0, 0.5, "probability per quarter",
               "Hazard that an SME at home goes abroad without state support.", "Assumption"),
        _const("sme_entry_support", 0.15, 0.0, 0.5, "probability per quarter",
               "Extra hazard of going abroad per unit of state support.",
               "Assumption; China Brief 15(18), *Internally*"),
        _const("sme_exit", 0.06, 0.0, 0.5, "probability per quarter",
               "Hazard that an SME abroad comes home without state support (state support "
               "lowers it).", "Assumption"),
        # --- tenders ---
        _const("mean_tender_value", 0.5, 0.05, 5.0, "USD bn",
               "Mean tender value (lognormal, sigma 1).",
               "Calibration: about USD 500 bn a year of international contracts (ENR Top-250, "
               "MOFCOM; F9, F10)"),
        _const("tender_rate", 1.2, 0.1, 10.0, "tenders per quarter per unit of host size",
               "Tenders a host issues per quarter per unit of its size (before tender_volume).",
               "Calibration with mean_tender_value (F9, F10)"),
        # --- local content and lending (sim.mechanisms.local, sim.mechanisms.lending) ---
        _const("local_enforcement_base", 0.5, 0.0, 1.0, "share of the rule applied",
               "How strictly developing hosts enforce their local-content rule at the start, "
               "and where enforcement relaxes to when they see the rule met (0 with "
               "local_enforcement_rate 0: the rule is words only, the knock-out of claim 15).",
               "Assumption"),
        _const("local_enforcement_rate", 0.5, 0.0, 5.0, "enforcement per unit of shortfall",
               "Rise of enforcement per quarter per unit of shortfall of the observed local "
               "share below the rule.", "Assumption"),
        _const("debt_service_weight", 0.5 / 0.133, 0.0, 10.0, "distress factor per unit of ratio",
               "Weight of debt service / revenue in the payment-distress factor (0 with "
               "debt_overhang 0: distress does not depend on debt, the knock-out of claim 16).",
               "Calibration: at the default debt_level a host's ratio is about 0.133, where the "
               "factor is 1 (distress_rate is then an average host's chance)"),
        _const("debt_overhang", 3.0, 0.0, 10.0, "distress factor per unit of relative excess",
               "Extra distress factor per unit of debt service above the DSF medium threshold, "
               "relative to it (past the threshold the risk of debt distress is high).",
               "Assumption; IMF-World Bank LIC DSF 2018 (thresholds 14 / 18 / 23% of revenue)"),
    ]
}


def _pop(name, default, low, high, meaning, source="DESIGN.md section 2 (default population)"):
    return Param(name, "population", default, "count", low, high, meaning, source, integer=True)


#: Hard limits keep a scenario from exhausting memory; they are named in error messages.
MAX_AGENTS = 200_000
MAX_STEPS = 400
MAX_REPLICATIONS = 1_000
MAX_CELLS = 50_000_000  # replications x steps x agents, the work of one scenario

POPULATION: dict[str, Param] = {
    p.name: p
    for p in [
        _pop("n_developed_hosts", 8, 1, 1_000, "Developed host economies (US, EU members, Japan...)."),
        _pop("n_developing_hosts", 30, 1, 10_000, "Developing host economies."),
        _pop("n_cn_firms", 120, 7, 100_000, "Chinese firms (SOEs and SMEs) across the seven sectors."),
        _pop("n_dv_firms", 60, 7, 100_000, "Developed-country firms across the seven sectors."),
        _pop("dg_firms_per_host", 4, 0, 100,
             "Developing-country firms (local contractors and suppliers) per developing host.",
             "DESIGN.md section 2 (developing-country firms); assumption on the number"),
        Param("soe_share", "population", 0.25, "share 0-1", 0.0, 1.0,
              "Share of Chinese firms that are SOEs.", "DESIGN.md section 2 (about a quarter)"),
    ]
}

RUN: dict[str, Param] = {
    p.name: p
    for p in [
        Param("steps", "run", 40, "quarters", 1, MAX_STEPS,
              "Number of quarterly steps; step 0 is 2015Q1.", "DESIGN.md section 2", integer=True),
        Param("seed", "run", 2015, "integer", 0, 2**63 - 1,
              "Root seed; replication seeds are spawned from it by numpy SeedSequence.",
              "DESIGN.md section 5", integer=True),
        Param("replications", "run", 10, "count", 1, MAX_REPLICATIONS,
              "Independent replications (common random numbers across scenarios).",
              "DESIGN.md section 5", integer=True),
    ]
}

WORLD: dict[str, Param] = {**POPULATION, **UNCERTAINTIES, **CONSTANTS}
ALL: dict[str, Param] = {**LEVERS, **WORLD, **RUN}

SECTORS: tuple[str, ...] = ("steel", "cement", "flat_glass", "rail", "power", "telecom", "aviation")
OVERCAPACITY: tuple[str, ...] = ("steel", "cement", "flat_glass")
HIGH_END: tuple[str, ...] = ("rail", "power", "telecom", "aviation")
START_YEAR = 2015


def constant(name: str) -> float | int:
    """Default of a structural constant (the mechanism modules take their defaults from here,
    so that the declaration is the one source of each number)."""
    return CONSTANTS[name].default
