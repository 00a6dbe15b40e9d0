"""Shared test fixtures (keep them small and generic)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    """The repository root (holds ``sim/`` and ``scenarios/``)."""
    return REPO_ROOT


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write text or bytes to ``tmp_path/name`` (sub-folders created) and return the path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m sim ARGS...`` in ``tmp_path`` (so nothing lands in the repo)."""

    def run(*args: str | os.PathLike[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
        env.pop("TRIPLEWIN_DEBUG", None)
        return subprocess.run(
            [sys.executable, "-m", "sim", *map(str, args)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout,
        )

    return run
