"""Interfaces drive the application layer only (issue 11): cli/, gui/ and web/ import `app`, the model (and errors,
and the token redaction of `security`), never an engine stage or plex/ or sources/ directly — so a rule can never
be applied differently by two interfaces."""

from __future__ import annotations

import ast
from pathlib import Path

import ratings_to_plex

PACKAGE = Path(ratings_to_plex.__file__).parent
ALLOWED = {"app", "model", "errors", "security"}
LAUNCHES = {"cli": {"emulator", "gui", "web"}, "gui": set(), "web": set()}  # what a command may start


def outside_imports(interface: str) -> list[str]:
    found = []
    for path in sorted((PACKAGE / interface).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                top = (node.module or "").split(".")[0]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ratings_to_plex."):
                top = (node.module or "").split(".")[1]
            elif isinstance(node, ast.Import):
                tops = [a.name.split(".")[1] for a in node.names if a.name.startswith("ratings_to_plex.")]
                top = tops[0] if tops else ""
            else:
                continue
            if top and top not in ALLOWED | LAUNCHES[interface]:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} imports {top}")
    return found


def test_the_interfaces_import_only_the_application_layer() -> None:
    assert {name: outside_imports(name) for name in LAUNCHES} == {name: [] for name in LAUNCHES}
