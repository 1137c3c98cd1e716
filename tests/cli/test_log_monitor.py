"""``shangpin log monitor`` against a real verifier whose database is tampered with, and
against a small log server that forks or signs badly. The monitor runs as a real process."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import Engine, select, text, update

from issuer import ed25519, registry, status
from issuer.transparency import log, merkle
from issuer.transparency.entries import CertificateStatusEntry, decode_entry, encode_entry
from issuer.transparency.tree_head import TreeHead, timestamp_ms
from storage.enums import CertificateState
from storage.models import Certificate, LogEntryRecord, LogNode
from storage.session import Database
from tests.cli.conftest import Shangpin
from tests.conftest import fresh_pg_database
from tests.verifier.conftest import PASSPHRASE, ServerThread, make_settings, seed_registry
from verifier.api.log import b64url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'monitored.db'}"
        return
    with fresh_pg_database(request.getfixturevalue("pg_server"), "shangpin_monitor") as url:
        yield url


def _monitor(shangpin: Shangpin, url: str, state: Path) -> tuple[int, dict[str, Any]]:
    result = shangpin("log", "monitor", url, "--state", str(state), "--json", check=False)
    assert result.code in (0, 1), result.err
    return result.code, result.json()


def _sign(database: Database) -> None:
    """What the service does on its schedule: sign the log as it now stands."""
    with database.transaction() as session:
        log.sign_head(session, passphrase=PASSPHRASE, force=True)


def _drop_append_only(engine: Engine) -> None:
    """What an attacker with database access does first."""
    with engine.begin() as connection:
        for table in ("log_entries", "log_nodes"):
            if engine.dialect.name == "sqlite":
                connection.execute(text(f"DROP TRIGGER {table}_no_update"))
                connection.execute(text(f"DROP TRIGGER {table}_no_delete"))
            else:
                connection.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))


def _rewrite_entry(database: Database, *, rebuild_tree: bool) -> int:
    """Change the reason of an old revocation, as a back-dating insider would; returns its
    index. With ``rebuild_tree`` the stored hashes are recomputed to match."""
    with database.transaction() as session:
        records = list(session.scalars(select(LogEntryRecord).order_by(
            LogEntryRecord.leaf_index)))
        target = next(r for r in records if isinstance(entry := decode_entry(r.entry),
                                                        CertificateStatusEntry)
                      and entry.to_state is CertificateState.REVOKED)
        old = decode_entry(target.entry)
        assert isinstance(old, CertificateStatusEntry)
        new = CertificateStatusEntry(old.certificate_number, old.from_state, old.to_state,
                                     "rewritten reason", old.actor,
                                     old.time - dt.timedelta(days=30))
        data = encode_entry(new)
        session.execute(update(LogEntryRecord)
                        .where(LogEntryRecord.leaf_index == target.leaf_index)
                        .values(entry=data, leaf_hash=merkle.leaf_hash(data)))
        if rebuild_tree:
            session.execute(LogNode.__table__.delete())
            written: list[dict[str, Any]] = []
            store = _Recording(written)
            for record in records:
                merkle.append_leaf(store, merkle.leaf_hash(
                    data if record.leaf_index == target.leaf_index else record.entry))
            session.execute(LogNode.__table__.insert(), written)
        return target.leaf_index


class _Recording(merkle.MemoryHashStore):
    def __init__(self, written: list[dict[str, Any]]) -> None:
        super().__init__()
        self.written = written

    def put(self, nodes: Sequence[tuple[merkle.NodeId, bytes]]) -> None:
        super().put(nodes)
        self.written.extend({"level": level, "node_index": index, "hash": value}
                            for (level, index), value in nodes)


def test_monitor_follows_a_log_and_catches_rewrites(database_url: str, tmp_path: Path,
                                                    shangpin: Shangpin) -> None:
    seed_registry(database_url)
    state = tmp_path / "monitor.json"
    database = Database.open(database_url)
    try:
        with ServerThread(make_settings(database_url, tmp_path / "data")) as server:
            code, first = _monitor(shangpin, server.url, state)
            assert code == 0 and first["ok"] and first["previous_size"] is None
            assert first["new_entries"] == first["tree_size"] > 0
            pinned = json.loads(state.read_text())
            assert pinned["tree_size"] == first["tree_size"]

            # The log grows honestly: the monitor checks the extension and moves on.
            with database.transaction() as session:
                number = session.scalars(select(Certificate.number).where(
                    Certificate.state == CertificateState.VALID)).first()
                assert number is not None
                registry.change_status(session, number, status.Action.SUSPEND,
                                       actor="monitor-test", reason="surveillance failed")
            _sign(database)
            code, second = _monitor(shangpin, server.url, state)
            assert code == 0, second
            assert second["previous_size"] == first["tree_size"]
            assert second["new_entries"] == 1
            assert json.loads(state.read_text())["tree_size"] == first["tree_size"] + 1
            trusted = state.read_text()

            # A careless rewrite: the entry bytes and leaf hash, not the tree. A monitor
            # starting now re-hashes every entry and cannot reach the signed root.
            _drop_append_only(database.engine)
            _rewrite_entry(database, rebuild_tree=False)
            code, fresh = _monitor(shangpin, server.url, tmp_path / "fresh.json")
            assert code == 1 and fresh["alarm"] == "rewritten", fresh
            assert "do not add up to the signed root" in fresh["report"]
            assert not (tmp_path / "fresh.json").exists()

            # A careful rewrite: the tree rebuilt to match, the log grows on and a new head
            # is signed. The head no longer extends the one the monitor trusted.
            _rewrite_entry(database, rebuild_tree=True)
            with database.transaction() as session:
                registry.change_status(session, number, status.Action.REINSTATE,
                                       actor="monitor-test", reason="passed re-inspection")
            _sign(database)
            code, caught = _monitor(shangpin, server.url, state)
            assert code == 1 and caught["alarm"] == "rewritten", caught
            assert "does not extend the trusted head" in caught["report"]
            assert state.read_text() == trusted, "the trusted state is kept as evidence"
    finally:
        database.close()


# -- a small log server that can fork or sign badly -----------------------------------------


@dataclass
class FakeLog:
    """A log held in memory; ``serve`` names the version it answers with."""

    signer: ed25519.Signer
    versions: dict[str, list[bytes]] = field(default_factory=dict)
    serve: str = "a"
    tamper_signature: bool = False

    def store(self) -> merkle.MemoryHashStore:
        store = merkle.MemoryHashStore()
        for entry in self.versions[self.serve]:
            store.append(entry)
        return store

    def app(self) -> web.Application:
        async def key(_: web.Request) -> web.Response:
            return web.json_response({"kty": "OKP", "crv": "Ed25519", "kid": "0a0b0c0d",
                                      "x": b64url(self.signer.public_key), "use": "sig",
                                      "alg": "EdDSA"})

        async def sth(_: web.Request) -> web.Response:
            store = self.store()
            size = store.size()
            head = TreeHead(size, merkle.root_hash(store, size),
                            timestamp_ms(dt.datetime(2030, 1, 1, tzinfo=dt.UTC)))
            signature = head.sign(self.signer).signature
            if self.tamper_signature:
                signature = bytes([signature[0] ^ 1]) + signature[1:]
            return web.json_response({
                "tree_size": size, "timestamp_ms": head.timestamp_ms,
                "time": head.time.isoformat(), "root_hash": b64url(head.root_hash),
                "signature": b64url(signature), "kid": "0a0b0c0d",
                "public_key": b64url(self.signer.public_key)})

        async def entries(request: web.Request) -> web.Response:
            start, end = int(request.query["start"]), int(request.query["end"])
            chosen = self.versions[self.serve]
            return web.json_response({"entries": [
                {"index": i, "entry": b64url(chosen[i]),
                 "leaf_hash": b64url(merkle.leaf_hash(chosen[i]))}
                for i in range(start, min(end + 1, len(chosen)))]})

        async def consistency(request: web.Request) -> web.Response:
            first, second = int(request.query["first"]), int(request.query["second"])
            proof = merkle.consistency_proof(self.store(), first, second)
            return web.json_response({"first": first, "second": second,
                                      "proof": [b64url(h) for h in proof]})

        app = web.Application()
        app.router.add_get("/.well-known/shangpin/log-key.json", key)
        app.router.add_get("/api/v1/log/sth", sth)
        app.router.add_get("/api/v1/log/entries", entries)
        app.router.add_get("/api/v1/log/proof/consistency", consistency)
        return app


@pytest.fixture
def fake_log() -> Iterator[tuple[FakeLog, str]]:
    """The fake log on 127.0.0.1 in a thread of its own; yields it and its URL."""

    def entry(number: str, to: str, reason: str) -> bytes:
        return encode_entry(CertificateStatusEntry(
            number, None if to == "publicity" else "valid" if to != "valid" else "publicity",
            to, reason, "staff:test", dt.datetime(2029, 1, 1, tzinfo=dt.UTC)))  # type: ignore[arg-type]

    common = [entry("SP-2029-00001", "publicity", ""), entry("SP-2029-00001", "valid", "")]
    fake = FakeLog(ed25519.Signer(b"\x07" * 32), {
        "a": [*common, entry("SP-2029-00001", "revoked", "fraud")],
        "b": [*common, entry("SP-2029-00001", "suspended", "quietly softened")],
    })
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict[str, Any] = {}

    def serve() -> None:
        asyncio.set_event_loop(loop)

        async def start() -> None:
            runner = web.AppRunner(fake.app())
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            box["runner"] = runner
            box["port"] = runner.addresses[0][1]

        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield fake, f"http://127.0.0.1:{box['port']}"
    finally:
        asyncio.run_coroutine_threadsafe(box["runner"].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_two_heads_of_the_same_size_are_a_fork(fake_log: tuple[FakeLog, str],
                                                 tmp_path: Path, shangpin: Shangpin) -> None:
    fake, url = fake_log
    state = tmp_path / "state.json"
    code, first = _monitor(shangpin, url, state)
    assert code == 0 and first["tree_size"] == 3
    code, again = _monitor(shangpin, url, state)
    assert code == 0 and again["new_entries"] == 0
    fake.serve = "b"
    code, forked = _monitor(shangpin, url, state)
    assert code == 1 and forked["alarm"] == "forked", forked
    evidence = forked["evidence"]
    assert evidence["trusted"]["tree_size"] == evidence["served"]["tree_size"] == 3
    assert evidence["trusted"]["root_hash"] != evidence["served"]["root_hash"]
    human = shangpin("log", "monitor", url, "--state", str(state), check=False)
    assert human.code == 1 and "ALARM (forked)" in human.err


def test_a_badly_signed_head_is_reported(fake_log: tuple[FakeLog, str], tmp_path: Path,
                                         shangpin: Shangpin) -> None:
    fake, url = fake_log
    fake.tamper_signature = True
    code, report = _monitor(shangpin, url, tmp_path / "state.json")
    assert code == 1 and report["alarm"] == "bad_signature", report
    assert not (tmp_path / "state.json").exists()


def test_unreachable_log_is_a_usage_error(tmp_path: Path, shangpin: Shangpin) -> None:
    result = shangpin("log", "monitor", "http://127.0.0.1:9", "--state",
                      str(tmp_path / "s.json"), check=False)
    assert result.code == 2 and "cannot reach" in result.err


def test_sign_head_from_the_command_line(shangpin: Shangpin,
                                         seeded: dict[str, dict[str, Any]]) -> None:
    first = shangpin("log", "sign-head", "--json").json()
    assert first["tree_size"] >= len(seeded)
    assert shangpin("log", "sign-head", "--json").json() == first  # nothing new: same head
    forced = shangpin("log", "sign-head", "--force", "--json").json()
    assert forced["tree_size"] == first["tree_size"]
    assert forced["root_hash"] == first["root_hash"]
    assert forced["timestamp_ms"] >= first["timestamp_ms"]
    refused = shangpin("log", "sign-head", "--force", env={"SHANGPIN_KEY_PASSPHRASE": ""},
                       check=False)
    assert refused.code == 2 and "SHANGPIN_KEY_PASSPHRASE" in refused.err
    wrong = shangpin("log", "sign-head", "--force", env={"SHANGPIN_KEY_PASSPHRASE": "wrong"},
                     check=False)
    assert wrong.code == 2 and "cannot unlock" in wrong.err
