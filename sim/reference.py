"""Reference tables generated from the declarations (STYLE.md habits 4 and 11).

The parameter tables come from :mod:`sim.scenario.params` (and the structural constants from
:mod:`sim.scenario.constants`), the metric table from
:mod:`sim.metrics`, and the table of calibration constants from the module-level UPPER_CASE
numeric constants of the phases, the model, the metrics, the mechanisms and the agents, each
with the ``#: ...`` comment just above it in the source as its meaning.

``docs/parameters.md`` is generated whole; ``docs/ODD.md`` is hand-written except for the blocks
between ``<!-- BEGIN GENERATED: NAME -->`` and ``<!-- END GENERATED: NAME -->`` (NAME is
``parameters``, ``metrics`` or ``constants``), which are replaced here.

Run ``python -m sim.reference`` (``make docs``) to rewrite the docs, or
``python -m sim.reference --check`` to list the files that are out of date (exit status 1).
The output is deterministic: no dates, no machine-specific paths.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from types import ModuleType
from typing import Any

from .groups import METRIC_GROUPS
from .metrics import METRICS, Metric
from .scenario.constants import CONSTANTS
from .scenario.declaration import Param
from .scenario.params import LEVERS, POPULATION, RUN, UNCERTAINTIES

#: Repository root (holds ``docs/``).
ROOT = Path(__file__).resolve().parent.parent
PARAMETERS_MD = Path("docs/parameters.md")
CLAIMS_MD = Path("docs/claims.md")
ODD_MD = Path("docs/ODD.md")

#: The generated blocks of docs/ODD.md, by marker name.
BLOCKS = ("parameters", "metrics", "constants")

#: Parameter tables: (title, scenario section, declarations).
PARAM_GROUPS: tuple[tuple[str, str, dict[str, Param]], ...] = (
    ("Levers", "levers:", LEVERS),
    ("Uncertainties", "world:", UNCERTAINTIES),
    ("Structural constants", "world:", CONSTANTS),
    ("Population", "world:", POPULATION),
    ("Run settings", "run:", RUN),
)

#: Modules whose calibration constants are listed, in this order (packages are expanded to
#: their modules in alphabetical order).
CONSTANT_MODULES = ("sim.phases", "sim.population", "sim.batch", "sim.metrics", "sim.mechanisms",
                    "sim.agents")

_CONSTANT_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
UNDOCUMENTED = "(undocumented)"


# --------------------------------------------------------------------------------------------
# formatting helpers


def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell (one line, pipes escaped)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _number(x: Any) -> str:
    """A number as written in the docs: integers exact (thousands separated), floats short."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int) or (hasattr(x, "dtype") and getattr(x.dtype, "kind", "") in "iu"):
        return f"{int(x):,}"
    return f"{float(x):g}"


def _default(p: Param) -> str:
    return _number(p.default)


def _heading(level: int, text: str) -> str:
    return "#" * level + " " + text


# --------------------------------------------------------------------------------------------
# parameters and metrics


def parameter_tables(level: int = 3) -> str:
    """One Markdown table per kind of parameter: levers, uncertainties, population, run settings.

    Columns: name, meaning, unit, range (:attr:`Param.range_text`), default, source; for the
    uncertainties and structural constants also the plausible range that ``compare --worlds``
    draws from (:attr:`Param.world_range`). ``level`` is the heading level of each table's title.
    """
    parts = []
    for title, section, params in PARAM_GROUPS:
        parts.append(_heading(level, f"{title} (`{section}`)"))
        if any(p.kind in ("uncertainty", "constant") for p in params.values()):
            rows = [(f"`{p.name}`", p.meaning, p.unit, p.range_text, _plausible(p), _default(p),
                     p.source) for p in params.values()]
            header = ["name", "meaning", "unit", "range", "plausible", "default", "source"]
        else:
            rows = [(f"`{p.name}`", p.meaning, p.unit, p.range_text, _default(p), p.source)
                    for p in params.values()]
            header = ["name", "meaning", "unit", "range", "default", "source"]
        parts.append(_table(header, rows))
    return "\n\n".join(parts)


def _plausible(p: Param) -> str:
    """The range a plausible world draws ``p`` from, or "-" where it is not drawn."""
    if p.plausible is None and p.high is None:
        return "-"
    lo, hi = p.world_range
    return f"[{lo:g}, {hi:g}]" if lo != hi else f"held at {lo:g}"


def _group_order() -> dict[str, str]:
    """Metric groups in display order with their short titles (:mod:`sim.groups`)."""
    return {k: g.short for k, g in METRIC_GROUPS.items()}


def metric_table(level: int = 3) -> str:
    """The metric registry as Markdown, one table per group: name, label, unit, meaning."""
    titles = _group_order()
    groups: dict[str, list[Metric]] = {}
    for m in METRICS.values():
        groups.setdefault(m.group, []).append(m)
    order = [g for g in titles if g in groups] + sorted(g for g in groups if g not in titles)
    parts = []
    for g in order:
        parts.append(_heading(level, titles.get(g, g.capitalize())))
        rows = [(f"`{m.name}`", m.label, m.unit, m.meaning) for m in groups[g]]
        parts.append(_table(["name", "label", "unit", "meaning"], rows))
    return "\n\n".join(parts)


# --------------------------------------------------------------------------------------------
# calibration constants


@dataclass(frozen=True)
class Constant:
    """A module-level calibration constant found in the source."""

    module: str
    name: str
    value: Any
    meaning: str  # the ``#:`` comment above it, or UNDOCUMENTED
    line: int


def _modules(names: Iterable[str] = CONSTANT_MODULES) -> list[ModuleType]:
    out: list[ModuleType] = []
    for name in names:
        mod = importlib.import_module(name)
        if hasattr(mod, "__path__"):  # a package: its modules, alphabetically
            subs = sorted(info.name for info in pkgutil.iter_modules(mod.__path__)
                          if not info.name.startswith("_"))
            out += [importlib.import_module(f"{name}.{s}") for s in subs]
        else:
            out.append(mod)
    return out


def _is_numeric(value: Any) -> bool:
    """A number, a sequence or array of numbers, or a dict of numbers (not a bool, not text)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, Real):
        return True
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is not None:
        return kind in "iuf"
    if isinstance(value, (tuple, list)):
        return bool(value) and all(_is_numeric(v) for v in value)
    if isinstance(value, dict):
        return bool(value) and all(_is_numeric(v) for v in value.values())
    return False


def _doc_comment(lines: list[str], lineno: int) -> str:
    """The ``#:`` comment lines directly above source line ``lineno`` (1-based), joined."""
    out: list[str] = []
    i = lineno - 2
    while i >= 0 and lines[i].lstrip().startswith("#:"):
        out.append(lines[i].lstrip()[2:].strip())
        i -= 1
    return " ".join(reversed(out))


def _assigned_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    else:
        return []
    names: list[str] = []
    for t in targets:
        elts = t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t]
        names += [e.id for e in elts if isinstance(e, ast.Name)]
    return names


def _declared_name(node: ast.stmt, name: str) -> str | None:
    """The declared name in ``NAME = constant("name")`` (or one element of
    ``A, B = constant("a"), constant("b")``): the module constant takes its value from a declared
    structural constant (:data:`sim.scenario.constants.CONSTANTS`)."""
    value = getattr(node, "value", None)
    targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
    if isinstance(value, ast.Tuple) and targets and isinstance(targets[0], ast.Tuple):
        names = [t.id for t in targets[0].elts if isinstance(t, ast.Name)]
        if name in names and len(value.elts) == len(names):
            value = value.elts[names.index(name)]
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id == "constant" and value.args
            and isinstance(value.args[0], ast.Constant)):
        return str(value.args[0].value)
    return None


def module_constants(module: ModuleType) -> list[Constant]:
    """UPPER_CASE numeric constants assigned at the top level of ``module``, in source order."""
    source = inspect.getsource(module)
    lines = source.splitlines()
    out = []
    for node in ast.parse(source).body:
        for name in _assigned_names(node):
            if not _CONSTANT_NAME.match(name) or not hasattr(module, name):
                continue
            value = getattr(module, name)
            if not _is_numeric(value):
                continue
            meaning = _doc_comment(lines, node.lineno) or UNDOCUMENTED
            declared = _declared_name(node, name)
            if declared:
                meaning += f" Declared structural constant `{declared}` (set under `world:`)."
            out.append(Constant(module.__name__, name, value, meaning, node.lineno))
    return out


def calibration_constants() -> list[Constant]:
    """Every calibration constant of :data:`CONSTANT_MODULES`, module by module."""
    return [c for mod in _modules() for c in module_constants(mod)]


def _value_text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_number(v)}" for k, v in value.items())
    if hasattr(value, "tolist") and not isinstance(value, Real):
        value = value.tolist()
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    return _number(value)


def _module_path(module: str) -> str:
    return module.replace(".", "/") + ".py"


def constants_table(level: int = 3) -> str:
    """The calibration constants as Markdown, one table per module: name, value, meaning."""
    parts = []
    by_module: dict[str, list[Constant]] = {}
    for c in calibration_constants():
        by_module.setdefault(c.module, []).append(c)
    for module, consts in by_module.items():
        parts.append(_heading(level, f"`{_module_path(module)}`"))
        rows = [(f"`{c.name}`", _value_text(c.value), c.meaning) for c in consts]
        parts.append(_table(["name", "value", "meaning"], rows))
    return "\n\n".join(parts)


# --------------------------------------------------------------------------------------------
# the documents


GENERATED_NOTE = ("<!-- Generated by `make docs` (python -m sim.reference) from {sources}. "
                  "Do not edit by hand. -->")

BLOCK_SOURCES = {
    "parameters": "sim/scenario/params.py and sim/scenario/constants.py",
    "metrics": "sim/metrics.py",
    "constants": "the `#:` comments of the module-level constants",
}


def render_block(name: str, level: int = 3) -> str:
    """Body of one generated block of docs/ODD.md."""
    body = {"parameters": parameter_tables, "metrics": metric_table,
            "constants": constants_table}[name](level)
    return GENERATED_NOTE.format(sources=BLOCK_SOURCES[name]) + "\n\n" + body


def render_parameters_md() -> str:
    """The whole of docs/parameters.md."""
    return "\n\n".join([
        "# Parameter, metric and constant reference",
        "> **Generated file: do not edit by hand.** `make docs` (`python -m sim.reference`) "
        "writes it from `sim/scenario/params.py` and `sim/scenario/constants.py` (parameters), "
        "`sim/metrics.py` (metrics) and "
        "the `#:` comments above the module-level constants of `sim/phases/*.py`, "
        "`sim/population.py`, `sim/batch.py`, `sim/metrics.py`, `sim/mechanisms/*.py` and "
        "`sim/agents/*.py`. "
        "Change a declaration there, then run `make docs`; `tests/test_docs.py` fails while this "
        "file is out of date. The model itself is described in [ODD.md](ODD.md).",
        "## Parameters",
        "Levers are what policy sets (scenario section `levers:`); uncertainties, structural "
        "constants and the population are what it does not set (`world:`, told apart by their "
        "kind); run settings are under `run:`. A "
        "parameter whose range ends in \"or a schedule\" also takes `{step: value}` pairs; "
        "before the first listed step it keeps its default. `triplewin explain NAME` prints "
        "the same declaration.",
        parameter_tables(level=3),
        "## Metrics",
        "Recorded at the end of every quarter (phase `record`); a run's summary uses the "
        "final quarter. Formulas: [ODD.md, submodel Outcomes](ODD.md#710-outcomes-metrics-and-"
        "the-three-gains).",
        metric_table(level=3),
        "## Calibration constants",
        "Module-level constants of the mechanisms, with the comment above each in the source "
        "(those declared as structural constants above take their value from the declaration "
        "and can be set under `world:`). "
        f"A constant without one is marked {UNDOCUMENTED}.",
        constants_table(level=3),
    ]) + "\n"


_BLOCK_RE = "(<!-- BEGIN GENERATED: {name} -->\n)(.*?)(<!-- END GENERATED: {name} -->)"


def fill_blocks(text: str, level: int = 3) -> str:
    """``text`` (docs/ODD.md) with every generated block replaced by its current content."""
    for name in BLOCKS:
        pattern = re.compile(_BLOCK_RE.format(name=re.escape(name)), re.DOTALL)
        if len(pattern.findall(text)) != 1:
            raise ValueError(
                f"{ODD_MD} must hold exactly one block '<!-- BEGIN GENERATED: {name} -->' ... "
                f"'<!-- END GENERATED: {name} -->' (each marker on its own line)")
        body = render_block(name, level)
        text = pattern.sub(lambda m, b=body: m.group(1) + "\n" + b + "\n\n" + m.group(3), text)
    return text


def render_claims_md() -> str:
    """The whole of docs/claims.md: the claims table of :mod:`sim.claims`."""
    from .claims import CLAIMS, LENDING_DISCIPLINE, LOCALIZATION_BITES, UP

    def moves(c) -> str:
        parts = [f"`{m}` {'up' if d == UP else 'down'}" for m, d in c.moves]
        parts += [f"{x.name}: `{x.metric}` {'> 0' if x.direction == UP else '< 0'}"
                  for x in c.contrasts]
        return "; ".join(parts)

    def settings(d: dict) -> str:
        return ", ".join(f"`{k}` {v:g}" for k, v in d.items()) or "-"

    rows = []
    for c in (*CLAIMS, LOCALIZATION_BITES, LENDING_DISCIPLINE):
        compared = (f"{settings(c.a)} -> {settings(c.b)}" if c.moves
                    else f"trajectory of `{c.scenario}`")
        label = c.label if c.reproduced else f"{c.label}, not reproduced"
        rows.append((c.number, c.statement, c.section, f"`{c.lever}`", compared, moves(c),
                     f"**{label}**: {c.why}", settings(c.knockout),
                     settings(c.context)))
    return "\n\n".join([
        "# Claims: what the model reproduces, and how",
        "> **Generated file: do not edit by hand.** `make docs` (`python -m sim.reference`) "
        "writes it from `sim/claims.py`; `tests/test_docs.py` fails while it is out of date.",
        "Each claim is a paired comparison: the scenario (`scenarios/baseline.yaml` unless "
        "named) with the lever at its low and at its high setting, every parameter constant over "
        "the run, the same replication seeds for both (common random numbers), and the 95% "
        "interval of the paired difference of the final-quarter metric on the stated side of "
        "zero (`tests/test_claims.py`). A trajectory claim contrasts quarters of one "
        "scenario's run, per replication. The label says how the model produces the claim: "
        "**emergent** (from decisions and market clearing; its test also switches the mechanism "
        "off with the knock-out settings and shows the effect go), **imposed** (a lever acts on "
        "the outcome through a formula, by design) or **contested** (the evidence points "
        "elsewhere; shown under the stated assumption). Claims 15 and 16 (local content, "
        "policy-bank lending) join the table with their mechanisms.",
        _table(["#", "claim", "article section (China Brief 15(18))", "lever", "compared",
                "metrics", "how it arises", "knock-out", "assumption"], rows),
    ]) + "\n"


def expected_docs(root: Path = ROOT) -> dict[Path, str]:
    """Relative path -> the content each generated file should have."""
    odd = (root / ODD_MD).read_text(encoding="utf-8")
    return {PARAMETERS_MD: render_parameters_md(), ODD_MD: fill_blocks(odd),
            CLAIMS_MD: render_claims_md()}


def update_docs(check: bool = False, root: Path = ROOT) -> list[str]:
    """Rewrite docs/parameters.md and the generated blocks of docs/ODD.md.

    With ``check=True`` nothing is written and the list holds the files that are out of date;
    otherwise it holds the files that were rewritten. Paths are relative to ``root``.
    """
    changed = []
    for rel, content in expected_docs(root).items():
        path = root / rel
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == content:
            continue
        changed.append(rel.as_posix())
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8", newline="\n")
    return changed


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.reference [--check]``."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m sim.reference",
                                 description="Generate docs/parameters.md and the generated "
                                 "blocks of docs/ODD.md from the declarations.")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; list out-of-date files and exit 1 if there are any")
    args = ap.parse_args(argv)
    try:
        changed = update_docs(check=args.check)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.check:
        for f in changed:
            print(f"{f} is out of date; run `make docs`", file=sys.stderr)
        if not changed:
            print("docs are up to date")
        return 1 if changed else 0
    print("\n".join(f"wrote {f}" for f in changed) if changed else "docs already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
