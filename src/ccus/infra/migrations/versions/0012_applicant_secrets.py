"""the applicant's answer secrets (回答用コード), stored as SHA-256, several per case

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "application_secrets",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("application_id", sa.BigInteger(), sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('intake','return','counter')", name="ck_application_secrets_purpose"),
        sa.UniqueConstraint("secret_sha256", name="uq_application_secrets_secret_sha256"),
    )
    op.create_index("ix_application_secrets_application_id", "application_secrets", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_application_secrets_application_id", table_name="application_secrets")
    op.drop_table("application_secrets")
