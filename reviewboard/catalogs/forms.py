"""The chair's catalog upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from reviewboard.core.forms import AppForm


class CatalogUploadForm(AppForm):
    file = FileField(_l("Catalog file (YAML)"),
                     validators=[FileRequired(message=_l("Choose a catalog file to upload."))])
    submit = SubmitField(_l("Import this version"))
