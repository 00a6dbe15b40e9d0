"""Learned markups (step phases 3 and 5): Roth-Erev reinforcement over a markup grid.

Every bidder (a Chinese firm, a developed firm, an association's consortium, and any other kind
of bidder that gets rows of propensities) keeps one propensity per point of a markup grid, for
each situation it can tell apart before bidding (alone, facing only other kinds of bidder,
facing its own kind). When it bids it draws a markup with probability proportional to its
propensities; when the quarter is settled, the markups it used are reinforced by the profit they
earned (nothing on a lost bid), their neighbours on the grid get a share of that reinforcement
(local experimentation), and every propensity decays a little (forgetting), so that the bidder
keeps adapting to its rivals.

Sources: Roth & Erev (1995), *Games and Economic Behavior* 8(1), and Erev & Roth (1998),
*American Economic Review* 88(4): reinforcement learning of the propensity of each action by its
payoff, with forgetting (recency) and local experimentation (generalisation to neighbouring
actions); its use for bidders in agent-based auctions, with a modified form that keeps learning
when profits are zero, by Nicolaisen, Petrov & Tesfatsion (2001), *IEEE Transactions on
Evolutionary Computation* 5(5) (the AMES electricity test bed). Here a bidder that keeps losing
learns through forgetting and the others' reinforcement; non-negative rewards as in both. The
values of the recency and experimentation parameters are assumptions (declared in
:mod:`sim.scenario.constants`).

Nothing here knows how many rivals a bidder faces: price wars among uncoordinated bidders and
higher margins of coordinated bids arise because the markups that win and earn are reinforced.
All functions are pure and vectorised over bidders (rows) and grid points (columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..scenario.constants import constant

#: Largest markup over unit cost on the grid (share of cost). Wide enough for a sole bidder
#: cheaper than its rivals to price up to a host's reserve (a Chinese unit cost about 35% below
#: a developed firm's, F11), assumption.
MARKUP_MAX = constant("markup_max")
#: Step of the markup grid (share of cost), assumption.
MARKUP_STEP = constant("markup_step")
#: Forgetting per quarter of the propensities (Erev & Roth's recency parameter), assumption
#: within the range used in the AMES test bed.
RECENCY = constant("learning_recency")
#: Share of a used markup's reinforcement given to its two neighbours on the grid (Erev &
#: Roth's local experimentation), assumption.
EXPERIMENTATION = constant("learning_experimentation")
#: Initial propensity of every grid point, in units of profit per unit of tender value: small
#: against one win's reward (about 0.1-0.3), so that early results move choices, assumption.
INITIAL_PROPENSITY = constant("initial_propensity")
#: Floor of a propensity, so that no markup ever becomes impossible (numerical guard).
PROPENSITY_FLOOR = 1e-6


def markup_grid(markup_max: float = MARKUP_MAX, step: float = MARKUP_STEP) -> np.ndarray:
    """The markups a bidder can choose, 0 to ``markup_max`` by ``step`` (both included)."""
    n = int(round(markup_max / step)) + 1
    return np.round(np.arange(n) * step, 10)


#: Spread of the initial propensities around the customary markup (share of cost), assumption.
PRIOR_SPREAD = constant("prior_spread")


def initial_propensities(n: int, grid: np.ndarray, value: float = INITIAL_PROPENSITY,
                         customary: float | None = None,
                         spread: float = PRIOR_SPREAD) -> np.ndarray:
    """Propensity matrix (bidders x grid points) before any experience, ``value`` per grid point
    on average. With ``customary`` given, bidders start from the customary margin of their trade:
    propensities follow a normal curve around it (every markup stays possible); without it, all
    choices are alike (Roth & Erev's uniform start)."""
    k = grid.size
    if customary is None:
        return np.full((n, k), float(value))
    w = np.exp(-0.5 * ((grid - customary) / spread) ** 2) + 1e-3
    w = w * (value * k / w.sum())
    return np.tile(w, (n, 1))


def choice_probabilities(propensity: np.ndarray) -> np.ndarray:
    """Roth-Erev choice rule: each markup with probability proportional to its propensity."""
    q = np.maximum(propensity, PROPENSITY_FLOOR)
    return q / q.sum(axis=1, keepdims=True)


def _distinct(index: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of ``index`` (ints in ``0..n-1``) and the position of each entry
    among them: what ``np.unique(index, return_inverse=True)`` gives, by one mask."""
    present = np.zeros(n, bool)
    present[index] = True
    return present.nonzero()[0], (present.cumsum() - 1)[index]


def cumulative(propensity: np.ndarray) -> np.ndarray:
    """Each row's cumulative choice probabilities over the grid (the last column is 1)."""
    return choice_probabilities(propensity).cumsum(axis=1)


def invert(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Grid index of each uniform draw ``u[i]`` under the cumulative distribution ``cdf[i]``
    (inverse transform): the first grid point whose cumulative probability exceeds the draw,
    the last point when none before it does (its cumulative probability is 1 but for
    rounding). The same as counting the points before the last at or below the draw, since a
    cumulative distribution never falls."""
    above = cdf > u[:, None]
    above[:, -1] = True
    return above.argmax(axis=1).astype(np.int64, copy=False)


def choose(propensity: np.ndarray, bidder: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Grid index chosen for each bid: bid ``i`` is made by row ``bidder[i]`` with uniform
    draw ``u[i]`` (inverse transform of that row's choice probabilities)."""
    if bidder.size == 0:
        return np.zeros(0, dtype=np.int64)
    return invert(cumulative(propensity[bidder]), u)


def reinforce(propensity: np.ndarray, bidder: np.ndarray, choice: np.ndarray,
              reward: np.ndarray, *, recency: float = RECENCY,
              experimentation: float = EXPERIMENTATION) -> np.ndarray:
    """Propensities after one quarter's results (Roth-Erev with forgetting and local
    experimentation).

    For a bidder (row) that made bids this quarter, with ``R_k`` the mean reward of its bids at
    grid point ``k`` (profit per unit of tender value; 0 for a lost bid, 0 where unused):

        q_k <- (1 - recency) q_k + (1 - experimentation) R_k
               + experimentation (R_(k-1) + R_(k+1)) / 2

    Rows without bids this quarter keep their propensities. Rewards below zero (a loss) count as
    zero, so a propensity never goes negative (and never below PROPENSITY_FLOOR). Returns a new
    array (:meth:`Learners.learn` updates its own in place).
    """
    q = propensity.copy()
    if bidder.size == 0:
        return q
    rows, local = _distinct(bidder, q.shape[0])
    _update(q, rows, local, choice, reward, recency, experimentation)
    return q


def _update(q: np.ndarray, rows: np.ndarray, local: np.ndarray, choice: np.ndarray,
            reward: np.ndarray, recency: float | np.ndarray,
            experimentation: float | np.ndarray) -> np.ndarray:
    """The update of :func:`reinforce` on ``q`` in place: ``rows`` are the distinct rows that
    bid (sorted), ``local`` each bid's position among them; ``recency`` and
    ``experimentation`` are numbers or one value per distinct row (a column). Returns those
    rows' new propensities.

    Every propensity of those rows decays; only the grid points a bid used and their two
    neighbours are reinforced, so the rewards are added cell by cell (a few per row) instead of
    as whole rows of mostly zeros, with the same numbers in the same order as the formula
    written over whole rows (tests/mechanisms/test_learning.py)."""
    k = q.shape[1]
    # mean reward per used (row, grid point): the bids sorted by cell (stable: each cell's
    # rewards are summed in the order of the bids)
    cell = local.astype(np.int64) * k + choice
    order = cell.argsort(kind="stable")
    sorted_cell = cell[order]
    first = np.empty(sorted_cell.size, bool)
    first[0] = True
    np.not_equal(sorted_cell[1:], sorted_cell[:-1], out=first[1:])
    start = first.nonzero()[0]
    # (bincount adds each cell's rewards one after the other, as the formula's sums do)
    mean = (np.bincount(first.cumsum() - 1, weights=np.maximum(reward, 0.0)[order])
            / np.diff(start, append=sorted_cell.size))
    ur, uc = np.divmod(sorted_cell[start], k)
    per_row = isinstance(experimentation, np.ndarray)
    # (1 - recency) q + (1 - experimentation) R + experimentation near, term by term in place
    new = q[rows]
    new *= 1.0 - recency
    new[ur, uc] += (1.0 - (experimentation[ur, 0] if per_row else experimentation)) * mean
    # local experimentation: each neighbour j of a used point gets half its reward; near_j is
    # the half from j - 1 plus the half from j + 1 (absent halves are 0)
    half = 0.5 * mean
    left, right = uc + 1 < k, uc >= 1  # from j - 1 (point uc + 1), from j + 1 (point uc - 1)
    key = np.concatenate([ur[left] * k + uc[left] + 1, ur[right] * k + uc[right] - 1])
    part = np.concatenate([half[left], half[right]])
    if key.size:
        order = key.argsort(kind="stable")  # the half from j - 1 first, as in the sum
        key, part = key[order], part[order]
        first = np.empty(key.size, bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        near = np.bincount(first.cumsum() - 1, weights=part)
        nr, nc = np.divmod(key[first], k)
        near *= experimentation[nr, 0] if per_row else experimentation
        new[nr, nc] += near
    np.maximum(new, PROPENSITY_FLOOR, out=new)
    q[rows] = new
    return new


def bid_reward(*, won: np.ndarray, margin: np.ndarray, orientation: np.ndarray,
               volume_value: np.ndarray) -> np.ndarray:
    """Reinforcement of one bid, per unit of tender value.

    A profit-oriented bidder (orientation 1) is reinforced by its realised margin on a won
    contract; a volume-seeking SOE (orientation 0) also values the contract itself
    (``volume_value``: idle capacity put to work, state direction). A lost bid earns nothing.
    """
    value = orientation * margin + (1.0 - orientation) * (0.3 * margin + volume_value)
    return np.where(won, value, 0.0)


#: Situations a bidder tells apart when it chooses a markup: 0 = no rival bids on the tender,
#: 1 = rivals bid but none of the bidder's own kind, 2 = a rival of its own kind bids too
#: (bidders know who prequalified: the sole bid on the Mexico high-speed rail, F13; CNR and CSR
#: on the same tenders, F12). A bidder learns one set of propensities per situation.
CONTEXTS = 3


def rival_context(tender: np.ndarray, kind: np.ndarray, live: np.ndarray,
                  n_tenders: int, n_kinds: int) -> np.ndarray:
    """Situation of each bid (see :data:`CONTEXTS`): 0 when it is the only live bid on its
    tender, 1 when the other live bids are all of other kinds (``kind``: 0, 1, ...), 2 when
    another live bid of the same kind is on the tender. Dead rows: 0."""
    key = tender.astype(np.int64) * n_kinds + kind
    same = np.bincount(key[live], minlength=n_tenders * n_kinds)[key]
    total = np.bincount(tender[live], minlength=n_tenders)[tender]
    ctx = np.where(same >= 2, 2, np.where(total >= 2, 1, 0))
    return np.where(live, ctx, 0).astype(np.int64)


@dataclass
class Learners:
    """The propensities of every bidder of every kind, one row per bidder and situation.

    ``offset[kind]`` is the first bidder of a kind (``"cn"`` Chinese firms, ``"dv"`` developed
    firms, ``"assoc"`` the associations' consortia by sector, and any kind added later); bidder
    ``i`` of that kind in situation ``c`` learns in row ``(offset[kind] + i) * contexts + c``.
    One matrix lets one vectorised draw and one update serve every kind of bidder with the same
    rule.
    """

    propensity: np.ndarray
    offset: dict[str, int]
    grid: np.ndarray
    contexts: int = CONTEXTS
    #: Cumulative choice probabilities of every row (:func:`cumulative` of ``propensity``),
    #: kept up to date by :meth:`learn`, so that choosing costs one lookup per bid.
    cdf: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.cdf is None:
            self.cdf = cumulative(self.propensity)

    def choose(self, bidder: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Grid index chosen for each bid (:func:`choose` on the current propensities)."""
        if bidder.size == 0:
            return np.zeros(0, dtype=np.int64)
        return invert(self.cdf[bidder], u)

    def learn(self, bidder: np.ndarray, choice: np.ndarray, reward: np.ndarray, *,
              recency: float | np.ndarray = RECENCY,
              experimentation: float | np.ndarray = EXPERIMENTATION) -> None:
        """This quarter's reinforcement (:func:`reinforce`), in place; the choice
        probabilities of the rows that bid are brought up to date. ``recency`` and
        ``experimentation`` may be given per learner row (a batch's runs' own values)."""
        if bidder.size == 0:
            return
        rows, local = _distinct(bidder, self.propensity.shape[0])
        if isinstance(recency, np.ndarray):  # one value per learner row
            recency = recency[rows][:, None]
        if isinstance(experimentation, np.ndarray):
            experimentation = experimentation[rows][:, None]
        new = _update(self.propensity, rows, local, choice, reward, recency, experimentation)
        # their cumulative choice probabilities (:func:`cumulative`; the rows are at least
        # PROPENSITY_FLOOR already), worked out in place
        np.divide(new, new.sum(axis=1, keepdims=True), out=new)
        self.cdf[rows] = new.cumsum(axis=1)

    @classmethod
    def create(cls, sizes: dict[str, int], grid: np.ndarray,
               initial: float = INITIAL_PROPENSITY, customary: float | None = None,
               spread: float = PRIOR_SPREAD, contexts: int = CONTEXTS) -> Learners:
        offset, n = {}, 0
        for kind, size in sizes.items():
            offset[kind] = n
            n += int(size)
        # every learner starts from the same row: its choice probabilities are worked out once
        first = initial_propensities(1, grid, initial, customary, spread)
        return cls(np.repeat(first, n * contexts, axis=0), offset, grid, contexts,
                   cdf=np.repeat(cumulative(first), n * contexts, axis=0))

    def rows(self, kind: str, index: np.ndarray, context: np.ndarray | int = 0) -> np.ndarray:
        """Learner rows of bidders ``index`` of ``kind`` in situation ``context``."""
        return (self.offset[kind] + np.asarray(index, dtype=np.int64)) * self.contexts + context

    def mean_markup(self, kind: str, size: int, context: int = 0) -> np.ndarray:
        """Expected markup of each bidder of ``kind`` in ``context`` under its propensities."""
        return choice_probabilities(
            self.propensity[self.rows(kind, np.arange(size), context)]) @ self.grid
