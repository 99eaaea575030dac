"""``flask --app wsgi notifications send [--loop]``: the outbox worker."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any, cast

import click
from flask import current_app
from flask.cli import AppGroup

from core import renders
from core.formatting import utc_now
from notifications import inbound
from notifications.delivery import transport_for_app
from notifications.worker import DEFAULT_POLL_SECONDS, PassResult, run_worker, send_all_due


def _report(result: PassResult) -> None:
    click.echo(f"{utc_now():%Y-%m-%d %H:%M:%S} UTC  outbox: {result.summary()}")


def _report_renders(result: renders.RenderPass) -> None:
    click.echo(f"{utc_now():%Y-%m-%d %H:%M:%S} UTC  documents: {result.summary()}")


def _stop_on_signals(stop: threading.Event, message: str = "Outbox worker stopping after the current message…") -> None:
    """SIGTERM (make run's trap, systemd, docker stop) and Ctrl-C finish the current message,
    give back the remaining claims and exit cleanly. A second Ctrl-C stops at once."""

    def _handle(signum: int, _frame: FrameType | None) -> None:
        if not stop.is_set():
            click.echo(message, err=True)
        stop.set()
        if signum == signal.SIGINT:
            signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGTERM, _handle)
    signal.signal(signal.SIGINT, _handle)


notifications_cli = AppGroup("notifications", help="Email: the outbox worker and the inbound listener.")


@notifications_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, polling for due messages, until stopped.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_POLL_SECONDS,
    show_default=True,
    help="Seconds between polls with --loop.",
)
def send_command(loop: bool, interval: float) -> None:
    """Deliver the email outbox: every message that is due, then exit (or, with --loop, keep going)."""
    transport = transport_for_app()
    if not current_app.config.get("MAIL_SERVER"):
        click.echo(f"MAIL_SERVER is not set: messages go to the local mail catcher, {transport.description}.")
    if not loop:
        _report(send_all_due())
        return
    stop = threading.Event()
    _stop_on_signals(stop)
    # PDFs are rendered beside the email, in a thread, so a long pack never holds up a message.
    renderer = renders.start_render_thread(
        cast(Any, current_app)._get_current_object(),
        stop,
        poll_seconds=interval,
        report=_report_renders,
    )
    click.echo(f"Outbox worker delivering through the {transport.description}; polling every {interval:g}s.")
    click.echo("Rendering panel packs and QA reports (PDF) in the background.")
    try:
        run_worker(stop, poll_seconds=interval, report=_report)
    except KeyboardInterrupt:  # the second Ctrl-C
        stop.set()
    renderer.join(timeout=RENDER_STOP_SECONDS)
    click.echo("Outbox worker stopped.")


# A render in progress cannot be interrupted; after this long the process exits anyway and the
# render's lease lets another worker take it later.
RENDER_STOP_SECONDS = 20.0


@notifications_cli.command("render")
@click.option("--loop", is_flag=True, help="Keep running, polling for PDFs to render, until stopped.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=renders.DEFAULT_POLL_SECONDS,
    show_default=True,
    help="Seconds between polls with --loop.",
)
def render_command(loop: bool, interval: float) -> None:
    """Render the PDFs downloads are waiting for (panel packs, QA reports), then exit (or keep going).

    ``send --loop`` already does this in a thread; run this for extra rendering workers.
    """
    if not loop:
        _report_renders(renders.render_due())
        return
    stop = threading.Event()
    _stop_on_signals(stop)
    click.echo(f"Document renderer polling every {interval:g}s.")
    try:
        renders.run_render_worker(stop, poll_seconds=interval, report=_report_renders)
    except KeyboardInterrupt:
        pass
    click.echo("Document renderer stopped.")


@notifications_cli.command("receive")
@click.option("--listen", default=None, help="host:port to listen on (default: the INBOUND_SMTP setting).")
def receive_command(listen: str | None) -> None:
    """Take in mail forwarded from the panels mailbox over SMTP (calendar replies) until stopped."""
    setting = listen or current_app.config.get("INBOUND_SMTP", "")
    if not setting:
        raise click.UsageError("Set INBOUND_SMTP (for example 127.0.0.1:2525) or pass --listen.")
    try:
        host, port = inbound.parse_address(setting)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    stop = threading.Event()
    _stop_on_signals(stop, "Inbound listener stopping…")
    controller = inbound.start_listener(cast(Any, current_app)._get_current_object(), host, port)
    click.echo(f"Listening for calendar replies by SMTP on {host}:{port}.")
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    controller.stop()
    click.echo("Inbound listener stopped.")
