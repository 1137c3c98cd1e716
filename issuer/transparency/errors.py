"""Errors of the transparency log, under the issuer's one exception tree."""

from __future__ import annotations

from issuer.errors import InvalidInput, IssuerError


class LogError(IssuerError):
    """Base of every error the transparency log raises on purpose."""


class ProofError(LogError):
    """An inclusion or consistency proof does not verify; the message says which check failed."""


class ProofRequestError(LogError, InvalidInput):
    """A proof was asked for indices or sizes the log cannot prove (out of range, out of order)."""


class MalformedEntry(LogError):
    """Bytes are not the one canonical encoding of a log entry."""


class MalformedTreeHead(LogError):
    """Bytes are not the canonical encoding of a (signed) tree head."""


class BadTreeHeadSignature(LogError):
    """A tree head's signature does not verify under the log's public key."""
