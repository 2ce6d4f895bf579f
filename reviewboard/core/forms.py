"""Helpers shared by forms: copying service errors beside the right field, and the text clean-up
every form applies to what is submitted."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields import FieldList, FormField

from reviewboard.core.errors import ServiceError


def attach_error(form, error: ServiceError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors or []) + [error.message]
    else:
        form.form_errors.append(error.message)


def strip_nul(value):
    """Drop NUL characters from submitted text: nobody types one, and PostgreSQL refuses to store one
    (the request would fail with a database error instead of saving what the person wrote)."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class CleanTextMeta:
    """WTForms ``Meta`` for every ReviewBoard form (``class Meta(CleanTextMeta): pass``): each field
    gets the :func:`strip_nul` filter. FieldList and FormField take none; their inner fields get it.
    The hidden CSRF field renders without an id: a page with several forms would repeat ``id="csrf_token"``."""

    def bind_field(self, form, unbound_field, options):
        kwargs = dict(options)
        if not issubclass(unbound_field.field_class, FieldList | FormField):
            kwargs["filters"] = (*unbound_field.kwargs.get("filters", ()), strip_nul)
        field = unbound_field.bind(form=form, **kwargs)
        if options.get("name") == "csrf_token":
            field.id = False  # the widget leaves out attributes whose value is False
        return field


class AppForm(FlaskForm):
    """The base of ReviewBoard's forms: Flask-WTF (CSRF on) plus :class:`CleanTextMeta`."""

    class Meta(CleanTextMeta):
        pass


def error_items(*forms) -> list[tuple[str | None, str]]:
    """What the error summary at the top of a page lists: (id of the control to link to, message) for each
    error of each form given (None forms are skipped), in the order of the fields. A radio group or a list of
    checkboxes links to its first option; an error of the whole form (or of a list of sub-forms) has no
    control of its own, so it is listed without a link unless the list renders an element with its id."""
    items: list[tuple[str | None, str]] = [(None, message) for form in forms if form is not None
                                           for message in form.form_errors]
    for form in forms:
        if form is not None:
            items += _field_items(form)
    return items


def _field_items(form) -> list[tuple[str | None, str]]:
    items = []
    for field in form:
        if isinstance(field, FieldList):
            items += [(field.id, message) for message in field.errors if isinstance(message, str)]
            for entry in field:
                items += _field_items(entry.form) if isinstance(entry, FormField) else _messages(entry)
        elif isinstance(field, FormField):
            items += _field_items(field.form)
        elif field.name != "csrf_token":
            items += _messages(field)
    return items


def _messages(field) -> list[tuple[str | None, str]]:
    target = f"{field.id}-0" if field.type in ("RadioField", "MultiCheckboxField") else field.id
    return [(target, f"{field.label.text}: {message}") for message in field.errors]
