"""Forms for learning panels. Times are typed as people write them ('10am', '14:30') and read
by ``panel_rules``; dates use the GOV.UK date pattern (day, month, year)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from urllib.parse import urlsplit

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, StopValidation, ValidationError

from cases.themes import LEARNING_LEVEL_LABELS
from core.forms import DateField, FieldCheck, PortalForm, VersionedForm, long_text, one_of_the_choices, short_text
from core.ids import optional_id
from core.submissions import SentOnce
from panels.models import Attendance, AttendeeRole, PanelAgendaItem, PanelAttendee, Reply
from panels.rules import TimeError, format_time, london_date, london_time, london_to_utc, parse_time

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in AttendeeRole]
NOT_ATTENDING = "none"


def a_time(required_message: str | None) -> FieldCheck:
    """Read the field as a time (into ``field.time``); empty is allowed when no message is given."""

    def _check(_form: object, field: StringField) -> None:
        field.time = None
        if not (field.data or "").strip():
            if required_message:
                raise StopValidation(required_message)
            return
        if len(field.data) > 20:
            raise StopValidation("Enter a time like 10am, 2:30pm or 14:30")
        try:
            field.time = parse_time(field.data)
        except TimeError as error:
            raise StopValidation(str(error)) from None

    return _check


def id_or_none(value: object) -> int | None:
    """Coerce a posted id; anything that is not one becomes None (then "Select ..."), never a crash."""
    if isinstance(value, int):
        return value
    try:
        return int(str(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def web_link(_form: object, field: StringField) -> None:
    """Only an https (or http) address: the link goes into emails and calendar files."""
    value = (field.data or "").strip()
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or any(c.isspace() for c in value):
        raise ValidationError("Enter a video link that starts with https://, like https://meet.example.org/abc")


class PanelDetailsForm(VersionedForm):
    title = StringField(
        "Title",
        description="For example, Northshire learning panel, March 2026. Attendees see it in their calendar.",
        validators=[DataRequired(message="Enter a title"), *short_text()],
        widget=GovTextInput(),
    )
    date = DateField(
        "Date of the panel",
        name_in_errors="Date of the panel",
        required_message="Enter the date of the panel",
        example_days_ahead=42,
    )
    start_time = StringField(
        "Start time",
        description="UK time, for example 10am or 14:30",
        validators=[a_time("Enter the start time")],
        widget=GovTextInput(),
    )
    end_time = StringField(
        "End time",
        description="UK time, for example 12:30pm or 16:00",
        validators=[a_time("Enter the end time")],
        widget=GovTextInput(),
    )
    place = StringField(
        "Place",
        description="The building and room. Leave it empty if the panel meets only online.",
        validators=short_text(500),
        widget=GovTextInput(),
    )
    video_link = StringField(
        "Video link (optional)",
        description="If people can join online, the meeting's web address.",
        validators=[*short_text(500), web_link],
        widget=GovTextInput(),
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    starts_at_utc: datetime | None = None
    ends_at_utc: datetime | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        start, end = getattr(self.start_time, "time", None), getattr(self.end_time, "time", None)
        starts_at = self._instant(self.start_time, start)
        ends_at = self._instant(self.end_time, end)
        if starts_at is None or ends_at is None:
            valid = False  # a field above already says why
        elif ends_at <= starts_at:
            self.end_time.errors.append("The end time must be after the start time")
            valid = False
        else:
            self.starts_at_utc, self.ends_at_utc = starts_at, ends_at
        if not (self.place.data or self.video_link.data) and not self.place.errors and not self.video_link.errors:
            self.place.errors.append("Enter a place or a video link")
            valid = False
        return valid

    def times(self) -> tuple[datetime, datetime]:
        """The start and end in UTC, read after the form validated."""
        if self.starts_at_utc is None or self.ends_at_utc is None:
            raise ValueError("The panel's times are known only once the form has validated")
        return self.starts_at_utc, self.ends_at_utc

    def _instant(self, field: StringField, wall_time: time | None) -> datetime | None:
        if self.date.data is None or wall_time is None:
            return None
        try:
            return london_to_utc(self.date.data, wall_time)
        except TimeError as error:
            field.errors.append(str(error))
            return None

    def fill_from(self, panel: Any) -> None:
        self.title.data = panel.title
        self.date.data = london_date(panel.starts_at_utc)
        self.start_time.data = format_time(london_time(panel.starts_at_utc))
        self.end_time.data = format_time(london_time(panel.ends_at_utc))
        self.place.data = panel.place
        self.video_link.data = panel.video_link
        self.version.data = str(panel.version)


class NewPanelForm(SentOnce, PanelDetailsForm):
    convener_role = RadioField(
        "Your role at the panel",
        choices=[*ROLE_CHOICES, SelectChoice(NOT_ATTENDING, "I will not attend")],
        default=AttendeeRole.CHAIR.value,
        validators=[DataRequired(message="Select your role at the panel")],
        widget=GovRadioInput(),
    )
    # Set when the inspector came from a case's "Schedule a panel for this case": the case goes
    # on the new panel's agenda.
    case_id = HiddenField(filters=[optional_id])
    submit = SubmitField("Create draft panel", widget=GovSubmitInput())


class AgendaItemForm(PortalForm):
    case_id = SelectField(
        "Case",
        coerce=id_or_none,
        validate_choice=False,
        validators=[one_of_the_choices("Select a case")],
        widget=GovSelect(),
    )
    start_time = StringField(
        "Time (optional)",
        description="When the panel turns to this case, for example 10:30am",
        validators=[a_time(None)],
        widget=GovTextInput(),
    )
    submit = SubmitField("Add to agenda", widget=GovSubmitInput())


class AgendaTimeForm(PortalForm):
    start_time = StringField(
        "Time (optional)",
        description="When the panel turns to this case, for example 10:30am. Leave it empty for no time.",
        validators=[a_time(None)],
        widget=GovTextInput(),
    )
    submit = SubmitField("Save time", widget=GovSubmitInput())


class AttendeeForm(PortalForm):
    """Invite several people in one step, all in one role."""

    user_ids = SelectMultipleField(
        "People to invite",
        coerce=int,
        validate_choice=False,
        widget=GovCheckboxesInput(),
    )
    role = RadioField(
        "Role",
        choices=ROLE_CHOICES,
        default=AttendeeRole.MEMBER.value,
        validators=[DataRequired(message="Select a role")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Invite", widget=GovSubmitInput())

    def validate_user_ids(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise StopValidation("Select at least one person to invite")
        one_of_the_choices("Select people from the list")(self, field)

    def validate_role(self, field: RadioField) -> None:
        if field.data == AttendeeRole.CHAIR.value and len(self.user_ids.data or []) > 1:
            raise ValidationError("A panel has one chair: select one person to chair it, or choose another role")


class AttendeeRoleForm(PortalForm):
    role = RadioField(
        "Role", choices=ROLE_CHOICES, validators=[DataRequired(message="Select a role")], widget=GovRadioInput()
    )
    submit = SubmitField("Save role", widget=GovSubmitInput())


class ReplyForm(PortalForm):
    reply = RadioField(
        "Will you attend?",
        choices=[
            SelectChoice(Reply.ACCEPTED.value, "Yes, I will attend"),
            SelectChoice(Reply.TENTATIVE.value, "Maybe (tentative)"),
            SelectChoice(Reply.DECLINED.value, "No, I cannot attend"),
        ],
        validators=[DataRequired(message="Select whether you will attend")],
        widget=GovRadioInput(),
    )
    # The view offers the people ``deputy_candidates`` finds; the operation checks the one
    # chosen again (a forged id is refused there, by rule).
    deputy_id = SelectField(
        "If you cannot attend, nominate a deputy (optional)",
        description="Someone from your organisation to come in your place. We email them the invitation "
        "and tell the convening inspector. If you later say you can attend after all, your deputy stays "
        "invited unless the convening inspector removes them.",
        coerce=optional_id,
        validate_choice=False,
        widget=GovSelect(),
    )
    comment = TextAreaField(
        "Comment (optional)",
        description="For example, why you cannot come. The convening inspector sees it.",
        validators=[Optional(), *long_text(1000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Send reply", widget=GovSubmitInput())


class ScheduleForm(SentOnce, VersionedForm):
    submit = SubmitField("Send invitations", widget=GovSubmitInput())


class CancelForm(VersionedForm):
    reason = TextAreaField(
        "Why is the panel cancelled?",
        description="Attendees see this in the cancellation email.",
        validators=[DataRequired(message="Enter why the panel is cancelled"), *long_text(2000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Cancel the panel", widget=GovSubmitInput())


ATTENDANCE_CHOICES = [SelectChoice(choice.value, choice.label) for choice in Attendance]


class OutcomeForm(VersionedForm):
    """The notes and whether the panel was held; ``outcome_form_for`` adds the register."""

    notes = TextAreaField(
        "Notes",
        description="What the panel discussed and agreed. Action records are made separately.",
        validators=long_text(),
        widget=GovTextArea(),
    )
    save = SubmitField("Save", widget=GovSubmitInput())
    mark_held = SubmitField("Save and mark as held", widget=GovSubmitInput())

    def register_fields(self, attendees: list[PanelAttendee]) -> list[tuple[PanelAttendee, Any, Any]]:
        """(attendee, attendance field, deputy field), in the attendee list's order."""
        return [(a, self[f"attendance_{a.id}"], self[f"deputy_{a.id}"]) for a in attendees]


def outcome_form_for(attendees: list[PanelAttendee]) -> OutcomeForm:
    """The outcome form with the attendance register: for each invitee, present, sent
    apologies, represented by a deputy (named), or absent."""
    fields: dict[str, Any] = {}
    for attendee in attendees:
        name = attendee.user.full_name
        fields[f"attendance_{attendee.id}"] = RadioField(
            f"{name}, {attendee.user.organisation.name}",
            description=attendee.deputy_note,  # "Declined; nominated … as deputy" or "Deputy for …"
            choices=ATTENDANCE_CHOICES,
            widget=GovRadioInput(),
            validators=[
                InputRequired(message=f"Choose whether {name} was present, sent apologies, sent a deputy or was absent")
            ],
        )
        fields[f"deputy_{attendee.id}"] = StringField(
            f"Name of {name}'s deputy",
            description="Only if a deputy came in their place.",
            validators=short_text(200),
            widget=GovTextInput(),
        )
    form_class = type("PanelOutcomeForm", (OutcomeForm,), fields)
    form: OutcomeForm = form_class()
    return form


class WalkInForm(PortalForm):
    full_name = StringField(
        "Name",
        validators=[DataRequired(message="Enter the name of the person who came"), *short_text(200)],
        widget=GovTextInput(),
    )
    organisation_id = SelectField(
        "Organisation they came from",
        coerce=id_or_none,
        validate_choice=False,
        validators=[
            DataRequired(message="Choose the organisation they came from"),
            one_of_the_choices("Choose the organisation they came from"),
        ],
        widget=GovSelect(),
    )
    submit = SubmitField("Add to the register", widget=GovSubmitInput())


class MinutesForm(VersionedForm):
    """The minutes; ``minutes_form_for`` adds the three boxes of each agenda item."""

    any_other_business = TextAreaField("Any other business", validators=long_text(20_000), widget=GovTextArea())
    submit = SubmitField("Save the draft minutes", widget=GovSubmitInput())

    def item_fields(self, agenda: list[PanelAgendaItem]) -> list[tuple[PanelAgendaItem, Any, Any, Any]]:
        return [
            (item, self[f"discussion_{item.id}"], self[f"findings_{item.id}"], self[f"learning_{item.id}"])
            for item in agenda
        ]

    def learning_fields(self, agenda: list[PanelAgendaItem]) -> dict[int, tuple[Any, Any]]:
        """The theme select and level radios of each agenda item's learning agreed, by agenda item id."""
        return {item.id: (self[f"theme_{item.id}"], self[f"level_{item.id}"]) for item in agenda}


MINUTES_LEVEL_CHOICES = [SelectChoice(level.value, label) for level, label in LEARNING_LEVEL_LABELS.items()]


def minutes_form_for(agenda: list[PanelAgendaItem], themes: list[SelectChoice] | None = None) -> MinutesForm:
    """The minutes form for this agenda; ``themes`` are the theme options (after a "Choose" one
    whose value is "") for the learning agreed."""
    fields: dict[str, Any] = {}
    for number, item in enumerate(agenda, start=1):
        case = f"item {number}, case {item.case.reference}"
        fields[f"discussion_{item.id}"] = TextAreaField(
            f"Discussion ({case})", validators=long_text(20_000), widget=GovTextArea()
        )
        fields[f"findings_{item.id}"] = TextAreaField(
            f"Key findings ({case})", validators=long_text(20_000), widget=GovTextArea()
        )
        fields[f"learning_{item.id}"] = TextAreaField(
            f"Learning agreed ({case})",
            description="When the minutes are approved, this becomes a piece of shared learning for the case, "
            "filed under the theme and level below.",
            validators=long_text(20_000),
            widget=GovTextArea(),
        )
        fields[f"theme_{item.id}"] = SelectField(
            f"Theme of this learning ({case})",
            description="Needed before the minutes are approved, if learning was agreed.",
            choices=themes or [SelectChoice("", "Choose a theme")],
            validators=[one_of_the_choices("Choose a theme from the list")],
            validate_choice=False,
            widget=GovSelect(),
        )
        fields[f"level_{item.id}"] = RadioField(
            f"Level of this learning ({case})",
            description="Where it has to be acted on. Needed before the minutes are approved, if learning was agreed.",
            choices=MINUTES_LEVEL_CHOICES,
            validators=[Optional()],
            widget=GovRadioInput(),
        )
    form: MinutesForm = type("PanelMinutesForm", (MinutesForm,), fields)()
    return form


class CirculateMinutesForm(VersionedForm):
    comments_by = DateField(
        "Comments by",
        name_in_errors="Comments by",
        required_message="Enter the date comments are due by",
        description="Attendees are emailed the draft minutes and asked for comments by then. For example, 30 9 2026",
    )
    submit = SubmitField("Circulate the draft minutes", widget=GovSubmitInput())


class ApproveMinutesForm(VersionedForm):
    submit = SubmitField("Approve the minutes", widget=GovSubmitInput())


class MinutesCommentForm(PortalForm):
    text = TextAreaField(
        "Your comment on the draft minutes",
        validators=[DataRequired(message="Enter your comment"), *long_text(5_000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Send your comment", widget=GovSubmitInput())


class DecisionForm(PortalForm):
    agenda_item_id = SelectField(
        "Which item was it about?", coerce=id_or_none, validate_choice=False, widget=GovSelect()
    )
    decision = TextAreaField(
        "What was decided",
        validators=[DataRequired(message="Enter what was decided"), *long_text(5_000)],
        widget=GovTextArea(),
    )
    decided_by = StringField(
        "Decided by",
        description="For example: the panel, on the chair's proposal.",
        validators=[DataRequired(message="Enter who decided"), *short_text(200)],
        widget=GovTextInput(),
    )
    agreeing = SelectMultipleField(
        "Agencies that agreed",
        description="Select every agency whose representative agreed.",
        coerce=int,
        widget=GovCheckboxesInput(),
    )
    submit = SubmitField("Add to the decisions log", widget=GovSubmitInput())


class GuestForm(PortalForm):
    full_name = StringField(
        "Full name",
        validators=[DataRequired(message="Enter the guest's full name"), *short_text(200)],
        widget=GovTextInput(),
    )
    email = EmailField(
        "Email address",
        validators=[
            DataRequired(message="Enter the guest's email address"),
            Length(max=320, message="Email address must be 320 characters or fewer"),
            Email(
                message="Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
        widget=GovTextInput(),
    )
    role = RadioField(
        "Role",
        choices=ROLE_CHOICES,
        default=AttendeeRole.MEMBER.value,
        validators=[DataRequired(message="Select a role")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Invite the guest", widget=GovSubmitInput())
