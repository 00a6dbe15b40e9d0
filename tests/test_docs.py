"""The documentation stays in step with the code (STYLE.md habits 4 and 11).

* docs/parameters.md and the generated blocks of docs/ODD.md match the declarations;
* the hand-written ODD mentions every lever, uncertainty, population parameter and metric, and
  its process section every phase of ``sim.schedule.PHASES``;
* ``triplewin explain NAME`` prints the declared meaning;
* no sentence of the source article is copied into the docs (8-word shingles).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim import reference
from sim.metrics import METRICS
from sim.scenario.params import LEVERS, POPULATION, UNCERTAINTIES
from sim.schedule import PHASES

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
#: The source article is not shipped with the repository; the guard looks for it here, first the
#: path in $TRIPLEWIN_ARTICLE, and is skipped when none exists.
ARTICLE_NAME = "china-brief-15-18-triple-win.txt"
ARTICLE_PATHS = [Path(p) for p in [os.environ.get("TRIPLEWIN_ARTICLE", "")] if p] + [
    ROOT / "seed" / ARTICLE_NAME, ROOT.parent / "shared" / "seed" / ARTICLE_NAME,
    Path("/work/shared/seed") / ARTICLE_NAME]
SHINGLE = 8


def _odd_text() -> str:
    return ODD.read_text(encoding="utf-8")


def _hand_written(text: str) -> str:
    """The ODD without its generated blocks: the prose a person wrote."""
    return re.sub(r"<!-- BEGIN GENERATED: (\w+) -->.*?<!-- END GENERATED: \1 -->", "", text,
                  flags=re.DOTALL)


def _section(text: str, number: int) -> str:
    """Body of top-level section ``## <number>.`` up to the next ``## `` heading."""
    m = re.search(rf"^## {number}\..*?(?=^## )", text, flags=re.DOTALL | re.MULTILINE)
    assert m, f"docs/ODD.md has no section '## {number}.'"
    return m.group(0)


# --------------------------------------------------------------------------------------------
# (a) generated docs are up to date


def test_generated_docs_are_up_to_date() -> None:
    stale = reference.update_docs(check=True)
    assert not stale, (f"out of date: {', '.join(stale)}. A declaration in sim/scenario/params.py, "
                       "sim/metrics.py or a module constant changed: run `make docs` and commit "
                       "the result.")


def test_check_command_exit_status() -> None:
    r = subprocess.run([sys.executable, "-m", "sim.reference", "--check"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"`python -m sim.reference --check` failed; run `make docs`\n{r.stderr}"


def test_stale_docs_are_detected(tmp_path: Path) -> None:
    """Editing a generated file by hand (or a declaration without `make docs`) is caught."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ODD.md").write_text(_odd_text(), encoding="utf-8")
    (docs / "parameters.md").write_text(reference.render_parameters_md(), encoding="utf-8")
    (docs / "claims.md").write_text(reference.render_claims_md(), encoding="utf-8")
    assert reference.update_docs(check=True, root=tmp_path) == []
    odd = _odd_text().replace("<!-- END GENERATED: metrics -->",
                              "| stale row |\n<!-- END GENERATED: metrics -->")
    (docs / "ODD.md").write_text(odd, encoding="utf-8")
    (docs / "parameters.md").write_text("edited by hand\n", encoding="utf-8")
    assert sorted(reference.update_docs(check=True, root=tmp_path)) == ["docs/ODD.md",
                                                                        "docs/parameters.md"]
    assert sorted(reference.update_docs(check=False, root=tmp_path)) == ["docs/ODD.md",
                                                                         "docs/parameters.md"]
    assert reference.update_docs(check=True, root=tmp_path) == []


def test_generated_docs_are_deterministic() -> None:
    assert reference.render_parameters_md() == reference.render_parameters_md()
    once = reference.fill_blocks(_odd_text())
    assert reference.fill_blocks(once) == once


def test_parameters_md_says_it_is_generated() -> None:
    head = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")[:800]
    assert "make docs" in head and "do not edit by hand" in head.lower()
    assert "sim/scenario/params.py" in head and "sim/metrics.py" in head


def test_every_constant_is_listed() -> None:
    listed = {c.name for c in reference.calibration_constants()}
    for name in ("MARKUP_MAX", "RESERVE_RATIO", "ATTENTION", "LEARNING_RATE", "RELAX_RATE",
                 "EXPECTED_MARGIN", "COMPLIANCE_PENALTY", "DV_TECH", "IDLE_VALUE"):
        assert name in listed


# --------------------------------------------------------------------------------------------
# (b), (c) the hand-written ODD covers the declarations and the schedule


@pytest.mark.parametrize("name", [*LEVERS, *UNCERTAINTIES, *POPULATION, *METRICS])
def test_odd_prose_mentions(name: str) -> None:
    prose = _hand_written(_odd_text())
    assert re.search(rf"\b{re.escape(name)}\b", prose), (
        f"docs/ODD.md mentions `{name}` only in a generated table: describe where it acts "
        "(section 1 lists levers and uncertainties, 5 the population, 7.10 the metrics)")


def test_odd_elements_in_order() -> None:
    text = _odd_text()
    headings = re.findall(r"^## (\d)\. (.*)$", text, flags=re.MULTILINE)
    assert [int(n) for n, _ in headings][:7] == [1, 2, 3, 4, 5, 6, 7]
    for word, (_, title) in zip(["Purpose", "Entities", "Process", "Design", "Initiali",
                                 "Input", "Submodels"], headings, strict=False):
        assert title.startswith(word), title


@pytest.mark.parametrize("phase", [name for name, _ in PHASES])
def test_process_section_lists_phase(phase: str) -> None:
    process = _section(_odd_text(), 3)
    assert f"`{phase}`" in process, f"ODD section 3 does not list phase `{phase}`"
    assert "PHASES" in process and "sim/schedule.py" in process


def test_one_submodel_per_mechanism_module() -> None:
    submodels = _section(_odd_text(), 7)
    modules = sorted(p.stem for p in (ROOT / "sim" / "mechanisms").glob("*.py")
                     if not p.stem.startswith("_"))
    for mod in modules:
        assert f"sim/mechanisms/{mod}.py" in submodels, f"no submodel cites sim/mechanisms/{mod}.py"


# --------------------------------------------------------------------------------------------
# (d) `triplewin explain NAME` prints the declared meaning


def _explain(name: str, cwd: Path) -> str:
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    r = subprocess.run([sys.executable, "-m", "sim", "explain", name], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name,meaning", [
    ("joint_bidding", LEVERS["joint_bidding"].meaning),
    ("screening_threshold", UNCERTAINTIES["screening_threshold"].meaning),
    ("gain_china", METRICS["gain_china"].meaning),
])
def test_explain_prints_declared_meaning(name: str, meaning: str, tmp_path: Path) -> None:
    out = _explain(name, tmp_path)
    assert _words(meaning) in _words(out), f"`triplewin explain {name}` differs from the declaration"


# --------------------------------------------------------------------------------------------
# (e) no sentence of the article is copied into README.md or docs/*.md


def _norm_words(text: str) -> list[str]:
    text = text.lower()
    text = re.sub(r"[\u2018\u2019\u02bc]", "'", text)
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


def _article_shingles() -> set[tuple[str, ...]]:
    path = next((p for p in ARTICLE_PATHS if p.is_file()), None)
    if path is None:
        pytest.skip("source article not found (set TRIPLEWIN_ARTICLE to its path)")
    lines = path.read_text(encoding="utf-8").strip().splitlines()
    text = "\n".join(lines[1:])  # the first line is the title, which the docs cite
    sentences = re.split(r"(?<=[.!?])\s+|\n+", text)
    out: set[tuple[str, ...]] = set()
    for s in sentences:
        w = _norm_words(s)
        out.update(tuple(w[i:i + SHINGLE]) for i in range(len(w) - SHINGLE + 1))
    return out


def _doc_files() -> list[Path]:
    return [p for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))] if p.exists()]


def test_shingle_guard_catches_a_copy() -> None:
    shingles = _article_shingles()
    copied = ("Chinese manufacturers suffer from rising labor costs, weak consumption demand and "
              "environmental concerns.")
    w = _norm_words(copied)
    assert any(tuple(w[i:i + SHINGLE]) in shingles for i in range(len(w) - SHINGLE + 1))


@pytest.mark.parametrize("path", _doc_files(), ids=lambda p: p.name)
def test_no_article_sentence_copied(path: Path) -> None:
    shingles = _article_shingles()
    w = _norm_words(path.read_text(encoding="utf-8"))
    hits = {" ".join(w[i:i + SHINGLE]) for i in range(len(w) - SHINGLE + 1)
            if tuple(w[i:i + SHINGLE]) in shingles}
    assert not hits, (f"{path.relative_to(ROOT)} repeats the article word for word; paraphrase: "
                      + "; ".join(sorted(hits)[:5]))


def test_claims_page_is_the_claims_table() -> None:
    """docs/claims.md is generated from sim/claims.py: every claim's number, label and lever."""
    from sim.claims import CLAIMS

    text = (ROOT / "docs" / "claims.md").read_text(encoding="utf-8")
    assert text == reference.render_claims_md(), "docs/claims.md is stale: run `make docs`"
    for c in CLAIMS:
        assert f"| {c.number} |" in text and f"**{c.label}**" in text and f"`{c.lever}`" in text
