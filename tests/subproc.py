"""The environment the tests give a ``python -m sim`` subprocess: this checkout first on the
import path (whatever is installed), and no debug tracebacks (messages are what is checked)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cli_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    env.pop("TRIPLEWIN_DEBUG", None)
    return env
