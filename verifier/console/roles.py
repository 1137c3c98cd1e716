"""What each role may do, and which records it may see.

Every console route names one permission when it is registered (``routes.py``), so
no page can be added without a check; record-level limits (a body officer sees only
its own body's certificates, a holder only its own) are query filters applied in
one place.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select, true

from storage.models import Alert, Certificate, StaffRole
from verifier.console.sessions import Staff


class Permission(StrEnum):
    HOME = "home"
    CERTIFICATES_VIEW = "certificates.view"
    ACCOUNT_PASSWORD = "account.password"
    AUDIT_VIEW = "audit.view"
    USERS_MANAGE = "users.manage"
    ALERTS_VIEW = "alerts.view"  # the queue, scoped: holders see alerts about their mark
    ALERTS_REVIEW = "alerts.review"  # confirm, dismiss, assign
    INFRINGEMENTS_VIEW = "infringements.view"
    CREDIT_VIEW = "credit.view"  # credit files, scoped like certificates
    CREDIT_REPAIR = "credit.repair"
    CERTIFICATES_MANAGE = "certificates.manage"  # create, publicity, suspend ... terminate
    SURVEILLANCE_RECORD = "surveillance.record"
    REPORTS_VIEW = "reports.view"
    LOG_SIGN = "log.sign"  # ask for a signed tree head now


EVERYONE = frozenset(StaffRole)
ALLIANCE = frozenset({StaffRole.ALLIANCE_ADMIN, StaffRole.ALLIANCE_REVIEWER})

GRANTS: dict[Permission, frozenset[StaffRole]] = {
    Permission.HOME: EVERYONE,
    Permission.CERTIFICATES_VIEW: EVERYONE,
    Permission.ACCOUNT_PASSWORD: EVERYONE,
    Permission.AUDIT_VIEW: frozenset({StaffRole.ALLIANCE_ADMIN}),
    Permission.USERS_MANAGE: frozenset({StaffRole.ALLIANCE_ADMIN}),
    Permission.ALERTS_VIEW: EVERYONE,
    Permission.ALERTS_REVIEW: ALLIANCE,
    Permission.INFRINGEMENTS_VIEW: ALLIANCE | {StaffRole.BODY_OFFICER},
    Permission.CREDIT_VIEW: EVERYONE,
    Permission.CREDIT_REPAIR: frozenset({StaffRole.ALLIANCE_ADMIN}),
    Permission.CERTIFICATES_MANAGE: frozenset({StaffRole.ALLIANCE_ADMIN, StaffRole.BODY_OFFICER}),
    Permission.SURVEILLANCE_RECORD: frozenset({StaffRole.ALLIANCE_ADMIN, StaffRole.BODY_OFFICER}),
    Permission.REPORTS_VIEW: ALLIANCE | {StaffRole.BODY_OFFICER},
    Permission.LOG_SIGN: frozenset({StaffRole.ALLIANCE_ADMIN}),
}


def allowed(role: StaffRole, permission: Permission) -> bool:
    return role in GRANTS[permission]


def certificate_scope(staff: Staff) -> ColumnElement[bool]:
    """The certificates ``staff`` may see, as a WHERE clause."""
    if staff.role in ALLIANCE:
        return true()
    if staff.role is StaffRole.BODY_OFFICER and staff.body_id is not None:
        return Certificate.body_id == staff.body_id
    if staff.role is StaffRole.HOLDER and staff.subject_id is not None:
        return Certificate.subject_id == staff.subject_id
    return false()


def visible_certificate_numbers(staff: Staff) -> Select[Any]:
    return select(Certificate.number).where(certificate_scope(staff))


def alert_scope(staff: Staff) -> ColumnElement[bool]:
    """Alerts about certificates ``staff`` may see; alerts tied to no certificate
    (a mark used with no certificate behind it) are for the alliance only."""
    if staff.role in ALLIANCE:
        return true()
    return Alert.certificate_number.in_(visible_certificate_numbers(staff))
