"""The base form strips text and still accepts lists of sub-forms."""

import re

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import FieldList, FormField, SelectChoice, SelectField, StringField

from core.forms import GovGroupedSelect, PortalForm


class Row(PortalForm):
    class Meta:
        csrf = False

    what = StringField()


class WithRows(PortalForm):
    class Meta:
        csrf = False

    title = StringField()
    rows = FieldList(FormField(Row), min_entries=1)


def test_text_is_stripped_and_field_lists_bind(app) -> None:
    from werkzeug.datastructures import MultiDict

    with app.test_request_context(method="POST"):
        form = WithRows(formdata=MultiDict({"title": "  Case  ", "rows-0-what": "  contact  "}))
        assert form.title.data == "Case"
        assert form.rows[0].what.data == "contact"


class Owners(PortalForm):
    class Meta:
        csrf = False

    plain = SelectField("Owner", description="Who makes the change.", coerce=int, widget=GovSelect())
    grouped = SelectField("Owner", description="Who makes the change.", coerce=int, widget=GovGroupedSelect())


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


def test_the_grouped_select_renders_the_gov_uk_select_and_its_groups(app) -> None:
    from werkzeug.datastructures import MultiDict

    with app.test_request_context(method="POST"):
        form = Owners(formdata=MultiDict({"plain": "2", "grouped": "2"}))
        flat = [SelectChoice(0, "Choose the owner"), SelectChoice(1, "Police"), SelectChoice(2, "Probation")]
        form.plain.choices = form.grouped.choices = flat
        form.plain.errors = form.grouped.errors = ["Choose the owner"]
        # Without groups, exactly the markup of govuk-frontend's own select (ids aside).
        assert _normalised(form.grouped()).replace("grouped", "plain") == _normalised(form.plain())

        form.grouped.choices = [
            SelectChoice(0, "Choose the owner"),
            SelectChoice(2, "Probation", optgroup="This case's agencies"),
            SelectChoice(1, "Police", optgroup="Other organisations"),
        ]
        html = _normalised(form.grouped())
        assert (
            '<option value="0">Choose the owner</option>'
            '<optgroup label="This case&#39;s agencies"><option value="2" selected>Probation</option></optgroup>'
            '<optgroup label="Other organisations"><option value="1">Police</option></optgroup>'
        ) in html
        assert form.grouped.validate(form)  # a value inside a group is one of the choices
