"""The ``sweep``, ``analyze`` and ``export`` commands (added to the main app by :func:`register`).

Exit status as everywhere: 0 on success, 2 for bad input (one ``FILE:LINE: key: problem`` line per
problem, nothing written), 1 when runs failed (after the sweep finishes: the count and the first
errors) or on an unexpected failure. Start-up stays fast: pandas, pyarrow, SALib, dask, mesa and
the model are imported inside the commands only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli.common import (
    EXIT_FAILURE,
    BatchOption,
    bad_input,
    check_executor,
    check_new_out,
    check_resume_needs_out,
    console,
    guarded,
    new_results_folder,
    problems_exit,
    progress_bar,
    progress_callbacks,
    where_text,
)


def _num(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "-"
    return f"{x:.{digits}f}" if isinstance(x, float) else str(x)


# --------------------------------------------------------------------------------------------
# sweep


def sweep(
    sweep_file: Annotated[str, typer.Argument(
        metavar="SWEEP", help="The sweep file, or the name of a sweep example (e.g. "
        "jb-ipr-lhs).")],
    out: Annotated[Path | None, typer.Option(
        help="Sweep folder (must not exist, unless --resume). Default: "
        "results/sweeps/<name>/<UTC time>/")] = None,
    executor: Annotated[str, typer.Option(
        help="process (default: a pool of worker processes), serial, or dask.")] = "process",
    workers: Annotated[int | None, typer.Option(
        help="Worker processes, or local dask workers (default: all cores).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running dask scheduler, e.g. tcp://10.0.0.5:8786 (dask).")] = None,
    scheduler_file: Annotated[str | None, typer.Option(
        help="Scheduler file written by dask-scheduler --scheduler-file (dask).")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue the sweep in --out: runs already on disk are skipped.")
    ] = False,
    retry_failed: Annotated[bool, typer.Option(
        "--retry-failed", help="With --resume: run the failed runs again too.")] = False,
    chunk_size: Annotated[int | None, typer.Option(
        help="Runs per task and per Parquet file (default: about 64, one pass of the batched "
        "engine, in equal chunks shared evenly by the workers).")] = None,
    batch: BatchOption = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check the sweep file and show the plan; run nothing.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Run a parameter sweep: design points x replications, streamed to Parquet, resumable."""
    from sim.scenario.library import find_sweep
    from sim.sweeps.executors import prestart
    from sim.sweeps.spec import SweepError, load_sweep

    check_executor(executor, scheduler, scheduler_file, workers=workers, chunk_size=chunk_size)
    check_resume_needs_out(resume, out, "sweep")
    if retry_failed and not resume:
        bad_input("--retry-failed continues an existing sweep: give it with --resume and --out")
    if not dry_run:
        prestart(executor)  # worker start-up overlaps with reading the plan
    try:
        plan = load_sweep(find_sweep(sweep_file))  # a file, or a sweep example's name
    except SweepError as e:
        problems_exit(e.problems)
    check_new_out(out, resume, "sweep")
    if dry_run:
        typer.echo(plan.summary())
        for f in plan.factors:
            rng = (f"values {list(f.values)}" if f.values is not None
                   else f"{f.low:g} to {f.high:g}")
            typer.echo(f"  {f.key}: {rng}")
        typer.echo(f"  seeds of the {plan.replications} replications: {plan.seeds}")
        return
    if out is None:
        out = new_results_folder("sweeps", plan.spec.name)

    from sim.sweeps.session import run_sweep
    from sim.sweeps.spec import SweepRefused

    n_workers = workers or os.cpu_count() or 1
    err = console(stderr=True)
    where = where_text(executor, n_workers, scheduler, scheduler_file)
    err.print(f"{plan.summary()}; {executor} executor, {where} -> {out}", markup=False)
    bar, task = progress_bar(err, quiet)
    on_start, progress = progress_callbacks(err, bar, task)

    with guarded(bar, (SweepRefused,), f"interrupted; finished chunks are on disk. Continue "
                 f"with: triplewin sweep {sweep_file} --out {out} --resume"):
        result = run_sweep(plan, out, executor=executor, workers=n_workers, scheduler=scheduler,
                           scheduler_file=scheduler_file, resume=resume,
                           retry_failed=retry_failed, chunk_size=chunk_size, batch=batch,
                           progress=progress, on_start=on_start)
    per_run = (f"; per run {result.worker_seconds / result.ran:.3f} s in a worker, "
               f"{result.cpu_seconds / result.ran:.3f} s of CPU" if result.ran else "")
    typer.echo(f"{result.ran:,} runs in {result.seconds:.1f} s ({result.rate:.2f} runs/s"
               f"{per_run}); {result.done:,} of {result.runs:,} runs on disk")
    typer.echo(f"Results: {out}  (pandas.read_parquet('{out / 'runs'}'); "
               f"triplewin analyze {out})")
    if result.failed:
        typer.echo(f"{result.failed} of {result.done} runs failed; their errors are in the "
                   "'error' column. First:", err=True)
        for rid, text in result.failures:
            typer.echo(f"  run {rid}: {text}", err=True)
        typer.echo(f"Run them again with: triplewin sweep {sweep_file} --out {out} --resume "
                   "--retry-failed", err=True)
        raise typer.Exit(EXIT_FAILURE)


# --------------------------------------------------------------------------------------------
# analyze


def analyze(
    sweep_dir: Annotated[Path, typer.Argument(metavar="DIR", help="A sweep folder.")],
    reference: Annotated[str, typer.Option(
        help="Reference scenario of the triple win (file, or a name in the scenario library).")
    ] = "no-cooperation",
    no_reference: Annotated[bool, typer.Option(
        "--no-reference", help="Skip the triple-win map and PRIM.")] = False,
    x: Annotated[str | None, typer.Option(
        "--x", help="Factor across the triple-win map (default: the first varied lever).")
    ] = None,
    y: Annotated[str | None, typer.Option(
        "--y", help="Factor up the triple-win map (default: the second varied lever).")] = None,
    bins: Annotated[int, typer.Option(help="Bins of a continuous factor on the map.")] = 5,
    indices: Annotated[str, typer.Option(
        help="auto (Sobol' for a sobol design, Morris for morris), sobol, morris or none.")
    ] = "auto",
    metric: Annotated[list[str] | None, typer.Option(
        help="Metric whose indices to print (repeatable; 'all' for every one). Default: the "
        "three gains and the triple win. The CSV has all.")] = None,
    prim_threshold: Annotated[float, typer.Option(
        help="Least density of the reported PRIM box.")] = 0.8,
    no_plots: Annotated[bool, typer.Option("--no-plots", help="Skip the figures.")] = False,
    fixed_world: Annotated[bool, typer.Option(
        "--fixed-world", help="Compare every run with the reference in the reference's own "
        "world (not in the run's world and seed); labelled as such.")] = False,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Worker processes for the reference runs (default: one per CPU).")] = None,
    batch: BatchOption = None,
) -> None:
    """Sensitivity indices, triple-win map, PRIM boxes and per-policy robustness of a sweep,
    every run compared with the reference in its own world and seed; files in DIR/analysis/."""
    if bins < 1 or bins > 50:
        bad_input(f"--bins must be in [1, 50], got {bins}")
    if not 0 < prim_threshold <= 1:
        bad_input(f"--prim-threshold must be in (0, 1], got {prim_threshold}")
    from sim.api import AnalysisRefused
    from sim.api import analyze as run_analysis
    from sim.sweeps.spec import SweepRefused
    from sim.metrics import METRICS

    shown_metrics = (["gain_developed", "gain_developing", "gain_china", "triple_win"]
                     if not metric else list(METRICS) + ["triple_win"] if "all" in metric
                     else metric)
    unknown = [m for m in shown_metrics if m not in METRICS and m != "triple_win"]
    if unknown:
        bad_input(f"unknown metric(s) {', '.join(unknown)} (see triplewin explain)")
    from sim.scenario.load import ScenarioError

    try:
        from sim.experiments.workers import available_cpus

        res = run_analysis(sweep_dir, reference=None if no_reference else reference, x=x, y=y,
                           bins=bins, indices=indices, prim_threshold=prim_threshold,
                           plots=not no_plots, fixed_world=fixed_world,
                           workers=workers or available_cpus(), batch=batch)
    except (AnalysisRefused, SweepRefused) as e:
        bad_input(str(e))
    except ScenarioError as e:
        problems_exit(e.problems)
    _print_analysis(res, shown_metrics)


def _print_analysis(res: Any, shown: list[str]) -> None:
    from rich import box
    from rich.table import Table

    con = console()
    con.print(f"{res.out}: {res.design} design, {res.runs:,} runs ({res.runs_ok:,} ok)",
                  markup=False)
    if res.indices is not None and len(res.indices):
        for m in shown:
            t = res.indices[res.indices["metric"] == m]
            if not len(t):
                continue
            if res.method == "sobol":
                table = Table(title=f"Sobol' indices of {m} (± 95% CI half-width; ST N/2: ST "
                              f"from half the samples{_noise_text(res, m)})",
                              title_justify="left", box=box.SIMPLE, show_edge=False)
                for col in ("factor", "S1", "ST", "ST N/2", "check"):
                    table.add_column(col, justify="left" if col in ("factor", "check")
                                     else "right", no_wrap=col != "check",
                                     min_width=6 if col == "check" else None)
                for _, r in t.sort_values("ST", ascending=False).iterrows():
                    check = " ".join(x for x in ("moved" if r["moved"] else "", r["flags"]) if x)
                    table.add_row(r["factor"], f"{_num(r['S1'])} ± {_num(r['S1_conf'])}",
                                  f"{_num(r['ST'])} ± {_num(r['ST_conf'])}", _num(r["ST_half"]),
                                  check or "ok")
            else:
                table = Table(title=f"Morris elementary effects of {m} (per full range; "
                              f"mu* N/2: from half the trajectories{_noise_text(res, m)})",
                              title_justify="left", box=box.SIMPLE, show_edge=False)
                for col in ("factor", "mu_star", "mu_star conf", "mu", "sigma", "mu* N/2",
                            "check"):
                    table.add_column(col, justify="left" if col in ("factor", "check")
                                     else "right", no_wrap=col == "factor")
                for _, r in t.sort_values("mu_star", ascending=False).iterrows():
                    table.add_row(r["factor"], _num(r["mu_star"]), _num(r["mu_star_conf"]),
                                  _num(r["mu"]), _num(r["sigma"]), _num(r["mu_star_half"]),
                                  "moved" if r["moved"] else "ok")
            con.print(table)
    if res.triple_win_share is not None:
        ref = Path(res.reference).stem
        where = ("in its own fixed world, not the run's (--fixed-world)"
                 if res.reference_world == "fixed" else "in the same world and replication")
        con.print(f"Triple win (all three gains above {ref} {where}): "
                      f"{res.triple_win_share:.1%} of runs", markup=False)
    if res.map is not None:
        xk, yk = res.map_axes
        m = res.map
        xs = m[["x_low", "x_high"]].drop_duplicates().to_numpy()
        table = Table(title=f"Triple-win share: {yk} (rows) by {xk} (columns)",
                      title_justify="left")
        table.add_column(yk.split(".", 1)[1])
        for lo, hi in xs:
            table.add_column(f"{lo:g}" if lo == hi else f"{lo:.2g}-{hi:.2g}", justify="right")
        for (ylo, yhi), cells in m.groupby(["y_low", "y_high"], sort=True):
            label = f"{ylo:g}" if ylo == yhi else f"{ylo:.2g}-{yhi:.2g}"
            table.add_row(label, *("-" if r.runs == 0 else f"{r.share:.0%}"
                                   for r in cells.itertuples()))
        con.print(table)
    if res.prim is not None:
        p = res.prim
        table = Table(title=f"PRIM box for the triple win: coverage {p.coverage:.2f}, density "
                      f"{p.density:.2f}, mass {p.mass:.2f}, {p.res_dim} restricted "
                      f"(box {p.box_index} of the peeling; base rate {p.base_rate:.2f}, "
                      f"{p.n} runs)", title_justify="left")
        for col in ("factor", "box min", "box max", "swept min", "swept max", "qp"):
            table.add_column(col, justify="left" if col == "factor" else "right")
        lim = p.limits.sort_values("restricted", ascending=False)
        for r in lim.itertuples():
            qp = ", ".join(f"{v:.2g}" for v in (r.qp_min, r.qp_max) if v == v and v >= 0)
            style = "bold" if r.restricted else "dim"
            table.add_row(r.factor, _num(r.min), _num(r.max), _num(r.sweep_min),
                          _num(r.sweep_max), qp or "-", style=style)
        con.print(table)
    if res.policies is not None:
        _print_policies(con, res.policies)
    for note in res.notes:
        con.print(f"note: {note}", markup=False)
    folder = res.out / "analysis"
    con.print(f"Files: {folder} ({', '.join(sorted({f.name for f in res.files}))})",
                  markup=False)


def _noise_text(res: Any, metric: str) -> str:
    """``; seed noise 12% of the runs' variance`` for a table title (empty when unknown)."""
    if res.noise is None:
        return ""
    row = res.noise[res.noise["metric"] == metric]
    if not len(row) or row["noise_share"].isna().all():
        return ""
    r = row.iloc[0]
    return (f"; seed noise: {r['noise_share']:.0%} of the runs' variance, "
            f"{r['noise_in_means']:.0%} of the point means'")


def _print_policies(console: Any, policies: Any, limit: int = 15) -> None:
    """Policies by worlds: share of worlds won, regret, where each fails."""
    from rich.table import Table

    levers = [c for c in policies.columns if c.startswith("levers.")]
    table = Table(title=f"Policies across {int(policies['worlds'].iloc[0])} worlds: triple "
                  "win against the reference in each world, and regret (USD bn below the best "
                  "policy in the same world; mean / worst)", title_justify="left")
    for c in levers:
        table.add_column(c.split(".", 1)[1], justify="right")
    for col in ("triple win in", "95% CI", "regret dev'd", "regret dev'ing", "regret China",
                "fails where"):
        table.add_column(col, justify="left" if col == "fails where" else "right")
    for r in policies.head(limit).to_dict("records"):
        row = [_num(float(r[c]), 2) for c in levers]
        row += [f"{r['share_triple_win']:.0%}", f"{r['ci_low']:.0%}-{r['ci_high']:.0%}"]
        for g in ("developed", "developing", "china"):
            row.append(f"{r[f'regret_mean_{g}']:.1f} / {r[f'regret_max_{g}']:.1f}")
        row.append(r["fails_where"] or "-")
        table.add_row(*row)
    console.print(table)
    if len(policies) > limit:
        console.print(f"({len(policies) - limit} more policies in analysis/policies.csv)",
                      markup=False)


# --------------------------------------------------------------------------------------------
# export


def export(
    sweep_dir: Annotated[Path, typer.Argument(metavar="DIR", help="A sweep folder.")],
    csv: Annotated[bool, typer.Option("--csv", help="Write DIR/runs.csv (and timeseries.csv "
                                      "when kept), sorted by run id.")] = False,
) -> None:
    """Export a sweep's results for spreadsheets."""
    if not csv:
        bad_input("choose a format: --csv")
    from sim.sweeps.spec import SweepRefused
    from sim.sweeps.store import export_csv

    try:
        files = export_csv(sweep_dir)
    except SweepRefused as e:
        bad_input(str(e))
    for f in files:
        typer.echo(f"wrote {f}")


def register(app: typer.Typer) -> None:
    """Add ``sweep``, ``analyze`` and ``export`` to the ``triplewin`` app."""
    app.command("sweep")(sweep)
    app.command("analyze")(analyze)
    app.command("export")(export)

