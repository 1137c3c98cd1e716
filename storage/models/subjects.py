"""Certificate holders (获证主体) and certification bodies (联盟认证机构)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, validates

from storage.base import Base, created_at, credit_code, intpk
from storage.uscc import validate_uscc


class Subject(Base):
    """A holder, keyed by its unified social credit code."""

    __tablename__ = "subjects"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[credit_code] = mapped_column(unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[created_at]

    @validates("uscc")
    def _check_uscc(self, _key: str, value: str) -> str:
        return validate_uscc(value)

    @validates("name")
    def _check_name(self, _key: str, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("subject name must not be empty")
        return value


class CertificationBody(Base):
    """An alliance certification body that issues and supervises certificates."""

    __tablename__ = "certification_bodies"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    uscc: Mapped[credit_code | None] = mapped_column(unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[created_at]

    @validates("uscc")
    def _check_uscc(self, _key: str, value: str | None) -> str | None:
        return None if value is None else validate_uscc(value)
