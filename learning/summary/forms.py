"""The annual summary's reporting-year picker."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField

from core.forms import PortalForm, coerce_optional_int


class SummaryYearForm(PortalForm):
    """The reporting year picker on the annual summary (a GET form: no CSRF token to expire)."""

    class Meta:
        csrf = False

    year = SelectField("Reporting year", coerce=coerce_optional_int, widget=GovSelect())
    submit = SubmitField("Show year", widget=GovSubmitInput())
