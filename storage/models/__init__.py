"""All models, imported here so ``Base.metadata`` knows every table."""

from storage.models.certificates import (
    Certificate,
    Objection,
    ScopeItem,
    StatusEvent,
    SurveillanceVisit,
)
from storage.models.codes import UnitCodeBatch
from storage.models.crawl import ImageAnalysis, ListingCapture
from storage.models.enforcement import CreditEvent, InfringementRecord
from storage.models.keys import SigningKey
from storage.models.scans import Alert, ConsumerReport, RegistryVersion, Scan
from storage.models.staff import AuditEntry, StaffRole, StaffSession, StaffUser
from storage.models.subjects import CertificationBody, Subject
from storage.models.transparency import LogEntryRecord, LogHead, LogKey, LogNode, LogState

__all__ = [
    "Alert",
    "AuditEntry",
    "ConsumerReport",
    "CreditEvent",
    "RegistryVersion",
    "Scan",
    "Certificate",
    "CertificationBody",
    "ImageAnalysis",
    "InfringementRecord",
    "ListingCapture",
    "LogEntryRecord",
    "LogHead",
    "LogKey",
    "LogNode",
    "LogState",
    "Objection",
    "ScopeItem",
    "SigningKey",
    "StaffRole",
    "StaffSession",
    "StaffUser",
    "StatusEvent",
    "Subject",
    "SurveillanceVisit",
    "UnitCodeBatch",
]
