"""sign-in throttles instead of the portal's hard lock-out; security-code failures counted apart;
API tokens tied to staff accounts, with an expiry; review decisions record the deciding account

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "auth_throttles",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("blocked_until", TS, nullable=True),
        sa.Column("last_failure_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_auth_throttles")),
    )
    op.drop_table("portal_lockouts")
    op.add_column("credentials", sa.Column("code_failures", sa.Integer(), server_default="0", nullable=False))

    op.add_column("api_tokens", sa.Column("staff_user_id", sa.BigInteger(), nullable=True))
    op.add_column("api_tokens", sa.Column("expires_at", TS, nullable=True))
    op.add_column("api_tokens", sa.Column("last_used_at", TS, nullable=True))
    op.create_foreign_key(op.f("fk_api_tokens_staff_user_id_staff_users"), "api_tokens", "staff_users",
                          ["staff_user_id"], ["id"])
    op.create_index(op.f("ix_api_tokens_staff_user_id"), "api_tokens", ["staff_user_id"])
    # A token named like an account becomes that account's; the others stop working now. Tokens that
    # never expired get 90 days from today, so nobody's script breaks on the day of the upgrade.
    op.execute("UPDATE api_tokens t SET staff_user_id = u.id FROM staff_users u WHERE u.username = t.actor")
    op.execute("UPDATE api_tokens SET revoked_at = now() WHERE staff_user_id IS NULL AND revoked_at IS NULL")
    op.execute("UPDATE api_tokens SET expires_at = now() + interval '90 days'")
    op.alter_column("api_tokens", "expires_at", nullable=False)
    op.drop_constraint(op.f("uq_api_tokens_actor"), "api_tokens", type_="unique")
    op.drop_constraint(op.f("ck_api_tokens_role"), "api_tokens", type_="check")
    op.drop_column("api_tokens", "role")
    op.create_check_constraint(op.f("ck_api_tokens_account"), "api_tokens",
                               "staff_user_id IS NOT NULL OR revoked_at IS NOT NULL")

    op.add_column("review_decisions", sa.Column("staff_user_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(op.f("fk_review_decisions_staff_user_id_staff_users"), "review_decisions",
                          "staff_users", ["staff_user_id"], ["id"])
    op.execute("UPDATE review_decisions d SET staff_user_id = u.id FROM staff_users u WHERE u.username = d.actor")


def downgrade() -> None:
    op.drop_constraint(op.f("fk_review_decisions_staff_user_id_staff_users"), "review_decisions", type_="foreignkey")
    op.drop_column("review_decisions", "staff_user_id")

    op.drop_constraint(op.f("ck_api_tokens_account"), "api_tokens", type_="check")
    op.add_column("api_tokens", sa.Column("role", sa.String(20), nullable=True))
    op.execute("UPDATE api_tokens t SET role = coalesce((SELECT u.role FROM staff_users u "
               "WHERE u.id = t.staff_user_id), 'reviewer')")
    op.alter_column("api_tokens", "role", nullable=False)
    op.create_check_constraint(op.f("ck_api_tokens_role"), "api_tokens",
                               "role IN ('reviewer','supervisor','clerk','admin')")
    # One token per name again: keep the newest of each account, the older ones are deleted.
    op.execute("DELETE FROM api_tokens t USING api_tokens n WHERE n.actor = t.actor AND n.id > t.id")
    op.create_unique_constraint(op.f("uq_api_tokens_actor"), "api_tokens", ["actor"])
    op.execute("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE expires_at <= now()")
    op.drop_index(op.f("ix_api_tokens_staff_user_id"), table_name="api_tokens")
    op.drop_constraint(op.f("fk_api_tokens_staff_user_id_staff_users"), "api_tokens", type_="foreignkey")
    op.drop_column("api_tokens", "last_used_at")
    op.drop_column("api_tokens", "expires_at")
    op.drop_column("api_tokens", "staff_user_id")

    op.drop_column("credentials", "code_failures")
    op.create_table(
        "portal_lockouts",
        sa.Column("login_id", sa.String(14), primary_key=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("last_failure_at", TS, nullable=True),
    )
    op.drop_table("auth_throttles")
