"""The package's shape, read from its source: module-level imports inside ``sim`` form no cycle,
plotting and experiments never import each other (the results package sits above both), the
three groups are named in one declaration, no module grows past the size a newcomer can read, and
nothing cites a document outside the project."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIM = ROOT / "sim"
#: Lines a module may have before it should be split by concern.
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SIM.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> list[str]:
    """The ``sim`` modules an ``from ... import ...`` statement names."""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        base = package[: len(package) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    names = [f"{target}.{a.name}" for a in node.names]
    return [target, *names]


def _imports(module: str, path: Path, *, top_level_only: bool) -> set[str]:
    """``sim`` modules imported by a module (only at import time when ``top_level_only``: not in
    functions, not under ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    known = _modules()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                found.update(_resolve(module, path, node))
            elif isinstance(node, ast.If):
                if "TYPE_CHECKING" in ast.unparse(node.test) and top_level_only:
                    visit(node.orelse)
                else:
                    visit(node.body)
                    visit(node.orelse)
            elif isinstance(node, (ast.Try,)):
                visit(node.body)
                for h in node.handlers:
                    visit(h.body)
                visit(node.orelse)
                visit(node.finalbody)
            elif not top_level_only:
                visit([n for n in ast.iter_child_nodes(node) if isinstance(n, ast.stmt)])

    visit(tree.body)
    return {m for m in found if m in known and m != module}


def test_no_import_cycle_at_import_time() -> None:
    mods = _modules()
    graph = {m: _imports(m, p, top_level_only=True) for m, p in mods.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycle = stack[stack.index(d):] + [d]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if d not in state:
                walk(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            walk(m)


def test_plotting_and_experiments_do_not_import_each_other() -> None:
    for module, path in _modules().items():
        deps = _imports(module, path, top_level_only=False)
        if module.startswith("sim.plotting"):
            bad = {d for d in deps if d.startswith(("sim.experiments", "sim.results"))}
            assert not bad, (module, bad)
        if module.startswith("sim.experiments"):
            bad = {d for d in deps if d.startswith(("sim.plotting", "sim.results"))}
            assert not bad, (module, bad)


def test_no_module_is_too_long() -> None:
    long = {m: n for m, p in _modules().items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these by concern: {long}"


def test_the_groups_are_named_in_one_declaration() -> None:
    """The three groups' titles are written once, in sim/groups.py."""
    pattern = re.compile(r"[\"'](Developed countries|Developing countries)[\"']")
    where = [p.relative_to(ROOT).as_posix() for p in SIM.rglob("*.py")
             if pattern.search(p.read_text(encoding="utf-8"))]
    assert where == ["sim/groups.py"], where


def test_nothing_cites_a_document_outside_the_project() -> None:
    files = [*SIM.rglob("*.py"), *SIM.rglob("*.js"), *SIM.rglob("*.html"),
             *(ROOT / "docs").glob("*.md"), ROOT / "README.md", *(ROOT / "tests").glob("*.py"),
             *(ROOT / "bench").glob("*.py")]
    needle = "DESIGN" + ".md"
    where = [p.relative_to(ROOT).as_posix() for p in files
             if needle in p.read_text(encoding="utf-8")]
    assert not where, where
