"""paid duplicates: a charge may be refunded; an operator's resolution of a paid duplicate
registration (refunded or merged) is recorded once per case

Revision ID: 0018
Revises: 0015
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# A refunded charge goes back to 'paid' (the refund itself is forgotten with its table).
LOSSY_DOWNGRADE = "duplicate_resolutions dropped; refunded charges become paid again"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_charges_status"), "charges", type_="check")
    op.create_check_constraint(op.f("ck_charges_status"), "charges", "status IN ('open','paid','refunded')")
    op.create_table(
        "duplicate_resolutions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("registered_application_id", sa.BigInteger(), nullable=False),
        sa.Column("charge_id", sa.BigInteger(), nullable=True),
        sa.Column("refunded_amount", sa.Integer(), server_default="0", nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("outcome IN ('refunded','merged')", name=op.f("ck_duplicate_resolutions_outcome")),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_duplicate_resolutions_application_id_applications")),
        sa.ForeignKeyConstraint(["registered_application_id"], ["applications.id"],
                                name=op.f("fk_duplicate_resolutions_registered_application_id_applications")),
        sa.ForeignKeyConstraint(["charge_id"], ["charges.id"],
                                name=op.f("fk_duplicate_resolutions_charge_id_charges")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_resolutions")),
        sa.UniqueConstraint("application_id", name=op.f("uq_duplicate_resolutions_application_id")),
        sa.UniqueConstraint("charge_id", name=op.f("uq_duplicate_resolutions_charge_id")),
    )


def downgrade() -> None:
    logging.getLogger("alembic.runtime.migration").warning(LOSSY_DOWNGRADE)
    op.drop_table("duplicate_resolutions")
    op.execute("UPDATE charges SET status = 'paid' WHERE status = 'refunded'")
    op.drop_constraint(op.f("ck_charges_status"), "charges", type_="check")
    op.create_check_constraint(op.f("ck_charges_status"), "charges", "status IN ('open','paid')")
