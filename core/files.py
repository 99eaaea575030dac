"""Files people upload (an agency's documents on its return, evidence on an action's progress),
kept in the database so that every app server sees them and backups include them.

What every stored file gets, whoever stores it:

- **Its type from its content, never its name.** libmagic (python-magic) reads the bytes;
  zip containers are opened to tell Word, Excel and OpenDocument apart (libmagic alone often
  says only "zip"), and Office files carrying macros are refused. Only ``ACCEPTED`` types are
  kept: PDF, Word, Excel, OpenDocument text and spreadsheets, plain text and CSV, PNG, JPEG
  and GIF images. HTML, SVG, scripts and programs never are.
- **A safe name**: ``core.downloads.unicode_filename`` (no paths, quotes or control
  characters), with the extension of the type found appended when the name's own does not fit.
- **Chunks of ``CHUNK_BYTES``** in ``stored_file_chunks``: a download streams chunk by chunk,
  so a worker never holds a whole large file in memory and one query never moves megabytes.
- **A malware check** before anyone may download it. With ``ANTIVIRUS_COMMAND`` set (for
  example ``clamdscan --no-summary -``: the file on standard input; exit 0 clean, 1 infected,
  anything else "try again") a new file is "being checked" until the outbox worker has run the
  scanner on it (``scan_waiting_files``, run on every pass of ``flask notifications send``).
  Scanning is kept out of the upload request on purpose: a scanner that is slow, loading its
  signatures or down must not hold a web worker or lose an upload; the page says "being
  checked" meanwhile. With no command configured (development) a file is available at once.

Domain packages link their own rows to a ``StoredFile`` (``cases`` for documents on returns,
``learning`` for evidence) and decide who may download it; this module never decides access.
"""

from __future__ import annotations

import enum
import hashlib
import io
import logging
import shlex
import subprocess  # nosec B404 - runs the administrator's configured scanner, no shell
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, current_app, request, stream_with_context
from flask_login import current_user
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from core import audit
from core.db import TimestampMixin, UTCDateTime, enum_column
from core.downloads import content_disposition, unicode_filename
from core.formatting import utc_now
from extensions import Base, db

logger = logging.getLogger(__name__)

CHUNK_BYTES = 512 * 1024
# A scanner that has failed this many times leaves the file unavailable ("could not be checked").
MAX_SCAN_ATTEMPTS = 5
SCAN_BATCH = 20
EICAR_SIGNATURE = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"


class ScanStatus(enum.StrEnum):
    CHECKING = "checking"
    CLEAN = "clean"
    INFECTED = "infected"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {
            "checking": "Being checked",
            "clean": "Available",
            "infected": "Blocked: failed the virus check",
            "failed": "Could not be checked",
        }[self.value]

    @property
    def tag_class(self) -> str:
        return {
            "checking": "govuk-tag--yellow",
            "clean": "govuk-tag--green",
            "infected": "govuk-tag--red",
            "failed": "govuk-tag--grey",
        }[self.value]


class StoredFile(TimestampMixin, Base):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    type_label: Mapped[str] = mapped_column(String(60), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    scan_status: Mapped[ScanStatus] = mapped_column(
        enum_column(ScanStatus), nullable=False, default=ScanStatus.CHECKING, index=True
    )
    scan_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    scanned_at_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scan_detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    @property
    def available(self) -> bool:
        return self.scan_status == ScanStatus.CLEAN

    @property
    def size_text(self) -> str:
        return file_size(self.size_bytes)

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    def __repr__(self) -> str:
        return f"<StoredFile {self.id} {self.content_type} {self.size_bytes}B {self.scan_status}>"


class StoredFileChunk(Base):
    __tablename__ = "stored_file_chunks"
    __table_args__ = (UniqueConstraint("file_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


# --- types ---------------------------------------------------------------------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

# content type -> (what people call it, the extension a name should end with)
ACCEPTED: dict[str, tuple[str, str]] = {
    "application/pdf": ("PDF", ".pdf"),
    "application/msword": ("Word document", ".doc"),
    DOCX: ("Word document", ".docx"),
    "application/vnd.ms-excel": ("Excel spreadsheet", ".xls"),
    XLSX: ("Excel spreadsheet", ".xlsx"),
    ODT: ("OpenDocument text", ".odt"),
    ODS: ("OpenDocument spreadsheet", ".ods"),
    "text/plain": ("Plain text", ".txt"),
    "text/csv": ("CSV", ".csv"),
    "image/png": ("PNG image", ".png"),
    "image/jpeg": ("JPEG image", ".jpg"),
    "image/gif": ("GIF image", ".gif"),
}
# Extensions a name may already carry for a type (so "scan.jpeg" is not renamed "scan.jpeg.jpg").
_ALSO = {".jpg": {".jpeg"}, ".txt": {".text", ".log", ".md", ".csv"}, ".csv": {".txt"}}
# Text that a browser or spreadsheet would run, whatever it is called.
_ACTIVE_TEXT = ("text/html", "text/xml", "application/xml", "image/svg+xml", "text/javascript", "text/x-shellscript")

ACCEPTED_DESCRIPTION = (
    "PDF, Word (.doc, .docx), Excel (.xls, .xlsx), OpenDocument (.odt, .ods), plain text or CSV, "
    "and PNG, JPEG or GIF images"
)


class FileRefused(ValueError):
    """The upload cannot be kept; the message is for the person who chose the file."""


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str
    extension: str


def _magic_type(data: bytes) -> str:
    import magic

    return str(magic.from_buffer(data[: 256 * 1024], mime=True))


def _zip_type(data: bytes) -> str | None:
    """Word, Excel or OpenDocument, from the parts inside the container; None for any other zip."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if "mimetype" in names:
            declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
            return declared if declared in (ODT, ODS) else None
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise FileRefused("The selected file contains macros. Save it without macros and try again")
    if "[Content_Types].xml" not in names:
        return None
    if any(name.startswith("word/") for name in names):
        return DOCX
    if any(name.startswith("xl/") for name in names):
        return XLSX
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def detect_type(data: bytes) -> FileType:
    """What the file is, from its bytes; FileRefused for anything the portal does not keep."""
    found = _magic_type(data)
    if found in ("application/zip", "application/octet-stream", DOCX, XLSX, ODT, ODS) or found.startswith(
        "application/vnd.openxmlformats"
    ):
        zipped = _zip_type(data)
        if zipped is not None:
            found = zipped
    elif found in _ACTIVE_TEXT:
        raise FileRefused("The selected file is a web page or script, which cannot be uploaded")
    elif found.startswith("text/"):
        # libmagic guesses a language for text that looks like code ("text/x-c"): it is still text.
        if not _is_text(data):
            raise FileRefused(f"The selected file must be {ACCEPTED_DESCRIPTION}")
        found = "text/csv" if found == "text/csv" else "text/plain"
    if found not in ACCEPTED:
        raise FileRefused(f"The selected file must be {ACCEPTED_DESCRIPTION}")
    label, extension = ACCEPTED[found]
    return FileType(found, label, extension)


def safe_name(filename: str, file_type: FileType) -> str:
    """The name as given, less anything unsafe, ending with an extension that fits the content."""
    name = unicode_filename(filename.replace("\\", "/").rsplit("/", 1)[-1], default="document")
    stem, dot, extension = name.rpartition(".")
    current = f".{extension.lower()}" if dot else ""
    if current != file_type.extension and current not in _ALSO.get(file_type.extension, set()):
        name = f"{name}{file_type.extension}"
    return name[-255:]


def file_size(size: int) -> str:
    """'850 KB', '2.4 MB' (decimal units, as people see them on their own computer)."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{max(1, round(size / 1000))} KB"
    megabytes = size / 1_000_000
    return f"{megabytes:.1f} MB" if megabytes < 10 else f"{round(megabytes)} MB"


# --- reading an upload ---------------------------------------------------------------------


def read_upload(upload: Any, max_bytes: int) -> bytes:
    """The bytes of a posted file, refusing it (without reading further) past ``max_bytes``."""
    if upload is None or not getattr(upload, "filename", ""):
        raise FileRefused("Select a file")
    data: bytes = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileRefused(f"The selected file must be smaller than {file_size(max_bytes)}")
    if not data:
        raise FileRefused("The selected file is empty")
    return data


def store_file(data: bytes, filename: str, *, by: Any = None) -> StoredFile:
    """Check and keep a file; it is available at once unless a scanner is configured."""
    file_type = detect_type(data)
    scanning = bool(current_app.config.get("ANTIVIRUS_COMMAND"))
    stored = StoredFile(
        filename=safe_name(filename, file_type),
        content_type=file_type.content_type,
        type_label=file_type.label,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        scan_status=ScanStatus.CHECKING if scanning else ScanStatus.CLEAN,
        scan_detail="" if scanning else "No scanner configured (ANTIVIRUS_COMMAND is not set)",
        uploaded_by_id=getattr(by, "id", None),
    )
    db.session.add(stored)
    db.session.flush()
    db.session.add_all(
        StoredFileChunk(file_id=stored.id, position=n, data=data[offset : offset + CHUNK_BYTES])
        for n, offset in enumerate(range(0, len(data), CHUNK_BYTES))
    )
    db.session.flush()
    return stored


def delete_file(stored: StoredFile) -> None:
    """Remove a file and its content (the database cascades the chunks)."""
    db.session.execute(delete(StoredFileChunk).where(StoredFileChunk.file_id == stored.id))
    db.session.delete(stored)


def file_bytes(stored: StoredFile) -> bytes:
    """The whole content (for the pack's annexes and the scanner): one query."""
    chunks = db.session.scalars(
        select(StoredFileChunk.data).where(StoredFileChunk.file_id == stored.id).order_by(StoredFileChunk.position)
    )
    return b"".join(chunks)


def stream_download(stored: StoredFile) -> Response:
    """The file as an attachment, sent chunk by chunk (one small query per chunk).

    Only call it for an available file: the caller has checked access and audited the read.
    """
    file_id, chunks = stored.id, (stored.size_bytes + CHUNK_BYTES - 1) // CHUNK_BYTES

    def body() -> Iterator[bytes]:
        for position in range(chunks):
            data = db.session.scalar(
                select(StoredFileChunk.data).where(
                    StoredFileChunk.file_id == file_id, StoredFileChunk.position == position
                )
            )
            if data is None:
                return
            yield data
        db.session.rollback()  # end the read's transaction: no idle connection after a long download

    response = Response(stream_with_context(body()), mimetype=stored.content_type)
    response.headers["Content-Disposition"] = content_disposition(stored.filename)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Even opened in the portal's origin, the file may run nothing and load nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.content_length = stored.size_bytes
    return response


# --- the per-endpoint request-body allowance ------------------------------------------------


def upload_allowance(config_key: str) -> Callable[[Any], Any]:
    """Let this endpoint's requests be as large as the setting ``config_key`` (bytes).

    The one way a route takes a body bigger than ``MAX_CONTENT_LENGTH``: uploads need more
    than any other form. The allowance is applied in a ``before_request`` hook that runs before
    anything reads the body (CSRF protection, the throttles), and only for a signed-in person:
    someone not signed in gets the global limit, whatever the route. Put it innermost (just
    above the view function): the access decorators copy the mark outwards.
    """

    def decorator(view: Any) -> Any:
        view._upload_allowance = config_key
        return view

    return decorator


def _apply_upload_allowance() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    key = getattr(view, "_upload_allowance", None)
    if key and current_user.is_authenticated:
        request.max_content_length = int(current_app.config[key])


def init_app(app: Any) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _apply_upload_allowance)


# --- the malware-scanning seam --------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    status: ScanStatus | None  # None: the scanner could not decide (try again later)
    detail: str


def run_scanner(command: str, data: bytes, timeout: float) -> Verdict:
    """Run the configured scanner with the file on standard input.

    The ClamAV convention: exit 0 clean, 1 infected, anything else an error.
    """
    try:
        completed = subprocess.run(  # nosec B603 - argument list from the administrator's setting, no shell
            shlex.split(command), input=data, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return Verdict(None, f"The scanner did not answer within {timeout:g} seconds")
    except OSError as error:
        return Verdict(None, f"The scanner could not be started: {error}")
    said = (completed.stdout or b"").decode("utf-8", "replace").strip()[:500]
    if completed.returncode == 0:
        return Verdict(ScanStatus.CLEAN, said or "Clean")
    if completed.returncode == 1:
        return Verdict(ScanStatus.INFECTED, said or "Infected")
    problem = (completed.stderr or b"").decode("utf-8", "replace").strip()[:500]
    return Verdict(None, f"The scanner failed (exit {completed.returncode}): {problem or said}")


def scan_waiting_files(now: datetime | None = None) -> int:
    """Scan the files still being checked; return how many were decided. The worker runs it.

    Each file is locked while it is scanned (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
    workers never scan the same file) and its verdict committed on its own.
    """
    command = current_app.config.get("ANTIVIRUS_COMMAND", "")
    if not command:
        return 0
    timeout = float(current_app.config.get("ANTIVIRUS_TIMEOUT_SECONDS", 120))
    decided = 0
    tried: set[int] = set()
    while len(tried) < SCAN_BATCH:
        stored = db.session.scalar(
            select(StoredFile)
            .where(StoredFile.scan_status == ScanStatus.CHECKING, StoredFile.id.not_in(tried or {0}))
            .order_by(StoredFile.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if stored is None:
            break
        tried.add(stored.id)
        verdict = run_scanner(command, file_bytes(stored), timeout)
        stored.scan_attempts += 1
        stored.scanned_at_utc = now or utc_now()
        stored.scan_detail = verdict.detail
        if verdict.status is not None:
            stored.scan_status = verdict.status
            decided += 1
        elif stored.scan_attempts >= MAX_SCAN_ATTEMPTS:
            stored.scan_status = ScanStatus.FAILED
            decided += 1
        if stored.scan_status != ScanStatus.CHECKING:
            audit.record(
                "file.scanned",
                stored,
                f"Malware check of {stored.filename}: {stored.scan_status.label.lower()}",
                status=stored.scan_status.value,
                detail=verdict.detail,
            )
        if stored.scan_status == ScanStatus.INFECTED:
            logger.warning("Stored file %s failed the malware check: %s", stored.id, verdict.detail)
        db.session.commit()
    return decided
