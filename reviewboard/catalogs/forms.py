"""The chair's catalog upload form."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from reviewboard.core.forms import AppForm


class CatalogUploadForm(AppForm):
    file = FileField("Catalog file (YAML)", validators=[FileRequired(message="Choose a catalog file to upload.")])
    submit = SubmitField("Import this version")
