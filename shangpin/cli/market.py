"""``shangpin market``: the sample marketplace a crawl is tested and measured against."""

from __future__ import annotations

import json
import os
import socket
import tempfile
from pathlib import Path

import click

from shangpin.cli.context import App, json_option, pass_app
from shangpin.market.catalogue import MIN_PRODUCTS
from shangpin.settings import ConfigurationError


@click.group()
def market() -> None:
    """The sample marketplace: seeded holders, generated shops and listing photos."""


@market.command("serve")
@click.option("--seed", default=1, show_default=True, type=int,
              help="Decides the holders, the products and every image.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8081, show_default=True, type=click.IntRange(0, 65535),
              help="0 picks a free port.")
@click.option("--products", default=60, show_default=True,
              type=click.IntRange(MIN_PRODUCTS, 100_000),
              help="Listings in all; at least one per scenario.")
@click.option("--no-seed", is_flag=True,
              help="Do not seed the registry; it must already hold this seed's holders.")
@click.option("--site-config", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the crawl's site TOML "
              "[default: DATA_DIR/sample-market-SEED.toml].")
@json_option
@pass_app
def serve(app: App, seed: int, host: str, port: int, products: int, no_seed: bool,
          site_config: Path | None, as_json: bool) -> None:
    """Seed the registry, then serve the sample marketplace until SIGINT or SIGTERM."""
    from aiohttp import web

    from issuer.artwork import Artwork
    from shangpin.market import Market, load_registry, make_app, seed_registry

    settings = app.settings
    with app.transaction() as session:
        if no_seed:
            registry = load_registry(session, seed=seed)
        else:
            registry = seed_registry(session, settings.require_passphrase(), seed=seed)
    app.close()  # the site reads nothing from the database while it runs
    shop = Market(registry, products=products, host=settings.verify_host,
                  artwork=Artwork.from_dir(settings.artwork_dir))
    sock = _listen(host, port)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{sock.getsockname()[1]}/"
    path = site_config or settings.data_dir / f"sample-market-{seed}.toml"
    _write(path, shop.site_config(url))
    info = {"url": url, "site_config": str(path), "seed": seed, "products": len(shop.products),
            "pages": shop.pages, "expected_alerts": len(shop.expected_alerts())}
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
    else:
        click.echo(f"sample market (seed {seed}, {info['products']} products, "
                   f"{info['expected_alerts']} expected alerts) on {url}")
        click.echo(f"site configuration: {path}")
    # aiohttp turns SIGINT and SIGTERM into a graceful stop: connections close, threads end.
    web.run_app(make_app(shop), sock=sock, print=None, handle_signals=True, shutdown_timeout=5)
    click.echo("sample market stopped", err=True)


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _write(path: Path, text: str) -> None:
    """Write whole or not at all: a crawl started meanwhile never reads half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".site-", suffix=".toml")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigurationError(f"cannot write the site configuration {path}: "
                                 f"{exc.strerror or exc}") from None
