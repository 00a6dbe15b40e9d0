"""What the classroom server accepts before any request reaches the model.

Every refusal is a 4xx with a JSON body ``{"error": "..."}``, never a 500:

* **Host and Origin.** A request whose ``Host`` is not one of the server's own names is refused
  (403): a web page on another site cannot reach a server on 127.0.0.1 through a DNS name that
  it points at this machine (DNS rebinding). A request that carries an ``Origin`` (browsers send
  it with every POST) must come from the page this server served, or it is refused (403): a page
  a student opens elsewhere cannot drive the server (cross-site requests). The allowed names
  follow ``--host``: loopback names always; the given address; for ``0.0.0.0``/``::`` every
  address and name of this machine; and any ``--allow-host``.
* **Bodies.** A POST body must be JSON (``Content-Type: application/json``, else 415), at most
  :data:`MAX_BODY` bytes (else 413), an object, no deeper than :data:`MAX_DEPTH` (else 400);
  ``NaN`` and ``Infinity`` are not JSON numbers and are refused.
* **Numbers.** :func:`whole_number` reads seeds and counts: booleans, fractions, numbers out of
  range and huge integers are refused with the allowed range.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from .live import LiveError

#: Largest request body accepted, bytes (the largest real request, a game move, is ~100 bytes).
MAX_BODY = 16 * 1024
#: Deepest nesting accepted in a request body ({"overrides": {"lever": 0.5}} is depth 2).
MAX_DEPTH = 4
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WILDCARD = ("0.0.0.0", "::", "")


class RequestError(LiveError):
    """A request refused with ``status`` (a :class:`LiveError`, so it is a 4xx, never a 500)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


# --------------------------------------------------------------------------------------------
# the server's own names


def machine_names() -> set[str]:
    """This machine's host names and addresses (for a server on 0.0.0.0 or ::)."""
    names: set[str] = set()
    try:
        host = socket.gethostname()
        names |= {host, host.split(".")[0], host.split(".")[0] + ".local",
                  socket.getfqdn()}
        for info in socket.getaddrinfo(host, None):
            names.add(str(info[4][0]).split("%")[0])
    except OSError:
        pass
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:  # the address the machine would use on the network (nothing is sent)
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                names.add(s.getsockname()[0].split("%")[0])
        except OSError:
            pass
    return {n.lower() for n in names if n}


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The names a request's ``Host`` may carry when the server listens on ``host``."""
    names = set(LOOPBACK)
    h = host.strip().strip("[]").lower()
    if h in WILDCARD:
        names |= machine_names()
    else:
        names.add(h)
    names |= {e.strip().strip("[]").lower() for e in extra if e.strip()}
    return frozenset(names)


def split_host(value: str) -> tuple[str, str]:
    """``"[::1]:8765"`` -> ``("::1", "8765")``; ``"name:80"`` -> ``("name", "80")``."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[1:end], value[end + 2:] if end >= 0 else ""
    if value.count(":") == 1:
        name, port = value.split(":")
        return name, port
    return value, ""


class HostGuard:
    """ASGI middleware: refuse requests for another host name or from another site (403)."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        problem = self.problem(headers)
        if problem:
            await error(problem, 403)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def problem(self, headers: dict[str, str]) -> str | None:
        host_header = headers.get("host", "")
        name, _port = split_host(host_header)
        if name not in self.hosts:
            shown = host_header[:60] or "(none)"
            return (f"request refused: Host {shown!r} is not this server's address "
                    "(open the address that 'triplewin app' printed)")
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in (f"http://{host_header.lower()}",
                                                         f"https://{host_header.lower()}"):
            return (f"request refused: it comes from another site ({origin[:60]!r}); only "
                    "this server's own page may use it")
        if headers.get("sec-fetch-site", "") == "cross-site":
            return "request refused: it comes from another site; only this server's page may use it"
        return None


# --------------------------------------------------------------------------------------------
# bodies and numbers


def _depth(x: Any, limit: int, level: int = 0) -> int:
    if level > limit:
        return level
    if isinstance(x, dict):
        return max([level + 1] + [_depth(v, limit, level + 1) for v in x.values()])
    if isinstance(x, list):
        return max([level + 1] + [_depth(v, limit, level + 1) for v in x])
    return level


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


async def json_body(request: Request) -> dict[str, Any]:
    """The body of a POST as a JSON object, within the limits above (an empty body is ``{}``)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    length = request.headers.get("content-length")
    if length is not None and (not length.strip().isdigit() or int(length) > MAX_BODY):
        raise RequestError(f"request body too large (at most {MAX_BODY} bytes)", 413)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise RequestError(f"request body too large (at most {MAX_BODY} bytes)", 413)
    if not raw.strip() and media in ("", "application/json"):
        return {}
    if media != "application/json":
        raise RequestError(f"the request body must be JSON (Content-Type: application/json, "
                           f"not {media[:40] or 'none'!r})", 415)
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise RequestError(f"the request body is nested too deeply (at most {MAX_DEPTH} "
                           "levels)") from None
    except ValueError as e:  # includes UnicodeDecodeError and over-long integers
        raise RequestError(f"the request body is not valid JSON ({str(e)[:80]})") from None
    if not isinstance(data, dict):
        raise RequestError("the request body must be a JSON object {...}")
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise RequestError(f"the request body is nested too deeply (at most {MAX_DEPTH} levels)")
    return data


def whole_number(v: Any, what: str, low: int, high: int) -> int:
    """``v`` as a whole number in ``[low, high]`` (an integer, or a string or float holding one)."""
    allowed = f"a whole number from {low} to {high}"
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise LiveError(f"{what} must be {allowed}")
    if isinstance(v, str):
        text = v.strip()
        if len(text) > 25:
            raise LiveError(f"{what} must be {allowed}")
        try:
            v = int(text) if text.lstrip("+-").isdigit() else float(text)
        except ValueError:
            raise LiveError(f"{what} must be {allowed}") from None
    if isinstance(v, float):
        if not v.is_integer():  # NaN and infinities too
            raise LiveError(f"{what} must be {allowed}")
        v = int(v)
    if not low <= v <= high:
        shown = str(v) if abs(v) < 10**30 else "a number that large"
        raise LiveError(f"{what} {shown} is out of range ({allowed})")
    return v
