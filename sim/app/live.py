"""A live run for the classroom page: the model and its no-cooperation reference, side by side.

:class:`LiveRun` steps two :class:`~sim.model.TripleWinModel` instances in lock step with the
same seed (common random numbers): the chosen scenario with the page's lever settings, and the
*reference*, which is the same scenario with the settings of ``no-cooperation.yaml`` pinned on
top (the levers and world values that file sets itself; every other lever follows the sliders).
Each step the page gets both paths and a point comparison of the three gains; with one run this
is a point comparison, not a verdict. :func:`paired_verdict` runs the paired comparison of
:mod:`sim.experiments.compare` over replications and gives the CI-based verdict.

Nothing here knows about HTTP (see :mod:`sim.app.server`); the page's sliders, charts and colours
are all described by :func:`page_config`, generated from the parameter and metric declarations.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..metrics import METRICS
from ..plotting.palette import GROUP_TITLES, colour_of, palette_json
from ..scenario.params import LEVERS, START_YEAR
from ..scenario.schema import Scenario, value_at

#: Name of the reference scenario file in the scenario folder.
REFERENCE_FILE = "no-cooperation.yaml"
#: The charts of the page: (id, title, metrics). Labels, units and colours come from the metric
#: declarations and the palette.
CHARTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("gains", "Gains of the three groups", ("gain_developed", "gain_developing", "gain_china")),
    ("tech", "Chinese technology level", ("cn_tech_level",)),
    ("shares", "Contract shares", ("cn_contract_share", "dv_cn_share")),
    ("barrier", "Entry barrier in developed hosts", ("dv_barrier",)),
    ("default", "Default rate in developing hosts", ("dg_default_rate",)),
)
GAINS = {"developed": "gain_developed", "developing": "gain_developing", "china": "gain_china"}
#: Smallest y span of a chart, by unit, so early quarters' wiggles do not fill it.
MIN_SPAN = {"share 0-1": 0.05, "index 0-1": 0.04, "USD bn": 10.0}
#: Words shown in capitals in slider labels.
ACRONYMS = frozenset({"ipr", "soe", "bit"})
#: A point difference smaller than this share of the larger gain counts as level.
LEVEL = 0.005
#: Most replications the page may ask for in one verdict.
MAX_VERDICT_REPLICATIONS = 30


class LiveError(ValueError):
    """A request the page should not have made (unknown lever, value out of range, ...)."""


def page_config() -> dict[str, Any]:
    """Everything the page builds itself from: one slider per lever, the charts, the colours."""
    levers = []
    for p in LEVERS.values():
        high = float(p.high if p.high is not None else p.low + 1)
        levers.append({
            "name": p.name, "label": lever_label(p.name), "unit": p.unit,
            "low": float(p.low), "high": high, "default": float(p.default),
            "step": (high - float(p.low)) / 100, "meaning": p.meaning, "source": p.source,
        })
    charts = []
    for cid, title, names in CHARTS:
        m0 = METRICS[names[0]]
        percent = all(METRICS[n].unit.startswith("share") for n in names)
        charts.append({
            "id": cid, "title": title, "unit": m0.unit, "percent": percent,
            "include_zero": percent or m0.group == "gain",
            "min_span": MIN_SPAN.get(m0.unit.split(",")[0], 0.0),
            "series": [{"metric": n, "label": _series_label(n), "colour": colour_of(n)}
                       for n in names],
        })
    return {"levers": levers, "charts": charts, "palette": palette_json(),
            "groups": [{"key": k, "metric": g, "title": GROUP_TITLES[k],
                        "short": GROUP_TITLES[k].split()[0]} for k, g in GAINS.items()],
            "start_year": START_YEAR, "max_replications": MAX_VERDICT_REPLICATIONS}


def lever_label(name: str) -> str:
    """A slider's label from the lever's name: ``ipr_protection`` -> "IPR protection"."""
    words = [w.upper() if w in ACRONYMS else w for w in name.split("_")]
    return " ".join(words)[0].upper() + " ".join(words)[1:]


def _series_label(metric: str) -> str:
    short = {"gain_developed": "Developed", "gain_developing": "Developing",
             "gain_china": "China", "cn_contract_share": "all contracts",
             "dv_cn_share": "in developed hosts"}
    return short.get(metric, METRICS[metric].label)


# --------------------------------------------------------------------------------------------
# the reference


def reference_pins(path: Path) -> dict[str, Any]:
    """The levers and world values that the reference file sets itself (not inherited)."""
    data = yaml.safe_load(Path(path).read_text()) or {}
    pins: dict[str, Any] = {}
    for section in ("world", "levers"):
        pins.update(data.get(section) or {})
    return pins


def with_values(base: Scenario, values: dict[str, Any]) -> Scenario:
    """A copy of ``base`` with levers or world values replaced, validated again."""
    if not values:
        return base
    data = base.model_dump()
    for k, v in values.items():
        section = "levers" if k in data["levers"] else "world" if k in data["world"] else None
        if section is None:
            raise LiveError(f"unknown lever or world value {k!r}")
        data[section][k] = v
    try:
        return Scenario.model_validate(data)
    except Exception as e:  # pydantic's message names the key and the allowed range
        raise LiveError(" ".join(str(e).split())) from None


def check_lever(name: Any, value: Any) -> float:
    """A lever value from the page, checked against its declaration."""
    p = LEVERS.get(name) if isinstance(name, str) else None
    if p is None:
        raise LiveError(f"unknown lever {str(name)[:40]!r}; levers are {', '.join(LEVERS)}")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise LiveError(f"{name}: expected a number ({p.range_text.split(', or')[0]})")
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise LiveError(f"{name}: {str(value)[:40]!r} is not a number") from None
    if not math.isfinite(v) or v < p.low or (p.high is not None and v > p.high):
        shown = f"{v:g}" if math.isfinite(v) else str(value)[:40]
        raise LiveError(f"{name}: {shown} is out of range ({p.range_text.split(', or')[0]})")
    return v


# --------------------------------------------------------------------------------------------
# the live run


@dataclass
class LiveRun:
    """One scenario stepping beside its no-cooperation reference, with the same seed."""

    scenario: Scenario
    pins: dict[str, Any]
    seed: int
    overrides: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        for k, v in list(self.overrides.items()):
            self.overrides[k] = check_lever(k, v)
        self.reset()

    # --- control ---------------------------------------------------------------------------
    def reset(self) -> None:
        """Rebuild both models at step 0 with the current settings."""
        from ..model import TripleWinModel
        from ..streams import replication_seeds

        live = with_values(self.scenario, self.overrides)
        ref = with_values(live, self.pins)
        # replication 0 of `triplewin run --seed SEED`, for both
        rep_seed = replication_seeds(self.seed, 1)[0]
        self.model = TripleWinModel.from_scenario(live, rep_seed)
        self.reference = TripleWinModel.from_scenario(ref, rep_seed)

    def set_lever(self, name: str, value: Any) -> None:
        """Move a lever from now on, in the live model and (unless pinned) in the reference."""
        v = check_lever(name, value)
        self.overrides[name] = v
        self.model.set_lever(name, v)
        if name not in self.pins:
            self.reference.set_lever(name, v)

    def step(self, n: int = 1) -> None:
        """Advance both models ``n`` quarters (not past the end of the run)."""
        for _ in range(max(0, int(n))):
            if not self.model.running:
                break
            self.model.step()
            self.reference.step()

    @property
    def steps(self) -> int:
        return self.scenario.run.steps

    # --- what the page shows ---------------------------------------------------------------
    def lever_now(self) -> dict[str, dict[str, Any]]:
        """Each lever's value this quarter and whether a schedule or the page sets it."""
        out = {}
        step = max(self.model.step_index, 0) if self.model.history else 0
        for name, p in LEVERS.items():
            raw = self.model.levers[name]
            out[name] = {"value": value_at(raw, step, p.default),
                         "scheduled": isinstance(raw, dict), "pinned": name in self.pins,
                         "reference": value_at(self.reference.levers[name], step, p.default)}
        return out

    def state(self) -> dict[str, Any]:
        """Both paths of the charted metrics, the point comparison and the lever values."""
        names = sorted({n for _, _, ns in CHARTS for n in ns})
        done = len(self.model.history)
        return {
            "step": done, "steps": self.steps, "done": not self.model.running,
            "quarter": _quarter(done - 1) if done else None,
            "seed": self.seed,
            "live": {n: [row[n] for row in self.model.history] for n in names},
            "reference": {n: [row[n] for row in self.reference.history] for n in names},
            "point": self.point_comparison(),
            "levers": self.lever_now(),
        }

    def point_comparison(self) -> dict[str, Any]:
        """Who is ahead now: live gain minus reference gain, per group (one run, no CI)."""
        if not self.model.history:
            return {}
        out = {}
        for group, g in GAINS.items():
            a = self.reference.history[-1][g]
            b = self.model.history[-1][g]
            d = b - a
            level = abs(d) <= LEVEL * max(abs(a), abs(b), 1e-9)
            out[group] = {"live": b, "reference": a, "difference": d,
                          "ahead": "level" if level else "live" if d > 0 else "reference"}
        return out

    def settings(self) -> tuple[Scenario, dict[str, float], dict[str, Any], int]:
        """What a verdict needs: scenario, the page's lever settings, the pins and the seed."""
        return self.scenario, dict(self.overrides), dict(self.pins), self.seed


def paired_verdict(scenario: Scenario, overrides: dict[str, float], pins: dict[str, Any],
                   seed: int, replications: int) -> dict[str, Any]:
    """The paired comparison over ``replications`` runs: the page's settings (B, held from step
    0) against the reference (A), common random numbers, 95% CIs (DESIGN.md section 5)."""
    from ..experiments.compare import compare
    from ..plotting.findings import outcome

    if not 2 <= int(replications) <= MAX_VERDICT_REPLICATIONS:
        raise LiveError(f"replications must be 2 to {MAX_VERDICT_REPLICATIONS}")
    b = with_values(scenario, overrides)
    a = with_values(b, pins)
    c = compare(a, b, replications=int(replications), seed=seed)
    groups = {}
    for group, g in GAINS.items():
        d = c.metrics[g]
        groups[group] = {"reference": d["a"], "live": d["b"], "delta": d["delta"],
                         "ci_low": d["ci_low"], "ci_high": d["ci_high"], "outcome": outcome(d)}
    return {"replications": int(replications), "groups": groups,
            "triple_win": bool(c.verdict["triple_win"]), "settings": dict(overrides)}


def _quarter(step: int) -> str:
    return f"{START_YEAR + step // 4}Q{step % 4 + 1}"
