"""Every scenario parameter, declared once.

Each :class:`~sim.scenario.declaration.Param` carries its default, unit, allowed range, meaning
and source. The pydantic
schema (:mod:`sim.scenario.schema`), the model's keyword arguments, ``triplewin explain`` and the
parameter reference in ``docs/ODD.md`` are all generated from these declarations.

Levers are what policy sets; uncertainties are what policy does not set; structural constants
are the numbers inside the mechanisms, declared in :mod:`sim.scenario.constants` and joined
here into :data:`WORLD` and :data:`ALL`. Levers are kept apart from the rest in
the schema (``levers:`` vs ``world:``), in sweep designs and in result columns; uncertainties,
constants and population sizes share ``world:`` and are told apart by their kind.

Sources are named by article section ("China Brief 15(18), *Internally*") or by the public source
behind a calibration figure (e.g. "ENR Top-250 via CHINCA"). Calibration choices say so in ``source``.
"""

from __future__ import annotations

from .constants import CONSTANTS
from .declaration import Param


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


def _pop(name, default, low, high, meaning, source="docs/ODD.md section 2 (default population)"):
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
             "docs/ODD.md section 2 (developing-country firms); assumption on the number"),
        Param("soe_share", "population", 0.25, "share 0-1", 0.0, 1.0,
              "Share of Chinese firms that are SOEs.", "docs/ODD.md section 2 (about a quarter)"),
    ]
}

RUN: dict[str, Param] = {
    p.name: p
    for p in [
        Param("steps", "run", 40, "quarters", 1, MAX_STEPS,
              "Number of quarterly steps; step 0 is 2015Q1.", "docs/ODD.md section 2", integer=True),
        Param("seed", "run", 2015, "integer", 0, 2**63 - 1,
              "Root seed; replication seeds are spawned from it by numpy SeedSequence.",
              "docs/ODD.md section 4 (Stochasticity)", integer=True),
        Param("replications", "run", 10, "count", 1, MAX_REPLICATIONS,
              "Independent replications (common random numbers across scenarios).",
              "docs/ODD.md section 4 (Stochasticity)", integer=True),
    ]
}

WORLD: dict[str, Param] = {**POPULATION, **UNCERTAINTIES, **CONSTANTS}
ALL: dict[str, Param] = {**LEVERS, **WORLD, **RUN}

SECTORS: tuple[str, ...] = ("steel", "cement", "flat_glass", "rail", "power", "telecom", "aviation")
OVERCAPACITY: tuple[str, ...] = ("steel", "cement", "flat_glass")
HIGH_END: tuple[str, ...] = ("rail", "power", "telecom", "aviation")
START_YEAR = 2015
