"""Short, log-safe words for why a request failed (they end up in ImageFailure.reason)."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError

from crawler.crawl.safety import PrivateAddressRefused, UnsupportedScheme


def failure_reason(exc: BaseException | None) -> str:
    """One or two words, never the URL's query or the server's text (they may be hostile)."""
    if exc is None:
        return "failed"
    if isinstance(exc, PrivateAddressRefused | UnsupportedScheme):
        return exc.reason
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        return "robots.txt" if "robots.txt" in str(exc) else "ignored"
    if isinstance(exc, DownloadCancelledError):
        # Scrapy cancels a download only when it passes its size limit.
        return "too large"
    if isinstance(exc, DownloadTimeoutError | TimeoutError):
        return "timeout"
    if isinstance(exc, CannotResolveHostError | DNSLookupError):
        return "DNS lookup failed"
    if isinstance(exc, DownloadConnectionRefusedError | ConnectionRefusedError):
        return "connection refused"
    return type(exc).__name__
