"""`reviewboard system ...`: a system's versions and registration duties from the command line, and adding a
version from a build job (its artifacts' digests straight from the build)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from reviewboard.auth.services import find_user_by_email
from reviewboard.core.boundary import transaction
from reviewboard.core.errors import ServiceError
from reviewboard.core.language import current_language
from reviewboard.extensions import db
from reviewboard.i18n.help import N_, HelpGroup
from reviewboard.projects.models import Project
from reviewboard.registration import services as registration
from reviewboard.systems import services


@click.group("system", cls=HelpGroup,
             help=N_("AI systems: versions with their artifacts, registration duties and filings."))
def system_cli():
    pass


def _project(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        raise click.ClickException(_("There is no project %(id)s.", id=project_id))
    return project


@system_cli.command("versions", help=N_(
    "List the versions of PROJECT_ID's system, newest first, with each artifact's digest."))
@click.argument("project_id", type=int)
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object per version instead of a table."))
@with_appcontext
def system_versions(project_id, as_json):
    project = _project(project_id)
    versions = services.versions_of(project)
    if as_json:
        for v in versions:
            click.echo(json.dumps(services.version_state(v), ensure_ascii=False))
        return
    if not versions:
        click.echo(_("%(name)s: no version yet.", name=project.name))
        return
    for v in versions:
        flag = " (material change)" if v.material_change else ""
        click.echo(f"{v.label}  {v.created_at:%Y-%m-%d}  {v.created_by.name}{flag}")
        for a in v.artifacts:
            click.echo(f"    {a.kind:<8} {a.digest}  {a.name}")


@system_cli.command("add-version", help=N_(
    "Add version LABEL to PROJECT_ID's system; a malformed digest is refused with its reason (exit 1)."))
@click.argument("project_id", type=int)
@click.argument("label")
@click.option("--artifact", "artifacts", nargs=3, multiple=True, required=True, metavar="KIND NAME DIGEST",
              help=N_("An artifact: model, image, dataset or other; its name; its sha256 digest. Repeat for each."))
@click.option("--notes", default="", help=N_("Release notes."))
@click.option("--as", "email", required=True, help=N_("The project member adding the version (audited as them)."))
@with_appcontext
def system_add_version(project_id, label, artifacts, notes, email):
    actor = find_user_by_email(email)
    if actor is None:
        raise click.ClickException(_("There is no account %(email)s.", email=email))
    try:
        with transaction():
            version = services.add_version(actor, _project(project_id), label, notes, list(artifacts))
            label, material = version.label, version.material_change
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(_("Added version %(label)s (a material change: stages reopened for re-review)", label=label) if material
               else _("Added version %(label)s", label=label))


@system_cli.command("duties", help=N_(
    "Print PROJECT_ID's registration duties with their reasons, sources and filings."))
@click.argument("project_id", type=int)
@click.option("--json", "as_json", is_flag=True,
              help=N_("The facts, duties and filings as JSON (as records print them)."))
@with_appcontext
def system_duties(project_id, as_json):
    state = registration.registration_state(_project(project_id))
    if as_json:
        click.echo(json.dumps(state, ensure_ascii=False, indent=2))
        return
    # the texts people read in the command line's language (the organisation's); the first line of each duty (code,
    # status, stage) stays as scripts read it
    language = current_language()
    facts = "; ".join(f"{f['fact']}: {f['value']}" for f in (_in(f, language) for f in state["facts"]))
    click.echo(_("Registration duties (ruleset %(version)s): %(facts)s", version=state["ruleset"], facts=facts))
    if not state["duties"]:
        click.echo(_("No duty applies on these facts."))
    for duty in state["duties"]:
        filing = duty["filing"]
        status = f"filed: {filing['reference']} ({filing['filed_on']})" if filing else "NOT FILED"
        click.echo(f"{duty['code']}  {status}  [required before {duty['required_before'] or '-'}]")
        duty = _in(duty, language)
        click.echo(f"    {duty['title']} ({duty['authority']})")
        for reason in duty["reasons"]:
            click.echo("    " + _("why: %(reason)s", reason=reason))
        click.echo("    " + _("source: %(source)s", source=duty["source"]))


def _in(item: dict, language: str) -> dict:
    """A fact or duty of registration_state() with its texts in ``language`` (English when it has none there)."""
    return {**item, **(item.get("translations") or {}).get(language, {})}


@system_cli.command("file", help=N_(
    "Record a filing for DUTY_CODE of PROJECT_ID; a refusal names its reason (exit 1)."))
@click.argument("project_id", type=int)
@click.argument("duty_code")
@click.option("--authority", required=True, help=N_("The authority the filing was made with."))
@click.option("--reference", required=True, help=N_("The filing or registration number it issued."))
@click.option("--date", "filed_on", required=True, type=click.DateTime(["%Y-%m-%d"]), help=N_("Filed on (YYYY-MM-DD)."))
@click.option("--evidence", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("The receipt or confirmation (PDF, image or text; checked like stage evidence)."))
@click.option("--as", "email", required=True, help=N_("The project member recording it (audited as them)."))
@with_appcontext
def system_file(project_id, duty_code, authority, reference, filed_on, evidence, email):
    actor = find_user_by_email(email)
    if actor is None:
        raise click.ClickException(_("There is no account %(email)s.", email=email))
    try:
        with transaction():
            filing = registration.add_filing(actor, _project(project_id), duty_code, authority, reference,
                                             filed_on.date(), evidence.name, evidence.read_bytes())
            done = _("Recorded filing %(reference)s for %(duty)s (SHA-256 %(hash)s)", reference=filing.reference,
                     duty=filing.duty_code, hash=filing.sha256)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(done)
