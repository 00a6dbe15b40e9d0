"""The structural constants: the numbers inside the mechanisms that move outcomes.

Each is declared like a parameter (:class:`~sim.scenario.declaration.Param`: unit, plausible
range, source or "assumption") so that it can be set under ``world:``, swept like an
uncertainty and listed by ``triplewin explain`` and the docs. They are kept apart from the
uncertainties by their kind ("constant") everywhere. Most have no published estimate: their
source says "assumption" and the range is what the model's behaviour stays plausible over. The
mechanism modules take their defaults from here (:func:`constant`); a run reads its values as
``model.k.<name>``.
"""

from __future__ import annotations

from .declaration import Param


def _const(name, default, low, high, unit, meaning, source, integer=False, plausible=None):
    return Param(name, "constant", default, unit, low, high, meaning, source, integer=integer,
                 plausible=plausible)


#: Every structural constant, by name, grouped by the mechanism that reads it.
CONSTANTS: dict[str, Param] = {
    p.name: p
    for p in [
        # --- bids and learned markups (sim.mechanisms.learning) ---
        _const("markup_learning", 1, 0, 1, "switch 0/1",
               "1: every bidder learns its markup from its own results (modified Roth-Erev). "
               "0: every bidder prices at customary_markup (the knock-out of the claims that "
               "rest on learned markups).",
               "Roth & Erev 1995; Erev & Roth 1998; Nicolaisen, Petrov & Tesfatsion 2001",
               integer=True, plausible=(1, 1)),  # a switch of the model's structure, not an
        # uncertain quantity: every plausible world learns (0 is the claims' knock-out)
        _const("customary_markup", 0.12, 0.0, 0.5, "share of unit cost",
               "The markup of the trade: where bidders' propensities start, and the markup of "
               "every bid when markup_learning is 0.",
               "Assumption (about the expected margin of contractors abroad)",
               plausible=(0.06, 0.2)),  # assumption: contractors' margins abroad mostly 5-20%
        _const("markup_max", 1.5, 0.5, 3.0, "share of unit cost",
               "Largest markup on the grid bidders choose from.",
               "Assumption: wide enough for a bidder 35% cheaper than its rivals (F11) to price "
               "up to a host's reserve",
               plausible=(1.2, 2.0)),  # assumption: the grid still reaches a host's reserve
        # for a bidder 35-50% cheaper than its rivals (F11)
        _const("markup_step", 0.05, 0.01, 0.2, "share of unit cost",
               "Step of the markup grid.", "Assumption",
               plausible=(0.025, 0.075)),  # assumption: half to 1.5 times the default
        _const("learning_recency", 0.1, 0.0, 0.5, "share per quarter",
               "Forgetting of markup propensities per quarter (Erev-Roth recency).",
               "Assumption within the range of the AMES test bed (Nicolaisen, Petrov & "
               "Tesfatsion 2001)",
               plausible=(0.05, 0.2)),  # assumption: half to twice the default
        _const("learning_experimentation", 0.2, 0.0, 0.9, "share 0-1",
               "Share of reinforcement spread to markups not used (modified Roth-Erev "
               "experimentation).",
               "Assumption within the range of the AMES test bed (Nicolaisen, Petrov & "
               "Tesfatsion 2001)",
               plausible=(0.1, 0.3)),  # assumption: half to 1.5 times the default
        _const("initial_propensity", 0.02, 0.001, 1.0, "profit per unit of tender value",
               "Mean initial propensity of a markup; small against one win's reward, so that "
               "experience soon outweighs the start.", "Assumption",
               plausible=(0.01, 0.03)),  # assumption: still small against one win's reward
        _const("prior_spread", 0.15, 0.01, 1.0, "share of unit cost",
               "Spread of initial propensities around the customary markup.", "Assumption",
               plausible=(0.075, 0.225)),  # assumption: half to 1.5 times the default
        _const("trilateral_cn_share", 0.6, 0.1, 0.9, "share 0-1",
               "Chinese work share inside a trilateral consortium.",
               "Assumption; Hinkley Point C: CGN 33.5% beside EDF (F15), Chinese-led consortia "
               "in third markets larger",
               plausible=(0.35, 0.75)),  # F15: CGN 33.5% at Hinkley Point C; Chinese-led
        # consortia in third markets larger
        _const("looks_cn", 8, 1, 30, "tenders per quarter",
               "Most tenders a Chinese firm looks at in a quarter (1 + looks_idle x its idle "
               "share, at most this).", "Assumption", integer=True,
               plausible=(4, 12)),  # assumption: half to 1.5 times the default
        _const("looks_dv", 4, 1, 30, "tenders per quarter",
               "Tenders a developed firm looks at in a quarter.", "Assumption", integer=True,
               plausible=(2, 6)),  # assumption: half to 1.5 times the default
        _const("looks_idle", 6.0, 0.0, 20.0, "tenders per unit of idle share",
               "Extra tenders a Chinese firm looks at per unit of idle home capacity share "
               "(overcapacity pushes firms abroad).",
               "Assumption; China Brief 15(18), *International Industrial Capacity "
               "Cooperation*",
               plausible=(3.0, 9.0)),  # assumption: half to 1.5 times the default
        _const("compliance_cost", 0.3, 0.0, 1.0, "unit cost per unit of compliance penalty",
               "Extra unit cost of a Chinese bid per unit of standards-compliance penalty "
               "(translation, redesign, certification).", "Assumption",
               plausible=(0.15, 0.45)),  # assumption: 4-14% extra cost at the largest penalty
        _const("partner_ipr_floor", 0.5, 0.0, 1.0, "share 0-1",
               "Developed partners' willingness to join a consortium at no IPR protection, as a "
               "share of their full willingness.",
               "Assumption; China Brief 15(18), closing paragraphs",
               plausible=(0.25, 0.75)),  # assumption: partners neither all stay nor all leave
        _const("fund_willingness", 0.3, 0.0, 1.0, "probability",
               "Extra willingness of developed partners to join trilateral bids in developing "
               "hosts when a joint fund backs them (reached at fund_full).", "Assumption",
               plausible=(0.15, 0.45)),  # assumption: half to 1.5 times the default
        _const("fund_full", 10.0, 1.0, 50.0, "USD bn per year",
               "Joint-fund size at which its effect on partners' willingness is full.",
               "Assumption",
               plausible=(5.0, 15.0)),  # assumption: half to 1.5 times the default
        # --- award and hosts (sim.mechanisms.award) ---
        _const("reserve_ratio", 1.15, 1.0, 1.5, "price / budget",
               "A host's reserve price per unit of its tender budget: bids above it are refused; "
               "a tender with no bid under it is not awarded.",
               "Assumption; Mexico HSR 2014: a sole bid 18% over the estimate was revoked (F13)",
               plausible=(1.05, 1.25)),  # assumption: 5-25% over estimate; F13: 18%, revoked
        _const("barrier_weight", 0.4, 0.0, 1.0, "score per unit of barrier",
               "Score penalty of a Chinese bid in a developed host per unit of entry barrier.",
               "Assumption",
               plausible=(0.2, 0.6)),  # assumption: half to 1.5 times the default
        _const("brand_weight", 0.5, 0.0, 1.0, "score per brand point",
               "Weight of brand relative to technology in a bid's quality.", "Assumption",
               plausible=(0.25, 0.75)),  # assumption: brand weighs less to more than half of tech
        _const("award_noise", 0.1, 0.01, 0.5, "score units",
               "Scale of the Gumbel taste shock in bid scores (how much award decisions depart "
               "from price and quality).", "Assumption",
               plausible=(0.05, 0.2)),  # assumption: half to twice (fitting prior 0.02-0.4)
        _const("plant_barrier_factor", 0.4, 0.0, 1.0, "share 0-1",
               "Share of the barrier penalty a Chinese bidder with a local plant still faces.",
               "Assumption; CRRC's US plants (F14)",
               plausible=(0.2, 0.6)),  # assumption: a plant removes 40-80% of it (F14)
        _const("trilateral_barrier_factor", 0.5, 0.0, 1.0, "share 0-1",
               "Share of the barrier penalty a trilateral consortium still faces.",
               "Assumption; China Brief 15(18), *With Developed Countries* (AREVA)",
               plausible=(0.25, 0.75)),  # assumption: half to 1.5 times the default
        _const("trilateral_compliance", 0.3, 0.0, 1.0, "share 0-1",
               "Share of the compliance penalty a trilateral consortium keeps.", "Assumption",
               plausible=(0.15, 0.45)),  # assumption: half to 1.5 times the default
        _const("fund_bonus", 0.03, 0.0, 0.2, "score units",
               "Score bonus of a fund-backed trilateral bid in a developing host "
               "(concessional finance).", "Assumption",
               plausible=(0.015, 0.045)),  # assumption: half to 1.5 times the default
        _const("project_value", 1.2, 1.0, 2.0, "value / budget",
               "What a host values a project at per unit of its budget at the reference "
               "technology (infrastructure returns).",
               "Assumption (returns to infrastructure above cost)",
               plausible=(1.1, 1.35)),  # assumption: benefit-cost ratios above 1, kept
        # narrow: it scales the hosts' gains
        _const("reference_tech", 0.85, 0.5, 1.0, "index 0-1",
               "Technology level a tender budget is priced at (a developed firm's).",
               "Assumption, a little below the developed firms' mean technology",
               plausible=(0.78, 0.86)),  # assumption: a little below developed firms' mean 0.86
        # --- host responses (sim.mechanisms.screening) ---
        _const("screening_attention", 0.15, 0.05, 1.0, "share per quarter",
               "Share of the gap between what a developed host observes and its concern closed "
               "each quarter (the lag of its response: 1/attention quarters).",
               "Assumption: about 7 quarters; FIRRMA (Aug 2018) came about two years after the "
               "2016 peak of Chinese acquisitions in the US (F4, F18)",
               plausible=(0.1, 0.25)),  # F4, F18: FIRRMA about two years after the
        # 2016 peak: a lag of 4-10 quarters
        _const("screening_relax", 0.02, 0.0, 0.5, "share per quarter",
               "Speed at which a barrier relaxes toward its base while concern is below the "
               "threshold (screening laws persist).", "Assumption",
               plausible=(0.01, 0.04)),  # assumption: screening laws persist 6-25 years
        _const("screening_coordination", 0.5, 0.0, 1.0, "share 0-1",
               "Weight a developed host gives the Chinese share across all developed markets, "
               "rather than its own, in what it observes (coordinated screening).",
               "Assumption; EU Regulation 2019/452 (F18)",
               plausible=(0.25, 0.75)),  # assumption: partial (EU 2019/452 cooperation, F18)
        _const("ownership_weight", 0.5, 0.0, 2.0, "per unit of presence",
               "Weight of Chinese-owned plant capacity (per unit of a host's quarterly tender "
               "volume) in what a developed host observes.",
               "Assumption; FIRRMA targeted acquisitions (F4, F18)",
               plausible=(0.25, 0.75)),  # assumption: half to 1.5 times the default
        _const("bit_cap", 0.15, 0.0, 1.0, "index 0-1",
               "How far above its (lowered) base a BIT lets screening raise a barrier.",
               "Assumption",
               plausible=(0.075, 0.225)),  # assumption: half to 1.5 times the default
        # --- technology, wages, values ---
        _const("plant_transfer", 0.5, 0.0, 1.0, "share 0-1",
               "Transfer intensity from working beside developed firms at a plant (arm's "
               "length), relative to a consortium partner's full willingness.", "Assumption",
               plausible=(0.25, 0.75)),  # assumption: half to 1.5 times the default
        _const("spillover_adjustment", 8, 1, 40, "quarters",
               "Quarters over which the long-run productivity effect of working beside "
               "developed firms (spillover_rate) comes about.",
               "Assumption: most of the level effect within two years", integer=True,
               plausible=(4, 12)),  # assumption: most of the effect within one to three years
        _const("wage_dg", 1.25e-6, 0.0, 1e-5, "USD bn per job per quarter",
               "Wage of a job at a Chinese park or plant in a developing host.",
               "Assumption (about USD 5,000 a year)",
               plausible=(5e-7, 2.5e-6)),  # assumption: USD 2,000-10,000 a year, factory
        # pay in developing hosts
        _const("wage_dv", 1.5e-5, 0.0, 5e-5, "USD bn per job per quarter",
               "Wage of a job at a Chinese plant in a developed host.",
               "Assumption (about USD 60,000 a year)",
               plausible=(1e-5, 2e-5)),  # assumption: USD 40,000-80,000 a year (US, EU)
        _const("idle_value", 0.1, 0.0, 0.5, "share of the work",
               "Value to China of idle overcapacity put to work, per USD bn of such work "
               "(avoided losses).", "Assumption",
               plausible=(0.05, 0.15)),  # assumption: half to 1.5 times the default
        _const("domestic_earnings", 0.01, 0.0, 0.05, "USD bn per unit of capacity per quarter",
               "Retained domestic earnings per quarter per unit of utilised home capacity.",
               "Assumption",
               plausible=(0.005, 0.02)),  # assumption: retained margins of heavy
        # industry about 0.5-2% of output
        # --- decisions of Chinese firms (sim.agents.chinese_firm) ---
        _const("cn_expected_margin", 0.12, 0.0, 0.5, "share of tender value",
               "Margin a Chinese firm expects when it considers a tender (bid decision).",
               "Assumption",
               plausible=(0.06, 0.2)),  # assumption: contractors' margins abroad mostly 5-20%
        _const("bid_cost_soe", 0.02, 0.0, 0.2, "share of tender value",
               "Cost of preparing a bid abroad for an SOE (halved at full state support).",
               "Assumption",
               plausible=(0.01, 0.03)),  # assumption: bids cost about 1-3% of value
        _const("bid_cost_sme", 0.05, 0.0, 0.2, "share of tender value",
               "Cost of preparing a bid abroad for an SME (halved at full state support).",
               "Assumption; China Brief 15(18), *Internally* (SMEs lack information and services)",
               plausible=(0.03, 0.08)),  # assumption: above an SOE's, SMEs lack information
        _const("cn_risk_aversion", 4.0, 0.0, 10.0, "per unit of expected loss",
               "Weight a profit-oriented Chinese firm gives expected payment losses.",
               "Assumption",
               plausible=(3.5, 6.0)),  # assumption: up to 1.5x the default, never
        # below developed firms'
        _const("idle_weight", 0.10, 0.0, 0.5, "per unit of idle share",
               "Value of putting idle home capacity to work, in bid and markup decisions.",
               "Assumption; China Brief 15(18), *International Industrial Capacity Cooperation*",
               plausible=(0.05, 0.15)),  # assumption: half to 1.5 times the default
        _const("volume_weight", 0.04, 0.0, 0.2, "share of tender value",
               "Value a volume-seeking SOE puts on a contract itself.",
               "Assumption; China Brief 15(18), *Internally* (SOEs before reform)",
               plausible=(0.02, 0.06)),  # assumption: half to 1.5 times the default
        _const("periphery_weight", 0.03, 0.0, 0.2, "share of tender value",
               "State direction toward developing hosts in a volume-seeking SOE's utilities.",
               "Assumption; China Brief 15(18), *Location Preference*",
               plausible=(0.015, 0.045)),  # assumption: half to 1.5 times the default
        _const("dev_plant_return", 0.12, 0.0, 0.5, "return",
               "Return of a plant in a developed host before support, BIT and barrier.",
               "Assumption; China Brief 15(18), *Location Preference* (higher returns of mature "
               "markets)",
               plausible=(0.06, 0.18)),  # assumption: manufacturing FDI in mature
        # markets returns about 6-18%
        _const("dev_plant_fixed", 0.05, 0.0, 0.3, "return",
               "Fixed cost of a developed-market plant as a return penalty (halved at full state "
               "support).", "Assumption",
               plausible=(0.025, 0.075)),  # assumption: half to 1.5 times the default
        _const("park_return", 0.02, -0.1, 0.3, "return",
               "Return of a park in a developing host before labour savings and support.",
               "Assumption",
               plausible=(0.0, 0.04)),  # assumption: near zero before labour savings and support
        _const("park_saving", 0.1, 0.0, 0.5, "return per unit of relative labour saving",
               "Return of a park per unit of relative labour-cost saving.",
               "Assumption; China Brief 15(18), *Externally* (cheaper land and labour)",
               plausible=(0.05, 0.15)),  # assumption: half to 1.5 times the default
        _const("idle_relocation", 0.3, 0.0, 1.0, "return per unit of idle share",
               "How much idle home capacity adds to the return of relocating it.",
               "Assumption (overcapacity push)",
               plausible=(0.15, 0.45)),  # assumption: half to 1.5 times the default
        # --- decisions of developed firms and associations ---
        _const("dv_expected_margin", 0.12, 0.0, 0.5, "share of tender value",
               "Margin a developed firm expects when it considers a tender.", "Assumption",
               plausible=(0.06, 0.2)),  # assumption: contractors' margins abroad mostly 5-20%
        _const("dv_bid_cost", 0.02, 0.0, 0.2, "share of tender value",
               "Cost of preparing a bid for a developed firm.", "Assumption",
               plausible=(0.01, 0.03)),  # assumption: bids cost about 1-3% of value
        _const("dv_risk_aversion", 3.0, 0.0, 10.0, "per unit of expected loss",
               "Weight a developed firm gives expected payment losses (below a Chinese "
               "profit-oriented firm's: diversified multinationals with export-credit insurance).",
               "Assumption",
               plausible=(1.5, 3.5)),  # assumption: half the default up to the
        # Chinese firms' lowest
        _const("compliance_penalty", 0.3, 0.0, 1.0, "score units",
               "Largest score penalty of bidding on foreign standards (power, no integration).",
               "Assumption; China Brief 15(18), *Internally* (CEC standards, F17)",
               plausible=(0.15, 0.45)),  # assumption: half to 1.5 times the default
        # --- technology and reputation ---
        _const("learning_by_doing", 0.02, 0.0, 0.1, "share of the gap to 1 per quarter",
               "Technology gained per quarter at full use of capacity abroad (times 1 - tech).",
               "Assumption",
               plausible=(0.01, 0.03)),  # assumption: half to 1.5 times the default
        _const("domestic_drift", 0.002, 0.0, 0.02, "share of the gap to 1 per quarter",
               "Domestic upgrading per quarter (Made in China 2025).", "Assumption",
               plausible=(0.001, 0.003)),  # assumption: half to 1.5 times the default
        _const("licence_rate", 0.05, 0.0, 0.2, "share of Chinese work value",
               "Licence fee in a consortium at full transfer intensity.", "Assumption",
               plausible=(0.02, 0.08)),  # assumption: technology royalties mostly 2-8% of sales
        _const("rd_share", 0.1, 0.0, 0.5, "share of profit",
               "Share of positive profit Chinese firms spend on R&D.", "Assumption",
               plausible=(0.05, 0.2)),  # assumption: half to twice the default
        _const("rd_efficiency", 0.5, 0.0, 2.0, "technology per R&D per capacity",
               "Technology gained per USD bn of R&D per USD bn of capacity (times 1 - tech).",
               "Assumption",
               plausible=(0.25, 0.75)),  # assumption: half to 1.5 times the default
        _const("frontier_drift", 0.002, 0.0, 0.02, "share of the gap to 1 per quarter",
               "Quarterly drift of developed firms' technology.", "Assumption",
               plausible=(0.001, 0.003)),  # assumption: half to 1.5 times the default
        _const("branding_rate", 0.03, 0.0, 0.2, "brand per quarter",
               "Brand gained per quarter at full branding intensity (SOEs; SMEs half), times "
               "the room left to grow.", "Assumption",
               plausible=(0.015, 0.045)),  # assumption: half to 1.5 times the default
        _const("success_gain", 0.004, 0.0, 0.05, "brand per project",
               "Brand gained per successful project, times the room left to grow.", "Assumption",
               plausible=(0.002, 0.006)),  # assumption: half to 1.5 times the default
        _const("failure_loss", 0.012, 0.0, 0.1, "brand per project",
               "Brand lost per project with a major problem, times the brand there is.",
               "Assumption",
               plausible=(0.006, 0.018)),  # assumption: half to 1.5 times the default
        # --- investment, location and jobs (sim.mechanisms.location) ---
        _const("capacity_per_bn", 0.12, 0.01, 1.0, "USD bn of quarterly output per USD bn",
               "Capacity moved abroad per USD bn invested (before the idle-equipment bonus).",
               "Assumption",
               plausible=(0.08, 0.18)),  # assumption: a year's output 0.3-0.7 of the
        # capital (capital-output ratios 1.5-3)
        _const("cash_threshold", 0.15, 0.0, 1.0, "share of capacity",
               "A firm invests when its cash exceeds this share of its capacity.", "Assumption",
               plausible=(0.075, 0.225)),  # assumption: half to 1.5 times the default
        _const("invest_rate", 0.5, 0.0, 1.0, "share of excess cash",
               "Share of the cash above the threshold a firm puts into one investment.",
               "Assumption",
               plausible=(0.25, 0.75)),  # assumption: half to 1.5 times the default
        _const("max_move", 0.2, 0.0, 1.0, "share of home capacity",
               "Largest share of home capacity one investment can move.", "Assumption",
               plausible=(0.1, 0.3)),  # assumption: half to 1.5 times the default
        _const("idle_move_factor", 2.0, 0.0, 5.0, "per unit of idle share",
               "Idle equipment is cheaper to move: capacity moved per USD bn rises by this "
               "factor times the firm's idle share.",
               "Assumption; China Brief 15(18), *International Industrial Capacity "
               "Cooperation*",
               plausible=(1.0, 3.0)),  # assumption: half to 1.5 times the default
        _const("jobs_park", 20000, 0, 100000, "jobs per USD bn of quarterly output",
               "Jobs at Chinese parks and plants in developing hosts (labour-intensive).",
               "Assumption",
               plausible=(10000, 30000)),  # assumption: output per worker USD
        # 130,000-400,000 a year
        _const("jobs_dev", 6000, 0, 50000, "jobs per USD bn of quarterly output",
               "Jobs at Chinese plants in developed hosts.",
               "Calibration: CRRC Springfield, about USD 100 m a year and a few hundred jobs "
               "(F14)",
               plausible=(4000, 9000)),  # assumption: around the CRRC calibration (F14)
        # --- home economy (sim.mechanisms.environment) ---
        _const("high_end_utilization", 0.85, 0.5, 1.0, "share 0-1",
               "Home utilisation of the high-end sectors at PMI 50.", "Assumption",
               plausible=(0.78, 0.92)),  # assumption: above the overcapacity
        # sectors' 0.65-0.75 (F6, F7)
        _const("sme_entry", 0.02, 0.0, 0.5, "probability per quarter",
               "Hazard that an SME at home goes abroad without state support.", "Assumption",
               plausible=(0.01, 0.03)),  # assumption: half to 1.5 times the default
        _const("sme_entry_support", 0.15, 0.0, 0.5, "probability per quarter",
               "Extra hazard of going abroad per unit of state support.",
               "Assumption; China Brief 15(18), *Internally*",
               plausible=(0.075, 0.225)),  # assumption: half to 1.5 times the default
        _const("sme_exit", 0.06, 0.0, 0.5, "probability per quarter",
               "Hazard that an SME abroad comes home without state support (state support "
               "lowers it).", "Assumption",
               plausible=(0.03, 0.1)),  # assumption: 12-35% of SMEs abroad come home in a year
        # --- tenders ---
        _const("mean_tender_value", 0.5, 0.05, 5.0, "USD bn",
               "Mean tender value (lognormal, sigma 1).",
               "Calibration: about USD 500 bn a year of international contracts (ENR Top-250, "
               "MOFCOM; F9, F10)",
               plausible=(0.45, 0.55)),  # F9, F10: calibrated to the market's
        # size; tender_volume varies it +-50%
        _const("tender_rate", 1.2, 0.1, 10.0, "tenders per quarter per unit of host size",
               "Tenders a host issues per quarter per unit of its size (before tender_volume).",
               "Calibration with mean_tender_value (F9, F10)",
               plausible=(1.08, 1.32)),  # F9, F10: calibrated to the market's size;
        # tender_volume varies it +-50%
        # --- local content and lending (sim.mechanisms.local, sim.mechanisms.lending) ---
        _const("local_enforcement_base", 0.5, 0.0, 1.0, "share of the rule applied",
               "How strictly developing hosts enforce their local-content rule at the start, "
               "and where enforcement relaxes to when they see the rule met (0 with "
               "local_enforcement_rate 0: the rule is words only, the knock-out of claim 15).",
               "Assumption",
               plausible=(0.25, 0.75)),  # assumption: partly enforced (0: knock-out)
        _const("local_enforcement_rate", 0.5, 0.0, 5.0, "enforcement per unit of shortfall",
               "Rise of enforcement per quarter per unit of shortfall of the observed local "
               "share below the rule.", "Assumption",
               plausible=(0.25, 0.75)),  # assumption: half to 1.5 times the default
        _const("debt_service_weight", 0.5 / 0.133, 0.0, 10.0, "distress factor per unit of ratio",
               "Weight of debt service / revenue in the payment-distress factor (0 with "
               "debt_overhang 0: distress does not depend on debt, the knock-out of claim 16).",
               "Calibration: at the default debt_level a host's ratio is about 0.133, where the "
               "factor is 1 (distress_rate is then an average host's chance)",
               plausible=(2.5, 5.0)),  # assumption: the factor at the default debt
        # 0.83-1.17 (calibrated 1)
        _const("debt_overhang", 3.0, 0.0, 10.0, "distress factor per unit of relative excess",
               "Extra distress factor per unit of debt service above the DSF medium threshold, "
               "relative to it (past the threshold the risk of debt distress is high).",
               "Assumption; IMF-World Bank LIC DSF 2018 (thresholds 14 / 18 / 23% of revenue)",
               plausible=(1.5, 4.5)),  # assumption: half to 1.5x the default (0: knock-out)
    ]
}


def constant(name: str) -> float | int:
    """Default of a structural constant (the mechanism modules take their defaults from here,
    so that the declaration is the one source of each number)."""
    return CONSTANTS[name].default
