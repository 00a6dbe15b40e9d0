"""Classroom commands of ``triplewin``: ``app``, ``plot`` and ``report``.

``sim.cli`` registers them with :func:`register`. Heavy imports (the model, matplotlib,
Starlette, uvicorn) happen inside the commands, so ``triplewin --help`` stays fast.
Exit status: 0 on success, 2 for bad input (a missing or unreadable results folder, a bad
scenario file, a port in use), 1 for anything unexpected (``sim.cli.main`` turns it into one line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

EXIT_BAD_INPUT = 2


def _bad_input(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _scenarios_dir(scenario: Path | None) -> Path | None:
    """The folder whose scenarios the page lists: the given file's folder, else the one a user
    means (:func:`sim.scenario.library.scenarios_dir`: ./scenarios, else the library)."""
    from sim.scenario.library import scenarios_dir

    return scenario.resolve().parent if scenario is not None else scenarios_dir()


def app_command(
    scenario: Annotated[Path | None, typer.Argument(
        metavar="[SCENARIO]",
        help="Scenario to open first (a file or a library name); the picker lists the other "
        "files of its folder "
        "(default: ./scenarios, baseline first).")] = None,
    host: Annotated[str, typer.Option(help="Address to serve on (loopback by default: only "
                                      "this computer can open the page).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8765,
    allow_host: Annotated[list[str] | None, typer.Option(
        "--allow-host", help="Another name the page may be opened by (e.g. a DNS name of this "
        "computer); repeat for several. Requests naming any other host are refused.")] = None,
) -> None:
    """Serve the classroom page: run a scenario live with a slider per lever, beside the
    no-cooperation reference. Works with no network; open the printed address."""
    import socket

    from sim.app.live import LiveError
    from sim.scenario.library import find_scenario
    from sim.scenario.load import ScenarioError, load_scenario

    if scenario is not None:
        scenario = find_scenario(scenario)  # a file, or a library name
        try:
            load_scenario(scenario)
        except ScenarioError as e:
            for p in e.problems:
                typer.echo(str(p), err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
    if not 0 < port < 65536:
        _bad_input(f"port {port} is out of range (1 to 65535)")
    try:  # a clear message rather than uvicorn's when the port is taken
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as e:
        _bad_input(f"cannot serve on {host}:{port} ({e.strerror or e}); try --port")

    try:
        import uvicorn

        from sim.app.server import create_app
    except ImportError as e:
        _bad_input(f"the classroom page needs the 'app' extra ({e.name} is missing): "
                   "pip install -e '.[app]'")
    try:
        application = create_app(_scenarios_dir(scenario), scenario, host=host,
                                 allow_hosts=tuple(allow_host or ()))
    except LiveError as e:
        _bad_input(str(e))

    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"triplewin classroom page: http://{shown}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(application, host=host, port=port, log_level="warning")


def plot(
    results_dir: Annotated[Path, typer.Argument(metavar="RESULTS_DIR",
                                                help="A folder written by 'triplewin run' or "
                                                "'triplewin compare'.")],
    out: Annotated[Path | None, typer.Option(help="Folder for the figures (default: "
                                             "RESULTS_DIR/figures; files there are "
                                             "redrawn).")] = None,
) -> None:
    """Draw slide-ready figures (PNG at 200 dpi and SVG) from a results folder's files."""
    from sim.plotting.data import ResultsError
    from sim.plotting.figures import plot_folder

    try:
        paths = plot_folder(results_dir, out)
    except ResultsError as e:
        _bad_input(str(e))
    pngs = [p for p in paths if p.suffix == ".png"]
    typer.echo(f"{len(pngs)} figures (PNG and SVG) in {pngs[0].parent if pngs else out}:")
    for p in pngs:
        typer.echo(f"  {p.stem}")


def report(
    results_dir: Annotated[Path, typer.Argument(metavar="RESULTS_DIR",
                                                help="A folder written by 'triplewin run' or "
                                                "'triplewin compare'.")],
    out: Annotated[Path | None, typer.Option(help="HTML file to write (default: "
                                             "RESULTS_DIR/report.html).")] = None,
) -> None:
    """Write one self-contained, printable HTML report: description, verdict, tables, figures."""
    from sim.plotting.data import ResultsError
    from sim.report import write_report

    try:
        path = write_report(results_dir, out)
    except ResultsError as e:
        _bad_input(str(e))
    typer.echo(f"Report: {path}")


def register(app: typer.Typer) -> None:
    """Add ``app``, ``plot`` and ``report`` to the ``triplewin`` command."""
    app.command("app")(app_command)
    app.command("plot")(plot)
    app.command("report")(report)
