"""Column types and mixins every domain model shares."""

from __future__ import annotations

import enum
import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Enum, Integer, func, select, types, update
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


def contains(column: QueryableAttribute[Any] | ColumnElement[Any], text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, case-insensitively, with LIKE's wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def commit_unless_stale() -> bool:
    """Commit; False (after rolling back) when someone else's save to the same row got in first."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False
    return True


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
