"""Console accounts: creating and managing them, and checking a sign-in.

Functions take an open SQLAlchemy session and write their audit row in the same
transaction, so a change and its record land together or not at all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.base import utcnow
from storage.models import CertificationBody, StaffRole, StaffSession, StaffUser, Subject
from storage.uscc import InvalidCreditCode, validate_uscc
from verifier.console import audit, passwords

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AccountError(ValueError):
    """A request about an account cannot be met; the message says why, in one line."""


@dataclass(frozen=True)
class LoginPolicy:
    """How sign-in failures are met. Five wrong passwords in a row lock the account."""

    max_failures: int = 5
    lockout: dt.timedelta = dt.timedelta(minutes=15)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def user_record(user: StaffUser) -> dict[str, Any]:
    """What listings and the audit trail show of an account (never the hash)."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "body": user.body.code if user.body else None,
        "subject": user.subject.uscc if user.subject else None,
        "active": user.active,
        "locked_until": user.locked_until.isoformat() if user.locked_until else None,
    }


def get_user(session: Session, username: str) -> StaffUser:
    user = session.scalar(
        select(StaffUser).where(StaffUser.username == normalise_username(username))
    )
    if user is None:
        raise AccountError(f"no console user named {normalise_username(username)!r}")
    return user


def add_user(session: Session, *, username: str, role: str, password: str, actor: str,
             client_hash: str, display_name: str | None = None, body_code: str | None = None,
             subject_uscc: str | None = None) -> StaffUser:
    name = normalise_username(username)
    if not USERNAME.match(name):
        raise AccountError("the user name must be 2-64 characters: letters, digits, '.', '_', '-'")
    try:
        staff_role = StaffRole(role)
    except ValueError:
        choices = ", ".join(r.value for r in StaffRole)
        raise AccountError(f"unknown role {role!r}; choose one of {choices}") from None
    body_id = subject_id = None
    if staff_role is StaffRole.BODY_OFFICER:
        if not body_code or subject_uscc:
            raise AccountError("a body_officer needs --body CODE (and no --subject)")
        body = session.scalar(select(CertificationBody).where(CertificationBody.code == body_code))
        if body is None:
            raise AccountError(f"unknown certification body {body_code!r}")
        body_id = body.id
    elif staff_role is StaffRole.HOLDER:
        if not subject_uscc or body_code:
            raise AccountError("a holder needs --subject USCC (and no --body)")
        try:
            code = validate_uscc(subject_uscc)
        except InvalidCreditCode as exc:
            raise AccountError(str(exc)) from None
        subject = session.scalar(select(Subject).where(Subject.uscc == code))
        if subject is None:
            raise AccountError(f"no subject with credit code {code}")
        subject_id = subject.id
    elif body_code or subject_uscc:
        raise AccountError(f"a {staff_role.value} belongs to no body or subject")
    _check_password(password, name)
    if session.scalar(select(StaffUser.id).where(StaffUser.username == name)) is not None:
        raise AccountError(f"a console user named {name!r} already exists")
    user = StaffUser(username=name, display_name=(display_name or name).strip()[:200] or name,
                     role=staff_role, body_id=body_id, subject_id=subject_id,
                     password_hash=passwords.hash_password(password), failed_logins=0,
                     locked_until=None, active=True)
    session.add(user)
    session.flush()
    session.refresh(user)
    audit.record(session, actor=actor, action="user.add", target=f"user:{name}",
                 after=user_record(user), client_hash=client_hash)
    return user


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)).unique())


def set_active(session: Session, username: str, active: bool, *, actor: str,
               client_hash: str) -> StaffUser:
    """Disable (and sign out everywhere) or enable an account."""
    user = get_user(session, username)
    before = user_record(user)
    user.active = active
    if not active:
        end_sessions(session, user.id)
    session.flush()
    audit.record(session, actor=actor, action="user.enable" if active else "user.disable",
                 target=f"user:{user.username}", before=before, after=user_record(user),
                 client_hash=client_hash)
    return user


def unlock(session: Session, username: str, *, actor: str, client_hash: str) -> StaffUser:
    user = get_user(session, username)
    before = user_record(user)
    user.locked_until = None
    user.failed_logins = 0
    session.flush()
    audit.record(session, actor=actor, action="user.unlock", target=f"user:{user.username}",
                 before=before, after=user_record(user), client_hash=client_hash)
    return user


def set_password(session: Session, username: str, password: str, *, actor: str,
                 client_hash: str, action: str = "user.reset_password",
                 keep_session: int | None = None) -> StaffUser:
    """A new password clears any lock-out and signs every other browser out."""
    user = get_user(session, username)
    _check_password(password, user.username)
    before = user_record(user)
    user.password_hash = passwords.hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(session, user.id, keep=keep_session)
    session.flush()
    audit.record(session, actor=actor, action=action, target=f"user:{user.username}",
                 before=before, after=user_record(user), client_hash=client_hash)
    return user


def end_sessions(session: Session, user_id: int, keep: int | None = None) -> None:
    statement = delete(StaffSession).where(StaffSession.user_id == user_id)
    if keep is not None:
        statement = statement.where(StaffSession.id != keep)
    session.execute(statement)


def _check_password(password: str, username: str) -> None:
    try:
        passwords.check_strength(password, username)
    except passwords.WeakPassword as exc:
        raise AccountError(str(exc)) from None


# ---------------------------------------------------------------- signing in


class LoginResult(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"  # unknown name, disabled account or wrong password
    LOCKED_OUT = "lockout"  # this wrong password locked the account
    LOCKED = "locked"  # the account was already locked; the password was not considered


def authenticate(session: Session, username: str, password: str, *, policy: LoginPolicy,
                 client_hash: str, now: dt.datetime | None = None
                 ) -> tuple[LoginResult, StaffUser | None]:
    """Check a sign-in and record it. Every outcome costs one Argon2 verification, so
    the time taken does not tell an unknown name from a wrong password."""
    now = now or utcnow()
    name = normalise_username(username)
    user = session.scalar(
        select(StaffUser).where(StaffUser.username == name).with_for_update(of=StaffUser)
    ) if USERNAME.match(name) else None
    if user is None or not user.active:
        passwords.verify_password(None, password)
        audit.record(session, actor=user.username if user else audit.UNKNOWN_ACTOR,
                     action="login.failure", target="disabled" if user else "",
                     client_hash=client_hash, at=now)
        return LoginResult.FAILURE, None
    matches = passwords.verify_password(user.password_hash, password)
    target = f"user:{user.username}"
    if user.locked_until is not None and user.locked_until > now:
        audit.record(session, actor=user.username, action="login.locked", target=target,
                     client_hash=client_hash, at=now)
        return LoginResult.LOCKED, None
    if not matches:
        user.failed_logins += 1
        result = LoginResult.FAILURE
        after: dict[str, Any] = {"failed_logins": user.failed_logins}
        if user.failed_logins >= policy.max_failures:
            user.locked_until = now + policy.lockout
            user.failed_logins = 0
            result = LoginResult.LOCKED_OUT
            after = {"locked_until": user.locked_until.isoformat()}
        audit.record(session, actor=user.username, action=f"login.{result.value}",
                     target=target, after=after, client_hash=client_hash, at=now)
        return result, None
    user.failed_logins = 0
    user.locked_until = None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    audit.record(session, actor=user.username, action="login.success", target=target,
                 client_hash=client_hash, at=now)
    return LoginResult.SUCCESS, user
