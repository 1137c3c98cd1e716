"""What the signed status list and the offline bundle are made from, read in one session.

Both documents state the registry's public statuses on one Shanghai date, the published
keys, and the transparency log's newest signed tree head with the key that checks it.
Reading them in one session keeps them one snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import bundle, ed25519
from issuer.keys import KeyStore
from issuer.status import public_status, today
from issuer.transparency.tree_head import SignedTreeHead
from storage.models import Certificate


def public_statuses(session: Session, on: dt.date) -> dict[str, str]:
    """Every certificate number and its public status on ``on``."""
    rows = session.execute(
        select(Certificate.number, Certificate.state, Certificate.valid_until)
        .order_by(Certificate.number)
    ).all()
    return {r.number: public_status(r.state, r.valid_until, on).value for r in rows}


def log_head(session: Session) -> tuple[SignedTreeHead, bytes] | None:
    """The log's newest signed tree head and the public key that checks it, or None
    before the log has signed a head."""
    from issuer.transparency import log

    latest = log.latest_head(session)
    return None if latest is None else (latest.signed, bytes(latest.public_key))


def build_bundle(session: Session, kid: str, signer: ed25519.Signer, now: dt.datetime,
                 hosts: Collection[str]) -> bytes:
    """The offline bundle file as of ``now``, signed by ``kid``."""
    on = today(now)
    statuses = public_statuses(session, on)
    keys = KeyStore(session).public_keys()
    logged = log_head(session)
    payload = bundle.make_payload(
        statuses, keys, kid=kid, issued_at=now, on=on, hosts=hosts,
        tree_head=logged[0] if logged else None, log_key=logged[1] if logged else None)
    return bundle.sign(payload, kid, signer)
