"""Which revision the code and the database are at, without Alembic.

The server checks at start-up that the database is migrated (api/app.py), and that is all
it needs of the migrations: importing Alembic for it would cost every worker about 10 MB
and a second of start-up. The revision files are read as text; the database's revision
is the `alembic_version` table Alembic keeps. tests/test_migrations.py checks both
against Alembic's own answers."""

from __future__ import annotations

import ast
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

VERSIONS_DIR = Path(__file__).resolve().parent / "versions"


def _assigned(tree: ast.Module, name: str) -> object:
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return ast.literal_eval(value)
    raise ValueError(f"no {name} in a revision file")


def code_heads(versions: Path = VERSIONS_DIR) -> set[str]:
    """The revisions nothing else revises: where a fully migrated database is."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        revision = _assigned(tree, "revision")
        assert isinstance(revision, str), path
        revisions.add(revision)
        down = _assigned(tree, "down_revision")
        if isinstance(down, str):
            revised.add(down)
        elif isinstance(down, tuple | list):
            revised.update(str(d) for d in down)
    return revisions - revised


def database_revisions(engine: Engine) -> set[str]:
    """The revisions the database is at; empty when it was never migrated."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return set()
        rows = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        return {str(version) for (version,) in rows}
