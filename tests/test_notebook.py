"""The lesson notebook docs/tutorial.ipynb runs from top to bottom (with small settings).

The cell tagged ``parameters`` is replaced by small numbers (the papermill convention), the
notebook is executed with nbclient by a kernel of this very interpreter, in a temporary folder, and
every cell must run without error and the verdict, sweep table and report must appear.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

HINT = "is not installed (pip install -e '.[test]')"
nbformat = pytest.importorskip("nbformat", reason=f"nbformat {HINT}")
nbclient = pytest.importorskip("nbclient", reason=f"nbclient {HINT}")
pytest.importorskip("ipykernel", reason=f"ipykernel {HINT}")

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "tutorial.ipynb"
SMALL = "REPLICATIONS = 3\nSTEPS = 8\nSWEEP_VALUES = [0.0, 0.9]\n"


def _kernel(tmp: Path) -> str:
    """A kernelspec that starts this interpreter (not whatever ``python`` is on PATH)."""
    name = "triplewin-test"
    spec = tmp / "jupyter" / "kernels" / name
    spec.mkdir(parents=True)
    root = str(NOTEBOOK.parent.parent)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "triplewin test", "language": "python",
        "env": {"PYTHONPATH": root, "MPLBACKEND": "Agg"},
    }))
    return name


def test_tutorial_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1, "the notebook needs exactly one cell tagged 'parameters'"
    params[0].source = SMALL
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        "commit the notebook without outputs (Kernel > Restart & Clear Output)"

    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    work = tmp_path / "work"
    work.mkdir()
    client = nbclient.NotebookClient(nb, kernel_name=_kernel(tmp_path), timeout=120,
                                     resources={"metadata": {"path": str(work)}})
    client.execute()

    text = "\n".join(
        o.get("text", "") + json.dumps(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "triple win" in text.lower()
    assert "report:" in text
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                 for o in c.get("outputs", []))
    assert images >= 5, f"expected the lesson's figures to be shown, got {images}"
    # results stayed in the temporary folder
    reports = list((work / "results" / "tutorial").glob("*/compare/report.html"))
    assert len(reports) == 1
    assert (work / "results" / "tutorial").is_dir()
    assert not (NOTEBOOK.parent / "results").exists()
