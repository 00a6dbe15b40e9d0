"""The ``calibrate`` and ``validate-history`` commands (added to the main app by
:func:`register`).

Exit status as everywhere: 0 on success, 2 for bad input (one line, nothing written), 1 on an
unexpected failure. pyabc, pandas, pyarrow and the model are imported inside the commands only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli.common import (
    BatchOption,
    bad_input,
    check_executor,
    check_new_out,
    check_out,
    check_resume_needs_out,
    console,
    guarded,
    load_or_exit,
    new_results_folder,
    step_bar,
)

# --------------------------------------------------------------------------------------------
# calibrate


def calibrate(
    scenario_file: Annotated[str, typer.Argument(help="The historical scenario.")] =
    "scenarios/historical.yaml",
    budget: Annotated[int, typer.Option(help="Most model runs in all (one run per parameter "
                                        "set).")] = 400,
    population: Annotated[int | None, typer.Option(
        help="Parameter sets per generation (default: about a tenth of the budget, 10-200).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Root seed (default: the scenario's).")
                    ] = None,
    out: Annotated[Path | None, typer.Option(
        help="Calibration folder (must not exist, unless --resume). Default: "
        "results/calibration/<UTC time>/")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue the calibration in --out from its last complete "
        "generation, up to --budget runs in all.")] = False,
    executor: Annotated[str, typer.Option(
        help="process (default: worker processes), serial, or dask.")] = "process",
    workers: Annotated[int | None, typer.Option(
        min=1, help="Worker processes, or local dask workers (default: all cores). Results do "
        "not depend on it.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running dask scheduler, e.g. tcp://10.0.0.5:8786 (dask).")] = None,
    batch: BatchOption = None,
    no_plots: Annotated[bool, typer.Option("--no-plots", help="Skip the figures.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Fit uncertainties and structural constants to the calibration patterns by ABC
    (rejection, then ABC-SMC); write the accepted ensemble."""
    from sim.analysis.calibration.sampler import EXECUTORS

    check_executor(executor, scheduler, allowed=EXECUTORS, file_option=False)
    if budget < 2:
        bad_input(f"--budget must be at least 2 runs, got {budget}")
    if population is not None and not 2 <= population <= budget:
        bad_input(f"--population must be between 2 and the budget ({budget}), got {population}")
    check_resume_needs_out(resume, out, "calibration")
    check_new_out(out, resume, "calibration")
    try:
        import pyabc  # noqa: F401
    except ImportError:
        bad_input("triplewin calibrate needs pyabc: pip install 'triplewin[calibrate]'")
    n_workers = 1 if executor == "serial" else (workers or os.cpu_count() or 1)
    if executor == "process" and n_workers > 1:
        from sim.experiments import workers as workers_m

        workers_m.prestart()
    scenario, path = load_or_exit(scenario_file, seed=seed)
    out = out or new_results_folder("calibration")

    from sim.analysis.calibration import CalibrationError
    from sim.analysis.calibration.fit import calibrate as run_calibration

    err = console(stderr=True)
    err.print(f"ABC calibration of {scenario.name}: budget {budget} runs, {executor} executor, "
              f"{n_workers} worker{'s' if n_workers != 1 else ''} -> {out}", markup=False)
    bar = step_bar(err, quiet)
    task = None
    if bar is not None:
        bar.start()
        task = bar.add_task("runs", total=budget)

    def progress(done: int, total: int, what: str) -> None:
        if bar is not None:
            bar.update(task, completed=done, total=total, description=what)

    with guarded(bar, (CalibrationError,), f"interrupted; continue with: triplewin calibrate "
                 f"{scenario_file} --budget {budget} --out {out} --resume"):
        res = run_calibration(scenario, out, budget=budget, population=population, seed=seed,
                              executor=executor, workers=n_workers, scheduler=scheduler,
                              resume=resume, plots=not no_plots, source=path, progress=progress,
                              batch=batch)
    _print_calibration(res.manifest)
    typer.echo(f"Ensemble: {res.ensemble} ({res.manifest['ensemble_rows']} parameter sets, "
               f"{res.runs} runs in {res.generations} generations; stopped by the "
               f"{res.manifest['stopped_by']})")


def _print_calibration(man: dict[str, Any]) -> None:
    from rich.table import Table

    t = Table(title="Accepted ensemble: fitted parameters", title_justify="left")
    for col in ("parameter", "fitted to", "prior", "default", "median", "90% range"):
        t.add_column(col, justify="right" if col in ("default", "median") else "left")
    for name, p in man["parameters"].items():
        po = p["posterior"]
        t.add_row(name, ", ".join(p["patterns"]), f"{p['prior'][0]:g} to {p['prior'][1]:g}",
                  f"{p['default']:g}", f"{po['median']:.3g}", f"{po['p5']:.3g} to {po['p95']:.3g}")
    console().print(t)
    f = Table(title="Fit to the calibration patterns (last generation, weighted)",
              title_justify="left")
    for col in ("pattern", "target", "tolerance", "ensemble mean", "within"):
        f.add_column(col, justify="left" if col == "pattern" else "right")
    for k, v in man["pattern_fit"].items():
        f.add_row(k, f"{v['target']:g}", f"{v['tolerance']:g}", f"{v['weighted_mean']:.3g}",
                  f"{v['within_tolerance']:.0%}")
    console().print(f)


# --------------------------------------------------------------------------------------------
# validate-history


def validate_history(
    scenario_file: Annotated[str, typer.Argument(help="The historical scenario.")] =
    "scenarios/historical.yaml",
    ensemble: Annotated[Path | None, typer.Option(
        help="Accepted ensemble (ensemble.parquet of `triplewin calibrate`). Without it the "
        "scenario's own values are used, and the report says so.")] = None,
    worlds: Annotated[int | None, typer.Option(
        min=1, help="Parameter sets drawn from the ensemble by weight (default 16).")] = None,
    replications: Annotated[int | None, typer.Option(
        min=1, help="Replication seeds per world (default: 2 with an ensemble, else the "
        "file's).")] = None,
    seed: Annotated[int | None, typer.Option(help="Root seed.")] = None,
    verdicts: Annotated[list[str] | None, typer.Option(
        "--verdicts", metavar="A.yaml:B.yaml",
        help="A scenario pair whose verdict is compared at the scenarios' own values and across "
        "ensemble worlds (repeatable; needs --ensemble).")] = None,
    verdict_worlds: Annotated[int, typer.Option(
        min=1, help="Ensemble worlds per --verdicts pair.")] = 8,
    out: Annotated[Path | None, typer.Option(
        help="Output folder (must not exist). Default: results/validation/<UTC time>/")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Worker processes (default: one per CPU). Results do not depend on it.")
    ] = None,
    batch: BatchOption = None,
    hold_inputs: Annotated[bool, typer.Option(
        "--hold-inputs/--no-hold-inputs", help="Also run with the scheduled inputs that "
        "held-out patterns lean on held at their first value, to show which patterns come with "
        "the scheduled history (default: on).")] = True,
    json_out: Annotated[bool, typer.Option("--json", help="Print validation.json to stdout "
                                           "instead of the table.")] = False,
) -> None:
    """Run the historical scenario (on the accepted ensemble, if given) and report, pattern by
    pattern, the coverage: the share of runs within tolerance."""
    import json

    from sim.experiments import workers as workers_m

    n_workers = workers_m.start(workers)
    scenario, _ = load_or_exit(scenario_file, seed=seed)
    if out is not None:
        check_out(out)  # before any work: an unusable --out fails at once
    if verdicts and ensemble is None:
        bad_input("--verdicts needs --ensemble FILE")
    from sim.analysis.calibration import EnsembleError
    from sim.analysis.calibration.ensemble import read_ensemble

    if ensemble is not None:
        try:
            read_ensemble(ensemble)
        except EnsembleError as e:
            bad_input(str(e))
    pairs = []
    for v in verdicts or []:
        a, sep, b = v.partition(":")
        if not sep or not a or not b:
            bad_input(f"--verdicts {v!r}: expected A.yaml:B.yaml")
        pairs.append((load_or_exit(a)[0], load_or_exit(b)[0]))
    out = out or new_results_folder("validation")

    from sim.analysis.validation import (
        ensemble_verdicts,
        inputs_to_hold,
        run_history,
        write_report,
    )

    err = console(stderr=True)
    if ensemble is None:
        err.print("No ensemble given: running the scenario's own (uncalibrated) values.",
                  markup=False)
    bar = step_bar(err, json_out)
    task = None
    if bar is not None:
        bar.start()
        task = bar.add_task("historical runs", total=None)

    def progress(what: str) -> Any:
        def update(done: int, total: int) -> None:
            if bar is not None:
                bar.update(task, completed=done, total=total, description=what)
        return update

    try:
        runs = run_history(scenario, ensemble=ensemble, worlds=worlds,
                           replications=replications, workers=n_workers,
                           progress=progress("historical runs"), batch=batch)
        hold = inputs_to_hold(scenario) if hold_inputs else ()
        held = (run_history(scenario, ensemble=ensemble, worlds=worlds,
                            replications=replications, workers=n_workers, hold=hold,
                            progress=progress("runs without scheduled inputs"), batch=batch)
                if hold else None)
        vd = (ensemble_verdicts(pairs, ensemble, worlds=verdict_worlds, workers=n_workers,
                                progress=progress("verdict runs"), batch=batch)
              if pairs and ensemble is not None else None)
    finally:
        if bar is not None:
            bar.stop()
    final, data = write_report(runs, out, verdicts=vd, held=held)
    if json_out:
        typer.echo(json.dumps(data, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"Validation of {scenario.name} against history ({data['runs']} runs; "
                  f"{'ensemble ' + str(ensemble) if ensemble else 'no ensemble: own values'})",
                  title_justify="left")
    for col in ("pattern", "role", "kind", "target +- tol.", "median (90% range)", "coverage",
                "result"):
        table.add_column(col, justify="right" if col in ("coverage",) else "left")
    for r in data["patterns"]:
        lo, hi = r["range"]
        med = "-" if r["median"] is None else f"{_n(r['median'])} ({_n(lo)} to {_n(hi)})"
        table.add_row(r["name"], "fit" if r["role"] == "calibration" else "held out", r["kind"],
                      f"{_n(r['target'])} +- {_n(r['tolerance'])}", med, f"{r['coverage']:.0%}",
                      "[green]holds[/]" if r["holds"] else "[red]FAILS[/]")
    console().print(table)
    s = data["summary"]
    typer.echo(f"Held-out patterns: {s['validation']['holds']} of {s['validation']['of']} hold "
               f"(coverage >= {data['hold_level']:.0%}); calibration patterns: "
               f"{s['calibration']['holds']} of {s['calibration']['of']}. "
               f"Report: {final / 'report.md'}")


def _n(x: float | None) -> str:
    """A number, short: whole numbers above 100 (years, USD bn), else 3 digits."""
    if x is None:
        return "-"
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"


def register(app: typer.Typer) -> None:
    """Add ``calibrate`` and ``validate-history`` to the ``triplewin`` app."""
    app.command("calibrate")(calibrate)
    app.command("validate-history")(validate_history)
