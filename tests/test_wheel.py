"""The wheel carries the scenario library: built from the repository's files, installed into a new
virtual environment in a temporary folder, and used from an empty folder outside the repository.

How it stays offline and quick: the wheel is built with the setuptools of the test environment
(``--no-build-isolation``, nothing fetched) from a copy of the repository's files (what git
tracks, plus new files not ignored), and installed without its dependencies into a new virtual
environment; that environment reaches the dependencies through a ``.pth`` line naming this
environment's site-packages (as a plain path: the editable install of the checkout found there is
not activated). ``pip check`` in the new environment then proves the wheel's requirements are
met, and every command checks that ``sim`` is imported from the new environment, not from the
checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import sim

pytestmark = pytest.mark.slow


def _sh(*args, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300):
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _source_copy(repo: Path, dest: Path) -> Path:
    """The repository's files as a fresh clone (plus new files) would have them."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=repo, capture_output=True, check=True).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        src = repo / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, repo_root=Path(__file__).resolve().parent.parent) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = _source_copy(repo_root, tmp / "src")
    _sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
        "--disable-pip-version-check", "-w", tmp / "dist", src, cwd=tmp)
    (whl,) = (tmp / "dist").glob("triplewin-*.whl")
    return whl


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A new virtual environment with the wheel installed (dependencies from this one)."""
    root = tmp_path_factory.mktemp("venv") / "env"
    _sh(sys.executable, "-m", "venv", "--without-pip", root, cwd=root.parent)
    py = root / "bin" / "python"
    _sh(sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-deps", "--no-index",
        "--disable-pip-version-check", wheel, cwd=root.parent)
    purelib = Path(subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_path("
                                   "'purelib'))"], capture_output=True, text=True,
                                  check=True).stdout.strip())
    ours = {sysconfig.get_path("purelib"), *site.getsitepackages()}
    (purelib / "_triplewin_test_deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    return root


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TRIPLEWIN_DEBUG")}
    return {**env, "COLUMNS": "3000"}


def test_the_wheel_carries_the_scenario_library_and_the_sweeps(wheel, repo_root):
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("scenarios", "sweeps"):
        files = sorted(p.name for p in (repo_root / kind).glob("*.yaml"))
        assert files, kind
        for f in files:
            assert f"sim/_data/{kind}/{f}" in names, f"{kind}/{f} not in {wheel.name}"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert wheel.name.startswith(f"triplewin-{sim.__version__}-")
    # the library is data of the package, not a top-level folder of site-packages
    assert not any(n.startswith(("scenarios/", "sweeps/")) for n in names)


def test_the_installed_wheel_runs_the_library_by_name_from_an_empty_folder(venv, tmp_path):
    bin_ = venv / "bin"
    work = tmp_path / "empty"
    work.mkdir()
    env = _env()
    where = _sh(bin_ / "python", "-c", "import sim; print(sim.__file__)", cwd=work, env=env)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout
    _sh(sys.executable, "-m", "pip", "--python", bin_ / "python", "check",
        "--disable-pip-version-check", cwd=work, env=env)

    assert _sh(bin_ / "triplewin", "--version", cwd=work, env=env).stdout.strip() == \
        f"triplewin {sim.__version__}"
    listed = _sh(bin_ / "triplewin", "list", cwd=work, env=env).stdout
    assert "joint-bidding" in listed and "Does coordination raise Chinese margins" in listed
    shown = _sh(bin_ / "triplewin", "show", "joint-bidding", cwd=work, env=env).stdout
    assert "levers.joint_bidding" in shown and "triplewin run joint-bidding" in shown

    _sh(bin_ / "triplewin", "run", "joint-bidding", "--replications", "2", "--steps", "4",
        "--no-plots", "--out", "run1", cwd=work, env=env)
    man = json.loads((work / "run1" / "manifest.json").read_text())
    assert [Path(f["file"]).name for f in man["scenario_files"]] == \
        ["joint-bidding.yaml", "baseline.yaml"]
    assert all(f["library"] and Path(f["file"]).is_relative_to(venv.resolve())
               for f in man["scenario_files"])
    summary = json.loads((work / "run1" / "summary.json").read_text())
    assert summary["metrics"]["gain_china"]["n"] == 2
    assert sorted(p.name for p in work.iterdir()) == ["run1"]  # nothing else written


def test_a_users_file_extends_the_installed_library(venv, tmp_path):
    work = tmp_path / "mine"
    work.mkdir()
    (work / "my.yaml").write_text("name: my\nextends: baseline.yaml\n"
                                  "levers: {joint_bidding: 0.9}\n")
    _sh(venv / "bin" / "triplewin", "run", "my.yaml", "--replications", "2", "--steps", "4",
        "--no-plots", "--out", "out", cwd=work, env=_env())
    man = json.loads((work / "out" / "manifest.json").read_text())
    mine, parent = man["scenario_files"]
    assert mine == {"file": str((work / "my.yaml").resolve()), "library": False}
    assert parent["library"] and Path(parent["file"]).is_relative_to(venv.resolve())
    assert man["scenario"]["levers"]["joint_bidding"] == 0.9


def test_init_copies_the_installed_library_for_students(venv, tmp_path):
    env = _env()
    _sh(venv / "bin" / "triplewin", "init", "class", cwd=tmp_path, env=env)
    copied = sorted(p.name for p in (tmp_path / "class" / "scenarios").glob("*.yaml"))
    assert "baseline.yaml" in copied and "joint-bidding.yaml" in copied
    assert list((tmp_path / "class" / "sweeps").glob("*.yaml"))
    again = subprocess.run([venv / "bin" / "triplewin", "init", "class"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert again.returncode == 2 and "refusing" in again.stderr
