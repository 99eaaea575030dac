"""Sign-in, password and admin forms for organisations and people."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

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
        from wtforms.validators import ValidationError

        if self.password.data and field.data != self.password.data:
            raise ValidationError("Passwords do not match")


KIND_CHOICES = [(kind.value, label) for kind, label in ORGANISATION_KIND_LABELS.items()]
ROLE_CHOICES = [(role.value, role.label) for role in Role]


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
            Email(message="Enter an email address in the correct format, like team@example.org", check_deliverability=False),
        ],
        widget=GovTextInput(),
    )
    submit = SubmitField("Save organisation", widget=GovSubmitInput())


class PersonForm(PortalForm):
    full_name = StringField(
        "Full name", validators=[DataRequired(message="Enter the person's full name"), *short_text()], widget=GovTextInput()
    )
    email = EmailField(
        "Email address",
        validators=[
            DataRequired(message="Enter the person's email address"),
            Length(max=320, message="Email address must be 320 characters or fewer"),
            Email(message="Enter an email address in the correct format, like name@example.com", check_deliverability=False),
        ],
        widget=GovTextInput(),
    )
    job_title = StringField("Job title (optional)", validators=[Optional(), *short_text()], widget=GovTextInput())
    organisation_id = SelectField(
        "Organisation", coerce=int, validators=[InputRequired(message="Select an organisation")], widget=GovSelect()
    )
    role = RadioField(
        "Role",
        choices=ROLE_CHOICES,
        validators=[InputRequired(message="Select a role")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Save person", widget=GovSubmitInput())
