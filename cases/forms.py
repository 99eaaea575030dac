"""Forms for flagging and managing multi-agency cases."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, StopValidation

from agencies.models import ORGANISATION_KIND_LABELS, OrganisationKind
from core.forms import (
    LIFE_DATES,
    DateField,
    PortalForm,
    VersionedForm,
    long_text,
    not_before,
    not_in_future,
    one_of_the_choices,
    required_date,
    short_text,
    validate_only,
)
from core.submissions import SentOnce

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
        description="The agencies are reminded 3 working days before and on the day after.",
        example_days_ahead=28,
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
        window=LIFE_DATES,
        description="For example, 31 3 1985",
        validators=[
            required_date("Enter the person's date of birth"),
            not_in_future("Date of birth must be in the past"),
        ],
    )
    other_identifiers = StringField(
        "Other identifiers (optional)",
        description="For example, PNC number, NHS number, last known address or postcode",
        validators=[Optional(), *long_text(2000)],
        widget=GovTextArea(),
    )
    supervision_started_on = DateField("Supervision started (optional)", window=LIFE_DATES, validators=[])
    supervision_ended_on = DateField(
        "Supervision ended (optional)",
        window=LIFE_DATES,
        description="Leave blank if the person is still under supervision",
        validators=[not_before("supervision_started_on", "Supervision must end after it started")],
    )
    offence_on = DateField(
        "Date of the serious further offence (optional)",
        window=LIFE_DATES,
        validators=[not_in_future("The date of the offence must be in the past")],
    )
    offence_category_id = SelectField(
        "Offence category",
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(message="Select the offence category")],
        widget=GovSelect(),
    )
    partner_summary = StringField(
        "Summary for partner agencies",
        description="What the agencies need to know about the case. Do not repeat the identifying details here.",
        validators=[DataRequired(message="Enter a summary for the partner agencies"), *long_text(5000)],
        widget=GovTextArea(),
    )

    def validate_offence_category_id(self, field: SelectField) -> None:
        # 0 is the "Choose an offence category" prompt.
        if not field.data:
            raise StopValidation("Select the offence category")
        one_of_the_choices("Select the offence category")(self, field)

    def validate_reply_by(self, field: DateField) -> None:
        from core.formatting import london_today, utc_now

        if field.data is not None and field.data <= london_today(utc_now()) and field.data != field.object_data:
            raise StopValidation("The reply-by date must be in the future")


# --- agencies ----------------------------------------------------------------------------------

AGENCY_KIND_CHOICES = [SelectChoice("", "Choose the kind of organisation")] + [
    SelectChoice(kind.value, label)
    for kind, label in ORGANISATION_KIND_LABELS.items()
    if kind != OrganisationKind.INSPECTORATE
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
    new_organisation_name = StringField(
        "Name of the organisation", validators=[Optional(), *short_text()], widget=GovTextInput()
    )
    new_organisation_kind = SelectField(
        "Kind of organisation", choices=AGENCY_KIND_CHOICES, validators=[Optional()], widget=GovSelect()
    )
    new_organisation_email = EmailField(
        "Shared contact email address (optional)",
        description="A team mailbox that should also receive the request",
        validators=[
            Optional(),
            Length(max=320, message="Email address must be 320 characters or fewer"),
            Email(
                message="Enter an email address in the correct format, like team@example.org",
                check_deliverability=False,
            ),
        ],
        widget=GovTextInput(),
    )
    add_organisation = SubmitField("Add organisation", widget=GovSubmitInput())

    def validate_organisation_ids(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise StopValidation("Select at least one agency to ask")
        one_of_the_choices("Select agencies from the list")(self, field)

    def check_new_organisation(self) -> bool:
        """Validate the "add an organisation" fields alone; True when they are complete."""
        ok = validate_only(self, "new_organisation_name", "new_organisation_kind", "new_organisation_email")
        if not self.new_organisation_name.data:
            self.new_organisation_name.errors = [
                *self.new_organisation_name.errors,
                "Enter the name of the organisation to add",
            ]
            ok = False
        kind = self.new_organisation_kind.data
        if not kind or kind not in {choice.value for choice in AGENCY_KIND_CHOICES}:
            self.new_organisation_kind.errors = [*self.new_organisation_kind.errors, "Select the kind of organisation"]
            ok = False
        return ok

    def clear_new_organisation(self) -> None:
        for name in ("new_organisation_name", "new_organisation_kind", "new_organisation_email"):
            self[name].data = ""
            self[name].raw_data = None


class FlagCaseForm(SentOnce, CaseDetailsForm, AgencyChoiceForm):
    submit = SubmitField("Flag case and notify agencies", widget=GovSubmitInput())


class EditCaseForm(CaseDetailsForm):
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class InviteAgenciesForm(SentOnce, AgencyChoiceForm):
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
        validators=[
            required_date("Enter the date the case closed"),
            not_in_future("The date the case closed must be today or in the past"),
        ],
    )
    submit = SubmitField("Close case", widget=GovSubmitInput())


class RetentionForm(PortalForm):
    retention_months = IntegerField(
        "Months to keep identifying details after a case closes",
        description="Between 1 and 120. The default is 12.",
        validators=[
            InputRequired(message="Enter a number of months"),
            NumberRange(min=1, max=120, message="Enter a number of months between 1 and 120"),
        ],
        widget=GovTextInput(),
    )
    erase_documents = BooleanField(
        "Also delete the documents agencies attached to their returns",
        description="Documents often name the person, victims and children. Unticked, they are kept with the returns.",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # IntegerField's own message is "Not a valid integer value."; say it the GOV.UK way.
        if self.retention_months.process_errors:
            self.retention_months.process_errors = ["Enter a whole number of months, like 12"]


# --- learning themes (admin) ----------------------------------------------------------------


class ThemeForm(PortalForm):
    name = StringField(
        "Theme",
        description="For example, Information sharing",
        validators=[DataRequired(message="Enter the name of the theme"), *short_text(120)],
        widget=GovTextInput(),
    )
    active = BooleanField(
        "Offer this theme for new learning",
        description="A theme that is no longer offered stays on the learning already filed under it.",
        default=True,
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Save theme", widget=GovSubmitInput())
