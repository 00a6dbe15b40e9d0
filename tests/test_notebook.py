"""The lesson notebook docs/tutorial.ipynb runs from top to bottom (with small settings).

The cell tagged ``parameters`` is replaced by small numbers (the papermill convention), the
notebook is executed with nbclient by a kernel of this very interpreter, in a temporary folder, and
every cell must run without error and the verdict, sweep table and report must appear.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

HINT = "is not installed (pip install -e '.[test]')"
nbformat = pytest.importorskip("nbformat", reason=f"nbformat {HINT}")
nbclient = pytest.importorskip("nbclient", reason=f"nbclient {HINT}")
pytest.importorskip("ipykernel", reason=f"ipykernel {HINT}")

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "tutorial.ipynb"
SMALL = "REPLICATIONS = 3\nSTEPS = 8\nSWEEP_VALUES = [0.1, 0.9]\n"


def _kernel(tmp: Path) -> str:
    """A kernelspec that starts this interpreter (not whatever ``python`` is on PATH)."""
    name = "triplewin-test"
    spec = tmp / "jupyter" / "kernels" / name
    spec.mkdir(parents=True)
    root = str(NOTEBOOK.parent.parent)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "triplewin test", "language": "python",
        "env": {"PYTHONPATH": root, "MPLBACKEND": "module://matplotlib_inline.backend_inline"},
    }))
    return name


def test_tutorial_notebook_is_shipped_with_outputs_and_uses_no_internals() -> None:
    """Readers see the lesson before running anything; the notebook uses the command and its
    files (the public contract), not the package's modules."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "ship the notebook executed"
    assert all(c.get("outputs") for c in code[1:]), "every cell after the settings has output"
    for o in (o for c in code for o in c.get("outputs", [])):
        assert o.get("output_type") != "error", o
    images = sum("image/png" in o.get("data", {}) for c in code for o in c.get("outputs", []))
    assert images >= 4
    source = "\n".join(c.source for c in code)
    assert not re.search(r"^\s*(import sim|from sim)", source, re.MULTILINE)
    text = json.dumps([c.get("outputs") for c in code])
    assert "/work/" not in text and "/home/" not in text and "/root/" not in text  # no paths
    assert "make lesson" in nb.cells[0].source


def test_tutorial_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1, "the notebook needs exactly one cell tagged 'parameters'"
    params[0].source = SMALL
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []

    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    # the repository's layout: the notebook in docs/, the scenarios beside it
    work = tmp_path / "work"
    (work / "docs").mkdir(parents=True)
    (work / "scenarios").symlink_to(NOTEBOOK.parent.parent / "scenarios")
    client = nbclient.NotebookClient(nb, kernel_name=_kernel(tmp_path), timeout=300,
                                     resources={"metadata": {"path": str(work / "docs")}})
    client.execute()

    text = "\n".join(
        o.get("text", "") + json.dumps(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "triple win" in text.lower()
    assert "report:" in text
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                 for o in c.get("outputs", []))
    assert images >= 4, f"expected the lesson's figures to be shown, got {images}"
    # results stayed in the temporary folder's results/tutorial
    reports = list((work / "results" / "tutorial").glob("*/compare/report.html"))
    assert len(reports) == 1
    assert not (NOTEBOOK.parent / "results").exists()
