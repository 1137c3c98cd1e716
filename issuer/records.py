"""Plain-data views of registry records, shared by the CLI (--json) and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from issuer.status import public_status
from issuer.urls import mark_url
from storage.models import Certificate, CertificationBody, SigningKey, StatusEvent, Subject


def _date(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def subject_record(subject: Subject) -> dict[str, Any]:
    return {"name": subject.name, "uscc": subject.uscc, "address": subject.address}


def body_record(body: CertificationBody) -> dict[str, Any]:
    return {"code": body.code, "name": body.name, "uscc": body.uscc, "address": body.address}


def event_record(event: StatusEvent) -> dict[str, Any]:
    return {
        "from": event.from_state.value if event.from_state else None,
        "to": event.to_state.value,
        "reason": event.reason,
        "actor": event.actor,
        "at": event.occurred_at.isoformat(),
    }


def certificate_record(
    certificate: Certificate, *, on: dt.date, host: str, events: bool = False
) -> dict[str, Any]:
    """The certificate as the registry publishes it; ``status`` is derived for ``on``."""
    record: dict[str, Any] = {
        "number": certificate.number,
        "scheme": certificate.scheme.value,
        "status": public_status(certificate.state, certificate.valid_until, on).value,
        "stored_state": certificate.state.value,
        "subject": subject_record(certificate.subject),
        "body": body_record(certificate.body),
        "standard": certificate.standard,
        "scope": [
            {"kind": item.kind.value, "name": item.name, "category": item.category}
            for item in certificate.scope
        ],
        "publicity": {
            "start": _date(certificate.publicity_start),
            "end": _date(certificate.publicity_end),
        },
        "valid_from": _date(certificate.valid_from),
        "valid_until": _date(certificate.valid_until),
        "last_surveillance": _date(certificate.last_surveillance),
        "next_surveillance": _date(certificate.next_surveillance),
        "mark_code": certificate.mark_code,
        "mark_url": mark_url(host, certificate.mark_code),
    }
    if events:
        record["events"] = [event_record(e) for e in certificate.events]
    return record


def key_record(key: SigningKey) -> dict[str, Any]:
    return {
        "kid": key.kid,
        "state": key.state.value,
        "created_at": key.created_at.isoformat(),
        "retired_at": key.retired_at.isoformat() if key.retired_at else None,
        "compromised_at": key.compromised_at.isoformat() if key.compromised_at else None,
        "note": key.note,
    }
