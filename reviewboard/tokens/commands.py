"""`reviewboard token create EMAIL --scope read [--expires 30d]`: a token for scripts and for setting up CI."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from reviewboard.auth.services import find_user_by_email
from reviewboard.core.boundary import transaction
from reviewboard.core.errors import ServiceError
from reviewboard.i18n.help import N_, HelpGroup
from reviewboard.tokens import services


@click.group("token", help=N_("Personal access tokens for the API."), cls=HelpGroup)
def token_cli():
    pass


@token_cli.command("create", help=N_("Print a new token for EMAIL's account once (only its hash is kept)."))
@click.argument("email")
@click.option("--scope", type=click.Choice(["read", "submit", "admin"]), default="read", show_default=True)
@click.option("--expires", default="30d", show_default=True, help=N_("Lifetime: 12h, 30d, 2w ... (at most 366d)."))
@click.option("--name", default="Created on the command line", show_default=True, help=N_("What uses it."))
@with_appcontext
def token_create(email, scope, expires, name):
    try:
        with transaction():
            user = find_user_by_email(email)
            if user is None:
                raise ServiceError(_("No account with the e-mail address %(email)s.", email=email), "email")
            created = services.create_token(None, user, name, scope, services.parse_lifetime(expires))
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(created.secret)
    click.echo(_("(token %(id)s for %(email)s, scope %(scope)s, expires %(at)s UTC; it is not shown again)",
                 id=created.token.id, email=user.email, scope=scope,
                 at=created.token.expires_at.strftime("%Y-%m-%d %H:%M")),
               err=True)
