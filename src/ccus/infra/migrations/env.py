"""Alembic environment: runs migrations against the configured database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from ccus.models import (
    billing_tables,  # noqa: F401  (registers its tables on the metadata)
    lifecycle_tables,  # noqa: F401  (registers its tables on the metadata)
    secret_tables,  # noqa: F401  (registers its tables on the metadata)
    worker_tables,  # noqa: F401  (registers its tables on the metadata)
)
from ccus.models.tables import Base

config = context.config
target_metadata = Base.metadata

# Indexes that only the migrations declare, because the tables cannot say them in a way that
# autogenerate compares: expression indexes on ``declared`` (duplicate look-ups, 0002) and the
# review queue's partial covering indexes on ccus_review_due() (0011). ``alembic check`` skips them.
MIGRATION_ONLY_INDEXES = frozenset({
    "ix_applications_declared_birth_date",
    "ix_applications_declared_corporate_number",
    "ix_applications_queue_due",
    "ix_applications_queue_received",
})


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (type_ == "index" and reflected and name in MIGRATION_ONLY_INDEXES)


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        # A connection handed over by ``ccus.infra.db.migrate``: its transaction spans several
        # commands (the legacy-revision repair) and is committed by the caller.
        context.configure(connection=given, target_metadata=target_metadata, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool, hide_parameters=True)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, include_object=include_object)
        with context.begin_transaction():
            # Serialise concurrent migrators (two processes starting at once); ccus.infra.db.migrate
            # takes the same lock on the connection it hands over.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727001)")
            context.run_migrations()


run_migrations_online()
