"""Argon2id password hashing and the password rules, with no I/O.

The cost is OWASP's recommended Argon2id setting (19 MiB, two passes, one lane): it
keeps a guess expensive without letting a burst of logins exhaust a two-core server.
Hashes made with other settings still verify and are re-hashed at the next login.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
#: Argon2 takes any length, but a megabyte "password" is a denial of service, not a secret.
MAX_LENGTH = 256

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
#: Verified against when the account does not exist, so an unknown name costs as
#: much time as a wrong password and the timing does not tell which it was.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(24))


class WeakPassword(ValueError):
    """The password breaks a rule; the message says which."""


def check_strength(password: str, username: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"the password must be at most {MAX_LENGTH} characters long")
    if len(set(password)) < 4:
        raise WeakPassword("the password must use at least 4 different characters")
    if username and username.lower() in password.lower():
        raise WeakPassword("the password must not contain the user name")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; with no hash, burn the same time and say no."""
    if len(password) > MAX_LENGTH:
        password = password[:MAX_LENGTH]  # still verified, so the answer takes as long
        stored_hash = None
    try:
        HASHER.verify(stored_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)
