"""The claims of DESIGN.md section 6, each as a paired multi-seed comparison.

Method (the same for every claim): the baseline scenario with one lever or uncertainty set low
(A) and high (B), run with the same replication seeds (common random numbers), 40 quarters,
``REPS`` replications. Criterion: the 95% Student-t confidence interval of the paired difference
B - A of the final-step metric lies wholly on the stated side of zero. Where a claim says "only a
little", the whole interval must lie within the stated band instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.experiments.compare import Comparison, compare, with_levers
from sim.experiments.stats import mean_ci
from sim.scenario.load import load_scenario

REPS = 12
SEED = 11


SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture(scope="module")
def base():
    return load_scenario(SCENARIOS / "baseline.yaml")


def paired(base, low: dict, high: dict, reps: int = REPS) -> Comparison:
    return compare(with_levers(base, **low), with_levers(base, **high), replications=reps,
                   seed=SEED)


def up(c: Comparison, metric: str) -> None:
    d = c.metrics[metric]
    assert d["ci_low"] > 0, f"{metric}: expected an increase, got {d['delta']:+.4g} " \
        f"(95% CI {d['ci_low']:+.4g} to {d['ci_high']:+.4g}; A {d['a']:.4g}, B {d['b']:.4g})"


def down(c: Comparison, metric: str) -> None:
    d = c.metrics[metric]
    assert d["ci_high"] < 0, f"{metric}: expected a decrease, got {d['delta']:+.4g} " \
        f"(95% CI {d['ci_low']:+.4g} to {d['ci_high']:+.4g}; A {d['a']:.4g}, B {d['b']:.4g})"


def test_claim_01_joint_bidding(base):
    """Claim 1. China Brief 15(18), *Internally* (joint bidding; CNR/CSR); FACTS F12, F13.

    Joint bidding 0 -> 1: fewer separate Chinese bids per tender, higher Chinese markup and
    overseas profit; developing hosts pay somewhat more (price relative to budget up).
    """
    c = paired(base, {"joint_bidding": 0.0}, {"joint_bidding": 1.0})
    down(c, "cn_bids_per_tender")
    up(c, "cn_markup")
    up(c, "cn_overseas_profit")
    up(c, "dg_price_ratio")


def test_claim_02_bit_coverage(base):
    """Claim 2. China Brief 15(18), *Location Preference* (BIT negotiations); FACTS F18.

    BIT coverage 0 -> 1: lower barrier, higher Chinese share of value awarded in developed hosts
    (cumulative over the run) and a higher developed share of Chinese investment.
    """
    c = paired(base, {"bit_coverage": 0.0}, {"bit_coverage": 1.0})
    down(c, "dv_barrier")
    up(c, "dv_cn_share_cum")
    up(c, "cn_developed_share")


def test_claim_03_ipr_protection(base):
    """Claim 3. China Brief 15(18), closing paragraphs (caution over weak IPR); Branstetter,
    Fisman & Foley 2006.

    IPR protection 0 -> 1: more transfer, so Chinese technology and developed licensing income
    both rise.
    """
    c = paired(base, {"ipr_protection": 0.0}, {"ipr_protection": 1.0})
    up(c, "cn_tech_level")
    up(c, "dv_licensing")


def test_claim_04_third_party_cooperation(base):
    """Claim 4. China Brief 15(18), *International Industrial Capacity Cooperation*, *With
    Developed Countries* (AREVA); FACTS F15, F16.

    Third-party cooperation 0 -> 1: developed third-market revenue up, developing price per
    quality down, Chinese technology up.
    """
    c = paired(base, {"third_party_cooperation": 0.0}, {"third_party_cooperation": 1.0})
    up(c, "dv_third_party_revenue")
    down(c, "dg_price_per_quality")
    up(c, "cn_tech_level")


def test_claim_04_triple_win_against_no_cooperation():
    """Claim 4, second half: against the no-cooperation reference, third-party cooperation is
    where the triple win appears: each group's paired gain difference has its 95% CI above 0."""
    ref = load_scenario(SCENARIOS / "no-cooperation.yaml")
    c = compare(ref, with_levers(ref, third_party_cooperation=1.0), replications=REPS, seed=SEED)
    for g in ("gain_developed", "gain_developing", "gain_china"):
        up(c, g)
    assert c.verdict["triple_win"]


def test_claim_05_soe_reform(base):
    """Claim 5. China Brief 15(18), *Internally* (SOE reform), *Location Preference* (from
    periphery to centre).

    SOE reform 0 -> 1: investment moves toward developed hosts and losses to payment distress
    fall.
    """
    c = paired(base, {"soe_reform": 0.0}, {"soe_reform": 1.0})
    up(c, "cn_developed_share")
    down(c, "cn_distress_loss")


def test_claim_06_instability_and_debt(base):
    """Claim 6. China Brief 15(18), *Location Preference* (instability, debt insolvency); FACTS
    F19, F20.

    Instability 0.2 -> 0.7 and debt 0.4 -> 1.5: more distress, investment shifts to developed
    hosts.
    """
    c = paired(base, {"instability": 0.2, "debt_level": 0.4},
               {"instability": 0.7, "debt_level": 1.5})
    up(c, "dg_default_rate")
    up(c, "cn_developed_share")


def test_claim_07_stricter_screening(base):
    """Claim 7, first half. China Brief 15(18), *With Developed Countries* (EU concerns over
    Chinese market share); FACTS F4, F18.

    Screening threshold 0.4 -> 0.1: barrier up, Chinese share in developed hosts down.
    """
    c = paired(base, {"screening_threshold": 0.4}, {"screening_threshold": 0.1})
    up(c, "dv_barrier")
    down(c, "dv_cn_share_cum")


def test_claim_07_backlash_rise_then_fall():
    """Claim 7, second half: with a rising Chinese share the endogenous backlash produces
    rise-then-fall. In `backlash-screening` (screening tightens from 2018), the Chinese share of
    value awarded in developed hosts rises from 2015 to 2017 and then falls: per replication,
    share(2017) - share(2015) has its 95% CI above zero and mean(share 2019-21) - share(2017)
    has its 95% CI below zero (trailing-year shares at each year's last quarter)."""
    from sim.experiments.runner import run_replications

    sc = load_scenario(SCENARIOS / "backlash-screening.yaml", replications=REPS)
    share = run_replications(sc).series("dv_cn_share")[:, 3::4]  # 2015..2024
    assert mean_ci(share[:, 2] - share[:, 0])["ci_low"] > 0, "no rise before screening"
    assert mean_ci(share[:, 4:7].mean(axis=1) - share[:, 2])["ci_high"] < 0, "no fall after"


def test_claim_08_domestic_slowdown(base):
    """Claim 8. China Brief 15(18), introduction (PMI 49.7) and *International Industrial
    Capacity Cooperation* (steel, cement, flat glass); FACTS F6-F8.

    Domestic demand 52 -> 46: lower home utilisation, more overseas bidding (more Chinese bids per
    tender, higher Chinese share of contracts) and more relocation of overcapacity.
    """
    c = paired(base, {"domestic_demand": 52.0}, {"domestic_demand": 46.0})
    down(c, "cn_utilization")
    up(c, "cn_bids_per_tender")
    up(c, "cn_contract_share")
    up(c, "cn_relocated_share")


def test_claim_09_branding(base):
    """Claim 9. China Brief 15(18), branding paragraphs (CEMA, CRRC campaign).

    Branding 0 -> 1: higher Chinese brand and a higher Chinese win rate in developed markets.
    16 replications: the win-rate effect is modest next to its noise.
    """
    c = paired(base, {"branding": 0.0}, {"branding": 1.0}, reps=16)
    up(c, "cn_brand")
    up(c, "cn_dev_win_rate")


def test_claim_10_standards_integration(base):
    """Claim 10. China Brief 15(18), *Internally* (CEC English standards); FACTS F17.

    Standards integration 0 -> 1: higher Chinese win rate in power tenders abroad.
    """
    c = paired(base, {"standards_integration": 0.0}, {"standards_integration": 1.0}, reps=16)
    up(c, "cn_power_win_rate")


def test_claim_11_localization(base):
    """Claim 11. China Brief 15(18), *Location Preference* (CRRC's US plants); FACTS F14.

    Localization 0 -> 1: more jobs at Chinese plants in developed hosts and more Chinese wins
    there (cumulative Chinese work won in developed hosts).
    """
    c = paired(base, {"localization": 0.0}, {"localization": 1.0}, reps=16)
    up(c, "dv_local_jobs")
    up(c, "dv_cn_value")


def test_claim_11_until_screening_bites():
    """Claim 11, second half: in `localization-ban` (support, then a ban and tight screening
    from 2020), jobs at Chinese plants in developed hosts stop growing once screening bites:
    growth over 2020-24 is below growth over 2015-19 in every replication's mean, with the
    paired difference's 95% CI below zero."""
    from sim.experiments.runner import run_replications

    sc = load_scenario(SCENARIOS / "localization-ban.yaml", replications=REPS)
    jobs = run_replications(sc).series("dv_local_jobs")
    before = jobs[:, 19] - jobs[:, 0]
    after = jobs[:, 39] - jobs[:, 19]
    assert mean_ci(after - before)["ci_high"] < 0


def test_claim_12_overseas_parks(base):
    """Claim 12. China Brief 15(18), *Externally* (industrial parks); FACTS F7, F8.

    Overseas parks 0 -> 1: lower Chinese unit cost, more jobs in developing hosts; home
    utilisation of overcapacity sectors changes only a little: the whole 95% CI of its paired
    difference lies within +-0.02.
    """
    c = paired(base, {"overseas_parks": 0.0}, {"overseas_parks": 1.0})
    down(c, "cn_unit_cost")
    up(c, "dg_jobs")
    d = c.metrics["cn_utilization"]
    assert -0.02 < d["ci_low"] and d["ci_high"] < 0.02, d


def test_claim_13_joint_fund(base):
    """Claim 13. China Brief 15(18), *With Developed Countries* (joint funds); FACTS F16.

    Joint fund 0 -> 20 USD bn a year (third-party cooperation 0.5 in both): more trilateral
    projects in developing hosts, less distress loss per trilateral project.
    """
    c = paired(base, {"joint_fund": 0.0, "third_party_cooperation": 0.5},
               {"joint_fund": 20.0, "third_party_cooperation": 0.5})
    up(c, "dg_trilateral_projects")
    down(c, "dg_distress_loss_per_project")


def test_claim_14_state_support(base):
    """Claim 14. China Brief 15(18), *Internally* (streamlined approvals and services).

    State support 0 -> 1: more SMEs take part abroad.
    """
    c = paired(base, {"state_support": 0.0}, {"state_support": 1.0})
    up(c, "cn_sme_abroad")
