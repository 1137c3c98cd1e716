"""Scans, consumer reports, alerts, and the registry version counter for cache freshness.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: Tables whose changes verifiers must see at once (they cache what they read).
WATCHED = ("certificates", "scope_items", "subjects", "certification_bodies", "signing_keys")


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("certificate_number", sa.String(length=32), nullable=True),
        sa.Column("unit_serial", sa.BigInteger(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "confirmed",
                "dismissed",
                name="alert_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reviewed_by", sa.String(length=120), nullable=True),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_alerts_dedupe_key")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alerts_certificate_number"), ["certificate_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alerts_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_status"), ["status"], unique=False)

    op.create_table(
        "consumer_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("code", sa.String(length=256), nullable=True),
        sa.Column("certificate_number", sa.String(length=32), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("where_bought", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("client_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumer_reports")),
    )
    with op.batch_alter_table("consumer_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consumer_reports_certificate_number"),
            ["certificate_number"],
            unique=False,
        )

    op.create_table(
        "registry_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_version")),
    )
    op.create_table(
        "scans",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scanned_at", UTCDateTime(), nullable=False),
        sa.Column("code", sa.String(length=256), nullable=False),
        sa.Column("certificate_number", sa.String(length=32), nullable=True),
        sa.Column("unit_serial", sa.BigInteger(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("client_hash", sa.String(length=32), nullable=False),
        sa.Column("network_hash", sa.String(length=32), nullable=False),
        sa.Column("agent", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scans")),
    )
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.create_index("ix_scans_scanned_at", ["scanned_at"], unique=False)
        batch_op.create_index(
            "ix_scans_unit", ["certificate_number", "unit_serial", "scanned_at"], unique=False
        )

    op.execute("INSERT INTO registry_version (id, version) VALUES (1, 0)")
    for table in WATCHED:
        watch(table)


def downgrade() -> None:
    for table in WATCHED:
        unwatch(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS registry_changed()")
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.drop_index("ix_scans_unit")
        batch_op.drop_index("ix_scans_scanned_at")

    op.drop_table("scans")
    op.drop_table("registry_version")
    with op.batch_alter_table("consumer_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consumer_reports_certificate_number"))

    op.drop_table("consumer_reports")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_status"))
        batch_op.drop_index(batch_op.f("ix_alerts_kind"))
        batch_op.drop_index(batch_op.f("ix_alerts_certificate_number"))

    op.drop_table("alerts")


def watch(table: str) -> None:
    """Bump the registry version whenever ``table`` changes."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_bump_{verb.lower()} AFTER {verb} ON {table} "
                "BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END"
            )
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION registry_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; "
        "RETURN NULL; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_bump AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION registry_changed()"
    )


def unwatch(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_bump_{verb}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_bump ON {table}")
