"""CSV injection: exports neutralise text a spreadsheet would run, and leave numbers as numbers.

Every export goes through ``core.tabular.csv_text``; a check below fails if a module writes CSV
another way. The weaknesses these tests hold shut: a guard that put an apostrophe before any
cell starting with ``-`` (a change of -19 read ``'-19``), and one that let text starting with
whitespace then ``=`` through (`` =1+1`` in the audit trail).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core import audit
from core.tabular import csv_cell, csv_safe, csv_text
from extensions import db
from tests.conftest import ROOT

APP_PACKAGES = ("agencies", "cases", "core", "learning", "notifications", "panels", "portal", "reviews")


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize("number", [-19, -0.5, Decimal("-2.5"), 0, 7, 1e-3])
def test_numbers_stay_numbers(number: object) -> None:
    assert csv_cell(number) == number
    rows = parse(csv_text(["Measure", "Change"], [["Good or better", number]]))
    assert rows[1][1] == str(number)


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+1",
        "-1+1",
        "-19",
        "@SUM(A1)",
        " =1+1",
        "   +cmd|' /C calc'!A0",
        "\t=1+1",
        "\n=1+1",
        "\r\n@x",
        "\u00a0=1+1",
        "\u3000-2",
        "\u200b=1+1",
        " \t \u00a0@x",
        "\tplain",
    ],
)
def test_text_that_a_spreadsheet_would_run_is_neutralised(text: str) -> None:
    assert csv_safe(text) == "'" + text
    assert csv_cell(text) == "'" + text
    assert parse(csv_text(["Summary"], [[text]]))[1][0] == "'" + text


@pytest.mark.parametrize("text", ["plain", "a=b", "1-2", "email@example.org", "", "  spaced", "2025-03-05"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert csv_safe(text) == text


def test_dates_booleans_and_blanks_are_data() -> None:
    rows = parse(csv_text(["When", "Done", "Note"], [[date(2025, 3, 5), True, None]]))
    assert rows[1] == ["2025-03-05", "Yes", ""]


def test_headers_are_neutralised_too() -> None:
    assert parse(csv_text([" =HYPERLINK(1)"], []))[0] == ["' =HYPERLINK(1)"]


def test_the_audit_export_neutralises_text_after_whitespace(client_for, admin) -> None:
    audit.record("test.csv", summary=" =1+1", actor_email="\t@evil.example")
    db.session.commit()
    response = client_for(admin).get("/admin/audit.csv?action=test.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["summary"] for row in rows] == ["' =1+1"]
    assert rows[0]["actor_email"] == "'\t@evil.example"


def test_every_csv_export_goes_through_the_one_writer() -> None:
    """A module writing CSV itself would bypass the guard: only core/tabular.py may."""
    writers = []
    for package in APP_PACKAGES:
        for path in sorted(Path(ROOT, package).rglob("*.py")):
            if path == Path(ROOT, "core", "tabular.py"):
                continue
            if re.search(r"\bcsv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")):
                writers.append(str(path.relative_to(ROOT)))
    assert writers == []
