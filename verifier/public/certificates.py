"""``/certificates/{number}``: one certificate, its public status history, and the
copy-paste code holders put on their own pages.

The history shows what changed, when and why; the staff member who made a change
is not published (the page names the certification body or alliance generically).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import Engine, bindparam, select

from issuer.payload import CERTIFICATE_NUMBER
from issuer.status import today
from storage.models import Certificate, StatusEvent
from verifier import i18n
from verifier.keys import ENGINE, READ_MODEL, SETTINGS
from verifier.public import certificate_extras
from verifier.public.presentation import WITH_REASON, look
from verifier.render import render


@dataclass(frozen=True)
class HistoryEntry:
    from_state: str | None
    to_state: str
    reason: str | None
    occurred_at: dt.datetime


_HISTORY = (
    select(StatusEvent.from_state, StatusEvent.to_state, StatusEvent.reason,
           StatusEvent.occurred_at)
    .join(Certificate, Certificate.id == StatusEvent.certificate_id)
    .where(Certificate.number == bindparam("number"))
    .order_by(StatusEvent.id)
)


def load_history(engine: Engine, number: str) -> list[HistoryEntry]:
    with engine.connect() as connection:
        return [
            HistoryEntry(r.from_state.value if r.from_state else None, r.to_state.value,
                         r.reason, r.occurred_at)
            for r in connection.execute(_HISTORY, {"number": number})
        ]


def normalise_number(text: str) -> str | None:
    """The certificate number in canonical (upper-case) form, or None if it cannot be one."""
    number = text.strip().upper()
    return number if CERTIFICATE_NUMBER.fullmatch(number) else None


def snippets(public_url: str, number: str, alt: str, title: str) -> dict[str, str]:
    """The HTML holders paste into their pages; absolute URLs on the public address.

    ``number`` has been checked against the number pattern; ``alt`` and ``title`` are
    our own catalogue texts. The page escapes the result when it shows it."""
    base = public_url.rstrip("/")
    page = f"{base}/certificates/{number}"
    return {
        "badge": (f'<a href="{page}" target="_blank" rel="noopener">'
                  f'<img src="{base}/badge/{number}.svg" alt="{alt}" height="20"></a>'),
        "embed": (f'<iframe src="{base}/embed/{number}" title="{title}" width="360" '
                  f'height="160" loading="lazy"></iframe>'),
    }


async def not_found(request: web.Request, number: str) -> web.Response:
    t = i18n.translator(i18n.negotiate(request))
    return render(request, "error.html",
                  {"status": 404, "message": t("certificate.unknown", number=number)},
                  status=404, headers={"Cache-Control": "no-store"})


async def certificate_page(request: web.Request) -> web.Response:
    raw = request.match_info["number"]
    number = normalise_number(raw)
    if number is None:
        return await not_found(request, raw[:40])
    view = await request.app[READ_MODEL].certificate(number)
    if view is None:
        return await not_found(request, number)
    loop = asyncio.get_running_loop()
    engine = request.app[ENGINE]
    history, credit, log = await asyncio.gather(
        loop.run_in_executor(None, load_history, engine, number),
        loop.run_in_executor(None, certificate_extras.credit_summary, engine, number),
        loop.run_in_executor(None, certificate_extras.log_entries, engine, number),
    )
    status = view.status(today()).value
    t = i18n.translator(i18n.negotiate(request))
    context: dict[str, Any] = {
        "certificate": view,
        "look": look(status),
        "status": status,
        "show_reason": status in WITH_REASON and bool(view.state_reason),
        "history": history,
        "snippets": snippets(request.app[SETTINGS].public_url, number,
                             t("embed.badge_alt"), t("embed.card")),
        **credit,
        **log,
    }
    return render(request, "certificate.html", context, headers={"Cache-Control": "no-cache"})


def setup(app: web.Application) -> None:
    app.router.add_get("/certificates/{number}", certificate_page)
