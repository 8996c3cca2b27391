"""postal scanner intake (intake files, form pages)

Revision ID: 0004
Revises: 0003
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_batches",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=60), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("s3_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="splitting", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('splitting','done','quarantined')", name=op.f("ck_mail_batches_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_batches")),
        sa.UniqueConstraint("sha256", name=op.f("uq_mail_batches_sha256")),
    )
    op.create_table(
        "mail_segments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=True),
        sa.Column("form_key", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("pages", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('case','orphan','unsupported')", name=op.f("ck_mail_segments_status")),
        sa.ForeignKeyConstraint(["batch_id"], ["mail_batches.id"], name=op.f("fk_mail_segments_batch_id_mail_batches")),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_mail_segments_application_id_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_segments")),
        sa.UniqueConstraint("application_id", name=op.f("uq_mail_segments_application_id")),
        sa.UniqueConstraint("batch_id", "seq", name="uq_mail_segments_batch_seq"),
    )
    op.create_index(op.f("ix_mail_segments_batch_id"), "mail_segments", ["batch_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_mail_segments_batch_id"), table_name="mail_segments")
    op.drop_table("mail_segments")
    op.drop_table("mail_batches")
