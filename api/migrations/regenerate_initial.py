"""Development helper: rebuild the single initial migration (0001) from the models.

Only valid until the first release; after that, add new revisions with
`alembic revision --autogenerate` instead. Later hand-written revisions (0002 onwards:
triggers and other things autogenerate cannot see) are left untouched; the new 0001 is
generated in a scratch copy of this folder so they do not get in the way."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from api.migrations import MIGRATIONS_DIR


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "migrations"
        shutil.copytree(
            MIGRATIONS_DIR, scratch, ignore=shutil.ignore_patterns("versions", "__pycache__")
        )
        (scratch / "versions").mkdir()
        config = Config()
        config.set_main_option("script_location", str(scratch))
        config.set_main_option("sqlalchemy.url", f"sqlite:///{Path(tmp) / 'empty.db'}")
        command.revision(config, message="initial schema", autogenerate=True, rev_id="0001")
        generated = next((scratch / "versions").glob("0001_*.py"))
        for old in (MIGRATIONS_DIR / "versions").glob("0001_*.py"):
            old.unlink()
        shutil.copy(generated, MIGRATIONS_DIR / "versions" / generated.name)


if __name__ == "__main__":
    main()
