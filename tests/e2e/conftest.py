"""Fixtures for browser journeys: a live server on loopback and Chromium driven by Playwright.

- ``live_server`` (session): the suite's own ``app`` (same migrated database, emptied after
  every test) served by Werkzeug on 127.0.0.1 and a free port, in a thread. Requests there
  run in that thread's own app and request contexts, not the test's.
- ``page`` (function): a page in a fresh browser context (its own cookies) whose relative
  URLs go to the live server: ``page.goto("/login")``. ``open_page()`` gives more of them,
  one per person, for journeys where several people take turns.
- During every journey the background renderer runs in a thread (as ``flask notifications send
  --loop`` runs it beside the web servers), so a PDF download shows "being prepared", then
  refreshes into the file; ``portal.renderer.stop()`` holds it back for a journey that looks
  at that page.
- During every journey CSRF protection is ON (the rest of the suite runs without it), and
  the test fails if the server logged an unhandled error or answered 5xx, or if the browser
  reported a script error or a Content Security Policy refusal.

Journeys are marked ``e2e`` automatically and skipped, with the reason, only when
/usr/bin/chromium is missing (CI installs it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = not CHROMIUM.exists()
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            if missing:
                item.add_marker(
                    pytest.mark.skip(reason=f"browser journeys need Chromium at {CHROMIUM} (apt-get install chromium)")
                )


# --- the live server --------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """No line per request in the test output; errors are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class BackgroundRenderer:
    """The PDF renderer (core/renders.py) in a thread with its own app context and session."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        from core import renders

        if self._thread is None:
            self._stop = threading.Event()
            self._thread = renders.start_render_thread(self.app, self._stop, poll_seconds=0.2)

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=120)
            self._thread = None


@dataclass
class LiveServer:
    url: str
    server: BaseWSGIServer
    problems: list[str] = field(default_factory=list)
    renderer: BackgroundRenderer | None = None

    def __call__(self, path: str) -> str:
        return self.url + path


class _ErrorCollector(logging.Handler):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(level=logging.ERROR)
        self.problems = problems

    def emit(self, record: logging.LogRecord) -> None:
        self.problems.append(f"server logged: {self.format(record)}")


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", server=server)
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def portal(app: Flask, live_server: LiveServer) -> Iterator[LiveServer]:
    """The live server for one journey: CSRF on, unhandled server errors fail the test."""
    from extensions import db

    # Whatever the test has set up must be committed before the browser asks for it.
    db.session.commit()
    csrf_before = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    refresh_before = app.config["RENDER_REFRESH_SECONDS"]
    app.config["RENDER_REFRESH_SECONDS"] = 1
    live_server.renderer = BackgroundRenderer(app)
    live_server.renderer.start()
    live_server.problems.clear()
    collector = _ErrorCollector(live_server.problems)
    collector.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    watched = [logging.getLogger(name) for name in ("core.errors", "core.renders", "werkzeug", "flask.app")]
    for logger in watched:
        logger.addHandler(collector)
    try:
        yield live_server
    finally:
        live_server.renderer.stop()
        for logger in watched:
            logger.removeHandler(collector)
        app.config["WTF_CSRF_ENABLED"] = csrf_before
        app.config["RENDER_REFRESH_SECONDS"] = refresh_before


# --- the browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _watch(page, problems: list[str]) -> None:
    """Record what a person would not see but a broken page shows: script errors, CSP refusals, 5xx."""
    documents: set[str] = set()
    page.last_document_status = 200

    def on_response(response) -> None:
        if response.request.resource_type == "document" and response.frame == page.main_frame:
            documents.add(response.url)
            page.last_document_status = response.status
        if response.status >= 500:
            problems.append(f"HTTP {response.status} for {response.request.method} {response.url}")

    def on_console(message) -> None:
        if message.type != "error":
            return
        # A page that is meant to be a 403 or 404 logs its own status; that is not a fault.
        if message.text.startswith("Failed to load resource") and message.location.get("url") in documents:
            return
        problems.append(f"console error on {page.url}: {message.text} ({message.location.get('url')})")

    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))


@pytest.fixture
def open_page(browser, portal: LiveServer, request: pytest.FixtureRequest, tmp_path: Path):
    """``open_page()`` gives a page in a new browser context: a different person's browser."""
    contexts = []
    pages = []
    problems: list[str] = []

    def _open() -> object:
        context = browser.new_context(base_url=portal.url, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(10_000)
        page = context.new_page()
        _watch(page, problems)
        contexts.append(context)
        pages.append(page)
        return page

    yield _open

    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for number, page in enumerate(pages, start=1):
            try:
                page.screenshot(path=str(tmp_path / f"page-{number}.png"), full_page=True)
                (tmp_path / f"page-{number}.html").write_text(page.content())
            except Exception:  # noqa: BLE001 - the page may already be gone; the failure is reported anyway
                continue
        print(f"\nBrowser state when the journey failed: {tmp_path}")
        if problems or portal.problems:
            print("Also seen during the journey:\n" + "\n".join(problems + portal.problems))
    for context in contexts:
        context.close()
    everything = problems + portal.problems
    if everything and not (report is not None and report.failed):
        pytest.fail("The journey passed, but:\n" + "\n".join(everything), pytrace=False)


@pytest.fixture
def page(open_page: Callable[[], object]) -> object:
    return open_page()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    # Keep the call phase's report on the item so fixtures can save the browser state on failure.
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
