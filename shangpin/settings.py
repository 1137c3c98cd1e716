"""The one place that reads ``SHANGPIN_*`` environment variables.

Everything else receives a ``Settings`` value, so tests build one directly and no
module discovers configuration on its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: Every variable the service reads, with what it sets. ``docs/configuration.md``
#: documents each one; a test fails when one is missing there.
ENVIRONMENT: dict[str, str] = {
    "SHANGPIN_DATABASE_URL": "SQLAlchemy URL of the database (default: SQLite in the data dir)",
    "SHANGPIN_DATA_DIR": "directory for the default SQLite database and other local state",
    "SHANGPIN_VERIFY_HOST": "host name printed in mark QR codes (HTTPS://<host>/V/<payload>)",
    "SHANGPIN_ACCEPTED_HOSTS": "comma-separated extra hosts whose mark URLs are accepted",
    "SHANGPIN_KEY_PASSPHRASE": "passphrase that encrypts signing keys at rest",
    "SHANGPIN_ARTWORK_DIR": "directory with replacement emblem artwork",
    "SHANGPIN_PUBLICITY_DAYS": "length of the publicity (公示) window for new certificates",
    "SHANGPIN_ACTOR": "name recorded as the actor of CLI changes (default: the OS user)",
    "SHANGPIN_PUBLIC_URL": "base URL of the verification service, for embed and badge links",
    "SHANGPIN_SCAN_HASH_KEY": "secret key for the keyed hashes of client addresses in scan logs",
    "SHANGPIN_RATE_LIMIT": "public requests allowed per client per minute (0 disables)",
    "SHANGPIN_MAX_UPLOAD_BYTES": "largest photo upload accepted, in bytes",
    "SHANGPIN_MAX_UPLOAD_PIXELS": "largest photo accepted, in pixels (width x height)",
    "SHANGPIN_CLONE_NETWORKS": "distinct networks scanning one unit code that raise a clone alert",
    "SHANGPIN_REDIS_URL": "Redis URL; when set, crawls share one frontier through scrapy-redis",
    "SHANGPIN_SESSION_KEY": "secret key for console session tokens and the login form's CSRF token",
    "SHANGPIN_LOCKOUT_MINUTES": "minutes a console account stays locked after five wrong passwords",
    "SHANGPIN_LOG_HEAD_MINUTES": "minutes between signed tree heads of the transparency log",
}

DEFAULT_VERIFY_HOST = "SHANGPIN.EXAMPLE"


class ConfigurationError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


class Secret(str):
    """A string that never shows itself in ``repr`` (and so never in logs or tracebacks)."""

    def __repr__(self) -> str:
        return "Secret('**********')"


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    verify_host: str = DEFAULT_VERIFY_HOST
    accepted_hosts: tuple[str, ...] = ()
    key_passphrase: Secret | None = field(default=None, repr=False)
    artwork_dir: Path | None = None
    publicity_days: int = 7
    actor: str = "cli"
    public_url: str = ""
    scan_hash_key: Secret | None = field(default=None, repr=False)
    rate_limit: int = 120
    max_upload_bytes: int = 8 * 1024 * 1024
    max_upload_pixels: int = 40_000_000
    clone_networks: int = 5
    redis_url: str | None = None
    session_key: Secret | None = field(default=None, repr=False)
    lockout_minutes: int = 15
    log_head_minutes: int = 10

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("SHANGPIN_DATA_DIR") or "var")
        database_url = env.get("SHANGPIN_DATABASE_URL") or f"sqlite:///{data_dir / 'shangpin.db'}"
        host = normalise_host(env.get("SHANGPIN_VERIFY_HOST") or DEFAULT_VERIFY_HOST)
        extra = tuple(
            normalise_host(h)
            for h in (env.get("SHANGPIN_ACCEPTED_HOSTS") or "").split(",")
            if h.strip()
        )
        passphrase = env.get("SHANGPIN_KEY_PASSPHRASE")
        artwork = env.get("SHANGPIN_ARTWORK_DIR")
        try:
            publicity_days = int(env.get("SHANGPIN_PUBLICITY_DAYS") or 7)
        except ValueError:
            raise ConfigurationError(
                "SHANGPIN_PUBLICITY_DAYS must be a whole number of days"
            ) from None
        if not 0 <= publicity_days <= 90:
            raise ConfigurationError("SHANGPIN_PUBLICITY_DAYS must be between 0 and 90")
        actor = env.get("SHANGPIN_ACTOR") or env.get("USER") or "cli"
        public_url = (env.get("SHANGPIN_PUBLIC_URL") or f"https://{host.lower()}").rstrip("/")
        if not public_url.startswith(("http://", "https://")):
            raise ConfigurationError("SHANGPIN_PUBLIC_URL must start with http:// or https://")
        hash_key = env.get("SHANGPIN_SCAN_HASH_KEY")
        return cls(
            database_url=database_url,
            data_dir=data_dir,
            verify_host=host,
            accepted_hosts=extra,
            key_passphrase=Secret(passphrase) if passphrase else None,
            artwork_dir=Path(artwork) if artwork else None,
            publicity_days=publicity_days,
            actor=actor,
            public_url=public_url,
            scan_hash_key=Secret(hash_key) if hash_key else None,
            rate_limit=_whole(env, "SHANGPIN_RATE_LIMIT", 120, 0, 10_000_000),
            max_upload_bytes=_whole(env, "SHANGPIN_MAX_UPLOAD_BYTES", 8 << 20, 1024, 1 << 30),
            max_upload_pixels=_whole(env, "SHANGPIN_MAX_UPLOAD_PIXELS", 40_000_000, 10_000,
                                     500_000_000),
            clone_networks=_whole(env, "SHANGPIN_CLONE_NETWORKS", 5, 2, 10_000),
            redis_url=_redis_url(env.get("SHANGPIN_REDIS_URL")),
            session_key=Secret(env["SHANGPIN_SESSION_KEY"])
            if env.get("SHANGPIN_SESSION_KEY") else None,
            lockout_minutes=_whole(env, "SHANGPIN_LOCKOUT_MINUTES", 15, 1, 7 * 24 * 60),
            log_head_minutes=_whole(env, "SHANGPIN_LOG_HEAD_MINUTES", 10, 1, 24 * 60),
        )

    @property
    def mark_hosts(self) -> tuple[str, ...]:
        """Hosts whose mark URLs this deployment accepts, the printing host first."""
        return (self.verify_host, *[h for h in self.accepted_hosts if h != self.verify_host])

    @property
    def evidence_dir(self) -> Path:
        """Where crawl evidence (pages, images, crops) is kept, content-addressed."""
        return self.data_dir / "evidence"

    def require_passphrase(self) -> Secret:
        if not self.key_passphrase:
            raise ConfigurationError(
                "SHANGPIN_KEY_PASSPHRASE is not set: it is needed to encrypt or use signing keys"
            )
        return self.key_passphrase


def _whole(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = env.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be between {low} and {high}")
    return value


def _redis_url(text: str | None) -> str | None:
    if not text:
        return None
    if not text.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError("SHANGPIN_REDIS_URL must start with redis://, rediss:// or unix://")
    return text


def normalise_host(host: str) -> str:
    """Upper-case a host (and optional port) so it stays in QR alphanumeric mode."""
    value = host.strip().upper()
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:")
    if not value or not set(value) <= allowed or value.startswith((".", "-")):
        raise ConfigurationError(
            f"verify host {host!r} must be a plain host name (letters, digits, '.', '-', ':port')"
        )
    return value
