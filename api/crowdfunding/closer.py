"""Settling campaigns whose deadline passed, inside the server process.

Reads never write: they show an overdue ACTIVE campaign with its outcome
(`service.shown_status`), and something must then record it, refund or disburse. Where
a scheduler runs `aidbridge close-campaigns`, that does; this loop makes an instance
without one (the embedded default) settle too. Every process and replica may run it at
once: `close_due_campaigns` lets exactly one closer win each campaign."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from sqlalchemy import Engine

from api.core.db import unit_of_work, utcnow
from api.core.settings import Settings
from api.crowdfunding.service import CloseResult, close_due_campaigns

log = logging.getLogger("aidbridge.crowdfunding")
# Campaigns settled per round: a round is one short write transaction.
BATCH = 50


def close_overdue_once(engine: Engine, settings: Settings) -> CloseResult:
    with unit_of_work(engine) as session:
        return close_due_campaigns(session, now=utcnow(), settings=settings, limit=BATCH)


async def close_overdue_periodically(engine: Engine, settings: Settings) -> None:
    """Every `settings.campaign_close_interval` seconds; a full batch goes again at once."""
    while True:
        await anyio.sleep(settings.campaign_close_interval)
        while True:
            try:
                result = await anyio.to_thread.run_sync(close_overdue_once, engine, settings)
            except Exception:  # the database may be away for a moment: try next round
                log.warning("closing overdue campaigns failed; trying again later", exc_info=True)
                break
            if result.closed:
                log.info(
                    "closed %d overdue campaign(s): %d disbursed, %d refunded",
                    result.closed,
                    len(result.disbursed),
                    len(result.refunded),
                )
            if result.closed < BATCH:
                break


@asynccontextmanager
async def campaign_closer(engine: Engine, settings: Settings) -> AsyncIterator[None]:
    """Runs the loop for as long as the server does (a Starlette lifespan part)."""
    if settings.campaign_close_interval <= 0:
        yield
        return
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(close_overdue_periodically, engine, settings)
        yield
        tasks.cancel_scope.cancel()
