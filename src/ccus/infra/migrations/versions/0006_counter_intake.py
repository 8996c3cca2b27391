"""counter intake: who took an application in at the counter (applications.received_by)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("applications", sa.Column("received_by", sa.String(100), nullable=True))


def downgrade() -> None:
    op.drop_column("applications", "received_by")
