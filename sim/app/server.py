"""The classroom page's web server: Starlette routes over :mod:`sim.app.live`, served by uvicorn.

Everything the browser loads comes from this server: ``static/index.html``, ``app.css``,
``charts.js`` (a small canvas line-chart script written for this page) and ``app.js``. There is
no third-party front end, no CDN and no web font, so the page works with no network at all.

Routes (JSON in and out):

* ``GET  /api/config``: sliders (from ``sim.scenario.params.LEVERS``), charts, metric help,
  colours, scenarios and the default reference.
* ``POST /api/runs`` ``{"scenario": KEY, "seed": N, "overrides": {lever: value}, "reference":
  {"scenario": KEY} | {"lever": NAME, "value": V}}``: a new live run; returns its ``id`` and state.
* ``POST /api/runs/{id}/step`` ``{"n": 1}``, ``/lever`` ``{"name", "value"}``, ``/reset``
  ``{"seed"}``, ``/reference`` ``{"reference": ...}``: advance, move a lever live, start again,
  compare with another reference; each returns the state.
* ``POST /api/runs/{id}/verdict`` ``{"replications": N}``: the paired comparison with CIs.
* The class game (:mod:`sim.app.game`, ``triplewin app --class``): see that module.

Every request passes :mod:`sim.app.guard` first (Host, Origin, body limits).

Scenario files are named by a key from ``/api/config``; the page never sends a path.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..scenario.params import RUN
from .game import GROUP_NAMES, GameAccessError, GameSession, group_levers, stance_sliders
from .guard import HostGuard, RequestError, allowed_hosts, error, json_body, whole_number
from .live import (
    DEFAULT_REFERENCE,
    MAX_VERDICT_REPLICATIONS,
    MAX_VERDICT_WORLDS,
    LiveError,
    LiveRun,
    Reference,
    check_lever,
    page_config,
    paired_verdict,
    robust_verdict,
)

STATIC = Path(__file__).resolve().parent / "static"
#: Live runs kept in memory at once, over all clients.
MAX_RUNS = 240
#: Live runs one client (address) keeps at once (its own oldest is dropped first).
RUNS_PER_CLIENT = 6
#: A run unused this long may be dropped when the server is full, seconds.
IDLE_SECONDS = 1800.0
#: Verdicts (paired replications, the heaviest request) computed at once.
MAX_VERDICTS = 2
SEED = RUN["seed"]
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
    """The scenario files of ``folder`` (:func:`sim.scenario.library.files_in`; and ``extra``,
    listed first), loaded and checked."""
    from ..scenario.library import files_in
    from ..scenario.load import ScenarioError, load_scenario

    files: list[Path] = []
    if extra is not None:
        files.append(Path(extra).resolve())
    if folder is not None and folder.is_dir():
        files += [f.resolve() for f in files_in(folder) if f.resolve() not in files]
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
    """The server's state: the scenario library, the reference and the live runs.

    Live runs are kept per client (by address): a client holds at most :data:`RUNS_PER_CLIENT`
    runs (its own oldest is dropped first), so no client can evict another's runs. When the
    server holds :data:`MAX_RUNS` runs in all, runs idle for :data:`IDLE_SECONDS` are dropped;
    if none is, a new run is refused (503) rather than taking one from another client.
    """

    def __init__(self, scenarios_dir: Path | None, scenario: Path | None = None) -> None:
        self.library = scenario_library(scenarios_dir, scenario)
        ok = [e for e in self.library if e.error is None]
        if not ok:
            raise LiveError("no valid scenario file found"
                            + (f" in {scenarios_dir}" if scenarios_dir else ""))
        self.default_key = ok[0].key if scenario is not None else next(
            (e.key for e in ok if e.name == "baseline"), ok[0].key)
        self.default_reference = next((e.key for e in ok if e.name == DEFAULT_REFERENCE),
                                      self.default_key)
        self.loaded: dict[str, Any] = {}  # key -> validated Scenario (files are read once)
        self.runs: OrderedDict[str, tuple[str, LiveRun]] = OrderedDict()  # id -> (client, run)
        self.used: dict[str, float] = {}  # id -> last use (monotonic seconds)
        self.lock = threading.Lock()
        self.verdicts = threading.BoundedSemaphore(MAX_VERDICTS)
        from .. import model  # noqa: F401  (import it now, not on the first page load)

    def entry(self, key: Any) -> ScenarioEntry:
        for e in self.library:
            if isinstance(key, str) and e.key == key:
                if e.error:
                    raise LiveError(f"{e.path.name} is not valid: {e.error}")
                return e
        raise LiveError(f"unknown scenario {str(key)[:40]!r}")

    def config(self) -> dict[str, Any]:
        cfg = page_config()
        cfg["scenarios"] = [{"key": e.key, "file": e.path.name, "name": e.name,
                             "description": e.description, "steps": e.steps, "seed": e.seed,
                             "levers": e.levers, "error": e.error} for e in self.library]
        cfg["default_scenario"] = self.default_key
        cfg["default_reference"] = self.default_reference
        cfg["seed_range"] = [SEED.low, SEED.high]
        return cfg

    def scenario(self, key: Any) -> Any:
        """The validated scenario of a library key (read from its file once)."""
        from ..scenario.load import load_scenario

        e = self.entry(key)
        if e.key not in self.loaded:
            self.loaded[e.key] = load_scenario(e.path)
        return self.loaded[e.key]

    def reference(self, spec: Any) -> Reference:
        """A reference from the page: ``{"scenario": KEY}`` or ``{"lever": NAME, "value": V}``."""
        if spec in (None, ""):
            spec = {"scenario": self.default_reference}
        if not isinstance(spec, dict):
            raise LiveError('reference must be {"scenario": KEY} or {"lever": NAME, "value": V}')
        if "lever" in spec:
            name = spec.get("lever")
            value = check_lever(name, spec.get("value"))
            return Reference(label=f"this scenario with {name} = {value:g}", lever=name,
                             value=value)
        e = self.entry(spec.get("scenario"))
        return Reference(label=e.name, scenario=self.scenario(e.key))

    def new_run(self, client: str, key: Any, seed: Any, overrides: Any,
                reference: Any = None) -> tuple[str, LiveRun]:
        """A new live run for ``client`` (everything is checked before anything is kept)."""
        e = self.entry(key)
        seed = e.seed if seed in (None, "") else whole_number(seed, "seed", SEED.low, SEED.high)
        if not isinstance(overrides or {}, dict):
            raise LiveError("overrides must be an object {lever: value}")
        for k, v in (overrides or {}).items():
            check_lever(k, v)
        ref = self.reference(reference)
        run = LiveRun(self.scenario(e.key), reference_spec=ref, seed=seed,
                      overrides=dict(overrides or {}))
        run_id = uuid.uuid4().hex
        now = time.monotonic()
        with self.lock:
            mine = [i for i, (c, _r) in self.runs.items() if c == client]
            for i in mine[:max(0, len(mine) - RUNS_PER_CLIENT + 1)]:
                self._drop(i)
            if len(self.runs) >= MAX_RUNS:
                for i in [i for i, t in self.used.items() if now - t > IDLE_SECONDS]:
                    self._drop(i)
            if len(self.runs) >= MAX_RUNS:
                raise RequestError("the server holds as many live runs as it can; try again "
                                   "later", 503)
            self.runs[run_id] = (client, run)
            self.used[run_id] = now
        return run_id, run

    def _drop(self, run_id: str) -> None:
        self.runs.pop(run_id, None)
        self.used.pop(run_id, None)

    def run(self, run_id: str) -> LiveRun:
        with self.lock:
            item = self.runs.get(run_id)
            if item is not None:
                self.used[run_id] = time.monotonic()
        if item is None:
            raise KeyError(run_id)
        return item[1]


def _act(room: Classroom, run_id: str, action: str, data: dict[str, Any]) -> Response:
    """One control request on a live run (in a worker thread: model work blocks). Every value
    is checked before the run is touched, so a bad request leaves the run as it was."""
    try:
        run = room.run(run_id)
    except KeyError:
        return error("this run has expired; press Reset", 404)
    if action == "verdict":
        reps = whole_number(data.get("replications", 5), "replications", 2,
                            MAX_VERDICT_REPLICATIONS)
        worlds = data.get("worlds")
        # no worlds (or 0): the scenario's own world; else 2 or more plausible worlds
        own_only = worlds is None or (type(worlds) is int and worlds == 0)
        worlds = None if own_only else whole_number(worlds, "worlds", 2, MAX_VERDICT_WORLDS)
        if not room.verdicts.acquire(blocking=False):
            raise RequestError("the server is busy with other verdicts; try again in a moment",
                               503)
        try:  # outside the run's lock: the live run may go on stepping meanwhile
            with run.lock:
                reference, live = run.settings()
                seed = run.seed
            if worlds is not None:
                return JSONResponse(robust_verdict(reference, live, seed, reps, worlds))
            return JSONResponse(paired_verdict(reference, live, seed, reps))
        finally:
            room.verdicts.release()
    if action == "step":
        n = whole_number(data.get("n", 1), "n", 0, MAX_STEP)
        with run.lock:
            run.step(n)
            return JSONResponse(run.state())
    if action == "lever":
        name, value = data.get("name"), data.get("value")
        check_lever(name, value)
        with run.lock:
            run.set_lever(name, value)
            return JSONResponse(run.state())
    if action == "reference":
        ref = room.reference(data.get("reference"))
        with run.lock:
            run.set_reference(ref)
            return JSONResponse(run.state())
    # reset
    seed = data.get("seed")
    seed = None if seed in (None, "") else whole_number(seed, "seed", SEED.low, SEED.high)
    with run.lock:
        if seed is not None:
            run.seed = seed
        run.reset()
        return JSONResponse(run.state())


def client_of(request: Request) -> str:
    """Who is asking: the client's address (one quota of live runs per address)."""
    return request.client.host if request.client else "unknown"


def game_routes(room: Classroom, game: GameSession | None) -> list[Route]:
    """The class game's pages and API (:mod:`sim.app.game`); 404 when no game is running."""

    def page(name: str):
        async def handler(_request: Request) -> Response:
            if game is None:
                return error("no class game is running (start one with: triplewin app --class)",
                             404)
            return FileResponse(STATIC / name, headers={"Cache-Control": "no-store"})

        return handler

    def api(action: str):
        async def handler(request: Request) -> Response:
            data = await json_body(request)
            if game is None:
                return error("no class game is running (start one with: triplewin app --class)",
                             404)
            client = client_of(request)

            def act() -> Response:
                if action == "join":
                    p = game.join(client, data.get("code"), data.get("group"))
                    return JSONResponse({"token": p.token, **game.state(p)})
                if "key" in data:
                    game.check_key(data.get("key"))
                    player = None
                else:
                    player = game.player(data.get("token"))
                if action == "move":
                    if player is None:
                        raise LiveError("moves are made by players of a group")
                    game.move(player, data.get("name"), data.get("value"))
                elif action == "admin":
                    if player is not None:
                        raise GameAccessError("only the instructor can do that")
                    what = data.get("action")
                    if what == "advance":
                        game.advance()
                    elif what in ("freeze", "unfreeze"):
                        game.set_flag(frozen=what == "freeze")
                    elif what in ("reveal", "hide"):
                        game.set_flag(revealed=what == "reveal")
                    else:
                        raise LiveError("action must be advance, freeze, unfreeze, reveal or "
                                        "hide")
                elif action == "scenario":
                    if player is not None:
                        raise GameAccessError("only the instructor can do that")
                    return JSONResponse({"filename": f"class-game-{game.code.lower()}.yaml",
                                         "yaml": game.scenario_yaml()})
                return JSONResponse(game.state(player))

            return await run_in_threadpool(act)

        return handler

    return [Route("/join", page("join.html")), Route("/class", page("class.html")),
            *[Route(f"/api/game/{a}", api(a), methods=["POST"])
              for a in ("join", "state", "move", "admin", "scenario")]]


def create_app(scenarios_dir: Path | None, scenario: Path | None = None,
               host: str = "127.0.0.1", allow_hosts: tuple[str, ...] = (),
               game: GameSession | None = None) -> Starlette:
    """The Starlette application (``triplewin app`` serves it with uvicorn). ``host`` is the
    address served on: requests must name it (or a loopback name, or one of ``allow_hosts``).
    ``game``: a class game (:mod:`sim.app.game`) served at ``/join`` and ``/class``."""
    room = Classroom(scenarios_dir, scenario)

    async def index(_request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def config(_request: Request) -> Response:
        cfg = room.config()
        if game is not None:
            cfg["game"] = {"groups": group_levers(), "names": GROUP_NAMES,
                           "stances": stance_sliders()}
        return JSONResponse(cfg)

    async def create(request: Request) -> Response:
        data = await json_body(request)
        client = client_of(request)

        def make() -> Response:
            run_id, run = room.new_run(client, data.get("scenario", room.default_key),
                                       data.get("seed"), data.get("overrides"),
                                       data.get("reference"))
            return JSONResponse({"id": run_id, **run.state()})

        return await run_in_threadpool(make)

    def control(action: str):
        async def handler(request: Request) -> Response:
            data = await json_body(request)
            return await run_in_threadpool(_act, room, request.path_params["run_id"], action,
                                           data)

        return handler

    async def live_error(_request: Request, exc: Exception) -> Response:
        return error(str(exc), getattr(exc, "status", 400))

    async def http_error(_request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 400)
        words = {404: "not found", 405: "method not allowed"}
        return error(words.get(status, str(getattr(exc, "detail", "bad request"))), status)

    async def server_error(_request: Request, _exc: Exception) -> Response:
        return error("internal error (the run is unchanged); please report it", 500)

    routes = [
        Route("/", index),
        Route("/api/config", config),
        Route("/api/runs", create, methods=["POST"]),
        *[Route(f"/api/runs/{{run_id}}/{a}", control(a), methods=["POST"])
          for a in ("step", "lever", "reset", "verdict", "reference")],
        *game_routes(room, game),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={
        LiveError: live_error, HTTPException: http_error, Exception: server_error},
        middleware=[Middleware(HostGuard, hosts=allowed_hosts(host, allow_hosts))])
    app.state.classroom = room
    return app


def serve(host: str, port: int, scenarios_dir: Path | None, scenario: Path | None = None,
          log_level: str = "warning") -> None:
    """Serve the page until interrupted."""
    import uvicorn

    app = create_app(scenarios_dir, scenario, host=host)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
