"""``validate`` and ``explain``: check scenario files, and say what a lever, uncertainty or metric
means (added to the main app by :func:`register`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from sim.cli.common import EXIT_BAD_INPUT, bad_input, console, first_sentence, say_problems
from sim.groups import group_order, short_title


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
            say_problems(e.problems)
        else:
            typer.echo(f"ok {f} ({scenario.name})")
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


def _param_row(p: Any) -> list[str]:
    from rich.markup import escape

    high = "inf" if p.high is None else _bound(p.high)
    return [p.name + ("*" if p.schedulable else ""), _bound(p.default),
            escape(f"[{_bound(p.low)}, {high}]"), escape(p.unit), escape(first_sentence(p.meaning))]


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

    from sim.metrics import METRICS as metrics
    from sim.scenario.constants import CONSTANTS
    from sim.scenario.params import ALL, LEVERS, POPULATION, RUN, UNCERTAINTIES

    con = console()
    if name is None and not all_:
        import textwrap

        width = max(60, min(con.width, 100))
        index = [("Levers (levers:)", [p.name + ("*" if p.schedulable else "")
                                       for p in LEVERS.values()]),
                 ("Uncertainties (world:)", [p.name + ("*" if p.schedulable else "")
                                             for p in UNCERTAINTIES.values()]),
                 ("Structural constants (world:)", list(CONSTANTS)),
                 ("Population (world:)", list(POPULATION)),
                 ("Run settings (run:)", list(RUN))]
        groups: dict[str, list[str]] = {}
        for m in sorted(metrics.values(), key=lambda m: group_order(m.group)):
            groups.setdefault(short_title(m.group), []).append(m.name)
        index += [(f"Metrics: {g}", names) for g, names in groups.items()]
        for title, names in index:
            con.print(f"[bold]{escape(title)}[/] ({len(names)})")
            con.print(textwrap.fill(", ".join(names), width, initial_indent="  ",
                                        subsequent_indent="  "), markup=False, highlight=False)
        con.print("* also takes a schedule {step: value}, e.g. {0: 0.2, 12: 0.8}",
                      markup=False)
        con.print("More on one: triplewin explain NAME (or a label as a summary shows it); "
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
            con.print(table)
        table = Table(title="Metrics (outputs)", title_justify="left")
        table.add_column("name", no_wrap=True, style="bold")
        table.add_column("group", no_wrap=True)
        table.add_column("unit")
        table.add_column("meaning", ratio=1)
        for m in sorted(metrics.values(), key=lambda m: group_order(m.group)):
            table.add_row(m.name, escape(short_title(m.group)), escape(m.unit),
                          escape(first_sentence(m.meaning)))
        con.print(table)
        con.print("* also takes a schedule {step: value}, e.g. {0: 0.2, 2018Q1: 0.8}: a step "
                      "function from step 0 (2015Q1), each value held until the next step",
                      markup=False)
        con.print("More on one: triplewin explain NAME")
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
                ("group", short_title(m.group)),
                ("meaning", m.meaning), ("unit", m.unit)]
    else:
        close = difflib.get_close_matches(key, [*ALL, *metrics], n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        bad_input(f"unknown name {name!r}{hint} (run 'triplewin explain' for the full list)")
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for k, v in rows:
        table.add_row(k, escape(str(v)))
    con.print(table)


def register(app: typer.Typer) -> None:
    """Add ``validate`` and ``explain`` to the ``triplewin`` app."""
    app.command("validate")(validate)
    app.command("explain")(explain)
