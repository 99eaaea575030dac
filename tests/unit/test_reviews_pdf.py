"""core.pdf.render_pdf: marking and page numbers on every page, title and language, a stamp
that cannot break out of its CSS, and no fetching of anything but the portal's own files."""

from __future__ import annotations

import io

import pypdf
import pytest
from flask import Flask
from jinja2 import DictLoader

from core.pdf import STATIC_DIR, LocalOnlyFetcher, css_string, render_pdf


@pytest.fixture
def pdf_templates(app: Flask):
    loader = DictLoader(
        {
            "test_pdf/body.html": "<h1>{{ title }}</h1>{% for n in range(n_paragraphs) %}<p>Paragraph {{ n }} "
            '{{ text }}</p>{% endfor %}<img src="http://203.0.113.9/tracker.png" alt="">',
        }
    )
    app.jinja_loader.loaders.insert(0, loader)
    yield
    app.jinja_loader.loaders.remove(loader)


def _pages(data: bytes) -> tuple[pypdf.PdfReader, list[str]]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() for page in reader.pages]


def test_every_page_carries_the_marking_the_stamp_and_its_number(app: Flask, pdf_templates) -> None:
    with app.test_request_context():
        data = render_pdf(
            "test_pdf/body.html",
            title="A long document",
            stamp='Prepared for "Ann" <Example>',
            n_paragraphs=200,
            text="lorem ipsum dolor sit amet " * 4,
        )
    reader, pages = _pages(data)
    assert len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") == 2
        assert f"Page {number} of {len(pages)}" in text
        assert 'Prepared for "Ann" <Example>' in text
    assert reader.metadata.title == "A long document"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]  # tagged for screen readers


def test_the_marking_and_language_can_be_chosen(app: Flask, pdf_templates) -> None:
    with app.test_request_context():
        data = render_pdf("test_pdf/body.html", title="Short", marking="OFFICIAL", lang="cy", n_paragraphs=1, text="")
    reader, pages = _pages(data)
    assert "OFFICIAL" in pages[0] and "OFFICIAL-SENSITIVE" not in pages[0]
    assert reader.trailer["/Root"]["/Lang"] == "cy"


def test_a_title_with_markup_is_text(app: Flask, pdf_templates) -> None:
    with app.test_request_context():
        data = render_pdf("test_pdf/body.html", title="<script>x</script> & more", n_paragraphs=1, text="")
    reader, pages = _pages(data)
    assert reader.metadata.title == "<script>x</script> & more"
    assert "<script>x</script> & more" in pages[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", '"plain"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ('line\nbreak"; } @page { x', '"line break\\"; } @page { x"'),
    ],
)
def test_css_strings_cannot_end_early(text: str, expected: str) -> None:
    assert css_string(text) == expected


def test_only_data_urls_and_the_portals_static_files_are_fetched() -> None:
    fetcher = LocalOnlyFetcher()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    own = STATIC_DIR / "js" / "application.mjs"
    assert b"initAll" in fetcher.fetch(own.as_uri()).read()
    for url in (
        "http://203.0.113.9/tracker.png",
        "https://example.org/x.css",
        "file:///etc/passwd",
        f"file://{STATIC_DIR}/../config.py",
        "ftp://example.org/x",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
