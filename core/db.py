"""Column types and mixins every domain model shares."""

from __future__ import annotations

import enum
import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Enum, Integer, func, select, types, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, QueryableAttribute, declared_attr, mapped_column
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from core.formatting import utc_now
from extensions import db


class UTCDateTime(types.TypeDecorator):
    """Stored as naive UTC (SQLite has no zones), always returned aware in UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class TimestampMixin:
    created_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, nullable=False)
    updated_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now, nullable=False)


class StaleEdit(Exception):
    """Someone else saved this record after the editor opened it."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "Someone else changed this record while you were editing it. "
            "Your changes have not been saved: check the latest version below and make them again."
        )


class VersionedMixin:
    """Optimistic locking: every UPDATE checks and bumps ``version`` (SQLAlchemy's version_id_col)."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.version}

    def check_version(self, submitted: int | str | None) -> None:
        """Refuse a save made from a form that was opened on an older version."""
        if submitted is None:
            raise StaleEdit()
        try:
            submitted_version = int(submitted)
        except ValueError:
            raise StaleEdit() from None
        if submitted_version != self.version:
            raise StaleEdit()


# What a view catches around an operation to refuse a stale save: the version check's own refusal,
# or the UPDATE that found the row already changed by a save at the same moment (at a flush).
STALE = (StaleEdit, StaleDataError)


def contains(column: QueryableAttribute[Any] | ColumnElement[Any], text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, case-insensitively, with LIKE's wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


# SQLSTATEs (PostgreSQL) of a clash with someone else's change made at the same moment: a unique
# or foreign key violation, a serialisation failure, a deadlock. SQLite says it in words.
_CONFLICT_STATES = {"23505", "23503", "40001", "40P01"}
_CONFLICT_WORDS = ("UNIQUE constraint failed", "FOREIGN KEY constraint failed", "database is locked")


def is_conflict(error: BaseException) -> bool:
    """True when ``error`` is another person's concurrent change rather than a fault: a stale
    version at flush or commit, or a unique (or foreign key) constraint that a save made at the
    same moment got to first. Such an error is answered with a message, never a 500."""
    if isinstance(error, StaleEdit | StaleDataError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if state is not None:
        return str(state) in _CONFLICT_STATES
    return any(words in str(original) for words in _CONFLICT_WORDS)


def commit_unless_stale() -> bool:
    """Commit; False (after rolling back) when someone else's change got in first: a stale
    version, or a unique constraint another save filled at the same moment."""
    try:
        db.session.commit()
    except (StaleDataError, DBAPIError) as error:
        db.session.rollback()
        if not is_conflict(error):
            raise
        return False
    return True


def insert_unless_present(model: type[Any], values: dict[str, Any]) -> bool:
    """Insert the row unless one with the same unique key is there, or is being inserted by a
    concurrent transaction (which this one then waits for); True when this one inserted it."""
    table = model.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - the portal runs on PostgreSQL and SQLite only
        raise RuntimeError(f"The portal needs PostgreSQL or SQLite, not {dialect}")
    # The table's own INSERT (not the ORM's bulk insert, whose row count is not this statement's),
    # returning the new key: a row comes back only when this statement inserted one.
    inserted = db.session.execute(statement.returning(*table.primary_key.columns)).first()
    return inserted is not None


def enum_column(enum_cls: type[enum.Enum], **kwargs: object) -> Enum:
    """A portable enum: VARCHAR of the values, no native type to migrate."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=40,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        **kwargs,
    )


def set_if_unchanged(obj: Any, condition: ColumnElement[bool], **values: Any) -> bool:
    """Set ``values`` on the row behind ``obj`` only while ``condition`` holds; True if this
    transaction did it.

    One conditional ``UPDATE ... WHERE id = :id AND <condition>``, its row count checked: two
    transactions racing to set the same marker cannot both win (on PostgreSQL the second waits
    for the first's row lock, then finds the condition false; SQLite has one writer at a time).
    The loaded object is updated to match without being marked changed.
    """
    model = type(obj)
    result = db.session.execute(
        update(model).where(model.id == obj.id, condition).values(**values).execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    for name, value in values.items():
        set_committed_value(obj, name, value)
    return True


def try_transaction_lock(name: str) -> bool:
    """Take a lock named ``name`` until this transaction ends, without waiting: False if another
    transaction holds it. On PostgreSQL a transaction-level advisory lock; SQLite lets one writer
    at a time anyway, so there it is always True."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
    return bool(db.session.scalar(select(func.pg_try_advisory_xact_lock(key))))
