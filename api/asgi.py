"""The ASGI entry point for uvicorn (`api.asgi:app`); settings come from the environment."""

from __future__ import annotations

import gc
import sys

from api.app import create_app
from api.core.settings import ConfigError

try:
    app = create_app()
except ConfigError as error:
    print(str(error), file=sys.stderr)
    raise SystemExit(2) from None

# Start-up objects live for the whole process; keep them out of every GC pass.
gc.freeze()
