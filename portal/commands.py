"""CLI commands: ``flask --app wsgi seed-demo`` and ``seed-reference``."""

from __future__ import annotations

import os
import secrets

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_reference_command)
    app.cli.add_command(seed_demo_command)


@click.command("seed-reference")
@with_appcontext
def seed_reference_command() -> None:
    """Create the reference data every installation needs (idempotent)."""
    from portal.seeding import seed_reference_data

    seed_reference_data()
    db.session.commit()
    click.echo("Reference data is in place.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create demo organisations, accounts and cases (idempotent). Refused in production."""
    if not current_app.config.get("ALLOW_DEMO_ACCOUNTS"):
        raise click.ClickException("Demo accounts are not allowed in this configuration (production).")
    from portal.seeding import seed_demo_data, seed_reference_data

    password = os.environ.get("DEMO_PASSWORD")
    made_up = password is None
    if password is None:
        # Memorable enough to type, long enough for the password rules.
        password = "-".join(secrets.choice(_WORDS) for _ in range(4))
    seed_reference_data()
    created = seed_demo_data(password)
    db.session.commit()
    if created:
        click.echo(f"Demo data created: {len(created)} records (organisations, accounts, cases).")
    else:
        click.echo("Demo data already present; nothing changed.")
    if made_up and created:
        click.echo(f"Demo accounts' password: {password}")
    elif made_up:
        click.echo("Demo accounts keep the password they were given; set DEMO_PASSWORD and run again to reset it.")


_WORDS = (
    "harbour meadow lantern copper violet orchard thistle granite pebble falcon willow marble "
    "cobalt saffron juniper kestrel bramble cinder lagoon tundra quartz ember hollow summit"
).split()
