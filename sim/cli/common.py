"""What every ``triplewin`` command shares: exit codes, the bad-input exit, consoles, problem
and note lines, scenario loading, the executor options and ``--batch``, the progress bar of long
runs, and the rules for output paths (checked before any work is done, never overwriting
anything).

Standard library and typer only at import, so that importing it costs nothing at start-up.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from sim.yamlsafe import Problem

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130

#: Longest value quoted in a message; longer ones are cut with an ellipsis.
MAX_QUOTED = 120


def bad_input(message: str) -> NoReturn:
    """Print ``error: MESSAGE`` on stderr and exit with status 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def say_problems(problems: Iterable[Problem]) -> None:
    """One ``FILE:LINE: dotted.key: what is wrong (what is allowed)`` line per problem, on
    stderr."""
    for p in problems:
        typer.echo(str(p), err=True)


def problems_exit(problems: Iterable[Problem]) -> NoReturn:
    """Print the problems (:func:`say_problems`) and exit with status 2."""
    say_problems(problems)
    raise typer.Exit(EXIT_BAD_INPUT)


def say_notes(notes: Iterable[str]) -> None:
    """``note: ...`` lines on stderr, each once, in order."""
    for note in dict.fromkeys(notes):
        typer.echo(f"note: {note}", err=True)


def load_or_exit(scenario_file: str | Path, *args: Any, **kw: Any) -> tuple[Any, Path]:
    """``(scenario, path)`` of a scenario file or library name
    (:func:`sim.scenario.library.find_scenario`); its problems and exit 2 when it is invalid.
    Further arguments go to :func:`sim.scenario.load.load_scenario`."""
    from sim.scenario.library import find_scenario
    from sim.scenario.load import ScenarioError, load_scenario

    path = find_scenario(scenario_file)
    try:
        return load_scenario(path, *args, **kw), path
    except ScenarioError as e:
        problems_exit(e.problems)


def console(stderr: bool = False) -> Any:
    """A rich console without highlighting or soft wrapping."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def shown(value: Any, limit: int = MAX_QUOTED) -> str:
    """A value as quoted in a message: one line, control characters escaped, cut to ``limit``."""
    text = str(value)
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first_sentence(text: str, limit: int = 100) -> str:
    """The first sentence of ``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    m = re.search(r"(?<=[.!?])\s", text)
    first = text[: m.start()] if m else text
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def fmt(x: Any) -> str:
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


def out_problem(out: Path, *, exists_ok: bool = False) -> str | None:
    """What is wrong with ``out`` as a new output path, or None when it can be created.

    Refused: a name with a line break or other control character, an existing path (unless
    ``exists_ok``), a path below an existing file, and a folder this user cannot write in.
    Nothing is created.
    """
    text = str(out)
    if not text.isprintable():
        return (f"{shown(text)!s}: the name contains a line break or another control character "
                "(choose a plain name)")
    if not exists_ok and (out.exists() or out.is_symlink()):
        return (f"{shown(out)} already exists; refusing to overwrite (results never overwrite "
                "results: choose a new --out, or leave it out for a fresh name)")
    anc = Path(os.path.abspath(out)).parent
    while not anc.exists():
        if anc.is_symlink():
            return f"{shown(out)}: {shown(anc)} is a broken symbolic link"
        if anc.parent == anc:
            break
        anc = anc.parent
    if anc.exists() and not anc.is_dir():
        return f"{shown(out)}: {shown(anc)} is a file, not a folder"
    if not os.access(anc, os.W_OK | os.X_OK):
        return f"{shown(out)}: cannot write in {shown(anc)} (permission denied)"
    return None


def check_out(out: Path, *, exists_ok: bool = False) -> Path:
    """Exit 2 at once when ``out`` cannot be a new output path (:func:`out_problem`)."""
    problem = out_problem(out, exists_ok=exists_ok)
    if problem is not None:
        bad_input(problem)
    return out


def refuse_overwrite(out: Path) -> NoReturn:
    """Exit 2: ``out`` appeared while the command ran."""
    bad_input(f"{shown(out)} already exists; refusing to overwrite (results never overwrite "
              "results: choose a new --out, or leave it out for a fresh name)")


def new_results_folder(*parts: str, suffix: str = "") -> Path:
    """The default output folder (:func:`sim.results.provenance.new_folder`), checked like an
    explicit ``--out``."""
    from sim.results.provenance import new_folder

    return check_out(new_folder(*parts, suffix=suffix))


def free_name(path: Path) -> Path:
    """``path``, or ``NAME-2.EXT``, ``NAME-3.EXT``... when it is taken (never an existing path)."""
    out, n = path, 1
    while out.exists() or out.is_symlink():
        n += 1
        out = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return out


# --------------------------------------------------------------------------------------------
# options shared by the commands that run simulations

#: ``--batch`` of every command that runs simulations: runs per pass of the batched engine
#: (:func:`sim.batch.run_batch`); ``None`` chooses by free memory (:func:`sim.batch.auto_batch`).
#: Below 1 is refused by typer itself (exit 2, naming ``--batch``).
BatchOption = Annotated[int | None, typer.Option(
    "--batch", min=1, help="Runs per pass of the batched engine (default: chosen by free "
    "memory, at most 64; 1: one run per pass). Results do not depend on it.")]


# --------------------------------------------------------------------------------------------
# resumable work on executors (sweep, compare --worlds, calibrate)


def check_resume_needs_out(resume: bool, out: Path | None, what: str) -> None:
    """Exit 2 when ``--resume`` comes without ``--out`` (``what``: the work to continue)."""
    if resume and out is None:
        bad_input(f"--resume needs --out DIR (the folder of the {what} to continue)")


def check_new_out(out: Path | None, resume: bool, what: str) -> None:
    """Exit 2 when ``--out`` cannot hold new work: it exists (without ``--resume``), or it cannot
    be created (:func:`check_out`). Nothing is checked when resuming or without ``--out``."""
    if out is None or resume:
        return
    if out.exists() or out.is_symlink():
        bad_input(f"{out} already exists; refusing to overwrite it (add --resume to continue "
                  f"that {what}, or choose a new --out)")
    check_out(out)  # before any work: an unusable --out fails at once


def check_executor(executor: str, scheduler: str | None, scheduler_file: str | None = None, *,
                   allowed: Iterable[str] | None = None, workers: int | None = None,
                   chunk_size: int | None = None, file_option: bool = True) -> None:
    """Exit 2 for executor options that make no sense (the one check,
    :func:`sim.sweeps.executors.check_executor_options`; ``allowed``: the command's executors,
    default the sweep executors; ``file_option``: whether the command has ``--scheduler-file``)."""
    from sim.sweeps.executors import EXECUTORS, check_executor_options
    from sim.sweeps.spec import SweepRefused

    try:
        check_executor_options(executor, allowed=EXECUTORS if allowed is None else allowed,
                               scheduler=scheduler, scheduler_file=scheduler_file,
                               workers=workers, chunk_size=chunk_size, file_option=file_option)
    except SweepRefused as e:
        bad_input(str(e))


def where_text(executor: str, workers: int, scheduler: str | None,
               scheduler_file: str | None) -> str:
    """Where the runs go, as the start line says it (``4 worker processes``...)."""
    if executor == "serial":
        return "1 process"
    if scheduler or scheduler_file:
        return f"dask at {scheduler or scheduler_file}"
    return f"{workers} {'local dask workers' if executor == 'dask' else 'worker processes'}"


def progress_bar(console: Any, quiet: bool) -> tuple[Any, Any]:
    """A rich progress bar with runs done, rate and ETA (started on the first update) and its
    task; ``(None, None)`` when quiet."""
    if quiet:
        return None, None
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        """Runs per second this session."""

        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text("-- runs/s" if speed is None else f"{speed:.1f} runs/s")

    bar = Progress(TextColumn("runs"), BarColumn(), MofNCompleteColumn(), Rate(),
                   TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(),
                   TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=False,
                   auto_refresh=console.is_terminal)
    task = bar.add_task("runs", total=None, failed=0)
    return bar, task


def progress_callbacks(console: Any, bar: Any, task: Any) -> tuple[Any, Any]:
    """``on_start(done, total, ...)`` (says what a resumed session finds on disk and starts the
    bar, so runs already on disk are not counted in the rate) and ``progress(done, total,
    failed)`` for a bar from :func:`progress_bar` (None: quiet)."""

    def on_start(done: int, total: int, *_: Any) -> None:
        if done:
            console.print(f"resuming: {done:,} of {total:,} runs already on disk", markup=False)
        if bar is not None:
            bar.reset(task, total=total, completed=done)
            bar.start()

    def progress(done: int, total: int, failed: int) -> None:
        if bar is not None:
            bar.update(task, completed=done, total=total, failed=failed)

    return on_start, progress


def step_bar(console: Any, quiet: bool) -> Any:
    """A transient progress bar of described steps (calibration, validation); None when quiet."""
    if quiet:
        return None
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress("[progress.description]{task.description}", BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                    console=console, transient=True)


def interrupted(bar: Any, message: str) -> NoReturn:
    """Stop the bar, say how to continue, exit with status 130."""
    if bar is not None:
        bar.stop()
    typer.echo(message, err=True)
    raise typer.Exit(EXIT_INTERRUPTED) from None


@contextmanager
def guarded(bar: Any, refused: tuple[type[BaseException], ...], on_interrupt: str
            ) -> Iterator[None]:
    """Run long work under a progress bar: a refusal (one of ``refused``) exits 2 with its
    message, Ctrl-C or SIGTERM exits 130 with ``on_interrupt`` (how to continue); the bar is
    stopped in every case."""
    try:
        yield
    except refused as e:
        if bar is not None:
            bar.stop()
        bad_input(str(e))
    except KeyboardInterrupt:
        interrupted(bar, on_interrupt)
    finally:
        if bar is not None:
            bar.stop()
