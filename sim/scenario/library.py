"""The scenario library: the scenario and sweep files that come with triplewin, and the one
lookup that turns a name such as ``baseline`` into a file.

Where the library lives:

* in an installed wheel, inside the package: ``sim/_data/scenarios/*.yaml`` and
  ``sim/_data/sweeps/*.yaml`` (``setup.py`` copies the repository's top-level ``scenarios/`` and
  ``sweeps/`` there when the wheel is built);
* in a source checkout (an editable install, ``make venv``), the repository's own top-level
  ``scenarios/`` and ``sweeps/``, so an edit there is seen at once.

Which scenario a name means, in order (:func:`find_scenario`):

1. an existing file path is that file (a user's own scenario);
2. a bare name (``baseline``, ``baseline.yaml``) or a library-style path (``scenarios/x.yaml``)
   is looked up in ``./scenarios`` of the working folder (a checkout, or a folder made by
   ``triplewin init``), then in the library.

A scenario's ``extends: baseline.yaml`` is resolved next to the file first and, when no such file
exists there, in the library (:func:`library_parent`); the run's manifest lists which files were
used. Only :mod:`pathlib` is imported here: every command may call it without slowing start-up.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

#: The library's folders, by kind.
KINDS = ("scenarios", "sweeps")

_PACKAGE = Path(__file__).resolve().parent.parent  # .../sim
#: Where a built wheel carries the library (``setup.py`` copies it there).
PACKAGED_ROOT = _PACKAGE / "_data"
#: The repository top level, when the package runs from a source checkout.
_CHECKOUT_ROOT = _PACKAGE.parent

SUFFIXES = (".yaml", ".yml")


def library_root() -> Path | None:
    """The folder that holds the library's ``scenarios/`` and ``sweeps/``: the copy inside the
    installed package, else the source checkout's top level; None when neither is there."""
    if (PACKAGED_ROOT / "scenarios").is_dir():
        return PACKAGED_ROOT
    if (_CHECKOUT_ROOT / "scenarios").is_dir() and (_CHECKOUT_ROOT / "pyproject.toml").is_file():
        return _CHECKOUT_ROOT
    return None


def library_dir(kind: str = "scenarios") -> Path | None:
    """The library's folder of scenario files (``kind="scenarios"``) or sweep files
    (``kind="sweeps"``); None when the package has no library (a broken install)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    root = library_root()
    folder = root / kind if root is not None else None
    return folder if folder is not None and folder.is_dir() else None


def working_dir(kind: str = "scenarios") -> Path | None:
    """``./scenarios`` (or ``./sweeps``) of the working folder, if there is one."""
    here = Path.cwd() / kind
    return here if here.is_dir() else None


def scenarios_dir(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The folder of scenarios a user means: ``explicit`` if given (None when it is not a
    folder), else ``./scenarios`` of the working folder, else the library."""
    if explicit is not None:
        p = Path(explicit)
        return p if p.is_dir() else None
    return working_dir("scenarios") or library_dir("scenarios")


def files_in(folder: Path) -> list[Path]:
    """The scenario (or sweep) files of a folder, sorted by name."""
    return sorted(f for f in folder.iterdir() if f.suffix in SUFFIXES and f.is_file())


def names(kind: str = "scenarios") -> list[str]:
    """Names (file stems) of the library's scenarios or sweeps."""
    folder = library_dir(kind)
    return [f.stem for f in files_in(folder)] if folder is not None else []


def _candidates(arg: str, kind: str) -> list[str]:
    """File names that ``arg`` may stand for in a library folder, or [] when ``arg`` is a path
    that is not library-style (``kind/NAME`` or a bare ``NAME``)."""
    parts = Path(arg).parts
    if len(parts) == 2 and parts[0] == kind:
        stem = parts[1]
    elif len(parts) == 1:
        stem = parts[0]
    else:
        return []
    if stem in ("", ".", ".."):
        return []
    return [stem] if Path(stem).suffix in SUFFIXES else [stem + s for s in SUFFIXES]


def find(arg: str | os.PathLike[str], kind: str = "scenarios") -> Path | None:
    """The file that ``arg`` means (see the module docstring), or None when there is none."""
    text = os.fspath(arg)
    p = Path(text)
    if p.is_file():
        return p
    for folder in (working_dir(kind), library_dir(kind)):
        if folder is None:
            continue
        for name in _candidates(text, kind):
            if (folder / name).is_file():
                return folder / name
    return None


def find_scenario(arg: str | os.PathLike[str]) -> Path:
    """The scenario file that ``arg`` means; ``Path(arg)`` unchanged when nothing matches (so
    the loader reports the missing file in its usual way)."""
    return find(arg, "scenarios") or Path(arg)


def find_sweep(arg: str | os.PathLike[str]) -> Path:
    """The sweep file that ``arg`` means (a path, or a name from the sweep examples)."""
    return find(arg, "sweeps") or Path(arg)


def library_parent(child: str | os.PathLike[str], parent: str) -> Path | None:
    """The library's file for ``extends: parent`` of ``child`` when no file of that name exists
    next to the child; None when the child's own folder has it or the library does not."""
    beside = Path(os.path.dirname(os.fspath(child)), parent)
    if beside.exists() or Path(parent).is_absolute():
        return None
    folder = library_dir("scenarios")
    if folder is None or Path(parent).name != parent:
        return None
    candidate = folder / parent
    return candidate if candidate.is_file() else None


def in_library(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a file of the installed library (not a user's copy)."""
    real = Path(os.path.realpath(path))
    root = library_root()
    if root is None:
        return False
    return any(real.parent == (root / kind).resolve() for kind in KINDS)


def suggestion(arg: str, kind: str = "scenarios") -> str:
    """A hint for a name that matched nothing: close library names, or the whole list."""
    import difflib

    known = names(kind)
    if not known:
        return ""
    close = difflib.get_close_matches(Path(arg).stem, known, n=3, cutoff=0.6)
    if close:
        return f"did you mean {', '.join(close)}?"
    return f"library {kind}: {', '.join(known)}"


def copy_library(dest: str | os.PathLike[str]) -> list[Path]:
    """Copy the library's scenarios and sweeps into ``dest/scenarios`` and ``dest/sweeps`` (for
    students to edit); ``dest`` must not exist or be an empty folder. Returns the files written.

    Raises:
        FileExistsError: ``dest`` is a file or a folder that is not empty.
        FileNotFoundError: the package has no library.
    """
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise FileExistsError(f"{dest} exists and is not an empty folder")
    sources = {kind: library_dir(kind) for kind in KINDS}
    if sources["scenarios"] is None:
        raise FileNotFoundError("this installation of triplewin has no scenario library")
    written = []
    dest.mkdir(parents=True, exist_ok=True)
    for kind, folder in sources.items():
        if folder is None:
            continue
        (dest / kind).mkdir()
        for f in files_in(folder):
            written.append(Path(shutil.copyfile(f, dest / kind / f.name)))
    return written


# --------------------------------------------------------------------------------------------
# what a scenario's description says

_CITATION_START = "(China Brief"


def split_description(text: str) -> tuple[str, str]:
    """A description's body and its closing citation of the article: ``("...?", "China Brief
    15(18), *Internally*: ...")``; the citation is "" when the text has none."""
    text = " ".join(text.split())
    i = text.rfind(_CITATION_START)
    end = text.rstrip(".")
    if i < 0 or not end.endswith(")"):
        return text, ""
    body = text[:i].rstrip()
    if body and body[-1] not in ".!?":  # "... compare with (China Brief ...)." ends a sentence
        body += "."
    return body, end[i + 1:-1].strip()


def question(text: str) -> str:
    """The question a description asks: its sentences that end in '?', else its whole body
    (without the citation)."""
    import re

    body, _ = split_description(text)
    asked = [s for s in re.split(r"(?<=[.!?])\s+", body) if s.endswith("?")]
    return " ".join(asked) if asked else body

