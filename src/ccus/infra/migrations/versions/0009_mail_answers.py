"""mail answers: a returned mail case answered by post gets a second mail segment (the answer's
pages), so a case may have several segments

Revision ID: 0009
Revises: 0007
"""

from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint(op.f("uq_mail_segments_application_id"), "mail_segments", type_="unique")
    op.create_index(op.f("ix_mail_segments_application_id"), "mail_segments", ["application_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_mail_segments_application_id"), table_name="mail_segments")
    op.create_unique_constraint(op.f("uq_mail_segments_application_id"), "mail_segments", ["application_id"])
