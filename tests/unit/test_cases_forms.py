"""Form pieces of cases and returns: the GOV.UK date field and add/remove rows."""

from __future__ import annotations

from datetime import date

from flask import Flask
from werkzeug.datastructures import MultiDict

from cases.forms import DateField, required_date
from cases.returns.forms import ReturnForm, renumbered
from core.forms import PortalForm


class _DateForm(PortalForm):
    when = DateField("Date of birth", validators=[required_date("Enter the date of birth")])


def _form(app: Flask, *values: str) -> _DateForm:
    with app.test_request_context(method="POST", data=MultiDict([("when", v) for v in values])):
        form = _DateForm()
        form.validate()
        return form


def test_a_real_date_is_read_from_three_boxes(app: Flask) -> None:
    form = _form(app, "5", "3", "2021")
    assert form.when.data == date(2021, 3, 5) and form.when.errors == []


def test_a_partly_typed_date_says_what_is_missing_rather_than_being_dropped(app: Flask) -> None:
    form = _form(app, "5", "", "2021")
    assert form.when.data is None
    assert form.when.errors == ["Date of birth must include a month"]


def test_impossible_dates_and_words_are_refused(app: Flask) -> None:
    assert _form(app, "31", "2", "2021").when.errors == ["Date of birth must be a real date"]
    assert _form(app, "five", "3", "2021").when.errors == ["Date of birth must be a real date"]
    assert _form(app, "5", "3", "21").when.errors == ["Year must include 4 numbers"]


def test_a_blank_required_date_asks_for_it_once(app: Flask) -> None:
    assert _form(app, "", "", "").when.errors == ["Enter the date of birth"]


def test_the_date_boxes_show_back_exactly_what_was_typed(app: Flask) -> None:
    with app.test_request_context(method="POST", data=MultiDict([("when", "31"), ("when", "2"), ("when", "2021")])):
        form = _DateForm()
        form.validate()
        html = str(form.when())
    assert 'value="31"' in html and 'value="2"' in html and 'value="2021"' in html
    # The error summary links to the field id, which is the day box.
    assert 'id="when"' in html and 'name="when"' in html


def test_removing_a_row_keeps_every_other_row_as_typed() -> None:
    posted = MultiDict(
        [
            ("chronology-0-what_happened", "first"),
            ("chronology-0-happened_on", "1"),
            ("chronology-0-happened_on", "2"),
            ("chronology-0-happened_on", "20"),
            ("chronology-1-what_happened", "second"),
            ("chronology-2-what_happened", "third"),
            ("chronology-2-happened_on", "31"),
            ("chronology-2-happened_on", "2"),
            ("chronology-2-happened_on", "2021"),
            ("good_practice", "kept"),
            ("learning_points-1-description", "untouched"),
        ]
    )
    result = renumbered(posted, "chronology", 1)
    assert result.get("chronology-0-what_happened") == "first"
    assert result.getlist("chronology-0-happened_on") == ["1", "2", "20"]  # half-typed year kept as typed
    assert result.get("chronology-1-what_happened") == "third"
    assert result.getlist("chronology-1-happened_on") == ["31", "2", "2021"]
    assert "chronology-2-what_happened" not in result
    assert result.get("good_practice") == "kept"
    assert result.get("learning_points-1-description") == "untouched"


def test_a_hostile_number_of_rows_is_capped(app: Flask) -> None:
    # A chronology may be long (an agency's spreadsheet imported); it is bounded all the same.
    from cases.returns.forms import MAX_CHRONOLOGY_ROWS, MAX_ROWS

    data = MultiDict(
        [(f"chronology-{n}-what_happened", "x") for n in range(1000)]
        + [(f"learning_points-{n}-description", "x") for n in range(500)]
    )
    with app.test_request_context(method="POST", data=data):
        form = ReturnForm(theme_choices=[])
        assert len(form.chronology.entries) <= MAX_CHRONOLOGY_ROWS == 400
        assert len(form.learning_points.entries) <= MAX_ROWS == 60
