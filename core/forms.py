"""Form helpers shared by every blueprint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSelect, GovSubmitInput
from wtforms import Field, FieldList, FormField, HiddenField, SelectMultipleField, SubmitField
from wtforms.fields.core import UnboundField
from wtforms.form import BaseForm
from wtforms.validators import Length, StopValidation, ValidationError

# Generous but bounded: a very long string is refused with a message, never a 500.
LONG_TEXT = 20_000
SHORT_TEXT = 200


class PortalForm(FlaskForm):
    """Base form. Only fields declared on the form are read: extra posted fields are ignored."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: BaseForm, formdata: Any) -> Any:
            # A form's page shows what the person typed before being signed out, if it is
            # held for them (core/held_forms.py); otherwise Flask-WTF's own choice.
            wrapped = super().wrap_formdata(form, formdata)
            if wrapped is None and formdata is _Auto:
                from core.held_forms import held_formdata

                held = held_formdata()
                form.restored = held is not None
                return held
            return wrapped

        # Strip surrounding white space from every text field.
        def bind_field(self, form: BaseForm, unbound_field: UnboundField, options: dict[str, Any]) -> Field:
            # Lists and sub-forms take no filters; their own fields are stripped when bound.
            if issubclass(unbound_field.field_class, (FieldList, FormField)):
                return unbound_field.bind(form=form, **options)
            filters = unbound_field.kwargs.get("filters", [])
            if _strip not in filters:
                filters = [_strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)

    restored = False  # bound to text held for the person since their session ended

    def fills_from_record(self) -> bool:
        """A GET that should show the record's own values: not when the form shows what the
        person typed before being signed out (core/held_forms.py), which a refill would lose."""
        return request.method == "GET" and not self.restored


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class VersionedForm(PortalForm):
    """A form for a record several people edit; ``version`` detects a stale save."""

    version = HiddenField()


def refuse_stale(form: VersionedForm, current_version: int, reason: str | None = None) -> None:
    """Refuse a stale save: keep what was typed on screen, say why, and carry the current
    version so that a second, informed save goes through (unless ``reason`` says the record
    is now locked)."""
    from core.db import StaleEdit

    form.version.errors = [reason or str(StaleEdit())]
    form.version.data = str(current_version)
    form.version.raw_data = [str(current_version)]


class ConfirmForm(PortalForm):
    """A button alone (with CSRF): for actions such as deactivate, retry, withdraw."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


# 0 stands for "none chosen" in optional selects of ids.
NONE = 0


def coerce_optional_int(value: Any) -> int:
    """'' and None mean 'none chosen'; anything not a number is refused as a choice, not a 500."""
    if value in (None, ""):
        return NONE
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def no_control_characters(_form: object, field: object) -> None:
    value = getattr(field, "data", None)
    if isinstance(value, str) and any(ord(c) < 32 and c not in "\t" for c in value):
        raise ValidationError("Enter text on one line, without special characters")


def short_text(max_length: int = SHORT_TEXT) -> list:
    return [Length(max=max_length, message=f"Must be {max_length} characters or fewer"), no_control_characters]


def long_text(max_length: int = LONG_TEXT) -> list:
    return [Length(max=max_length, message=f"Must be {max_length:,} characters or fewer")]


FieldCheck = Callable[[Any, Field], None]


def one_of_the_choices(message: str) -> FieldCheck:
    """The posted value (or each of them, for checkboxes) must be one the page offered.

    For selects whose options the view fills in (``validate_choice=False``), so the message is the
    page's own rather than WTForms' "Not a valid choice". Values are compared as text, since the
    options may carry ids and the posted value may not have been coerced; an empty select counts as
    "" so that an optional "Choose ..." option is accepted.
    """

    def _check(_form: object, field: Field) -> None:
        offered = {str(choice.value) for choice in field.choices or []}
        values = list(field.data or []) if isinstance(field, SelectMultipleField) else [field.data]
        if any(("" if value is None else str(value)) not in offered for value in values):
            raise StopValidation(message)

    return _check


class GovGroupedSelect(GovSelect):
    """The GOV.UK select, with ``<optgroup>``s for choices that name one (``SelectChoice(...,
    optgroup=...)``) and each option's ``render_kw`` as its attributes. govukSelect has no groups,
    so it renders templates/core/grouped_select.html (the same markup, plus the groups)."""

    template = "core/grouped_select.html"

    def __call__(self, field: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("id", field.id)
        if "required" not in kwargs and "required" in getattr(field, "flags", []):
            kwargs["required"] = True
        items: list[dict[str, Any]] = []
        for group, choices in field.iter_groups():
            options = [
                {"text": c.label, "value": c.value, "selected": c.selected, "attributes": c.render_kw or {}}
                for c in choices
            ]
            if group is None:
                items.extend(options)
            else:
                items.append({"group": group, "items": options})
        kwargs["items"] = items
        # GovSelect.__call__ would flatten the groups: go straight to the GOV.UK parameters.
        return self.render(self.map_gov_params(field, **kwargs))


# --- dates: the one GOV.UK date field -------------------------------------------------------


@dataclass(frozen=True)
class DateWindow:
    """The dates a field takes: from ``earliest`` to the end of the year ``years_ahead`` from now.

    A date outside it is a typing slip (01/01/0001, 31/12/9999), refused with a GOV.UK message
    rather than stored to break a calendar file, a reference or a reporting year later on.
    """

    earliest: date
    years_ahead: int

    def latest(self, today: date | None = None) -> date:
        from core.formatting import london_today

        return date((today or london_today()).year + self.years_ahead, 12, 31)

    def problem(self, day: date, name: str, today: date | None = None) -> str | None:
        """The message for ``day`` outside the window, None inside it."""
        from core.formatting import govuk_date

        latest = self.latest(today)
        if self.earliest <= day <= latest:
            return None
        return f"{name} must be between {govuk_date(self.earliest)} and {govuk_date(latest)}"


# The portal's own work (reviews, cases, panels, actions): from 2000 to ten years ahead.
WORK_DATES = DateWindow(earliest=date(2000, 1, 1), years_ahead=10)
# A person's history (births, offences, agencies' contacts): from 1900 to the end of this year.
LIFE_DATES = DateWindow(earliest=date(1900, 1, 1), years_ahead=0)


class GovDateWidget(GovDateInput):
    """GOV.UK date input that shows back exactly what was typed and links errors to the day box."""

    def map_gov_params(self, field: Field, **kwargs: Any) -> dict[str, Any]:
        raw = list(field.raw_data or [])
        if len(raw) == 3:
            day, month, year = raw
        elif field.data:
            day, month, year = str(field.data.day), str(field.data.month), str(field.data.year)
        else:
            day = month = year = ""
        error = " govuk-input--error" if field.errors else ""
        kwargs.setdefault("params", {})
        kwargs["params"].setdefault("fieldset", {"legend": {"text": field.label.text}})
        # The day box takes the field's own id, so the error summary's link lands in it.
        kwargs["params"]["items"] = [
            {
                "label": "Day",
                "id": field.id,
                "name": field.name,
                "classes": "govuk-input--width-2" + error,
                "value": day,
            },
            {
                "label": "Month",
                "id": f"{field.id}-month",
                "name": field.name,
                "classes": "govuk-input--width-2" + error,
                "value": month,
            },
            {
                "label": "Year",
                "id": f"{field.id}-year",
                "name": field.name,
                "classes": "govuk-input--width-4" + error,
                "value": year,
            },
        ]
        params: dict[str, Any] = super(GovDateInput, self).map_gov_params(field, **kwargs)
        params["id"] = f"{field.id}-date"
        return params


class DateField(Field):
    """A date typed as day, month and year boxes, with the GOV.UK error message for each way a
    date goes wrong ("Date of birth must include a month", "must be a real date", "Year must
    include 4 numbers"). A partly filled date is an error, never silently dropped.

    ``name_in_errors`` names the date in messages (default: the label without "(optional)");
    ``required_message``, when given, is the message for a date left blank; ``window`` is the
    dates the field takes (``WORK_DATES`` unless the field is about a person's history).
    ``example_days_ahead`` ends the hint with an example that many days after today ("For
    example, 27 3 2027"), so a date that must lie ahead is never shown with an example already past.
    """

    widget = GovDateWidget()
    data: date | None

    def __init__(
        self,
        label: str | None = None,
        validators: list | None = None,
        *,
        name_in_errors: str | None = None,
        required_message: str | None = None,
        window: DateWindow = WORK_DATES,
        example_days_ahead: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.name_in_errors = name_in_errors or self.label.text.removesuffix(" (optional)")
        self.required_message = required_message
        self.window = window
        self._problem: str | None = None
        if example_days_ahead is not None:
            from core.formatting import london_today

            example = london_today() + timedelta(days=example_days_ahead)
            given: str = str(kwargs.get("description") or "")
            lead = f"{given} " if given else ""
            self.description = f"{lead}For example, {example.day} {example.month} {example.year}"

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [str(value or "").strip()[:10] for value in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts  # the widget shows back exactly three boxes, whatever was posted
        self.data = None
        self._problem = None
        day, month, year = parts
        if not any(parts):
            self._problem = self.required_message
            return
        missing = [name for name, value in zip(("day", "month", "year"), parts, strict=True) if not value]
        if missing:
            self._problem = f"{self.name_in_errors} must include a {' and a '.join(missing)}"
        elif not all(part.isdigit() for part in parts):
            self._problem = f"{self.name_in_errors} must be a real date"
        elif len(year) != 4:
            self._problem = "Year must include 4 numbers"
        else:
            try:
                self.data = date(int(year), int(month), int(day))
            except ValueError:
                self._problem = f"{self.name_in_errors} must be a real date"

    def pre_validate(self, form: Any) -> None:
        if self._problem:
            raise StopValidation(self._problem)
        if self.data is not None and (outside := self.window.problem(self.data, self.name_in_errors)):
            raise StopValidation(outside)

    @property
    def entered(self) -> date:
        """The date of a required field (``required_message`` or ``required_date``), read after ``validate``."""
        if self.data is None:
            raise ValueError(f"{self.name} has no date: it must be required and the form validated")
        return self.data

    def _value(self) -> str:
        return self.data.isoformat() if isinstance(self.data, date) else ""


def required_date(message: str) -> FieldCheck:
    """Like DataRequired, but says nothing more when the date was typed wrongly."""

    def _check(_form: object, field: Field) -> None:
        if field.data is None and not field.errors:
            raise StopValidation(message)

    return _check


def not_in_future(message: str) -> FieldCheck:
    def _check(_form: object, field: Field) -> None:
        from core.formatting import london_today

        if field.data is not None and field.data > london_today():
            raise StopValidation(message)

    return _check


def not_before(other: str, message: str) -> FieldCheck:
    """This date must not be earlier than the date in field ``other`` (an end after its start)."""

    def _check(form: Any, field: Field) -> None:
        start = form[other].data
        if field.data is not None and start is not None and field.data < start:
            raise StopValidation(message)

    return _check


def validate_only(form: PortalForm, *names: str) -> bool:
    """Validate some fields of a form (and its CSRF token), for buttons such as "Add organisation"."""
    ok = True
    for name in (name for name in ("csrf_token", *names) if name in form):
        if not form[name].validate(form):
            ok = False
    return ok
