"""A demo data directory made ready: its settings, its registry and its console accounts.

The demo keeps everything in a directory of its own, with SQLite in it, and never writes into
the database ``SHANGPIN_DATABASE_URL`` names: its keys, accounts and alerts are throwaway.
Seeding is idempotent, so running the demo again on the same directory carries on with what
is there; only the console passwords are new each time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from issuer import status
from issuer.records import certificate_record
from shangpin import demo
from shangpin.market import MarketRegistry, seed_registry
from shangpin.market.registry import BODY_CODE
from shangpin.settings import Secret, Settings
from storage.session import Database

#: Used only when SHANGPIN_KEY_PASSPHRASE is unset, and only for the demo's own directory.
DEMO_PASSPHRASE = "shangpin-demo-only-passphrase"
#: The sample marketplace's seed: decides its holders, products and images.
MARKET_SEED = 1
#: The marketplace holder whose subject the demo holder account belongs to (it has alerts).
HOLDER_ROLE = "silk"


@dataclass(frozen=True)
class StaffLogin:
    """A console account the demo made, with this run's password (shown once, kept nowhere)."""

    username: str
    role: str
    password: str = dataclasses.field(repr=False)
    scope: str = ""


@dataclass(frozen=True)
class DemoData:
    """What the demo directory holds, as plain values for the guide it prints."""

    settings: Settings
    certificates: list[dict[str, Any]]  # the demo registry's records, every status
    market: MarketRegistry
    logins: list[StaffLogin]
    seeded_now: bool  # False when the directory already held the demo
    demo_only_passphrase: bool


def demo_settings(base: Settings, data_dir: Path, *, public_url: str) -> tuple[Settings, bool]:
    """The settings the demo runs with, and whether it fell back to the demo-only passphrase.

    Everything else (verify host, artwork, limits) comes from the environment as usual.
    """
    passphrase = base.key_passphrase or Secret(DEMO_PASSPHRASE)
    settings = dataclasses.replace(
        base,
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'shangpin.db'}",
        key_passphrase=passphrase,
        public_url=public_url.rstrip("/"),
        redis_url=None,  # a demo crawl keeps its queue in the directory, not a shared frontier
    )
    return settings, base.key_passphrase is None


def environment(settings: Settings, inherited: dict[str, str]) -> dict[str, str]:
    """The environment for a ``shangpin`` child process working on the demo directory."""
    env = {k: v for k, v in inherited.items() if k not in _OVERRIDDEN}
    env.update(
        SHANGPIN_DATA_DIR=str(settings.data_dir),
        SHANGPIN_DATABASE_URL=settings.database_url,
        SHANGPIN_KEY_PASSPHRASE=str(settings.require_passphrase()),
        SHANGPIN_PUBLIC_URL=settings.public_url,
    )
    return env


_OVERRIDDEN = ("SHANGPIN_DATA_DIR", "SHANGPIN_DATABASE_URL", "SHANGPIN_KEY_PASSPHRASE",
               "SHANGPIN_PUBLIC_URL", "SHANGPIN_REDIS_URL")


def prepare(settings: Settings, *, demo_only_passphrase: bool = False,
            now: dt.datetime | None = None) -> DemoData:
    """Seed what is missing and give every demo account a new password, in one transaction."""
    passphrase = settings.require_passphrase()
    database = Database.open(settings.database_url)
    try:
        with database.transaction() as session:
            seeded_now = not demo.is_seeded(session)
            if seeded_now:
                demo.seed(session, passphrase, now=now)
            market = seed_registry(session, passphrase, seed=MARKET_SEED)
            logins = _staff(session, settings, market)
            on = status.today(now)
            records = [certificate_record(c, on=on, host=settings.verify_host)
                       for c in demo.certificates(session)]
    finally:
        database.close()
    return DemoData(settings, records, market, logins, seeded_now, demo_only_passphrase)


def new_password(username: str) -> str:
    """A random password the console's strength rules accept (96 bits)."""
    from verifier.console.passwords import WeakPassword, check_strength

    while True:
        password = secrets.token_urlsafe(12)
        try:
            check_strength(password, username)
        except WeakPassword:
            continue
        return password


def _staff(session: Any, settings: Settings, market: MarketRegistry) -> list[StaffLogin]:
    """One account per role. Passwords are random per run rather than documented: the
    demo's console is a real one, and a password printed in a README is no password."""
    from verifier.console import accounts, audit

    holder = market.holders[HOLDER_ROLE].plan
    wanted = [
        ("demo-reviewer", "alliance_reviewer", None, None, "reviews every alert"),
        ("demo-admin", "alliance_admin", None, None, "also accounts and the audit trail"),
        ("demo-officer", "body_officer", BODY_CODE, None,
         f"body {BODY_CODE}, the marketplace holders' certifier"),
        ("demo-holder", "holder", None, holder.uscc, f"holder {holder.name}"),
    ]
    actor = f"cli:{settings.actor}"
    logins = []
    for username, role, body_code, subject_uscc, scope in wanted:
        password = new_password(username)
        try:
            user = accounts.get_user(session, username)
        except accounts.AccountError:
            accounts.add_user(session, username=username, role=role, password=password,
                              actor=actor, client_hash=audit.COMMAND_LINE, body_code=body_code,
                              subject_uscc=subject_uscc)
        else:
            if not user.active:
                accounts.set_active(session, username, True, actor=actor,
                                    client_hash=audit.COMMAND_LINE)
            accounts.set_password(session, username, password, actor=actor,
                                  client_hash=audit.COMMAND_LINE)
            role = user.role.value
        logins.append(StaffLogin(username, role, password, scope))
    return logins
