"""Local content and local firms (step phases 3, 5, 6 and 9): what share of a project's work is
sourced from developing-country firms, who gets it, what they learn, and how hosts enforce their
rule.

Source: China Brief 15(18), closing paragraphs (local workers and communities), *With Developing
Countries*; FACTS F24 (about nine in ten workers on Chinese projects in Africa local; two thirds
of firms train local staff). Local-content rules and their enforcement: the share of work a
winner must source locally is the host's rule (lever ``local_content``) times how strictly the host
enforces it, which responds to the local share of its awarded work that the host observes.

All functions are pure and vectorised; cells are (host, sector) pairs, ``cell = host *
n_sectors + sector``.
"""

from __future__ import annotations

import numpy as np

from ..scenario.constants import constant

#: Share of a local firm's unit cost that is labour (paid at the host's labour cost); the rest
#: is inputs, assumption (the same 30/70 split as Chinese firms' costs).
LABOUR_SHARE = 0.3
#: Local firms' input cost relative to a developed firm's: imported equipment and materials,
#: dearer credit and smaller scale, assumption.
INPUT_PREMIUM = 1.12
#: Margin local firms charge on subcontracted work, share of cost, assumption.
SUB_MARGIN = 0.06
#: Share of a project's work a winner sources locally of its own accord where local firms are
#: cheaper than its own unit cost (before any rule), assumption.
VOLUNTARY_SHARE = 0.3
#: Enforcement of local-content rules at the start (share of the rule that is applied), and the
#: level it relaxes back to when hosts see their rule met, assumption.
ENFORCEMENT_BASE = constant("local_enforcement_base")
#: Rise of enforcement per quarter per unit of shortfall of the observed local share below the
#: rule, assumption.
ENFORCEMENT_RATE = constant("local_enforcement_rate")
#: Quarterly relaxation of enforcement toward ENFORCEMENT_BASE, assumption.
ENFORCEMENT_RELAX = 0.1
#: Technology transfer to a local firm from working for a foreign winner, relative to a willing
#: consortium partner's (arm's length), assumption.
SUB_TRANSFER = 0.3
#: Transfer intensity inside a park joint venture with a Chinese firm, assumption.
JV_TRANSFER = 0.5
#: Jobs per USD bn of quarterly work by local firms: more labour-intensive than a Chinese park
#: (20,000 jobs per USD bn), assumption.
JOBS_LOCAL = 30_000
#: Share of positive profit a local firm reinvests in capacity, and the capacity (USD bn of
#: quarterly output) one USD bn of investment buys (as for Chinese relocation), assumption.
REINVEST, CAPACITY_PER_BN = 0.5, 0.12


def unit_cost(dv_unit_cost: float, labour_cost: np.ndarray) -> np.ndarray:
    """Local unit cost per unit of tender value: cheap labour, dearer inputs."""
    return dv_unit_cost * ((1.0 - LABOUR_SHARE) * INPUT_PREMIUM + LABOUR_SHARE * labour_cost)


def cells(host: np.ndarray, sector: np.ndarray, n_sectors: int) -> np.ndarray:
    """Cell index of (host, sector) pairs."""
    return host.astype(np.int64) * n_sectors + sector


def cell_stats(cell: np.ndarray, capacity: np.ndarray, cost: np.ndarray, tech: np.ndarray,
               n_cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell: local capacity, capacity-weighted unit cost and technology (0 where empty)."""
    cap = np.bincount(cell, weights=capacity, minlength=n_cells)
    safe = np.maximum(cap, 1e-12)
    c = np.bincount(cell, weights=capacity * cost, minlength=n_cells) / safe
    t = np.bincount(cell, weights=capacity * tech, minlength=n_cells) / safe
    return cap, np.where(cap > 0, c, 0.0), np.where(cap > 0, t, 0.0)


def sourcing_share(*, rule: np.ndarray, own_cost: np.ndarray, local_price: np.ndarray,
                   available: np.ndarray) -> np.ndarray:
    """Share of a project's work its winner plans to source locally: at least the enforced rule,
    and VOLUNTARY_SHARE where local firms (at their subcontract price) are cheaper than the
    winner's own unit cost; 0 where the host has no local firm of the sector."""
    cheaper = available & (local_price < own_cost)
    return np.where(available, np.maximum(rule, np.where(cheaper, VOLUNTARY_SHARE, 0.0)), 0.0)


def blended_cost(own_cost: np.ndarray, share: np.ndarray, local_price: np.ndarray) -> np.ndarray:
    """Unit cost of a bid that sources ``share`` of the work locally at ``local_price``."""
    return (1.0 - share) * own_cost + share * local_price


def fill(demand: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Share of each cell's local-work demand its local firms can take (capacity-limited)."""
    return np.where(demand > 0, np.minimum(1.0, free / np.maximum(demand, 1e-12)), 0.0)


def next_enforcement(enforcement: np.ndarray, *, rule: float, observed_share: np.ndarray,
                     base: float = ENFORCEMENT_BASE,
                     rate: float = ENFORCEMENT_RATE) -> np.ndarray:
    """Enforcement of the local-content rule next quarter, per developing host: it tightens
    with the shortfall of the local share the host observes below its rule, and relaxes toward
    ``base`` (``rate`` and ``base``: the declared constants local_enforcement_rate and
    local_enforcement_base)."""
    shortfall = np.maximum(rule - observed_share, 0.0)
    e = enforcement + rate * shortfall + ENFORCEMENT_RELAX * (base - enforcement)
    return np.minimum(np.maximum(e, 0.0), 1.0)
