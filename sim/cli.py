"""The ``triplewin`` command line (``python -m sim`` does the same).

Commands: ``run``, ``compare``, ``validate``, ``explain`` here; ``list``, ``show``, ``init`` in
:mod:`sim.cli_library`; ``calibrate`` and ``validate-history`` in :mod:`sim.cli_calibrate`; sweeps
in :mod:`sim.cli_sweep`; the classroom in :mod:`sim.cli_classroom`; ``--version``. Exit status: 0
on success, 2 for bad input
(one ``FILE:LINE: dotted.key: what is wrong (what is allowed)`` line per problem on stderr, and
nothing written), 1 for an unexpected failure (one line on stderr; set ``TRIPLEWIN_DEBUG=1`` for the
traceback).

Start-up is kept fast: the model, numpy-heavy modules, pandas and matplotlib are imported only
inside the ``run`` command.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.table import Table

    from sim.scenario.load import Problem

app = typer.Typer(
    name="triplewin",
    help="Agent-based model of China's 'triple win' international industrial capacity "
    "cooperation (China Brief 15(18)).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

from sim.cli_common import EXIT_BAD_INPUT, EXIT_FAILURE, check_out, new_results_folder
from sim.cli_common import bad_input as _bad_input
from sim.cli_common import console as _console
from sim.cli_common import refuse_overwrite as _refuse_overwrite


def _print_version(value: bool) -> None:
    if value:
        from sim import __version__

        typer.echo(f"triplewin {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Agent-based model of China's 'triple win' international industrial capacity cooperation
    (China Brief 15(18))."""

#: Display order and titles of metric groups (``sim.metrics.Metric.group``).
GROUP_TITLES = {"china": "China", "developed": "Developed", "developing": "Developing",
                "gain": "Welfare", "mechanism": "Mechanism"}


# --------------------------------------------------------------------------------------------
# helpers


def _say_problems(problems: Iterable[Problem]) -> None:
    for p in problems:
        typer.echo(str(p), err=True)


def _say_notes(notes: Iterable[str]) -> None:
    for note in dict.fromkeys(notes):  # once each, in order
        typer.echo(f"note: {note}", err=True)


def _first_sentence(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    m = re.search(r"(?<=[.!?])\s", text)
    first = text[: m.start()] if m else text
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def _fmt(x: Any) -> str:
    """A number, readable in a table."""
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return str(x)
    if x != x:  # NaN
        return "nan"
    a = abs(x)
    if a >= 1e6:
        return f"{x:.3g}"
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1 or a == 0:
        return f"{x:.2f}"
    return f"{x:.3f}"


def _metrics() -> dict[str, Any]:
    from sim.metrics import METRICS

    return METRICS


def _group_key(group: str) -> tuple[int, str]:
    order = list(GROUP_TITLES)
    return (order.index(group) if group in order else len(order), group)


def _group_title(group: str) -> str:
    return GROUP_TITLES.get(group, group.capitalize())


# --------------------------------------------------------------------------------------------
# validate


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario YAML files (or library names) "
                                               "to check.")],
) -> None:
    """Check scenario files; print one line per problem (exit 2) or 'ok FILE (name)'."""
    from sim.scenario.library import find_scenario
    from sim.scenario.load import ScenarioError, load_scenario

    failed = False
    for f in files:
        try:
            scenario = load_scenario(find_scenario(f))
        except ScenarioError as e:
            failed = True
            _say_problems(e.problems)
        else:
            typer.echo(f"ok {f} ({scenario.name})")
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


# --------------------------------------------------------------------------------------------
# explain


def _param_row(p: Any) -> list[str]:
    from rich.markup import escape

    high = "inf" if p.high is None else _bound(p.high)
    return [p.name + ("*" if p.schedulable else ""), _bound(p.default),
            escape(f"[{_bound(p.low)}, {high}]"), escape(p.unit), escape(_first_sentence(p.meaning))]


def _bound(x: float | int) -> str:
    return f"{x:,}" if isinstance(x, int) and abs(x) < 10**7 else f"{x:.3g}"


def _label_index(params: dict[str, Any], metrics: dict[str, Any]) -> dict[str, str]:
    """Lower-case labels (as summaries, tables and the page show them) -> names."""
    out: dict[str, str] = {}
    for n in params:
        out[n.replace("_", " ").lower()] = n
    for m in metrics.values():
        label = m.label.lower()
        out[label] = m.name
        out.setdefault(label.split(" (")[0], m.name)
    return out


@app.command()
def explain(
    name: Annotated[str | None, typer.Argument(help="A lever, uncertainty, population or run "
                                               "parameter, or a metric: its name or the label "
                                               "a summary shows (e.g. 'Chinese technology').")
                    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every name with its unit, range and "
                                       "meaning (long).")] = False,
) -> None:
    """What a lever, uncertainty or metric means: unit, range, default and source. Without a
    name: a short index of the names, by kind."""
    import difflib

    from rich.markup import escape
    from rich.table import Table

    from sim.scenario.params import ALL, CONSTANTS, LEVERS, POPULATION, RUN, UNCERTAINTIES

    metrics = _metrics()
    console = _console()
    if name is None and not all_:
        import textwrap

        width = max(60, min(console.width, 100))
        index = [("Levers (levers:)", [p.name + ("*" if p.schedulable else "")
                                       for p in LEVERS.values()]),
                 ("Uncertainties (world:)", [p.name + ("*" if p.schedulable else "")
                                             for p in UNCERTAINTIES.values()]),
                 ("Structural constants (world:)", list(CONSTANTS)),
                 ("Population (world:)", list(POPULATION)),
                 ("Run settings (run:)", list(RUN))]
        groups: dict[str, list[str]] = {}
        for m in sorted(metrics.values(), key=lambda m: _group_key(m.group)):
            groups.setdefault(_group_title(m.group), []).append(m.name)
        index += [(f"Metrics: {g}", names) for g, names in groups.items()]
        for title, names in index:
            console.print(f"[bold]{escape(title)}[/] ({len(names)})")
            console.print(textwrap.fill(", ".join(names), width, initial_indent="  ",
                                        subsequent_indent="  "), markup=False, highlight=False)
        console.print("* also takes a schedule {step: value}, e.g. {0: 0.2, 12: 0.8}",
                      markup=False)
        console.print("More on one: triplewin explain NAME (or a label as a summary shows it); "
                      "every name with its meaning: triplewin explain --all", markup=False)
        return
    if name is None:
        for title, params in (("Levers (levers:)", LEVERS),
                              ("Uncertainties (world:)", UNCERTAINTIES),
                              ("Structural constants (world:)", CONSTANTS),
                              ("Population (world:)", POPULATION),
                              ("Run settings (run:)", RUN)):
            table = Table(title=title, title_justify="left")
            table.add_column("name", no_wrap=True, style="bold")
            table.add_column("default", justify="right", no_wrap=True)
            table.add_column("range", no_wrap=True)
            table.add_column("unit")
            table.add_column("meaning", ratio=1)
            for p in params.values():
                table.add_row(*_param_row(p))
            console.print(table)
        table = Table(title="Metrics (outputs)", title_justify="left")
        table.add_column("name", no_wrap=True, style="bold")
        table.add_column("group", no_wrap=True)
        table.add_column("unit")
        table.add_column("meaning", ratio=1)
        for m in sorted(metrics.values(), key=lambda m: _group_key(m.group)):
            table.add_row(m.name, escape(_group_title(m.group)), escape(m.unit),
                          escape(_first_sentence(m.meaning)))
        console.print(table)
        console.print("* also takes a schedule {step: value}, e.g. {0: 0.2, 2018Q1: 0.8}: a step "
                      "function from step 0 (2015Q1), each value held until the next step",
                      markup=False)
        console.print("More on one: triplewin explain NAME")
        return

    key = name.split(".")[-1]  # accept levers.joint_bidding as well
    key = _label_index(ALL, metrics).get(" ".join(name.lower().split()), key)
    if key in ALL:
        p = ALL[key]
        section = {"lever": "levers", "uncertainty": "world", "constant": "world",
                   "population": "world", "run": "run"}[p.kind]
        rows = [("name", f"{section}.{p.name}"), ("kind", p.kind), ("meaning", p.meaning),
                ("unit", p.unit), ("allowed", p.range_text), ("default", f"{p.default:g}"),
                ("source", p.source)]
        if p.kind not in ("lever", "population", "run") and p.high is not None:
            lo, hi = p.world_range
            rows.insert(5, ("worlds", f"[{lo:g}, {hi:g}]: the range compare --worlds draws "
                                      "from"))
        if p.schedulable:
            from sim.scenario.schema import SCHEDULE_RULE

            rows.append(("schedule", SCHEDULE_RULE[0].upper() + SCHEDULE_RULE[1:] + "."))
    elif key in metrics:
        m = metrics[key]
        rows = [("name", m.name), ("kind", "metric"), ("label", m.label),
                ("group", _group_title(m.group)),
                ("meaning", m.meaning), ("unit", m.unit)]
    else:
        close = difflib.get_close_matches(key, [*ALL, *metrics], n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        _bad_input(f"unknown name {name!r}{hint} (run 'triplewin explain' for the full list)")
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for k, v in rows:
        table.add_row(k, escape(str(v)))
    console.print(table)


# --------------------------------------------------------------------------------------------
# run


def _default_out(name: str, sha: str) -> Path:
    return new_results_folder(name, suffix=f"-{sha[:6]}")


def _summary_table(summary: dict[str, Any], scenario_name: str) -> Table:
    """Final-step metrics grouped China / Developed / Developing / Gains, mean and 95% CI."""
    from rich.markup import escape
    from rich.table import Table

    metrics = _metrics()
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

    rows = sorted(summary.items(), key=lambda kv: _group_key(info(kv[0])[0]))
    last_group = None
    for name, s in rows:
        group, label, unit = info(name)
        if group != last_group and last_group is not None:
            table.add_section()
        shown_group = _group_title(group) if group != last_group else ""
        last_group = group
        ci = (f"{_fmt(s.get('ci_low'))} to {_fmt(s.get('ci_high'))}" if (s.get("n") or 0) >= 2
              else "undefined (n=1)")
        table.add_row(escape(shown_group), escape(label), escape(unit), _fmt(s.get("mean")), ci)
    return table


#: ``--workers`` of the commands that run replications.
WorkersOption = Annotated[int | None, typer.Option(
    min=1, help="Worker processes for the replications and figures (default: one per CPU; 1 "
    "runs everything in this process). Results do not depend on it.")]


@app.command()
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
    no_plots: Annotated[bool, typer.Option("--no-plots", help="Skip the figures.")] = False,
) -> None:
    """Run a scenario's replications and write manifest, time series, summary and figures."""
    from sim.experiments import workers as workers_m

    n_workers = workers_m.start(workers)  # the model loads in the workers while files are read
    from sim.scenario.library import find_scenario
    from sim.scenario.load import ScenarioError, load_scenario, scenario_sha256

    source = find_scenario(scenario_file)
    try:
        notes: list[str] = []
        scenario = load_scenario(source, set_ or [], seed=seed, steps=steps,
                                 replications=replications, notes=notes)
    except ScenarioError as e:
        _say_problems(e.problems)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if out is not None:
        check_out(out)  # before any work: an unusable --out fails at once
    _say_notes(notes)
    sha = scenario_sha256(scenario)
    target = out if out is not None else _default_out(scenario.name, sha)

    # heavy imports only here
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from sim.experiments.runner import run_replications, write_run

    err_console = _console(stderr=True)
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
                  transient=True) as bar:
        task = bar.add_task(f"{scenario.name}: replications", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        results = run_replications(scenario, progress=progress, workers=n_workers)
    for attempt in range(5):
        try:
            final = write_run(results, scenario, source=source, out_dir=target,
                              plots=not no_plots, workers=n_workers)
            break
        except FileExistsError:
            if not target.exists() or attempt == 4:
                raise  # not a name clash: report it
            if out is not None:  # the folder appeared while we ran
                _refuse_overwrite(out)
            target = _default_out(scenario.name, sha)  # a concurrent run took the name
    console = _console()
    from sim.metrics import HEADLINE

    headline = {k: results.summary["metrics"][k] for k in HEADLINE}
    console.print(_summary_table(headline, scenario.name))
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
    for group, title in (("developed", "Developed"), ("developing", "Developing"),
                         ("china", "China")):
        d = c.metrics[f"gain_{group}"]
        win = c.verdict[group]
        sure = ("yes" if win else
                "no: loses" if d["ci_high"] < 0 else "not sure")
        table.add_row(title, _fmt(d["a"]), _fmt(d["b"]), _fmt(d["delta"]),
                      f"{_fmt(d['ci_low'])} to {_fmt(d['ci_high'])}",
                      f"[green]{sure}[/]" if win else f"[red]{sure}[/]" if d["ci_high"] < 0
                      else sure)
    return table


#: Metrics shown beside the verdict (all are in comparison.json).
KEY_COMPARE = ("cn_tech_level", "cn_contract_share", "cn_markup", "cn_overseas_profit",
               "cn_developed_share", "dv_profit", "dv_licensing", "dv_barrier",
               "dg_infrastructure", "dg_price_per_quality", "dg_default_rate")


def _difference_table(c: Any) -> Table:
    from rich.table import Table

    metrics = _metrics()
    table = Table(title="Key metrics at the final step (all metrics in comparison.json)",
                  title_justify="left",
                  caption="*: the 95% CI of B - A excludes zero (a clear difference)",
                  caption_justify="left")
    for col in ("metric", "A", "B", "B - A", "95% CI", "*"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for name in KEY_COMPARE:
        d = c.metrics[name]
        sig = "*" if d["ci_low"] > 0 or d["ci_high"] < 0 else ""
        table.add_row(f"{metrics[name].label} ({metrics[name].unit})", _fmt(d["a"]), _fmt(d["b"]),
                      _fmt(d["delta"]), f"{_fmt(d['ci_low'])} to {_fmt(d['ci_high'])}", sig)
    return table


@app.command()
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
    from sim import cli_worlds
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
        _say_problems(problems)
        raise typer.Exit(EXIT_BAD_INPUT)
    sa, sb = loaded
    n_reps = replications or max(sa.run.replications, sb.run.replications)
    if n_reps < 2:
        _bad_input(f"a paired comparison needs at least 2 replications, got {n_reps}: with one "
                   "there is no confidence interval, so no verdict (use --replications 2 or more)")
    if sa.run.steps != sb.run.steps:
        _bad_input(f"{a_file} runs {sa.run.steps} steps and {b_file} {sb.run.steps}; paired "
                   "comparison needs the same length (use --steps)")
    out = check_out(out) if out is not None else new_results_folder(
        "compare", f"{sa.name}-vs-{sb.name}")
    _say_notes(notes)
    if worlds is not None:
        cli_worlds.compare_worlds(sa, sb, a_file, b_file, worlds=worlds,
                                  replications=replications, seed=seed, ensemble=ensemble,
                                  uncertain=uncertain, executor=executor,
                                  workers=n_workers, scheduler=scheduler,
                                  scheduler_file=scheduler_file, resume=resume, out=out,
                                  plots=not no_plots, quiet=quiet)
        return

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from sim.experiments.compare import compare as run_compare
    from sim.experiments.compare import write_comparison

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=_console(stderr=True), transient=True) as bar:
        task = bar.add_task("paired runs", total=None)
        c = run_compare(sa, sb, replications=replications or None, seed=seed,
                        progress=lambda d, t: bar.update(task, completed=d, total=t),
                        workers=n_workers)
    final = write_comparison(c, out_dir=out, sources=sources,
                             plots=not no_plots, workers=n_workers)
    console = _console()
    console.print(_verdict_table(c))
    v = c.verdict
    if v["triple_win"]:
        console.print(f"[bold green]Triple win:[/] all three groups gain in {sb.name} compared "
                      f"with {sa.name} (each 95% CI above zero).")
    else:
        winners = [g for g in ("developed", "developing", "china") if v[g]]
        console.print(f"[bold]No triple win.[/] Groups that gain with confidence: "
                      f"{', '.join(winners) if winners else 'none'}.")
    console.print(_difference_table(c))
    typer.echo(f"Results: {final}")


from sim import cli_library  # noqa: E402  (list, show, init)

cli_library.register(app)


from sim import cli_sweep  # noqa: E402  (sweep, analyze, export)

cli_sweep.register(app)


from sim import cli_classroom  # noqa: E402  (app, plot, report)

cli_classroom.register(app)


from sim import cli_calibrate  # noqa: E402  (calibrate, validate-history)

cli_calibrate.register(app)


# --------------------------------------------------------------------------------------------
# entry point


#: Exit status of the finished command, for :func:`_fast_exit` (None while it runs).
_exit_status: int | None = None
#: Whether SIGTERM stopped the command (:func:`_on_sigterm`).
_terminated = False
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process ended by it


def _on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM stops a command as Ctrl-C does: the exception unwinds through every cleanup
    (worker processes terminated, temporary files removed, a sweep session recorded as
    ``interrupted``), and the command exits with status 143."""
    global _terminated
    _terminated = True
    raise KeyboardInterrupt


def _fast_exit() -> None:
    """The last exit handler: leave by ``os._exit`` once everything else has run.

    Mesa imports pandas and scipy, and tearing those modules down again costs the interpreter
    about 0.4 s after the command has finished and closed its files. Registered first, this
    handler runs after every other exit handler (they run last-in, first-out); it flushes
    standard output, error and logging and ends the process with the command's status. It steps
    aside (normal shutdown) while the command has not finished, while a child process still
    runs, when coverage is measuring, or when ``TRIPLEWIN_SLOW_EXIT`` is set.
    """
    status = _exit_status
    if status is None or os.environ.get("TRIPLEWIN_SLOW_EXIT") or "coverage" in sys.modules:
        return
    mp = sys.modules.get("multiprocessing")
    if mp is not None and mp.active_children():
        return
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            return  # a closed or broken stream: let the interpreter report it as usual
    os._exit(status)


def _status(code: Any) -> int:
    """The process exit status ``sys.exit(code)`` gives."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def main() -> None:
    """Run the app; bad input exits 2, anything else 1, no traceback (unless
    ``TRIPLEWIN_DEBUG`` is set)."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - the one place that turns crashes into one line
        if os.environ.get("TRIPLEWIN_DEBUG"):
            raise
        from sim.scenario.load import ScenarioError

        if isinstance(e, ScenarioError):
            _say_problems(e.problems)
            sys.exit(EXIT_BAD_INPUT)
        text = " ".join(str(e).split()) or "no details"
        typer.echo(f"error: {type(e).__name__}: {text}", err=True)
        sys.exit(EXIT_FAILURE)


def entry() -> None:
    """The ``triplewin`` program (console script and ``python -m sim``): :func:`main`, then
    :func:`_fast_exit` as the process ends."""
    global _exit_status
    import atexit
    import signal

    atexit.register(_fast_exit)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        main()
    except SystemExit as e:
        _exit_status = _status(e.code)
        if _terminated:
            _exit_status = EXIT_TERMINATED
            raise SystemExit(EXIT_TERMINATED) from None
        raise
