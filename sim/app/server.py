"""The classroom page's web server: Starlette routes over :mod:`sim.app.live`, served by uvicorn.

Everything the browser loads comes from this server: ``static/index.html``, ``app.css``,
``charts.js`` (a small canvas line-chart script written for this page) and ``app.js``. There is
no third-party front end, no CDN and no web font, so the page works with no network at all.

Routes (JSON in and out):

* ``GET  /api/config``: sliders (from ``sim.scenario.params.LEVERS``), charts, colours, scenarios
  and the reference.
* ``POST /api/runs`` ``{"scenario": KEY, "seed": N, "overrides": {lever: value}}``: a new live
  run; returns its ``id`` and state.
* ``POST /api/runs/{id}/step`` ``{"n": 1}``, ``/lever`` ``{"name", "value"}``, ``/reset``
  ``{"seed"}``: advance, move a lever live, start again; each returns the state.
* ``POST /api/runs/{id}/verdict`` ``{"replications": N}``: the paired comparison with CIs.

Scenario files are named by a key from ``/api/config``; the page never sends a path.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .live import (
    REFERENCE_FILE,
    LiveError,
    LiveRun,
    page_config,
    paired_verdict,
    reference_pins,
)

STATIC = Path(__file__).resolve().parent / "static"
#: Live runs kept in memory at once (the oldest is dropped first).
MAX_RUNS = 24
#: Most quarters one step request may advance.
MAX_STEP = 400


@dataclass
class ScenarioEntry:
    key: str
    path: Path
    name: str
    description: str
    steps: int
    seed: int
    levers: dict[str, Any]
    error: str | None = None


def scenario_library(folder: Path | None, extra: Path | None = None) -> list[ScenarioEntry]:
    """The scenario files of ``folder`` (and ``extra``, listed first), loaded and checked."""
    from ..scenario.load import ScenarioError, load_scenario

    files: list[Path] = []
    if extra is not None:
        files.append(Path(extra).resolve())
    if folder is not None and folder.is_dir():
        files += [f.resolve() for f in sorted(folder.glob("*.yaml")) if f.resolve() not in files]
    out = []
    for i, f in enumerate(files):
        key = f"s{i}"
        try:
            sc = load_scenario(f)
        except ScenarioError as e:
            out.append(ScenarioEntry(key, f, f.stem, "", 0, 0, {},
                                     error=str(e.problems[0]) if e.problems else "invalid"))
            continue
        out.append(ScenarioEntry(key, f, sc.name, sc.description, sc.run.steps, sc.run.seed,
                                 sc.lever_values()))
    return out


class Classroom:
    """The server's state: the scenario library, the reference and the live runs."""

    def __init__(self, scenarios_dir: Path | None, scenario: Path | None = None) -> None:
        self.library = scenario_library(scenarios_dir, scenario)
        ok = [e for e in self.library if e.error is None]
        if not ok:
            raise LiveError("no valid scenario file found"
                            + (f" in {scenarios_dir}" if scenarios_dir else ""))
        ref = self._reference_path(scenarios_dir, scenario)
        self.reference_path = ref
        self.pins = reference_pins(ref)
        self.default_key = ok[0].key if scenario is not None else next(
            (e.key for e in ok if e.name == "baseline"), ok[0].key)
        self.runs: OrderedDict[str, LiveRun] = OrderedDict()
        self.lock = threading.Lock()
        from .. import model  # noqa: F401  (import it now, not on the first page load)

    @staticmethod
    def _reference_path(folder: Path | None, scenario: Path | None) -> Path:
        from ..scenario.library import library_dir

        candidates = [d / REFERENCE_FILE for d in (folder, scenario.parent if scenario else None,
                                                   library_dir("scenarios")) if d is not None]
        for c in candidates:
            if c.is_file():
                return c
        raise LiveError(f"no reference scenario {REFERENCE_FILE} (looked in "
                        f"{', '.join(str(c.parent) for c in candidates)})")

    def entry(self, key: Any) -> ScenarioEntry:
        for e in self.library:
            if e.key == key:
                if e.error:
                    raise LiveError(f"{e.path.name} is not valid: {e.error}")
                return e
        raise LiveError(f"unknown scenario {key!r}")

    def config(self) -> dict[str, Any]:
        cfg = page_config()
        cfg["scenarios"] = [{"key": e.key, "file": e.path.name, "name": e.name,
                             "description": e.description, "steps": e.steps, "seed": e.seed,
                             "levers": e.levers, "error": e.error} for e in self.library]
        cfg["default_scenario"] = self.default_key
        cfg["reference"] = {"file": self.reference_path.name, "pins": self.pins}
        return cfg

    def new_run(self, key: Any, seed: Any, overrides: Any) -> tuple[str, LiveRun]:
        from ..scenario.load import load_scenario

        e = self.entry(key)
        seed = e.seed if seed in (None, "") else _int(seed, "seed")
        if not 0 <= seed < 2**63:
            raise LiveError("seed must be a whole number from 0")
        if not isinstance(overrides or {}, dict):
            raise LiveError("overrides must be an object {lever: value}")
        run = LiveRun(load_scenario(e.path), pins=self.pins, seed=seed,
                      overrides=dict(overrides or {}))
        run_id = uuid.uuid4().hex
        with self.lock:
            self.runs[run_id] = run
            while len(self.runs) > MAX_RUNS:
                self.runs.popitem(last=False)
        return run_id, run

    def run(self, run_id: str) -> LiveRun:
        with self.lock:
            run = self.runs.get(run_id)
            if run is not None:
                self.runs.move_to_end(run_id)
        if run is None:
            raise KeyError(run_id)
        return run


def _int(v: Any, what: str) -> int:
    if isinstance(v, bool):
        raise LiveError(f"{what} must be a whole number")
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise LiveError(f"{what} must be a whole number") from None
    if not f.is_integer():
        raise LiveError(f"{what} must be a whole number")
    return int(f)


def _act(room: Classroom, run_id: str, action: str, data: dict[str, Any]) -> Response:
    """One control request on a live run (in a worker thread: model work blocks)."""
    try:
        run = room.run(run_id)
    except KeyError:
        return JSONResponse({"error": "this run has expired; press Reset"}, status_code=404)
    if action == "verdict":
        # outside the run's lock: the live run may go on stepping meanwhile
        with run.lock:
            scenario, overrides, pins, seed = run.settings()
        reps = _int(data.get("replications", 5), "replications")
        return JSONResponse(paired_verdict(scenario, overrides, pins, seed, reps))
    with run.lock:
        if action == "step":
            run.step(min(max(_int(data.get("n", 1), "n"), 0), MAX_STEP))
        elif action == "lever":
            run.set_lever(str(data.get("name")), data.get("value"))
        elif action == "reset":
            if data.get("seed") not in (None, ""):
                run.seed = _int(data["seed"], "seed")
            run.reset()
        return JSONResponse(run.state())


def create_app(scenarios_dir: Path | None, scenario: Path | None = None) -> Starlette:
    """The Starlette application (``triplewin app`` serves it with uvicorn)."""
    room = Classroom(scenarios_dir, scenario)

    async def body(request: Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except ValueError:
            raise LiveError("the request body must be JSON") from None
        if not isinstance(data, dict):
            raise LiveError("the request body must be a JSON object")
        return data

    async def index(_request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def config(_request: Request) -> Response:
        return JSONResponse(room.config())

    async def create(request: Request) -> Response:
        data = await body(request)

        def make() -> Response:
            run_id, run = room.new_run(data.get("scenario", room.default_key),
                                       data.get("seed"), data.get("overrides"))
            return JSONResponse({"id": run_id, **run.state()})

        return await run_in_threadpool(make)

    def control(action: str):
        async def handler(request: Request) -> Response:
            data = await body(request)
            return await run_in_threadpool(_act, room, request.path_params["run_id"], action,
                                           data)

        return handler

    async def live_error(_request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": str(exc)}, status_code=400)

    routes = [
        Route("/", index),
        Route("/api/config", config),
        Route("/api/runs", create, methods=["POST"]),
        *[Route(f"/api/runs/{{run_id}}/{a}", control(a), methods=["POST"])
          for a in ("step", "lever", "reset", "verdict")],
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={LiveError: live_error})
    app.state.classroom = room
    return app


def serve(host: str, port: int, scenarios_dir: Path | None, scenario: Path | None = None,
          log_level: str = "warning") -> None:
    """Serve the page until interrupted."""
    import uvicorn

    app = create_app(scenarios_dir, scenario)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
