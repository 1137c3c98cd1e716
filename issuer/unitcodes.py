"""Per-unit codes (一物一码): reserve a serial range, then sign and write it.

Signing a million codes is the hot path. Every code of a batch shares all bytes
but the serial, so workers build the fixed prefix once and sign in a tight
loop; chunks come back in order and are written as they arrive, so memory does
not grow with the count.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer import ed25519
from issuer.errors import InvalidInput
from issuer.payload import (
    FLAG_UNIT_SERIAL,
    FORMAT_VERSION,
    SIGNING_CONTEXT,
    MarkPayload,
    b32encode,
    encode_varint,
)
from issuer.registry import get_certificate
from issuer.status import public_status
from issuer.urls import mark_url
from storage.models import UnitCodeBatch

CHUNK = 5000
MAX_COUNT = 10_000_000
CSV_HEADER = ("serial", "code", "url")


@dataclass(frozen=True)
class BatchSpec:
    """Everything a worker needs to sign a range; the seed travels to workers only."""

    kid: str
    certificate_number: str
    valid_from: dt.date
    valid_until: dt.date
    url_prefix: str  # "HTTPS://HOST/V/"


def reserve(
    session: Session, number: str, count: int, *, kid: str, actor: str, on: dt.date
) -> UnitCodeBatch:
    """Record the next ``count`` serials of a certificate as issued and return the batch."""
    if not 1 <= count <= MAX_COUNT:
        raise InvalidInput(f"count must be between 1 and {MAX_COUNT:,}")
    certificate = get_certificate(session, number, for_update=True)
    shown = public_status(certificate.state, certificate.valid_until, on)
    if shown.value not in ("valid", "publicity"):
        raise InvalidInput(
            f"certificate {certificate.number} is {shown.value}: no new codes may be issued"
        )
    last = session.scalar(
        select(func.max(UnitCodeBatch.last_serial)).where(
            UnitCodeBatch.certificate_id == certificate.id
        )
    )
    first = (last or 0) + 1
    batch = UnitCodeBatch(
        certificate_id=certificate.id,
        first_serial=first,
        last_serial=first + count - 1,
        kid=kid,
        actor=actor,
    )
    session.add(batch)
    session.flush()
    return batch


class _Worker:
    """Per-process signing state, set up once by the pool initialiser."""

    signer: ed25519.Signer
    prefix: bytes
    spec: BatchSpec


def _init_worker(seed: bytes, spec: BatchSpec) -> None:
    _Worker.signer = ed25519.Signer(seed)
    _Worker.spec = spec
    # One MarkPayload validates the fields; the bytes before the serial never change.
    sample = MarkPayload(spec.kid, spec.certificate_number, spec.valid_from, spec.valid_until, 1)
    body = sample.body()
    assert body[1] == FLAG_UNIT_SERIAL and body[0] == FORMAT_VERSION
    _Worker.prefix = body[: -len(encode_varint(1))]


def _sign_range(bounds: tuple[int, int]) -> str:
    """Sign serials ``first..last`` and return their CSV lines."""
    first, last = bounds
    sign, prefix, url = _Worker.signer.sign, _Worker.prefix, _Worker.spec.url_prefix
    context = SIGNING_CONTEXT
    lines = []
    for serial in range(first, last + 1):
        body = prefix + encode_varint(serial)
        code = b32encode(body + sign(context + body))
        lines.append(f"{serial},{code},{url}{code}\r\n")
    return "".join(lines)


def _chunks(first: int, last: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(first, last + 1, size):
        yield start, min(start + size - 1, last)


def write_codes_csv(
    out: io.TextIOBase | io.TextIOWrapper,
    seed: bytes,
    spec: BatchSpec,
    first: int,
    last: int,
    *,
    processes: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write serials ``first..last`` as CSV rows; returns how many were written."""
    csv.writer(out, lineterminator="\r\n").writerow(CSV_HEADER)
    total = last - first + 1
    processes = processes or min(os.cpu_count() or 1, max(1, total // CHUNK))
    chunks = _chunks(first, last, CHUNK)
    written = 0
    if processes <= 1:
        _init_worker(seed, spec)
        results: Iterator[str] = map(_sign_range, chunks)
        for text in results:
            out.write(text)
            written += text.count("\n")
            if progress:
                progress(written)
        return written
    # forkserver: workers never inherit open database connections or threads.
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    with context.Pool(processes, initializer=_init_worker, initargs=(seed, spec)) as pool:
        for text in pool.imap(_sign_range, chunks, chunksize=1):
            out.write(text)
            written += text.count("\n")
            if progress:
                progress(written)
    return written


def batch_spec(
    certificate_number: str, valid_from: dt.date, valid_until: dt.date, kid: str, host: str
) -> BatchSpec:
    return BatchSpec(kid, certificate_number, valid_from, valid_until, mark_url(host, ""))


def atomic_csv(path: Path) -> tuple[Path, io.TextIOWrapper]:
    """Open a temporary file beside ``path``; rename it into place when complete."""
    tmp = path.with_name(f".{path.name}.partial")
    return tmp, tmp.open("w", encoding="ascii", newline="")
