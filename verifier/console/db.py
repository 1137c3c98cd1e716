"""Database work for console handlers: in a worker thread, in one transaction."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.orm import Session

from verifier.clients import client_address, keyed_hash
from verifier.keys import ENGINE, HASH_KEY

T = TypeVar("T")


def _in_transaction(engine: Any, work: Callable[..., T], args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> T:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        return work(session, *args, **kwargs)


async def run(request: web.Request, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``work(session, *args, **kwargs)`` committed as a whole, or rolled back entirely."""
    call = functools.partial(_in_transaction, request.config_dict[ENGINE], work, args, kwargs)
    return await asyncio.get_running_loop().run_in_executor(None, call)


def client_hash(request: web.Request) -> str:
    """The client as the audit trail records it: a keyed hash, never the address."""
    return keyed_hash(request.config_dict[HASH_KEY], client_address(request))
