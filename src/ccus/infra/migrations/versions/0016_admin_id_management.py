"""管理者ID managed by the 登録責任者: who suspended an ID, and the key of the request that added one

``admin_ids.suspended_by_registrant_at``: set while the business's 登録責任者 holds the ID suspended
(a renewal after a lapse reactivates only the IDs the lapse suspended, not these).
``admin_ids.request_key``: the portal request's Idempotency-Key (per business) that added the ID, so
a retried request adds nothing (unique).

Revision ID: 0016
Revises: 0015
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("admin_ids", sa.Column("suspended_by_registrant_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("admin_ids", sa.Column("request_key", sa.String(250), nullable=True))
    op.create_unique_constraint(op.f("uq_admin_ids_request_key"), "admin_ids", ["request_key"])


# Read by tests/integration/test_migrations.py: what this downgrade cannot give back.
LOSSY_DOWNGRADE = (
    "0016 downgrade is lossy: which 管理者IDs their 登録責任者 suspended (they stay suspended, as if by a lapse) "
    "and the request keys of added IDs are dropped."
)


def downgrade() -> None:
    logging.getLogger("alembic.runtime.migration").warning(LOSSY_DOWNGRADE)
    op.drop_constraint(op.f("uq_admin_ids_request_key"), "admin_ids", type_="unique")
    op.drop_column("admin_ids", "request_key")
    op.drop_column("admin_ids", "suspended_by_registrant_at")
