"""Writing results without ever overwriting anything (standard library only).

A results folder is written into a temporary sibling and renamed into place at the end
(:func:`atomic_dir`, :func:`commit_dir`), so it is either complete or absent; a single file is
written to a fresh temporary file and linked to its name (:func:`write_new_text`), which fails
rather than replace a file that appeared meanwhile. Temporary names are created exclusively, so
a planted file or symbolic link is never written through, and they are removed on any failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def _umask() -> int:
    old = os.umask(0o22)
    os.umask(old)
    return old


def atomic_dir(out_dir: Path) -> Path:
    """A fresh temporary folder beside ``out_dir`` (same filesystem, so rename is atomic), with
    the permissions a plain ``mkdir`` would give."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-{os.getpid()}-",
                                dir=out_dir.parent))
    tmp.chmod(0o777 & ~_umask())
    return tmp


def commit_dir(tmp: Path, out_dir: Path) -> Path:
    """Move a finished temporary folder into place; refuses to replace an existing one."""
    try:
        if out_dir.exists() or out_dir.is_symlink():
            raise FileExistsError(f"{out_dir} exists; results never overwrite results")
        # os.rename onto an existing non-empty folder fails on POSIX, so a race cannot overwrite
        os.rename(tmp, out_dir)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def write_new_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path``, which must not exist; complete or absent, never replacing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        try:
            os.link(tmp, path)  # fails with FileExistsError instead of replacing
        except FileExistsError:
            raise
        except OSError:  # a filesystem without hard links
            if path.exists() or path.is_symlink():
                raise FileExistsError(f"{path} exists; results never overwrite results") from None
            os.rename(tmp, path)
            return path
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    os.unlink(tmp)
    return path
