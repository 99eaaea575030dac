"""Rendered documents: PDFs built in the background and kept per version and recipient.

Why: WeasyPrint takes seconds on a long document (a panel pack with long agency returns takes
a minute or more), far longer than a request may run (gunicorn kills a worker at 30 s). So no
request ever writes a PDF: a download reads bytes the background renderer stored.

How it fits together:

- A domain package describes each kind of document with a ``DocumentKind``: a name such as
  ``"panel_pack"`` and ``render(object_id, recipient_id) -> Rendered | None``, which loads what
  it needs, writes the PDF and says the fingerprint of what it wrote (None: the object is gone).
  ``portal/app.py`` passes the kinds to ``init_app``; this module imports no domain package.
- The download view builds the document's source (``core.pdf.pdf_source``: Jinja only, a few
  milliseconds), whose fingerprint names exactly what the PDF would show, and calls
  ``document_for(kind, object_id, recipient_id, fingerprint)``. A ready render of that
  fingerprint is served from the database (so every app server shares it); otherwise the row
  is queued for that fingerprint and the view answers ``waiting_response`` ("being prepared",
  which checks again by itself; or "could not be prepared", with a button that calls ``retry``).
- One row per document (kind, object, recipient or none): a new version replaces the bytes of
  the old, so a superseded version is never served nor kept. Rows untouched for
  ``RENDER_KEEP_DAYS`` are pruned by the worker; a later download renders again.
- The worker (a thread of ``flask notifications send --loop``, or ``flask notifications render``
  alone) claims one due row at a time with ``SELECT … FOR UPDATE SKIP LOCKED`` and a lease, as
  the outbox does: two workers on PostgreSQL never render the same row at once, and a crashed
  worker's row is taken again when its lease ends. A render that raises is retried with a
  back-off, then marked failed (and audited). A worker stores its result only if the row still
  carries its claim and the fingerprint it was asked for; otherwise a newer request has taken
  the row over and the result is dropped.

Asking for a render is the one write a GET may make besides read audits: the row is a cache
of a file, not the portal's data. Requests that change data need not queue anything: the next
download sees a new fingerprint.
"""

from __future__ import annotations

import enum
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, cast

from flask import Flask, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, Text, delete, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core import audit
from core.db import TimestampMixin, UTCDateTime, enum_column, insert_unless_present
from core.downloads import send_download
from core.formatting import utc_now
from core.forms import ConfirmForm
from extensions import Base, db

logger = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=15)
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_KEEP_DAYS = 30
DEFAULT_REFRESH_SECONDS = 5
DEFAULT_POLL_SECONDS = 2.0
FIRST_RETRY_DELAY = timedelta(seconds=30)
PRUNE_EVERY_SECONDS = 60 * 60


class RenderStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for a worker, or being rendered (claimed_until_utc in the future)
    READY = "ready"
    FAILED = "failed"  # gave up after the retries; a person can ask again


class RenderedDocument(TimestampMixin, Base):
    __tablename__ = "rendered_documents"
    __table_args__ = (Index("ix_rendered_documents_due", "status", "next_attempt_at_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "kind:object_id:recipient_id" (or "-" for none): one row per document, whatever its version.
    key: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[int] = mapped_column(Integer, nullable=False)
    # The person the document is stamped for; their copies go when their account is erased.
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # What the stored (or wanted) version shows; None: whatever is current when it is rendered.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[RenderStatus] = mapped_column(enum_column(RenderStatus), nullable=False, default=RenderStatus.QUEUED)
    # Deferred: reading a row's state never drags megabytes of PDF along.
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    requested_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utc_now)
    next_attempt_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utc_now)
    claimed_until_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    rendered_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    render_seconds: Mapped[float | None] = mapped_column(Float)


# --- kinds of document ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    data: bytes
    fingerprint: str  # of what ``data`` shows (core.pdf.PdfSource.fingerprint)


@dataclass(frozen=True)
class DocumentKind:
    """A kind of document the worker can render, registered by the package that owns it."""

    kind: str
    render: Callable[[int, int | None], Rendered | None]


def init_app(app: Flask, kinds: Iterable[DocumentKind]) -> None:
    app.extensions["document_kinds"] = {kind.kind: kind for kind in kinds}


def _kinds() -> dict[str, DocumentKind]:
    kinds: dict[str, DocumentKind] = current_app.extensions.get("document_kinds", {})
    return kinds


def document_key(kind: str, object_id: int, recipient_id: int | None) -> str:
    return f"{kind}:{object_id}:{'-' if recipient_id is None else recipient_id}"


# --- the request side ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentState:
    id: int
    status: RenderStatus
    fingerprint: str | None
    requested_at_utc: datetime

    @property
    def ready(self) -> bool:
        return self.status == RenderStatus.READY

    @property
    def failed(self) -> bool:
        return self.status == RenderStatus.FAILED

    def data(self) -> bytes:
        """The stored PDF (loaded only when asked for)."""
        data = db.session.scalar(select(RenderedDocument.data).where(RenderedDocument.id == self.id))
        if data is None:  # replaced by a newer version since the state was read
            raise LookupError(f"Rendered document {self.id} holds no file")
        return data


_STATE_COLUMNS = (
    RenderedDocument.id,
    RenderedDocument.status,
    RenderedDocument.fingerprint,
    RenderedDocument.requested_at_utc,
)


def _requeue_values(fingerprint: str | None, now: datetime) -> dict[str, Any]:
    return {
        "fingerprint": fingerprint,
        "status": RenderStatus.QUEUED,
        "data": None,
        "size_bytes": None,
        "attempts": 0,
        "last_error": None,
        "requested_at_utc": now,
        "next_attempt_at_utc": now,
        "claimed_until_utc": None,
        "claimed_by": None,
        "rendered_at_utc": None,
        "render_seconds": None,
        "updated_at_utc": now,
    }


def document_for(kind: str, object_id: int, recipient_id: int | None, fingerprint: str) -> DocumentState:
    """The stored state of this version of the document, asking for a render if it has none.

    Flushes at most one insert or update; the caller commits (a download view commits at once,
    so the worker sees the request).
    """
    key = document_key(kind, object_id, recipient_id)
    row = db.session.execute(select(*_STATE_COLUMNS).where(RenderedDocument.key == key)).one_or_none()
    if row is not None and row.fingerprint == fingerprint:
        return DocumentState(row.id, row.status, row.fingerprint, row.requested_at_utc)
    now = utc_now()
    if row is None:
        _insert_unless_present(
            {
                "key": key,
                "kind": kind,
                "object_id": object_id,
                "recipient_id": recipient_id,
                "created_at_utc": now,
                **_requeue_values(fingerprint, now),
            }
        )
    else:
        # Another version (older, or asked for ahead of any download): replaced, never served.
        db.session.execute(
            update(RenderedDocument)
            .where(RenderedDocument.id == row.id)
            .values(**_requeue_values(fingerprint, now))
            .execution_options(synchronize_session=False)
        )
    row = db.session.execute(select(*_STATE_COLUMNS).where(RenderedDocument.key == key)).one()
    return DocumentState(row.id, row.status, row.fingerprint, row.requested_at_utc)


def request_render(kind: str, object_id: int, recipient_id: int | None) -> None:
    """Ask for the current version ahead of any download (a change that many will download).

    Only a document with no row yet is queued: a stored or waiting one is left as it is, and
    the next download replaces it if what it shows has changed.
    """
    now = utc_now()
    _insert_unless_present(
        {
            "key": document_key(kind, object_id, recipient_id),
            "kind": kind,
            "object_id": object_id,
            "recipient_id": recipient_id,
            "created_at_utc": now,
            **_requeue_values(None, now),
        }
    )


def retry(state: DocumentState) -> bool:
    """Queue a failed render again (a person pressed "Try again"); False if it had not failed."""
    now = utc_now()
    result = db.session.execute(
        update(RenderedDocument)
        .where(RenderedDocument.id == state.id, RenderedDocument.status == RenderStatus.FAILED)
        .values(status=RenderStatus.QUEUED, attempts=0, requested_at_utc=now, next_attempt_at_utc=now)
        .execution_options(synchronize_session=False)
    )
    return bool(cast(CursorResult[Any], result).rowcount)


def _insert_unless_present(values: dict[str, Any]) -> None:
    """Insert the row unless a concurrent request inserted it first (one row per key)."""
    insert_unless_present(RenderedDocument, values)


CHECK_ARGUMENT = "check"


def waiting_response(
    state: DocumentState,
    *,
    name: str,
    about: str,
    back_url: str,
    back_text: str,
    retry_url: str,
) -> ResponseReturnValue | None:
    """What a download answers instead of its file, or None when the file is to be served.

    - ``?check``: the state as JSON (``{"status": "queued"|"ready"|"failed"}``), for the
      "being prepared" page's script, which asks every few seconds without reloading the page
      (a reload loses a screen reader's place) and starts the download once it is ready;
    - while it is being prepared: 202 and a page that says so (without JavaScript, a
      ``<meta http-equiv="refresh">`` in ``<noscript>`` reloads it until the file comes);
    - when the render failed: 200 and a page that says so, with a "Try again" button.
    """
    if CHECK_ARGUMENT in request.args:
        return jsonify(status=state.status.value), 200, {"Cache-Control": "no-store"}
    if state.ready:
        return None
    refresh = int(current_app.config.get("RENDER_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS))
    page = render_template(
        "core/document_status.html",
        state=state,
        name=name,
        about=about,
        back_url=back_url,
        back_text=back_text,
        retry_url=retry_url,
        refresh_seconds=refresh,
        check_url=f"{request.path}?{CHECK_ARGUMENT}=1",
        confirm=ConfirmForm(),
    )
    return page, (200 if state.failed else 202), {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class StoredPdf:
    """One version of a document as one person downloads it, and what its waiting page says."""

    kind: str
    object_id: int
    recipient_id: int | None
    fingerprint: str
    filename: str
    name: str
    about: str
    back_url: str
    back_text: str
    retry_url: str

    def state(self) -> DocumentState:
        return document_for(self.kind, self.object_id, self.recipient_id, self.fingerprint)


def serve(document: StoredPdf, audit_read: Callable[[], object]) -> ResponseReturnValue:
    """The stored file, read-audited by ``audit_read``; until the renderer has it, the waiting page.

    The waiting page commits the render request (with read audits, the one write a GET makes),
    so the worker sees it at once.
    """
    state = document.state()
    waiting = waiting_response(
        state,
        name=document.name,
        about=document.about,
        back_url=document.back_url,
        back_text=document.back_text,
        retry_url=document.retry_url,
    )
    if waiting is not None:
        db.session.commit()
        return waiting
    audit_read()
    return send_download(state.data(), document.filename, "application/pdf")


def ask_again(document: StoredPdf, audit_retry: Callable[[], object]) -> None:
    """A person pressed "Try again" on a failed render: queue it again (audited) and commit."""
    if retry(document.state()):
        audit_retry()
    db.session.commit()


# --- the worker side -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    id: int
    kind: str
    object_id: int
    recipient_id: int | None
    fingerprint: str | None
    attempts: int


@dataclass
class RenderPass:
    rendered: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0  # the object had gone, or a newer request took the row over
    pruned: int = 0

    def add(self, other: RenderPass) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    @property
    def anything_happened(self) -> bool:
        return any(getattr(self, field.name) for field in fields(self))

    def summary(self) -> str:
        return (
            f"rendered {self.rendered}, will retry {self.retrying}, failed {self.failed}, "
            f"dropped {self.dropped}, pruned {self.pruned}"
        )


def new_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("RENDER_LEASE_SECONDS", DEFAULT_LEASE.total_seconds())))


def _max_attempts() -> int:
    return int(current_app.config.get("RENDER_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def claim_next(worker_id: str) -> tuple[Claim | None, int]:
    """Claim the oldest due render for ``worker_id`` and commit; also how many rows were marked
    failed on the way (renders a worker died in the middle of, too often)."""
    now = utc_now()
    abandoned = 0
    while True:
        row = db.session.scalars(
            select(RenderedDocument)
            .where(
                RenderedDocument.status == RenderStatus.QUEUED,
                RenderedDocument.next_attempt_at_utc <= now,
                or_(RenderedDocument.claimed_until_utc.is_(None), RenderedDocument.claimed_until_utc < now),
            )
            .order_by(RenderedDocument.next_attempt_at_utc, RenderedDocument.id)
            .limit(1)
            .with_for_update(skip_locked=True, of=RenderedDocument)
            .execution_options(populate_existing=True)
        ).first()
        if row is None:
            db.session.commit()
            return None, abandoned
        if row.attempts >= _max_attempts():
            # Claimed that often without a result: the render kills or hangs its worker.
            _give_up(row, f"The renderer stopped before finishing, {row.attempts} times", now)
            db.session.commit()
            abandoned += 1
            continue
        row.attempts += 1
        row.claimed_until_utc = now + _lease()
        row.claimed_by = worker_id
        claim = Claim(row.id, row.kind, row.object_id, row.recipient_id, row.fingerprint, row.attempts)
        db.session.commit()
        return claim, abandoned


def _give_up(row: RenderedDocument, error: str, now: datetime) -> None:
    row.status = RenderStatus.FAILED
    row.last_error = error[:4000]
    row.claimed_until_utc = None
    row.claimed_by = None
    audit.record(
        "document.render_failed",
        row,
        f"The {row.kind.replace('_', ' ')} for {row.object_id} could not be rendered after "
        f"{row.attempts} attempts: {error[:200]}",
        kind=row.kind,
        object_id=row.object_id,
        recipient_id=row.recipient_id,
        attempts=row.attempts,
        error=error[:400],
    )


def _still_mine(claim: Claim, worker_id: str) -> Any:
    fingerprint = (
        RenderedDocument.fingerprint.is_(None)
        if claim.fingerprint is None
        else RenderedDocument.fingerprint == claim.fingerprint
    )
    return (
        RenderedDocument.id == claim.id,
        RenderedDocument.claimed_by == worker_id,
        RenderedDocument.status == RenderStatus.QUEUED,
        fingerprint,
    )


def render_claimed(claim: Claim, worker_id: str) -> str:
    """Render one claimed row and record the outcome: "rendered", "retrying", "failed" or "dropped"."""
    kind = _kinds().get(claim.kind)
    started = time.monotonic()
    rendered: Rendered | None = None
    failure: str | None = None
    try:
        if kind is None:
            raise LookupError(f"No renderer is registered for {claim.kind!r} documents")
        rendered = kind.render(claim.object_id, claim.recipient_id)
    except Exception as error:
        logger.exception("Rendering %s %s failed", claim.kind, claim.object_id)
        failure = f"{type(error).__name__}: {error}"
    finally:
        # The render only read: end its transaction (and its snapshot) before writing.
        db.session.rollback()
    if failure is not None:
        return _record_failure(claim, worker_id, failure)
    if rendered is None:
        db.session.execute(delete(RenderedDocument).where(*_still_mine(claim, worker_id)))
        db.session.commit()
        return "dropped"
    now = utc_now()
    stored = db.session.execute(
        update(RenderedDocument)
        .where(*_still_mine(claim, worker_id))
        .values(
            status=RenderStatus.READY,
            data=rendered.data,
            size_bytes=len(rendered.data),
            fingerprint=rendered.fingerprint,
            rendered_at_utc=now,
            render_seconds=round(time.monotonic() - started, 3),
            last_error=None,
            claimed_until_utc=None,
            claimed_by=None,
            updated_at_utc=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return "rendered" if cast(CursorResult[Any], stored).rowcount else "dropped"


def _record_failure(claim: Claim, worker_id: str, error: str) -> str:
    row = db.session.scalars(
        select(RenderedDocument)
        .where(*_still_mine(claim, worker_id))
        .with_for_update(of=RenderedDocument)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:  # taken over by a newer request meanwhile
        db.session.rollback()
        return "dropped"
    now = utc_now()
    if row.attempts >= _max_attempts():
        _give_up(row, error, now)
        outcome = "failed"
    else:
        row.last_error = error[:4000]
        row.claimed_until_utc = None
        row.claimed_by = None
        row.next_attempt_at_utc = now + FIRST_RETRY_DELAY * (2 ** (row.attempts - 1))
        outcome = "retrying"
    db.session.commit()
    return outcome


def prune(now: datetime) -> int:
    """Delete renders nobody has asked for in ``RENDER_KEEP_DAYS`` (a later download renders again)."""
    keep = timedelta(days=int(current_app.config.get("RENDER_KEEP_DAYS", DEFAULT_KEEP_DAYS)))
    result = db.session.execute(
        delete(RenderedDocument).where(
            RenderedDocument.updated_at_utc < now - keep,
            or_(RenderedDocument.claimed_until_utc.is_(None), RenderedDocument.claimed_until_utc < now),
        )
    )
    db.session.commit()
    return int(cast(CursorResult[Any], result).rowcount)


def render_due(*, worker_id: str | None = None, should_stop: Callable[[], bool] = lambda: False) -> RenderPass:
    """Render every due document, one claim at a time, until none is due. Needs an app context."""
    worker_id = worker_id or new_worker_id()
    result = RenderPass()
    while not should_stop():
        claim, abandoned = claim_next(worker_id)
        result.failed += abandoned
        if claim is None:
            break
        outcome = render_claimed(claim, worker_id)
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def run_render_worker(
    stop: threading.Event,
    *,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    report: Callable[[RenderPass], None] = lambda result: None,
) -> None:
    """Render until ``stop`` is set, polling every ``poll_seconds``; prune old renders hourly.

    A failing pass is logged and the worker carries on, like the outbox worker.
    """
    worker_id = new_worker_id()
    next_prune = 0.0
    while not stop.is_set():
        try:
            result = RenderPass()
            if time.monotonic() >= next_prune:
                result.pruned = prune(utc_now())
                next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
            result.add(render_due(worker_id=worker_id, should_stop=stop.is_set))
            if result.anything_happened:
                report(result)
        except Exception:
            logger.exception("Document renderer pass failed; trying again in %s seconds", poll_seconds)
            db.session.rollback()
        finally:
            db.session.remove()
        stop.wait(poll_seconds)


def start_render_thread(
    app: Flask,
    stop: threading.Event,
    *,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    report: Callable[[RenderPass], None] = lambda result: None,
) -> threading.Thread:
    """The renderer in a thread of this process, with its own app context and database session."""

    def _run() -> None:
        with app.app_context():
            run_render_worker(stop, poll_seconds=poll_seconds, report=report)

    thread = threading.Thread(target=_run, name="document-renderer", daemon=True)
    thread.start()
    return thread
