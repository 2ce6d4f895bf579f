"""`reviewboard incident list` and `reviewboard incident rules`: the register and the rules in force, from the
command line (reads only). What people read is in the organisation's DEFAULT_LANGUAGE (reviewboard/cli.py); what
scripts read stays the same in every language: the listing's columns, the OVERDUE mark, ids and codes, --json."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from reviewboard.catalogs.labels import clause_separator, list_separator
from reviewboard.extensions import db
from reviewboard.i18n.help import N_, HelpGroup
from reviewboard.incidents import services
from reviewboard.incidents.labels import STATES
from reviewboard.incidents.rules import localized_rules

DUTY_WORDS = {"report": _l("report"), "close": _l("close")}
# how a deadline's source was checked (the rules files' `verified`)
VERIFIED_WORDS = {"official": _l("official"), "secondary": _l("secondary"), "policy": _l("policy")}


@click.group("incident", help=N_("Incidents reported on the systems, and the incident rules."), cls=HelpGroup)
def incident_cli():
    pass


@incident_cli.command("list", help=N_(
    "List incidents, soonest due first: id, system, version, severity, status, deadline, who acts next."))
@click.option("--status", type=click.Choice(["open", "closed", "all"]), default="open", show_default=True)
@click.option("--overdue", is_flag=True, help=N_("Only incidents whose deadline has passed with its duty not met."))
@click.option("--json", "as_json", is_flag=True, help=N_("One JSON object per line instead of a table."))
@with_appcontext
def incident_list(status, overdue, as_json):
    today = services.today()
    rows = db.session.scalars(services.register_query(services.RegisterFilter(status=status, overdue=overdue))).all()
    if as_json:
        for i in rows:
            step = services.next_step(i)
            click.echo(json.dumps({
                "id": i.id, "system": i.project.name, "version": i.version.label if i.version else None,
                "title": i.title, "severity": i.severity, "serious": services.is_serious(i), "state": i.state.value,
                "detected_on": i.detected_on.isoformat(), "due_on": i.due_on.isoformat(), "duty": i.due_duty,
                "rule": i.due_rule, "overdue": i.overdue_on(today),
                "next": f"{step[0]}: {step[1]}" if step else None}, ensure_ascii=False))
        return
    if not rows:
        click.echo(_("No incidents match."))
        return
    click.echo(f"{'ID':>4}  {'SYSTEM':<28} {'VERSION':<10} {'SEVERITY':<8} {'STATUS':<21} {'DUE':<10} {'':<7} NEXT")
    for i in rows:
        step = services.next_step(i)
        late = "OVERDUE" if i.overdue_on(today) else ""
        click.echo(f"{i.id:>4}  {i.project.name[:28]:<28} {(i.version.label if i.version else '-')[:10]:<10} "
                   f"{i.severity[:8]:<8} {str(STATES[i.state])[:21]:<21} {i.due_on.isoformat():<10} {late:<7} "
                   f"{f'{_(step[0])}: {_(step[1])}' if step else '-'}")


@incident_cli.command("rules", help=N_(
    "Print the incident rules in force: severities, deadlines (with their source and how it was checked) and what "
    "a serious incident does."))
@with_appcontext
def incident_rules():
    rules = localized_rules()
    click.echo(_("Incident rules %(version)s", version=rules.version))
    severities = [_("%(severity)s (serious)", severity=s.id) if s.serious else s.id for s in rules.severities]
    click.echo(_("Severities: %(severities)s", severities=list_separator().join(severities)))
    for d in rules.deadlines:
        when = [list_separator().join(sorted(d.severities))]
        if d.categories:
            when.append(_("led to %(categories)s", categories=list_separator().join(sorted(d.categories))))
        if d.widespread:
            when.append(_("widespread"))
        days = _("%(days)s days", days=str(d.days).rjust(3))
        duty = str(DUTY_WORDS.get(d.duty, d.duty))
        verified = str(VERIFIED_WORDS.get(d.verified, d.verified))
        click.echo(f"  {d.id:<22} {days}  {duty:<6} [{clause_separator().join(when)}]  "
                   + _("%(source)s (verified: %(verified)s)", source=d.source, verified=verified))
    click.echo(_("A serious incident: suspends the certificate: %(suspends)s; reopens: %(reopens)s",
                 suspends=_("yes") if rules.suspend_certificate else _("no"),
                 reopens=list_separator().join(rules.reopens) or _("nothing")))
