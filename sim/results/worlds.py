"""A worlds experiment in one call: plan, run (or resume), analyse, write the results folder.

:func:`robust_compare` plans the worlds (:mod:`sim.experiments.worlds.plan`), runs them
(:mod:`~sim.experiments.worlds.run`), makes the robust verdict
(:mod:`~sim.experiments.worlds.experiment`) and writes the results folder
(:func:`sim.results.folders.write_worlds`): the scenarios' own world as a full comparison
(``comparison.json`` and the comparison's files, from its time series), ``robustness.json``,
``worlds.csv`` and the two figures (:mod:`sim.plotting.worlds`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..experiments.worlds.experiment import analyse
from ..experiments.worlds.plan import WorldsError, WorldsPlan, plan_worlds
from ..experiments.worlds.run import run_worlds, work_dir
from ..sweeps.executors import Progress
from .folders import write_worlds

if TYPE_CHECKING:
    from ..experiments.compare import Comparison
    from ..experiments.worlds.verdict import Robustness
    from ..scenario.schema import Scenario


def robust_compare(a: Scenario, b: Scenario, worlds: int, *,
                   out: str | os.PathLike[str] | None,
                   seed: int | None = None, replications: int | None = None,
                   uncertain: list[str] | None = None,
                   ensemble: str | os.PathLike[str] | None = None, executor: str = "serial",
                   workers: int = 1, scheduler: str | None = None,
                   scheduler_file: str | None = None, resume: bool = False,
                   progress: Progress | None = None,
                   on_start: Callable[[int, int], None] | None = None,
                   plots: bool = True, sources: tuple | None = None,
                   plan: WorldsPlan | None = None,
                   batch: int | None = None) -> tuple[Robustness, Comparison, Path]:
    """Plan, run (or resume), analyse and write a worlds experiment into ``out``; returns the
    robust verdict, the own-world comparison and the folder written (``out=None``: nothing is
    kept on disk, and the folder returned is None). ``batch``: runs per pass of the batched
    engine (``None``: automatic; the results are the same at any value)."""
    if out is None:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="triplewin-worlds-") as tmp:
            plan = plan or plan_worlds(a, b, worlds, seed=seed, replications=replications,
                                       uncertain=uncertain, ensemble=ensemble)
            work = Path(tmp) / "work"
            session = run_worlds(plan, work, executor=executor, workers=workers,
                                 scheduler=scheduler, scheduler_file=scheduler_file,
                                 progress=progress, on_start=on_start, batch=batch)
            return (*analyse(plan, work, session), None)
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} exists; results never overwrite results")
    plan = plan or plan_worlds(a, b, worlds, seed=seed, replications=replications,
                               uncertain=uncertain, ensemble=ensemble)
    work = work_dir(out)
    if work.exists() and not resume:
        raise WorldsError(f"{work} holds an unfinished run of this output folder; add --resume "
                          "to continue it, or remove it")
    session = run_worlds(plan, work, executor=executor, workers=workers, scheduler=scheduler,
                         scheduler_file=scheduler_file, progress=progress, on_start=on_start,
                         batch=batch)
    rob, comparison = analyse(plan, work, session)
    final = write_worlds(rob, comparison, work, out, sources=sources, plots=plots,
                         workers=workers if executor == "process" else 1)
    return rob, comparison, final
