"""Per-unit codes (一物一码), recorded as contiguous serial ranges per issuance.

A run of a million codes is one row, not a million: the serials are consecutive
within a batch, and a scanned serial is known to be issued when a batch covers it.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, created_at, intpk


class UnitCodeBatch(Base):
    __tablename__ = "unit_code_batches"
    __table_args__ = (
        CheckConstraint("first_serial >= 1", name="serials_positive"),
        CheckConstraint("first_serial <= last_serial", name="serials_in_order"),
    )

    id: Mapped[intpk]
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    first_serial: Mapped[int] = mapped_column(BigInteger)
    last_serial: Mapped[int] = mapped_column(BigInteger)
    kid: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[created_at]

    @property
    def count(self) -> int:
        return self.last_serial - self.first_serial + 1
