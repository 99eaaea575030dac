"""A form a view fills from its record on GET must not be refilled over the text someone typed
before being signed out (core/held_forms.py). Views ask ``form.fills_from_record()``, which is
false while the form shows held text; a bare ``request.method == "GET"`` before a refill would
throw that text away. The scan reads the source, so a view added later is held to the rule."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

APP_PACKAGES = ["agencies", "cases", "core", "learning", "notifications", "panels", "portal", "reviews"]


def _is_bare_get_check(test: ast.expr) -> bool:
    """``request.method == "GET"``, alone or as the first operand of an ``and``."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        test = test.values[0]
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Attribute)
        and test.left.attr == "method"
        and isinstance(test.left.value, ast.Name)
        and test.left.value.id == "request"
        and any(isinstance(c, ast.Constant) and c.value == "GET" for c in test.comparators)
    )


def _refills_a_form(body: list[ast.stmt]) -> bool:
    """Sets a form field's ``.data``, or calls a filling helper (``fill_from``, ``_fill_*``, ``_prefill*``)."""
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Attribute) and t.attr == "data" for t in node.targets):
                return True
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "fill_from" or name.startswith(("_fill", "_prefill")):
                return True
    return False


def bare_refills(source: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.If) and _is_bare_get_check(node.test) and _refills_a_form(node.body)
    ]


def test_the_scan_finds_a_bare_refill_and_passes_the_guarded_one() -> None:
    bare = 'def view():\n    form = F()\n    if request.method == "GET":\n        form.title.data = panel.title\n'
    guarded = bare.replace('request.method == "GET"', "form.fills_from_record()")
    assert bare_refills(bare) == [3]
    assert bare_refills(guarded) == []


def test_no_view_refills_a_form_over_held_text() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in APP_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in bare_refills(Path(path).read_text())
    ]
    assert found == [], "use form.fills_from_record() before refilling a form on GET: " + ", ".join(found)
