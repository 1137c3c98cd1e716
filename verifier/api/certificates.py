"""``/api/v1/certificates/{number}``: the public record with its status history.

Not a hot path: read from the database on each call (in an executor), then answered
conditionally, so a client holding the current body gets a 304.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from issuer import registry
from issuer.errors import NotFound
from issuer.payload import CERTIFICATE_NUMBER
from issuer.records import certificate_record
from issuer.status import TIMEZONE, today
from storage.models import StatusEvent
from verifier.api.responses import conditional, dumps, not_found
from verifier.keys import ENGINE, SETTINGS

CACHE_CONTROL = "public, max-age=60"


def load_record(engine: Engine, number: str, *, verify_host: str,
                public_url: str) -> dict[str, Any] | None:
    """The certificate as published, or None. Staff actor names are left out."""
    with Session(engine) as session:
        try:
            certificate = registry.get_certificate(session, number)
        except NotFound:
            return None
        record = certificate_record(certificate, on=today(), host=verify_host)
        events = session.scalars(
            select(StatusEvent)
            .where(StatusEvent.certificate_id == certificate.id)
            .order_by(StatusEvent.id)
        ).all()
        history = [
            {
                "from": e.from_state.value if e.from_state else None,
                "to": e.to_state.value,
                "reason": e.reason,
                "at": e.occurred_at.isoformat(),
                "date": e.occurred_at.astimezone(TIMEZONE).date().isoformat(),
            }
            for e in events
        ]
    explained = record["status"] not in ("valid", "expired")
    latest = history[-1] if history else None
    record["status_reason"] = latest["reason"] if explained and latest else None
    record["status_changed_at"] = (
        certificate.state_changed_at.isoformat() if explained else None
    )
    record["history"] = history
    record["links"] = {
        "page": f"{public_url}/certificates/{certificate.number}",
        "badge": f"{public_url}/badge/{certificate.number}.svg",
        "embed": f"{public_url}/embed/{certificate.number}",
    }
    return record


async def certificate(request: web.Request) -> web.Response:
    number = request.match_info["number"].strip().upper()
    if not CERTIFICATE_NUMBER.fullmatch(number):
        return not_found(request, "no certificate has that number")
    settings = request.app[SETTINGS]
    engine = request.app[ENGINE]
    record = await asyncio.get_running_loop().run_in_executor(
        None, lambda: load_record(engine, number, verify_host=settings.verify_host,
                                  public_url=settings.public_url))
    if record is None:
        return not_found(request, f"no certificate numbered {number} in the registry")
    return conditional(request, dumps(record), CACHE_CONTROL)
