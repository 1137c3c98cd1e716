"""``shangpin detect IMAGE...``: run the mark detector on image files and print the finds.

Thin: read each file, call ``crawler.detector.detect``, print. An image that cannot be read
is reported on stderr and the others still run; the exit status is then 1.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from crawler.detector import THRESHOLD, DetectionError, DetectionResult
from crawler.detector import detect as run_detector
from crawler.references import ReferenceError, References
from issuer.verification import PublicKey


@click.command("detect")
@click.argument("images", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object per image, one per line.")
@click.option("--keys", "keys_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JWKS file of public keys to verify mark QR codes with.")
@click.option("--local-keys", is_flag=True,
              help="Verify mark QR codes with the public keys of the local registry.")
@click.option("--references", type=click.Path(file_okay=False, path_type=Path),
              help="Directory of reference emblems (default: SHANGPIN_ARTWORK_DIR, else the "
                   "shipped stand-ins).")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=THRESHOLD,
              show_default=True, help="Score from which a find is reported.")
@click.pass_context
def detect(ctx: click.Context, images: tuple[Path, ...], as_json: bool, keys_file: Path | None,
           local_keys: bool, references: Path | None, threshold: float) -> None:
    """Find the "上品" and cultivation emblems and QR codes in images.

    Without --keys or --local-keys, QR codes are read but not verified (verification null).
    """
    # The shangpin command puts its App (settings, database) in ctx.obj; duck-typed so that
    # the crawler does not import the command-line package that imports it.
    settings = getattr(ctx.obj, "settings", None)
    ref_dir = references or (settings.artwork_dir if settings is not None else None)
    try:
        refs = References.from_dir(ref_dir)
    except ReferenceError as exc:
        raise click.UsageError(str(exc)) from None
    keys = _keys(ctx, keys_file, local_keys)
    hosts = settings.mark_hosts if settings is not None else None
    failed = False
    for path in images:
        try:
            result = run_detector(path.read_bytes(), references=refs, keys=keys, hosts=hosts,
                                  threshold=threshold)
        except (DetectionError, OSError) as exc:
            click.echo(f"error: {path}: {exc}", err=True)
            failed = True
            continue
        if as_json:
            click.echo(json.dumps(as_record(str(path), result), ensure_ascii=False))
        else:
            _human(str(path), result)
    if failed:
        ctx.exit(1)


def as_record(image: str, result: DetectionResult) -> dict[str, Any]:
    """The ``--json`` object for one image."""
    return {"image": image, **result.to_json()}


def _human(image: str, result: DetectionResult) -> None:
    if not result.detections and not result.qr:
        click.echo(f"{image}: nothing found")
        return
    click.echo(f"{image}:")
    for d in result.detections:
        corners = " ".join(f"({x:.0f},{y:.0f})" for x, y in d.quad)
        click.echo(f"  mark {d.mark:<11} score {d.score:.2f}  at {corners}")
    for q in result.qr:
        verdict = q.verification or "not verified"
        click.echo(f"  QR   {q.text}  [{verdict}]")


def _keys(ctx: click.Context, keys_file: Path | None, local_keys: bool
          ) -> Mapping[str, PublicKey] | None:
    if keys_file is not None and local_keys:
        raise click.UsageError("give --keys or --local-keys, not both")
    if keys_file is not None:
        from issuer.errors import InvalidInput
        from issuer.keys import from_jwks

        try:
            return from_jwks(json.loads(keys_file.read_text(encoding="utf-8")))
        except (ValueError, InvalidInput) as exc:
            raise click.UsageError(f"{keys_file}: not a JWKS key set ({exc})") from None
    if local_keys:
        app = ctx.obj
        if not hasattr(app, "transaction"):
            raise click.UsageError("--local-keys needs the shangpin command's database")
        from issuer.keys import KeyStore

        with app.transaction() as session:
            return KeyStore(session).public_keys()
    return None


COMMANDS = [detect]
