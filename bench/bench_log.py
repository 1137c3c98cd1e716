"""Transparency log core: appends per second, proof times in a log of a million entries.

    python bench/bench_log.py [--count 1000000] [--proofs 2000]

Prints a markdown table for docs/benchmarks.md. Everything is in memory (MemoryHashStore);
the proof generator reads stored subtree hashes in one batch per proof, and the table
reports how many it read, the figure a database-backed store will pay in rows. Measures:
* bare SHA-256 of a leaf (the baseline an append cannot beat), one core;
* appends per second from ready leaf hashes (tree update only), and from entry values
  (canonical encoding + leaf hash + tree update);
* root, inclusion proof and consistency proof generation for random sizes and indices in
  the full log, with proof length and stored hashes read, and proof verification.

    python bench/bench_log.py --database 20000 [--url sqlite:///...]

measures the log in the database instead (a fresh SQLite file by default): appends per
second with one commit each (as the registry makes them) and many to a transaction, and
inclusion and consistency proofs served from the stored nodes.

    python bench/bench_log.py --bulk 1000000 [--url ...]

loads a million entries' rows in bulk (appending them one by one takes hours) and times
proofs served from the database at that size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from issuer.transparency.entries import CertificateStatusEntry, encode_entry  # noqa: E402
from issuer.transparency.merkle import (  # noqa: E402
    MemoryHashStore,
    NodeId,
    append_leaf,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from storage.enums import CertificateState  # noqa: E402

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class CountingReader:
    """Wraps a store to count the stored hashes each proof reads."""

    def __init__(self, store: MemoryHashStore) -> None:
        self.store = store
        self.reads = 0

    def size(self) -> int:
        return self.store.size()

    def nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        self.reads += len(ids)
        return self.store.nodes(ids)


def entry(number: int) -> CertificateStatusEntry:
    return CertificateStatusEntry(
        certificate_number=f"SP-2026-{number:06d}",
        from_state=CertificateState.VALID,
        to_state=CertificateState.SUSPENDED,
        reason="监督抽查不合格 (surveillance sample failed)",
        actor="staff:wang",
        time=START + dt.timedelta(seconds=number),
    )


Timings = tuple[list[float], list[float]]


def timed_each(calls: Sequence[Callable[[], object]]) -> Timings:
    """Wall and CPU seconds taken by each call.

    CPU time is reported beside wall time because on a shared machine a preempted call's
    wall time measures the scheduler, not the code.
    """
    wall, cpu = [], []
    for call in calls:
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return wall, cpu


def percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{statistics.median(ordered) * 1e6:.0f} / {p99 * 1e6:.0f} / {ordered[-1] * 1e6:.0f}"


def summary(timings: Timings) -> str:
    wall, cpu = timings
    return f"wall {percentiles(wall)} µs, CPU {percentiles(cpu)} µs"


def time_stored_proofs(session: Any, size: int, proofs: int) -> tuple[Timings, Timings]:
    """Inclusion and consistency proofs served from the database, against the full tree;
    a sample is checked by the pure core, so the timings are of right answers."""
    from issuer.transparency import log

    rng = random.Random(9162)
    root = log.root_hash(session, size)
    cases = [(rng.randrange(size), size) for _ in range(proofs)]
    inclusion = timed_each([lambda i=i, n=n: log.inclusion_proof(session, i, n)
                            for i, n in cases])
    pairs = [(rng.randint(1, size), size) for _ in range(proofs)]
    consistency = timed_each([lambda a=a, b=b: log.consistency_proof(session, a, b)
                              for a, b in pairs])
    for i, n in cases[:50]:
        leaf = log.entries(session, i, i)[0].leaf_hash
        verify_inclusion(leaf, i, n, log.inclusion_proof(session, i, n), root)
    return inclusion, consistency


def bench_database(count: int, proofs: int, url: str | None) -> None:
    """Appends and proofs through the database-backed log."""
    import tempfile

    from sqlalchemy.orm import Session

    from issuer.transparency import log, store
    from storage import migrate
    from storage.session import make_engine

    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(url or f"sqlite:///{directory}/bench.db")
        migrate.upgrade(engine)
        single = min(count, 2000)
        start, start_cpu = time.perf_counter(), time.process_time()
        for i in range(single):
            with Session(engine) as session, session.begin():
                store.append(session, entry(i))
        one_commit = (time.perf_counter() - start) / single
        one_commit_cpu = (time.process_time() - start_cpu) / single
        batched = count - single
        batch = 1000
        start, start_cpu = time.perf_counter(), time.process_time()
        for first in range(single, count, batch):
            with Session(engine) as session, session.begin():
                for i in range(first, min(first + batch, count)):
                    store.append(session, entry(i))
        many = (time.perf_counter() - start) / max(batched, 1)
        many_cpu = (time.process_time() - start_cpu) / max(batched, 1)
        with Session(engine) as session:
            size = log.tree_size(session)
            inclusion, consistency = time_stored_proofs(session, size, proofs)
        engine.dispose()
    loads = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"database: {engine.dialect.name}; load average at the end: {loads}")
    print()
    print("| measure | figure |")
    print("|---|---|")
    print(f"| appends, one transaction each ({single:,}) | {1 / one_commit:,.0f} /s wall, "
          f"{1 / one_commit_cpu:,.0f} /s CPU |")
    if batched:
        print(f"| appends, {batch:,} to a transaction ({batched:,}) | {1 / many:,.0f} /s wall, "
              f"{1 / many_cpu:,.0f} /s CPU |")
    print(f"| inclusion proof from the database, log of {size:,} | {summary(inclusion)} |")
    print(f"| consistency proof from the database, log of {size:,} | {summary(consistency)} |")


class _RecordingStore(MemoryHashStore):
    """A memory store that also keeps every node in the order it was written."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[tuple[NodeId, bytes]] = []

    def put(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        super().put(nodes)
        self.written.extend(nodes)


def bench_database_bulk(count: int, proofs: int, url: str | None) -> None:
    """Proofs from a database holding ``count`` entries, loaded in bulk.

    Appending a million entries one by one takes hours here, so the tree is built in
    memory and its rows written directly, exactly the rows appends would have written;
    the proofs are then served by the same code as in production.
    """
    import tempfile

    from sqlalchemy import insert, update
    from sqlalchemy.orm import Session

    from issuer.transparency import log
    from storage import migrate
    from storage.models import LogEntryRecord, LogNode, LogState
    from storage.session import make_engine

    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(url or f"sqlite:///{directory}/bench.db")
        migrate.upgrade(engine)
        store = _RecordingStore()
        started = time.perf_counter()
        with Session(engine) as session, session.begin():
            first = log.tree_size(session)  # the migration may have logged history already
            assert first == 0, "bulk loading needs an empty log"
            chunk = 50_000
            for start in range(0, count, chunk):
                rows = []
                for i in range(start, min(start + chunk, count)):
                    data = encode_entry(entry(i))
                    leaf = leaf_hash(data)
                    append_leaf(store, leaf)
                    rows.append({"leaf_index": i, "entry": data, "leaf_hash": leaf,
                                 "entry_type": data[1], "certificate_number": f"SP-2026-{i:07d}",
                                 "kid": None, "status_event_id": None, "appended_at": START})
                session.execute(insert(LogEntryRecord), rows)
                session.execute(insert(LogNode), [
                    {"level": level, "node_index": index, "hash": value}
                    for (level, index), value in store.written])
                store.written.clear()
            session.execute(update(LogState).where(LogState.id == 1).values(size=count))
        loaded = time.perf_counter() - started
        with Session(engine) as session:
            size = log.tree_size(session)
            root = log.root_hash(session, size)
            assert root == root_hash(store, size), "the stored tree differs from the memory one"
            inclusion, consistency = time_stored_proofs(session, size, proofs)
        engine.dispose()
    loads = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"database: {engine.dialect.name}; {count:,} entries loaded in bulk in {loaded:.0f} s; "
          f"load average at the end: {loads}")
    print()
    print("| measure (median / p99 / max) | figure |")
    print("|---|---|")
    print(f"| inclusion proof from the database, log of {size:,} | {summary(inclusion)} |")
    print(f"| consistency proof from the database, log of {size:,} | {summary(consistency)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="entries in the log")
    parser.add_argument("--proofs", type=int, default=2000, help="proofs of each kind to time")
    parser.add_argument("--database", type=int, default=0, metavar="N",
                        help="instead: N appends and proofs through the database-backed log")
    parser.add_argument("--url", help="database URL for --database (default: a new SQLite file)")
    parser.add_argument("--bulk", type=int, default=0, metavar="N",
                        help="instead: proofs from a database of N entries loaded in bulk")
    args = parser.parse_args()
    if args.bulk:
        bench_database_bulk(args.bulk, args.proofs, args.url)
        return
    if args.database:
        bench_database(args.database, args.proofs, args.url)
        return
    count = args.count
    rng = random.Random(9162)

    sample = [encode_entry(entry(i)) for i in range(min(count, 100_000))]
    start = time.process_time()
    for data in sample:
        hashlib.sha256(b"\x00" + data).digest()
    bare_hash = (time.process_time() - start) / len(sample)

    start, start_cpu = time.perf_counter(), time.process_time()
    for i in range(len(sample)):
        leaf_hash(encode_entry(entry(i)))
    encode_and_hash = (time.perf_counter() - start) / len(sample)
    encode_and_hash_cpu = (time.process_time() - start_cpu) / len(sample)

    leaves = [leaf_hash(sample[i % len(sample)] + i.to_bytes(8, "big")) for i in range(count)]
    store = MemoryHashStore()
    start, start_cpu = time.perf_counter(), time.process_time()
    for leaf in leaves:
        append_leaf(store, leaf)
    tree_only = (time.perf_counter() - start) / count
    tree_only_cpu = (time.process_time() - start_cpu) / count
    del leaves

    reader = CountingReader(store)
    roots = {count: root_hash(store, count)}

    def root_call(size: int) -> Callable[[], object]:
        return lambda: roots.setdefault(size, root_hash(reader, size))

    sizes = [rng.randint(1, count) for _ in range(args.proofs)]
    reader.reads = 0
    root_times = timed_each([root_call(size) for size in sizes])
    root_reads = reader.reads / len(sizes)

    latest = [(rng.randrange(count), count) for _ in range(args.proofs)]
    anywhere = [(rng.randrange(size), size) for size in sizes]
    inclusion_cases = latest + anywhere
    proofs: list[list[bytes]] = []
    reader.reads = 0
    inclusion_times = timed_each(
        [lambda i=i, s=s: proofs.append(inclusion_proof(reader, i, s)) for i, s in inclusion_cases]
    )
    inclusion_reads = reader.reads / len(inclusion_cases)
    inclusion_length = max(len(proof) for proof in proofs)
    verify_inclusion_times = timed_each(
        [
            lambda i=i, s=s, p=p: verify_inclusion(store.nodes([(0, i)])[0], i, s, p, roots[s])
            for (i, s), p in zip(inclusion_cases, proofs, strict=True)
        ]
    )

    pairs = [tuple(sorted((rng.randint(1, count), rng.randint(1, count)))) for _ in sizes]
    pairs = [(s1, count) for s1, _ in pairs[: len(pairs) // 2]] + pairs[len(pairs) // 2 :]
    for s1, s2 in pairs:
        roots.setdefault(s1, root_hash(store, s1))
        roots.setdefault(s2, root_hash(store, s2))
    consistency: list[list[bytes]] = []
    reader.reads = 0
    consistency_times = timed_each(
        [lambda a=a, b=b: consistency.append(consistency_proof(reader, a, b)) for a, b in pairs]
    )
    consistency_reads = reader.reads / len(pairs)
    consistency_length = max(len(proof) for proof in consistency)
    verify_consistency_times = timed_each(
        [
            lambda a=a, b=b, p=p: verify_consistency(a, b, roots[a], roots[b], p)
            for (a, b), p in zip(pairs, consistency, strict=True)
        ]
    )

    loads = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}, {platform.platform()}"
    )
    print(f"load average at the end: {loads}; per-operation figures: median / p99 / max")
    print()
    print("| measure | figure |")
    print("|---|---|")
    print(f"| bare SHA-256 of a 0x00-prefixed entry, 1 core (CPU) | {bare_hash * 1e6:.2f} µs |")
    print(
        f"| appends from leaf hashes, {count:,} entries, 1 core | "
        f"{1 / tree_only:,.0f} /s wall, {1 / tree_only_cpu:,.0f} /s CPU |"
    )
    full, full_cpu = tree_only + encode_and_hash, tree_only_cpu + encode_and_hash_cpu
    print(
        f"| appends from entry values (build + encode + leaf hash + tree), 1 core | "
        f"{1 / full:,.0f} /s wall, {1 / full_cpu:,.0f} /s CPU |"
    )
    print(
        f"| root hash for a random size ≤ {count:,} | {summary(root_times)}; "
        f"{root_reads:.1f} stored hashes read on average |"
    )
    print(
        f"| inclusion proof in a log of {count:,} (half latest size, half random) | "
        f"{summary(inclusion_times)}; ≤ {inclusion_length} hashes, "
        f"{inclusion_reads:.1f} stored hashes read on average |"
    )
    print(f"| inclusion proof verification | {summary(verify_inclusion_times)} |")
    print(
        f"| consistency proof in a log of {count:,} (half to latest size, half random) | "
        f"{summary(consistency_times)}; ≤ {consistency_length} hashes, "
        f"{consistency_reads:.1f} stored hashes read on average |"
    )
    print(f"| consistency proof verification | {summary(verify_consistency_times)} |")


if __name__ == "__main__":
    main()
