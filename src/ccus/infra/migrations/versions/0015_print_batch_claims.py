"""print batches are claimed in state 'building' and built outside any transaction

A batch row is written (status 'building') and its print jobs point at it in one short
transaction; the files are merged and uploaded with no lock held; a second short transaction
marks the batch 'ready' and its jobs 'batched'. ``print_jobs.batch_id`` is one column, so a job
is in at most one batch.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_print_batches_status"), "print_batches", type_="check")
    op.create_check_constraint(op.f("ck_print_batches_status"), "print_batches",
                               "status IN ('building','ready','printed')")


def downgrade() -> None:
    # Lossy only for batches being built right now: their jobs go back to waiting for a batch.
    op.execute("UPDATE print_jobs SET batch_id = NULL WHERE batch_id IN "
               "(SELECT id FROM print_batches WHERE status = 'building')")
    op.execute("DELETE FROM print_batches WHERE status = 'building'")
    op.drop_constraint(op.f("ck_print_batches_status"), "print_batches", type_="check")
    op.create_check_constraint(op.f("ck_print_batches_status"), "print_batches",
                               "status IN ('ready','printed')")
