"""Build step that puts the scenario library into the wheel (everything else is pyproject.toml).

The scenario files live at the repository's top level, in ``scenarios/`` and ``sweeps/``, where
users and the docs expect them. A wheel carries only packages, so ``build_py`` copies them into
the built package as ``sim/_data/scenarios/*.yaml`` and ``sim/_data/sweeps/*.yaml`` (the same
layout, so a sweep's ``base: ../scenarios/baseline.yaml`` still resolves). The source tree is
never written to. An editable install (``make venv``) needs no copy: the package then finds the
checkout's own folders (``sim/scenario/library.py``).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
LIBRARY = ("scenarios", "sweeps")


class BuildPyWithLibrary(build_py):
    """``build_py`` that also copies the scenario library into ``sim/_data/``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for kind in LIBRARY:
            files = sorted((HERE / kind).glob("*.yaml"))
            if kind == "scenarios" and not files:
                raise SystemExit(f"no scenario files in {HERE / kind}: the wheel would have no "
                                 "scenario library")
            target = Path(self.build_lib, "sim", "_data", kind)
            self.mkpath(str(target))
            for f in files:
                self.copy_file(str(f), str(target / f.name))


setup(cmdclass={"build_py": BuildPyWithLibrary})
