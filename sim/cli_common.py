"""What every ``triplewin`` command shares: exit codes, the bad-input exit, consoles, and the
rules for output paths (checked before any work is done, never overwriting anything).

Standard library and typer only, so that importing it costs nothing at start-up.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import typer

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130

#: Longest value quoted in a message; longer ones are cut with an ellipsis.
MAX_QUOTED = 120


def bad_input(message: str) -> NoReturn:
    """Print ``error: MESSAGE`` on stderr and exit with status 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


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
    bad_input(f"{shown(out)} already exists; refusing to overwrite (results never overwrite "
              "results: choose a new --out, or leave it out for a fresh name)")


def new_results_folder(*parts: str, suffix: str = "") -> Path:
    """The default output folder ``results/PARTS.../<UTC time>[SUFFIX]``, with ``-2``, ``-3``...
    appended when that name is taken; checked like an explicit ``--out``."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    base = Path("results").joinpath(*parts) / f"{stamp}{suffix}"
    out, n = base, 1
    while out.exists() or out.is_symlink():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return check_out(out)


def free_name(path: Path) -> Path:
    """``path``, or ``NAME-2.EXT``, ``NAME-3.EXT``... when it is taken (never an existing path)."""
    out, n = path, 1
    while out.exists() or out.is_symlink():
        n += 1
        out = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return out
