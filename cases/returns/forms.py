"""Forms for an agency's return: involvement first, then the return itself.

Chronology rows and learning points are lists the person grows and shrinks with server-side
"Add another" and "Remove" buttons; ``renumbered`` rebuilds the posted data so that nothing
typed in the other rows is lost, and the page works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from werkzeug.datastructures import MultiDict
from wtforms import (
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Optional, StopValidation

from cases.models import Involvement, UnderpinningReason
from cases.themes import LearningLevel
from core.forms import (
    LIFE_DATES,
    DateField,
    PortalForm,
    VersionedForm,
    long_text,
    not_before,
    not_in_future,
    one_of_the_choices,
    short_text,
)

# Enough for any real list of learning points; bounds what one hostile post can make the server build.
MAX_ROWS = 60
# A chronology can be long (a spreadsheet imported from an agency's records): bounded all the same.
MAX_CHRONOLOGY_ROWS = 400


class _RowForm(Form):
    """A repeated group inside a return; strips white space like every portal form."""

    class Meta(PortalForm.Meta):
        pass


class ChronologyRowForm(_RowForm):
    happened_on = DateField(
        "Date", window=LIFE_DATES, validators=[not_in_future("The date of a contact must be in the past")]
    )
    what_happened = StringField("What happened", validators=long_text(5000), widget=GovTextArea())
    significance = StringField(
        "Why it is significant (optional)",
        validators=long_text(5000),
        widget=GovTextArea(),
        description="For example, what it showed about risk, or what could have been done differently",
    )
    significant = SelectMultipleField(
        "Significant contact",
        choices=[SelectChoice("yes", "This contact is significant")],
        widget=GovCheckboxesInput(),
    )


LEVEL_CHOICES = [SelectChoice("", "Choose a level")] + [
    SelectChoice(level.value, level.label) for level in LearningLevel
]


class LearningPointForm(_RowForm):
    description = StringField("Learning point", validators=long_text(5000), widget=GovTextArea())
    theme_id = SelectField(
        "Theme",
        validate_choice=False,
        widget=GovSelect(),
        validators=[one_of_the_choices("Choose a theme from the list")],
    )
    level = SelectField(
        "Level",
        choices=LEVEL_CHOICES,
        validate_choice=False,
        widget=GovSelect(),
        validators=[one_of_the_choices("Choose a level from the list")],
    )


class InvolvementForm(VersionedForm):
    involvement = RadioField(
        "Was your agency involved with the person or their family?",
        choices=[SelectChoice(i.value, i.label) for i in Involvement],
        validators=[InputRequired(message="Select whether your agency was involved")],
        widget=GovRadioInput(),
    )
    contact_started_on = DateField(
        "Contact started",
        window=LIFE_DATES,
        description="The first contact your records show. For example, 3 9 2024",
        validators=[not_in_future("The date contact started must be in the past")],
    )
    contact_ended_on = DateField(
        "Contact ended (optional)",
        window=LIFE_DATES,
        description="Leave blank if your agency is still in contact",
        validators=[not_before("contact_started_on", "Contact must end after it started")],
    )
    involvement_nature = StringField(
        "Nature of your agency's involvement",
        description="Which services were involved and why, or, if not involved, how you checked",
        validators=long_text(5000),
        widget=GovTextArea(),
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def validate_contact_started_on(self, field: DateField) -> None:
        if self.involvement.data == Involvement.INVOLVED.value and field.data is None and not field.errors:
            raise StopValidation("Enter when your agency's contact started")

    def validate_involvement_nature(self, field: StringField) -> None:
        if self.involvement.data == Involvement.INVOLVED.value and not field.data:
            raise StopValidation("Describe the nature of your agency's involvement")


class ReturnForm(VersionedForm):
    author_name = StringField("Your name", validators=[Optional(), *short_text()], widget=GovTextInput())
    author_role = StringField(
        "Your role",
        description="For example, Detective Sergeant, Public Protection Unit",
        validators=[Optional(), *short_text()],
        widget=GovTextInput(),
    )
    author_involved = RadioField(
        "Were you involved in the case?",
        description="The author of a return should not have been involved with the person",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[Optional()],
        widget=GovRadioInput(),
    )
    records_reviewed = StringField(
        "Records reviewed",
        description="The systems and files you looked at, for example case notes, custody records, referrals",
        validators=long_text(5000),
        widget=GovTextArea(),
    )
    records_secured_on = DateField(
        "Date the records were secured",
        validators=[not_in_future("The date the records were secured must be today or in the past")],
    )
    chronology = FieldList(FormField(ChronologyRowForm), min_entries=1, max_entries=MAX_CHRONOLOGY_ROWS)
    what_went_well = StringField("What went well", validators=long_text(), widget=GovTextArea())
    missed_opportunities = StringField("Missed opportunities", validators=long_text(), widget=GovTextArea())
    underpinning_reasons = SelectMultipleField(
        "Underpinning reasons",
        description="Why things happened as they did. Select all that apply.",
        choices=[SelectChoice(reason.value, reason.label) for reason in UnderpinningReason],
        widget=GovCheckboxesInput(),
    )
    underpinning_detail = StringField("Explain the underpinning reasons", validators=long_text(), widget=GovTextArea())
    learning_points = FieldList(FormField(LearningPointForm), min_entries=1, max_entries=MAX_ROWS)
    good_practice = StringField("Good practice", validators=long_text(), widget=GovTextArea())
    recommendations = StringField("Recommendations for your agency", validators=long_text(), widget=GovTextArea())
    save = SubmitField("Save draft", widget=GovSubmitInput())

    def __init__(self, *args: Any, theme_choices: list[SelectChoice] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [SelectChoice("", "Choose a theme"), *(theme_choices or [])]
        for entry in self.learning_points:
            entry.form.theme_id.choices = choices
        self.theme_choices = choices

    def add_row(self, list_name: str) -> None:
        field_list: FieldList = self[list_name]
        if len(field_list.entries) < (field_list.max_entries or MAX_ROWS):
            entry = field_list.append_entry()
            if list_name == "learning_points":
                entry.form.theme_id.choices = self.theme_choices


def renumbered(formdata: MultiDict, list_name: str, remove_index: int) -> MultiDict:
    """The posted data with row ``remove_index`` of ``list_name`` taken out and later rows moved up.

    Everything else, including half-typed dates in other rows, is posted back as it was.
    """
    prefix = f"{list_name}-"
    result: MultiDict = MultiDict()
    for key, values in formdata.lists():
        if not key.startswith(prefix):
            result.setlist(key, values)
            continue
        index_text, _, rest = key[len(prefix) :].partition("-")
        if not index_text.isdigit():
            continue
        index = int(index_text)
        if index == remove_index:
            continue
        new_index = index - 1 if index > remove_index else index
        result.setlist(f"{prefix}{new_index}-{rest}", values)
    return result
