"""PDF documents from Jinja templates, with WeasyPrint: one function for every PDF the portal makes.

Usage::

    from core.pdf import render_pdf

    pdf: bytes = render_pdf(
        "reviews/qa_report_pdf.html",        # renders the BODY's content only (no <html>/<head>)
        title="QA report SFO-2024-0012",      # the document title (PDF metadata and <title>)
        stamp="Prepared for Ann Example, Northshire Police on 5 March 2025",  # optional, every page
        stylesheets=[EXTRA_CSS],              # optional CSS strings added after the base styles
        review=review,                        # anything else is the template's context
    )
    return send_download(pdf, "qa-report-SFO-2024-0012.pdf", "application/pdf")

What every PDF gets, so callers need not think about it:

- the security marking (``marking``, default OFFICIAL-SENSITIVE) at the top and the bottom of
  every page, in the @page margin boxes, and "Page N of M" at the bottom right;
- the document title and language (``lang``, default en-GB) in the PDF's metadata, and a
  tagged PDF so screen readers can follow headings, lists and tables;
- Arial, or Liberation Sans (metrically the same) where Arial is not installed: one
  ``FontConfiguration`` is shared by the stylesheet and the rendering, or @font-face is ignored;
- print styles for the GOV.UK classes the HTML pages use (headings, body, tables, summary
  lists, tags, inset text), so a page's partial template can be included in its PDF as is;
- no network: only ``data:`` URLs and files under the portal's ``static/`` folder are fetched,
  so text that reaches a template can never make the server request another address.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from flask import render_template
from markupsafe import Markup, escape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from config import BASE_DIR

SECURITY_MARKING = "OFFICIAL-SENSITIVE"
STATIC_DIR = (BASE_DIR / "static").resolve()

BASE_CSS = """
@font-face { font-family: "Portal Sans"; font-weight: normal; font-style: normal;
             src: local("Arial"), local("ArialMT"), local("Liberation Sans"), local("LiberationSans"); }
@font-face { font-family: "Portal Sans"; font-weight: bold; font-style: normal;
             src: local("Arial Bold"), local("Arial-BoldMT"), local("Liberation Sans Bold"),
                  local("LiberationSans-Bold"); }
@font-face { font-family: "Portal Sans"; font-weight: normal; font-style: italic;
             src: local("Arial Italic"), local("Arial-ItalicMT"), local("Liberation Sans Italic"),
                  local("LiberationSans-Italic"); }

@page {
  size: A4;
  margin: 22mm 18mm 24mm;
  @top-center { content: var(--marking); font: bold 10pt "Portal Sans", Arial, sans-serif; letter-spacing: 0.05em; }
  @bottom-center { content: var(--marking); font: bold 10pt "Portal Sans", Arial, sans-serif; letter-spacing: 0.05em; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 9pt "Portal Sans", Arial, sans-serif; }
  @bottom-left { content: var(--stamp); font: 9pt "Portal Sans", Arial, sans-serif; width: 60mm; }
}
html { font-family: "Portal Sans", Arial, "Liberation Sans", sans-serif; font-size: 11pt; line-height: 1.35;
       color: #0b0c0c; }
body { margin: 0; }
h1, .govuk-heading-xl, .govuk-heading-l { font-size: 20pt; margin: 0 0 8mm; line-height: 1.15; }
h2, .govuk-heading-m { font-size: 15pt; margin: 8mm 0 3mm; break-after: avoid; }
h3, .govuk-heading-s { font-size: 12pt; margin: 5mm 0 2mm; break-after: avoid; }
.govuk-caption-l, .govuk-caption-m { display: block; color: #505a5f; font-size: 12pt; margin-bottom: 1mm; }
p, .govuk-body { margin: 0 0 3mm; }
.govuk-body-s, .govuk-hint { font-size: 9.5pt; color: #505a5f; }
.govuk-list { margin: 0 0 3mm; padding-left: 6mm; }
a { color: #0b0c0c; text-decoration: none; }
.govuk-visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.govuk-table, .govuk-summary-list { width: 100%; border-collapse: collapse; margin: 0 0 5mm; }
.govuk-table caption { text-align: left; font-weight: bold; margin-bottom: 2mm; }
.govuk-table th, .govuk-table td, .govuk-summary-list__key, .govuk-summary-list__value {
  border-bottom: 0.5pt solid #b1b4b6; padding: 2mm 3mm 2mm 0; text-align: left; vertical-align: top; }
.govuk-table th, .govuk-summary-list__key { font-weight: bold; }
.govuk-summary-list { display: table; }
.govuk-summary-list__row { display: table-row; break-inside: avoid; }
.govuk-summary-list__key, .govuk-summary-list__value { display: table-cell; }
.govuk-summary-list__key { width: 35%; }
.govuk-summary-list__actions { display: none; }
tr { break-inside: avoid; }
.govuk-tag { display: inline-block; border: 1pt solid #0b0c0c; padding: 0.3mm 1.5mm; font-weight: bold;
             font-size: 9.5pt; }
.govuk-inset-text { border-left: 3pt solid #b1b4b6; padding: 1mm 0 1mm 4mm; margin: 0 0 4mm; }
.govuk-section-break { border: 0; border-top: 0.5pt solid #b1b4b6; margin: 5mm 0; }
.app-security-marking, .govuk-button, .govuk-button-group, .app-no-print { display: none; }
.app-keep-together { break-inside: avoid; }
"""

_UNSAFE_CSS_TEXT = re.compile(r"[\x00-\x1f\x7f]")


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: margin-box content cannot break out of its rule."""
    cleaned = _UNSAFE_CSS_TEXT.sub(" ", text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{cleaned}"'


class LocalOnlyFetcher(URLFetcher):
    """Fetches ``data:`` URLs and files under ``static/``; refuses everything else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parsed = urlparse(url)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if not (path == STATIC_DIR or STATIC_DIR in path.parents):
                raise ValueError(f"PDFs may only use the portal's own static files, not {url[:80]!r}")
        elif parsed.scheme != "data":
            raise ValueError(f"PDFs may only use the portal's own static files, not {url[:80]!r}")
        return super().fetch(url, headers)


def render_pdf(
    template_name: str,
    *,
    title: str,
    marking: str = SECURITY_MARKING,
    stamp: str = "",
    lang: str = "en-GB",
    stylesheets: Sequence[str] = (),
    **context: Any,
) -> bytes:
    """Render ``template_name`` (the body's content) with ``context`` to PDF bytes. See the module doc."""
    body = render_template(template_name, title=title, marking=marking, pdf=True, **context)
    document = Markup(
        '<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
        "<body>{body}</body></html>"
    ).format(lang=escape(lang), title=escape(title), body=Markup(body))
    font_config = FontConfiguration()
    page_variables = f":root {{ --marking: {css_string(marking)}; --stamp: {css_string(stamp)}; }}"
    css = [CSS(string=BASE_CSS + page_variables, font_config=font_config)]
    css += [CSS(string=extra, font_config=font_config) for extra in stylesheets]
    pdf: bytes = HTML(
        string=str(document), base_url=STATIC_DIR.as_uri() + "/", url_fetcher=LocalOnlyFetcher()
    ).write_pdf(stylesheets=css, font_config=font_config, pdf_tags=True)
    return pdf
