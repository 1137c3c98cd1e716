"""Initial schema: subjects, bodies, certificates and their history, keys, unit codes.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certification_bodies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_bodies")),
        sa.UniqueConstraint("code", name=op.f("uq_certification_bodies_code")),
        sa.UniqueConstraint("name", name=op.f("uq_certification_bodies_name")),
        sa.UniqueConstraint("uscc", name=op.f("uq_certification_bodies_uscc")),
    )
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("encrypted_private_key", sa.LargeBinary(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "active",
                "retired",
                "compromised",
                name="key_state",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("compromised_at", UTCDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_signing_keys_kid")),
    )
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signing_keys_state"), ["state"], unique=False)

    op.create_table(
        "subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subjects")),
        sa.UniqueConstraint("uscc", name=op.f("uq_subjects_uscc")),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column(
            "scheme",
            sa.Enum(
                "shangpin",
                "cultivation",
                name="scheme",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("standard", sa.String(length=120), nullable=False),
        sa.Column("publicity_start", sa.Date(), nullable=False),
        sa.Column("publicity_end", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "publicity",
                "valid",
                "suspended",
                "terminated",
                "revoked",
                name="certificate_state",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("state_changed_at", UTCDateTime(), nullable=False),
        sa.Column("last_surveillance", sa.Date(), nullable=True),
        sa.Column("next_surveillance", sa.Date(), nullable=True),
        sa.Column("mark_code", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "publicity_start <= publicity_end", name=op.f("ck_certificates_publicity_in_order")
        ),
        sa.CheckConstraint(
            "valid_from <= valid_until", name=op.f("ck_certificates_validity_in_order")
        ),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["certification_bodies.id"],
            name=op.f("fk_certificates_body_id_certification_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_certificates_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("number", name=op.f("uq_certificates_number")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_body_id"), ["body_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_certificates_next_surveillance"), ["next_surveillance"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_certificates_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_certificates_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_valid_until"), ["valid_until"], unique=False
        )

    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("lodged_by", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lodged_at", UTCDateTime(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "pending",
                "upheld",
                "dismissed",
                name="objection_outcome",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_objections_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
    )
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_objections_certificate_id"), ["certificate_id"], unique=False
        )

    op.create_table(
        "scope_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "product",
                "service",
                name="scope_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_scope_items_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scope_items")),
    )
    with op.batch_alter_table("scope_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scope_items_certificate_id"), ["certificate_id"], unique=False
        )

    op.create_table(
        "status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_state",
            sa.Enum(
                "publicity",
                "valid",
                "suspended",
                "terminated",
                "revoked",
                name="from_state",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_state",
            sa.Enum(
                "publicity",
                "valid",
                "suspended",
                "terminated",
                "revoked",
                name="to_state",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_status_events_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_events")),
    )
    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_events_certificate_id"), ["certificate_id"], unique=False
        )

    op.create_table(
        "surveillance_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column(
            "result",
            sa.Enum(
                "passed",
                "failed",
                name="surveillance_result",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("next_due", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_surveillance_visits_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveillance_visits")),
    )
    with op.batch_alter_table("surveillance_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_surveillance_visits_certificate_id"), ["certificate_id"], unique=False
        )

    op.create_table(
        "unit_code_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("first_serial", sa.BigInteger(), nullable=False),
        sa.Column("last_serial", sa.BigInteger(), nullable=False),
        sa.Column("kid", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "first_serial <= last_serial", name=op.f("ck_unit_code_batches_serials_in_order")
        ),
        sa.CheckConstraint("first_serial >= 1", name=op.f("ck_unit_code_batches_serials_positive")),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_unit_code_batches_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_code_batches")),
    )
    with op.batch_alter_table("unit_code_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unit_code_batches_certificate_id"), ["certificate_id"], unique=False
        )

    append_only("status_events")


def downgrade() -> None:
    drop_append_only("status_events")
    with op.batch_alter_table("unit_code_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_code_batches_certificate_id"))

    op.drop_table("unit_code_batches")
    with op.batch_alter_table("surveillance_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveillance_visits_certificate_id"))

    op.drop_table("surveillance_visits")
    with op.batch_alter_table("status_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_events_certificate_id"))

    op.drop_table("status_events")
    with op.batch_alter_table("scope_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scope_items_certificate_id"))

    op.drop_table("scope_items")
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objections_certificate_id"))

    op.drop_table("objections")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_valid_until"))
        batch_op.drop_index(batch_op.f("ix_certificates_subject_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_state"))
        batch_op.drop_index(batch_op.f("ix_certificates_next_surveillance"))
        batch_op.drop_index(batch_op.f("ix_certificates_body_id"))

    op.drop_table("certificates")
    op.drop_table("subjects")
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_keys_state"))

    op.drop_table("signing_keys")
    op.drop_table("certification_bodies")


def append_only(table: str) -> None:
    """Make the database itself refuse UPDATE and DELETE on a history table."""
    message = f"{table} is append-only"
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
    )


def drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
