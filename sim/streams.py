"""Named random streams: one per mechanism, derived from the run seed (STYLE.md habit 3).

Each stream is a ``numpy.random.Generator`` seeded by ``SeedSequence(seed, spawn_key=(k,))``
where ``k`` is a stable hash of the mechanism's name. Turning one lever changes the draws of the
mechanisms it acts through, never the draws of unrelated ones (common random numbers).
"""

from __future__ import annotations

import zlib

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
