"""``triplewin app`` in a subprocess on a free loopback port, for the server and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(tmp: Path, *args: str) -> tuple[subprocess.Popen, int]:
    """``triplewin app ARGS --port P``, waiting until it accepts connections; its output goes
    to a log file in ``tmp`` (shown if it does not start)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    log = tmp / f"app-{port}.log"
    with log.open("w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "sim", "app", *args, "--port", str(port)],
                                cwd=tmp, env=env, stdout=fh, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc)
                pytest.fail(f"the app did not start:\n{log.read_text()}")
            time.sleep(0.2)


def stop(proc: subprocess.Popen) -> None:
    """End the server started by :func:`start_app` (and only it)."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
