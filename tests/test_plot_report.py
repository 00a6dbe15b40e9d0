"""``triplewin plot`` and ``triplewin report``: figures and reports from result files only.

One small run folder (written by the runner, figures included) and one small compare folder
(written without figures) are shared by the tests of this module.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from sim.experiments.compare import compare
from sim.experiments.runner import run_replications
from sim.plotting import data as pdata
from sim.plotting import findings
from sim.plotting.palette import GROUP_COLOURS
from sim.report import write_report
from sim.results.folders import write_comparison, write_run
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
RUN_STEMS = ["levels", "levels_over_time", "timeseries_china", "timeseries_developed",
             "timeseries_developing"]
COMPARE_STEMS = ["triple_win", "gains_compare", "timeseries_compare", "key_differences"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("results")
    base = load_scenario(SCENARIOS / "baseline.yaml", steps=8, replications=3)
    results = run_replications(base)
    run_dir = write_run(results, base, source=SCENARIOS / "baseline.yaml", out_dir=root / "run")
    a = load_scenario(SCENARIOS / "no-cooperation.yaml", steps=8, replications=3)
    b = load_scenario(SCENARIOS / "third-party-cooperation.yaml", steps=8, replications=3)
    c = compare(a, b)
    cmp_dir = write_comparison(c, out_dir=root / "compare", plots=False)
    return {"run": run_dir, "compare": cmp_dir, "results": results, "comparison": c}


def _png_info(path: Path) -> tuple[tuple[int, int], tuple[float, float], np.ndarray]:
    from PIL import Image

    with Image.open(path) as im:
        return im.size, im.info.get("dpi", (0, 0)), np.asarray(im.convert("RGB"))


def _colours(pixels: np.ndarray) -> int:
    """Number of distinct colours of an RGB image."""
    p = pixels.astype(np.uint32)
    return len(np.unique((p[..., 0] << 16) | (p[..., 1] << 8) | p[..., 2]))


def _has_colour(pixels: np.ndarray, hex_colour: str, tol: int = 12, least: int = 200) -> bool:
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels.astype(int) - rgb).max(axis=2) <= tol).sum()) >= least


# --------------------------------------------------------------------------------------------
# reading result files


def test_files_read_back_as_the_tables_in_memory(folders) -> None:
    run = pdata.load(folders["run"])
    mem = pdata.RunData.from_results(folders["results"])
    assert isinstance(run, pdata.RunData)
    assert run.name == mem.name == "baseline" and run.description == mem.description
    assert run.seeds == mem.seeds and run.steps == 8 and run.replications == 3
    for name, arr in mem.series.items():
        np.testing.assert_array_equal(run.series[name], arr)
    assert run.levers == mem.levers

    cmp = pdata.load(folders["compare"])
    cmem = pdata.CompareData.from_comparison(folders["comparison"])
    assert isinstance(cmp, pdata.CompareData)
    assert (cmp.a.name, cmp.b.name) == ("no-cooperation", "third-party-cooperation")
    assert cmp.verdict == cmem.verdict
    for name in ("gain_china", "cn_tech_level"):
        np.testing.assert_array_equal(cmp.b.series[name], cmem.b.series[name])
        assert cmp.metrics[name] == pytest.approx(cmem.metrics[name])


def test_not_a_results_folder(tmp_path: Path) -> None:
    with pytest.raises(pdata.ResultsError, match="not a results folder"):
        pdata.load(tmp_path)
    with pytest.raises(pdata.ResultsError, match="no such folder"):
        pdata.load(tmp_path / "missing")
    from sim.metrics import METRICS

    names = ",".join(METRICS)
    values = ",".join(["oops", *["1.0"] * (len(METRICS) - 1)])
    (tmp_path / "timeseries.csv").write_text(f"replication,seed,step,quarter,{names}\n"
                                             f"0,1,0,2015Q1,{values}\n")
    with pytest.raises(pdata.ResultsError, match=r"timeseries.csv:2: not a number"):
        pdata.load(tmp_path)
    (tmp_path / "timeseries.csv").write_text("replication,seed,step,quarter,x\n0,1,0,2015Q1,1\n")
    with pytest.raises(pdata.ResultsError, match=r"timeseries.csv: missing column"):
        pdata.load(tmp_path)


# --------------------------------------------------------------------------------------------
# figures


def test_run_writes_slide_ready_figures(folders) -> None:
    """The runner draws through run_figures: PNG at 200 dpi and SVG for every figure."""
    figs = Path(folders["run"]) / "figures"
    for stem in RUN_STEMS:
        size, dpi, pixels = _png_info(figs / f"{stem}.png")
        assert size == (2666, 1500), f"{stem}: 16:9 slide at 200 dpi"
        assert dpi == pytest.approx((200, 200), abs=1)
        svg = (figs / f"{stem}.svg").read_text()
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        assert "<image" not in svg and not re.search(r"href=\"(https?:)?//", svg)
        # drawn, not blank: many distinct colours and the groups' Okabe-Ito colours
        assert _colours(pixels) > 50
    _, _, pixels = _png_info(figs / "levels.png")
    for group in ("developed", "developing", "china"):
        assert _has_colour(pixels, GROUP_COLOURS[group]), group


def test_stems_are_declared_once() -> None:
    assert list(pdata.RUN_FIGURES) == RUN_STEMS and list(pdata.COMPARE_FIGURES) == COMPARE_STEMS


def test_figures_drawn_on_workers_are_the_same_files(folders, tmp_path: Path) -> None:
    """`triplewin run` and `compare` draw one figure per worker process: byte for byte what
    drawing them one after the other in this process gives."""
    from sim.results.figures import draw

    run = pdata.RunData.from_results(folders["results"])
    cmp = pdata.CompareData.from_comparison(folders["comparison"])
    for name, data in (("run", run), ("compare", cmp)):
        serial = draw(data, tmp_path / name / "serial", workers=1)
        parallel = draw(data, tmp_path / name / "parallel", workers=2)
        assert [p.name for p in parallel] == [p.name for p in serial]
        assert len(serial) == 2 * (len(RUN_STEMS) if name == "run" else len(COMPARE_STEMS))
        for a, b in zip(serial, parallel, strict=True):
            assert a.read_bytes() == b.read_bytes(), a.name


def test_plot_command_on_a_compare_folder(folders) -> None:
    """``triplewin plot`` reads comparison.json and both time series from disk."""
    folder = Path(folders["compare"])
    assert not (folder / "figures").exists()
    out = subprocess.run([sys.executable, "-m", "sim", "plot", str(folder)], capture_output=True,
                         text=True, timeout=300, cwd=folder)
    assert out.returncode == 0, out.stderr
    for stem in COMPARE_STEMS:
        assert (folder / "figures" / f"{stem}.png").stat().st_size > 20_000
        assert (folder / "figures" / f"{stem}.svg").stat().st_size > 5_000
        assert stem in out.stdout
    _, dpi, pixels = _png_info(folder / "figures" / "triple_win.png")
    assert dpi == pytest.approx((200, 200), abs=1)
    for group in ("developed", "developing", "china"):
        assert _has_colour(pixels, GROUP_COLOURS[group], least=100), group


def test_plot_and_report_refuse_what_is_not_a_results_folder(tmp_path: Path) -> None:
    for cmd in ("plot", "report"):
        out = subprocess.run([sys.executable, "-m", "sim", cmd, str(tmp_path / "nope")],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 2, out.stderr
        assert out.stderr.startswith("error: ") and "Traceback" not in out.stderr
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------------------------
# titles that state the finding


def _cmp(deltas: dict[str, tuple[float, float, float]]) -> pdata.CompareData:
    series = {"gain_china": np.zeros((2, 4))}
    run_a = pdata.RunData("a-ref", "", [1, 2], dict(series))
    run_b = pdata.RunData("b-policy", "", [1, 2], dict(series))
    metrics = {f"gain_{g}": {"delta": d, "ci_low": lo, "ci_high": hi, "a": 10.0, "b": 10 + d}
               for g, (d, lo, hi) in deltas.items()}
    verdict = {g: metrics[f"gain_{g}"]["ci_low"] > 0 for g in deltas}
    verdict["triple_win"] = all(verdict.values())
    return pdata.CompareData(run_a, run_b, metrics, verdict)


def test_titles_state_the_finding() -> None:
    win = (5.0, 1.0, 9.0)
    loss = (-5.0, -9.0, -1.0)
    unclear = (1.0, -2.0, 4.0)
    c = _cmp({"developed": win, "developing": win, "china": win})
    assert findings.compare_title(c) == ("Triple win: b-policy raises all three groups' gains "
                                         "over a-ref")
    c = _cmp({"developed": win, "developing": loss, "china": unclear})
    assert findings.compare_title(c) == ("No triple win: b-policy raises developed countries' "
                                         "gain, lowers developing countries' gain; China's gain "
                                         "unclear")
    assert findings.verdict_sentence(c).startswith("No triple win: developed countries gain ")
    c = _cmp({"developed": unclear, "developing": unclear, "china": unclear})
    assert "no group gains or loses" in findings.compare_title(c)
    assert findings.trend("cn_contract_share", np.array([0.13, 0.2, 0.25]), "2024Q4") == \
        "Chinese share of contracts: up from 13% to 25%"
    assert findings.trend("dv_profit", np.array([1.0, 50.0, 120.0]), "2024Q4") == \
        "Developed firms' profit: at USD 120 bn by 2024Q4"
    assert findings.trend("dg_jobs", np.array([44.0, 313_771.0]), "2024Q4") == \
        "Jobs at Chinese parks: up from about 0 to 314 thousand jobs"
    assert findings.trend("dg_jobs", np.array([4_000.0, 1_250_000.0]), "2024Q4") == \
        "Jobs at Chinese parks: up from 4,000 to 1.2 million jobs"
    assert findings.count_phrase({"up": 1, "down": 2, "unclear": 1}) == \
        "1 key indicator rises, 2 fall, 1 shows no clear change"
    # a small move gets one more digit rather than "from 0.31 to 0.31"
    assert findings.trend("dv_barrier", np.array([0.313, 0.306]), "2024Q4") == \
        "Entry barrier: down from 0.313 to 0.306"
    assert findings.fmt_delta("gain_china", -13.8) == "\u2212USD 14 bn"
    assert findings.fmt_number(-0.0004) == "0.000"


# --------------------------------------------------------------------------------------------
# the report


class _Refs(HTMLParser):
    """Every URL-bearing attribute and tag of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href", "srcset", "poster", "data", "action") and v is not None:
                self.urls.append(v)


def _self_contained(text: str) -> _Refs:
    p = _Refs()
    p.feed(text)
    assert all(u.startswith(("data:", "#")) for u in p.urls), [u[:60] for u in p.urls
                                                               if not u.startswith("data:")]
    assert "script" not in p.tags and "link" not in p.tags and "iframe" not in p.tags
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", text) and "@import" not in text
    assert "@media print" in text and "@page" in text
    return p


def test_report_of_a_comparison(folders) -> None:
    path = write_report(folders["compare"])
    assert path == Path(folders["compare"]) / "report.html"
    text = path.read_text()
    refs = _self_contained(text)
    assert sum(u.startswith("data:image/svg+xml;base64,") for u in refs.urls) == len(COMPARE_STEMS)
    c = pdata.load(folders["compare"])
    for needle in ("China-France style trilateral consortia",  # B's description
                   "The reference world without industrial capacity cooperation",  # A's
                   findings.verdict_sentence(c), "95% CI", "joint_fund", "capital_controls",
                   "Provenance"):
        assert needle in text.replace("&#x27;", "'").replace("&quot;", '"'), needle


#: Words a single run's outputs must not use: one run has levels, not gains or wins.
CLAIMS = re.compile(r"\bgain|\bwins?\b|triple.win", re.IGNORECASE)


def _figure_texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))
            if t.get_text()]


def test_single_run_outputs_claim_no_gain_or_win(folders) -> None:
    """Levels are named as levels: no title, label or note of a run's figures or report
    speaks of a gain, a win or a triple win (only a comparison with a reference may)."""
    from sim.plotting import figures, style

    run = pdata.load(folders["run"])
    with style.context():
        for stem, fig in figures.run_figure_set(run):
            texts = _figure_texts(fig)
            assert texts, stem
            bad = [t for t in texts if CLAIMS.search(t)]
            assert bad == [], (stem, bad)
            assert not CLAIMS.search(figures.FIGURE_NOTES[stem]), stem
            import matplotlib.pyplot as plt

            plt.close(fig)
    assert "Welfare index levels by" in findings.run_levels_title(run)
    text = write_report(folders["run"], Path(folders["run"]) / "claims.html").read_text()
    body = re.sub(r"<style>.*?</style>|<[^>]+>|data:[^\"']+", " ", text, flags=re.DOTALL)
    body = body.replace(run.description, "")  # the scenario's own question may ask about gains
    assert not CLAIMS.search(body), CLAIMS.findall(body)


def test_compare_gains_figure_plots_the_paired_difference(folders) -> None:
    """gains_compare shows B - A with its 95% band (a +5 bn effect is visible on any scale)."""
    from sim.plotting import figures, style

    c = pdata.load(folders["compare"])
    with style.context():
        fig = figures.fig_compare_gains(c)
        for ax, (_k, g, _t) in zip(fig.axes, pdata.GROUPS, strict=True):
            mean, lo, hi = figures.paired_band(c, g)
            line = ax.get_lines()[0].get_ydata()
            assert np.allclose(line, (c.b.series[g] - c.a.series[g]).mean(axis=0))
            assert np.all(lo <= mean + 1e-9) and np.all(mean <= hi + 1e-9)
            lo_y, hi_y = ax.get_ylim()
            assert lo_y <= min(0.0, lo.min()) and hi_y >= max(0.0, hi.max())
            # year ticks stay inside the panel (no labels colliding at the joins)
            ticks = ax.get_xticks()
            assert ticks.min() > ax.get_xlim()[0] and ticks.max() < ax.get_xlim()[1]
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_report_of_a_run_via_the_command(folders, tmp_path: Path) -> None:
    out = tmp_path / "baseline.html"
    res = subprocess.run([sys.executable, "-m", "sim", "report", str(folders["run"]), "--out",
                          str(out)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    text = out.read_text()
    refs = _self_contained(text)
    assert sum(u.startswith("data:image/svg+xml") for u in refs.urls) == len(RUN_STEMS)
    assert "The world of 2015" in text and "<em>International Industrial Capacity" in text
    assert "Key results at 2016Q4" in text
    manifest = json.loads((Path(folders["run"]) / "manifest.json").read_text())
    assert manifest["scenario_sha256"] in text


def test_report_text_is_escaped() -> None:
    from sim.report import _prose

    assert _prose("<script>alert(1)</script> *Section* & more") == \
        "&lt;script&gt;alert(1)&lt;/script&gt; <em>Section</em> &amp; more"
