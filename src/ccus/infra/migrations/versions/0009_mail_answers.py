"""mail answers: a returned mail case answered by post gets a second mail segment (the answer's
pages), so a case may have several segments

Revision ID: 0009
Revises: 0007
"""

import logging

from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint(op.f("uq_mail_segments_application_id"), "mail_segments", type_="unique")
    op.create_index(op.f("ix_mail_segments_application_id"), "mail_segments", ["application_id"], unique=False)


# Read by tests/integration/test_migrations.py: what this downgrade cannot give back.
LOSSY_DOWNGRADE = (
    "0009 downgrade is lossy: a case has one mail segment again; its later segments (answers by post) "
    "are detached from it (application_id NULL, the case number written in their note)."
)


def downgrade() -> None:
    logging.getLogger("alembic.runtime.migration").warning(LOSSY_DOWNGRADE)
    op.drop_index(op.f("ix_mail_segments_application_id"), table_name="mail_segments")
    op.execute("""
        UPDATE mail_segments s
           SET note = concat_ws(' ', s.note, '[0009 downgrade: answer segment of application ' || s.application_id || ']'),
               application_id = NULL
         WHERE s.application_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM mail_segments f
                        WHERE f.application_id = s.application_id AND f.id < s.id)
    """)
    op.create_unique_constraint(op.f("uq_mail_segments_application_id"), "mail_segments", ["application_id"])
