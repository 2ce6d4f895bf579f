"""`reviewboard cert ...`: certificates from the command line.

``cert verify`` is the deployment gate: it needs neither the application's configuration nor its database
(reviewboard/entry.py runs it without importing the application; this module imports only the gate at its
top). The other commands read the database, each in its own app context.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from reviewboard.i18n.help import N_, HelpGroup

from . import gate

DEFAULT_TRUST = "instance/keys/signing-cert.pem"


@click.group("cert", cls=HelpGroup,
             help=N_("System certificates: list, export, PDF, status list, and the offline deployment gate."))
def cert_cli():
    pass


@cert_cli.command("verify", help=N_(
    "Exit 0 only if CERTIFICATE (a DSSE envelope file) is signed by a trusted key, covers --subject, has not "
    "expired, and a fresh signed status list says it is valid. Needs no database; works offline."))
@click.argument("certificate")
@click.option("--subject", required=True, help=N_("The artifact's digest, sha256:<64 hex>."))
@click.option("--status-list", "status_list", required=True,
              help=N_("The signed status list: a file or an http(s) URL."))
@click.option("--max-age", default="24h", show_default=True,
              help=N_("Refuse a status list older than this (s, m, h, d)."))
@click.option("--trust", "trust", multiple=True,
              help=N_("The organisation's sealing certificate (PEM or DER); default instance/keys/signing-cert.pem "
                      "if present."))  # DEFAULT_TRUST, written out: a translated text is a literal
@click.option("--state", "state", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("A file remembering the highest status-list serial seen: a lower one is refused as a replay."))
def cert_verify(certificate, subject, status_list, max_age, trust, state):
    try:
        gate.parse_digest(subject)  # a malformed digest is said first: nothing else is worth reading then
        trusted = gate.load_trust(list(trust) or ([DEFAULT_TRUST] if Path(DEFAULT_TRUST).is_file() else []))
        result = gate.check(gate.read_source(certificate, "certificate"), subject,
                            gate.read_source(status_list, "status list"), trusted,
                            max_age=gate.parse_max_age(max_age), state_path=state)
    except gate.Refused as exc:
        click.echo(f"REFUSED: {exc}", err=True)
        sys.exit(1)
    click.echo(str(result))


def _certificate(cert_ref: str):
    from sqlalchemy import select

    from reviewboard.extensions import db

    from .models import Certificate

    found = None
    if cert_ref.isdigit():
        found = db.session.get(Certificate, int(cert_ref))
    if found is None:
        found = db.session.scalar(select(Certificate).where(Certificate.public_id == cert_ref))
    if found is None:
        raise click.ClickException(_("No certificate %(ref)s. See `reviewboard cert list`.", ref=repr(cert_ref)))
    return found


@cert_cli.command("list", help=N_("Every certificate: id, public id, system, version, status, subject digests."))
@with_appcontext
def cert_list():
    from sqlalchemy import select

    from reviewboard.extensions import db

    from .models import Certificate
    from .services import statement_of

    certs = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    if not certs:
        click.echo(_("No certificates issued yet."))
        return
    click.echo(f"{'ID':>4}  {'CERTIFICATE':<18} {'SYSTEM':<28} {'VERSION':<10} {'STATUS':<10} SUBJECTS")
    for c in certs:
        label = statement_of(c)["predicate"]["version"]["label"]
        digests = " ".join(f"{s['name']}=sha256:{s['digest'].get('sha256')}" for s in c.subjects)
        click.echo(f"{c.id:>4}  {c.public_id:<18} {c.project.name[:28]:<28} {label[:10]:<10} {c.status:<10} {digests}")


@cert_cli.command("export", help=N_("Write the certificate's DSSE envelope (what `cert verify` checks) to a file."))
@click.argument("cert_ref")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def cert_export(cert_ref, output):
    from .labels import STATUS_LABELS

    cert = _certificate(cert_ref)
    output.write_text(cert.envelope)
    click.echo(_("Wrote %(path)s (certificate %(id)s, %(status)s)", path=output, id=cert.public_id,
                 status=STATUS_LABELS[cert.status].lower()))


@cert_cli.command("pdf", help=N_("Write the certificate's sealed PDF to a file."))
@click.argument("cert_ref")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def cert_pdf(cert_ref, output):
    cert = _certificate(cert_ref)
    output.write_bytes(cert.pdf)
    click.echo(_("Wrote %(path)s (%(size)s bytes, SHA-256 %(hash)s)", path=output, size=len(cert.pdf),
                 hash=cert.pdf_sha256))


@cert_cli.command("status-list", help=N_("Write the current signed status list to a file (for an offline gate)."))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def cert_status_list(output):
    from .statuslist import newest

    last = newest()
    if last is None:
        raise click.ClickException(_("No status list yet: none is issued before the first certificate."))
    output.write_text(last.envelope)
    click.echo(_("Wrote %(path)s (status list #%(serial)s, issued %(at)s UTC)", path=output, serial=last.serial,
                 at=last.issued_at.strftime("%Y-%m-%d %H:%M:%S")))
