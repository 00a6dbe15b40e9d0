"""Timing and memory helpers shared by the benchmark parts: no model code here."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The repository root (bench/ lives in it).
ROOT = Path(__file__).resolve().parents[1]
#: Seconds between two samples of a process tree's memory.
POLL_SECONDS = 0.05


def median(xs: list[float]) -> float:
    return float(statistics.median(xs))


def triplewin_cmd() -> list[str]:
    """The installed ``triplewin`` console script next to this interpreter, else ``-m sim``."""
    script = Path(sys.executable).parent / "triplewin"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def loadavg() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


@dataclass
class Proc:
    """One finished subprocess: wall time, exit code, output and peak memory."""

    wall: float
    returncode: int
    stdout: str
    stderr: str
    #: largest RSS of any single process of the tree, MB: polled with psutil when
    #: ``poll_memory``, else the kernel's ``wait4`` rusage (which, after vfork + exec, also counts
    #: this process's own RSS: an upper bound only)
    max_rss_mb: float
    #: largest sum of RSS over the live process tree, MB (psutil polling; None without psutil)
    tree_peak_mb: float | None = None
    #: CPU seconds (user + system) of the process and every descendant it reaped: what the
    #: command costs, whatever else the machine is doing
    cpu_s: float = 0.0
    samples: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def check(self, what: str) -> Proc:
        if self.returncode != 0:
            raise RuntimeError(f"{what} failed (exit {self.returncode}):\n{self.stderr[-2000:]}")
        return self


def _sample(ps: Any, cpu_seen: dict[int, float]) -> tuple[int, int]:
    """(sum, largest) RSS over the live process tree; records each process's CPU time."""
    total = largest = 0
    try:
        procs = [ps, *ps.children(recursive=True)]
    except Exception:  # noqa: BLE001 - the process may end between calls
        return 0, 0
    for p in procs:
        try:
            with p.oneshot():
                rss = p.memory_info().rss
                t = p.cpu_times()
        except Exception:  # noqa: BLE001
            continue
        total += rss
        largest = max(largest, rss)
        cpu_seen[p.pid] = t.user + t.system
    return total, largest


def run(cmd: list[str], *, cwd: Path = ROOT, poll_memory: bool = False,
        env: dict[str, str] | None = None) -> Proc:
    """Run ``cmd`` to completion; wall time from spawn to reap.

    With ``poll_memory`` (needs psutil) the RSS of every process of the tree is read every
    ``POLL_SECONDS``: the peak of their sum and the peak of the largest one. CPU time is the
    kernel's rusage of the reaped child, or the polled CPU times summed over the tree if larger.
    """
    psutil = None
    if poll_memory:
        try:
            import psutil  # type: ignore[no-redef]
        except ImportError:
            psutil = None
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, env=env)
        ps = psutil.Process(p.pid) if psutil is not None else None
        peak, largest, samples, cpu_seen = 0, 0, 0, {}
        if ps is None:  # block in the kernel: the wall time is exact
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
        else:
            while True:
                pid, status, ru = os.wait4(p.pid, os.WNOHANG)
                if pid != 0:
                    wall = time.perf_counter() - t0
                    break
                tree, one = _sample(ps, cpu_seen)
                peak, largest = max(peak, tree), max(largest, one)
                samples += 1
                time.sleep(POLL_SECONDS)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Proc(wall=wall, returncode=p.returncode,
                    stdout=out.read().decode(errors="replace"),
                    stderr=err.read().decode(errors="replace"),
                    max_rss_mb=(largest / 2**20 if ps is not None
                                else ru.ru_maxrss / 1024.0),  # Linux: kilobytes
                    tree_peak_mb=peak / 2**20 if ps is not None else None,
                    # processes the child never reaped (a forkserver's workers) are missing from
                    # rusage: then the polled CPU times, summed over the tree, count them
                    cpu_s=max(ru.ru_utime + ru.ru_stime, sum(cpu_seen.values())),
                    samples=samples)
