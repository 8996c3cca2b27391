"""a contract relation (施工体制) waits for the lower business's consent; print files are sealed
under data keys held here and destroyed once printed (crypto-shredding)

Relations made before this revision were never consented to: they become ``pending``, so the
lower business confirms them (or not) before they open its workers' data to anyone. Print jobs and
batches written before it have no data key: their files were stored unsealed and are read as such.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("site_contracts", sa.Column("status", sa.String(length=20), server_default="pending",
                                              nullable=False))
    op.add_column("site_contracts", sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                                              nullable=False))
    op.add_column("site_contracts", sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(op.f("ck_site_contracts_status"), "site_contracts",
                               "status IN ('pending','confirmed','declined')")
    op.create_check_constraint(op.f("ck_site_contracts_decided"), "site_contracts",
                               "(status = 'pending') = (decided_at IS NULL)")
    op.add_column("print_jobs", sa.Column("data_key", sa.LargeBinary(), nullable=True))
    op.add_column("print_batches", sa.Column("data_key", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("print_batches", "data_key")
    op.drop_column("print_jobs", "data_key")
    op.drop_constraint(op.f("ck_site_contracts_decided"), "site_contracts", type_="check")
    op.drop_constraint(op.f("ck_site_contracts_status"), "site_contracts", type_="check")
    op.drop_column("site_contracts", "decided_at")
    op.drop_column("site_contracts", "requested_at")
    op.drop_column("site_contracts", "status")
