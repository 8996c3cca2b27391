"""invoice payments (paid once, enforced by the database), card renewal fees (K-numbers)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

OUTCOMES_BEFORE = "outcome IN ('matched','amount_mismatch','unknown_application','not_awaiting_payment','invalid')"
OUTCOMES_AFTER = ("outcome IN ('matched','amount_mismatch','unknown_application','not_awaiting_payment','invalid',"
                  "'already_paid')")
RENEWAL_STATUS_BEFORE = "status IN ('requested','issued')"
RENEWAL_STATUS_AFTER = "status IN ('awaiting_payment','requested','issued')"


def upgrade() -> None:
    # 請求書の入金: when and by which payment line an invoice was paid.
    op.add_column("invoices", sa.Column("paid_on", sa.Date(), nullable=True))
    op.add_column("invoices", sa.Column("paid_at", TS, nullable=True))
    op.create_check_constraint(op.f("ck_invoices_paid"), "invoices", "(status = 'paid') = (paid_on IS NOT NULL)")
    op.add_column("payments", sa.Column("invoice_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(op.f("fk_payments_invoice_id_invoices"), "payments", "invoices", ["invoice_id"], ["id"])
    op.create_index(op.f("ix_payments_invoice_id"), "payments", ["invoice_id"])
    # One matched payment per invoice and per charge, whatever the files say.
    op.create_index("uq_payments_invoice_matched", "payments", ["invoice_id"], unique=True,
                    postgresql_where=sa.text("outcome = 'matched' AND invoice_id IS NOT NULL"))
    op.create_index("uq_payments_charge_matched", "payments", ["charge_id"], unique=True,
                    postgresql_where=sa.text("outcome = 'matched' AND charge_id IS NOT NULL"))
    op.drop_constraint(op.f("ck_payments_outcome"), "payments", type_="check")
    op.create_check_constraint(op.f("ck_payments_outcome"), "payments", OUTCOMES_AFTER)
    # カード更新: a request number (the payer reference) and the fee's charge.
    op.add_column("card_renewals", sa.Column("request_number", sa.String(40), nullable=True))
    op.create_unique_constraint(op.f("uq_card_renewals_request_number"), "card_renewals", ["request_number"])
    op.drop_constraint(op.f("ck_card_renewals_status"), "card_renewals", type_="check")
    op.create_check_constraint(op.f("ck_card_renewals_status"), "card_renewals", RENEWAL_STATUS_AFTER)
    op.add_column("charges", sa.Column("card_renewal_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(op.f("fk_charges_card_renewal_id_card_renewals"), "charges", "card_renewals",
                          ["card_renewal_id"], ["id"])
    op.create_index(op.f("ix_charges_card_renewal_id"), "charges", ["card_renewal_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_charges_card_renewal_id"), table_name="charges")
    op.drop_constraint(op.f("fk_charges_card_renewal_id_card_renewals"), "charges", type_="foreignkey")
    op.drop_column("charges", "card_renewal_id")
    op.drop_constraint(op.f("ck_card_renewals_status"), "card_renewals", type_="check")
    op.create_check_constraint(op.f("ck_card_renewals_status"), "card_renewals", RENEWAL_STATUS_BEFORE)
    op.drop_constraint(op.f("uq_card_renewals_request_number"), "card_renewals", type_="unique")
    op.drop_column("card_renewals", "request_number")
    op.drop_constraint(op.f("ck_payments_outcome"), "payments", type_="check")
    op.create_check_constraint(op.f("ck_payments_outcome"), "payments", OUTCOMES_BEFORE)
    op.drop_index("uq_payments_charge_matched", table_name="payments")
    op.drop_index("uq_payments_invoice_matched", table_name="payments")
    op.drop_index(op.f("ix_payments_invoice_id"), table_name="payments")
    op.drop_constraint(op.f("fk_payments_invoice_id_invoices"), "payments", type_="foreignkey")
    op.drop_column("payments", "invoice_id")
    op.drop_constraint(op.f("ck_invoices_paid"), "invoices", type_="check")
    op.drop_column("invoices", "paid_at")
    op.drop_column("invoices", "paid_on")
