"""Enum columns stored as plain strings with a CHECK constraint (portable, readable)."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def enum_column(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
