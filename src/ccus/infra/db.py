"""Database engine, sessions and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from ccus.infra.settings import get_settings

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported where it is used: every flow-run process imports this module, and only
# `migrate` needs it (0.4 s of imports).

MIGRATIONS = Path(__file__).parent / "migrations"


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    # hide_parameters: a database error's message never carries the statement's values (names,
    # addresses, password hashes) into a log or a traceback.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True)


def get_engine() -> Engine:
    return engine_for(get_settings().db_url)


def session_factory() -> sessionmaker[Session]:
    return sessionmaker(get_engine(), expire_on_commit=False)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = session_factory()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().db_url).replace("%", "%%"))
    return cfg


# Revision ids that databases carry but no script has any more, and how to bring such a database
# onto the chain: (the revision it was built on, the revisions never run on it, the revision whose
# change it already has). A merge renumbered the review branch's 0008 (superseded documents, built
# on 0005) as 0010 after 0009 with a new id, so a database that ran it says "0008" and lacks 0006,
# 0007 and 0009. Never rename an applied revision again: add the old id here if it ever happens.
LEGACY_REVISIONS: dict[str, tuple[str, str, str]] = {
    "0008": ("0005", "0009", "0010"),
}

MIGRATION_LOCK = 727001  # pg_advisory_xact_lock key: two migrators starting at once run one after the other


def _repair_legacy_revision(cfg: Config, connection: Connection) -> str | None:
    """When the database stands on a revision of :data:`LEGACY_REVISIONS`, run the revisions it
    lacks and stamp it onto the chain, in the caller's transaction. Returns the legacy id found."""
    from alembic import command

    has_table = connection.exec_driver_sql("SELECT to_regclass('alembic_version') IS NOT NULL").scalar_one()
    if not has_table:
        return None
    current = {str(v) for v in connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()}
    found = sorted(current & LEGACY_REVISIONS.keys())
    if not found:
        return None
    [legacy] = found
    base, lacking_up_to, carried_by = LEGACY_REVISIONS[legacy]
    cfg.attributes["connection"] = connection
    command.stamp(cfg, base, purge=True)
    command.upgrade(cfg, lacking_up_to)
    command.stamp(cfg, carried_by)
    return legacy


def migrate(url: str | None = None) -> None:
    """Bring the schema to the newest migration (safe to run any number of times). A database on a
    renamed revision (:data:`LEGACY_REVISIONS`) is first put back on the chain, in the same
    transaction as the upgrade."""
    from alembic import command

    cfg = alembic_config(url)
    engine = create_engine(cfg.get_main_option("sqlalchemy.url") or "", poolclass=NullPool, hide_parameters=True)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            _repair_legacy_revision(cfg, connection)
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()
