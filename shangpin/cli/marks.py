"""``shangpin mark``: render mark artwork, re-sign a mark after key compromise."""

from __future__ import annotations

from pathlib import Path

import click

from issuer import registry
from issuer.errors import InvalidInput, KeyStoreError
from issuer.keys import KeyStore
from issuer.marks import sign_mark
from issuer.payload import decode_code
from issuer.urls import mark_url
from shangpin.cli.context import App, pass_app
from storage.enums import KeyState


@click.group()
def mark() -> None:
    """Mark artwork: emblem, QR, certificate number and 扫码验真."""


@mark.command("render")
@click.argument("number")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="FILE.png or FILE.svg",
)
@click.option(
    "--dpi",
    type=click.IntRange(72, 2400),
    default=600,
    show_default=True,
    help="Resolution of PNG output.",
)
@pass_app
def render(app: App, number: str, out: Path, dpi: int) -> None:
    """Draw the mark of certificate NUMBER."""
    from issuer.artwork import Artwork, render_mark_png, render_mark_svg

    suffix = out.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise InvalidInput("--out must end in .png or .svg")
    with app.transaction() as session:
        certificate = registry.get_certificate(session, number)
        kid = decode_code(certificate.mark_code).payload.kid
        if KeyStore(session).get(kid).state is KeyState.COMPROMISED:
            raise KeyStoreError(
                f"the mark of {certificate.number} was signed with compromised key {kid}: "
                f"run `shangpin mark resign {certificate.number}` first"
            )
        url = mark_url(app.settings.verify_host, certificate.mark_code)
        cert_number, scheme = certificate.number, certificate.scheme
    artwork = Artwork.from_dir(app.settings.artwork_dir)
    if suffix == ".png":
        # Proof-scanned: the QR mask and position that survive low-resolution scans.
        data = render_mark_png(url, cert_number, scheme, dpi=dpi, artwork=artwork, proof_scan=True)
        _write(out, data)
    else:
        svg = render_mark_svg(url, cert_number, scheme, artwork=artwork, proof_scan=True)
        _write(out, svg.encode("utf-8"))
    click.echo(f"wrote {out} ({url})")


@mark.command("resign")
@click.argument("number")
@pass_app
def resign(app: App, number: str) -> None:
    """Sign a certificate's mark again with the newest active key (after a compromise)."""
    passphrase = app.settings.require_passphrase()
    with app.transaction() as session:
        certificate = registry.get_certificate(session, number, for_update=True)
        key = KeyStore(session).signer(passphrase)
        certificate.mark_code = sign_mark(
            key, certificate.number, certificate.valid_from, certificate.valid_until
        )
        url = mark_url(app.settings.verify_host, certificate.mark_code)
    click.echo(f"{number.upper()} re-signed with key {key[0]}: {url}")


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_bytes(data)
    tmp.replace(path)


COMMANDS = [mark]
