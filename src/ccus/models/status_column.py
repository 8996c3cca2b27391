"""The column type of every status column: VARCHAR in the database, a StrEnum in Python.

Schema-neutral (the DDL is the same ``VARCHAR(n)``, so ``alembic check`` sees no change): values are
stored as the same strings, read back as members of the column's machine's StrEnum (which compare
and hash as those strings). Writes are checked by the gate (services/cases.py, services/gate.py)
and by the database's CHECK constraints, not here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, String, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

E = TypeVar("E", bound=StrEnum)


class StatusType(TypeDecorator[E], Generic[E]):
    impl = String
    cache_ok = True

    def __init__(self, states: type[E], length: int) -> None:
        super().__init__(length)
        self.states = states
        self.length = length

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return value.value if isinstance(value, StrEnum) else value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.states(value)

    def copy(self, **kw: Any) -> StatusType[E]:
        return StatusType(self.states, self.length)


def as_text(column: Any) -> ColumnElement[str]:
    """A status column read as its plain string (for a UNION with other columns: a union's rows are
    read with the first select's column types, which must then accept any of them)."""
    return type_coerce(column, String())
