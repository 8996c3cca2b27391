"""fees, payments, print batches, card orders, reissue

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_reissues",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("request_number", sa.String(length=40), nullable=False),
        sa.Column("old_card_id", sa.BigInteger(), nullable=False),
        sa.Column("new_card_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="awaiting_payment", nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("reason IN ('lost','damaged')", name=op.f("ck_card_reissues_reason")),
        sa.CheckConstraint("status IN ('awaiting_payment','issuing','issued')", name=op.f("ck_card_reissues_status")),
        sa.ForeignKeyConstraint(["old_card_id"], ["cards.id"], name=op.f("fk_card_reissues_old_card_id_cards")),
        sa.ForeignKeyConstraint(["new_card_id"], ["cards.id"], name=op.f("fk_card_reissues_new_card_id_cards")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_reissues")),
        sa.UniqueConstraint("request_number", name=op.f("uq_card_reissues_request_number")),
        sa.UniqueConstraint("old_card_id", name=op.f("uq_card_reissues_old_card_id")),
        sa.UniqueConstraint("new_card_id", name=op.f("uq_card_reissues_new_card_id")),
    )
    op.create_table(
        "charges",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("effect_key", sa.String(length=120), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=True),
        sa.Column("reissue_id", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("breakdown", sa.Text(), nullable=False),
        sa.Column("fee_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('open','paid')", name=op.f("ck_charges_status")),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_charges_application_id_applications")),
        sa.ForeignKeyConstraint(["reissue_id"], ["card_reissues.id"], name=op.f("fk_charges_reissue_id_card_reissues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charges")),
        sa.UniqueConstraint("effect_key", name=op.f("uq_charges_effect_key")),
    )
    op.create_index(op.f("ix_charges_application_id"), "charges", ["application_id"])
    op.create_index(op.f("ix_charges_reissue_id"), "charges", ["reissue_id"])
    op.create_table(
        "payments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("application_number", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("charge_id", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('matched','amount_mismatch','unknown_application','not_awaiting_payment','invalid')",
            name=op.f("ck_payments_outcome"),
        ),
        sa.ForeignKeyConstraint(["charge_id"], ["charges.id"], name=op.f("fk_payments_charge_id_charges")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("source_sha256", "line_no", name="uq_payments_source_line"),
    )
    op.create_index(op.f("ix_payments_charge_id"), "payments", ["charge_id"])
    op.create_table(
        "print_batches",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("batch_number", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("s3_key", sa.String(length=200), nullable=False),
        sa.Column("manifest_key", sa.String(length=200), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="ready", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('postcard','card_order')", name=op.f("ck_print_batches_kind")),
        sa.CheckConstraint("status IN ('ready','printed')", name=op.f("ck_print_batches_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_batches")),
        sa.UniqueConstraint("batch_number", name=op.f("uq_print_batches_batch_number")),
    )
    op.execute("CREATE SEQUENCE IF NOT EXISTS print_batch_serial START 1")
    op.execute("CREATE SEQUENCE IF NOT EXISTS reissue_serial START 1")
    op.add_column("print_jobs", sa.Column("card_id", sa.BigInteger(), nullable=True))
    op.add_column("print_jobs", sa.Column("batch_id", sa.BigInteger(), nullable=True))
    op.create_unique_constraint(op.f("uq_print_jobs_card_id"), "print_jobs", ["card_id"])
    op.create_foreign_key(op.f("fk_print_jobs_card_id_cards"), "print_jobs", "cards", ["card_id"], ["id"])
    op.create_foreign_key(op.f("fk_print_jobs_batch_id_print_batches"), "print_jobs", "print_batches",
                          ["batch_id"], ["id"])
    op.create_index(op.f("ix_print_jobs_batch_id"), "print_jobs", ["batch_id"])
    op.alter_column("cards", "application_id", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    op.alter_column("cards", "application_id", existing_type=sa.BigInteger(), nullable=False)
    op.drop_index(op.f("ix_print_jobs_batch_id"), table_name="print_jobs")
    op.drop_constraint(op.f("fk_print_jobs_batch_id_print_batches"), "print_jobs", type_="foreignkey")
    op.drop_constraint(op.f("fk_print_jobs_card_id_cards"), "print_jobs", type_="foreignkey")
    op.drop_constraint(op.f("uq_print_jobs_card_id"), "print_jobs", type_="unique")
    op.drop_column("print_jobs", "batch_id")
    op.drop_column("print_jobs", "card_id")
    op.execute("DROP SEQUENCE IF EXISTS print_batch_serial")
    op.execute("DROP SEQUENCE IF EXISTS reissue_serial")
    op.drop_table("print_batches")
    op.drop_index(op.f("ix_payments_charge_id"), table_name="payments")
    op.drop_table("payments")
    op.drop_index(op.f("ix_charges_reissue_id"), table_name="charges")
    op.drop_index(op.f("ix_charges_application_id"), table_name="charges")
    op.drop_table("charges")
    op.drop_table("card_reissues")
