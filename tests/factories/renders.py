"""Downloads of rendered documents (core/renders.py) the way a person gets them: the request
asks for the file and shows "being prepared"; the background renderer (run here, in the test,
as the worker would) writes it; the next request downloads it."""

from __future__ import annotations

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from core import renders
from extensions import db


def run_renderer() -> renders.RenderPass:
    """One pass of the background renderer over everything waiting, as ``flask notifications render`` does."""
    db.session.commit()  # the test's own changes must be visible to the worker's transactions
    return renders.render_due()


def download(client: FlaskClient, url: str) -> TestResponse:
    """GET ``url``; if its file is still being prepared, run the renderer and GET it again."""
    first = client.get(url)
    if first.status_code != 202:
        return first
    assert "is being prepared" in first.get_data(as_text=True)
    run_renderer()
    return client.get(url)
