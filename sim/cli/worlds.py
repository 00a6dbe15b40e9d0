"""``triplewin compare A.yaml B.yaml --worlds N``: the verdict across N worlds (the robust
verdict of :mod:`sim.experiments.worlds`), with a progress bar, on the sweep executors, resumable.

Called by the ``compare`` command when ``--worlds`` is given. Exit status as everywhere: 2 for bad
input (nothing written), 1 when runs failed or on an unexpected failure, 130 when interrupted
(finished worlds stay on disk; ``--resume`` continues).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from sim.cli.common import (
    EXIT_FAILURE,
    bad_input,
    check_executor,
    check_resume_needs_out,
    console,
    guarded,
    progress_bar,
    progress_callbacks,
    where_text,
)


def check_options(worlds: int | None, *, ensemble: str | None, uncertain: list[str] | None,
                  executor: str, scheduler: str | None, scheduler_file: str | None,
                  resume: bool, out: Path | None) -> None:
    """Refuse options that make no sense, before anything runs (exit 2)."""
    if worlds is None:
        used = [name for name, v in (("--ensemble", ensemble), ("--uncertain", uncertain),
                                     ("--resume", resume), ("--scheduler", scheduler),
                                     ("--scheduler-file", scheduler_file)) if v]
        if used:
            bad_input(f"{', '.join(used)} need --worlds N (the verdict across N worlds)")
        if executor != "process":
            bad_input("--executor needs --worlds N (a plain comparison runs on --workers)")
        return
    if worlds < 2:
        bad_input(f"--worlds must be at least 2, got {worlds}: a verdict across worlds needs "
                  "two or more worlds (leave --worlds out for the comparison in the "
                  "scenarios' own world)")
    check_executor(executor, scheduler, scheduler_file)
    check_resume_needs_out(resume, out, "comparison")


def split_names(items: list[str] | None) -> list[str] | None:
    """``--uncertain a --uncertain b,c`` -> ``[a, b, c]``."""
    if not items:
        return None
    return [x.strip() for item in items for x in item.split(",") if x.strip()]


def compare_worlds(sa: Any, sb: Any, a_file: str, b_file: str, *, worlds: int,
                   replications: int | None, seed: int | None, ensemble: str | None,
                   uncertain: list[str] | None, executor: str, workers: int,
                   scheduler: str | None, scheduler_file: str | None, resume: bool,
                   out: Path, plots: bool, quiet: bool, batch: int | None = None) -> None:
    """Run the worlds experiment and print the robust verdict (``batch``: runs per pass of the
    batched engine, ``None`` automatic)."""
    from sim.experiments.worlds.plan import WorldsError, plan_worlds
    from sim.experiments.worlds.run import work_dir
    from sim.results.worlds import robust_compare

    try:
        plan = plan_worlds(sa, sb, worlds, seed=seed, replications=replications,
                             uncertain=split_names(uncertain), ensemble=ensemble)
    except WorldsError as e:
        bad_input(str(e))
    work = work_dir(out)
    if work.exists() and not resume:
        bad_input(f"{out} has an unfinished run ({work}); add --resume to continue it, or "
                  "choose a new --out")
    err = console(stderr=True)
    n_workers = 1 if executor == "serial" else workers
    where = where_text(executor, n_workers, scheduler, scheduler_file)
    what = "drawn from the ensemble " + str(ensemble) if ensemble else \
        f"Latin hypercube over {len(plan.dims)} uncertainties and constants"
    err.print(f"{sb.name} vs {sa.name} in {plan.n_worlds} worlds ({what}) + the scenarios' own "
              f"world, {plan.replications} paired replications each = {plan.n_runs:,} runs of "
              f"{plan.steps} steps; {executor} executor, {where} -> {out}", markup=False)
    bar, task = progress_bar(err, quiet)
    on_start, progress = progress_callbacks(err, bar, task)

    from sim.sweeps.spec import SweepRefused

    with guarded(bar, (WorldsError, SweepRefused, FileExistsError),
                 f"interrupted; finished worlds are on disk in {work}. Continue with the same "
                 f"command and --out {out} --resume"):
        rob, comp, final = robust_compare(
            sa, sb, worlds, out=out, plan=plan, executor=executor, workers=n_workers,
            scheduler=scheduler, scheduler_file=scheduler_file, resume=resume,
            progress=progress, on_start=on_start, plots=plots,
            sources=(Path(a_file), Path(b_file)), batch=batch)
    print_robustness(rob, comp)
    typer.echo(f"Results: {final}  (robustness.json, worlds.csv, comparison.json, figures/)")
    failed = int(rob.table["pairs"].lt(plan.replications).sum())
    if failed:
        typer.echo(f"{failed} worlds lost replications to failed runs (errors in "
                   f"{final / 'runs'})", err=True)
        raise typer.Exit(EXIT_FAILURE)


def print_robustness(rob: Any, comp: Any) -> None:
    """The robust verdict as a table a student can read, then the own world's verdict."""
    from rich.table import Table

    from sim.experiments.worlds.verdict import GROUPS, pct

    con = console()
    boxes = {b["outcome"]: b for b in rob.failure_boxes[::-1]}  # first box of each outcome
    table = Table(title=f"Verdict across {rob.counted} worlds ({rob.plan.b.name} minus "
                  f"{rob.plan.a.name}, {rob.plan.replications} paired replications each)",
                  title_justify="left")
    table.add_column("group", style="bold", no_wrap=True)
    table.add_column("gains in (95% CI)", justify="right", no_wrap=True)
    table.add_column("own world", justify="center", no_wrap=True)
    table.add_column("fails to gain where (PRIM box)")
    for v in (*GROUPS, "triple_win"):
        lo, hi = rob.ci[v]
        b = boxes.get(v)
        where = (f"{b['text']} ({b['failing_in_box']} of {b['worlds_in_box']} worlds there "
                 "fail)" if b else "-")
        own = rob.own["verdict"][v] if rob.own else None
        table.add_row("Triple win" if v == "triple_win" else v.capitalize(),
                      f"{pct(rob.share[v])} ({pct(lo)}-{pct(hi)})",
                      "-" if own is None else "yes" if own else "no", where)
    con.print(table)
    con.print(rob.headline() + ".", markup=False)
    losing = [f"{g} in {w['worlds_losing']} (worst {w['delta']:.1f} USD bn, world {w['world']})"
              for g, w in rob.worst.items() if w["worlds_losing"]]
    if losing:
        con.print("Worlds where a group loses outright (95% CI below zero): "
                      + "; ".join(losing) + ".", markup=False)
    if rob.plan.held:
        held = ", ".join(f"{k} ({v})" for k, v in rob.plan.held.items()
                         if v != "not named by --uncertain")
        if held:
            con.print(f"Held at the scenarios' values: {held}.", markup=False)
    for note in rob.notes:
        con.print(f"note: {note}", markup=False)
