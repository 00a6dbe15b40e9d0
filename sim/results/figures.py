"""The figures of a run or a comparison, drawn by :mod:`sim.plotting` from its result tables, in
this process or on worker processes, one figure per task (no matplotlib in the process that hands
out the work). Each worker draws exactly what :func:`sim.plotting.figures.run_figures` would,
file for file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..plotting.data import COMPARE_FIGURES, RUN_FIGURES, CompareData, RunData

#: Figures that take longest first, so that two workers finish close together.
_SLOWEST_FIRST = ("timeseries", "gains", "levels_over_time", "key_differences")


def _draw_one(data: RunData | CompareData, stem: str, out: Path, dpi: int | None) -> list[Path]:
    from ..plotting.figures import draw_figure

    return draw_figure(data, stem, out) if dpi is None else draw_figure(data, stem, out, dpi)


def draw(data: RunData | CompareData, out: Path, *, workers: int,
         dpi: int | None = None) -> list[Path]:
    """Write the figures of a run or comparison into ``out`` on up to ``workers`` worker
    processes (in this process when ``workers`` is 1); returns the paths in reading order."""
    stems = COMPARE_FIGURES if isinstance(data, CompareData) else RUN_FIGURES
    workers = max(1, min(workers, len(stems)))
    if workers > 1:
        from ..experiments import workers as workers_m

        try:
            return _draw_on_workers(data, stems, Path(out), workers, dpi)
        except workers_m.UNAVAILABLE as e:
            workers_m.fall_back(e, "the figures are drawn")
    from ..plotting.figures import compare_figures, run_figures

    write = compare_figures if isinstance(data, CompareData) else run_figures
    return write(data, out) if dpi is None else write(data, out, dpi)


def _draw_on_workers(data: RunData | CompareData, stems: tuple[str, ...], out: Path,
                     workers: int, dpi: int | None) -> list[Path]:
    from ..experiments import workers as workers_m

    out.mkdir(parents=True, exist_ok=True)
    order = sorted(stems, key=lambda s: next(
        (i for i, p in enumerate(_SLOWEST_FIRST) if s.startswith(p)), len(_SLOWEST_FIRST)))
    pool = workers_m.pool(workers)
    try:
        futures: dict[str, Any] = {s: pool.submit(_draw_one, data, s, out, dpi)
                                   for s in order}
        paths = [p for s in stems for p in futures[s].result()]
    except BaseException:
        workers_m.stop(pool)
        raise
    pool.shutdown(wait=True)
    return paths
