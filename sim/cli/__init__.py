"""The ``triplewin`` command line (``python -m sim`` does the same): the app, its entry point and
exit handling. One module per command group:

- :mod:`sim.cli.explain`: ``validate``, ``explain``
- :mod:`sim.cli.run`: ``run``, ``compare`` (``compare --worlds``: :mod:`sim.cli.worlds`)
- :mod:`sim.cli.library`: ``list``, ``show``, ``init``
- :mod:`sim.cli.sweep`: ``sweep``, ``analyze``, ``export``
- :mod:`sim.cli.classroom`: ``app``, ``plot``, ``report``
- :mod:`sim.cli.calibrate`: ``calibrate``, ``validate-history``

and what they share (exit codes, bad input, the console, output folders) in
:mod:`sim.cli.common`; ``--version`` here. Exit status: 0 on success, 2 for bad input (one
``FILE:LINE: dotted.key: what is wrong (what is allowed)`` line per problem on stderr, and
nothing written), 1 for an unexpected failure (one line on stderr; set ``TRIPLEWIN_DEBUG=1`` for the
traceback).

Start-up is kept fast: the model, numpy-heavy modules, pandas and matplotlib are imported only
inside the commands.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

from sim.cli import calibrate, classroom, explain, library, run, sweep
from sim.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, say_problems

app = typer.Typer(
    name="triplewin",
    help="Agent-based model of China's 'triple win' international industrial capacity "
    "cooperation (China Brief 15(18)).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


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


explain.register(app)    # validate, explain
run.register(app)        # run, compare (compare --worlds: sim.cli.worlds)
library.register(app)    # list, show, init
sweep.register(app)      # sweep, analyze, export
classroom.register(app)  # app, plot, report
calibrate.register(app)  # calibrate, validate-history


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
            say_problems(e.problems)
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
