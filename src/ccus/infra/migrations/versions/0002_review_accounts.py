"""the reviewers' web app (accounts, sessions, claims, edits, approvals)

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

QUEUE_STATUSES = "('awaiting_review','awaiting_second_approval')"

# 審査期限: the review is due this long after receipt (business cases carry more documents).
# Hours, not days: adding hours to a timestamptz does not depend on the time zone, so the
# function is truly immutable and can back an index (the queue sorts by it).
REVIEW_DUE_FUNCTION = """
CREATE OR REPLACE FUNCTION ccus_review_due(kind text, received timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT received + CASE kind WHEN 'business_registration' THEN interval '240 hours'
                                ELSE interval '168 hours' END
$$
"""


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('reviewer','supervisor','clerk','admin')", name=op.f("ck_staff_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_users_username")),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"], name=op.f("fk_staff_sessions_user_id_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_staff_sessions_token_sha256")),
    )
    op.create_index(op.f("ix_staff_sessions_user_id"), "staff_sessions", ["user_id"])
    op.create_table(
        "review_claims",
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("reviewer", sa.String(length=100), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_review_claims_application_id_applications")),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_review_claims")),
    )
    op.create_index(op.f("ix_review_claims_reviewer"), "review_claims", ["reviewer"])
    op.create_table(
        "field_corrections",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_field_corrections_application_id_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_corrections")),
    )
    op.create_index(op.f("ix_field_corrections_application_id"), "field_corrections", ["application_id"])
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("reason_codes", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("decision IN ('approve','return','reject')", name=op.f("ck_review_decisions_decision")),
        sa.CheckConstraint("step IN ('single','first','second')", name=op.f("ck_review_decisions_step")),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_review_decisions_application_id_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    op.create_index(op.f("ix_review_decisions_application_id"), "review_decisions", ["application_id"])
    op.create_index(op.f("ix_review_decisions_at"), "review_decisions", ["at"])
    op.create_table(
        "portal_notices",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("business_id", sa.String(length=14), nullable=True),
        sa.Column("effect_key", sa.String(length=120), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_portal_notices_application_id_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_notices")),
        sa.UniqueConstraint("effect_key", name=op.f("uq_portal_notices_effect_key")),
    )
    op.create_index(op.f("ix_portal_notices_application_id"), "portal_notices", ["application_id"])
    op.create_index(op.f("ix_portal_notices_business_id"), "portal_notices", ["business_id"])

    # The review queue at scale: partial indexes on the queue's two sort orders (age, due date),
    # and expression indexes for the side-by-side duplicate candidates (and the pipeline's
    # in-flight duplicate check, which filters on the same expressions).
    op.execute(REVIEW_DUE_FUNCTION)
    # Covering: the queue's filters (kind, channel, flags, status) and its count are answered from
    # the index alone (index-only scans), however the queue rows lie in the table.
    op.execute(f"CREATE INDEX ix_applications_queue_received ON applications (received_at, id) "
               f"INCLUDE (kind, channel, status, flags) WHERE status IN {QUEUE_STATUSES}")
    op.execute(f"CREATE INDEX ix_applications_queue_due ON applications (ccus_review_due(kind, received_at), id) "
               f"INCLUDE (kind, received_at, channel, status, flags) WHERE status IN {QUEUE_STATUSES}")
    op.execute("CREATE INDEX ix_applications_declared_birth_date ON applications ((declared ->> 'birth_date'))")
    op.execute("CREATE INDEX ix_applications_declared_corporate_number "
               "ON applications ((declared ->> 'corporate_number'))")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_applications_declared_corporate_number")
    op.execute("DROP INDEX IF EXISTS ix_applications_declared_birth_date")
    op.execute("DROP INDEX IF EXISTS ix_applications_queue_due")
    op.execute("DROP INDEX IF EXISTS ix_applications_queue_received")
    op.execute("DROP FUNCTION IF EXISTS ccus_review_due(text, timestamptz)")
    for table in ("portal_notices", "review_decisions", "field_corrections", "review_claims", "staff_sessions",
                  "staff_users"):
        op.drop_table(table)
