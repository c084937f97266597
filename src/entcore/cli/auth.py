"""``entcore accounts activation-code`` and ``entcore serve``: local sign-in and the web layer."""

from __future__ import annotations

import click

from entcore.app import Entcore
from entcore.cli.context import CliContext, pass_app, pass_context
from entcore.cli.output import errors_as_failures, fail
from entcore.cli.read import accounts


@accounts.command("activation-code")
@click.argument("login")
@click.option(
    "--reset", is_flag=True, help="A reset code (the account has a password and lost it)."
)
@pass_app
def accounts_activation_code(app: Entcore, login: str, reset: bool) -> None:
    """Print a one-time code with which LOGIN chooses a password at /auth/activate (or /auth/reset).

    The code expires after ``[auth] code_lifetime_hours``; a new code replaces
    the previous one.  Only profiles of ``[auth] local_profiles`` sign in with
    a password.
    """
    from entcore.auth import AuthService, SignInFailure

    purpose = "reset" if reset else "activation"
    with errors_as_failures():
        service = AuthService(app.store, app.settings)
        try:
            code, expires = service.issue_code(login, purpose)
        except SignInFailure as failure:
            fail(failure.message)
    page = "/auth/reset" if reset else "/auth/activate"
    click.echo(code)
    click.echo(
        f"valable jusqu'au {expires:%d/%m/%Y à %H:%M} UTC, une seule fois, sur la page {page}",
        err=True,
    )


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes; each builds its own application (all share the store).",
)
@pass_context
def serve_command(context: CliContext, host: str, port: int, workers: int) -> None:
    """Serve the web layer (sign-in pages and plugins' routes) with uvicorn."""
    import os

    import uvicorn

    from entcore.web import create_app

    with errors_as_failures():
        app = context.app()
        web_app = create_app(app)  # checks the settings before listening
    if workers == 1:
        uvicorn.run(web_app, host=host, port=port, log_level="info", proxy_headers=False)
        return
    # Several processes: uvicorn imports the factory in each worker, which rebuilds the
    # application from the environment; --db and --config travel through it.
    app.close()
    if context.db:
        os.environ["ENTCORE_DB"] = context.db
    if context.config:
        os.environ["ENTCORE_CONFIG"] = str(context.config)
    uvicorn.run(
        "entcore.web:factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )
