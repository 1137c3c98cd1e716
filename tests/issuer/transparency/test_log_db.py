"""The transparency log in the database, on SQLite and PostgreSQL: every registry change is
an entry in the same transaction, the stored tree matches the entries, appends never
collide, the history before the log is backfilled, and nothing stored can be changed."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from issuer import registry, status
from issuer.errors import IllegalTransition, KeyStoreError
from issuer.keys import KeyStore
from issuer.transparency import log, merkle
from issuer.transparency.entries import CertificateStatusEntry, SigningKeyEntry, decode_entry
from issuer.transparency.errors import LogError
from issuer.transparency.monitor import CompactRange, MonitorState
from issuer.transparency.tree_head import TreeHead
from storage import migrate
from storage.enums import CertificateState, KeyState, Scheme, ScopeKind
from storage.models import LogEntryRecord, LogHead, LogKey, LogNode, StatusEvent
from storage.session import Database, make_engine
from tests.conftest import fresh_pg_database
from tests.factories import PASSPHRASE, make_body, make_certificate, make_subject, signer

LOG_PASSPHRASE = "log-test-passphrase"  # test fixture only


def _rebuilt_root(session: Session, size: int) -> bytes:
    """The root recomputed from the stored entry bytes alone, ignoring the stored nodes."""
    store = merkle.MemoryHashStore()
    for record in session.scalars(select(LogEntryRecord).order_by(LogEntryRecord.leaf_index)):
        assert record.leaf_index == store.size(), "indices must be contiguous from 0"
        assert record.leaf_hash == merkle.leaf_hash(record.entry)
        store.append(record.entry)
    assert store.size() == size
    return merkle.root_hash(store, size)


def test_status_changes_become_entries_in_order(session: Session) -> None:
    before = log.tree_size(session)
    certificate = make_certificate(session, "suspended")
    size = log.tree_size(session)
    events = session.scalars(select(StatusEvent).where(
        StatusEvent.certificate_id == certificate.id).order_by(StatusEvent.id)).all()
    records = [r for r in log.entries(session, before, size - 1) if r.certificate_number]
    assert [r.status_event_id for r in records] == [e.id for e in events]
    decoded = [decode_entry(r.entry) for r in records]
    assert decoded == [
        CertificateStatusEntry(certificate.number, e.from_state, e.to_state, e.reason,
                               f"body:{certificate.body.code}", e.occurred_at)
        for e in events
    ]
    assert [d.to_state for d in decoded if isinstance(d, CertificateStatusEntry)] == [
        CertificateState.PUBLICITY, CertificateState.VALID, CertificateState.SUSPENDED]
    root = log.root_hash(session, size)
    assert root == _rebuilt_root(session, size)
    for record in records:
        proof = log.inclusion_proof(session, record.leaf_index, size)
        merkle.verify_inclusion(record.leaf_hash, record.leaf_index, size, proof, root)
        assert log.index_of(session, record.leaf_hash) == record.leaf_index


def test_key_events_become_entries(session: Session) -> None:
    keys = KeyStore(session)
    before = log.tree_size(session)
    key = keys.create(PASSPHRASE)
    keys.retire(key.kid)
    keys.compromise(key.kid, "found on a leaked laptop")
    records = log.entries(session, before, log.tree_size(session) - 1)
    assert [decode_entry(r.entry) for r in records] == [
        SigningKeyEntry(key.kid, KeyState.ACTIVE, key.created_at),
        SigningKeyEntry(key.kid, KeyState.RETIRED, key.retired_at),  # type: ignore[arg-type]
        SigningKeyEntry(key.kid, KeyState.COMPROMISED, key.compromised_at),  # type: ignore[arg-type]
    ]
    assert {r.kid for r in records} == {key.kid}


def test_consistency_proofs_between_every_pair_of_sizes(session: Session) -> None:
    for trait in ("valid", "revoked", "terminated"):
        make_certificate(session, trait)
    size2 = log.tree_size(session)
    root2 = log.root_hash(session, size2)
    for size1 in range(max(0, size2 - 9), size2 + 1):
        root1 = log.root_hash(session, size1)
        proof = log.consistency_proof(session, size1, size2)
        merkle.verify_consistency(size1, size2, root1, root2, proof)


def test_refused_change_leaves_no_entry(session: Session) -> None:
    certificate = make_certificate(session, "revoked")
    size = log.tree_size(session)
    with pytest.raises(IllegalTransition):
        registry.change_status(session, certificate.number, status.Action.REINSTATE,
                               actor="test", reason="try to restore a revoked certificate")
    assert log.tree_size(session) == size
    assert session.scalar(select(func.count()).select_from(LogEntryRecord).where(
        LogEntryRecord.leaf_index >= size)) == 0


def test_sign_head_only_when_grown_or_old(session: Session) -> None:
    make_certificate(session, "valid")
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    first = log.sign_head(session, now, passphrase=LOG_PASSPHRASE)
    key = log.log_key(session)
    assert key is not None and first.kid == key.kid
    head = first.signed.verify(key.public_key)
    assert head.size == log.tree_size(session)
    assert head.root_hash == log.root_hash(session, head.size)
    same = log.sign_head(session, now + dt.timedelta(minutes=5), passphrase=LOG_PASSPHRASE)
    assert same == first
    later = log.sign_head(session, now + dt.timedelta(minutes=11), passphrase=LOG_PASSPHRASE)
    assert later.signed.head.timestamp_ms > head.timestamp_ms
    make_certificate(session, "publicity")
    grown = log.sign_head(session, now + dt.timedelta(minutes=12), passphrase=LOG_PASSPHRASE)
    assert grown.signed.head.size > head.size
    assert log.latest_signed_head(session) == grown.signed
    with pytest.raises(KeyStoreError):
        log.sign_head(session, now, passphrase="wrong passphrase", force=True)
    with pytest.raises(KeyStoreError):
        log.sign_head(session, now, passphrase=None, force=True)


def test_stored_rows_refuse_update_and_delete(session: Session) -> None:
    make_certificate(session, "valid")
    for statement in (
        update(LogEntryRecord).values(entry=b"rewritten"),
        delete(LogEntryRecord),
        update(LogNode).values(hash=b"\x00" * 32),
        delete(LogNode),
    ):
        nested = session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(statement.execution_options(synchronize_session=False))
        nested.rollback()


# -- real transactions, in a database of their own ------------------------------------------


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('log') / 'log.db'}"
        return
    with fresh_pg_database(request.getfixturevalue("pg_server"), "shangpin_log") as url:
        yield url


@pytest.fixture(scope="module")
def database(database_url: str) -> Iterator[Database]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    opened = Database.open(database_url)
    yield opened
    opened.close()


def test_failure_after_the_append_leaves_neither(database: Database) -> None:
    with database.transaction() as session:
        number = make_certificate(session, "valid").number
        size = log.tree_size(session)
    with pytest.raises(RuntimeError, match="half-way"), database.transaction() as session:
        registry.change_status(session, number, status.Action.SUSPEND, actor="test",
                               reason="failure after the append")
        assert log.tree_size(session) == size + 1
        raise RuntimeError("the process failed half-way")
    with database.transaction() as session:
        certificate = registry.get_certificate(session, number)
        assert certificate.state is CertificateState.VALID
        assert log.tree_size(session) == size
        assert session.scalar(select(func.count()).select_from(LogEntryRecord)) == size
        # The index is free again and the tree grows on as if nothing happened.
        registry.change_status(session, number, status.Action.SUSPEND, actor="test",
                               reason="second try")
    with database.transaction() as session:
        assert log.tree_size(session) == size + 1
        assert log.root_hash(session, size + 1) == _rebuilt_root(session, size + 1)


def test_concurrent_appends_get_distinct_indices(database: Database) -> None:
    with database.transaction() as session:
        numbers = [make_certificate(session, "valid").number for _ in range(4)]
        size = log.tree_size(session)
    barrier = threading.Barrier(len(numbers))
    failures: list[BaseException] = []

    def suspend(number: str) -> None:
        try:
            with database.transaction() as session:
                # Read first, so every transaction is open before any of them appends.
                registry.get_certificate(session, number)
                barrier.wait(10)
                registry.change_status(session, number, status.Action.SUSPEND, actor="test",
                                       reason="concurrent")
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=suspend, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    with database.transaction() as session:
        new = size + len(numbers)
        assert log.tree_size(session) == new
        records = log.entries(session, size, new - 1)
        assert sorted(r.certificate_number or "" for r in records) == sorted(numbers)
        assert log.root_hash(session, new) == _rebuilt_root(session, new)
        for record in records:
            merkle.verify_inclusion(record.leaf_hash, record.leaf_index, new,
                                    log.inclusion_proof(session, record.leaf_index, new),
                                    log.root_hash(session, new))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'backfill.db'}"
        return
    with fresh_pg_database(request.getfixturevalue("pg_server"), "shangpin_backfill") as url:
        yield url


def _tables(database: Database) -> set[str]:
    with database.engine.connect() as connection:
        return {row[0] for row in connection.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            if database.engine.dialect.name == "sqlite" else
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))}


def _issue(session: Session) -> str:
    """A certificate whose publicity is over, issued at the real time."""
    return registry.issue_certificate(
        session, scheme=Scheme.SHANGPIN, subject_uscc=make_subject(session).uscc,
        body_code=make_body(session).code, standard="T/SHBA 001-2023",
        scope=[registry.ScopeEntry(ScopeKind.PRODUCT, "桂花糕", "糕点")], signer=signer(session),
        actor="test", on=status.today() - dt.timedelta(days=10)).number


def test_backfill_rebuilds_the_history_in_order(empty_url: str) -> None:
    engine = make_engine(empty_url)
    migrate.upgrade(engine)
    engine.dispose()
    database = Database.open(empty_url)
    try:
        # Every change at the real time it is made, so the live log is in historical order.
        with database.transaction() as session:
            first = KeyStore(session).create(PASSPHRASE)
            numbers = [_issue(session) for _ in range(2)]
        with database.transaction() as session:
            registry.change_status(session, numbers[1], status.Action.ACTIVATE, actor="test")
            KeyStore(session).create(PASSPHRASE)
            KeyStore(session).retire(first.kid)
            registry.change_status(session, numbers[1], status.Action.SUSPEND, actor="test",
                                   reason="backfill")
        with database.transaction() as session:
            size = log.tree_size(session)
            live = [(r.entry, r.status_event_id) for r in log.entries(session, 0, size)]
            root = log.root_hash(session, size)
        assert size == 7
        migrate.downgrade(database.engine, "0005")
        assert "log_entries" not in _tables(database)
        migrate.upgrade(database.engine)
        with database.transaction() as session:
            assert log.tree_size(session) == size
            rebuilt = [(r.entry, r.status_event_id) for r in log.entries(session, 0, size)]
            assert rebuilt == live
            assert log.root_hash(session, size) == root == _rebuilt_root(session, size)
    finally:
        database.close()


# -- the monitor's compact range: what it keeps instead of the whole tree --------------------


def test_compact_range_root_matches_the_tree_for_every_size() -> None:
    store = merkle.MemoryHashStore()
    compact = CompactRange()
    for n in range(200):
        assert compact.root() == merkle.root_hash(store, n)
        assert len(compact.hashes) == n.bit_count()
        leaf = merkle.leaf_hash(n.to_bytes(4, "big"))
        merkle.append_leaf(store, leaf)
        compact.append(leaf)


def test_a_damaged_monitor_state_is_refused() -> None:
    compact = CompactRange()
    for n in range(5):
        compact.append(merkle.leaf_hash(bytes([n])))
    head = TreeHead(5, compact.root(), 0)
    state = MonitorState("http://log.example", "0a0b0c0d", b"\x01" * 32, head, compact)
    document = state.to_json()
    assert MonitorState.from_json(document).head == head
    damaged = {**document, "compact_range": document["compact_range"][::-1]}
    with pytest.raises(LogError, match="damaged"):
        MonitorState.from_json(damaged)
    with pytest.raises(LogError, match="damaged"):
        MonitorState.from_json({**document, "tree_size": "many"})


@pytest.mark.postgres
def test_workers_signing_their_first_heads_at_once_make_one_log_key(pg_server: str) -> None:
    """Each verifier worker signs a head at start-up; the log must still get one key."""
    with fresh_pg_database(pg_server, "shangpin_logkey") as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        database = Database.open(url)
        workers = 4
        barrier = threading.Barrier(workers)
        failures: list[BaseException] = []

        def first_head() -> None:
            try:
                with database.transaction() as session:
                    log.tree_size(session)  # every transaction is open before any signs
                    barrier.wait(10)
                    log.sign_head(session, passphrase=LOG_PASSPHRASE, force=True)
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

        threads = [threading.Thread(target=first_head) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        try:
            assert failures == []
            with database.transaction() as session:
                keys = session.scalars(select(LogKey)).all()
                heads = session.scalars(select(LogHead)).all()
            assert len(keys) == 1
            assert len(heads) == workers and {h.key_id for h in heads} == {keys[0].id}
        finally:
            database.close()
