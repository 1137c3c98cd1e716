"""Listing captures and the crawler's image-analysis cache.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "image_analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("phash", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("detector_version", sa.String(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("analysed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_analyses")),
        sa.UniqueConstraint("sha256", name=op.f("uq_image_analyses_sha256")),
    )
    with op.batch_alter_table("image_analyses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_image_analyses_phash"), ["phash"], unique=False)

    op.create_table(
        "listing_captures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("captured_at", UTCDateTime(), nullable=False),
        sa.Column("html_sha256", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("price", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("seller_name", sa.Text(), nullable=True),
        sa.Column("seller_credit_code", sa.String(length=64), nullable=True),
        sa.Column("seller_match", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_listing_captures_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_captures")),
    )
    with op.batch_alter_table("listing_captures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listing_captures_captured_at"), ["captured_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_listing_captures_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_listing_captures_url"), ["url"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("listing_captures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listing_captures_url"))
        batch_op.drop_index(batch_op.f("ix_listing_captures_subject_id"))
        batch_op.drop_index(batch_op.f("ix_listing_captures_captured_at"))

    op.drop_table("listing_captures")
    with op.batch_alter_table("image_analyses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_image_analyses_phash"))

    op.drop_table("image_analyses")
