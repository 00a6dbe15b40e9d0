"""Classroom commands of ``triplewin``: ``app``, ``plot`` and ``report``.

``sim.cli`` registers them with :func:`register`. Heavy imports (the model, matplotlib,
Starlette, uvicorn) happen inside the commands, so ``triplewin --help`` stays fast.
Exit status: 0 on success, 2 for bad input (a missing or unreadable results folder, a bad
scenario file, a port in use), 1 for anything unexpected (:func:`sim.cli.main` turns it into one
line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import bad_input, check_out, free_name, problems_exit


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
    host: Annotated[str | None, typer.Option(help="Address to serve on: loopback by default "
                                             "(only this computer can open the page); with "
                                             "--class, 0.0.0.0 (the local network).")] = None,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8765,
    allow_host: Annotated[list[str] | None, typer.Option(
        "--allow-host", help="Another name the page may be opened by (e.g. a DNS name of this "
        "computer); repeat for several. Requests naming any other host are refused.")] = None,
    class_: Annotated[bool, typer.Option(
        "--class", help="Start a class game: students join at /join with the printed code and "
        "play China, developed or developing countries; you run it at the printed /class "
        "address.")] = False,
    rounds: Annotated[int, typer.Option(help="Rounds of the class game.")] = 5,
    round_years: Annotated[int, typer.Option(help="Simulated years per round.")] = 2,
    reference: Annotated[str, typer.Option(
        help="The class game's reference scenario (by name, from the library).")
    ] = "no-cooperation",
) -> None:
    """Serve the classroom page: run a scenario live with a slider per lever, beside a reference
    of your choice (same seed). Works with no network; open the printed address. With --class,
    a game for the whole class on the local network."""
    import socket

    from sim.app.live import LiveError
    from sim.scenario.library import find_scenario
    from sim.scenario.load import ScenarioError, load_scenario

    host = host if host is not None else "0.0.0.0" if class_ else "127.0.0.1"
    if scenario is not None:
        scenario = find_scenario(scenario)  # a file, or a library name
        try:
            load_scenario(scenario)
        except ScenarioError as e:
            problems_exit(e.problems)
    if not 0 < port < 65536:
        bad_input(f"port {port} is out of range (1 to 65535)")
    if class_ and not (1 <= rounds <= 50 and 1 <= round_years <= 10
                       and rounds * round_years * 4 <= 400):
        bad_input(f"--rounds {rounds} x --round-years {round_years} is out of range (1 to 50 "
                  "rounds of 1 to 10 years, at most 100 years in all)")
    try:  # a clear message rather than uvicorn's when the port is taken
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as e:
        bad_input(f"cannot serve on {host}:{port} ({e.strerror or e}); try --port")

    try:
        import uvicorn

        from sim.app.server import Classroom, create_app
    except ImportError as e:
        bad_input(f"the classroom page needs the 'app' extra ({e.name} is missing): "
                  "pip install -e '.[app]'")
    folder = _scenarios_dir(scenario)
    game = None
    try:
        if class_:
            game = _class_game(Classroom(folder, scenario), reference, rounds, round_years)
        application = create_app(folder, scenario, host=host,
                                 allow_hosts=tuple(allow_host or ()), game=game)
    except LiveError as e:
        bad_input(str(e))

    shown = f"[{host}]" if ":" in host else host
    if game is not None:
        here = _network_address(host)
        game.join_address = f"http://{here}:{port}/join"
        typer.echo(f"triplewin class game: {game.rounds} rounds of {game.round_quarters // 4} "
                   f"years from {game.scenario.name}, against {game.reference.describe()}")
        typer.echo(f"  students open   http://{here}:{port}/join   and type the code  "
                   f"{game.code}")
        typer.echo(f"  your screen     http://127.0.0.1:{port}/class#key={game.key}  "
                   "(keep this address to yourself)")
        if host in ("127.0.0.1", "localhost", "::1"):
            typer.echo("  note: served on this computer only; students need --host 0.0.0.0",
                       err=True)
    typer.echo(f"triplewin classroom page: http://{shown}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(application, host=host, port=port, log_level="warning")


def _class_game(room, reference: str, rounds: int, round_years: int):
    """The class game of ``triplewin app --class``: the room's first scenario, its seed."""
    from sim.app.game import GameSession

    ref_entry = next((e for e in room.library if e.name == reference and e.error is None), None)
    if ref_entry is None:
        bad_input(f"no valid scenario named {reference!r} for the class game's reference "
                  f"(scenarios: {', '.join(e.name for e in room.library if not e.error)})")
    start = room.entry(room.default_key)
    return GameSession(room.scenario(start.key), room.reference({"scenario": ref_entry.key}),
                       seed=start.seed, rounds=rounds, round_quarters=4 * round_years)


def _network_address(host: str) -> str:
    """The address students type: the host served on, or this machine's network address."""
    from sim.app.guard import WILDCARD, machine_names

    if host.strip("[]") not in WILDCARD:
        return f"[{host}]" if ":" in host else host
    ipv4 = sorted(n for n in machine_names() if n.count(".") == 3 and n.replace(".", "").isdigit()
                  and not n.startswith("127."))
    return ipv4[0] if ipv4 else "THIS-COMPUTER"


def _new_output(results_dir: Path, out: Path | None, default: str) -> Path:
    """Where ``plot`` or ``report`` writes: ``out``, else a free ``RESULTS_DIR/DEFAULT``
    (``-2``, ``-3``... when taken); exit 2 when ``out`` cannot be created or ``results_dir`` is
    not a results folder, before any work."""
    from sim.plotting.data import ResultsError, kind

    if out is not None:
        check_out(out)
    try:
        kind(results_dir)
    except ResultsError as e:
        bad_input(str(e))
    return check_out(out if out is not None else free_name(results_dir / default))


#: The ``RESULTS_DIR`` argument of ``plot`` and ``report``.
ResultsDir = Annotated[Path, typer.Argument(metavar="RESULTS_DIR", help="A folder written by "
                                            "'triplewin run' or 'triplewin compare'.")]


def plot(
    results_dir: ResultsDir,
    out: Annotated[Path | None, typer.Option(help="New folder for the figures (must not exist; "
                                             "default: RESULTS_DIR/figures, or figures-2, "
                                             "figures-3... when taken).")] = None,
) -> None:
    """Draw slide-ready figures (PNG at 200 dpi and SVG) from a results folder's files."""
    import shutil

    from sim.plotting.data import ResultsError
    from sim.plotting.figures import plot_folder
    from sim.safeio import atomic_dir, commit_dir

    out = _new_output(results_dir, out, "figures")
    tmp = atomic_dir(out)  # drawn beside, renamed into place: complete or absent
    try:
        paths = plot_folder(results_dir, tmp)
    except ResultsError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        bad_input(str(e))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    commit_dir(tmp, out)
    paths = [out / p.name for p in paths]
    pngs = [p for p in paths if p.suffix == ".png"]
    typer.echo(f"{len(pngs)} figures (PNG and SVG) in {pngs[0].parent if pngs else out}:")
    for p in pngs:
        typer.echo(f"  {p.stem}")


def report(
    results_dir: ResultsDir,
    out: Annotated[Path | None, typer.Option(help="New HTML file to write (must not exist; "
                                             "default: RESULTS_DIR/report.html, or report-2.html, "
                                             "report-3.html... when taken).")] = None,
) -> None:
    """Write one self-contained, printable HTML report: description, verdict, tables, figures."""
    from sim.plotting.data import ResultsError
    from sim.report import write_report

    out = _new_output(results_dir, out, "report.html")
    try:
        path = write_report(results_dir, out)
    except ResultsError as e:
        bad_input(str(e))
    typer.echo(f"Report: {path}")


def register(app: typer.Typer) -> None:
    """Add ``app``, ``plot`` and ``report`` to the ``triplewin`` command."""
    app.command("app")(app_command)
    app.command("plot")(plot)
    app.command("report")(report)
