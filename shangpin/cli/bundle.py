"""``shangpin bundle``: write the signed offline bundle an inspector verifies marks with."""

from __future__ import annotations

import datetime as dt
import gzip
import os
from pathlib import Path

import click

from issuer import ed25519
from issuer.bundle import verify_bundle
from issuer.bundle_source import build_bundle
from issuer.keys import KeyStore
from shangpin.cli.context import App, emit, json_option, pass_app
from storage.base import utcnow


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all: a half-written bundle would be refused anyway, but an
    older good one at the same path must survive a failure."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


@click.command()
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the bundle (JSON, one line).")
@json_option
@pass_app
def bundle(app: App, out: Path, as_json: bool) -> None:
    """Write one signed bundle: the keys, every certificate's status today and the
    transparency log's tree head over them, for `shangpin verify CODE --bundle FILE`
    and /offline."""
    from issuer.transparency import log

    passphrase = app.settings.require_passphrase()
    now = utcnow()
    with app.transaction() as session:
        # A head over the whole log as it is now (signed only if the log has grown or the
        # last head is old), so the head the bundle names covers every status in it.
        log.sign_head(session, now, passphrase=passphrase,
                      max_age=dt.timedelta(minutes=app.settings.log_head_minutes))
        store = KeyStore(session)
        kid, seed = store.signer(passphrase)
        trusted = store.public_keys()
        data = build_bundle(session, kid, ed25519.Signer(seed), now, app.settings.mark_hosts)
    made = verify_bundle(data, trusted)  # never write a file the readers would refuse
    _write(out, data)
    record = {
        "path": str(out),
        "kid": made.kid,
        "issued_at": made.issued_at.isoformat(),
        "next_update": made.next_update.isoformat(),
        "date": made.date.isoformat(),
        "certificates": len(made.statuses),
        "tree_head_size": made.tree_head.size if made.tree_head else None,
        "bytes": len(data),
        "gzipped_bytes": len(gzip.compress(data, 9)),
    }

    def human() -> None:
        head = (f"log tree head of size {record['tree_head_size']}"
                if made.tree_head else "no log tree head yet")
        click.echo(f"wrote {out}: {record['certificates']} certificates as of {record['date']},"
                   f" {head}, signed by key {made.kid}; {record['bytes']} bytes"
                   f" ({record['gzipped_bytes']} gzipped); use before {record['next_update']}")

    emit(as_json, record, human)


COMMANDS = [bundle]
