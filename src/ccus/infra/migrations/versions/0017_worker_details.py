"""workers' registered content: qualifications held and the detailed registration's items; card
reissues for a new card level; the worker change application (資格の追加)

- ``worker_qualifications``: one row per qualification a worker holds (unique per worker and name),
  with the case whose certificate verified it; they decide the card level.
- ``worker_profiles``: the rest of the approved registration (詳細型 items, the employer's items of
  guide p. 9) and the 申請番号 of each change applied.
- ``card_reissues``: reason ``level_change`` with the approved change that earned it
  (``change_application_id``, unique: one new card per change).
- ``applications.kind``: ``worker_change``.

Revision ID: 0017
Revises: 0015
"""

import logging

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

KINDS_BEFORE = ("kind IN ('business_registration','worker_registration','proxy_worker_registration',"
                "'business_change','business_renewal','business_withdrawal')")
KINDS_AFTER = ("kind IN ('business_registration','worker_registration','proxy_worker_registration',"
               "'business_change','business_renewal','business_withdrawal','worker_change')")
TS = sa.DateTime(timezone=True)
NOW = sa.text("now()")

# Read by tests/integration/test_migrations.py: what this downgrade cannot give back.
LOSSY_DOWNGRADE = (
    "0017 downgrade is lossy: workers' qualifications and detailed registered content are dropped; "
    "level-change card reissues are deleted (the cards they issued are kept); worker change "
    "applications are kept under a NOT VALID kind check."
)


def upgrade() -> None:
    op.drop_constraint(op.f("ck_applications_kind"), "applications", type_="check")
    op.create_check_constraint(op.f("ck_applications_kind"), "applications", KINDS_AFTER)

    op.create_table(
        "worker_qualifications",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("worker_pk", sa.BigInteger(), sa.ForeignKey("workers.id"), nullable=False, index=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("obtained_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("application_id", sa.BigInteger(), sa.ForeignKey("applications.id"), nullable=False,
                  index=True),
        sa.Column("created_at", TS, server_default=NOW, nullable=False),
        sa.UniqueConstraint("worker_pk", "name", name="uq_worker_qualifications_worker_name"),
    )
    op.create_table(
        "worker_profiles",
        sa.Column("worker_pk", sa.BigInteger(), sa.ForeignKey("workers.id"), primary_key=True),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("applied", postgresql.JSONB(), server_default="[]", nullable=False),
        sa.Column("updated_at", TS, server_default=NOW, nullable=False),
    )

    op.add_column("card_reissues", sa.Column("change_application_id", sa.BigInteger(),
                                             sa.ForeignKey("applications.id"), nullable=True))
    op.create_unique_constraint(op.f("uq_card_reissues_change_application_id"), "card_reissues",
                                ["change_application_id"])
    op.drop_constraint(op.f("ck_card_reissues_reason"), "card_reissues", type_="check")
    op.create_check_constraint(op.f("ck_card_reissues_reason"), "card_reissues",
                               "reason IN ('lost','damaged','level_change')")
    op.create_check_constraint(op.f("ck_card_reissues_level_change"), "card_reissues",
                               "(reason = 'level_change') = (change_application_id IS NOT NULL)")


def downgrade() -> None:
    logging.getLogger("alembic.runtime.migration").warning(LOSSY_DOWNGRADE)
    op.execute("DELETE FROM charges WHERE reissue_id IN (SELECT id FROM card_reissues WHERE reason = 'level_change')")
    op.execute("DELETE FROM card_reissues WHERE reason = 'level_change'")
    op.drop_constraint(op.f("ck_card_reissues_level_change"), "card_reissues", type_="check")
    op.drop_constraint(op.f("ck_card_reissues_reason"), "card_reissues", type_="check")
    op.create_check_constraint(op.f("ck_card_reissues_reason"), "card_reissues", "reason IN ('lost','damaged')")
    op.drop_constraint(op.f("uq_card_reissues_change_application_id"), "card_reissues", type_="unique")
    op.drop_column("card_reissues", "change_application_id")
    op.drop_table("worker_profiles")
    op.drop_table("worker_qualifications")
    op.drop_constraint(op.f("ck_applications_kind"), "applications", type_="check")
    # NOT VALID: worker change cases already there are kept (with their stage log and audit trail).
    op.execute(f"ALTER TABLE applications ADD CONSTRAINT ck_applications_kind CHECK ({KINDS_BEFORE}) NOT VALID")
