"""The analysis of a sweep folder (:func:`analyze`, exposed as :func:`sim.api.analyze` and
``triplewin analyze``): the triple win of each run against a reference scenario, Sobol' or
Morris indices where the design gives them, the triple-win map over two factors and the PRIM box
of the triple win; the tables are written as CSV files and figures into ``DIR/analysis/``.

The parts are :mod:`sim.analysis.discovery` (references, triple win, map, PRIM) and
:mod:`sim.analysis.sensitivity` (indices, seed noise); this module is the order they run in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_REFERENCE", "Analysis", "AnalysisRefused", "analyze", "find_reference"]

class AnalysisRefused(ValueError):
    """The analysis asked for cannot be done on this sweep (the message says why)."""


DEFAULT_REFERENCE = "no-cooperation"


def find_reference(reference: str | os.PathLike[str]) -> Path:
    """A reference scenario file: the path itself, else a library name such as
    ``no-cooperation`` (:func:`sim.scenario.library.find`: ./scenarios, then the library)."""
    from ..scenario.library import find

    found = find(reference, "scenarios")
    if found is not None:
        return found
    raise AnalysisRefused(f"reference scenario {reference} not found (give a file, or a name "
                          "from the scenario library such as no-cooperation)")


@dataclass
class Analysis:
    """What :func:`analyze` found; the same tables are in ``DIR/analysis/``."""

    out: Path
    design: str
    runs: int
    runs_ok: int
    method: str | None = None  # "sobol" | "morris" | None
    indices: pd.DataFrame | None = None
    second_order: pd.DataFrame | None = None
    reference: str | None = None
    #: "same": each run against the reference in its own world and seed; "fixed": against the
    #: reference in the reference's own world (only when asked for)
    reference_world: str | None = None
    triple_win_share: float | None = None
    policies: pd.DataFrame | None = None
    map: pd.DataFrame | None = None
    map_axes: tuple[str, str] | None = None
    prim: Any = None  # discovery.PrimResult
    noise: pd.DataFrame | None = None  # sensitivity.seed_noise: seed noise share per metric
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def analyze(out: str | os.PathLike[str], *,
            reference: str | os.PathLike[str] | None = DEFAULT_REFERENCE,
            x: str | None = None, y: str | None = None, bins: int = 5,
            indices: str = "auto", prim_threshold: float = 0.8, plots: bool = True,
            figure_metrics: tuple[str, ...] = ("gain_developed", "gain_developing",
                                               "gain_china"),
            fixed_world: bool = False, workers: int = 1, batch: int | None = None) -> Analysis:
    """Analyse a sweep folder; writes CSV files and figures to ``DIR/analysis/``.

    Args:
        out: the sweep folder.
        reference: scenario for the triple win (file or library name); None skips the
            triple-win map and PRIM.
        x, y: the two factors of the triple-win map (default: the first two varied levers).
        bins: bins of a continuous factor on the map.
        indices: ``auto`` (Sobol' for a sobol design, Morris for morris, none otherwise),
            ``sobol``, ``morris`` or ``none``. Asking for indices the design cannot give raises
            :class:`AnalysisRefused`.
        prim_threshold: least density of the reported PRIM box.
        plots: write figures.
        figure_metrics: metrics drawn in the indices figure.
        fixed_world: compare every run with the reference in the reference's own world (the
            earlier, labelled behaviour) instead of in the run's own world and seed.
        workers: worker processes for the reference runs (1: this process; more need the
            ``if __name__ == "__main__":`` guard in a script, see docs/sweeps.md).
        batch: reference runs per pass of the batched engine (``None``: chosen by free memory;
            1: one run per pass); the numbers are the same at any value.
    """
    from ..metrics import METRICS
    from ..scenario.load import load_scenario
    from . import discovery, sensitivity
    from ..sweeps.store import read_design, read_manifest, read_runs, succeeded

    out = Path(out)
    manifest = read_manifest(out)
    design = manifest["design"]["kind"]
    if indices not in ("auto", "sobol", "morris", "none"):
        raise AnalysisRefused(f"unknown indices {indices!r} (auto, sobol, morris or none)")
    if batch is not None and (isinstance(batch, bool) or int(batch) != batch or batch < 1):
        raise AnalysisRefused(f"--batch must be a whole number of at least 1, got {batch!r}")
    method = {"sobol": "sobol", "morris": "morris"}.get(design) if indices == "auto" else \
        (None if indices == "none" else indices)
    if method is not None and method != design:
        sobol = method == "sobol"
        raise AnalysisRefused(
            f"{'Sobol' if sobol else 'Morris'} indices need a {method} design, and this sweep "
            f"is {design}: its points are not {'a Saltelli sample' if sobol else 'Morris '
            'trajectories'}. Run a sweep with design: {method} (e.g. sweeps/"
            f"{'sobol-levers' if sobol else 'morris-all'}.yaml), or analyze with --indices auto "
            "for the triple-win map and PRIM")
    factors = manifest["design"]["factors"]
    keys = [f["key"] for f in factors]
    runs = read_runs(out)
    n_points = int(manifest["design"]["points"])
    ok = succeeded(runs)
    res = Analysis(out=out, design=design, runs=len(runs), runs_ok=int(ok.sum()), method=method)
    if len(runs) < int(manifest["runs"]):
        res.notes.append(f"the sweep is incomplete: {len(runs):,} of {int(manifest['runs']):,} "
                         "runs on disk (resume it with --resume)")
    if len(runs) == 0:
        raise AnalysisRefused(f"{out} has no runs yet")
    folder = out / "analysis"
    folder.mkdir(exist_ok=True)

    def save_csv(df: pd.DataFrame, name: str) -> None:
        df.to_csv(folder / name, index=False)
        res.files.append(folder / name)

    # the triple win against the reference
    win = None
    if reference is not None:
        ref_path = find_reference(reference)
        ref = load_scenario(ref_path, steps=int(manifest["steps"]), replications=1)
        if fixed_world:
            ref_runs = discovery.reference_runs(ref, list(manifest["seeds"]),
                                                int(manifest["steps"]), batch=batch)
            ref_keys: list[str] = []
            res.notes.append(f"fixed-world comparison (asked for): every run is compared with "
                             f"{ref_path.stem} in {ref_path.stem}'s own world, not in the "
                             "run's world; uncertainties swept here make runs look better or "
                             "worse than the reference by luck of their world")
        else:
            ref_runs, ref_keys = discovery.same_world_references(
                runs, manifest, ref, own_keys=discovery.own_world_keys(ref_path),
                executor="process" if workers > 1 else "serial", workers=workers,
                batch=batch)
        res.reference_world = "fixed" if fixed_world else "same"
        save_csv(ref_runs, "reference.csv")
        win = discovery.triple_win(runs, ref_runs, ref_keys)
        res.reference = str(ref_path)
        lever_keys = [k for k in keys if k.startswith("levers.")]
        world_keys = [k for k in keys if k.startswith("world.")]
        if not fixed_world:
            res.policies, note = discovery.policies_table(runs, ref_runs, ref_keys, lever_keys,
                                                          world_keys)
            if res.policies is not None:
                save_csv(res.policies, "policies.csv")
            elif note and lever_keys and world_keys:
                res.notes.append(note)
        res.triple_win_share = float(np.nanmean(win)) if np.isfinite(win).any() else None
        save_csv(runs[["run_id", "point", "replication"]].assign(triple_win=win),
                 "triple_win.csv")

    # indices
    if method is not None:
        if len(runs) < int(manifest["runs"]):
            res.notes.append(f"{method} indices need every design point; skipped")
        else:
            failed = int((~ok).sum())
            if failed:
                res.notes.append(f"{failed} runs failed; their points use the other "
                                 "replications, and points with none are dropped from the "
                                 "indices (see below)")
            outputs = {m: sensitivity.point_means(runs, m, n_points) for m in METRICS}
            res.noise = sensitivity.seed_noise(
                runs.assign(triple_win=win) if win is not None else runs,
                [*METRICS, *(["triple_win"] if win is not None else [])], n_points)
            save_csv(res.noise, "seed_noise.csv")
            noisy = res.noise[res.noise["noise_in_means"] > 0.25]
            if len(noisy):
                res.notes.append(
                    f"seed noise is more than a quarter of the variance of the point means for "
                    f"{', '.join(noisy['metric'][:8])}{' ...' if len(noisy) > 8 else ''}: their "
                    "indices partly describe the seeds (more replications help; see "
                    "seed_noise.csv)")
            elif int(manifest["replications"]) < 2:
                res.notes.append("one replication per point: the seed noise in the indices "
                                 "cannot be measured (use replications: 2 or more)")
            if win is not None:
                outputs["triple_win"] = sensitivity.point_means(
                    runs.assign(triple_win=win), "triple_win", n_points)
            seed = int(manifest["root_seed"])
            if method == "sobol":
                table, second, notes = sensitivity.sobol_indices(
                    outputs, keys, second_order=bool(manifest["design"]["second_order"]),
                    seed=seed)
                res.second_order = second
                if second is not None:
                    save_csv(second, "sobol_second_order.csv")
            else:
                _, _, unit = read_design(out)
                table, notes = sensitivity.morris_indices(
                    outputs, unit, keys, levels=int(manifest["design"]["levels"]), seed=seed)
            res.indices = table
            res.notes.extend(notes)
            save_csv(table, f"{method}.csv")
            if plots:
                shown = [*figure_metrics, *(["triple_win"] if win is not None else [])]
                f = sensitivity.indices_figure(table, method, shown, folder / f"{method}.png")
                if f:
                    res.files.append(Path(f))
    elif design in ("sobol", "morris") or indices == "none":
        pass
    else:
        res.notes.append(f"a {design} design gives no Sobol' or Morris indices (use design: sobol "
                         "or morris for those); showing the triple-win map and PRIM")

    # triple-win map and PRIM
    if win is not None:
        levers_ = [k for k in keys if k.startswith("levers.")]
        ordered = levers_ + [k for k in keys if k not in levers_]
        ax_x, ax_y = _resolve(x, keys), _resolve(y, keys)
        rest = [k for k in ordered if k not in (ax_x, ax_y)]
        ax_x = ax_x or (rest.pop(0) if rest else None)
        ax_y = ax_y or (rest.pop(0) if rest else None)
        if ax_x and ax_y and ax_x != ax_y:
            fx = next(f for f in factors if f["key"] == ax_x)
            fy = next(f for f in factors if f["key"] == ax_y)
            axis_x = discovery.Axis.of(fx, runs[ax_x].to_numpy(float), bins)
            axis_y = discovery.Axis.of(fy, runs[ax_y].to_numpy(float), bins)
            res.map = discovery.triple_win_map(runs, win, axis_x, axis_y)
            res.map_axes = (ax_x, ax_y)
            save_csv(res.map, "triple_win_map.csv")
            if plots:
                title = (f"Triple win against {Path(res.reference or '').stem}: share of runs "
                         f"({manifest['name']})")
                res.files.append(Path(discovery.map_figure(res.map, axis_x, axis_y,
                                                           folder / "triple_win_map.png", title)))
        else:
            res.notes.append("the triple-win map needs two varied factors")
        good = np.isfinite(win)
        wins = win[good]
        if wins.sum() == 0:
            res.notes.append("no run is a triple win: PRIM has nothing to find")
        elif wins.sum() == len(wins):
            res.notes.append("every run is a triple win: PRIM has nothing to separate")
        else:
            res.prim = discovery.find_box(runs.loc[good, keys], wins, threshold=prim_threshold)
            save_csv(res.prim.limits, "prim_box.csv")
            save_csv(res.prim.trajectory, "prim_trajectory.csv")
            if plots:
                res.files.append(Path(discovery.prim_figure(res.prim,
                                                            folder / "prim_tradeoff.png")))
    return res


def _resolve(name: str | None, keys: list[str]) -> str | None:
    if name is None:
        return None
    for k in keys:
        if name == k or name == k.split(".", 1)[1]:
            return k
    raise AnalysisRefused(f"{name} is not varied in this sweep (varied: "
                          f"{', '.join(k.split('.', 1)[1] for k in keys)})")
