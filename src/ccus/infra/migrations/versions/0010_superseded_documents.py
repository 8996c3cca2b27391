"""superseded documents: a document replaced by the applicant's answer to a return is kept (never
deleted from S3) and marked superseded, by which document and when

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("superseded_by_id", sa.BigInteger(), nullable=True))
    op.add_column("documents", sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key("fk_documents_superseded_by_id_documents", "documents", "documents",
                          ["superseded_by_id"], ["id"])
    op.create_check_constraint("ck_documents_superseded_both",
                               "documents", "(superseded_by_id IS NULL) = (superseded_at IS NULL)")


def downgrade() -> None:
    op.drop_constraint("ck_documents_superseded_both", "documents", type_="check")
    op.drop_constraint("fk_documents_superseded_by_id_documents", "documents", type_="foreignkey")
    op.drop_column("documents", "superseded_at")
    op.drop_column("documents", "superseded_by_id")
