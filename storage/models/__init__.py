"""All models, imported here so ``Base.metadata`` knows every table."""

from storage.models.certificates import (
    Certificate,
    Objection,
    ScopeItem,
    StatusEvent,
    SurveillanceVisit,
)
from storage.models.codes import UnitCodeBatch
from storage.models.keys import SigningKey
from storage.models.scans import Alert, ConsumerReport, RegistryVersion, Scan
from storage.models.subjects import CertificationBody, Subject

__all__ = [
    "Alert",
    "ConsumerReport",
    "RegistryVersion",
    "Scan",
    "Certificate",
    "CertificationBody",
    "Objection",
    "ScopeItem",
    "SigningKey",
    "StatusEvent",
    "Subject",
    "SurveillanceVisit",
    "UnitCodeBatch",
]
