"""Provenance of every results folder (STYLE.md habit 10): the manifest of a run, the package
versions, the git commit of the source tree, and the one rule that names a new results folder."""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..scenario.load import resolved_dict, scenario_sha256

if TYPE_CHECKING:
    from ..experiments.runner import RunResults
    from ..scenario.schema import Scenario


def new_folder(*parts: str, suffix: str = "") -> Path:
    """The default output folder ``results/PARTS.../<UTC time>[SUFFIX]``, with ``-2``, ``-3``...
    appended when that name is taken (never an existing path)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    base = Path("results").joinpath(*parts) / f"{stamp}{suffix}"
    out, n = base, 1
    while out.exists() or out.is_symlink():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


def versions(*extra: str) -> dict[str, str]:
    """Versions of Python, triplewin and the model's libraries, then of the ``extra`` packages
    (in that order; "not installed" where one is missing): the provenance of every manifest."""
    from .. import __version__  # the package's own version (installed metadata can lag it)

    out = {"python": platform.python_version(), "triplewin": __version__}
    for pkg in ("mesa", "numpy", "pydantic", "pyyaml", *extra):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def git_commit() -> str | None:
    """Commit of the source tree the package runs from, if it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                           capture_output=True, text=True, timeout=5, check=False).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def scenario_files(scenario: Scenario) -> list[dict[str, Any]]:
    """The files a scenario was read from, child first (its ``extends`` chain), each with
    ``library: true`` when it is the installed scenario library's own file."""
    from ..scenario.library import in_library

    return [{"file": f, "library": in_library(f)} for f in scenario.files]


def manifest(results: RunResults, source: Path | None) -> dict[str, Any]:
    """``manifest.json`` of a run (one side of a comparison): scenario, seeds, provenance."""
    sc = results.scenario
    return {
        "tool": "triplewin",
        "scenario_name": sc.name,
        "scenario_file": str(source) if source else None,
        "scenario_files": scenario_files(sc),
        "scenario_sha256": scenario_sha256(sc),
        "scenario": resolved_dict(sc),
        "root_seed": sc.run.seed,
        "seeds": results.seeds,
        "steps": sc.run.steps,
        "replications": len(results.seeds),
        "versions": versions("matplotlib"),
        "git_commit": git_commit(),
        "wall_time_s": round(results.wall_time, 4),
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": sys.argv,
    }
