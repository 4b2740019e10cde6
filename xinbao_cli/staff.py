"""staff add | list | disable | enable | token — staff accounts from the terminal.

Every change is written to the audit log as ``cli:<operating-system user>``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, NoReturn

import click

from xinbao_cli.common import app_context, cli_actor

if TYPE_CHECKING:
    from core.services import Services

ROLE_HELP = "operator, claims_reviewer, academy_editor or admin (repeat for several)"


def register(group: click.Group) -> None:
    group.add_command(staff)


@contextmanager
def _services() -> Iterator[Services]:
    """The app's services for one command (app_context closes the pool afterwards)."""
    from core.services import current

    with app_context():
        yield current()


def _fail(message: str) -> NoReturn:
    raise click.ClickException(message)


@click.group(help="Staff accounts: add, list, disable, enable, issue API tokens.")
def staff() -> None:
    pass


@staff.command(help="Add a staff account. The password is asked for (or read from stdin).")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Display name, e.g. 张三.")
@click.option("--role", "roles", multiple=True, required=True, help=ROLE_HELP)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def add(username: str, display_name: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    from identity import IdentityError
    from identity import staff as accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _services() as services:
        try:
            account = accounts.create(services.db.session, cli_actor(), username=username,
                                      display_name=display_name, password=password,
                                      roles=roles, now=services.clock())
        except IdentityError as error:
            services.db.session.rollback()
            _fail(error.message)
        services.db.session.commit()
        click.echo(f"added {account.username} ({', '.join(account.roles)})")


@staff.command(name="list", help="List staff accounts.")
@click.option("--active-only", is_flag=True, help="Hide disabled accounts.")
def list_accounts(active_only: bool) -> None:
    from identity import staff as accounts

    with _services() as services:
        rows, total = accounts.listing(services.db.session, limit=10_000,
                                       active=True if active_only else None)
        click.echo(f"{'username':<24} {'state':<8} {'roles':<40} name")
        for account in rows:
            state = "active" if account.active else "disabled"
            click.echo(f"{account.username:<24} {state:<8} {','.join(account.roles):<40} "
                       f"{account.display_name}")
        click.echo(f"{total} account(s)")


def _set_active(username: str, active: bool) -> None:
    from identity import IdentityError
    from identity import staff as accounts

    with _services() as services:
        try:
            account = accounts.by_username(services.db.session, username)
            accounts.update(services.db.session, cli_actor(), account, now=services.clock(),
                            active=active)
        except IdentityError as error:
            services.db.session.rollback()
            _fail(f"{username}: {error.message}")
        services.db.session.commit()
        click.echo(f"{'enabled' if active else 'disabled'} {username}")


@staff.command(help="Disable an account: it can no longer sign in; its API tokens stop working.")
@click.argument("username")
def disable(username: str) -> None:
    _set_active(username, False)


@staff.command(help="Enable a disabled account again.")
@click.argument("username")
def enable(username: str) -> None:
    _set_active(username, True)


@staff.command(help="Issue an API token for a machine acting as this account.")
@click.argument("username")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 366))
@click.option("--label", default="machine", show_default=True, help="What the token is for.")
def token(username: str, days: int, label: str) -> None:
    from identity import IdentityError, audit, sessions
    from identity import staff as accounts

    with _services() as services:
        now = services.clock()
        try:
            account = accounts.by_username(services.db.session, username)
            issued = sessions.open_staff_session(
                services.db.session, sessions.signer(services.settings.secret_key), account,
                now=now, lifetime=timedelta(days=days), label=label,
            )
        except IdentityError as error:
            services.db.session.rollback()
            _fail(f"{username}: {error.message}")
        audit.record(services.db.session, cli_actor(), "staff.token_issued", "staff", account.id,
                     now=now, note=label)
        services.db.session.commit()
        click.echo(issued.token)
        click.echo(f"expires {issued.expires_at:%Y-%m-%d %H:%M} UTC", err=True)
