"""Signing keys. The private half is stored only encrypted (see ``issuer.keys``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, created_at, intpk
from storage.enums import KeyState
from storage.models._types import enum_column


class SigningKey(Base):
    __tablename__ = "signing_keys"

    id: Mapped[intpk]
    kid: Mapped[str] = mapped_column(String(16), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    encrypted_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[KeyState] = mapped_column(enum_column(KeyState, "key_state"), index=True)
    created_at: Mapped[created_at]
    retired_at: Mapped[dt.datetime | None]
    compromised_at: Mapped[dt.datetime | None]
    note: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:  # never show the (encrypted) private key
        return f"SigningKey(kid={self.kid!r}, state={self.state.value!r})"
