"""The ``reviewboard`` command: a Flask CLI group. Each command is its own commit boundary."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, pass_script_info, with_appcontext
from sqlalchemy import select

from reviewboard.audit.anchors import checkpoint_if_stale, create_checkpoint, init_mac_key, mac_key_path
from reviewboard.audit.services import verify_chain
from reviewboard.auth.services import create_user
from reviewboard.catalogs.diff import diff_catalogs
from reviewboard.catalogs.schema import CatalogError
from reviewboard.catalogs.services import find_catalog, import_catalog_file
from reviewboard.certificates import status as certificate_status
from reviewboard.certificates.commands import cert_cli
from reviewboard.conditions.services import note_overdue
from reviewboard.config import describe_duration, normalise_database_url, parse_duration
from reviewboard.core.boundary import transaction
from reviewboard.core.errors import ServiceError
from reviewboard.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo
from reviewboard.extensions import db
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
from reviewboard.records.models import Record
from reviewboard.records.pack import build_pack, verify_pack
from reviewboard.records.pdf import CONTENT_HASH_LABEL, FILE_HASH_LABEL
from reviewboard.records.services import verify_record_bytes
from reviewboard.rereview.services import sweep
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


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, add_version_option=False)
def main():
    """ReviewBoard: ethical review of AI systems with signed records."""


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
@click.group("user", help="Manage accounts.")
def user_cli():
    pass


@user_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name, printed on signatures.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["submitter", "reviewer", "chair", "auditor"]), help="Repeat for several roles.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def user_create(email, name, roles, password_stdin):
    """Create an account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with transaction():
            user = create_user(None, email, name, password, set(roles))
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created user {user.id}: {user.email} ({', '.join(sorted(r.value for r in user.roles))})")


# -- catalogs --------------------------------------------------------------------------------------
@click.group("catalog", help="Criteria catalogs.")
def catalog_cli():
    pass


@catalog_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def catalog_import(file):
    """Load a catalog version from a YAML FILE."""
    try:
        with transaction():
            catalog, created = import_catalog_file(None, file)
    except CatalogError as exc:
        for line in exc.errors:
            click.echo(f"{file}: {line}", err=True)
        raise click.ClickException(f"{len(exc.errors)} problem(s); nothing was imported.") from exc
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    verb = "Imported" if created else "Already present:"
    click.echo(f"{verb} {catalog.name} v{catalog.version} ({len(catalog.criteria)} criteria)")


@catalog_cli.command("diff")
@click.argument("key")
@click.argument("old_version")
@click.argument("new_version")
@with_appcontext
def catalog_diff(key, old_version, new_version):
    """Show what changed in catalog KEY from OLD_VERSION to NEW_VERSION."""
    catalogs = {}
    for version in (old_version, new_version):
        catalogs[version] = find_catalog(key, version)
        if catalogs[version] is None:
            raise click.ClickException(f"No catalog {key} version {version}. See /catalogs for imported versions.")
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
@click.group("keys", help="The organisation's record-signing key.")
def keys_cli():
    pass


@keys_cli.command("init")
@click.option("--force", is_flag=True, help="Replace an existing key (records signed before stay valid only "
                                            "against the old certificate).")
@with_appcontext
def keys_init(force):
    """Create a self-signed signing key and certificate in the instance folder (mode 0600)."""
    if init_mac_key(mac_key_path()):
        click.echo(f"Wrote {mac_key_path()} (audit-chain HMAC key, mode 0600)")
    key_path = instance_path(current_app.config["SIGNING_KEY_PATH"])
    cert_path = instance_path(current_app.config["SIGNING_CERT_PATH"])
    if key_path.exists() and cert_path.exists() and not force:
        click.echo(f"Signing key already present: {key_path}")
        return
    key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key, cert = init_keys(key_path.parent, current_app.config["ORGANISATION_NAME"], force=force)
    click.echo(f"Wrote {key} and {cert} (mode 0600)")


# -- records ---------------------------------------------------------------------------------------
@click.group("record", help="Signed stage records.")
def record_cli():
    pass


@record_cli.command("list")
@with_appcontext
def record_list():
    """List issued records: id, project, stage, file SHA-256 (of the signed PDF)."""
    records = db.session.scalars(select(Record).order_by(Record.id)).all()
    if not records:
        click.echo("No records issued yet.")
        return
    click.echo(f"{'ID':>4}  {'RECORD':<18} {'VER':>3}  {'PROJECT':<32} {'STAGE':<11} FILE SHA-256 (PDF)")
    for r in records:
        stage = r.stage_review
        click.echo(f"{r.id:>4}  {r.public_id:<18} {r.version:>3}  {stage.project.name[:32]:<32} "
                   f"{stage.name[:11]:<11} {r.pdf_sha256}")


@record_cli.command("export")
@click.argument("record_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def record_export(record_id, output):
    """Write the stored, signed PDF of RECORD_ID to a file."""
    record = db.session.get(Record, record_id)
    if record is None:
        raise click.ClickException(f"No record with id {record_id}. See `reviewboard record list`.")
    output.write_bytes(record.pdf)
    click.echo(f"Wrote {output} ({record.pdf_size} bytes, {FILE_HASH_LABEL} {record.pdf_sha256}; "
               f"{CONTENT_HASH_LABEL} {record.content_sha256})")


@record_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def record_verify(file):
    """Exit 0 only when FILE's signature is intact and trusted and it matches a stored record."""
    result = verify_record_bytes(file.read_bytes())
    sig = result.signature
    click.echo(f"signature intact: {sig.intact}; valid: {sig.valid}; trusted: {sig.trusted}; "
               f"covers whole file: {sig.covers_whole_file}")
    if sig.signer:
        click.echo(f"signed by: {sig.signer}")
    click.echo(f"{FILE_HASH_LABEL}: {sig.pdf_sha256}")
    if result.embedded:
        click.echo(f"{CONTENT_HASH_LABEL}: {result.embedded.get('content_sha256')}")
    if result.record is not None:
        click.echo(f"matches stored record {result.record.public_id} version {result.record.version}")
        if result.newer_version is not None:
            click.echo(f"note: a newer version exists (v{result.newer_version.version})")
    if not result.ok:
        click.echo(f"FAILED: {result.reason}", err=True)
        sys.exit(1)
    click.echo(f"OK: {result.reason}")


# -- audit -----------------------------------------------------------------------------------------
@click.group("audit", help="The tamper-evident audit trail.")
def audit_cli():
    pass


class DurationType(click.ParamType):
    name = "duration"

    def convert(self, value, param, ctx):
        try:
            return value if isinstance(value, timedelta) else parse_duration(value)
        except ValueError as exc:
            self.fail(f"{value!r}: {exc}", param, ctx)


@audit_cli.command("verify")
@click.option("--max-tail", type=DurationType(), default=None,
              help='Fail when events older than this ("10m", "1h") are not yet covered by a signed checkpoint.')
@with_appcontext
def audit_verify(max_tail):
    """Verify the audit trail; exit 1 naming the first bad sequence number, or an unanchored tail older than
    --max-tail."""
    import time


    started = time.perf_counter()
    result = verify_chain()
    elapsed = time.perf_counter() - started
    anchors = f"{result.checkpoints} signed checkpoint(s); HMAC checked on {result.mac_checked} row(s)"
    if not result.ok:
        click.echo(f"FAILED at seq {result.first_bad_seq}: {result.reason}", err=True)
        click.echo(f"({result.checked} events verified before it; {anchors})", err=True)
        sys.exit(1)
    click.echo(f"OK: {result.checked} events, chain intact; {anchors}; {elapsed:.2f}s")
    tail = result.tail
    if not tail.events:
        click.echo("Tail: none; every event is covered by a signed checkpoint.")
        return
    age = tail.age
    since = "no checkpoint yet" if tail.checkpoint_seq is None else \
        f"the last signed checkpoint (seq {tail.checkpoint_seq}, {tail.checkpoint_at:%Y-%m-%d %H:%M:%S} UTC)"
    click.echo(f"Tail: {tail.events} event(s) after {since}, the oldest written {_age_words(age)} ago; "
               "they could be dropped without trace until the next checkpoint.")
    if max_tail is not None and age > max_tail:
        click.echo(f"FAILED: {tail.events} event(s) have gone {_age_words(age)} without a signed checkpoint, longer "
                   f"than --max-tail {describe_duration(max_tail)} allows; is `reviewboard audit checkpoint "
                   "--if-stale` running every minute?", err=True)
        sys.exit(1)


def _age_words(age: timedelta) -> str:
    """An age in its largest whole unit, rounded down: "28 days", "15 minutes", "40 seconds"."""
    seconds = max(int(age.total_seconds()), 0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size or unit == "second":
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"


@audit_cli.command("checkpoint")
@click.option("--if-stale", is_flag=True, help="Only when there are new events and the newest checkpoint is older "
                                                "than AUDIT_CHECKPOINT_INTERVAL (run it every minute from cron).")
@with_appcontext
def audit_checkpoint(if_stale):
    """Sign the current head of the audit trail."""
    with transaction():
        cp = checkpoint_if_stale() if if_stale else create_checkpoint("manual")
    if cp is None:
        click.echo("No checkpoint needed: no new events, or the newest checkpoint is recent.")
        return
    stamped = "; timestamped by the TSA" if cp.timestamp_token else ""
    click.echo(f"Checkpoint {cp.id}: seq {cp.seq}, head {cp.head_hash}{stamped}")


# -- evidence packs -------------------------------------------------------------------------------
@click.group("pack", help="Evidence packs (ZIP of signed records, JSON, evidence and a signed manifest).")
def pack_cli():
    pass


@pack_cli.command("export")
@click.argument("project_id", type=int)
@click.option("--stage", "stage_id", type=int, help="Only this stage review's records and evidence.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def pack_export(project_id, stage_id, output):
    """Write the evidence pack of PROJECT_ID (or one of its stages) to a ZIP file."""
    project = db.session.get(Project, project_id)
    if project is None:
        raise click.ClickException(f"No project with id {project_id}.")
    stage = next((s for s in project.stages if s.id == stage_id), None)
    if stage_id is not None and stage is None:
        raise click.ClickException(f"Project {project_id} has no stage review {stage_id}.")
    data, _ = build_pack(project, stage)
    output.write_bytes(data)
    click.echo(f"Wrote {output} ({len(data)} bytes)")


@pack_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def pack_verify(file):
    """Check a pack: signed manifest, every file's SHA-256, nothing added or removed, record signatures."""
    result = verify_pack(file.read_bytes(), trust_roots())
    for problem in result.problems:
        click.echo(f"FAILED: {problem}", err=True)
    if not result.ok:
        sys.exit(1)
    click.echo(f"OK: {result.files} files match the signed manifest; {result.records} record signature(s) valid")


# -- backup and restore ---------------------------------------------------------------------------
@click.command("backup")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(output):
    """Write an online, consistent backup of the database (safe while the app runs)."""
    try:
        result = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backed up the {result.engine} database to {result.path} ({result.size} bytes)")


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", "database_url", required=True, help="URL of an EMPTY database to restore into.")
def restore_command(backup_file, database_url):
    """Restore BACKUP_FILE into an empty database; then point DATABASE_URL at it and run `audit verify`."""
    try:
        restore(backup_file, normalise_database_url(database_url))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {backup_file}. Next: DATABASE_URL={database_url} reviewboard audit verify")


# -- pipelines -------------------------------------------------------------------------------------
@click.group("pipeline", help="Review pipelines (YAML export and import).")
def pipeline_cli():
    pass


@pipeline_cli.command("export")
@click.argument("key")
@click.option("--version", "version", type=int, help="This version (default: the current published one).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file, not stdout.")
@with_appcontext
def pipeline_export(key, version, output):
    """Write pipeline KEY (stages, criteria rules, quorum, roles, due times) as YAML."""
    pipeline = (services.find_version(key, version) if version else
                services.current_version(key) or next(iter(services.versions(key)), None))
    if pipeline is None:
        known = ", ".join(services.pipeline_keys()) or "none"
        which = f"{key!r} version {version}" if version else repr(key)
        raise click.ClickException(f"No pipeline {which} (pipelines: {known}).")
    text = services.export_pipeline(pipeline)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}: {pipeline.name} v{pipeline.version} ({pipeline.status})")


@pipeline_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish at once (default: store as a draft for a chair to review).")
@with_appcontext
def pipeline_import(file, publish):
    """Store a pipeline YAML FILE as the next version of its pipeline."""
    try:
        with transaction():
            pipeline = import_pipeline(None, file.read_bytes(), str(file), publish=publish)
    except PipelineFileError as exc:
        for line in exc.errors:
            click.echo(line, err=True)
        raise click.ClickException(f"{len(exc.errors)} problem(s); nothing was imported.") from exc
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Imported {pipeline.name} as version {pipeline.version} ({pipeline.status}), "
               f"{len(pipeline.stages)} stage(s)")


# -- serving ---------------------------------------------------------------------------------------
@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every one).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", type=click.IntRange(0), help="Worker processes (REVIEWBOARD_SERVE_WORKERS; 0: automatic, "
              "one until REDIS_URL lets workers share rate-limit counters).")
@click.option("--threads", type=click.IntRange(1), help="Threads per worker (REVIEWBOARD_SERVE_THREADS, 4).")
@click.option("--graceful-timeout", type=click.IntRange(1),
              help="Seconds requests in flight get to finish after SIGTERM (REVIEWBOARD_SERVE_GRACEFUL_TIMEOUT, 30).")
@pass_script_info
def serve_command(info: ScriptInfo, host, port, workers, threads, graceful_timeout):
    """Serve ReviewBoard with gunicorn until SIGTERM (requests in flight finish first) or Ctrl-C (at once).

    Each request writes one JSON access-log line to standard error; REVIEWBOARD_LOG_LEVEL (INFO) sets how much
    the application logs. Behind reverse proxies set REVIEWBOARD_TRUSTED_PROXIES to their number.
    """
    import logging
    import os

    app = info.load_app()
    cfg = app.config
    workers = workers if workers is not None else cfg["SERVE_WORKERS"]
    options = ServeOptions(host=host, port=port, workers=workers or automatic_workers(app),
                           threads=threads or cfg["SERVE_THREADS"], timeout=cfg["SERVE_TIMEOUT"],
                           graceful_timeout=graceful_timeout or cfg["SERVE_GRACEFUL_TIMEOUT"])
    if options.workers > 1 and not shares_rate_limits(app):
        click.echo(f"Warning: {options.workers} workers count rate limits each in their own memory, which "
                   "multiplies them; set REDIS_URL to share the counters.", err=True)
    logging.getLogger("reviewboard").setLevel(os.environ.get("REVIEWBOARD_LOG_LEVEL", "INFO"))
    click.echo(f"Serving ReviewBoard on http://{options.bind}/ with {_counted(options.workers, 'worker')} x "
               f"{_counted(options.threads, 'thread')} (gunicorn); SIGTERM stops it gracefully, Ctrl-C at once.",
               err=True)
    serve(app, options)


# -- demo ------------------------------------------------------------------------------------------
@click.command("demo")
@click.option("--without-certificates", is_flag=True,
              help="Leave out the three certified systems (their nine records and three certificates take most of "
                   "the demo's time): the tests of the records use the review demo alone.")
@with_appcontext
def demo_command(without_certificates):
    """Load idempotent demo data and print the demo sign-ins."""
    if current_app.config["REVIEWBOARD_ENV"] == "production":
        raise click.ClickException("Demo accounts are never created in production.")
    with transaction():
        users = seed_demo(echo=click.echo, certificates=not without_certificates)
        checkpoint_if_stale()  # the history is dated in the past: anchor its newest events now, as cron would
    click.echo(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})")
    for user in users:
        click.echo(f"  {user.email:<28} {', '.join(sorted(r.value for r in user.roles))}")
    chairs = [user.email for user in users if mfa_enabled(user)]
    if chairs:
        click.echo(f"\nTwo-step verification ({', '.join(chairs)}): add the authenticator key {DEMO_TOTP_SECRET} to "
                   "an authenticator app, or print the current code with\n  .venv/bin/python -c \"import pyotp; "
                   f"print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())\"")


# -- re-review and reminders ---------------------------------------------------------------------
def _day(value):
    """The --date option as a date, or today in UTC."""
    return value.date() if value is not None else utcnow().date()


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


def _sweep(today) -> None:
    result = sweep(today)
    for stage in result.recurring:
        click.echo(f"reopened {stage.project.name} / {stage.name}: periodic review due")
    for stage in result.expired_evidence:
        codes = stage.reopen_codes
        click.echo(f"reopened {stage.project.name} / {stage.name}: evidence expired "
                   f"(criteria {', '.join(codes) if codes else 'all'})")
    click.echo(f"Re-review sweep for {today.isoformat()}: {_counted(result.count, 'stage')} reopened")
    for cert in certificate_status.sweep(today):
        click.echo(f"certificate {cert.public_id} ({cert.project.name}): {cert.status}")
    for condition in note_overdue(today):
        click.echo(f"condition {condition.id} ({condition.stage_review.project.name}): overdue since "
                   f"{condition.due_date.isoformat()}")


@click.group("rereview", help="Re-review of approved stages (recurring reviews, expired evidence).")
def rereview_cli():
    pass


@rereview_cli.command("sweep")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), help="Run as of this day (UTC today).")
@with_appcontext
def rereview_sweep(day):
    """Reopen recurring stages whose next review date has come and criteria whose evidence expired."""
    with transaction():
        _sweep(_day(day))


@click.command("remind")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), help="Run as of this day (UTC today).")
@click.option("--dry-run", is_flag=True, help="Show who would get what; send nothing, change nothing.")
@with_appcontext
def remind_command(day, dry_run):
    """The daily job: run the re-review sweep, then send each person ONE digest of what is new for them.

    With REDIS_URL the digests are queued, one job per person, for `reviewboard worker` to send.
    Items already sent to a person are never repeated. Mail goes through SMTP when REVIEWBOARD_SMTP_HOST is
    set, otherwise each digest is written as a log line. Each person's digest is committed as it is sent, so
    a crash mid-run never resends to the people already done.
    """
    today = _day(day)
    if dry_run:
        try:
            _sweep(today)
            digests = build_digests(today)
            for digest in digests:
                if digest.items:
                    click.echo(f"would send to {digest.user.email}: {digest.subject}")
                    for item in digest.items:
                        click.echo(f"  - [{item.key}] {item.text} ({item.detail})")
            click.echo(f"Dry run: {_counted(sum(1 for d in digests if d.items), 'digest')} would be sent, "
                       f"{_people(sum(1 for d in digests if not d.items))} with nothing new")
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
        click.echo(f"{_counted(queued, 'digest')} queued for the job worker, {_people(quiet)} with nothing new")
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
            click.echo(f"sent to {digest.user.email}: {_counted(len(digest.items), 'item')} via {sender.channel}")
    finally:
        sender.close()
    click.echo(f"{_counted(sent, 'digest')} sent via {sender.channel}, {_people(quiet)} with nothing new")
