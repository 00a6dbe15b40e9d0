"""The class game through a real ``triplewin app --class`` server: three groups of simulated
players over rounds, the instructor's controls, who may do what, and the replay of the game's
scenario file by ``triplewin run``."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from app_process import ROOT, start_app, stop
from test_app_server import Client

for _module in ("starlette", "uvicorn"):
    pytest.importorskip(_module, reason=f"{_module} is not installed (pip install -e '.[app]')")


@pytest.fixture(scope="module")
def game(tmp_path_factory: pytest.TempPathFactory):
    """A class game of 3 rounds of 1 year on a free port: (port, join code, instructor key)."""
    tmp = tmp_path_factory.mktemp("game")
    proc, port = start_app(tmp, str(ROOT / "scenarios" / "baseline.yaml"), "--class",
                           "--host", "127.0.0.1", "--rounds", "3", "--round-years", "1")
    log = tmp / f"app-{port}.log"
    deadline = time.monotonic() + 30
    while "#key=" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    text = log.read_text()
    code = re.search(r"type the code\s+([A-Z0-9]{6})", text).group(1)
    key = re.search(r"#key=(\S+)", text).group(1)
    try:
        yield port, code, key
    finally:
        stop(proc)


def test_three_groups_play_rounds_and_the_scenario_replays(game, tmp_path: Path) -> None:
    from sim.app.game import group_levers

    port, code, key = game
    c = Client(port)
    teacher = {"key": key}
    # one device per group joins with the code (and one device from another address too)
    players = {}
    for group, source in (("china", "127.0.0.2"), ("developed", "127.0.0.3"),
                          ("developing", "127.0.0.4")):
        s, d = Client(port, source).post("/api/game/join", {"code": code.lower(),
                                                            "group": group})
        assert s == 200, d
        assert d["you"]["group"] == group and set(d["gains"]) == {group}  # not revealed yet
        assert "world" not in d and "code" not in d
        players[group] = d["token"]
    s, st = c.post("/api/game/state", teacher)
    assert s == 200 and st["code"] == code and st["round"] == 0
    assert {g: st["groups"][g]["players"] for g in players} == {g: 1 for g in players}
    assert list(st["groups"]["developed"]["levers"]) == group_levers()["developed"]

    # who may do what
    s, d = c.post("/api/game/move", {"token": players["china"], "name": "bit_coverage",
                                     "value": 1.0})
    assert s == 403 and "not a lever of China" in d["error"]
    s, d = c.post("/api/game/move", {"token": "forged", "name": "joint_bidding", "value": 1})
    assert s == 403
    s, d = c.post("/api/game/admin", {"token": players["china"], "action": "advance"})
    assert s == 403
    s, d = c.post("/api/game/admin", {"key": "guess", "action": "advance"})
    assert s == 403
    s, d = c.post("/api/game/scenario", {"token": players["developed"]})
    assert s == 403
    s, d = c.post("/api/game/move", {"token": players["china"], "name": "joint_bidding",
                                     "value": 7})
    assert s == 400 and "out of range" in d["error"]
    # the developed countries' screening stance is theirs; other uncertainties are nobody's
    s, d = c.post("/api/game/move", {"token": players["china"], "name": "investment_screening",
                                     "value": 0.5})
    assert s == 403 and "held by Developed countries" in d["error"]
    s, d = c.post("/api/game/move", {"token": players["developed"], "name": "instability",
                                     "value": 0.5})
    assert s == 400 and "unknown lever" in d["error"]
    s, cfg = c.request("GET", "/api/config")
    assert [x["name"] for x in cfg["game"]["stances"]] == ["investment_screening"]

    # round 1: every group moves; the instructor advances one year
    moves = [("china", "joint_bidding", 1.0), ("china", "soe_reform", 0.8),
             ("developed", "third_party_cooperation", 0.9), ("developed", "bit_coverage", 0.6)]
    moves += [("developing", n, 0.7) for n in group_levers()["developing"][:1]]
    for group, name, value in moves:
        s, d = c.post("/api/game/move", {"token": players[group], "name": name, "value": value})
        assert s == 200, d
    s, st = c.post("/api/game/admin", {**teacher, "action": "advance"})
    assert s == 200 and st["round"] == 1 and st["step"] == 4
    assert {m["lever"] for m in st["moves"]} == {n for _g, n, _v in moves}
    assert all(m["step"] == 0 for m in st["moves"])
    # round 2 frozen: moves refused; then unfrozen, the developed group pulls back
    c.post("/api/game/admin", {**teacher, "action": "freeze"})
    s, d = c.post("/api/game/move", {"token": players["developed"],
                                     "name": "third_party_cooperation", "value": 0.0})
    assert s == 409 and "frozen" in d["error"]
    c.post("/api/game/admin", {**teacher, "action": "unfreeze"})
    s, d = c.post("/api/game/move", {"token": players["developed"],
                                     "name": "third_party_cooperation", "value": 0.2})
    assert s == 200
    s, d = c.post("/api/game/move", {"token": players["developed"],
                                     "name": "investment_screening", "value": 0.4})
    assert s == 200, d
    s, st = c.post("/api/game/admin", {**teacher, "action": "advance"})
    assert st["round"] == 2 and st["moves"][-2:] == [
        {"round": 2, "step": 4, "quarter": "2016Q1", "lever": "investment_screening",
         "value": 0.4, "group": "developed"},
        {"round": 2, "step": 4, "quarter": "2016Q1", "lever": "third_party_cooperation",
         "value": 0.2, "group": "developed"}]
    assert st["groups"]["developed"]["levers"]["investment_screening"]["value"] == 0.4
    # reveal: a player now sees every group's result and the world
    c.post("/api/game/admin", {**teacher, "action": "reveal"})
    s, d = c.post("/api/game/state", {"token": players["developing"]})
    assert set(d["gains"]) == {"china", "developed", "developing"} and "world" in d
    s, st = c.post("/api/game/admin", {**teacher, "action": "advance"})
    assert st["round"] == 3 and st["over"] and st["step"] == 12
    s, d = c.post("/api/game/admin", {**teacher, "action": "advance"})
    assert s == 409 and "over" in d["error"]
    # each group's result is its welfare index against the reference, in the same world
    for g in ("china", "developed", "developing"):
        gains = st["gains"][g]
        assert len(gains["live"]) == len(gains["reference"]) == 12
        assert gains["difference"][-1] == pytest.approx(gains["live"][-1]
                                                        - gains["reference"][-1])

    # the session's lever history is a scenario file; triplewin run replays it exactly
    s, d = c.post("/api/game/scenario", teacher)
    assert s == 200 and d["filename"].endswith(".yaml")
    path = tmp_path / d["filename"]
    path.write_text(d["yaml"])
    assert "third_party_cooperation:\n    0: 0.9\n    4: 0.2" in d["yaml"]
    assert "investment_screening:\n    0: 0.0\n    4: 0.4" in d["yaml"].split("levers:")[0]
    out = tmp_path / "replay"
    r = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--out", str(out),
                        "--no-plots", "--workers", "1"], capture_output=True, text=True,
                       timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    with (out / "timeseries.csv").open() as fh:
        rows = [row for row in csv.DictReader(fh) if int(row["replication"]) == 0]
    assert len(rows) == 12
    for g in ("china", "developed", "developing"):
        replay = [float(row[f"gain_{g}"]) for row in rows]
        assert replay == pytest.approx(st["gains"][g]["live"], rel=1e-12, abs=1e-12), g


def test_joining_needs_the_code(game) -> None:
    port, code, _key = game
    guesser = Client(port, "127.0.0.9")
    for _ in range(20):
        s, d = guesser.post("/api/game/join", {"code": "AAAAAA", "group": "china"})
        assert s == 403 and "wrong join code" in d["error"]
    s, d = guesser.post("/api/game/join", {"code": code, "group": "china"})
    assert s == 429  # too many wrong codes from this address, even with the right one now
    s, d = Client(port, "127.0.0.10").post("/api/game/join", {"code": code, "group": "martians"})
    assert s == 400 and "group must be" in d["error"]
    s, d = Client(port).request("GET", "/join", headers={"Host": "evil.example"})
    assert s == 403


def test_every_lever_is_held_by_one_group() -> None:
    """A lever the model declares (and each stance the game hands out) is moved in the game by
    exactly one group (declared once in GROUP_LEVERS): a new lever fails here until a group
    holds it."""
    from sim.app.game import GAME_STANCES, GROUP_LEVERS
    from sim.scenario.params import LEVERS

    for name in [*LEVERS, *GAME_STANCES]:
        holders = [g for g, names in GROUP_LEVERS.items() if name in names]
        assert len(holders) == 1, (name, holders)
