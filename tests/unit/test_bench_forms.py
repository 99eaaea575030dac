"""The mixed workload reads a form as a browser would submit it (bench/mixed.py)."""

from __future__ import annotations

import pytest

from bench.measure import BenchError
from bench.mixed import filled, form_fields

PAGE = """
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="other"></form>
<form method="post" novalidate>
  <input type="hidden" name="csrf_token" value="token-1">
  <input type="hidden" name="version" value="3">
  <input type="radio" name="status" value="open">
  <input type="radio" name="status" value="in_progress" checked>
  <input type="checkbox" name="reasons" value="a" checked>
  <input type="checkbox" name="reasons" value="b">
  <input type="checkbox" name="reasons" value="c" checked>
  <input type="text" name="disabled_one" value="x" disabled>
  <textarea name="progress">
Line one &amp; two</textarea>
  <select name="theme"><option value="">Choose</option><option value="7" selected>Seven</option></select>
  <select name="level"><option value="local">Local</option><option value="national">National</option></select>
  <button type="submit" name="action" value="save">Save</button>
</form>
"""


def test_the_form_posting_back_gives_its_successful_controls() -> None:
    fields = form_fields(PAGE, "/cases/returns/5/edit")

    assert fields == [
        ("csrf_token", "token-1"),
        ("version", "3"),
        ("status", "in_progress"),
        ("reasons", "a"),
        ("reasons", "c"),
        ("progress", "Line one & two"),
        ("theme", "7"),
        ("level", "local"),
    ]


def test_changes_replace_a_field_or_add_it() -> None:
    fields = [("csrf_token", "t"), ("progress", "old")]

    assert filled(fields, {"progress": "new", "action": "save"}) == [
        ("csrf_token", "t"),
        ("progress", "new"),
        ("action", "save"),
    ]


def test_a_page_without_the_form_is_an_error() -> None:
    with pytest.raises(BenchError):
        form_fields('<form method="post" action="/logout"></form>', "/learning/actions/1/update")
