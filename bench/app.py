"""The portal as the benchmark serves it: the production app plus one reference page.

The reference page is registered only here, never in the production app: it renders the
portal's layout (header, footer, GOV.UK template) with no database work, so each real page's
throughput can be read as a fraction of what the layout alone allows on this machine.
"""

from __future__ import annotations

import os
from datetime import timedelta

from flask import Flask, render_template
from jinja2 import ChoiceLoader, DictLoader

REFERENCE_PATH = "/__bench__/reference"
SECRET_KEY = "bench-only-secret-key-not-for-any-real-use"  # nosec B105 - loopback benchmark only

REFERENCE_TEMPLATE = """{% extends "layout.html" %}
{% set title = "Reference page" %}
{% block main_content %}
<h1 class="govuk-heading-l">Reference page</h1>
<p class="govuk-body">The layout alone, with no database work: the benchmark's yardstick.</p>
{% endblock %}
"""


def create_bench_app(database_url: str) -> Flask:
    from agencies import access
    from portal.app import create_app

    # Development settings (SQLite in WAL mode when it is SQLite), without debug, two-step
    # sign-in or anything that would make the benchmark measure something users never get.
    app = create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=database_url,
        SECRET_KEY=SECRET_KEY,
        REQUIRE_TWO_FACTOR=False,
        SHOW_TRACEBACKS=False,
        DEBUG=False,
        TEMPLATES_AUTO_RELOAD=False,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=2),
        RATELIMIT_ENABLED=False,
    )
    app.jinja_loader = ChoiceLoader([DictLoader({"bench/reference.html": REFERENCE_TEMPLATE}), app.jinja_loader])

    @app.get(REFERENCE_PATH)
    @access.public
    def bench_reference():
        return render_template("bench/reference.html")

    return app


def app_from_environment() -> Flask:
    """For gunicorn: ``bench.wsgi:app`` with BENCH_DB_URL set by the runner."""
    return create_bench_app(os.environ["BENCH_DB_URL"])
