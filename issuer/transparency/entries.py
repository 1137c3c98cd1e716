"""The canonical byte encoding of transparency log entries.

A leaf hash commits to these bytes, so each entry value has exactly one encoding and the
decoder refuses every other byte string (wrong version or type, unknown state, bad UTF-8,
truncation, trailing bytes, a time that is not a whole microsecond). The layout is
specified in docs/transparency-log.md; this module is its only codec.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass
from typing import TypeVar

from issuer.transparency.errors import MalformedEntry
from issuer.transparency.merkle import leaf_hash
from storage.enums import CertificateState, KeyState

FORMAT_VERSION = 1
TYPE_CERTIFICATE_STATUS = 1
TYPE_SIGNING_KEY = 2

MAX_TEXT_BYTES = 0xFFFF
_HEADER = struct.Struct(">BB")  # version, entry type
_LENGTH = struct.Struct(">H")
_TIME = struct.Struct(">Q")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_MICROS = 2**64 - 1
_State = TypeVar("_State", CertificateState, KeyState)


def _micros(when: dt.datetime) -> int:
    """Microseconds since the Unix epoch; a naive time is refused, never guessed."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise MalformedEntry("an entry time must carry its time zone")
    delta = when - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if not 0 <= micros <= _MAX_MICROS:
        raise MalformedEntry("an entry time must be after 1970-01-01T00:00:00Z")
    return micros


def _require_text(value: str, field: str) -> None:
    if not value:
        raise MalformedEntry(f"{field} must not be empty")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise MalformedEntry(f"{field} is not encodable as UTF-8") from None
    if size > MAX_TEXT_BYTES:
        raise MalformedEntry(f"{field} is longer than {MAX_TEXT_BYTES} bytes of UTF-8")


def _state(kind: type[_State], value: str, field: str) -> _State:
    try:
        return kind(value)
    except ValueError:
        raise MalformedEntry(f"{field} {value!r} is not a known state") from None


@dataclass(frozen=True)
class CertificateStatusEntry:
    """A certificate changed state. ``from_state`` is None for its first state."""

    certificate_number: str
    from_state: CertificateState | None
    to_state: CertificateState
    reason: str | None
    actor: str
    time: dt.datetime

    def __post_init__(self) -> None:
        _require_text(self.certificate_number, "certificate number")
        _require_text(self.actor, "actor")
        # An empty reason and no reason mean the same; keeping one spelling keeps one encoding.
        if self.reason == "":
            object.__setattr__(self, "reason", None)
        if self.reason is not None:
            _require_text(self.reason, "reason")
        object.__setattr__(self, "to_state", _state(CertificateState, self.to_state, "to state"))
        if self.from_state is not None:
            from_state = _state(CertificateState, self.from_state, "from state")
            object.__setattr__(self, "from_state", from_state)
        _micros(self.time)


@dataclass(frozen=True)
class SigningKeyEntry:
    """A mark signing key was created, retired or marked compromised."""

    kid: str
    state: KeyState
    time: dt.datetime

    def __post_init__(self) -> None:
        _require_text(self.kid, "key id")
        object.__setattr__(self, "state", _state(KeyState, self.state, "key state"))
        _micros(self.time)


LogEntry = CertificateStatusEntry | SigningKeyEntry


def published_actor(body_code: str) -> str:
    """Who a status entry names: the certificate's certification body, not a person.

    The log is public; the staff member who acted is kept in the registry's status event
    and the audit trail, which only staff can read.
    """
    return f"body:{body_code}"


def _text(value: str | None) -> bytes:
    data = b"" if value is None else value.encode("utf-8")
    return _LENGTH.pack(len(data)) + data


def encode_entry(entry: LogEntry) -> bytes:
    """The canonical bytes of an entry: what its leaf hash covers."""
    if isinstance(entry, CertificateStatusEntry):
        return b"".join(
            (
                _HEADER.pack(FORMAT_VERSION, TYPE_CERTIFICATE_STATUS),
                _text(entry.certificate_number),
                _text(None if entry.from_state is None else entry.from_state.value),
                _text(entry.to_state.value),
                _text(entry.reason),
                _text(entry.actor),
                _TIME.pack(_micros(entry.time)),
            )
        )
    return b"".join(
        (
            _HEADER.pack(FORMAT_VERSION, TYPE_SIGNING_KEY),
            _text(entry.kid),
            _text(entry.state.value),
            _TIME.pack(_micros(entry.time)),
        )
    )


def entry_leaf_hash(entry: LogEntry) -> bytes:
    return leaf_hash(encode_entry(entry))


class _Reader:
    """Walks the fields of one encoded entry, refusing anything short or malformed."""

    def __init__(self, data: bytes, offset: int) -> None:
        self._data = data
        self._offset = offset

    def _take(self, size: int, field: str) -> bytes:
        end = self._offset + size
        if end > len(self._data):
            raise MalformedEntry(f"the entry is truncated in {field}")
        chunk = self._data[self._offset : end]
        self._offset = end
        return chunk

    def text(self, field: str) -> str:
        (length,) = _LENGTH.unpack(self._take(_LENGTH.size, field))
        raw = self._take(length, field)
        try:
            # Strict UTF-8 refuses over-long forms and encoded surrogates, so the
            # decoded text has exactly these bytes as its encoding.
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedEntry(f"{field} is not valid UTF-8") from None

    def optional_text(self, field: str) -> str | None:
        return self.text(field) or None

    def time(self) -> dt.datetime:
        (micros,) = _TIME.unpack(self._take(_TIME.size, "time"))
        try:
            return _EPOCH + dt.timedelta(microseconds=micros)
        except OverflowError:
            raise MalformedEntry("the entry time is out of range") from None

    def finish(self) -> None:
        if self._offset != len(self._data):
            raise MalformedEntry("the entry has bytes after its last field")


def decode_entry(data: bytes) -> LogEntry:
    """Parse canonical entry bytes; anything else raises ``MalformedEntry``."""
    if len(data) < _HEADER.size:
        raise MalformedEntry("the entry is too short to hold its header")
    version, kind = _HEADER.unpack_from(data)
    if version != FORMAT_VERSION:
        raise MalformedEntry(f"unsupported log entry format version {version}")
    reader = _Reader(data, _HEADER.size)
    entry: LogEntry
    if kind == TYPE_CERTIFICATE_STATUS:
        number = reader.text("certificate number")
        from_text = reader.optional_text("from state")
        to_text = reader.text("to state")
        reason = reader.optional_text("reason")
        actor = reader.text("actor")
        when = reader.time()
        reader.finish()
        entry = CertificateStatusEntry(
            certificate_number=number,
            from_state=None
            if from_text is None
            else _state(CertificateState, from_text, "from state"),
            to_state=_state(CertificateState, to_text, "to state"),
            reason=reason,
            actor=actor,
            time=when,
        )
    elif kind == TYPE_SIGNING_KEY:
        kid = reader.text("key id")
        state_text = reader.text("key state")
        when = reader.time()
        reader.finish()
        entry = SigningKeyEntry(kid=kid, state=_state(KeyState, state_text, "key state"), time=when)
    else:
        raise MalformedEntry(f"unknown log entry type {kind}")
    # The layout admits no second spelling, but checking the round trip keeps that true
    # if a field is ever added carelessly.
    if encode_entry(entry) != data:
        raise MalformedEntry("the entry is not in canonical form")
    return entry
