"""Unbounded request bodies: a 300 MB POST to any URL, or a 1 GB multipart body, was read whole
(or spooled to disk) because nothing capped it and a hook read ``request.form`` before sign-in
and CSRF. Now every body is capped (``MAX_CONTENT_LENGTH``, larger only where a route names an
upload allowance and the person is signed in) and none is read before its route is known to
take it from this person. The bodies here are never built: a stream counts what the app reads."""

from __future__ import annotations

import io

import pytest
from flask import Flask

from agencies.models import Role
from tests.conftest import make_user
from tests.factories.chronology import OverlapWorld, overlap_world

MB = 1_000_000


class CountingBody(io.RawIOBase):
    """A request body of ``size`` bytes that exists only as far as someone reads it."""

    def __init__(self, size: int, head: bytes = b"") -> None:
        self.size, self.head, self.position, self.read_bytes = size, head, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # the test client measures the body by seeking to its end
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = {0: offset, 1: self.position + offset, 2: self.size + offset}[whence]
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = max(0, min(len(buffer), self.size - self.position))
        start = self.position
        chunk = bytes(self.head[start : start + n]).ljust(n, b"x")
        buffer[:n] = chunk
        self.position += n
        self.read_bytes += n
        return n


def post_declared(client, path: str, size: int, *, multipart: bool = False):  # type: ignore[no-untyped-def]
    part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n'
    body = CountingBody(size, part if multipart else b"a=")
    response = client.post(
        path,
        input_stream=body,
        content_type="multipart/form-data; boundary=b" if multipart else "application/x-www-form-urlencoded",
    )
    return response, body.read_bytes


@pytest.fixture
def world() -> OverlapWorld:
    return overlap_world()


def test_the_global_limit_is_a_few_megabytes(app: Flask) -> None:
    assert 1 * MB <= app.config["MAX_CONTENT_LENGTH"] <= 5 * MB


@pytest.mark.parametrize("path", ["/no-such-page", "/login/nothing/here", "/"])
def test_a_huge_post_to_no_route_is_answered_unread(client, path: str) -> None:
    response, read = post_declared(client, path, 300 * MB)
    assert response.status_code in (404, 405)
    assert read == 0
    assert "govuk-heading-l" in response.get_data(as_text=True)


def test_a_huge_multipart_post_to_the_sign_in_page_is_refused_unread(client) -> None:
    response, read = post_declared(client, "/login", 1000 * MB, multipart=True)
    assert response.status_code == 413 and read == 0
    page = response.get_data(as_text=True)
    assert "<title>What you sent is too large – Learning panels</title>" in page
    assert '<h1 class="govuk-heading-l">What you sent is too large</h1>' in page


def test_a_post_to_a_signed_in_route_is_not_read_for_someone_not_signed_in(client) -> None:
    small, read_small = post_declared(client, "/account/password", 1000)
    assert small.status_code == 302 and "/login" in small.headers["Location"] and read_small == 0
    big, read_big = post_declared(client, "/account/password", 300 * MB, multipart=True)
    assert big.status_code == 302 and read_big == 0


def test_an_upload_route_takes_no_more_than_the_global_limit_from_someone_not_signed_in(client, world) -> None:
    response, read = post_declared(
        client, f"/cases/returns/{world.health_return.id}/documents", 20 * MB, multipart=True
    )
    assert response.status_code == 302 and read == 0


def test_a_signed_in_person_gets_a_413_page_past_the_limit_on_an_ordinary_form(app: Flask, client_for) -> None:
    client = client_for(make_user(Role.INSPECTOR))
    response, read = post_declared(client, "/account/password", app.config["MAX_CONTENT_LENGTH"] + 1)
    assert response.status_code == 413 and read == 0
    assert "What you sent is too large" in response.get_data(as_text=True)


def test_an_upload_route_allows_its_allowance_and_no_more(app: Flask, client_for, world) -> None:
    client = client_for(world.health_member)
    path = f"/cases/returns/{world.health_return.id}/documents"
    allowed = app.config["DOCUMENT_UPLOAD_ALLOWANCE"]
    assert allowed > app.config["MAX_CONTENT_LENGTH"]
    within, read = post_declared(client, path, app.config["MAX_CONTENT_LENGTH"] + MB, multipart=True)
    assert within.status_code != 413 and read > app.config["MAX_CONTENT_LENGTH"]
    beyond, read = post_declared(client, path, allowed + 1, multipart=True)
    assert beyond.status_code == 413 and read == 0


def test_allowances_are_named_only_by_the_upload_decorator(app: Flask) -> None:
    """Every view with a bigger allowance got it from ``upload_allowance`` and names a setting."""
    marked = {name: view for name, view in app.view_functions.items() if getattr(view, "_upload_allowance", None)}
    assert marked, "the upload routes carry their allowance"
    for name, view in marked.items():
        assert view._upload_allowance in app.config, name
        assert app.config[view._upload_allowance] <= 40 * MB, name
