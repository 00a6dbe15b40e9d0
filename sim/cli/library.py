"""Scenario-library commands of ``triplewin``: ``list``, ``show`` and ``init``.

``sim.cli`` registers them with :func:`register`. Where the library lives and how a name becomes
a file is :mod:`sim.scenario.library`. Exit status: 0 on success, 2 for bad input (an unknown
scenario, an invalid file, a folder that ``init`` would write over).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli.common import bad_input, console, problems_exit


def _shown(path: Path) -> str:
    """A path as a user reads it: relative to the working folder when it is below it."""
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else str(path)


def _citation_text(citation: str) -> str:
    return citation.removeprefix("China Brief 15(18),").strip()


# --------------------------------------------------------------------------------------------
# list


def list_command(
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Folder of scenario files (default: ./scenarios, else the "
                     "library that comes with triplewin)."),
    ] = None,
) -> None:
    """List the scenarios: each one's name, the question it asks and the article section."""
    from rich.markup import escape
    from rich.table import Table

    from sim.scenario import library
    from sim.scenario.load import ScenarioError, load_scenario

    folder = library.scenarios_dir(directory)
    if folder is None:
        bad_input(f"no scenarios folder at {directory}" if directory else
                  "no scenarios folder found (looked in ./scenarios and in the library; "
                  "reinstall triplewin)")
    files = library.files_in(folder)
    if not files:
        typer.echo(f"no scenario files in {folder}")
        return
    shown = escape(_shown(folder))
    run_as = "NAME" if folder == library.scenarios_dir() else f"{shown}/NAME.yaml"
    table = Table(title=f"Scenarios in {shown}/ (more: triplewin show NAME; run: triplewin run "
                  f"{run_as})", title_justify="left", show_lines=True)
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("the question it asks", ratio=3)
    table.add_column("article: China Brief 15(18)", ratio=1)
    for f in files:
        try:
            s = load_scenario(f)
        except ScenarioError as e:
            n = len(e.problems)
            table.add_row(f"[red]{escape(f.name)}: invalid[/red]",
                          f"[red]{n} problem{'s' if n != 1 else ''}; run: triplewin validate "
                          f"{escape(str(f))}[/red]", "")
            continue
        _, citation = library.split_description(s.description)
        name = s.name if s.name == f.stem else f"{s.name} ({f.name})"
        table.add_row(escape(name), escape(library.question(s.description)),
                      escape(_citation_text(citation)))
    console().print(table)


# --------------------------------------------------------------------------------------------
# show


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted keys of the scenario's values (a schedule is one value)."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and k in ("run", "world", "levers"):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _value(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def differences(scenario: Any, parent: Any) -> list[tuple[str, Any, Any]]:
    """``(dotted key, parent's value, this scenario's value)`` for every resolved value that
    differs (name, description and extends aside), in the schema's order."""
    mine = _flat(scenario.model_dump(mode="json"))
    theirs = _flat(parent.model_dump(mode="json"))
    return [(k, theirs.get(k), v) for k, v in mine.items()
            if k not in ("name", "description", "extends") and theirs.get(k) != v]


def show_command(
    name: Annotated[str, typer.Argument(help="A scenario of the library (e.g. joint-bidding, "
                                        "see triplewin list) or a scenario file.")],
) -> None:
    """A scenario in full: its question, the article section, what it sets against its parent
    (the resolved values that differ) and how to run it."""
    from rich.markup import escape
    from rich.table import Table

    from sim.scenario import library
    from sim.scenario.load import ScenarioError, load_scenario
    from sim.scenario.schema import Scenario

    path = library.find(name, "scenarios")
    if path is None:
        hint = library.suggestion(name)
        bad_input(f"{name}: no such scenario file or library scenario"
                   + (f" ({hint})" if hint else ""))
    try:
        scenario = load_scenario(path)
        parent = load_scenario(scenario.files[1]) if len(scenario.files) > 1 else None
    except ScenarioError as e:
        problems_exit(e.problems)

    body, citation = library.split_description(scenario.description)
    con = console()
    where = "the library" if library.in_library(path) else "your file"
    con.print(f"[bold]{escape(scenario.name)}[/]  ({escape(_shown(path))}, {where})")
    con.print()
    con.print(escape(body or "(no description)"))
    if citation:
        con.print(f"[bold]Article:[/] {escape(citation)}")
    con.print()

    if parent is not None:
        title = (f"What it sets against its parent {parent.name} "
                 f"({escape(_shown(Path(scenario.files[1])))}), resolved values")
        diffs = differences(scenario, parent)
        left = f"in {parent.name}"
    else:
        title = "What it sets against the model's defaults (it extends no file)"
        diffs = differences(scenario, Scenario(name=scenario.name))
        left = "default"
    table = Table()
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column(left, justify="right")
    table.add_column(f"in {scenario.name}", justify="right")
    for key, was, now in diffs:
        table.add_row(key, escape(_value(was)), escape(_value(now)))
    con.print(f"[bold]{title}[/]" + ("" if diffs else ": nothing (the same values)"))
    if diffs:
        con.print(table)
    con.print("Schedules {step: value} hold each value from its step on (step 0 = 2015Q1, "
                  "4 steps a year); before the first listed step the parameter's default applies.",
                  markup=False)
    con.print()

    arg = _as_argument(path)
    con.print("[bold]Run it:[/]")
    con.print(f"  triplewin run {escape(arg)}")
    if parent is not None:
        con.print(f"  triplewin compare {escape(_as_argument(Path(scenario.files[1])))} "
                      f"{escape(arg)}     (what it changes: paired runs, the verdict)")
    reference = library.find("no-cooperation")
    if reference is not None and reference.resolve() != path.resolve():
        con.print(f"  triplewin compare {escape(_as_argument(reference))} {escape(arg)}     "
                      "(against no cooperation)")
    con.print(f"  triplewin app {escape(arg)}     (live, with a slider per lever)")


def _as_argument(path: Path) -> str:
    """How to name a scenario file on the command line: its bare name when that finds this
    very file, else its path."""
    from sim.scenario import library

    found = library.find(path.stem)
    return path.stem if found is not None and found.resolve() == path.resolve() else _shown(path)


# --------------------------------------------------------------------------------------------
# init


def init_command(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Folder to create (must not "
                                              "exist, or be empty).")],
) -> None:
    """Copy the scenario library and the sweep examples into DIR/scenarios and DIR/sweeps, for
    students to edit; inside DIR, list/show/run use the copies."""
    from sim.scenario import library

    try:
        written = library.copy_library(directory)
    except FileExistsError:
        bad_input(f"{directory} exists and is not an empty folder; refusing to write into it "
                  "(choose a new folder)")
    except FileNotFoundError as e:
        bad_input(str(e))
    n_sc = sum(1 for f in written if f.parent.name == "scenarios")
    typer.echo(f"Copied {n_sc} scenarios to {directory / 'scenarios'} and "
               f"{len(written) - n_sc} sweep examples to {directory / 'sweeps'}.")
    typer.echo(f"Next: cd {directory} && triplewin list   (edit a file, then: triplewin run "
               "scenarios/NAME.yaml)")


def register(app: typer.Typer) -> None:
    """Add ``list``, ``show`` and ``init`` to the ``triplewin`` app."""
    app.command("list")(list_command)
    app.command("show")(show_command)
    app.command("init")(init_command)
