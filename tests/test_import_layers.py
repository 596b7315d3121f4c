"""The package's layers only point down, and no modules import each other in a circle.

Layers, lowest first (docs/design.md, "Layers"; issue 11):

0. base: errors, i18n, settings, geo, grid, terrain, permissions, the plan records (plan.py imports
   nothing), and the file readers that build plain records from bytes (formats._safe, formats.areas,
   formats.tracks);
1. probability (and the lost-person subject categories it reads);
2. planning: patterns, flight path, sweep, the plan flown read back from files, the writers' shared
   helpers (formats._common: records and terrain only);
3. coverage and visibility, the flown comparison and the Bayes replay;
4. formats (the plan writers) and the mission's maps;
5. logbook and accounts;
6. commands, CLI and UI.

A module may import its own layer and those below it. Every ``import`` counts, at module level,
inside functions and under ``if TYPE_CHECKING`` alike (a lazy import is still a dependency). The
graph is read from the source (AST), so this test needs no import of the package at all.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sar_planner"

LAYER_NAMES = ("base", "probability", "planning", "coverage", "formats", "logbook", "top")

#: The layer of a module, by its dotted name or the longest dotted prefix listed. A new top-level
#: module must be placed here; a new module inside a listed package takes its package's layer.
LAYERS: dict[str, str] = {
    "sar_planner": "base",
    "sar_planner.errors": "base",
    "sar_planner.i18n": "base",
    "sar_planner.display": "base",
    "sar_planner.settings": "base",
    "sar_planner.geo": "base",
    "sar_planner.grid": "base",
    "sar_planner.permissions": "base",
    "sar_planner.limits": "base",
    "sar_planner.plan": "base",
    "sar_planner.terrain": "base",
    "sar_planner.formats._safe": "base",
    "sar_planner.formats.areas": "base",
    "sar_planner.formats.tracks": "base",
    "sar_planner.formats.cells": "base",
    "sar_planner.subjects": "probability",
    "sar_planner.probability": "probability",
    "sar_planner.pattern_names": "planning",
    "sar_planner.patterns": "planning",
    "sar_planner.flown_plan": "planning",
    "sar_planner.formats.plan_files": "planning",
    "sar_planner.formats.plan_readback": "planning",
    "sar_planner.formats._common": "planning",
    "sar_planner.assets": "planning",
    "sar_planner.sweep": "planning",
    "sar_planner.flightpath": "planning",
    "sar_planner.return_height": "planning",
    "sar_planner.allocation": "planning",
    "sar_planner.planner": "planning",
    "sar_planner.tradeoff": "planning",
    "sar_planner.coverage": "coverage",
    "sar_planner.visibility": "coverage",
    "sar_planner.flown_coverage": "coverage",
    "sar_planner.replay": "coverage",
    "sar_planner.formats": "formats",
    "sar_planner.mapping": "formats",
    "sar_planner.mission_map": "logbook",
    "sar_planner.session_tokens": "logbook",
    "sar_planner.logbook": "logbook",
    "sar_planner.auth": "logbook",
    "sar_planner.commands": "top",
    "sar_planner.cli": "top",
    "sar_planner.__main__": "top",
    "sar_planner.ui": "top",
}

#: Re-export shims left at an old path after a move: they take the layer of the module they
#: re-export (so an importer still pointing at the old path is judged by where the code lives).
#: Remove an entry together with its shim once nothing imports the old path.
SHIMS: dict[str, str] = {
    "sar_planner.probability.logged": "coverage",   # -> sar_planner.replay (issue 10)
    "sar_planner.logbook.flown": "coverage",        # -> flown_plan, formats.plan_files, flown_coverage
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module ``name`` names (``pkg.mod.attr`` -> ``pkg.mod``), or None outside the package."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


@functools.cache
def _graph() -> dict[str, frozenset[str]]:
    modules = _modules()
    graph: dict[str, frozenset[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    stem = ".".join(base + ([node.module] if node.module else []))
                else:
                    stem = node.module or ""
                targets = [f"{stem}.{a.name}" for a in node.names]
            else:
                continue
            for target in targets:
                hit = _resolve(target, modules)
                if hit is not None and hit != name:
                    found.add(hit)
        graph[name] = frozenset(found)
    return graph


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (absolute and relative, anywhere in the file)."""
    return {k: set(v) for k, v in _graph().items()}


def layer_of(module: str) -> str | None:
    if module in SHIMS:
        return SHIMS[module]
    name = module
    while name:
        if name in LAYERS:
            return LAYERS[name]
        name = name.rpartition(".")[0]
    return None


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    out = []
    for module, targets in sorted(graph.items()):
        rank = LAYER_NAMES.index(layer_of(module) or "top")
        for target in sorted(targets):
            target_layer = layer_of(target) or "top"
            if LAYER_NAMES.index(target_layer) > rank and target not in SHIMS:
                out.append(f"{module} ({layer_of(module)}) imports {target} ({target_layer})")
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        # iterative would be longer; the package is a few hundred modules deep at most
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_module_has_a_layer():
    missing = sorted(m for m in import_graph() if layer_of(m) is None)
    assert not missing, f"place these modules in a layer in LAYERS of {__file__}: {missing}"


def test_no_module_imports_a_layer_above_its_own():
    bad = upward_imports(import_graph())
    assert not bad, "upward imports (move the code down, or the importer up):\n" + "\n".join(bad)


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, f"modules importing each other in a circle: {found}"


def test_the_checks_catch_what_they_are_for():
    """The checker itself, on a made-up graph: one upward edge and one cycle, both found."""
    graph = {"sar_planner.geo": {"sar_planner.coverage"},
             "sar_planner.coverage": {"sar_planner.visibility"},
             "sar_planner.visibility": {"sar_planner.coverage", "sar_planner.geo"}}
    assert upward_imports(graph) == [
        "sar_planner.geo (base) imports sar_planner.coverage (coverage)"]
    assert cycles(graph) == [["sar_planner.coverage", "sar_planner.geo",
                              "sar_planner.visibility"]]
    # relative imports and imports inside functions are read too
    assert "sar_planner.logbook.db" in import_graph()["sar_planner.logbook.audit"]


def test_reading_formats_loads_no_writer():
    """``import sar_planner.formats`` (the readers) loads none of the nine exporters; the writer
    is imported when an export asks for it."""
    code = ("import sys, sar_planner.formats as f\n"
            "writers = ('qgc_plan','mavlink_wpl','dji_wpml','kml','gpx','geojson','csv_table',"
            "'briefing')\n"
            "print(sorted(w for w in writers if 'sar_planner.formats.' + w in sys.modules))\n"
            "f.WRITERS['.gpx'].write\n"
            "print('sar_planner.formats.gpx' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "[]" and out[1] == "True"


@pytest.mark.parametrize("layer", LAYER_NAMES)
def test_each_layer_is_used(layer):
    """A layer in the list that no module is in is a stale list (keeps the docstring honest)."""
    assert any(layer_of(m) == layer for m in import_graph())
