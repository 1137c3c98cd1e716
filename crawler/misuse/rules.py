"""The misuse rule table (docs/misuse.md): what one listing image shows, judged against the
seller's certificates.

Pure: the seller match, the certificates as values, the product and one image's finds in;
decisions out. No database and no clock (public statuses come in already derived for the
capture date), so every row of the table is a fast test.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from crawler.detector import Detection, DetectionResult, QrFind
from crawler.misuse.coverage import Product, ScopeView, covers
from crawler.misuse.matching import SellerMatch
from issuer.errors import CodeError
from issuer.payload import decode_code
from issuer.status import PublicStatus
from issuer.urls import extract_code
from issuer.verification import Verdict


class Kind(enum.StrEnum):
    """Alert kinds the crawler raises."""

    UNCERTIFIED_USE = "uncertified_use"
    OUT_OF_SCOPE = "out_of_scope"
    USE_WHILE_SUSPENDED = "use_while_suspended"
    USE_AFTER_REVOCATION = "use_after_revocation"
    USE_AFTER_EXPIRY = "use_after_expiry"
    USE_AFTER_TERMINATION = "use_after_termination"
    FORGED_CODE = "forged_code"
    CLONED_CODE = "cloned_code"


#: Public status of the deciding certificate -> the kind of misuse.
_ENDED: dict[PublicStatus, Kind] = {
    PublicStatus.SUSPENDED: Kind.USE_WHILE_SUSPENDED,
    PublicStatus.REVOKED: Kind.USE_AFTER_REVOCATION,
    PublicStatus.EXPIRED: Kind.USE_AFTER_EXPIRY,
    PublicStatus.TERMINATED: Kind.USE_AFTER_TERMINATION,
}
_FORGED = frozenset({Verdict.FORGED, Verdict.MALFORMED, Verdict.UNKNOWN_KEY,
                     Verdict.COMPROMISED_KEY})


@dataclass(frozen=True)
class CertificateView:
    """A certificate as the rules see it."""

    number: str
    scheme: str  # "shangpin" or "cultivation": the emblem it entitles its holder to
    subject_id: int
    status: PublicStatus  # as the verifier shows it on the capture date
    #: When its public status last changed (for ``expired``: when it expired, unless a
    #: later change was recorded), to pick the most recently changed certificate.
    changed_at: dt.datetime
    scope: tuple[ScopeView, ...] = field(default=())


@dataclass(frozen=True)
class Decision:
    """One misuse found in one image: its kind, the find that shows it, and the certificate
    that decided (or that the QR code names)."""

    kind: Kind
    find: Detection | QrFind
    certificate_number: str | None = None
    certificate: CertificateView | None = None


#: Certificate number -> the registry's certificate, or None when it has no such number.
Resolver = Callable[[str], CertificateView | None]


def is_mark_qr(find: QrFind) -> bool:
    """A mark URL: the detector gives a verdict for those only (the processor always passes
    keys, possibly none, so every mark URL gets one)."""
    return find.verification is not None


def qr_certificate_number(text: str) -> str | None:
    """The certificate number a mark code claims, signed or not; None when unreadable."""
    try:
        return decode_code(extract_code(text)).payload.certificate_number
    except CodeError:
        return None


def status_decision(certificates: Sequence[CertificateView], product: Product
                    ) -> tuple[Kind | None, CertificateView | None]:
    """The status rule: (kind, deciding certificate); kind None when the use is allowed."""
    valid = [c for c in certificates if c.status is PublicStatus.VALID]
    if any(covers(c.scope, product) for c in valid):
        return None, None
    if valid:
        return Kind.OUT_OF_SCOPE, _latest(valid)
    # A certificate still in publicity never stood, so it neither allows nor "ended" use.
    issued = [c for c in certificates if c.status in _ENDED]
    if not issued:
        return Kind.UNCERTIFIED_USE, None
    covering = [c for c in issued if covers(c.scope, product)]
    deciding = _latest(covering or issued)
    return _ENDED[deciding.status], deciding


def decide(
    match: SellerMatch,
    certificates: Sequence[CertificateView],
    product: Product,
    result: DetectionResult,
    resolve: Resolver,
) -> list[Decision]:
    """Decisions for one image, at most one per kind (the first find of that kind).

    ``certificates`` are the matched seller's (empty when unmatched); ``resolve`` finds the
    certificate a QR code names, whoever holds it.
    """
    mark_codes = [q for q in result.qr if is_mark_qr(q)]
    found = ([_qr_decision(q, match, product, resolve) for q in mark_codes] if mark_codes
             else _emblem_decisions(result.detections, certificates, product))
    out: list[Decision] = []
    for decision in found:
        if decision is not None and all(d.kind is not decision.kind for d in out):
            out.append(decision)
    return out


def _qr_decision(find: QrFind, match: SellerMatch, product: Product, resolve: Resolver
                 ) -> Decision | None:
    number = qr_certificate_number(find.text)
    if Verdict(find.verification or Verdict.MALFORMED) in _FORGED:
        return Decision(Kind.FORGED_CODE, find, number)
    certificate = resolve(number) if number is not None else None
    holder = match.subject
    if certificate is None or holder is None or certificate.subject_id != holder.id:
        return Decision(Kind.CLONED_CODE, find, number, certificate)
    kind, _ = status_decision([certificate], product)
    return None if kind is None else Decision(kind, find, number, certificate)


def _emblem_decisions(detections: Sequence[Detection], certificates: Sequence[CertificateView],
                      product: Product) -> list[Decision | None]:
    out: list[Decision | None] = []
    for find in sorted(detections, key=lambda d: -d.score):
        own = [c for c in certificates if c.scheme == find.mark]
        kind, deciding = status_decision(own, product)
        if kind is not None:
            number = deciding.number if deciding is not None else None
            out.append(Decision(kind, find, number, deciding))
    return out


def _latest(certificates: Sequence[CertificateView]) -> CertificateView:
    return max(certificates, key=lambda c: (c.changed_at, c.number))
