"""Forms for flagging and managing multi-agency cases, and the GOV.UK date field they share
with the agency return forms."""

from __future__ import annotations

from datetime import date
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import EmailField, Field, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, StopValidation

from agencies.models import ORGANISATION_KIND_LABELS, OrganisationKind
from core.forms import PortalForm, VersionedForm, long_text, short_text

# --- dates -----------------------------------------------------------------------------------


class GovDateWidget(GovDateInput):
    """GOV.UK date input that keeps exactly what was typed and links errors to the day box."""

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
            {"label": "Day", "id": field.id, "name": field.name, "classes": "govuk-input--width-2" + error,
             "value": day},
            {"label": "Month", "id": f"{field.id}-month", "name": field.name,
             "classes": "govuk-input--width-2" + error, "value": month},
            {"label": "Year", "id": f"{field.id}-year", "name": field.name, "classes": "govuk-input--width-4" + error,
             "value": year},
        ]
        params = super(GovDateInput, self).map_gov_params(field, **kwargs)
        params["id"] = f"{field.id}-date"
        return params


class DateField(Field):
    """A date typed as day, month and year boxes, with GOV.UK's error messages.

    A partly filled date is an error ("must include a month"), never silently dropped.
    """

    widget = GovDateWidget()

    def __init__(self, label: str | None = None, validators: list | None = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        return self.data.isoformat() if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [(value or "").strip() for value in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        if not any(parts):
            self.data = None
            return
        self.data = None
        label = self.label.text.removesuffix(" (optional)")
        missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
        if missing:
            raise ValueError(f"{label} must include a {' and a '.join(missing)}")
        day_text, month_text, year_text = parts
        if not (day_text.isdigit() and month_text.isdigit() and year_text.isdigit()) or len(year_text) != 4:
            raise ValueError(f"{label} must be a real date")
        try:
            self.data = date(int(year_text), int(month_text), int(day_text))
        except ValueError:
            raise ValueError(f"{label} must be a real date") from None


def required_date(message: str):  # type: ignore[no-untyped-def]
    """Like DataRequired, but says nothing more when the date was typed wrongly."""

    def _check(_form: object, field: Field) -> None:
        if field.data is None and not field.errors:
            raise StopValidation(message)

    return _check


def not_in_future(message: str):  # type: ignore[no-untyped-def]
    def _check(_form: object, field: Field) -> None:
        from core.formatting import utc_now
        from core.formatting import london_today

        if field.data is not None and field.data > london_today(utc_now()):
            raise StopValidation(message)

    return _check


def not_before(other: str, message: str):  # type: ignore[no-untyped-def]
    """This date must not be earlier than the date in field ``other`` (an end after its start)."""

    def _check(form: Any, field: Field) -> None:
        start = form[other].data
        if field.data is not None and start is not None and field.data < start:
            raise StopValidation(message)

    return _check


def validate_only(form: PortalForm, *names: str) -> bool:
    """Validate some fields of a form (and its CSRF token), for buttons such as "Add organisation"."""
    ok = True
    fields = [name for name in ("csrf_token", *names) if name in form]
    for name in fields:
        if not form[name].validate(form):
            ok = False
    return ok


# --- case details ------------------------------------------------------------------------------


class CaseDetailsForm(VersionedForm):
    reason = StringField(
        "Why this is a multi-agency case",
        description="For example, the agencies that knew the person and what the review found about their contact.",
        validators=[DataRequired(message="Enter why this is a multi-agency case"), *long_text(5000)],
        widget=GovTextArea(),
    )
    reply_by = DateField(
        "Reply by",
        description="The agencies are reminded 3 working days before and on the day after. For example, 27 3 2026",
        validators=[required_date("Enter the date the agencies should reply by")],
    )
    person_name = StringField(
        "Full name of the person on probation",
        description="Include any other names they were known by",
        validators=[DataRequired(message="Enter the person's full name"), *short_text()],
        widget=GovTextInput(),
    )
    date_of_birth = DateField(
        "Date of birth",
        description="For example, 31 3 1985",
        validators=[required_date("Enter the person's date of birth"),
                    not_in_future("Date of birth must be in the past")],
    )
    other_identifiers = StringField(
        "Other identifiers (optional)",
        description="For example, PNC number, NHS number, last known address or postcode",
        validators=[Optional(), *long_text(2000)],
        widget=GovTextArea(),
    )
    supervision_started_on = DateField("Supervision started (optional)", validators=[])
    supervision_ended_on = DateField(
        "Supervision ended (optional)",
        description="Leave blank if the person is still under supervision",
        validators=[not_before("supervision_started_on", "Supervision must end after it started")],
    )
    offence_on = DateField(
        "Date of the serious further offence (optional)",
        validators=[not_in_future("The date of the offence must be in the past")],
    )
    offence_category_id = SelectField(
        "Offence category", coerce=int, validate_choice=False,
        validators=[InputRequired(message="Select the offence category")], widget=GovSelect(),
    )
    partner_summary = StringField(
        "Summary for partner agencies",
        description="What the agencies need to know about the case. Do not repeat the identifying details here.",
        validators=[DataRequired(message="Enter a summary for the partner agencies"), *long_text(5000)],
        widget=GovTextArea(),
    )

    def validate_offence_category_id(self, field: SelectField) -> None:
        if not field.data or field.data not in dict(field.choices or []):
            raise StopValidation("Select the offence category")

    def validate_reply_by(self, field: DateField) -> None:
        from core.formatting import utc_now
        from core.formatting import london_today

        if field.data is not None and field.data <= london_today(utc_now()) and field.data != field.object_data:
            raise StopValidation("The reply-by date must be in the future")


# --- agencies ----------------------------------------------------------------------------------

AGENCY_KIND_CHOICES = [("", "Choose the kind of organisation")] + [
    (kind.value, label) for kind, label in ORGANISATION_KIND_LABELS.items() if kind != OrganisationKind.INSPECTORATE
]


class AgencyChoiceForm(PortalForm):
    """The agencies to ask, and a way to add one that is missing without losing the form."""

    organisation_ids = SelectMultipleField(
        "Agencies to ask",
        description="Select all that apply. Each agency's members are emailed a link to the request.",
        coerce=int,
        validate_choice=False,
        widget=GovCheckboxesInput(),
    )
    new_organisation_name = StringField("Name of the organisation", validators=[Optional(), *short_text()],
                                        widget=GovTextInput())
    new_organisation_kind = SelectField("Kind of organisation", choices=AGENCY_KIND_CHOICES,
                                        validators=[Optional()], widget=GovSelect())
    new_organisation_email = EmailField(
        "Shared contact email address (optional)",
        description="A team mailbox that should also receive the request",
        validators=[Optional(), Length(max=320, message="Email address must be 320 characters or fewer"),
                    Email(message="Enter an email address in the correct format, like team@example.org",
                          check_deliverability=False)],
        widget=GovTextInput(),
    )
    add_organisation = SubmitField("Add organisation", widget=GovSubmitInput())

    def validate_organisation_ids(self, field: SelectMultipleField) -> None:
        allowed = {value for value, _label in field.choices or []}
        if not field.data:
            raise StopValidation("Select at least one agency to ask")
        if any(value not in allowed for value in field.data):
            raise StopValidation("Select agencies from the list")

    def check_new_organisation(self) -> bool:
        """Validate the "add an organisation" fields alone; True when they are complete."""
        ok = validate_only(self, "new_organisation_name", "new_organisation_kind", "new_organisation_email")
        if not self.new_organisation_name.data:
            self.new_organisation_name.errors = [*self.new_organisation_name.errors,
                                                 "Enter the name of the organisation to add"]
            ok = False
        if self.new_organisation_kind.data not in dict(AGENCY_KIND_CHOICES) or not self.new_organisation_kind.data:
            self.new_organisation_kind.errors = [*self.new_organisation_kind.errors,
                                                 "Select the kind of organisation"]
            ok = False
        return ok

    def clear_new_organisation(self) -> None:
        for name in ("new_organisation_name", "new_organisation_kind", "new_organisation_email"):
            self[name].data = ""
            self[name].raw_data = None


class FlagCaseForm(CaseDetailsForm, AgencyChoiceForm):
    submit = SubmitField("Flag case and notify agencies", widget=GovSubmitInput())


class EditCaseForm(CaseDetailsForm):
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class InviteAgenciesForm(AgencyChoiceForm):
    submit = SubmitField("Notify agencies", widget=GovSubmitInput())


# --- the rest -----------------------------------------------------------------------------------


class FindReviewForm(PortalForm):
    reference = StringField(
        "Review reference",
        description="For example, SFO-2026-0123",
        validators=[DataRequired(message="Enter the review reference"), *short_text(40)],
        widget=GovTextInput(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class WithdrawInvitationForm(PortalForm):
    reason = StringField(
        "Why are you withdrawing the request?",
        description="Recorded in the audit trail. The agency loses access to the case at once.",
        validators=[DataRequired(message="Enter why you are withdrawing the request"), *long_text(2000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Withdraw request", widget=GovSubmitInput())


class ReopenReturnForm(PortalForm):
    reason = StringField(
        "Why are you reopening the return?",
        description="We email this to the agency so they know what to change. Do not include identifying details.",
        validators=[DataRequired(message="Enter why you are reopening the return"), *long_text(2000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Reopen return", widget=GovSubmitInput())


class CloseCaseForm(PortalForm):
    closed_on = DateField(
        "Date the case's work closed",
        description="The identifying details are erased when the retention period after this date ends.",
        validators=[required_date("Enter the date the case closed"),
                    not_in_future("The date the case closed must be today or in the past")],
    )
    submit = SubmitField("Close case", widget=GovSubmitInput())


class RetentionForm(PortalForm):
    retention_months = IntegerField(
        "Months to keep identifying details after a case closes",
        description="Between 1 and 120. The default is 12.",
        validators=[InputRequired(message="Enter a number of months"),
                    NumberRange(min=1, max=120, message="Enter a number of months between 1 and 120")],
        widget=GovTextInput(),
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # IntegerField's own message is "Not a valid integer value."; say it the GOV.UK way.
        if self.retention_months.process_errors:
            self.retention_months.process_errors = ["Enter a whole number of months, like 12"]
