"""Forms for the merged chronology: its filters (a GET form), the inspector's decisions about
rows, rows from the SFO review, the people named for the anonymised view, and the upload of
an agency's chronology spreadsheet."""

from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired

from cases.chronology.models import SFO_REVIEW_SOURCE
from cases.chronology.rules import PersonRole
from core.forms import (
    LIFE_DATES,
    DateField,
    PortalForm,
    VersionedForm,
    long_text,
    not_before,
    not_in_future,
    required_date,
    short_text,
)


class FilterForm(PortalForm):
    """Which agencies and dates to show. Read from the query string; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    agency = SelectMultipleField("Agencies", coerce=int, widget=GovCheckboxesInput(), validate_choice=False)
    start = DateField("From", window=LIFE_DATES, description="For example, 1 3 2024")
    end = DateField(
        "To",
        window=LIFE_DATES,
        validators=[not_before("start", "The ‘to’ date must be the same as or after the ‘from’ date")],
    )


class DecisionForm(PortalForm):
    first = HiddenField(validators=[DataRequired()])
    second = HiddenField(validators=[DataRequired()])
    decision = HiddenField()  # the pressed button's value: "same" or "distinct"


class AddedRowForm(VersionedForm):
    happened_on = DateField(
        "Date of the contact",
        window=LIFE_DATES,
        validators=[
            required_date("Enter the date of the contact"),
            not_in_future("The date of a contact must be in the past"),
        ],
    )
    what_happened = StringField(
        "What happened",
        validators=[DataRequired(message="Enter what happened"), *long_text(5000)],
        widget=GovTextArea(),
    )
    significance = StringField("Why it is significant (optional)", validators=long_text(5000), widget=GovTextArea())
    significant = BooleanField("This contact is significant", widget=GovCheckboxInput())
    source = StringField(
        "Where it comes from",
        description="For example, the SFO review, or probation's case records",
        default=SFO_REVIEW_SOURCE,
        validators=[DataRequired(message="Enter where the contact is recorded"), *short_text()],
        widget=GovTextInput(),
    )
    submit = SubmitField("Save row", widget=GovSubmitInput())


class CasePersonForm(PortalForm):
    role = RadioField(
        "Who is this?",
        choices=[
            SelectChoice(role.value, role.label) for role in (PersonRole.VICTIM, PersonRole.CHILD, PersonRole.SUBJECT)
        ],
        validators=[InputRequired(message="Select who this is")],
        widget=GovRadioInput(),
    )
    name = StringField(
        "Full name",
        description="As the agencies write it. Each part of the name is replaced too (a first name alone, say).",
        validators=[DataRequired(message="Enter the name"), *short_text()],
        widget=GovTextInput(),
    )
    submit = SubmitField("Add name", widget=GovSubmitInput())


class ImportUploadForm(PortalForm):
    file = FileField("Upload a spreadsheet", widget=GovFileInput())
    submit = SubmitField("Upload and check", widget=GovSubmitInput())
