"""The architecture's import rules (pyproject.toml `[tool.importlinter]`), checked the way
CI checks them, and the cycle contract shown to find cycles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

from tests.architecture.contracts import module_cycles

ROOT = Path(__file__).resolve().parents[2]


def _graph(imports: list[tuple[str, str]]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported)
    return graph


def test_a_module_reaching_itself_through_others_is_a_cycle() -> None:
    graph = _graph(
        [
            ("pkg.a.types", "pkg.b.types"),
            ("pkg.b.types", "pkg.c.types"),
            ("pkg.c.types", "pkg.a.types"),
            ("pkg.a.service", "pkg.b.models"),
            ("pkg.b.service", "pkg.a.models"),
            ("pkg.x", "pkg.x"),
        ]
    )
    assert module_cycles(graph, "pkg") == [
        ["pkg.a.types", "pkg.b.types", "pkg.c.types"],
        ["pkg.x"],
    ]


def test_packages_importing_each_other_without_a_module_cycle_are_allowed() -> None:
    graph = _graph([("pkg.a.service", "pkg.b.models"), ("pkg.b.service", "pkg.a.models")])
    assert module_cycles(graph, "pkg") == []


def test_the_shortest_cycle_is_reported() -> None:
    graph = _graph(
        [
            ("pkg.a", "pkg.b"),
            ("pkg.b", "pkg.a"),
            ("pkg.b", "pkg.c"),
            ("pkg.c", "pkg.d"),
            ("pkg.d", "pkg.a"),
        ]
    )
    assert module_cycles(graph, "pkg") == [["pkg.a", "pkg.b"]]


def test_the_code_keeps_every_import_contract() -> None:
    """The same check as .ci/run's `lint-imports`, so a local `pytest` catches a broken
    layer too: GraphQL files without SQL, a core without GraphQL or domains, no cycles."""
    done = subprocess.run(  # noqa: S603  (our own venv's lint-imports)
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
