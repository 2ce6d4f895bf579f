"""The form that adds a version: label, release notes and artifacts, one a line."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from reviewboard.core.forms import AppForm
from reviewboard.core.limits import LONG_TEXT
from reviewboard.systems.services import ArtifactInput


class VersionForm(AppForm):
    label = StringField(_l("Version label"), validators=[DataRequired(message=_l("Give the version a label.")),
                                                      Length(max=80)],
                        description=_l("As your release calls it, e.g. 1.2.0 or 2026-11."))
    release_notes = TextAreaField(_l("Release notes"), validators=[Optional(), Length(max=LONG_TEXT)],
                                  description=_l("What changed since the previous version."))
    artifacts = TextAreaField(
        "Artifacts", validators=[DataRequired(message=_l("List at least one artifact with its digest.")),
                                 Length(max=LONG_TEXT)],
        description=_l("One per line: kind (model, image, dataset or other), name, then its SHA-256 digest "
                    "(sha256:… or an OCI digest), e.g. “model triage.safetensors sha256:9f86d0…”. An image "
                    "pinned by digest (registry/app@sha256:…) may be given as name and digest at once."))
    submit = SubmitField(_l("Add version"))

    def artifact_inputs(self) -> list[ArtifactInput]:
        """Each non-blank line as (kind, name, digest) with its line number; the service checks each."""
        found = []
        for number, line in enumerate((self.artifacts.data or "").splitlines(), start=1):
            words = line.split()
            if not words:
                continue
            kind, rest = words[0], words[1:]
            if len(rest) == 1 and "@" in rest[0]:  # registry/app@sha256:...: the reference is the name
                found.append(ArtifactInput(kind, rest[0].rsplit("@", 1)[0], rest[0], number))
            else:
                found.append(ArtifactInput(kind, " ".join(rest[:-1]), rest[-1] if rest else "", number))
        return found
