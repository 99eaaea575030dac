"""Send a file to the browser as a download, safely.

Every download goes out as an attachment (never rendered in the portal's origin, so an HTML
or SVG file cannot run script), with a file name that cannot break the header or reach
another folder, and with ``Cache-Control: no-store`` because downloads may hold case data::

    from core.downloads import send_download
    return send_download(pdf_bytes, f"panel-pack-{panel.reference}.pdf", "application/pdf")
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response

MAX_NAME_LENGTH = 120
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")
# Characters that are never part of a name: control characters, path separators, quotes.
_NEVER = re.compile(r'[\x00-\x1f\x7f/\\"\';:*?<>|%]+')


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,10}", extension):
        return name, ""
    return stem, "." + extension.lower()


def _tidy(text: str, pattern: re.Pattern[str]) -> str:
    text = re.sub(r"-{2,}", "-", pattern.sub("-", text))
    return text.strip(" .-_")


def ascii_filename(filename: str, default: str = "download") -> str:
    """A plain ASCII name: letters, digits, dot, hyphen, underscore; no leading dot."""
    stem, extension = _split_extension(filename)
    stem = _tidy(unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode(), _UNSAFE_ASCII)
    return (stem[: MAX_NAME_LENGTH - len(extension)].rstrip(".-_") or default) + extension


def unicode_filename(filename: str, default: str = "download") -> str:
    """The name as given, less anything that is never part of a name (for filename*)."""
    stem, extension = _split_extension(unicodedata.normalize("NFC", filename))
    stem = _tidy(stem, _NEVER)
    return (stem[: MAX_NAME_LENGTH - len(extension)].rstrip(" .-_") or default) + extension


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the RFC 5987 ``filename*`` (UTF-8)."""
    fallback = ascii_filename(filename)
    full = unicode_filename(filename)
    header = f'attachment; filename="{fallback}"'
    if full != fallback:
        header += f"; filename*=UTF-8''{quote(full, safe='')}"
    return header


def send_download(data: bytes | str, filename: str, mimetype: str) -> Response:
    """A response that the browser saves as ``filename`` and nobody caches."""
    body = data.encode("utf-8") if isinstance(data, str) else data
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.content_length = len(body)
    return response
