"""Enumerations stored in the database.

They live in the bottom layer so models can type their columns; the rules about
them (which transitions are allowed, what ``expired`` means) live in ``issuer``.
"""

from __future__ import annotations

import enum


class Scheme(enum.StrEnum):
    """Which mark a certificate entitles its holder to print."""

    SHANGPIN = "shangpin"  # "上品" certification (认证)
    CULTIVATION = "cultivation"  # "上海品牌" cultivation listing (培育)

    @property
    def label_zh(self) -> str:
        return {"shangpin": "上品认证", "cultivation": "上海品牌培育"}[self.value]

    @property
    def label_en(self) -> str:
        return {"shangpin": "Shangpin certification", "cultivation": "Shanghai Brand cultivation"}[
            self.value
        ]


class CertificateState(enum.StrEnum):
    """The stored state. ``expired`` is deliberately absent: it is derived from the date."""

    PUBLICITY = "publicity"  # 公示: objections may be lodged
    VALID = "valid"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"  # 提前终止 at the holder's request
    REVOKED = "revoked"


class KeyState(enum.StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"  # no longer signs, still verifies
    COMPROMISED = "compromised"  # every code it signed is reported as such


class ScopeKind(enum.StrEnum):
    PRODUCT = "product"
    SERVICE = "service"


class ObjectionOutcome(enum.StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class SurveillanceResult(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class CreditSeverity(enum.StrEnum):
    """How much a credit-file event weighs; ``positive`` events count in the holder's favour."""

    POSITIVE = "positive"  # e.g. a surveillance visit passed
    MINOR = "minor"  # e.g. surveillance overdue
    MAJOR = "major"  # e.g. suspension, a confirmed infringement
    SEVERE = "severe"  # e.g. revocation
