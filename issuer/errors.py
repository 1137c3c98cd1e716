"""One tree of exceptions, each with a message fit to show a user.

Verification failures map to a verdict in exactly one place
(``issuer.verification.verify_code``); command-line and web layers show ``str(exc)``.
"""

from __future__ import annotations


class IssuerError(Exception):
    """Base of every error the issuer raises on purpose."""


class CodeError(IssuerError):
    """A mark code failed verification.

    ``payload`` holds the decoded claims when the code was well formed, so a report
    can say which certificate a forged code pretends to belong to.
    """

    def __init__(self, message: str, payload: object | None = None) -> None:
        super().__init__(message)
        self.payload = payload


class MalformedCode(CodeError):
    """The text is not a well-formed mark code; the message says what is wrong."""


class ForgedCode(CodeError):
    """The code is well formed but its signature does not verify."""


class UnknownKey(CodeError):
    """The code names a key this verifier does not know."""


class CompromisedKey(CodeError):
    """The code was signed by a key that has since been marked compromised."""


class IllegalTransition(IssuerError):
    """A status change the rules do not allow; nothing was changed."""


class KeyStoreError(IssuerError):
    """Signing keys are missing, locked, or cannot be decrypted."""


class NotFound(IssuerError):
    """A named record (certificate, subject, body, key) does not exist."""


class InvalidInput(IssuerError):
    """Input fails validation (dates out of order, empty name, bad number...)."""
