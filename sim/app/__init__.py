"""The classroom page: ``triplewin app`` serves a local, offline page to run a scenario live.

:mod:`sim.app.live` holds the live run and its no-cooperation reference (no HTTP);
:mod:`sim.app.server` serves it with Starlette and uvicorn; ``static/`` holds the page, its style
and two small scripts (``charts.js`` draws the charts on <canvas>; ``app.js`` wires the controls).
Nothing is fetched from outside the machine. See docs/classroom.md.
"""
