"""What the console keeps for its lifetime: its key, its policies and its limiters."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from shangpin.settings import Settings
from verifier.console.accounts import LoginPolicy
from verifier.console.sessions import SessionPolicy, Staff
from verifier.ratelimit import RateLimiter

#: Sign-in attempts allowed per client (IPv4 address or IPv6 /64) and per account
#: name in each window, whatever their outcome; beyond them the form answers 429.
CLIENT_ATTEMPTS = 50
ACCOUNT_ATTEMPTS = 10
ATTEMPT_WINDOW = 15 * 60.0


@dataclass
class Console:
    key: bytes
    sessions: SessionPolicy = field(default_factory=SessionPolicy)
    logins: LoginPolicy = field(default_factory=LoginPolicy)
    per_client: RateLimiter = field(
        default_factory=lambda: RateLimiter(CLIENT_ATTEMPTS, ATTEMPT_WINDOW))
    per_account: RateLimiter = field(
        default_factory=lambda: RateLimiter(ACCOUNT_ATTEMPTS, ATTEMPT_WINDOW))

    @classmethod
    def from_settings(cls, settings: Settings) -> Console:
        return cls(key=load_session_key(settings.session_key, settings.data_dir),
                   logins=LoginPolicy(lockout=dt.timedelta(minutes=settings.lockout_minutes)))


CONSOLE = web.AppKey("console", Console)
#: The signed-in staff member, set on every request that passed the console's guard.
STAFF = web.RequestKey("staff", Staff)


def load_session_key(configured: str | None, data_dir: Path) -> bytes:
    """The configured key, or a random one made once and kept (0600) in the data dir."""
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "session.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(secrets.token_bytes(32))
    try:
        os.link(temporary, path)  # fails when another process made it first: use theirs
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_bytes()
