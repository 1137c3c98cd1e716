"""``shangpin demo``: the verifier with its console and the sample marketplace, in one loop.

Both aiohttp applications run on one asyncio loop on loopback. The crawl runs as a child
process through ``shangpin crawl`` itself (Scrapy's reactor wants a process of its own), so the
demo exercises exactly the path a real crawl takes. Ctrl-C or SIGTERM stops the crawl if it is
still going, closes both servers and exits with status 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shangpin.demo_setup import DemoData, environment, prepare
from shangpin.settings import ConfigurationError, Settings

HOST = "127.0.0.1"  # the demo's accounts and passwords are never served beyond this machine
CRAWL_STOP_SECONDS = 20.0  # how long a stopped crawl may take to finish its listing in hand
SHUTDOWN_SECONDS = 5.0

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    data_dir: Path
    port: int = 8080
    market_port: int = 8081
    crawl: bool = True
    products: int = 60


@dataclass
class CrawlResult:
    """What the crawl child reported, or why it did not."""

    summary: dict[str, Any] | None
    problem: str | None = None
    stopped: bool = False
    by_kind: dict[str, int] = field(default_factory=dict)  # crawler alerts in the database


def listen(port: int) -> tuple[socket.socket, bool]:
    """A listening socket on loopback at ``port``, or at a free port when that one is taken;
    the flag says whether it moved."""
    sock = _bind(port)
    if sock is not None:
        return sock, False
    fallback = _bind(0)
    if fallback is None:  # pragma: no cover - loopback without a single free port
        raise ConfigurationError(f"cannot listen on {HOST}")
    return fallback, True


def _bind(port: int) -> socket.socket | None:
    sock = socket.socket(socket.AF_INET)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            return None
        raise ConfigurationError(f"cannot listen on {HOST}:{port}: {exc.strerror}") from None
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://{HOST}:{sock.getsockname()[1]}"


def run(base: Settings, options: Options, echo: Echo) -> None:
    """Prepare the demo directory, serve, crawl, print the guide, serve until stopped."""
    from shangpin.demo_setup import demo_settings

    with _interruptible():
        verifier_sock, verifier_moved = listen(options.port)
        market_sock, market_moved = listen(options.market_port)
        try:
            settings, demo_only = demo_settings(base, options.data_dir,
                                                public_url=url_of(verifier_sock))
            echo(f"shangpin demo: data in {options.data_dir}/ (SQLite shangpin.db)")
            if demo_only:
                echo("note: SHANGPIN_KEY_PASSPHRASE is not set, so the demo's signing keys are "
                     "encrypted with the demo-only passphrase "
                     f"\"{settings.require_passphrase()}\"; never use it for real keys")
            data = prepare(settings, demo_only_passphrase=demo_only)
            if verifier_moved:
                echo(f"port {options.port} is busy; the verifier uses "
                     f"{verifier_sock.getsockname()[1]}")
            if market_moved:
                echo(f"port {options.market_port} is busy; the sample marketplace uses "
                     f"{market_sock.getsockname()[1]}")
            asyncio.run(_serve(data, options, verifier_sock, market_sock, echo))
        finally:
            verifier_sock.close()
            market_sock.close()
    echo("demo stopped")


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Before the loop runs, SIGTERM stops the demo as Ctrl-C does: quietly."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


async def _serve(data: DemoData, options: Options, verifier_sock: socket.socket,
                 market_sock: socket.socket, echo: Echo) -> None:
    from aiohttp import web

    from issuer.artwork import Artwork
    from shangpin.market import Market, make_app
    from verifier.app import create_app

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    settings = data.settings
    runners: list[web.AppRunner] = []
    try:
        market = Market(data.market, products=options.products, host=settings.verify_host,
                        artwork=Artwork.from_dir(settings.artwork_dir))
        for app, sock in ((create_app(settings), verifier_sock),
                          (make_app(market), market_sock)):
            runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                   shutdown_timeout=SHUTDOWN_SECONDS)
            await runner.setup()
            runners.append(runner)
            await web.SockSite(runner, sock).start()
        base = url_of(verifier_sock)
        market_url = url_of(market_sock) + "/"
        site_file = settings.data_dir / "sample-market.toml"
        site_file.write_text(market.site_config(market_url), encoding="utf-8")
        _guide(data, base, market_url, echo)
        if options.crawl and not stop.is_set():
            echo(f"crawling the sample marketplace ({len(market.products)} listings; its log "
                 f"goes to {settings.data_dir / 'crawl.log'})...")
            result = await _crawl(settings, site_file, stop)
            _crawl_report(result, echo)
        echo(f"alert queue         {base}/console/alerts")
        if not stop.is_set():
            echo("")
            echo(f"ready: open {base}/ (press Ctrl-C to stop)")
            await stop.wait()
        echo("stopping...")
    finally:
        for runner in reversed(runners):
            await runner.cleanup()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _guide(data: DemoData, base: str, market_url: str, echo: Echo) -> None:
    """Where to look. Passwords go to the terminal only: no logger ever sees them."""
    echo("seeded the demo registry, the marketplace's holders and a signing key"
         if data.seeded_now else "reusing the demo registry in this directory")
    echo("")
    echo(f"verifier            {base}/")
    echo(f"public registry     {base}/registry")
    echo(f"sample marketplace  {market_url}")
    echo("")
    echo("scan pages, one per demo certificate (what a consumer sees after scanning its mark):")
    for record in data.certificates:
        echo(f"  {record['status']:<10} {record['scheme']:<11} {record['number']:<14} "
             f"{base}/V/{record['mark_code']}")
    echo("")
    echo(f"console sign-in     {base}/console/login")
    for login in data.logins:
        echo(f"  {login.role:<18} user {login.username:<13} password {login.password}  "
             f"{login.scope}")
    echo("  (the passwords are new on every run and shown only here)")
    echo("")


async def _crawl(settings: Settings, site_file: Path, stop: asyncio.Event) -> CrawlResult:
    """``shangpin crawl`` of the marketplace in a child process; stopped when ``stop`` is set.

    The child runs in a session of its own, so Ctrl-C in the terminal reaches only the demo,
    which then asks the crawl to stop once and waits for it.
    """
    log = settings.data_dir / "crawl.log"
    with log.open("w", encoding="utf-8") as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "shangpin", "crawl", str(site_file), "--json", "--restart",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=err,
            env=environment(settings, dict(os.environ)), start_new_session=True)
        output = asyncio.ensure_future(proc.communicate())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({output, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        stopped = not output.done()
        if stopped:
            # SIGTERM: a graceful stop once Scrapy runs, a quiet exit while still starting.
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.shield(output), CRAWL_STOP_SECONDS)
            except TimeoutError:
                proc.kill()
        out, _ = await output
    if stopped:
        return CrawlResult(None, stopped=True)
    try:
        summary: dict[str, Any] = json.loads(out)
    except ValueError:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return CrawlResult(None, problem=(lines[-1] if lines else
                                          f"the crawl exited with status {proc.returncode}"))
    by_kind = await asyncio.get_running_loop().run_in_executor(
        None, crawler_alerts, settings.database_url)
    return CrawlResult(summary, by_kind=by_kind)


def crawler_alerts(database_url: str) -> dict[str, int]:
    """Alerts raised by crawls, counted by kind, as the alert queue holds them."""
    from sqlalchemy import func, select

    from storage.models import Alert
    from storage.session import Database

    database = Database.open(database_url)
    try:
        with database.transaction() as session:
            rows = session.execute(
                select(Alert.kind, func.count()).where(Alert.source == "crawler")
                .group_by(Alert.kind).order_by(Alert.kind)).all()
    finally:
        database.close()
    return {kind: int(count) for kind, count in rows}


def _crawl_report(result: CrawlResult, echo: Echo) -> None:
    if result.stopped:
        echo("crawl stopped before it finished")
        return
    if result.summary is None:
        echo(f"the crawl failed: {result.problem}")
        return
    s = result.summary
    new_kinds = ", ".join(f"{k} {v}" for k, v in s.get("new_alerts_by_kind", {}).items())
    echo(f"crawl {s['reason']}: {s['listings']} listings, {s['images_fetched']} images, "
         f"{s['alerts_new']} new alerts" + (f" ({new_kinds})" if new_kinds else "")
         + f", {s['alerts_known']} already known, in {s['elapsed']} s")
    total = sum(result.by_kind.values())
    kinds = ", ".join(f"{k} {v}" for k, v in result.by_kind.items())
    echo(f"crawler alerts in the queue: {total}" + (f" ({kinds})" if kinds else ""))
