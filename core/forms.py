"""Form helpers shared by every blueprint."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import FieldList, FormField, HiddenField, SubmitField
from wtforms.validators import Length, ValidationError

# Generous but bounded: a very long string is refused with a message, never a 500.
LONG_TEXT = 20_000
SHORT_TEXT = 200


class PortalForm(FlaskForm):
    """Base form. Only fields declared on the form are read: extra posted fields are ignored."""

    class Meta:
        # Strip surrounding white space from every text field.
        def bind_field(self, form, unbound_field, options):  # type: ignore[no-untyped-def]
            # Lists and sub-forms take no filters; their own fields are stripped when bound.
            if issubclass(unbound_field.field_class, (FieldList, FormField)):
                return unbound_field.bind(form=form, **options)
            filters = unbound_field.kwargs.get("filters", [])
            if _strip not in filters:
                filters = [_strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class VersionedForm(PortalForm):
    """A form for a record several people edit; ``version`` detects a stale save."""

    version = HiddenField()


class ConfirmForm(PortalForm):
    """A button alone (with CSRF): for actions such as deactivate, retry, withdraw."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


def no_control_characters(_form: object, field: object) -> None:
    value = getattr(field, "data", None)
    if isinstance(value, str) and any(ord(c) < 32 and c not in "\t" for c in value):
        raise ValidationError("Enter text on one line, without special characters")


def short_text(max_length: int = SHORT_TEXT) -> list:
    return [Length(max=max_length, message=f"Must be {max_length} characters or fewer"), no_control_characters]


def long_text(max_length: int = LONG_TEXT) -> list:
    return [Length(max=max_length, message=f"Must be {max_length:,} characters or fewer")]
