"""core.downloads: every download is an attachment with a safe name, read back with the
standard library's own header parser."""

from __future__ import annotations

from email.message import Message
from email.utils import collapse_rfc2231_value

import pytest

from core.downloads import ascii_filename, content_disposition, send_download


def parsed(header: str) -> tuple[str | None, str | None, str | None]:
    """(disposition, the ASCII filename, the decoded filename*), as a mail/HTTP client reads them."""
    message = Message()
    message["Content-Disposition"] = header
    plain = extended = None
    for name, value in message.get_params(header="Content-Disposition")[1:]:
        if name != "filename":
            continue
        if isinstance(value, tuple):  # RFC 2231/5987 filename*: (charset, language, text)
            extended = collapse_rfc2231_value(value)
        else:
            plain = value
    return message.get_content_disposition(), plain, extended


@pytest.mark.parametrize(
    ("given", "ascii_name", "full_name"),
    [
        ("audit-trail.csv", "audit-trail.csv", None),
        ("Pánel pack – SFO-2024-0001.pdf", "Panel-pack-SFO-2024-0001.pdf", "Pánel pack – SFO-2024-0001.pdf"),
        ("../../etc/passwd", "etc-passwd", None),
        ("C:\\Windows\\system.ini", "C-Windows-system.ini", None),
        ('evil".pdf; filename="x.html', "evil-.pdf-filename-x.html", "evil-.pdf- filename=-x.html"),
        ("a\r\nSet-Cookie: x=1.pdf", "a-Set-Cookie-x-1.pdf", "a-Set-Cookie- x=1.pdf"),
        (".htaccess", "download.htaccess", None),
        ("日本語.pdf", "download.pdf", "日本語.pdf"),
        ("", "download", None),
    ],
)
def test_names_are_made_safe_and_the_full_name_travels_in_filename_star(
    given: str, ascii_name: str, full_name: str | None
) -> None:
    header = content_disposition(given)
    assert "\r" not in header and "\n" not in header
    disposition, plain, decoded = parsed(header)
    assert disposition == "attachment"
    assert plain == ascii_name
    assert decoded == full_name
    for name in (plain, decoded or ""):
        assert "/" not in name and "\\" not in name and not name.startswith(".")


def test_long_names_are_cut_but_keep_their_extension() -> None:
    name = ascii_filename("x" * 500 + ".csv")
    assert len(name) <= 120 and name.endswith(".csv")


def test_send_download_is_an_uncached_attachment(app) -> None:
    response = send_download("a,b\n1,2\n", "Réport.csv", "text/csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.content_length == len("a,b\n1,2\n")
    assert parsed(response.headers["Content-Disposition"]) == ("attachment", "Report.csv", "Réport.csv")
    pdf = send_download(b"%PDF-1.7", "pack.pdf", "application/pdf")
    assert pdf.get_data() == b"%PDF-1.7" and pdf.mimetype == "application/pdf"
