"""Forms of the reviews blueprint: register entries, extensions, imports, sampling, standards
wording, offence categories, assignment and the QA assessment."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from core.forms import LIFE_DATES, DateField, PortalForm, VersionedForm, long_text, short_text
from reviews.models import ANSWER_LABELS, Standard
from reviews.rating import RATINGS_HIGH_TO_LOW
from reviews.sampling import DEFAULT_SHARE_PERCENT, MAX_SEED
from reviews.validation import AUTHOR_ROLE_MAX, FEEDBACK_MAX, SUMMARY_MAX, is_reference, normalise_reference

NOTE_MAX = 2_000


class OptionalRadioField(RadioField):
    """Radios that may be left unanswered (drafts); an answer must be one of the choices."""

    data: str | None

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, ""):
            self.data = None
            return
        if not any(str(choice.value) == str(self.data) for choice in self.choices):
            raise ValidationError("Select one of the options")


def _choice_or_none(value: object) -> str | None:
    return None if value in (None, "", "None") else str(value)


# --- the register ------------------------------------------------------------------------


class ReviewForm(VersionedForm):
    reference = StringField(
        "Reference (optional)",
        description="Leave blank and the portal gives the next reference for the year received, like SFO-2024-0012.",
        validators=[Optional(), *short_text(13)],
        widget=GovTextInput(),
    )
    region_id = SelectField(
        "Probation region",
        coerce=int,
        validators=[InputRequired(message="Select the probation region")],
        invalid_value_message="Select the probation region",
        invalid_choice_message="Select the probation region",
        widget=GovSelect(),
    )
    offence_category_id = SelectField(
        "Offence category",
        coerce=int,
        validators=[InputRequired(message="Select the offence category")],
        invalid_value_message="Select the offence category",
        invalid_choice_message="Select the offence category",
        widget=GovSelect(),
    )
    received_on = DateField(
        "Date the review was received",
        name_in_errors="Date received",
        required_message="Enter the date the review was received",
        description="For example, 17 12 2021",
    )
    offence_on = DateField("Date of the offence (optional)", window=LIFE_DATES, name_in_errors="Date of the offence")
    charged_on = DateField("Date of charge (optional)", window=LIFE_DATES, name_in_errors="Date of charge")
    author_role = StringField(
        "Review author's role (optional)",
        description="The job, not the name: for example, Head of Public Protection.",
        validators=[Optional(), *short_text(AUTHOR_ROLE_MAX)],
        widget=GovTextInput(),
    )
    summary = TextAreaField(
        "Summary",
        description="A short summary of the review. Do not include the names of the person on probation or of "
        "victims: the reference identifies the case.",
        validators=[DataRequired(message="Enter a short summary of the review"), *long_text(SUMMARY_MAX)],
        widget=GovTextArea(),
    )
    # The review's own timeline, before it reached the Inspectorate.
    hmpps_notified_on = DateField(
        "Date HMPPS was notified of the SFO (optional)",
        name_in_errors="Date HMPPS was notified",
        description="For example, 20 11 2023",
    )
    due_to_inspectorate_on = DateField(
        "Date the review was due to the Inspectorate (optional)",
        name_in_errors="Date due to the Inspectorate",
        description="Before any extension given to the region.",
    )
    probation_extension = OptionalRadioField(
        "Was the region given an extension to finish the review?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No"), SelectChoice("unknown", "Not recorded")],
        coerce=_choice_or_none,
        default="unknown",
        widget=GovRadioInput(),
    )
    probation_extension_days = IntegerField(
        "Length of the extension, in working days (optional)",
        validators=[Optional()],
        widget=GovTextInput(),
    )
    reason = TextAreaField(
        "Reason for the change",
        description="The QA report on this review has been issued. If you change its region, offence category or "
        "date received, say why: the reason is kept on the review's timeline and in the report's history.",
        validators=[Optional(), *long_text(2_000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Save review", widget=GovSubmitInput())

    def process(
        self, formdata: Any = None, obj: Any = None, data: Any = None, extra_filters: Any = None, **kwargs: Any
    ) -> None:
        super().process(formdata, obj, data, extra_filters, **kwargs)
        if self.probation_extension_days.process_errors:
            self.probation_extension_days.process_errors = [
                "Length of the extension must be a whole number of working days"
            ]

    def validate_reference(self, field: StringField) -> None:
        if field.data:
            field.data = normalise_reference(field.data)
            if not is_reference(field.data):
                raise ValidationError("Enter a reference like SFO-2024-0012")

    def validate_region_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select the probation region")

    def validate_offence_category_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select the offence category")


class ExtensionForm(VersionedForm):
    new_due_on = DateField(
        "New due date",
        name_in_errors="New due date",
        required_message="Enter the new due date",
        example_days_ahead=14,
    )
    reason = TextAreaField(
        "Reason for the extension",
        description="For example, the region asked for more time because the review was resubmitted.",
        validators=[DataRequired(message="Enter the reason for the extension"), *long_text(2_000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Extend the deadline", widget=GovSubmitInput())


class ImportUploadForm(PortalForm):
    file = FileField("Upload a CSV file", widget=GovFileInput())
    submit = SubmitField("Upload and check", widget=GovSubmitInput())


class ImportConfirmForm(PortalForm):
    reason = TextAreaField(
        "Reason for the changes",
        description="The file changes reviews whose QA report has been issued. Say why: the reason is kept on each "
        "review's timeline and in its report's history.",
        validators=[Optional(), *long_text(2_000)],
        widget=GovTextArea(),
    )


class SampleDrawForm(PortalForm):
    period_start = DateField(
        "Reviews received from",
        name_in_errors="Start of the period",
        required_message="Enter the start of the period",
        description="For example, 1 4 2024",
    )
    period_end = DateField(
        "Reviews received up to and including",
        name_in_errors="End of the period",
        required_message="Enter the end of the period",
        description="For example, 31 3 2025",
    )
    share_percent = IntegerField(
        "Share of reviews to sample, as a percentage",
        default=DEFAULT_SHARE_PERCENT,
        description="The consultation sets about 20%. Every region and offence category in the period is covered "
        "whatever the share.",
        validators=[
            InputRequired(message="Enter the share to sample, as a whole number from 1 to 100"),
            NumberRange(min=1, max=100, message="The share must be a whole number from 1 to 100"),
        ],
        widget=GovTextInput(),
    )
    seed = IntegerField(
        "Seed (optional)",
        description="Leave blank for a new random draw. Enter the seed of an earlier draw to reproduce it on the "
        "same reviews.",
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_SEED, message=f"The seed must be a whole number from 0 to {MAX_SEED}"),
        ],
        widget=GovTextInput(),
    )
    note = StringField(
        "Note (optional)",
        description="For example, quarter 1 sample.",
        validators=[Optional(), *short_text(500)],
        widget=GovTextInput(),
    )
    # A draw cannot be undone: the first submit shows what will be drawn; the check page posts
    # the same answers back with ``confirmed`` set, and only then is the sample drawn.
    confirmed = HiddenField()
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def process(
        self, formdata: Any = None, obj: Any = None, data: Any = None, extra_filters: Any = None, **kwargs: Any
    ) -> None:
        super().process(formdata, obj, data, extra_filters, **kwargs)
        # Whole numbers only: "20.5" or "twenty" are refused with the field's own message.
        for name, message in (
            ("share_percent", "The share must be a whole number from 1 to 100"),
            ("seed", f"The seed must be a whole number from 0 to {MAX_SEED}"),
        ):
            field = self[name]
            if field.process_errors:
                field.process_errors = [message]


class AssignForm(VersionedForm):
    assessor_id = SelectField(
        "Inspector",
        coerce=int,
        validators=[InputRequired(message="Select an inspector")],
        invalid_value_message="Select an inspector",
        invalid_choice_message="Select an inspector",
        widget=GovSelect(),
    )
    submit = SubmitField("Assign", widget=GovSubmitInput())

    def validate_assessor_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Select an inspector")


class IssueForm(VersionedForm):
    issued_on = DateField(
        "Date the report was issued (optional)",
        name_in_errors="Date the report was issued",
        description="Leave blank to issue it today. Enter an earlier date only to record a report already sent to "
        "the region outside the portal, for example 12 3 2026.",
    )
    reason = TextAreaField(
        "Reason for recording an earlier date (needed with an earlier date)",
        description="For example, sent by email before the portal was in use. Kept in the report's history.",
        validators=[Optional(), *long_text(2_000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Issue the QA report", widget=GovSubmitInput())


# --- standards and offence categories --------------------------------------------------------


class CopyStandardsForm(PortalForm):
    name = StringField(
        "Name of the new version",
        description="For example, 2025 revision.",
        validators=[DataRequired(message="Enter a name for the new version"), *short_text(100)],
        widget=GovTextInput(),
    )
    submit = SubmitField("Copy to a new draft", widget=GovSubmitInput())


class StandardWordingForm(PortalForm):
    title = StringField(
        "Title",
        validators=[DataRequired(message="Enter the standard's title"), *short_text(200)],
        widget=GovTextInput(),
    )
    statement = TextAreaField(
        "Statement",
        validators=[DataRequired(message="Enter the standard's statement"), *long_text(2_000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Save wording", widget=GovSubmitInput())


class WordingForm(PortalForm):
    text = TextAreaField(
        "Wording", validators=[DataRequired(message="Enter the wording"), *long_text(2_000)], widget=GovTextArea()
    )
    submit = SubmitField("Save wording", widget=GovSubmitInput())


class OffenceCategoryForm(PortalForm):
    name = StringField(
        "Name",
        validators=[DataRequired(message="Enter the offence category's name"), *short_text(120)],
        widget=GovTextInput(),
    )
    active = RadioField(
        "Can new reviews be filed under it?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No, keep it only for reviews already filed under it")],
        default="yes",
        validators=[InputRequired(message="Select whether new reviews can be filed under it")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Save offence category", widget=GovSubmitInput())


# --- the QA assessment -------------------------------------------------------------------

ANSWER_CHOICES = [SelectChoice(answer.value, label) for answer, label in ANSWER_LABELS.items()]
RATING_CHOICES = [SelectChoice(str(int(r)), f"{r.label} ({int(r)})") for r in RATINGS_HIGH_TO_LOW]


class AssessmentStandardForm(VersionedForm):
    """One standard's page of the assessment task list (its fields are added per standard)."""

    save_continue = SubmitField("Save and continue", widget=GovSubmitInput())
    save_return = SubmitField("Save and return to the task list", widget=GovSubmitInput())


def standard_form_class(standard: Standard) -> type[AssessmentStandardForm]:
    """A form with an answer and note per prompt of ``standard`` and its rating and feedback.

    Field names carry the row ids (``answer_<prompt id>``, ``rating_<standard id>``), which
    never change for a version, so a form typed against a version always maps back to it.
    """
    fields: dict[str, Any] = {}
    for prompt in standard.prompts:
        fields[f"answer_{prompt.id}"] = OptionalRadioField(
            f"{prompt.label}) {prompt.text}", choices=ANSWER_CHOICES, coerce=_choice_or_none, widget=GovRadioInput()
        )
        fields[f"note_{prompt.id}"] = TextAreaField(
            f"Note on {prompt.label} (optional)",
            validators=[Optional(), *long_text(NOTE_MAX)],
            widget=GovTextArea(),
        )
    fields[f"rating_{standard.id}"] = OptionalRadioField(
        f"Rating for standard {standard.number}",
        choices=RATING_CHOICES,
        coerce=_choice_or_none,
        widget=GovRadioInput(),
    )
    fields[f"feedback_{standard.id}"] = TextAreaField(
        f"Feedback on standard {standard.number}",
        description="Explain the judgement: the review's strengths and what it needed to do better.",
        validators=[Optional(), *long_text(FEEDBACK_MAX)],
        widget=GovTextArea(),
    )
    return type(f"AssessmentStandardForm{standard.id}", (AssessmentStandardForm,), fields)


class AssessmentSummaryForm(VersionedForm):
    summary = TextAreaField(
        "Summary of the judgements (optional)",
        description="Shown at the top of the QA report.",
        validators=[Optional(), *long_text(FEEDBACK_MAX)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Save and return to the task list", widget=GovSubmitInput())


class CompleteAssessmentForm(VersionedForm):
    submit = SubmitField("Mark as complete", widget=GovSubmitInput())
