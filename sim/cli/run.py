"""``run`` and ``compare``: a scenario's replications, and the paired comparison of two
scenarios with the triple-win verdict (added to the main app by :func:`register`; ``compare
--worlds`` is :mod:`sim.cli.worlds`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sim.cli.common import (
    BatchOption,
    bad_input,
    check_out,
    console,
    fmt,
    load_or_exit,
    new_results_folder,
    problems_exit,
    refuse_overwrite,
    say_notes,
)
from sim.groups import GROUPS, group_order, short_title

if TYPE_CHECKING:
    from rich.table import Table


def _default_out(name: str, sha: str) -> Path:
    return new_results_folder(name, suffix=f"-{sha[:6]}")


def _summary_table(summary: dict[str, Any], scenario_name: str) -> Table:
    """Final-step metrics grouped China / Developed / Developing / Gains, mean and 95% CI."""
    from rich.markup import escape
    from rich.table import Table

    from sim.metrics import METRICS as metrics

    ns = sorted({s.get("n") for s in summary.values() if s.get("n") is not None})
    reps = f"{ns[0]} replications" if len(ns) == 1 else "replications"
    table = Table(title=f"{escape(scenario_name)}: final step, mean over {reps} and 95% CI",
                  title_justify="left")
    table.add_column("group", no_wrap=True, style="bold")
    table.add_column("metric")
    table.add_column("unit")
    table.add_column("mean", justify="right", no_wrap=True)
    table.add_column("95% CI", justify="right", no_wrap=True)

    def info(name: str) -> tuple[str, str, str]:
        m = metrics.get(name)
        return (m.group, m.label, m.unit) if m is not None else ("other", name, "")

    rows = sorted(summary.items(), key=lambda kv: group_order(info(kv[0])[0]))
    last_group = None
    for name, s in rows:
        group, label, unit = info(name)
        if group != last_group and last_group is not None:
            table.add_section()
        shown_group = short_title(group) if group != last_group else ""
        last_group = group
        ci = (f"{fmt(s.get('ci_low'))} to {fmt(s.get('ci_high'))}" if (s.get("n") or 0) >= 2
              else "undefined (n=1)")
        table.add_row(escape(shown_group), escape(label), escape(unit), fmt(s.get("mean")), ci)
    return table


#: ``--workers`` of the commands that run replications.
WorkersOption = Annotated[int | None, typer.Option(
    min=1, help="Worker processes for the replications and figures (default: one per CPU; 1 "
    "runs everything in this process). Results do not depend on it.")]


def run(
    scenario_file: Annotated[str, typer.Argument(
        metavar="SCENARIO", help="A scenario YAML file, or the name of a library scenario "
        "(triplewin list), e.g. baseline.")],
    seed: Annotated[int | None, typer.Option(help="Root seed (overrides run.seed).")] = None,
    steps: Annotated[int | None, typer.Option(help="Quarters to simulate (overrides "
                                              "run.steps).")] = None,
    replications: Annotated[int | None, typer.Option(help="Replications (overrides "
                                                     "run.replications).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="KEY=VALUE",
        help="Override one value, e.g. --set levers.joint_bidding=0.8 or "
        "--set 'levers.bit_coverage={0: 0, 20: 0.5}'. Repeatable.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Output folder (must not exist). Default: "
        "results/<scenario-name>/<UTC time>-<scenario hash>/")] = None,
    workers: WorkersOption = None,
    batch: BatchOption = None,
    no_plots: Annotated[bool, typer.Option("--no-plots", help="Skip the figures.")] = False,
) -> None:
    """Run a scenario's replications and write manifest, time series, summary and figures."""
    from sim.experiments import workers as workers_m

    n_workers = workers_m.start(workers)  # the model loads in the workers while files are read
    from sim.scenario.load import scenario_sha256

    notes: list[str] = []
    scenario, source = load_or_exit(scenario_file, set_ or [], seed=seed, steps=steps,
                                    replications=replications, notes=notes)
    if out is not None:
        check_out(out)  # before any work: an unusable --out fails at once
    say_notes(notes)
    sha = scenario_sha256(scenario)
    target = out if out is not None else _default_out(scenario.name, sha)

    # heavy imports only here
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from sim.experiments.runner import run_replications
    from sim.results.folders import write_run

    err_console = console(stderr=True)
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
                  transient=True) as bar:
        task = bar.add_task(f"{scenario.name}: replications", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        results = run_replications(scenario, progress=progress, workers=n_workers,
                                   batch=batch)
    for attempt in range(5):
        try:
            final = write_run(results, scenario, source=source, out_dir=target,
                              plots=not no_plots, workers=n_workers)
            break
        except FileExistsError:
            if not target.exists() or attempt == 4:
                raise  # not a name clash: report it
            if out is not None:  # the folder appeared while we ran
                refuse_overwrite(out)
            target = _default_out(scenario.name, sha)  # a concurrent run took the name
    from sim.metrics import HEADLINE

    headline = {k: results.summary["metrics"][k] for k in HEADLINE}
    console().print(_summary_table(headline, scenario.name))
    typer.echo(f"{len(results.summary['metrics'])} metrics in {final / 'summary.json'}; "
               f"figures in {final / 'figures'}" if not no_plots else
               f"{len(results.summary['metrics'])} metrics in {final / 'summary.json'}")
    typer.echo(f"Results: {final}")


def _verdict_table(c: Any) -> Table:
    """Who wins: each group's gain in A and B, the paired difference with its 95% CI, verdict."""
    from rich.table import Table

    a, b = c.a.scenario.name, c.b.scenario.name
    table = Table(title=f"Triple-win verdict: {b} minus {a}, {len(c.a.seeds)} paired "
                  "replications, cumulative gain in USD bn", title_justify="left")
    for col, kw in (("group", {"no_wrap": True, "style": "bold"}),
                    (f"A: {a}", {"justify": "right"}), (f"B: {b}", {"justify": "right"}),
                    ("B - A", {"justify": "right"}), ("95% CI", {"justify": "right"}),
                    ("wins?", {"no_wrap": True})):
        table.add_column(col, **kw)
    for g in GROUPS:
        d = c.metrics[g.gain]
        win = c.verdict[g.key]
        sure = ("yes" if win else
                "no: loses" if d["ci_high"] < 0 else "not sure")
        table.add_row(g.short, fmt(d["a"]), fmt(d["b"]), fmt(d["delta"]),
                      f"{fmt(d['ci_low'])} to {fmt(d['ci_high'])}",
                      f"[green]{sure}[/]" if win else f"[red]{sure}[/]" if d["ci_high"] < 0
                      else sure)
    return table


def _difference_table(c: Any) -> Table:
    from rich.table import Table

    from sim.metrics import KEY_METRICS
    from sim.metrics import METRICS as metrics

    table = Table(title="Key metrics at the final step (all metrics in comparison.json)",
                  title_justify="left",
                  caption="*: the 95% CI of B - A excludes zero (a clear difference)",
                  caption_justify="left")
    for col in ("metric", "A", "B", "B - A", "95% CI", "*"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for name in KEY_METRICS:
        d = c.metrics[name]
        sig = "*" if d["ci_low"] > 0 or d["ci_high"] < 0 else ""
        table.add_row(f"{metrics[name].label} ({metrics[name].unit})", fmt(d["a"]), fmt(d["b"]),
                      fmt(d["delta"]), f"{fmt(d['ci_low'])} to {fmt(d['ci_high'])}", sig)
    return table


def compare(
    a_file: Annotated[str, typer.Argument(metavar="A", help="Reference scenario (a file, or a "
                                          "library name such as baseline).")],
    b_file: Annotated[str, typer.Argument(metavar="B", help="Scenario compared with A (a file, "
                                          "or a library name).")],
    replications: Annotated[int | None, typer.Option(help="Paired replications (default: the "
                                                     "larger of the two files').")] = None,
    seed: Annotated[int | None, typer.Option(help="Root seed for both (default: A's).")] = None,
    steps: Annotated[int | None, typer.Option(help="Quarters to simulate, both.")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="KEY=VALUE", help="Override a value in both scenarios. Repeatable.")
    ] = None,
    out: Annotated[Path | None, typer.Option(
        help="Output folder (must not exist). Default: results/compare/<A>-vs-<B>/<UTC time>/")
    ] = None,
    workers: WorkersOption = None,
    batch: BatchOption = None,
    no_plots: Annotated[bool, typer.Option("--no-plots", help="Skip the figures.")] = False,
    worlds: Annotated[int | None, typer.Option(
        help="Also compare in N worlds (N >= 2) drawn over the uncertainties and structural "
        "constants: the share of worlds where each group gains, and where it fails "
        "(robustness.json, worlds.csv).")] = None,
    ensemble: Annotated[str | None, typer.Option(
        help="With --worlds: draw the worlds from a calibrated ensemble (Parquet: one column "
        "per parameter, plus weight).")] = None,
    uncertain: Annotated[list[str] | None, typer.Option(
        metavar="NAME[=LOW:HIGH]", help="With --worlds: vary only these uncertainties "
        "(repeatable or comma-separated; =LOW:HIGH narrows the range).")] = None,
    executor: Annotated[str, typer.Option(
        help="With --worlds: process (default), serial or dask.")] = "process",
    scheduler: Annotated[str | None, typer.Option(
        help="With --worlds --executor dask: address of a running scheduler.")] = None,
    scheduler_file: Annotated[str | None, typer.Option(
        help="With --worlds --executor dask: a scheduler file.")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="With --worlds: continue the unfinished comparison in --out.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Paired comparison B - A with common random numbers, and the triple-win verdict (with
    --worlds N: in N plausible worlds as well)."""
    from sim.cli import worlds as cli_worlds
    from sim.experiments import workers as workers_m

    cli_worlds.check_options(worlds, ensemble=ensemble, uncertain=uncertain, executor=executor,
                             scheduler=scheduler, scheduler_file=scheduler_file, resume=resume,
                             out=out)
    if worlds is not None and executor == "dask":
        n_workers = workers or workers_m.available_cpus()  # local dask workers
    else:
        n_workers = workers_m.start(workers)  # the model loads in the workers meanwhile
    from sim.scenario.library import find_scenario
    from sim.scenario.load import ScenarioError, load_scenario

    problems = []
    loaded = []
    sources = (find_scenario(a_file), find_scenario(b_file))
    notes: list[str] = []
    for f in sources:
        try:
            loaded.append(load_scenario(f, set_ or [], seed=seed, steps=steps,
                                        replications=replications, notes=notes))
        except ScenarioError as e:
            problems.extend(e.problems)
    if problems:
        problems_exit(problems)
    sa, sb = loaded
    n_reps = replications or max(sa.run.replications, sb.run.replications)
    if n_reps < 2:
        bad_input(f"a paired comparison needs at least 2 replications, got {n_reps}: with one "
                  "there is no confidence interval, so no verdict (use --replications 2 or more)")
    if sa.run.steps != sb.run.steps:
        bad_input(f"{a_file} runs {sa.run.steps} steps and {b_file} {sb.run.steps}; paired "
                  "comparison needs the same length (use --steps)")
    out = check_out(out) if out is not None else new_results_folder(
        "compare", f"{sa.name}-vs-{sb.name}")
    say_notes(notes)
    if worlds is not None:
        cli_worlds.compare_worlds(sa, sb, a_file, b_file, worlds=worlds,
                                  replications=replications, seed=seed, ensemble=ensemble,
                                  uncertain=uncertain, executor=executor,
                                  workers=n_workers, scheduler=scheduler,
                                  scheduler_file=scheduler_file, resume=resume, out=out,
                                  plots=not no_plots, quiet=quiet, batch=batch)
        return

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from sim.experiments.compare import compare as run_compare
    from sim.results.folders import write_comparison

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("paired runs", total=None)
        c = run_compare(sa, sb, replications=replications or None, seed=seed,
                        progress=lambda d, t: bar.update(task, completed=d, total=t),
                        workers=n_workers, batch=batch)
    final = write_comparison(c, out_dir=out, sources=sources,
                             plots=not no_plots, workers=n_workers)
    con = console()
    con.print(_verdict_table(c))
    v = c.verdict
    if v["triple_win"]:
        con.print(f"[bold green]Triple win:[/] all three groups gain in {sb.name} compared "
                      f"with {sa.name} (each 95% CI above zero).")
    else:
        winners = [g.key for g in GROUPS if v[g.key]]
        con.print(f"[bold]No triple win.[/] Groups that gain with confidence: "
                      f"{', '.join(winners) if winners else 'none'}.")
    con.print(_difference_table(c))
    typer.echo(f"Results: {final}")


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``compare`` to the ``triplewin`` app."""
    app.command("run")(run)
    app.command("compare")(compare)
