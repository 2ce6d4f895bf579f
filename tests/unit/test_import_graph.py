"""The package's modules import each other without a loop, so imports can stay at the top of each module."""

from __future__ import annotations

import ast
from pathlib import Path

import reviewboard

PACKAGE = Path(reviewboard.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules its top-level statements import (a package counts as imported with
    any of its modules, as Python runs its ``__init__``)."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        named = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                named.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                named.add(node.module)
                named.update(f"{node.module}.{alias.name}" for alias in node.names)
        reached = {".".join(m.split(".")[:i]) for m in named for i in range(1, m.count(".") + 2)}
        graph[name] = {m for m in reached if m in paths and m != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import loop as a path that ends where it starts, or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (loop := visit(target)):
                return loop
        state[module] = 2
        path.pop()
        return []

    for module in sorted(graph):
        if module not in state and (loop := visit(module)):
            return loop
    return []


def test_no_import_loop_among_top_level_imports():
    assert find_cycle(import_graph()) == []


def test_the_check_finds_a_loop():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_the_package_as_it_is():
    graph = import_graph()
    assert "reviewboard.reviews.permissions" in graph["reviewboard.reviews.services"]
    assert "reviewboard.records.keys" in graph["reviewboard.audit.anchors"]
