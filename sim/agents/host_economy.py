"""Host economies: governments that tender projects, developed or developing.

Source: China Brief 15(18), *With Developing Countries*; *Location Preference*.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import mesa
import numpy as np

from ..mechanisms import screening
from ._store import array_property


@dataclass
class HostEconomies:
    """State of all host economies, one row per economy."""

    developed: np.ndarray  # bool
    size: np.ndarray  # relative market size (tender rate multiplier)
    price_weight: np.ndarray  # weight on price vs quality in tender scores, 0-1
    base_barrier: np.ndarray  # entry barrier for Chinese bidders before any screening
    barrier: np.ndarray  # current entry barrier 0-1 (developed hosts; near 0 in developing)
    stability_offset: np.ndarray  # host-specific instability relative to the world mean
    instability: np.ndarray  # current political instability 0-1
    debt: np.ndarray  # public debt / GDP
    gdp: np.ndarray  # USD bn per quarter
    labour_cost: np.ndarray  # relative to China's 2015 level
    bit: np.ndarray  # bool: a BIT with China is in force
    bit_rank: np.ndarray  # order in which developed hosts sign BITs as coverage rises
    cn_awarded: np.ndarray  # Chinese-work value awarded in the host, trailing year (4 quarters)
    all_awarded: np.ndarray  # all value awarded in the host, trailing year
    concern: np.ndarray  # what a developed host makes of the Chinese presence it observes (lagged)

    @property
    def n(self) -> int:
        return int(self.developed.size)

    # Which hosts are developed is decided when the model is built and never changes over a run,
    # so these views of it are computed once (callers must not modify them).
    @cached_property
    def developing(self) -> np.ndarray:
        """Bool mask of the developing hosts (``~developed``)."""
        return ~self.developed

    @cached_property
    def developed_index(self) -> np.ndarray:
        """Indices of the developed hosts, in order."""
        return np.flatnonzero(self.developed)

    @cached_property
    def developing_index(self) -> np.ndarray:
        """Indices of the developing hosts, in order."""
        return np.flatnonzero(~self.developed)

    def cn_share(self) -> np.ndarray:
        """Chinese share of value awarded in each host over the trailing year."""
        return np.divide(self.cn_awarded, self.all_awarded,
                         out=np.zeros(self.cn_awarded.shape), where=self.all_awarded > 0)


class HostEconomy(mesa.Agent):
    """One host economy; its state is row ``index`` of ``model.hosts``."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    developed = array_property("hosts", "developed", "True for a developed economy.",
                               fixed=True)
    barrier = array_property("hosts", "barrier", "Entry barrier for Chinese bidders, 0-1.")
    debt = array_property("hosts", "debt", "Public debt / GDP.")
    instability = array_property("hosts", "instability", "Political instability, 0-1.")
    bit = array_property("hosts", "bit", "A BIT with China is in force.")

    @property
    def kind(self) -> str:
        return "developed" if self.developed else "developing"


def respond(hosts: HostEconomies, *, observed: np.ndarray, threshold: float, response: float,
            bit_effect: float, attention: float = screening.ATTENTION,
            relax: float = screening.RELAX_RATE, bit_cap: float = screening.BIT_CAP) -> None:
    """Screening decisions of the developed hosts (step phase 9), vectorised over them.

    Each host's concern follows what it observes (``observed``: the Chinese share of its market
    and Chinese-owned capacity in it) with a lag; concern above the threshold raises its barrier,
    below it the barrier relaxes slowly; a BIT in force lowers the barrier and caps the rise
    (:mod:`sim.mechanisms.screening`). The parameters are constant: the response, not a
    schedule, makes screening rise and stay.
    """
    dev = hosts.developed_index
    concern = screening.next_concern(hosts.concern[dev], observed[dev], attention)
    hosts.concern[dev] = concern
    hosts.barrier[dev] = screening.next_barrier(
        barrier=hosts.barrier[dev], base=hosts.base_barrier[dev], concern=concern,
        threshold=threshold, response=response, bit=hosts.bit[dev], bit_effect=bit_effect,
        relax=relax, bit_cap=bit_cap)
