"""``shangpin serve``: the verification service."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket

import click

from shangpin.cli.context import App, pass_app
from shangpin.settings import Settings


def _run(settings: Settings, host: str, port: int, sock: socket.socket | None) -> None:
    from aiohttp import web

    from verifier.app import create_app
    from verifier.health import JsonAccessLogger

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    web.run_app(
        create_app(settings),
        host=None if sock else host,
        port=None if sock else port,
        sock=sock,
        access_log_class=JsonAccessLogger,
        print=None,
        shutdown_timeout=10,
        handle_signals=True,
    )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="SHANGPIN_HOST")
@click.option("--port", default=8080, show_default=True, type=int, envvar="SHANGPIN_PORT")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes sharing the port (each with its own cache and scan buffer).")
@pass_app
def serve(app: App, host: str, port: int, workers: int) -> None:
    """Run the public verification service (pages, API, badges)."""
    settings = app.settings
    # Migrate (SQLite) or check the schema (PostgreSQL) once, before any worker starts.
    app.database.close()
    click.echo(f"serving on http://{host}:{port} with {workers} process(es)", err=True)
    if workers == 1:
        _run(settings, host, port, None)
        return
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    children = [context.Process(target=_run, args=(settings, host, port, sock))
                for _ in range(workers)]
    for child in children:
        child.start()

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # SIGTERM to the parent (a process manager stopping the service) stops every worker;
    # each worker then shuts down gracefully and flushes its scan buffer.
    signal.signal(signal.SIGTERM, stop)
    try:
        for child in children:
            child.join()
    except KeyboardInterrupt:
        for child in children:
            child.terminate()
        for child in children:
            child.join()


COMMANDS = [serve]
