"""The classroom server under hostile requests, through a real ``triplewin app`` process.

Every bad request gets a 4xx and a JSON ``{"error": ...}``, never a 500; a bad request leaves its
run as it was; one client cannot evict another's runs; requests naming another host (DNS
rebinding) or coming from another site are refused, while the names given by ``--host`` and
``--allow-host`` work.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_process import ROOT, start_app, stop

for _module in ("starlette", "uvicorn"):
    pytest.importorskip(_module, reason=f"{_module} is not installed (pip install -e '.[app]')")

@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    proc, p = start_app(tmp_path_factory.mktemp("srv"), str(ROOT / "scenarios" / "baseline.yaml"),
                        "--host", "127.0.0.1", "--allow-host", "classroom.example")
    try:
        yield p
    finally:
        stop(proc)


class Client:
    """Raw HTTP to the server, from a chosen loopback source address, any headers."""

    def __init__(self, port: int, source: str = "127.0.0.1") -> None:
        self.port, self.source = port, source

    def request(self, method: str, path: str, body: Any = None, headers: dict | None = None,
                raw: bytes | None = None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120,
                                          source_address=(self.source, 0))
        h = {"Host": f"127.0.0.1:{self.port}"}
        if body is not None:
            raw = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in h.items():
                conn.putheader(k, v)
            if raw is not None and "Content-Length" not in h:
                conn.putheader("Content-Length", str(len(raw)))
            conn.endheaders(raw)
            r = conn.getresponse()
            data = r.read()
        finally:
            conn.close()
        try:
            return r.status, json.loads(data)
        except ValueError:
            return r.status, data

    def post(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return self.request("POST", path, body if body is not None or "raw" in kw else {}, **kw)


def _err(status: int, data: Any, want: int, text: str = "") -> None:
    assert status == want, (status, data)
    assert isinstance(data, dict) and isinstance(data.get("error"), str), data
    assert text.lower() in data["error"].lower(), data


def test_bad_seeds_are_4xx_and_leave_the_run_intact(port: int) -> None:
    c = Client(port)
    for seed in (-1, 2**63, 2**64, 10**400, 1.5, "abc", True, [1], {"a": 1}, "1e999"):
        raw = (b'{"seed": ' + str(seed).encode() + b"}") if seed == 10**400 else None
        if raw is not None:
            s, d = c.post("/api/runs", raw=raw, headers={"Content-Type": "application/json"})
            assert 400 <= s < 500 and "error" in d, (seed, s, d)
            continue
        s, d = c.post("/api/runs", {"seed": seed})
        assert 400 <= s < 500 and "error" in d, (seed, s, d)
    s, run = c.post("/api/runs", {"seed": 2**63 - 1})
    assert s == 200 and run["seed"] == 2**63 - 1
    s, run = c.post("/api/runs", {"seed": 7})
    rid = run["id"]
    s, st = c.post(f"/api/runs/{rid}/step", {"n": 3})
    assert s == 200 and st["step"] == 3
    before = st["live"]["gain_china"]
    # bad resets, steps, levers and verdicts: each refused, the run unchanged
    for action, body in [("reset", {"seed": -5}), ("reset", {"seed": 2**64}),
                         ("step", {"n": -1}), ("step", {"n": 10**30}), ("step", {"n": "x"}),
                         ("lever", {"name": "joint_bidding", "value": 1e308 * 10}),
                         ("lever", {"name": ["joint_bidding"], "value": 0.5}),
                         ("lever", {"name": "joint_bidding", "value": [0.5]}),
                         ("lever", {"name": "joint_bidding", "value": 2}),
                         ("verdict", {"replications": 1}), ("verdict", {"replications": 10**9}),
                         ("verdict", {"replications": 2, "worlds": 1}),
                         ("verdict", {"replications": 2, "worlds": 10**6}),
                         ("verdict", {"replications": 2, "worlds": "many"}),
                         ("verdict", {"replications": 2, "worlds": True})]:
        s, d = c.post(f"/api/runs/{rid}/{action}", body)
        assert 400 <= s < 500 and "error" in d, (action, body, s, d)
    s, st = c.post(f"/api/runs/{rid}/step", {"n": 0})
    assert s == 200 and st["step"] == 3 and st["seed"] == 7
    assert st["live"]["gain_china"] == before
    s, st = c.post(f"/api/runs/{rid}/step", {"n": 1})
    assert s == 200 and st["step"] == 4


def test_the_verdict_across_worlds(port: int) -> None:
    """The page's verdict across worlds: per group and for the triple win, the share of worlds
    in which it holds with its interval, and the scenario's own world, which is the paired
    verdict of the same seeds."""
    c = Client(port)
    s, run = c.post("/api/runs", {"seed": 11})
    rid = run["id"]
    c.post(f"/api/runs/{rid}/lever", {"name": "third_party_cooperation", "value": 1.0})
    s, v = c.post(f"/api/runs/{rid}/verdict", {"replications": 2, "worlds": 3})
    assert s == 200, v
    keys = {"developed", "developing", "china", "triple_win"}
    assert v["worlds"] == 3 and v["replications"] == 2
    assert set(v["share"]) == set(v["ci"]) == set(v["own_world"]) == keys
    for k in keys:
        assert v["share"][k] in (0.0, 1 / 3, 2 / 3, 1.0)
        lo, hi = v["ci"][k]
        assert 0.0 <= lo <= v["share"][k] <= hi <= 1.0
    assert "3 plausible worlds" in v["headline"]
    s, p = c.post(f"/api/runs/{rid}/verdict", {"replications": 2})
    assert s == 200
    assert v["own_world"]["triple_win"] == p["triple_win"]
    assert {g: v["own_world"][g] for g in p["groups"]} == {
        g: d["outcome"] == "win" for g, d in p["groups"].items()}


def test_bodies_over_the_limit_nested_or_not_json(port: int) -> None:
    c = Client(port)
    big = json.dumps({"seed": 1, "pad": "x" * 100_000}).encode()
    s, d = c.post("/api/runs", raw=big, headers={"Content-Type": "application/json"})
    _err(s, d, 413, "too large")
    # a lying Content-Length is refused before the body is read
    s, d = c.post("/api/runs", raw=b"{}", headers={"Content-Type": "application/json",
                                                   "Content-Length": "99999999"})
    _err(s, d, 413, "too large")
    deep = b"[" * 8000 + b"]" * 8000  # under the size limit, far over the depth
    s, d = c.post("/api/runs", raw=deep, headers={"Content-Type": "application/json"})
    _err(s, d, 400)
    deep = b'{"a":' * 500 + b"1" + b"}" * 500
    s, d = c.post("/api/runs", raw=deep, headers={"Content-Type": "application/json"})
    _err(s, d, 400, "nested")
    s, d = c.post("/api/runs", raw=b"{\"overrides\": {\"joint_bidding\": {\"a\": {\"b\": [1]}}}}",
                  headers={"Content-Type": "application/json"})
    _err(s, d, 400)
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        s, d = c.post("/api/runs", raw=b'{"seed": 1}', headers={"Content-Type": ctype})
        _err(s, d, 415, "json")
    for raw in (b"{", b"[1, 2]", b"\xff\xfe", b'{"seed": NaN}', b'"text"', b"1" * 5000):
        s, d = c.post("/api/runs", raw=raw, headers={"Content-Type": "application/json"})
        _err(s, d, 400)
    s, d = c.request("GET", "/nope")
    _err(s, d, 404)
    s, d = c.request("GET", "/api/runs")
    _err(s, d, 405)
    s, d = c.request("GET", "/static/../../etc/passwd")
    assert s == 404
    s, d = c.post("/api/runs", {"scenario": "../../etc/passwd"})
    _err(s, d, 400, "unknown scenario")
    s, d = c.post("/api/runs", {"scenario": {"a": 1}})
    _err(s, d, 400, "unknown scenario")
    s, d = c.post("/api/runs", {"overrides": [1, 2]})
    _err(s, d, 400, "overrides")


def test_one_client_cannot_evict_anothers_runs(port: int) -> None:
    from sim.app.server import RUNS_PER_CLIENT

    alice, mallory = Client(port, "127.0.0.2"), Client(port, "127.0.0.3")
    s, run = alice.post("/api/runs", {})
    assert s == 200
    for _ in range(3 * RUNS_PER_CLIENT):
        s, _d = mallory.post("/api/runs", {})
        assert s == 200
    s, st = alice.post(f"/api/runs/{run['id']}/step", {"n": 1})
    assert s == 200 and st["step"] == 1
    # mallory's own oldest runs went first: it keeps its quota, no more
    first = mallory.post("/api/runs", {})[1]["id"]
    for _ in range(RUNS_PER_CLIENT):
        mallory.post("/api/runs", {})
    s, d = mallory.post(f"/api/runs/{first}/step", {"n": 1})
    _err(s, d, 404, "expired")


def test_other_hosts_and_other_sites_are_refused(port: int) -> None:
    c = Client(port)
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", ""):
        s, d = c.request("GET", "/api/config", headers={"Host": host})
        _err(s, d, 403, "not this server")
        s, d = c.request("GET", "/", headers={"Host": host})
        _err(s, d, 403)
    for origin in ("http://evil.example", f"http://evil.example:{port}", "null",
                   f"http://127.0.0.1:{port + 1}"):
        s, d = c.post("/api/runs", {}, headers={"Origin": origin})
        _err(s, d, 403, "another site")
    s, d = c.post("/api/runs", {}, headers={"Sec-Fetch-Site": "cross-site"})
    _err(s, d, 403)
    # the server's own names work, with the page's own origin
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "classroom.example",
                 f"classroom.example:{port}"):
        s, d = c.request("GET", "/api/config", headers={"Host": host})
        assert s == 200 and d["levers"], host
        s, d = c.post("/api/runs", {}, headers={"Host": host, "Origin": f"http://{host}",
                                                "Sec-Fetch-Site": "same-origin"})
        assert s == 200 and d["id"], host


def test_allowed_hosts_follow_host() -> None:
    from sim.app.guard import allowed_hosts, machine_names

    assert allowed_hosts("127.0.0.1") == {"127.0.0.1", "localhost", "::1"}
    assert "192.168.1.20" in allowed_hosts("192.168.1.20")
    assert "evil.example" not in allowed_hosts("0.0.0.0")
    assert machine_names() <= allowed_hosts("0.0.0.0") == allowed_hosts("::")
    assert "room.local" in allowed_hosts("127.0.0.1", ["Room.local"])


def test_served_on_the_network_its_address_works(tmp_path: Path) -> None:
    """``--host 0.0.0.0``: the machine's own address works, another name does not."""
    from sim.app.guard import machine_names

    proc, p = start_app(tmp_path, "--host", "0.0.0.0")
    try:
        c = Client(p)
        addresses = sorted(n for n in machine_names() if n.replace(".", "").isdigit())
        for name in [*addresses, "localhost"]:
            s, d = c.request("GET", "/api/config", headers={"Host": f"{name}:{p}"})
            assert s == 200, (name, d)
        s, d = c.request("GET", "/api/config", headers={"Host": f"rebound.example:{p}"})
        _err(s, d, 403)
    finally:
        stop(proc)
