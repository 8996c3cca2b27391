"""Alembic environment: runs migrations against the configured database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from ccus.models import (
    billing_tables,  # noqa: F401  (registers its tables on the metadata)
    lifecycle_tables,  # noqa: F401  (registers its tables on the metadata)
    secret_tables,  # noqa: F401  (registers its tables on the metadata)
)
from ccus.models.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool, hide_parameters=True)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            # Serialise concurrent migrators (two processes starting at once).
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727001)")
            context.run_migrations()


run_migrations_online()
