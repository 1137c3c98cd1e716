"""Rate limits: a real server with a small limit, and the limiter's memory bound."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.verifier.conftest import ServerThread, make_settings, seed_registry
from verifier.ratelimit import RateLimiter, client_key

LIMIT = 5


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    data_dir = tmp_path_factory.mktemp("ratelimit")
    url = f"sqlite:///{data_dir / 'shangpin.db'}"
    seed_registry(url)
    with ServerThread(make_settings(url, data_dir, rate_limit=LIMIT)) as server:
        yield server


def client(server: ServerThread, source: str) -> httpx.Client:
    """A client whose connections come from ``source`` (any 127.x.y.z is loopback)."""
    return httpx.Client(base_url=server.url, timeout=10,
                        transport=httpx.HTTPTransport(local_address=source))


def test_limit_answers_429_with_retry_after_page_and_problem(limited: ServerThread) -> None:
    with client(limited, "127.0.10.1") as http:
        answers = [http.get("/registry", headers={"Accept": "text/html"})
                   for _ in range(LIMIT)]
        assert all(a.status_code != 429 for a in answers)
        page = http.get("/registry", headers={"Accept": "text/html",
                                              "Accept-Language": "en"})
        assert page.status_code == 429
        assert 1 <= int(page.headers["Retry-After"]) <= 60
        assert page.headers["Content-Type"].startswith("text/html")
        assert "Too many requests" in page.text and "Traceback" not in page.text
        api = http.get("/api/v1/registry")
        assert api.status_code == 429
        assert api.headers["Content-Type"].startswith("application/problem+json")
        body = api.json()
        assert body["status"] == 429 and body["title"] == "Too Many Requests"
        assert 1 <= int(api.headers["Retry-After"]) <= 60
        # Health checks, metrics and static files are never limited.
        assert http.get("/healthz").status_code == 200
        assert http.get("/metrics").status_code == 200


def test_other_clients_keep_their_own_allowance(limited: ServerThread) -> None:
    with client(limited, "127.0.11.1") as first, client(limited, "127.0.11.2") as second:
        for _ in range(LIMIT + 1):
            last = first.get("/no/such/page")
        assert last.status_code == 429
        assert second.get("/no/such/page").status_code == 404


def test_limiter_windows_reset() -> None:
    limiter = RateLimiter(2, window=60)
    assert limiter.allow("a", now=0) == (True, 60)
    assert limiter.allow("a", now=1)[0]
    allowed, retry = limiter.allow("a", now=30)
    assert not allowed and retry == 30
    assert limiter.allow("a", now=60)[0]  # a new window


def test_limiter_memory_is_bounded() -> None:
    limiter = RateLimiter(3, window=60, max_clients=1000)
    for n in range(50_000):  # a flood from many addresses within one window
        limiter.allow(f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}", now=n / 1000)
    assert len(limiter) <= 1000
    limiter.allow("late", now=10_000)  # every earlier window has ended: all swept
    assert len(limiter) == 1


def test_clients_are_addresses_or_ipv6_slash_64() -> None:
    assert client_key("192.0.2.7") == "192.0.2.7"
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::2")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("::ffff:192.0.2.7") == "192.0.2.7"
