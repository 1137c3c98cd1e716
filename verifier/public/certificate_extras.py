"""What the public certificate page shows beyond the registry's own facts.

Each loader takes the engine and the certificate number and returns template values;
it runs in the executor with the page's other lookups. The credit summary is what the
scheme publishes of the holder's credit file; the log entries prove the history.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine


def credit_summary(engine: Engine, number: str) -> dict[str, Any]:
    """``{"credit": ...}`` for ``_credit.html``; empty when nothing is published."""
    from sqlalchemy.orm import Session

    from issuer.credit import published
    from issuer.status import today

    with Session(engine) as session:
        found = published.for_certificate(session, number, today())
    return {} if found is None else {"credit": found}


def log_entries(engine: Engine, number: str) -> dict[str, Any]:
    """``{"log_entries": ...}`` for ``_log_entries.html``; empty before the log exists."""
    from urllib.parse import urlencode

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from issuer.transparency import log
    from storage.models import LogEntryRecord, StatusEvent

    with Session(engine) as session:
        rows = session.execute(
            select(LogEntryRecord.leaf_index, StatusEvent)
            .join(StatusEvent, StatusEvent.id == LogEntryRecord.status_event_id)
            .where(LogEntryRecord.certificate_number == number)
            .order_by(LogEntryRecord.leaf_index)
        ).all()
        head = log.latest_signed_head(session)
    if not rows:
        return {}
    size = head.head.size if head else 0
    entries = [
        {
            "index": index,
            "from_state": event.from_state.value if event.from_state else None,
            "to_state": event.to_state.value,
            "occurred_at": event.occurred_at,
            # An entry newer than the latest signed head has no proof to show yet.
            "proof_url": "/api/v1/log/proof/inclusion?"
            + urlencode({"index": index, "tree_size": size}) if index < size else None,
        }
        for index, event in rows
    ]
    return {"log_entries": {"entries": entries, "tree_size": size}}
