"""Development helper: rebuild the single initial migration from the models.

Only valid until the first release; after that, add new revisions with
`alembic revision --autogenerate` instead."""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from api.migrations import MIGRATIONS_DIR, alembic_config


def main() -> None:
    for old in (MIGRATIONS_DIR / "versions").glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        config = alembic_config(f"sqlite:///{Path(tmp) / 'empty.db'}")
        command.revision(config, message="initial schema", autogenerate=True, rev_id="0001")


if __name__ == "__main__":
    main()
