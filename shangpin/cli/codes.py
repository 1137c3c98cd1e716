"""``shangpin codes``: per-unit codes (一物一码) for variable-data printing."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from issuer import registry, status
from issuer.errors import InvalidInput
from issuer.keys import KeyStore
from issuer.unitcodes import atomic_csv, batch_spec, reserve, write_codes_csv
from shangpin.cli.context import App, pass_app
from storage.models import UnitCodeBatch


@click.group()
def codes() -> None:
    """Issue per-unit signed codes."""


@codes.command("issue")
@click.argument("number")
@click.option("--count", type=click.IntRange(1, 10_000_000), required=True)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV file to write (serial,code,url).",
)
@click.option(
    "--images",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also render one QR PNG per unit into this directory.",
)
@click.option("--dpi", type=click.IntRange(72, 2400), default=600, show_default=True)
@click.option("--processes", type=click.IntRange(1, 64), help="Signing processes (default: cores).")
@pass_app
def issue(
    app: App,
    number: str,
    count: int,
    out: Path,
    images: Path | None,
    dpi: int,
    processes: int | None,
) -> None:
    """Sign COUNT new unit serials of certificate NUMBER and write them to --out."""
    if out.exists() and out.is_dir():
        raise InvalidInput(f"--out {out} is a directory")
    passphrase = app.settings.require_passphrase()
    with app.transaction() as session:
        kid, seed = KeyStore(session).signer(passphrase)
        batch = reserve(
            session, number, count, kid=kid, actor=app.settings.actor, on=status.today()
        )
        certificate = registry.get_certificate(session, number)
        spec = batch_spec(
            certificate.number,
            certificate.valid_from,
            certificate.valid_until,
            kid,
            app.settings.verify_host,
        )
        batch_id, first, last = batch.id, batch.first_serial, batch.last_serial
    # The serials are reserved (committed) before signing, so two runs never overlap;
    # if writing fails the reservation is withdrawn and no partial file is left.
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp, handle = atomic_csv(out)
    started = time.perf_counter()
    try:
        with handle, _progress(count) as advance:
            written = write_codes_csv(
                handle, seed, spec, first, last, processes=processes, progress=advance
            )
        if images is not None:
            _render_images(tmp, images, dpi)
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        with app.transaction() as session:
            stale = session.get(UnitCodeBatch, batch_id)
            if stale is not None:
                session.delete(stale)
        raise
    elapsed = time.perf_counter() - started
    click.echo(
        f"{written:,} codes for {spec.certificate_number} (serials {first}-{last}, key {kid}) "
        f"written to {out} in {elapsed:.1f} s",
        err=True,
    )


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on a terminal for long runs; nothing otherwise (scripts, CI)."""
    if total < 20_000 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("signing", total=total)
        yield lambda done: bar.update(task, completed=done)


def _render_images(csv_path: Path, directory: Path, dpi: int) -> None:
    import csv

    from issuer.artwork import render_qr_png

    directory.mkdir(parents=True, exist_ok=True)
    with csv_path.open(encoding="ascii", newline="") as handle:
        for row in csv.DictReader(handle):
            (directory / f"{int(row['serial']):010d}.png").write_bytes(
                render_qr_png(row["url"], dpi=dpi)
            )


COMMANDS = [codes]
