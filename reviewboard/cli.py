"""The ``reviewboard`` command: a Flask CLI group. Each command is its own commit boundary.

Messages to people (progress, results, errors) are in the organisation's DEFAULT_LANGUAGE (a command has no
signed-in person: reviewboard/i18n). What scripts read stays as it is in every language: the status words that
open a result line (OK, FAILED), listings' columns, exported files and JSON. So is every ``--help``: its texts are
marked with N_ and translated as the help is shown, by the command classes of reviewboard/i18n/help.py (a group
made with HelpGroup gives them to its commands)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, pass_script_info, with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext, pgettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reviewboard.audit.anchors import checkpoint_if_stale, create_checkpoint, init_mac_key, mac_key_path
from reviewboard.audit.services import verify_chain
from reviewboard.auth.services import create_user
from reviewboard.catalogs.diff import diff_catalogs
from reviewboard.catalogs.schema import CatalogError
from reviewboard.catalogs.services import find_catalog, import_catalog_file
from reviewboard.certificates import status as certificate_status
from reviewboard.certificates.commands import cert_cli
from reviewboard.certificates.labels import STATUS_LABELS
from reviewboard.conditions.services import note_overdue
from reviewboard.config import describe_duration, normalise_database_url, parse_duration
from reviewboard.core.boundary import transaction
from reviewboard.core.errors import ServiceError
from reviewboard.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo
from reviewboard.extensions import db
from reviewboard.i18n.help import N_, HelpCommand, HelpFlaskGroup, HelpGroup
from reviewboard.incidents.commands import incident_cli
from reviewboard.jobs.commands import jobs_cli, run_command, worker_command
from reviewboard.mfa.services import is_enabled as mfa_enabled
from reviewboard.models.base import utcnow
from reviewboard.notify.queued import digests_queued, enqueue_digest
from reviewboard.notify.services import DigestSender, build_digests, deliver
from reviewboard.ops.backup import BackupError, backup, restore
from reviewboard.ops.serving import ServeOptions, automatic_workers, serve, shares_rate_limits
from reviewboard.pipelines import services
from reviewboard.pipelines.schema import PipelineFileError
from reviewboard.pipelines.services import import_pipeline
from reviewboard.projects.models import Project
from reviewboard.records.keys import init_keys, instance_path, trust_roots
from reviewboard.records.labels import PAGE_HASH_LABELS
from reviewboard.records.models import Record
from reviewboard.records.pack import build_pack, verify_pack
from reviewboard.records.pdf import CONTENT_HASH_LABEL, FILE_HASH_LABEL
from reviewboard.records.services import verify_record_bytes
from reviewboard.rereview.services import sweep
from reviewboard.reviews.models import StageReview
from reviewboard.systems.commands import system_cli
from reviewboard.tokens.commands import token_cli


def _create_app(*_args, **_kwargs):
    import logging
    import os

    from reviewboard import ConfigurationError, create_app

    try:
        # `reviewboard keys ...` creates the signing key that production otherwise refuses to start without
        app = create_app(making_keys=sys.argv[1:2] == ["keys"])
    except ConfigurationError as exc:  # the message says what to change; a traceback would bury it
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    # commands print their own progress; JSON log lines only when asked for (or warnings)
    logging.getLogger("reviewboard").setLevel(os.environ.get("REVIEWBOARD_LOG_LEVEL", "WARNING"))
    return app


@click.group(cls=HelpFlaskGroup, create_app=_create_app, add_default_commands=True, add_version_option=False,
             help=N_("ReviewBoard: ethical review of AI systems with signed records."))
def main():
    pass


main.add_command(run_command)  # Flask's, with the embedded job worker
# on the top-level group too, so that `cert verify` (the deployment gate) runs without building the app
main.add_command(cert_cli)


def register_cli(app) -> None:
    for group in (user_cli, catalog_cli, record_cli, keys_cli, audit_cli, pack_cli):
        app.cli.add_command(group)
    app.cli.add_command(pipeline_cli)
    app.cli.add_command(rereview_cli)
    app.cli.add_command(remind_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(incident_cli)
    app.cli.add_command(system_cli)
    app.cli.add_command(token_cli)
    app.cli.add_command(cert_cli)


# -- users -----------------------------------------------------------------------------------------
@click.group("user", help=N_("Manage accounts."), cls=HelpGroup)
def user_cli():
    pass


@user_cli.command("create", help=N_("Create an account."))
@click.argument("email")
@click.option("--name", required=True, help=N_("Full name, printed on signatures."))
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["submitter", "reviewer", "chair", "auditor"]), help=N_("Repeat for several roles."))
@click.option("--password-stdin", is_flag=True, help=N_("Read the password from standard input."))
@with_appcontext
def user_create(email, name, roles, password_stdin):
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with transaction():
            user = create_user(None, email, name, password, set(roles))
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(_("Created user %(id)s: %(email)s (%(roles)s)", id=user.id, email=user.email,
                 roles=", ".join(sorted(r.value for r in user.roles))))


# -- catalogs --------------------------------------------------------------------------------------
@click.group("catalog", help=N_("Criteria catalogs."), cls=HelpGroup)
def catalog_cli():
    pass


@catalog_cli.command("import", help=N_("Load a catalog version from a YAML FILE."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def catalog_import(file):
    try:
        with transaction():
            catalog, created = import_catalog_file(None, file)
    except CatalogError as exc:
        for line in exc.errors:
            click.echo(f"{file}: {line}", err=True)
        raise click.ClickException(_nothing_imported(len(exc.errors))) from exc
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    counted = ngettext("%(num)d criterion", "%(num)d criteria", len(catalog.criteria))
    if created:
        click.echo(_("Imported %(name)s v%(version)s (%(criteria)s)", name=catalog.name, version=catalog.version,
                     criteria=counted))
    else:
        click.echo(_("Already present: %(name)s v%(version)s (%(criteria)s)", name=catalog.name,
                     version=catalog.version, criteria=counted))


def _nothing_imported(problems: int) -> str:
    return _("%(count)s problem(s); nothing was imported.", count=problems)


@catalog_cli.command("diff", help=N_("Show what changed in catalog KEY from OLD_VERSION to NEW_VERSION."))
@click.argument("key")
@click.argument("old_version")
@click.argument("new_version")
@with_appcontext
def catalog_diff(key, old_version, new_version):
    catalogs = {}
    for version in (old_version, new_version):
        catalogs[version] = find_catalog(key, version)
        if catalogs[version] is None:
            raise click.ClickException(_("No catalog %(key)s version %(version)s. See /catalogs for imported "
                                             "versions.", key=key, version=version))
    result = diff_catalogs(catalogs[old_version], catalogs[new_version])
    click.echo(f"{key} {old_version} -> {new_version}: "
               + ", ".join(f"{n} {label}" for label, n in result.summary().items()))
    for c in result.added:
        click.echo(f"added     {c.code}  {c.title}")
    for c in result.removed:
        click.echo(f"removed   {c.code}  {c.title} (deprecated)")
    for c in result.restored:
        click.echo(f"restored  {c.code}  {c.title}")
    for item in result.reworded:
        click.echo(f"reworded  {item.code}  {', '.join(ch.field for ch in item.changes)}")
    for item in result.refs_changed:
        refs = [f"+{f} {r}" for f, r, _ in item.added] + [f"-{f} {r}" for f, r, _ in item.removed]
        click.echo(f"refs      {item.code}  {'; '.join(refs)}")
    for item in result.tiers_changed:
        click.echo(f"tiers     {item.code}  {','.join(item.before)} -> {','.join(item.after)}")
    for item in result.other_changed:
        click.echo(f"changed   {item.code}  {', '.join(ch.field for ch in item.changes)}")


# -- keys ------------------------------------------------------------------------------------------
@click.group("keys", help=N_("The organisation's record-signing key."), cls=HelpGroup)
def keys_cli():
    pass


@keys_cli.command("init", help=N_(
    "Create a self-signed signing key and certificate in the instance folder (mode 0600)."))
@click.option("--force", is_flag=True, help=N_("Replace an existing key (records signed before stay valid only "
                                               "against the old certificate)."))
@with_appcontext
def keys_init(force):
    if init_mac_key(mac_key_path()):
        click.echo(_("Wrote %(path)s (audit-chain HMAC key, mode 0600)", path=mac_key_path()))
    key_path = instance_path(current_app.config["SIGNING_KEY_PATH"])
    cert_path = instance_path(current_app.config["SIGNING_CERT_PATH"])
    if key_path.exists() and cert_path.exists() and not force:
        click.echo(_("Signing key already present: %(path)s", path=key_path))
        return
    key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key, cert = init_keys(key_path.parent, current_app.config["ORGANISATION_NAME"], force=force)
    click.echo(_("Wrote %(key)s and %(cert)s (mode 0600)", key=key, cert=cert))


# -- records ---------------------------------------------------------------------------------------
@click.group("record", help=N_("Signed stage records."), cls=HelpGroup)
def record_cli():
    pass


@record_cli.command("list", help=N_("List issued records: id, project, stage, file SHA-256 (of the signed PDF)."))
@with_appcontext
def record_list():
    records = db.session.scalars(select(Record).order_by(Record.id).options(
        selectinload(Record.stage_review).selectinload(StageReview.project))).all()  # one statement each, not per row
    if not records:
        click.echo(_("No records issued yet."))
        return
    click.echo(f"{'ID':>4}  {'RECORD':<18} {'VER':>3}  {'PROJECT':<32} {'STAGE':<11} FILE SHA-256 (PDF)")
    for r in records:
        stage = r.stage_review
        click.echo(f"{r.id:>4}  {r.public_id:<18} {r.version:>3}  {stage.project.name[:32]:<32} "
                   f"{stage.name[:11]:<11} {r.pdf_sha256}")


@record_cli.command("export", help=N_("Write the stored, signed PDF of RECORD_ID to a file."))
@click.argument("record_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def record_export(record_id, output):
    record = db.session.get(Record, record_id)
    if record is None:
        raise click.ClickException(_("No record with id %(id)s. See `reviewboard record list`.", id=record_id))
    output.write_bytes(record.pdf)
    click.echo(_("Wrote %(path)s (%(size)s, %(file_label)s %(file_hash)s; %(content_label)s %(content_hash)s)",
                 path=output, size=_bytes(record.pdf_size), file_label=PAGE_HASH_LABELS[FILE_HASH_LABEL],
                 file_hash=record.pdf_sha256, content_label=PAGE_HASH_LABELS[CONTENT_HASH_LABEL],
                 content_hash=record.content_sha256))


def _bytes(size: int) -> str:
    return ngettext("%(num)d byte", "%(num)d bytes", size)


@record_cli.command("verify", help=N_(
    "Exit 0 only when FILE's signature is intact and trusted and it matches a stored record."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def record_verify(file):
    result = verify_record_bytes(file.read_bytes())
    sig = result.signature
    click.echo(_("signature intact: %(intact)s; valid: %(valid)s; trusted: %(trusted)s; covers whole file: "
                 "%(whole)s", intact=sig.intact, valid=sig.valid, trusted=sig.trusted, whole=sig.covers_whole_file))
    if sig.signer:
        click.echo(_("signed by: %(signer)s", signer=sig.signer))
    click.echo(f"{PAGE_HASH_LABELS[FILE_HASH_LABEL]}: {sig.pdf_sha256}")
    if result.embedded:
        click.echo(f"{PAGE_HASH_LABELS[CONTENT_HASH_LABEL]}: {result.embedded.get('content_sha256')}")
    if result.record is not None:
        click.echo(_("matches stored record %(id)s version %(version)s", id=result.record.public_id,
                     version=result.record.version))
        if result.newer_version is not None:
            click.echo(_("note: a newer version exists (v%(version)s)", version=result.newer_version.version))
    if not result.ok:
        click.echo(f"FAILED: {result.reason}", err=True)
        sys.exit(1)
    click.echo(f"OK: {result.reason}")


# -- audit -----------------------------------------------------------------------------------------
@click.group("audit", help=N_("The tamper-evident audit trail."), cls=HelpGroup)
def audit_cli():
    pass


class DurationType(click.ParamType):
    name = "duration"

    def convert(self, value, param, ctx):
        try:
            return value if isinstance(value, timedelta) else parse_duration(value)
        except ValueError as exc:
            self.fail(f"{value!r}: {exc}", param, ctx)


@audit_cli.command("verify", help=N_(
    "Verify the audit trail; exit 1 naming the first bad sequence number, or an unanchored tail older than "
    "--max-tail."))
@click.option("--max-tail", type=DurationType(), default=None,
              help=N_('Fail when events older than this ("10m", "1h") are not yet covered by a signed checkpoint.'))
@with_appcontext
def audit_verify(max_tail):
    import time


    started = time.perf_counter()
    result = verify_chain()
    elapsed = time.perf_counter() - started
    anchors = _("%(checkpoints)s signed checkpoint(s); HMAC checked on %(rows)s row(s)",
                checkpoints=result.checkpoints, rows=result.mac_checked)
    if not result.ok:
        click.echo(f"FAILED at seq {result.first_bad_seq}: {result.reason}", err=True)
        click.echo(_("(%(checked)s events verified before it; %(anchors)s)", checked=result.checked,
                     anchors=anchors), err=True)
        sys.exit(1)
    click.echo("OK: " + _("%(checked)s events, chain intact; %(anchors)s; %(seconds).2fs", checked=result.checked,
                          anchors=anchors, seconds=elapsed))
    tail = result.tail
    if not tail.events:
        click.echo(_("Tail: none; every event is covered by a signed checkpoint."))
        return
    age = tail.age
    since = _("no checkpoint yet") if tail.checkpoint_seq is None else \
        _("the last signed checkpoint (seq %(seq)s, %(at)s UTC)", seq=tail.checkpoint_seq,
          at=tail.checkpoint_at.strftime("%Y-%m-%d %H:%M:%S"))
    click.echo(_("Tail: %(events)s event(s) after %(since)s, the oldest written %(age)s ago; they could be dropped "
                 "without trace until the next checkpoint.", events=tail.events, since=since, age=_age_words(age)))
    if max_tail is not None and age > max_tail:
        click.echo("FAILED: " + _("%(events)s event(s) have gone %(age)s without a signed checkpoint, longer than "
                                  "--max-tail %(limit)s allows; is `reviewboard audit checkpoint --if-stale` running "
                                  "every minute?", events=tail.events, age=_age_words(age),
                                  limit=describe_duration(max_tail)), err=True)
        sys.exit(1)


def _age_words(age: timedelta) -> str:
    """An age in its largest whole unit, rounded down: "28 days", "15 minutes", "40 seconds"."""
    seconds = max(int(age.total_seconds()), 0)
    if seconds >= 86400:
        return ngettext("%(num)d day", "%(num)d days", seconds // 86400)
    if seconds >= 3600:
        return ngettext("%(num)d hour", "%(num)d hours", seconds // 3600)
    if seconds >= 60:
        return ngettext("%(num)d minute", "%(num)d minutes", seconds // 60)
    return ngettext("%(num)d second", "%(num)d seconds", seconds)


@audit_cli.command("checkpoint", help=N_("Sign the current head of the audit trail."))
@click.option("--if-stale", is_flag=True, help=N_("Only when there are new events and the newest checkpoint is older "
                                                   "than AUDIT_CHECKPOINT_INTERVAL (run it every minute from cron)."))
@with_appcontext
def audit_checkpoint(if_stale):
    with transaction():
        cp = checkpoint_if_stale() if if_stale else create_checkpoint("manual")
    if cp is None:
        click.echo(_("No checkpoint needed: no new events, or the newest checkpoint is recent."))
        return
    if cp.timestamp_token:
        click.echo(_("Checkpoint %(id)s: seq %(seq)s, head %(head)s; timestamped by the TSA", id=cp.id, seq=cp.seq,
                     head=cp.head_hash))
    else:
        click.echo(_("Checkpoint %(id)s: seq %(seq)s, head %(head)s", id=cp.id, seq=cp.seq, head=cp.head_hash))


# -- evidence packs -------------------------------------------------------------------------------
@click.group("pack", cls=HelpGroup,
             help=N_("Evidence packs (ZIP of signed records, JSON, evidence and a signed manifest)."))
def pack_cli():
    pass


@pack_cli.command("export", help=N_("Write the evidence pack of PROJECT_ID (or one of its stages) to a ZIP file."))
@click.argument("project_id", type=int)
@click.option("--stage", "stage_id", type=int, help=N_("Only this stage review's records and evidence."))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def pack_export(project_id, stage_id, output):
    project = db.session.get(Project, project_id)
    if project is None:
        raise click.ClickException(_("No project with id %(id)s.", id=project_id))
    stage = next((s for s in project.stages if s.id == stage_id), None)
    if stage_id is not None and stage is None:
        raise click.ClickException(_("Project %(project)s has no stage review %(stage)s.", project=project_id,
                                     stage=stage_id))
    data, _manifest = build_pack(project, stage)
    output.write_bytes(data)
    click.echo(_("Wrote %(path)s (%(size)s)", path=output, size=_bytes(len(data))))


@pack_cli.command("verify", help=N_(
    "Check a pack: signed manifest, every file's SHA-256, nothing added or removed, record signatures."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def pack_verify(file):
    result = verify_pack(file.read_bytes(), trust_roots())
    for problem in result.problems:
        click.echo(f"FAILED: {problem}", err=True)
    if not result.ok:
        sys.exit(1)
    click.echo("OK: " + _("%(files)s files match the signed manifest; %(records)s record signature(s) valid",
                          files=result.files, records=result.records))


# -- backup and restore ---------------------------------------------------------------------------
@click.command("backup", cls=HelpCommand, help=N_(
    "Write an online, consistent backup of the database (safe while the app runs)."))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(output):
    try:
        result = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Backed up the %(engine)s database to %(path)s (%(size)s)", engine=result.engine, path=result.path,
                 size=_bytes(result.size)))


@click.command("restore", cls=HelpCommand, help=N_(
    "Restore BACKUP_FILE into an empty database; then point DATABASE_URL at it and run `audit verify`."))
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", "database_url", required=True, help=N_("URL of an EMPTY database to restore into."))
def restore_command(backup_file, database_url):
    try:
        restore(backup_file, normalise_database_url(database_url))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Restored %(file)s. Next: DATABASE_URL=%(url)s reviewboard audit verify", file=backup_file,
                 url=database_url))


# -- pipelines -------------------------------------------------------------------------------------
@click.group("pipeline", help=N_("Review pipelines (YAML export and import)."), cls=HelpGroup)
def pipeline_cli():
    pass


@pipeline_cli.command("export", help=N_(
    "Write pipeline KEY (stages, criteria rules, quorum, roles, due times) as YAML."))
@click.argument("key")
@click.option("--version", "version", type=int, help=N_("This version (default: the current published one)."))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Write to a file, not stdout."))
@with_appcontext
def pipeline_export(key, version, output):
    pipeline = (services.find_version(key, version) if version else
                services.current_version(key) or next(iter(services.versions(key)), None))
    if pipeline is None:
        known = ", ".join(services.pipeline_keys()) or _("none")
        which = _("%(key)s version %(version)s", key=repr(key), version=version) if version else repr(key)
        raise click.ClickException(_("No pipeline %(which)s (pipelines: %(known)s).", which=which, known=known))
    text = services.export_pipeline(pipeline)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(_("Wrote %(path)s: %(name)s v%(version)s (%(status)s)", path=output, name=pipeline.name,
                     version=pipeline.version, status=pipeline.status))


@pipeline_cli.command("import", help=N_("Store a pipeline YAML FILE as the next version of its pipeline."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help=N_("Publish at once (default: store as a draft for a chair to review)."))
@with_appcontext
def pipeline_import(file, publish):
    try:
        with transaction():
            pipeline = import_pipeline(None, file.read_bytes(), str(file), publish=publish)
    except PipelineFileError as exc:
        for line in exc.errors:
            click.echo(line, err=True)
        raise click.ClickException(_nothing_imported(len(exc.errors))) from exc
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(_("Imported %(name)s as version %(version)s (%(status)s), %(stages)s stage(s)", name=pipeline.name,
                 version=pipeline.version, status=pipeline.status, stages=len(pipeline.stages)))


# -- serving ---------------------------------------------------------------------------------------
@click.command("serve", cls=HelpCommand, help=N_(
    "Serve ReviewBoard with gunicorn until SIGTERM (requests in flight finish first) or Ctrl-C (at once).\n"
    "\n"
    "Each request writes one JSON access-log line to standard error; REVIEWBOARD_LOG_LEVEL (INFO) sets how much "
    "the application logs. Behind reverse proxies set REVIEWBOARD_TRUSTED_PROXIES to their number."))
@click.option("--host", default="127.0.0.1", show_default=True, help=N_("Address to listen on (0.0.0.0: every one)."))
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", type=click.IntRange(0), help=N_("Worker processes (REVIEWBOARD_SERVE_WORKERS; 0: automatic, "
                 "one until REDIS_URL lets workers share rate-limit counters)."))
@click.option("--threads", type=click.IntRange(1), help=N_("Threads per worker (REVIEWBOARD_SERVE_THREADS, 4)."))
@click.option("--graceful-timeout", type=click.IntRange(1),
              help=N_("Seconds requests in flight get to finish after SIGTERM "
                      "(REVIEWBOARD_SERVE_GRACEFUL_TIMEOUT, 30)."))
@pass_script_info
def serve_command(info: ScriptInfo, host, port, workers, threads, graceful_timeout):
    import logging
    import os

    app = info.load_app()
    cfg = app.config
    workers = workers if workers is not None else cfg["SERVE_WORKERS"]
    options = ServeOptions(host=host, port=port, workers=workers or automatic_workers(app),
                           threads=threads or cfg["SERVE_THREADS"], timeout=cfg["SERVE_TIMEOUT"],
                           graceful_timeout=graceful_timeout or cfg["SERVE_GRACEFUL_TIMEOUT"])
    if options.workers > 1 and not shares_rate_limits(app):
        click.echo(_("Warning: %(workers)s workers count rate limits each in their own memory, which multiplies "
                     "them; set REDIS_URL to share the counters.", workers=options.workers), err=True)
    logging.getLogger("reviewboard").setLevel(os.environ.get("REVIEWBOARD_LOG_LEVEL", "INFO"))
    click.echo(_("Serving ReviewBoard on http://%(bind)s/ with %(workers)s x %(threads)s (gunicorn); SIGTERM stops "
                 "it gracefully, Ctrl-C at once.", bind=options.bind,
                 workers=ngettext("%(num)d worker", "%(num)d workers", options.workers),
                 threads=ngettext("%(num)d thread", "%(num)d threads", options.threads)), err=True)
    serve(app, options)


# -- demo ------------------------------------------------------------------------------------------
@click.command("demo", cls=HelpCommand, help=N_("Load idempotent demo data and print the demo sign-ins."))
@click.option("--without-certificates", is_flag=True,
              help=N_("Leave out the three certified systems (their nine records and three certificates take most of "
                      "the demo's time): the tests of the records use the review demo alone."))
@with_appcontext
def demo_command(without_certificates):
    if current_app.config["REVIEWBOARD_ENV"] == "production":
        raise click.ClickException(_("Demo accounts are never created in production."))
    with transaction():
        users = seed_demo(echo=click.echo, certificates=not without_certificates)
        checkpoint_if_stale()  # the history is dated in the past: anchor its newest events now, as cron would
    click.echo("\n" + _("Demo sign-ins (password for all: %(password)s)", password=DEMO_PASSWORD))
    for user in users:
        click.echo(f"  {user.email:<28} {', '.join(sorted(r.value for r in user.roles))}")
    chairs = [user.email for user in users if mfa_enabled(user)]
    if chairs:
        click.echo("\n" + _("Two-step verification (%(chairs)s): add the authenticator key %(key)s to an "
                            "authenticator app, or print the current code with", chairs=", ".join(chairs),
                            key=DEMO_TOTP_SECRET)
                   + f"\n  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())\"")


# -- re-review and reminders ---------------------------------------------------------------------
def _day(value):
    """The --date option as a date, or today in UTC."""
    return value.date() if value is not None else utcnow().date()


def _people(n: int) -> str:
    return ngettext("%(num)d person", "%(num)d people", n)


def _digests(n: int) -> str:
    return ngettext("%(num)d digest", "%(num)d digests", n)


def _sweep(today) -> None:
    result = sweep(today)
    for stage in result.recurring:
        click.echo(_("reopened %(project)s / %(stage)s: periodic review due", project=stage.project.name,
                     stage=stage.name))
    for stage in result.expired_evidence:
        codes = stage.reopen_codes
        click.echo(_("reopened %(project)s / %(stage)s: evidence expired (criteria %(codes)s)",
                     project=stage.project.name, stage=stage.name,
                     codes=", ".join(codes) if codes else pgettext("criteria", "all")))
    click.echo(_("Re-review sweep for %(day)s: %(stages)s reopened", day=today.isoformat(),
                 stages=ngettext("%(num)d stage", "%(num)d stages", result.count)))
    for cert in certificate_status.sweep(today):
        click.echo(_("certificate %(id)s (%(project)s): %(status)s", id=cert.public_id, project=cert.project.name,
                     status=STATUS_LABELS[cert.status].lower()))
    for condition in note_overdue(today):
        click.echo(_("condition %(id)s (%(project)s): overdue since %(day)s", id=condition.id,
                     project=condition.stage_review.project.name, day=condition.due_date.isoformat()))


@click.group("rereview", help=N_("Re-review of approved stages (recurring reviews, expired evidence)."), cls=HelpGroup)
def rereview_cli():
    pass


@rereview_cli.command("sweep", help=N_(
    "Reopen recurring stages whose next review date has come and criteria whose evidence expired."))
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), help=N_("Run as of this day (UTC today)."))
@with_appcontext
def rereview_sweep(day):
    with transaction():
        _sweep(_day(day))


@click.command("remind", cls=HelpCommand, help=N_(
    "The daily job: run the re-review sweep, then send each person ONE digest of what is new for them.\n"
    "\n"
    "With REDIS_URL the digests are queued, one job per person, for `reviewboard worker` to send. Items already "
    "sent to a person are never repeated. Mail goes through SMTP when REVIEWBOARD_SMTP_HOST is set, otherwise "
    "each digest is written as a log line. Each person's digest is committed as it is sent, so a crash mid-run "
    "never resends to the people already done."))
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), help=N_("Run as of this day (UTC today)."))
@click.option("--dry-run", is_flag=True, help=N_("Show who would get what; send nothing, change nothing."))
@with_appcontext
def remind_command(day, dry_run):
    today = _day(day)
    if dry_run:
        try:
            _sweep(today)
            digests = build_digests(today)
            for digest in digests:
                if digest.items:
                    click.echo(_("would send to %(email)s: %(subject)s", email=digest.user.email,
                                 subject=digest.subject))
                    for item in digest.items:
                        click.echo(f"  - [{item.key}] {item.text} ({item.detail})")
            click.echo(_("Dry run: %(digests)s would be sent, %(people)s with nothing new",
                         digests=_digests(sum(1 for d in digests if d.items)),
                         people=_people(sum(1 for d in digests if not d.items))))
        finally:
            db.session.rollback()
        return
    with transaction():
        _sweep(today)
    if digests_queued():
        queued = quiet = 0
        for digest in build_digests(today):
            if not digest.items:
                quiet += 1
                continue
            with transaction():
                enqueue_digest(digest, today)
            queued += 1
        click.echo(_("%(digests)s queued for the job worker, %(people)s with nothing new", digests=_digests(queued),
                     people=_people(quiet)))
        return
    sender = DigestSender(current_app.config)
    sent = quiet = 0
    try:
        for digest in build_digests(today):
            if not digest.items:
                quiet += 1
                continue
            with transaction():
                deliver(sender, digest, today)
            sent += 1
            click.echo(_("sent to %(email)s: %(items)s via %(channel)s", email=digest.user.email,
                         items=ngettext("%(num)d item", "%(num)d items", len(digest.items)), channel=sender.channel))
    finally:
        sender.close()
    click.echo(_("%(digests)s sent via %(channel)s, %(people)s with nothing new", digests=_digests(sent),
                 channel=sender.channel, people=_people(quiet)))
