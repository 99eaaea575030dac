"""The base form strips text and still accepts lists of sub-forms."""

from wtforms import FieldList, FormField, StringField

from core.forms import PortalForm


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
