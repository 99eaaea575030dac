"""Documents an agency attaches to its return (an internal review, a risk assessment, its own
spreadsheet chronology). The file itself is a ``core.files.StoredFile``; this row says which
return it belongs to and who added it. Removable while the return is a draft; locked with it."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agencies.models import User
from cases.models import AgencyReturn
from core.db import TimestampMixin
from core.files import StoredFile
from extensions import Base


class ReturnDocument(TimestampMixin, Base):
    __tablename__ = "return_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        ForeignKey("agency_returns.id", ondelete="CASCADE"), nullable=False, index=True
    )
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    agency_return: Mapped[AgencyReturn] = relationship()
    file: Mapped[StoredFile] = relationship(lazy="joined")
    added_by: Mapped[User | None] = relationship()

    @property
    def filename(self) -> str:
        return self.file.filename
