"""`reviewboard worker` and `reviewboard jobs ...`: running the job outbox outside the web server."""

from __future__ import annotations

import logging
import os

import click
from flask import current_app
from flask.cli import get_debug_flag, with_appcontext
from flask.cli import run_command as flask_run_command
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.serving import is_running_from_reloader

from reviewboard.core.boundary import transaction
from reviewboard.extensions import db
from reviewboard.i18n.help import N_, HelpCommand, HelpGroup
from reviewboard.jobs import embedded, outbox, queue
from reviewboard.jobs.models import Job


@click.command("worker", cls=HelpCommand, help=N_(
    "Run jobs (records, digests): an RQ worker on REDIS_URL with its sweeper, or without Redis the same loop as "
    "the server's embedded worker. Stops on SIGTERM or Ctrl-C; a job cut short runs again (JOB_LEASE)."))
@click.option("--burst", is_flag=True, help=N_("Exit once no job is left (instead of waiting for more)."))
# not for people: the embedded worker's process, started by `reviewboard serve` or `reviewboard run` without Redis,
# woken through its standard input and ended when that input closes (jobs/embedded.py)
@click.option("--beside-server", is_flag=True, hidden=True)
@with_appcontext
def worker_command(burst, beside_server):
    app = current_app._get_current_object()
    logging.getLogger("reviewboard").setLevel(os.environ.get("REVIEWBOARD_LOG_LEVEL", "INFO"))
    if beside_server:
        embedded.run_beside_server(app)
        return
    if app.config.get("REDIS_URL") and app.config["JOBS_MODE"] in ("auto", "rq"):
        click.echo(_("Job worker on Redis (RQ queue 'reviewboard'), sweeping lost jobs every %(seconds)s s.",
                     seconds=format(app.config["JOB_SWEEP_INTERVAL"].total_seconds(), "g")), err=True)
        queue.work(app, burst=burst)
        return
    if burst:
        while queue.sweep():
            pass
        return
    click.echo(_("Job worker without Redis: polling the job table."), err=True)
    embedded.run_until_stopped(app)


@click.group("jobs", help=N_("The job outbox (records, digests)."), cls=HelpGroup)
def jobs_cli():
    pass


@jobs_cli.command("sweep", help=N_(
    "Send again (Redis) or run here (no Redis) every job that is due: its message lost or its worker dead."))
@with_appcontext
def jobs_sweep():
    due = queue.sweep()
    done = (_("%(count)s job(s) sent again", count=len(due)) if current_app.config.get("REDIS_URL")
            else _("%(count)s job(s) run", count=len(due)))
    click.echo(done + (f": {', '.join(map(str, due))}" if due else ""))


@jobs_cli.command("retry", help=N_(
    "Run failed jobs again (their attempts start over), e.g. the record a stage page says could not be issued. "
    "Each retry is an audit event."))
@click.argument("job_ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help=N_("Every failed job (instead of the ids given)."))
@with_appcontext
def jobs_retry(job_ids, all_failed):
    if bool(job_ids) == all_failed:
        raise click.UsageError(_("Give the ids of the failed jobs (the stage page names its job), or --all-failed."))
    with transaction():
        retried = outbox.retry(None, None if all_failed else list(job_ids))
    ids = [job.id for job in retried]
    click.echo(_("%(count)s job(s) retried", count=len(ids)) + (f": {', '.join(map(str, ids))}" if ids else ""))
    skipped = sorted(set(job_ids) - set(ids))
    if skipped:
        click.echo(_("not failed (left as they are): %(ids)s", ids=", ".join(map(str, skipped))), err=True)


@jobs_cli.command("list", help=N_("How many jobs are in each state."))
@with_appcontext
def jobs_list():
    for status, count in db.session.execute(select(Job.status, func.count()).group_by(Job.status)):
        click.echo(f"{status:<8} {count}")


def _run_with_embedded_worker(*args, **kwargs):
    # the serving process runs the jobs; with the reloader, that is the child (the parent only watches files)
    reload = kwargs.get("reload")
    if not (get_debug_flag() if reload is None else reload) or is_running_from_reloader():
        embedded.start_beside()
    return flask_run_command.callback(*args, **kwargs)


# `reviewboard run`: Flask's development server, plus the embedded job worker (records are issued without Redis)
run_command = HelpCommand("run", params=flask_run_command.params, callback=_run_with_embedded_worker,
                            help=flask_run_command.help, short_help=flask_run_command.short_help)
