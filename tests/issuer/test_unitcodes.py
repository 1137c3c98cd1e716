"""Per-unit codes: serial ranges never overlap, every written code verifies."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy.orm import Session

from issuer import status
from issuer.errors import InvalidInput
from issuer.keys import KeyStore
from issuer.unitcodes import CSV_HEADER, batch_spec, reserve, write_codes_csv
from issuer.verification import Verdict, verify_code
from tests.factories import make_certificate, signer

HOST = "SHANGPIN.EXAMPLE"


def test_batches_take_consecutive_serials(session: Session) -> None:
    certificate = make_certificate(session, "valid")
    kid, _ = signer(session)
    first = reserve(session, certificate.number, 10, kid=kid, actor="t", on=status.today())
    second = reserve(session, certificate.number, 5, kid=kid, actor="t", on=status.today())
    assert (first.first_serial, first.last_serial) == (1, 10)
    assert (second.first_serial, second.last_serial) == (11, 15)
    assert second.count == 5


@pytest.mark.parametrize("trait", ["suspended", "revoked", "terminated", "expired"])
def test_no_codes_for_a_certificate_without_standing(session: Session, trait: str) -> None:
    certificate = make_certificate(session, trait)
    kid, _ = signer(session)
    with pytest.raises(InvalidInput, match=trait):
        reserve(session, certificate.number, 1, kid=kid, actor="t", on=status.today())


@pytest.mark.parametrize("processes", [1, 2])
def test_written_codes_verify_with_their_serials(session: Session, processes: int) -> None:
    certificate = make_certificate(session, "valid")
    kid, seed = signer(session)
    spec = batch_spec(
        certificate.number, certificate.valid_from, certificate.valid_until, kid, HOST
    )
    out = io.StringIO()
    seen: list[int] = []
    written = write_codes_csv(
        out, seed, spec, 101, 12_100, processes=processes, progress=seen.append
    )
    assert written == 12_000
    assert seen[-1] == 12_000 and seen == sorted(seen)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == CSV_HEADER
    assert [int(r[0]) for r in rows[1:]] == list(range(101, 12_101))
    keys = KeyStore(session).public_keys()
    for serial, code, url in rows[1::997]:
        assert url.endswith("/V/" + code) and url.startswith(f"HTTPS://{HOST}/V/")
        result = verify_code(url, keys, [HOST])
        assert result.verdict is Verdict.AUTHENTIC
        assert result.payload is not None and result.payload.unit_serial == int(serial)
        assert result.payload.certificate_number == certificate.number
    assert len({r[1] for r in rows[1:]}) == 12_000
