"""Signs a tree head of the transparency log at start and every ``SHANGPIN_LOG_HEAD_MINUTES``.

A head is only made when the log has grown or the last one has reached its age, so several
workers running this schedule add a few redundant heads at most, never conflicting ones
(the same size always has the same root).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from issuer.errors import IssuerError
from issuer.transparency import log
from shangpin.settings import Settings
from verifier.keys import ENGINE, SETTINGS

logger = logging.getLogger("shangpin.verifier")
#: A head due within this margin is signed now rather than a whole interval later.
MARGIN = dt.timedelta(seconds=30)


def sign_due_head(engine: Engine, settings: Settings) -> log.PublishedHead:
    """Sign a head if one is due; the latest head either way."""
    interval = dt.timedelta(minutes=settings.log_head_minutes)
    with Session(engine) as session, session.begin():
        return log.sign_head(session, passphrase=settings.key_passphrase,
                             max_age=max(interval - MARGIN, dt.timedelta(0)))


async def _sign(engine: Engine, settings: Settings) -> None:
    try:
        await asyncio.get_running_loop().run_in_executor(None, sign_due_head, engine, settings)
    except IssuerError as exc:  # no passphrase, wrong passphrase: staff must act
        logger.warning("cannot sign a transparency log tree head: %s", exc)
    except Exception:  # noqa: BLE001 - the schedule must outlive a database outage
        logger.exception("signing a transparency log tree head failed")


async def _schedule(engine: Engine, settings: Settings) -> None:
    while True:
        await asyncio.sleep(settings.log_head_minutes * 60)
        await _sign(engine, settings)


async def _heads(app: web.Application) -> AsyncIterator[None]:
    settings, engine = app[SETTINGS], app[ENGINE]
    if not settings.key_passphrase:
        logger.warning("SHANGPIN_KEY_PASSPHRASE is not set: no transparency log tree heads")
        yield
        return
    # The first head is signed before the server answers, so it never serves a log
    # without one.
    await _sign(engine, settings)
    task = asyncio.create_task(_schedule(engine, settings))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def setup(app: web.Application) -> None:
    """Run the schedule for the application's lifetime (after its database is open)."""
    app.cleanup_ctx.append(_heads)
