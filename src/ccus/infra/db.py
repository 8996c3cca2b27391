"""Database engine, sessions and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

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


def migrate(url: str | None = None) -> None:
    """Bring the schema to the newest migration (safe to run any number of times)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")
