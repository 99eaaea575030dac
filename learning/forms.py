"""Forms of the learning blueprint."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired

from core.forms import PortalForm, short_text


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
