"""Sign-in, password and admin forms for organisations and people."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from agencies.models import ORGANISATION_KIND_LABELS, Role
from core.forms import PortalForm, short_text

EMAIL_VALIDATORS = [
    DataRequired(message="Enter your email address"),
    Length(max=320, message="Email address must be 320 characters or fewer"),
    Email(message="Enter an email address in the correct format, like name@example.com", check_deliverability=False),
]


class SignInForm(PortalForm):
    email = EmailField("Email address", validators=EMAIL_VALIDATORS, widget=GovTextInput())
    password = PasswordField(
        "Password",
        validators=[DataRequired(message="Enter your password"), Length(max=256, message="Enter your password")],
        widget=GovPasswordInput(),
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class RequestPasswordResetForm(PortalForm):
    email = EmailField("Email address", validators=EMAIL_VALIDATORS, widget=GovTextInput())
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class SetPasswordForm(PortalForm):
    password = PasswordField(
        "New password",
        description="Use 12 characters or more. Three random words together are easy to remember and hard to guess.",
        validators=[DataRequired(message="Enter a new password")],
        widget=GovPasswordInput(),
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired(message="Confirm your new password")],
        widget=GovPasswordInput(),
    )
    submit = SubmitField("Save password", widget=GovSubmitInput())

    def validate_confirm(self, field: PasswordField) -> None:
        if self.password.data and field.data != self.password.data:
            raise ValidationError("Passwords do not match")


class CodeForm(PortalForm):
    """The 6-digit code from an authenticator app (set-up and sign-in)."""

    code = StringField(
        "Code from your authenticator app",
        description="The 6-digit code changes every 30 seconds.",
        validators=[
            DataRequired(message="Enter the code from your authenticator app"),
            Length(max=20, message="Enter the 6-digit code from your authenticator app"),
        ],
        widget=GovTextInput(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(PortalForm):
    code = StringField(
        "Recovery code",
        description="One of the codes you saved when you set up two-step sign-in, like abcde-fghij-klmno-pqrst-uvwxy.",
        validators=[
            DataRequired(message="Enter a recovery code"),
            Length(max=60, message="Enter a recovery code, like abcde-fghij-klmno-pqrst-uvwxy"),
        ],
        widget=GovTextInput(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(
        "Current password",
        validators=[
            DataRequired(message="Enter your current password"),
            Length(max=256, message="Your current password is not right"),
        ],
        widget=GovPasswordInput(),
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ConfirmPasswordForm(PortalForm):
    """Proof of the password before a sensitive change to one's own account."""

    current_password = PasswordField(
        "Your password",
        validators=[DataRequired(message="Enter your password"), Length(max=256, message="Your password is not right")],
        widget=GovPasswordInput(),
    )
    submit = SubmitField("Get new recovery codes", widget=GovSubmitInput())


KIND_CHOICES = [SelectChoice(kind.value, label) for kind, label in ORGANISATION_KIND_LABELS.items()]
ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


class OrganisationForm(PortalForm):
    name = StringField(
        "Name",
        validators=[DataRequired(message="Enter the organisation's name"), *short_text()],
        widget=GovTextInput(),
    )
    kind = RadioField(
        "Kind of organisation",
        choices=KIND_CHOICES,
        validators=[InputRequired(message="Select the kind of organisation")],
        widget=GovRadioInput(),
    )
    contact_email = EmailField(
        "Shared contact email address (optional)",
        description="A team mailbox that should also receive requests, as well as the organisation's people.",
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
    senior_contact_name = StringField(
        "Senior contact's name (optional)",
        description="The senior person an overdue action is escalated to, for example a head of service.",
        validators=[Optional(), *short_text()],
        widget=GovTextInput(),
    )
    senior_contact_email = EmailField(
        "Senior contact's email address (optional)",
        validators=[
            Optional(),
            Length(max=320, message="Email address must be 320 characters or fewer"),
            Email(
                message="Enter the senior contact's email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
        widget=GovTextInput(),
    )
    submit = SubmitField("Save organisation", widget=GovSubmitInput())


class PersonForm(PortalForm):
    full_name = StringField(
        "Full name",
        validators=[DataRequired(message="Enter the person's full name"), *short_text()],
        widget=GovTextInput(),
    )
    email = EmailField(
        "Email address",
        validators=[
            DataRequired(message="Enter the person's email address"),
            Length(max=320, message="Email address must be 320 characters or fewer"),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
        ],
        widget=GovTextInput(),
    )
    job_title = StringField("Job title (optional)", validators=[Optional(), *short_text()], widget=GovTextInput())
    organisation_id = SelectField(
        "Organisation", coerce=int, validators=[InputRequired(message="Select an organisation")], widget=GovSelect()
    )

    def validate_organisation_id(self, field: SelectField) -> None:
        # 0 is the "Choose an organisation" prompt: report it with the other errors, in one round.
        if not field.data:
            raise ValidationError("Select an organisation")

    role = RadioField(
        "Role",
        choices=ROLE_CHOICES,
        validators=[InputRequired(message="Select a role")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Save person", widget=GovSubmitInput())
