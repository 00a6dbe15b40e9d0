"""Named random streams: one per mechanism, derived from the run seed (STYLE.md habit 3).

Each stream is a ``numpy.random.Generator`` seeded by ``SeedSequence(seed, spawn_key=(k,))``
where ``k`` is a stable hash of the mechanism's name. Turning one lever changes the draws of the
mechanisms it acts through, never the draws of unrelated ones (common random numbers).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

#: The mechanisms that draw random numbers. Payment distress, implementation problems and
#: trilateral partners draw with the tenders (``tendering``), one draw per tender whatever the
#: levers, which keeps those outcomes paired across scenarios.
NAMES = ("init", "environment", "tendering", "bids", "award", "location", "markups", "local",
         "lending")


def stream_key(name: str) -> int:
    """Stable 32-bit key of a stream name."""
    return zlib.crc32(name.encode("utf-8"))


def make_streams(seed: int) -> dict[str, np.random.Generator]:
    """One generator per mechanism name."""
    return {n: np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream_key(n),)))
            for n in NAMES}


def replication_seeds(root: int, replications: int) -> list[int]:
    """Seeds of replications 0..R-1 from one SeedSequence; replication r's seed is the same for
    every scenario and every R >= r + 1 (common random numbers across scenarios)."""
    children = np.random.SeedSequence(root).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


class RunStreams:
    """One named mechanism's streams for every run of a batch (:class:`sim.batch.Batch`).

    A draw is taken run by run from each run's own generator, in the same calls and sizes as a
    run alone would take them, and the pieces are concatenated along the agents' axis (the last
    axis of a shaped draw): run ``r`` sees exactly the numbers it would see in any batch, of any
    size, so a run's results do not depend on the runs beside it.
    """

    __slots__ = ("generators",)

    def __init__(self, generators: list[np.random.Generator]) -> None:
        self.generators = generators

    def __getitem__(self, run: int) -> np.random.Generator:
        return self.generators[run]

    def _draw(self, method: str, sizes: Sequence[int], rows: int | None,
              args: tuple[Any, ...] = ()) -> np.ndarray:
        gens = self.generators
        if len(gens) == 1:
            shape = sizes[0] if rows is None else (rows, sizes[0])
            return getattr(gens[0], method)(*args, size=shape)
        parts = [getattr(g, method)(*args, size=n if rows is None else (rows, n))
                 for g, n in zip(gens, sizes, strict=True)]
        return np.concatenate(parts, axis=-1)

    def random(self, sizes: Sequence[int], rows: int | None = None) -> np.ndarray:
        """Uniforms on [0, 1): ``sizes[r]`` for run ``r`` (``rows`` x ``sizes[r]`` when
        ``rows`` is given), concatenated."""
        return self._draw("random", sizes, rows)

    def gumbel(self, sizes: Sequence[int], rows: int | None = None) -> np.ndarray:
        """Standard Gumbel draws, as :meth:`random`."""
        return self._draw("gumbel", sizes, rows)


def make_run_streams(seeds: Sequence[int]) -> dict[str, RunStreams]:
    """The named streams of every run of a batch: ``make_streams(seed)`` of each run, by name."""
    per_run = [make_streams(s) for s in seeds]
    return {n: RunStreams([s[n] for s in per_run]) for n in NAMES}
