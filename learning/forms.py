"""Forms for shared learning, action records and progress updates.

Choices are filled by the view from what the person may pick (this case's submitted
learning points, the assessment's standards); WTForms then refuses anything else.
"""

from __future__ import annotations

from typing import Any

from flask_wtf.file import MultipleFileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, ValidationError

from cases.themes import LEARNING_LEVEL_LABELS
from core.forms import NONE, DateField, GovGroupedSelect, VersionedForm, coerce_optional_int, long_text, short_text
from core.submissions import SentOnce
from learning.models import ActionImpact, ActionStatus

LEVEL_CHOICES = [SelectChoice(level.value, label) for level, label in LEARNING_LEVEL_LABELS.items()]
LEVEL_HINTS = {
    "local": "For one team, office or service",
    "regional": "Across a probation region or an agency's whole area",
    "national": "For HMPPS, a national body or government",
    "multi_agency": "For the partnership: more than one agency together",
}


class Chosen:
    """The select's "Choose..." option (0) is not an answer."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, _form: Any, field: SelectField) -> None:
        if field.data == NONE:
            raise ValidationError(self.message)


class ItemForm(VersionedForm):
    """A piece of shared learning: picked, merged or edited from learning points, or new."""

    sources = SelectMultipleField(
        "Learning points this comes from",
        description="Select one to use an agency's point, several to merge them, or none for learning of your own.",
        coerce=int,
        widget=GovCheckboxesInput(),
    )
    description = TextAreaField(
        "The learning",
        description="In words every agency at the panel will recognise. Edit the agencies' wording as you need.",
        validators=[DataRequired(message="Enter the learning"), *long_text(5_000)],
        widget=GovTextArea(),
    )
    theme_id = SelectField(
        "Theme", coerce=coerce_optional_int, widget=GovSelect(), validators=[Chosen("Choose a theme")]
    )
    level = RadioField(
        "Level",
        choices=LEVEL_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose the level the learning must be acted on")],
    )
    panel_id = SelectField(
        "Panel",
        description="The panel at which, or after which, the learning was agreed.",
        coerce=coerce_optional_int,
        default=NONE,
        widget=GovSelect(),
    )
    submit = SubmitField("Save learning", widget=GovSubmitInput())


class ActionForm(VersionedForm):
    title = StringField(
        "Short title",
        description="How the action is named in lists and emails, for example: Share MAPPA level changes within a day.",
        validators=[DataRequired(message="Enter a short title for the action"), *short_text(200)],
        widget=GovTextInput(),
    )
    what_will_change = TextAreaField(
        "What will change",
        validators=[DataRequired(message="Enter what will change"), *long_text(5_000)],
        widget=GovTextArea(),
    )
    owner_id = SelectField(
        "Owner",
        description="The organisation that will make the change and report progress.",
        coerce=coerce_optional_int,
        widget=GovGroupedSelect(),
        validators=[Chosen("Choose the organisation that owns the action")],
    )
    level = RadioField(
        "Level",
        choices=LEVEL_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose the level of the action")],
    )
    theme_id = SelectField(
        "Theme", coerce=coerce_optional_int, widget=GovSelect(), validators=[Chosen("Choose a theme")]
    )
    due_on = DateField(
        "Due date",
        name_in_errors="Due date",
        required_message="Enter the due date",
        example_days_ahead=90,
    )
    evidence_measure = TextAreaField(
        "How progress and outcomes will be evidenced",
        description="For example: an audit of 20 cases in three months' time shows referrals made within a day.",
        validators=[DataRequired(message="Enter how progress and outcomes will be evidenced"), *long_text(5_000)],
        widget=GovTextArea(),
    )
    completion_needs_file = BooleanField(
        "Completing this action needs at least one evidence file",
        description="The owner must attach a file (an audit report, a revised procedure) before marking it complete.",
        widget=GovCheckboxInput(),
    )
    panel_id = SelectField(
        "Panel",
        description="The panel at which the action was agreed.",
        coerce=coerce_optional_int,
        default=NONE,
        widget=GovSelect(),
    )
    decision_id = SelectField(
        "Decision it carries out",
        description="The panel's decision, from its decisions log.",
        coerce=coerce_optional_int,
        default=NONE,
        widget=GovSelect(),
    )
    learning_item_ids = SelectMultipleField(
        "Learning this action answers",
        description="Select all that apply.",
        coerce=int,
        widget=GovCheckboxesInput(),
    )
    standard_id = SelectField(
        "QA standard whose rating this action addresses",
        description="The standard in the review's QA assessment where the gap was found.",
        coerce=coerce_optional_int,
        default=NONE,
        invalid_choice_message="Choose a standard from the standards this review was assessed against",
        widget=GovSelect(),
    )
    # Without a script, the second step that offers the chosen standard's prompts (the views'
    # _choosing_standard); static/js/action-prompts.mjs swaps them in place and removes it.
    choose_standard = SubmitField("Show this standard's prompts", widget=GovSubmitInput())
    prompt_id = SelectField(
        "Prompt, where one applies",
        description="Only a prompt of the standard chosen above.",
        coerce=coerce_optional_int,
        default=NONE,
        widget=GovSelect(),
    )
    submit = SubmitField("Save action", widget=GovSubmitInput())


class NewItemForm(SentOnce, ItemForm):
    """New shared learning: sent once, however often the button is pressed."""


class NewActionForm(SentOnce, ActionForm):
    """A new action: recorded once, however often the button is pressed."""


class UpdateForm(VersionedForm):
    status = RadioField(
        "Status after this update",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose the status of the action")],
    )
    progress = TextAreaField(
        "Progress",
        description="What has been done since the last update. If you do not accept the action, say why.",
        validators=[*long_text(5_000)],
        widget=GovTextArea(),
    )
    evidence = TextAreaField(
        "Evidence of progress or outcomes",
        description="Needed to complete the action: what shows the change has been made and is working, "
        "such as an audit's findings, a revised procedure, or training records.",
        validators=[*long_text(5_000)],
        widget=GovTextArea(),
    )
    evidence_files = MultipleFileField("Evidence files (optional)", widget=GovFileInput(multiple=True))
    submit = SubmitField("Post update", widget=GovSubmitInput())


STATUS_CHOICE_LABELS = {
    ActionStatus.ACCEPTED: "Accepted: not started yet",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.AWAITING_SIGN_OFF: "Complete: send it to the Inspectorate for sign-off",
}

IMPACT_CHOICES = [SelectChoice(impact.value, impact.label) for impact in ActionImpact]


class StepForm(VersionedForm):
    """One step of an action's life. The view keeps only the fields its step asks for
    (``STEP_FIELDS``) and words them for the step."""

    proposed_wording = TextAreaField(
        "New wording (optional)",
        description="What will change, in the words your organisation can agree to. Leave it empty to keep it.",
        validators=[*long_text(5_000)],
        widget=GovTextArea(),
    )
    proposed_due_on = DateField(
        "New due date (optional)", name_in_errors="New due date", description="For example, 30 9 2026"
    )
    review_on = DateField(
        "Impact review date",
        name_in_errors="Impact review date",
        description="The owner is asked then whether the action has made the difference intended.",
    )
    impact = RadioField(
        "Has the action made the difference intended?",
        choices=IMPACT_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose whether the action achieved the impact intended")],
    )
    reason = TextAreaField("Reason", validators=[*long_text(5_000)], widget=GovTextArea())
    evidence = TextAreaField(
        "Evidence",
        description="What shows the difference: an audit's findings, outcomes for people, figures before and after.",
        validators=[*long_text(5_000)],
        widget=GovTextArea(),
    )
    evidence_files = MultipleFileField("Evidence files (optional)", widget=GovFileInput(multiple=True))
    submit = SubmitField("Save", widget=GovSubmitInput())
