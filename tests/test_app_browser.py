"""The classroom page in a real browser: Debian's Chromium, headless, driven by Playwright.

``triplewin app`` runs in a subprocess on a free loopback port. The page must load with no
console error and no request to any host but this machine's; its sliders must be the levers of
``sim.scenario.params``; moving a lever and running must change a chart; a screenshot (saved in
``test-artifacts/``) must show drawn charts, checked pixel by pixel. The report of a comparison is
opened from disk too: no request may leave the file.

Playwright never downloads a browser here: it drives ``/usr/bin/chromium`` (``.ci/run`` installs
Debian's package when it is missing). Without Chromium or Playwright the tests skip and say why.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
from app_process import ROOT, start_app, stop

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; .ci/run does it)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (pip install -e '.[test]')")
for _module in ("starlette", "uvicorn"):
    pytest.importorskip(_module, reason=f"{_module} is not installed (pip install -e '.[app]')")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``triplewin app`` on a free loopback port; yields its address."""
    proc, port = start_app(tmp_path_factory.mktemp("app"),
                           str(ROOT / "scenarios" / "baseline.yaml"), "--host", "127.0.0.1")
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def playwright():
    """One Playwright driver for the module (two cannot run at once)."""
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright, tmp_path_factory: pytest.TempPathFactory):
    """Headless Debian Chromium with a fresh profile."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    try:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1366, "height": 900})
    except sync_api.Error as e:  # e.g. a Chromium too old or too new for this Playwright
        pytest.skip(f"Playwright cannot start {CHROMIUM}: {str(e).splitlines()[0]}")
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="module")
def chromium(playwright):
    """Headless Debian Chromium for contexts of their own (screen size, zoom)."""
    try:
        b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                       args=CHROMIUM_ARGS)
    except sync_api.Error as e:
        pytest.skip(f"Playwright cannot start {CHROMIUM}: {str(e).splitlines()[0]}")
    try:
        yield b
    finally:
        b.close()


class Watch:
    """Every request, console error and page error of a page."""

    def __init__(self, page) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(f"console: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    def outside(self, allowed_schemes: tuple[str, ...] = ("data",)) -> list[str]:
        bad = []
        for url in self.requests:
            u = urlparse(url)
            if u.scheme in allowed_schemes:
                continue
            if u.scheme not in ("http", "https", "ws") or u.hostname not in LOCAL_HOSTS:
                bad.append(url)
        return bad


def _canvas_png(page, selector: str) -> str:
    """What a canvas shows, as a PNG data URL read inside the page."""
    return page.eval_on_selector(selector, "c => c.toDataURL('image/png')")


def _drawn(rgb: np.ndarray) -> tuple[float, int]:
    """Share of non-background pixels and number of distinct colours of an RGB image."""
    p = rgb.astype(np.uint32)
    ink = (p.min(axis=2) < 235).mean()
    colours = len(np.unique((p[..., 0] << 16) | (p[..., 1] << 8) | p[..., 2]))
    return float(ink), colours


def _has_colour(rgb: np.ndarray, hex_colour: str, tol: int = 40, least: int = 30) -> bool:
    target = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb.astype(int) - target).max(axis=2) <= tol).sum()) >= least


def _run_to_end(page) -> None:
    page.select_option("#speed", "0")
    page.click("#run")
    page.wait_for_function("document.querySelector('#clock').textContent.includes('(done)')",
                           timeout=90_000)


def test_page_offline_levers_charts_and_verdict(server: str, browser) -> None:
    from PIL import Image

    from sim.plotting.palette import GAIN_COLOURS
    from sim.scenario.params import LEVERS

    page = browser.new_page()
    watch = Watch(page)
    page.goto(server)
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)

    # one slider per lever, from the schema; values from the scenario file
    sliders = page.eval_on_selector_all(
        "input[type=range]", "els => els.map(e => [e.dataset.lever, +e.min, +e.max, +e.value])")
    assert [s[0] for s in sliders] == list(LEVERS)
    for name, lo, hi, _v in sliders:
        assert (lo, hi) == (LEVERS[name].low, LEVERS[name].high)
    values = {s[0]: s[3] for s in sliders}
    assert values["joint_bidding"] == pytest.approx(0.2)  # scenarios/baseline.yaml
    assert page.eval_on_selector_all("#scenario option", "os => os.length") >= 10
    assert page.input_value("#scenario") and "baseline" in page.text_content("#about")

    # run the baseline to the end and remember the charts
    _run_to_end(page)
    before = {c: _canvas_png(page, f"#chart-{c} canvas") for c in ("gains", "shares", "tech")}
    point_before = page.inner_text("#point")
    assert "2024Q4" in page.inner_text("#clock")

    # a student moves a lever with the keyboard, resets and runs again: the charts change
    page.focus("#in-third_party_cooperation")
    page.keyboard.press("End")
    assert float(page.input_value("#in-third_party_cooperation")) == 1.0
    page.wait_for_function("document.querySelector('#out-third_party_cooperation')"
                           ".textContent === '1.00'")
    page.click("#reset")
    page.wait_for_function("document.querySelector('#clock').textContent.includes('step 0 ')")
    _run_to_end(page)
    for c, old in before.items():
        assert _canvas_png(page, f"#chart-{c} canvas") != old, f"chart {c} did not change"
    assert page.inner_text("#point") != point_before
    assert "Third party cooperation 1.00 (ref. 0.10)" in page.inner_text("#differs")

    # the verdict with replications: the paired comparison with CIs
    page.click("#verdict-btn")
    page.select_option("#reps", "3")
    page.click("#verdict-go")
    page.wait_for_selector("#verdict-result .headline", timeout=90_000)
    verdict = page.inner_text("#verdict-result")
    assert "triple win" in verdict.lower() and "3 replications" in verdict
    assert page.eval_on_selector_all("#verdict-result tbody tr", "rs => rs.length") == 3
    assert "Third party cooperation 1.00 (ref. 0.10)" in verdict
    # the verdict across worlds: the share of worlds per group, the own world beside it
    page.select_option("#worlds", "10")
    page.click("#verdict-go")
    page.wait_for_selector("#verdict-result th:has-text('share of 10 worlds')", timeout=180_000)
    robust = page.inner_text("#verdict-result")
    assert "10 plausible worlds" in robust and "own world" in robust
    assert page.eval_on_selector_all("#verdict-result tbody tr", "rs => rs.length") == 4
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "verdict-worlds.png"))
    page.select_option("#worlds", "0")
    page.click("#verdict-close")

    # the screenshot shows drawn charts, not a blank page
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "app.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shot), full_page=True)
    box = page.locator("#chart-gains").bounding_box()  # page coordinates at scroll 0
    with Image.open(shot) as im:
        assert im.size == (1366, 900)  # the page fits the screen
        rgb = np.asarray(im.convert("RGB"))
    x0, y0 = int(box["x"]), int(box["y"])
    chart = rgb[y0:y0 + int(box["height"]), x0:x0 + int(box["width"])]
    ink, colours = _drawn(chart)
    assert ink > 0.02 and colours > 30, (ink, colours)
    for colour in GAIN_COLOURS.values():
        assert _has_colour(chart, colour), colour
    whole_ink, _ = _drawn(rgb)
    assert whole_ink > 0.05

    assert watch.errors == []
    assert watch.outside() == [], "requests left the machine"
    assert any(urlparse(u).path == "/static/charts.js" for u in watch.requests)
    page.close()


def test_bad_requests_are_answered_not_crashed(server: str, browser) -> None:
    page = browser.new_page()
    api = page.request
    r = api.post(server + "api/runs", data={"scenario": "../../etc/passwd"})
    assert r.status == 400 and "unknown scenario" in r.json()["error"]
    run = api.post(server + "api/runs", data={}).json()
    r = api.post(server + f"api/runs/{run['id']}/lever", data={"name": "joint_bidding",
                                                               "value": 7})
    assert r.status == 400 and "out of range" in r.json()["error"]
    r = api.post(server + f"api/runs/{run['id']}/lever", data={"name": "nope", "value": 0.1})
    assert r.status == 400 and "unknown lever" in r.json()["error"]
    r = api.post(server + "api/runs/0000/step", data={"n": 1})
    assert r.status == 404
    r = api.post(server + f"api/runs/{run['id']}/step", data={"n": 3}).json()
    assert r["step"] == 3 and len(r["live"]["gain_china"]) == 3
    page.close()


def test_report_opens_offline(browser, tmp_path: Path) -> None:
    """A report from disk: its figures are embedded, nothing else is fetched."""
    from PIL import Image

    from sim.experiments.compare import compare
    from sim.results.folders import write_comparison
    from sim.report import write_report
    from sim.scenario.load import load_scenario

    sc = ROOT / "scenarios"
    c = compare(load_scenario(sc / "no-cooperation.yaml", steps=8, replications=3),
                load_scenario(sc / "third-party-cooperation.yaml", steps=8, replications=3))
    folder = write_comparison(c, out_dir=tmp_path / "cmp", plots=False)
    report = write_report(folder)
    page = browser.new_page()
    watch = Watch(page)
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    widths = page.eval_on_selector_all("figure img", "is => is.map(i => i.naturalWidth)")
    assert len(widths) == 4 and min(widths) > 500, "figures did not render"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    with Image.open(shot) as im:
        ink, colours = _drawn(np.asarray(im.convert("RGB")))
    assert ink > 0.02 and colours > 30
    assert watch.errors == []
    assert [u for u in watch.requests if not u.startswith(("file:", "data:"))] == []
    page.close()
    shutil.copy(report, ARTIFACTS / "report.html")


#: Screens the page is designed for: (name, CSS viewport, device pixel ratio). 150% browser zoom
#: on a 1280x720 projector is a 853x480 CSS viewport drawn at 1.5 device pixels per CSS pixel.
SCREENS = [("1280x720", (1280, 720), 1.0), ("1920x1080", (1920, 1080), 1.0),
           ("1280x720-zoom150", (853, 480), 1.5)]


@pytest.mark.parametrize("name,size,ratio", SCREENS, ids=[s[0] for s in SCREENS])
def test_layout_fits_a_projector(server: str, chromium, name: str, size, ratio) -> None:
    """The comparison with the reference and every chart are on screen without scrolling, the
    text is large enough to read from the back of a room; the screenshot is kept."""
    from PIL import Image

    context = chromium.new_context(viewport={"width": size[0], "height": size[1]},
                                   device_scale_factor=ratio)
    page = context.new_page()
    watch = Watch(page)
    page.goto(server)
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    _run_to_end(page)
    width, height = page.evaluate("[innerWidth, innerHeight]")
    assert page.evaluate("document.documentElement.scrollHeight") <= height
    for sel in ["#ahead", "#verdict-btn", "#differs", "#chart-world",
                *[f"#chart-{c} canvas" for c in ("gains", "tech", "shares", "barrier",
                                                 "default")]]:
        box = page.locator(sel).bounding_box()
        assert box is not None, sel
        assert box["y"] >= 0 and box["y"] + box["height"] <= height + 0.5, (sel, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (sel, box)
        if "canvas" in sel:
            assert box["height"] >= 90 and box["width"] >= 200, (sel, box)
    # text a room can read: at least 15 CSS px for the comparison, 12 px anywhere on the stage
    fonts = page.eval_on_selector_all(
        "#stage *", "els => els.filter(e => e.offsetParent && e.childNodes.length && "
        "[...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert min(fonts) >= 11.5, min(fonts)
    assert page.eval_on_selector(".group .word", "e => parseFloat(getComputedStyle(e).fontSize)") \
        >= 15
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"app-{name}.png"
    page.screenshot(path=str(shot))
    with Image.open(shot) as im:
        assert im.size == (round(size[0] * ratio), round(size[1] * ratio))
        ink, colours = _drawn(np.asarray(im.convert("RGB")))
    assert ink > 0.05 and colours > 50
    assert watch.errors == [] and watch.outside() == []
    context.close()


def test_reference_choice_and_previous_run(server: str, browser) -> None:
    """The reference is chosen on the page (a scenario, or this scenario with one lever
    changed); the page says what differs; the previous run is drawn beside the new one."""
    page = browser.new_page()
    watch = Watch(page)
    page.goto(server)
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    options = page.eval_on_selector_all("#reference option", "os => os.map(o => o.value)")
    assert "lever" in options and len(options) >= 10
    assert page.eval_on_selector("#reference", "s => s.selectedOptions[0].textContent") == \
        "baseline"
    # baseline against baseline: nothing differs
    assert "the same settings" in page.inner_text("#differs")
    # against no-cooperation: every lever it sets differs, and the page says so
    nocoop = page.eval_on_selector_all(
        "#reference option", "os => os.filter(o => o.textContent === 'no-cooperation')"
        ".map(o => o.value)")[0]
    page.select_option("#reference", nocoop)
    page.wait_for_function("document.querySelector('#differs').textContent"
                           ".includes('no-cooperation')")
    text = page.inner_text("#differs")
    assert "cannot be credited to any one" in text and "Joint bidding" in text
    assert "capital controls" in text  # a world value differs too
    # "this scenario with one lever changed": only that lever differs
    page.select_option("#reference", "lever")
    page.select_option("#ref-lever-name", "third_party_cooperation")
    page.fill("#ref-lever-value", "0.8")
    page.dispatch_event("#ref-lever-value", "change")
    page.wait_for_function("document.querySelector('#differs').textContent"
                           ".includes('Third party cooperation 0.10 (ref. 0.80)')")
    assert "one setting" in page.inner_text("#differs")
    assert "ref. 0.80" in page.inner_text("#lever-third_party_cooperation")
    _run_to_end(page)
    assert page.eval_on_selector("#chart-gains .prev", "e => e.hidden")
    first = _canvas_png(page, "#chart-gains canvas")
    # move another lever (the reference follows it) and run again: the previous run is overlaid
    page.focus("#in-branding")
    page.keyboard.press("End")
    page.wait_for_function("document.querySelector('#out-branding').textContent === '1.00'")
    assert "same in ref." in page.inner_text("#lever-branding")
    page.click("#reset")
    page.wait_for_function("document.querySelector('#clock').textContent.includes('step 0 ')")
    _run_to_end(page)
    assert not page.eval_on_selector("#chart-gains .prev", "e => e.hidden")
    assert _canvas_png(page, "#chart-gains canvas") != first
    # the metric help: "?" on a chart explains its metrics
    page.click("#chart-tech .info")
    assert "cn_tech_level" in page.inner_text("#chart-tech .help")
    assert watch.errors == [] and watch.outside() == []
    page.close()


@pytest.fixture(scope="module")
def class_game(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """``triplewin app --class`` (3 rounds of 2 years): (address, join code, instructor key)."""
    import re
    import time

    tmp = tmp_path_factory.mktemp("class")
    proc, port = start_app(tmp, str(ROOT / "scenarios" / "baseline.yaml"), "--class", "--host",
                           "127.0.0.1", "--rounds", "3")
    log = tmp / f"app-{port}.log"
    deadline = time.monotonic() + 30
    while "#key=" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    text = log.read_text()
    try:
        yield (f"http://127.0.0.1:{port}/", re.search(r"code\s+([A-Z0-9]{6})", text).group(1),
               re.search(r"#key=(\S+)", text).group(1))
    finally:
        stop(proc)


def test_class_game_three_groups_in_browsers(class_game, chromium, tmp_path: Path) -> None:
    """Three students (one browser each) join their groups with the code and move their own
    levers; the instructor plays the rounds, reveals, and downloads the scenario file."""
    from sim.app.game import group_levers

    base, code, key = class_game
    contexts, students = [], {}
    for group, size in (("china", (390, 844)), ("developed", (1280, 720)),
                        ("developing", (800, 600))):
        ctx = chromium.new_context(viewport={"width": size[0], "height": size[1]})
        contexts.append(ctx)
        page = ctx.new_page()
        watch = Watch(page)
        page.goto(base + "join")
        page.wait_for_selector("body[data-ready='1']")
        page.fill("#code", code.lower())
        page.click(f"#group-choice button[data-group='{group}']")
        page.wait_for_selector("#play:not([hidden])")
        sliders = page.eval_on_selector_all("input[type=range]", "es => es.map(e => e.dataset.lever)")
        assert sliders == group_levers()[group]  # only the levers its governments hold
        students[group] = (page, watch)
    teacher_ctx = chromium.new_context(viewport={"width": 1280, "height": 720})
    contexts.append(teacher_ctx)
    teacher = teacher_ctx.new_page()
    twatch = Watch(teacher)
    teacher.goto(base + f"class#key={key}")
    teacher.wait_for_selector("body[data-ready='1']")
    assert teacher.inner_text("#join-code") == code
    teacher.wait_for_function("document.querySelector('#teams').textContent.includes('1 device')")

    # each group moves its first lever to the top; the instructor sees the pending moves
    moved = [g for g in students if group_levers()[g]]  # a group may hold no lever (yet)
    for group in moved:
        page = students[group][0]
        first = group_levers()[group][0]
        page.focus(f"#in-{first}")
        page.keyboard.press("End")
        page.wait_for_function(f"document.querySelector('#lever-{first}').classList.contains('pending')")
    teacher.wait_for_function(f"document.querySelectorAll('#teams b').length >= {len(moved)}")
    for r in (1, 2):
        teacher.click("#advance")
        teacher.wait_for_function(f"document.body.dataset.round === '{r}'", timeout=90_000)
    assert "2018Q4" in teacher.inner_text("#clock")
    moves = teacher.inner_text("#moves")
    assert all(lever_label in moves for lever_label in ("Joint bidding", "BIT coverage"))
    # before the reveal a student sees only its own group; after it, all three
    page, _w = students["developed"]
    page.wait_for_function("document.body.dataset.round === '2'")
    assert page.eval_on_selector_all(".result", "rs => rs.length") == 1
    teacher.click("#reveal")
    page.wait_for_function("document.querySelectorAll('.result').length === 3", timeout=10_000)
    teacher.click("#advance")
    teacher.wait_for_function("document.body.dataset.round === '3'", timeout=90_000)
    assert "game over" in teacher.inner_text("#clock")
    ARTIFACTS.mkdir(exist_ok=True)
    teacher.screenshot(path=str(ARTIFACTS / "class-instructor.png"))
    students["china"][0].wait_for_function("document.body.dataset.round === '3'")
    students["china"][0].screenshot(path=str(ARTIFACTS / "class-student-phone.png"),
                                    full_page=True)
    with teacher.expect_download() as dl:
        teacher.click("#download")
    path = tmp_path / "game.yaml"
    dl.value.save_as(path)
    text = path.read_text()
    assert "joint_bidding:\n    0: 0.2\n    0" not in text and "class-game-" in text
    assert "steps: 24" in text
    for ctx in contexts:
        ctx.close()
    for _p, w in [*students.values(), (None, twatch)]:
        assert w.errors == [] and w.outside() == []
