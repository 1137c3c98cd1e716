"""A database that goes away: a calm 503 quickly, and recovery by itself when it returns.

The verifier reaches PostgreSQL through a TCP proxy the test owns; cutting the proxy
resets every connection and refuses new ones, as a failed database host would. The
shared PostgreSQL server itself is never stopped.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.engine import make_url

from storage.models import Scan
from storage.session import make_engine
from tests.verifier.conftest import ServerThread, make_settings, seed_registry
from tests.verifier.tcpproxy import TcpProxy

pytestmark = pytest.mark.postgres

#: Nothing of the failure's inside may reach the public.
LEAKS = ("Traceback", "SELECT", "sqlalchemy", "psycopg", "OperationalError", "5432",
         "connection refused", "Connection refused")


def path_of(url: str) -> str:
    return "/V/" + url.rsplit("/", 1)[1]


def write_failures(http: httpx.Client) -> float:
    families = text_string_to_metric_families(http.get("/metrics").text)
    for family in families:
        if family.name == "shangpin_scan_log_write_failures":
            return sum(s.value for s in family.samples if s.name.endswith("_total"))
    return 0.0


def wait_until(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def assert_calm(response: httpx.Response, proxy_port: int) -> None:
    for leak in (*LEAKS, str(proxy_port)):
        assert leak not in response.text, leak


def test_database_outage_gives_503_and_recovers(pg_database: str, tmp_path: Path) -> None:
    seeded = seed_registry(pg_database)
    direct = make_url(pg_database)
    with TcpProxy(direct.host or "127.0.0.1", direct.port or 5432) as proxy:
        # connect_timeout bounds how long a connection attempt may hang on a dead host.
        via_proxy = direct.set(host="127.0.0.1", port=proxy.port,
                               query={"connect_timeout": "2"})
        settings = make_settings(via_proxy.render_as_string(hide_password=False), tmp_path)
        with ServerThread(settings) as server, \
                httpx.Client(base_url=server.url, timeout=30) as http:
            valid = path_of(seeded.urls["valid"])
            assert http.get(valid).status_code == 200
            assert http.get("/healthz").json()["database"] == "ok"
            api_path = "/api/v1/verify/" + seeded.urls["valid"].rsplit("/", 1)[1]
            has_api = http.get(api_path).status_code == 200
            # Scans just before the cut may still be in the buffer when it happens.
            before_cut = [path_of(u) for u in seeded.unit_urls[:3]]
            for path in before_cut:
                assert http.get(path).status_code == 200
            failures = write_failures(http)

            proxy.cut()
            started = time.monotonic()
            page = http.get(path_of(seeded.urls["expired"]), headers={"Accept": "text/html"})
            assert time.monotonic() - started < 5
            assert page.status_code == 503
            assert page.headers["Content-Type"].startswith("text/html")
            assert page.headers["Retry-After"]
            assert "<html" in page.text
            assert_calm(page, proxy.port)
            health = http.get("/healthz")
            assert health.status_code == 503 and health.json()["database"] == "down"
            if has_api:
                started = time.monotonic()
                api = http.get("/api/v1/verify/" + seeded.urls["revoked"].rsplit("/", 1)[1])
                assert time.monotonic() - started < 5
                assert api.status_code == 503
                assert api.headers["Content-Type"].startswith("application/problem+json")
                assert api.json()["status"] == 503
                assert_calm(api, proxy.port)
            # Junk needs no database: it is answered, and its scan waits in the buffer.
            junk = http.get("/V/OUTAGE-JUNK-CODE")
            assert junk.status_code < 500
            assert wait_until(lambda: write_failures(http) > failures, 5)

            proxy.restore()
            assert wait_until(lambda: http.get("/healthz").status_code == 200, 15)
            assert http.get(valid).status_code == 200  # no restart needed
            assert http.get(path_of(seeded.urls["expired"])).status_code == 200
            # What was buffered during the outage is written by the writer's retries
            # (checked while the server runs, so not by its shutdown flush).
            wanted = {"OUTAGE-JUNK-CODE", *(p.rsplit("/", 1)[1] for p in before_cut)}
            assert wait_until(lambda: wanted <= stored_codes(pg_database), 5)


def stored_codes(url: str) -> set[str]:
    engine = make_engine(url)  # directly, not through the proxy
    try:
        with engine.connect() as connection:
            return set(connection.scalars(select(Scan.code)))
    finally:
        engine.dispose()
