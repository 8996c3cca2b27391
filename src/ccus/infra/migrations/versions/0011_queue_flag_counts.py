"""the queue's covering indexes hold flag counts, not the flags: a case with many flags (a badly
read paper form) made an index row larger than a btree allows and could not enter the queue

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

QUEUE_STATUSES = "('awaiting_review','awaiting_second_approval')"


def _severity_count(severity: str) -> str:
    # jsonb_path_query_array is immutable, so it may compute a stored column.
    return f"jsonb_array_length(jsonb_path_query_array(flags, '$[*] ? (@.severity == \"{severity}\")'))"


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_applications_queue_due")
    op.execute("DROP INDEX IF EXISTS ix_applications_queue_received")
    op.execute(f"ALTER TABLE applications "
               f"ADD COLUMN blocking_flags integer GENERATED ALWAYS AS ({_severity_count('block')}) STORED, "
               f"ADD COLUMN warning_flags integer GENERATED ALWAYS AS ({_severity_count('warn')}) STORED, "
               f"ADD COLUMN flag_count integer GENERATED ALWAYS AS (jsonb_array_length(flags)) STORED")
    op.execute(f"CREATE INDEX ix_applications_queue_received ON applications (received_at, id) "
               f"INCLUDE (kind, channel, status, blocking_flags, warning_flags, flag_count) "
               f"WHERE status IN {QUEUE_STATUSES}")
    op.execute(f"CREATE INDEX ix_applications_queue_due ON applications (ccus_review_due(kind, received_at), id) "
               f"INCLUDE (kind, received_at, channel, status, blocking_flags, warning_flags, flag_count) "
               f"WHERE status IN {QUEUE_STATUSES}")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_applications_queue_due")
    op.execute("DROP INDEX IF EXISTS ix_applications_queue_received")
    op.execute("ALTER TABLE applications DROP COLUMN flag_count, DROP COLUMN warning_flags, "
               "DROP COLUMN blocking_flags")
    # 0010's indexes also INCLUDEd flags, which fails ("index row size exceeds btree maximum") as
    # soon as one queued case carries many flags: the very bug 0011 fixed. They come back without
    # flags (the old queue reads them from the table; only an index-only scan is lost).
    op.execute(f"CREATE INDEX ix_applications_queue_received ON applications (received_at, id) "
               f"INCLUDE (kind, channel, status) WHERE status IN {QUEUE_STATUSES}")
    op.execute(f"CREATE INDEX ix_applications_queue_due ON applications (ccus_review_due(kind, received_at), id) "
               f"INCLUDE (kind, received_at, channel, status) WHERE status IN {QUEUE_STATUSES}")
