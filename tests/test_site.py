"""The docs site builds offline with warnings as errors (what ``make site`` runs), and picks up
every page of docs/ by itself.

A failure here lists Sphinx's warnings: usually a docstring that is not valid reStructuredText
(an unmatched ``*`` or backquote, an indented line without a blank line before it), a Markdown
link to a file that does not exist, or a page in a folder that no toctree of docs/index.md
reaches (pages directly in docs/, docs/validation/ and docs/reference/ are picked up by globs).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sim

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory, repo_root=Path(__file__).resolve().parent.parent) -> Path:
    pytest.importorskip("sphinx", reason="the docs extra is not installed (pip install -e "
                        "'.[docs]'; make venv installs it)")
    out = tmp_path_factory.mktemp("site")
    # no network: any HTTP(S) request the build tried would go to a closed local port
    env = {**os.environ, "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "no_proxy": "", "NO_PROXY": ""}
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(out / "doctrees"), str(repo_root / "docs"), str(out / "html")],
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"the docs site has warnings:\n{proc.stderr}{proc.stdout}"
    return out / "html"


def test_every_page_of_docs_is_on_the_site(site, repo_root):
    pages = [p.relative_to(repo_root / "docs") for p in (repo_root / "docs").glob("*.md")]
    for folder in ("validation", "reference"):
        pages += [p.relative_to(repo_root / "docs")
                  for p in (repo_root / "docs" / folder).glob("*.md")]
    assert pages
    for page in pages:
        assert (site / page.with_suffix(".html")).is_file(), page


def test_the_front_page_is_the_readme_and_names_the_version(site, repo_root):
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f"triplewin {sim.__version__}" in index
    first = next(ln for ln in (repo_root / "README.md").read_text().splitlines()[1:] if ln.strip())
    assert first.split()[0] in index and "A tour" in index


def test_the_api_reference_comes_from_the_docstrings(site):
    page = (site / "reference" / "_api" / "sim.scenario.library.html").read_text("utf-8")
    assert "find_scenario" in page
    # the first line of a docstring, as written in the code
    from sim.scenario.library import library_root

    assert library_root.__doc__.split()[2] in page
    for module in ("sim.api", "sim.model", "sim.scenario.params", "sim.metrics"):
        assert (site / "reference" / "_api" / f"{module}.html").is_file(), module
