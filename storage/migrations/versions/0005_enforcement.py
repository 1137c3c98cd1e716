"""Alert assignment, infringement records (侵权信息) and credit files (信用档案).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SEVERITIES = ("positive", "minor", "major", "severe")


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_to", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_alerts_assigned_to"), ["assigned_to"], unique=False)
    op.create_table(
        "infringement_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("seller_name", sa.Text(), nullable=True),
        sa.Column("seller_credit_code", sa.String(length=64), nullable=True),
        sa.Column("certificate_number", sa.String(length=32), nullable=True),
        sa.Column("listing_url", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=120), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_infringement_records_alert_id_alerts"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"],
            name=op.f("fk_infringement_records_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_infringement_records")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_infringement_records_alert_id")),
    )
    with op.batch_alter_table("infringement_records", schema=None) as batch_op:
        for column in ("kind", "subject_id", "certificate_number", "confirmed_at"):
            batch_op.create_index(
                batch_op.f(f"ix_infringement_records_{column}"), [column], unique=False
            )
    op.create_table(
        "credit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column(
            "severity",
            sa.Enum(*SEVERITIES, name="credit_severity", native_enum=False,
                    create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("certificate_number", sa.String(length=32), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("repaired_at", UTCDateTime(), nullable=True),
        sa.Column("repaired_by", sa.String(length=120), nullable=True),
        sa.Column("repair_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_credit_events_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_events")),
        sa.UniqueConstraint("source", name=op.f("uq_credit_events_source")),
    )
    with op.batch_alter_table("credit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_events_subject_id"), ["subject_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_credit_events_occurred_at"), ["occurred_at"],
                              unique=False)
    _backfill_report_alerts()


def _backfill_report_alerts() -> None:
    """Every consumer report gets the alert new reports raise with them (``report:<id>``),
    so reports made before the queue existed are in it too. Written out here rather than
    imported, so this step stays as it was when the code around it changes."""
    reports = sa.table(
        "consumer_reports", sa.column("id", sa.Integer), sa.column("created_at", UTCDateTime),
        sa.column("certificate_number", sa.String), sa.column("verdict", sa.String),
        sa.column("description", sa.Text))
    alerts = sa.table(
        "alerts", sa.column("kind", sa.String), sa.column("source", sa.String),
        sa.column("dedupe_key", sa.String), sa.column("certificate_number", sa.String),
        sa.column("unit_serial", sa.BigInteger), sa.column("summary", sa.Text),
        sa.column("details", sa.JSON), sa.column("created_at", UTCDateTime),
        sa.column("status", sa.String))
    connection = op.get_bind()
    known = set(connection.scalars(
        sa.select(alerts.c.dedupe_key).where(alerts.c.source == "report")))
    rows = []
    for report in connection.execute(sa.select(reports).order_by(reports.c.id)):
        key = f"report:{report.id}"
        if key in known:
            continue
        about = f" about {report.certificate_number}" if report.certificate_number else ""
        text = " ".join((report.description or "").split())
        rows.append({
            "kind": "consumer_report", "source": "report", "dedupe_key": key,
            "certificate_number": report.certificate_number, "unit_serial": None,
            "summary": f"Consumer report{about}: {text[:160]}",
            "details": {"report_id": report.id, "verdict": report.verdict},
            "created_at": report.created_at, "status": "open"})
    if rows:
        op.bulk_insert(alerts, rows)


def downgrade() -> None:
    # Alerts raised for consumer reports stay: they are rows of a table 0002 made.
    with op.batch_alter_table("credit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_events_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_credit_events_subject_id"))
    op.drop_table("credit_events")
    with op.batch_alter_table("infringement_records", schema=None) as batch_op:
        for column in ("confirmed_at", "certificate_number", "subject_id", "kind"):
            batch_op.drop_index(batch_op.f(f"ix_infringement_records_{column}"))
    op.drop_table("infringement_records")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_assigned_to"))
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assigned_to")
