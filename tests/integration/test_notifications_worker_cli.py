"""``flask notifications send`` (one pass) and ``--loop`` (a real process, stopped by a signal)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from extensions import db
from notifications.models import MessageStatus, OutboxMessage
from tests.conftest import ROOT
from tests.factories.notifications import queue_notice
from tests.smtp import SmtpServer


def test_send_delivers_everything_due_once_and_exits(app, smtp_server: SmtpServer) -> None:  # noqa: F811
    for n in range(3):
        queue_notice(f"cli{n}@police.example", commit=False)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["notifications", "send"])

    assert result.exit_code == 0, result.output
    assert "sent 3, will retry 0, failed 0" in result.output
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == [f"cli{n}@police.example" for n in range(3)]
    db.session.expire_all()
    assert set(db.session.scalars(db.select(OutboxMessage.status))) == {MessageStatus.SENT}


def test_send_reports_a_refusal_and_keeps_the_message(app, smtp_server: SmtpServer) -> None:  # noqa: F811
    smtp_server.refuse_data("451 4.3.0 Busy")
    queue_notice("later@police.example")
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0
    assert "sent 0, will retry 1" in result.output


def test_without_a_mail_server_send_says_where_the_mail_went(app, tmp_path) -> None:
    saved = app.config["MAIL_SERVER"], app.config["MAIL_CATCHER_DIR"]
    app.config.update(MAIL_SERVER="", MAIL_CATCHER_DIR=str(tmp_path / "mail"))
    try:
        queue_notice("dev@police.example")
        result = app.test_cli_runner().invoke(args=["notifications", "send"])
    finally:
        app.config["MAIL_SERVER"], app.config["MAIL_CATCHER_DIR"] = saved
    assert result.exit_code == 0
    assert "local mail catcher" in result.output and str(tmp_path / "mail") in result.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_the_command_is_registered_with_a_loop_option(app) -> None:
    result = app.test_cli_runner().invoke(args=["notifications", "send", "--help"])
    assert result.exit_code == 0
    assert "--loop" in result.output and "--interval" in result.output


def _migrated_database(url: str) -> None:
    """A separate SQLite file for the worker process, migrated and holding one message."""
    from flask_migrate import upgrade

    from portal.app import create_app

    other = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with other.app_context():
        upgrade()
        queue_notice("looped@police.example", subject="Sent by the looping worker")
        db.session.remove()
        db.engine.dispose()


def _status_in(url: str) -> MessageStatus:
    from portal.app import create_app

    other = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with other.app_context():
        status = db.session.scalar(db.select(OutboxMessage.status))
        db.session.remove()
        db.engine.dispose()
    return status


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_the_loop_delivers_then_stops_cleanly_on_a_signal(
    smtp_server: SmtpServer,
    tmp_path: Path,
    stop_signal: signal.Signals,  # noqa: F811
) -> None:
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    _migrated_database(url)
    env = {
        **os.environ,
        "PORTAL_ENV": "development",
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
    }
    env.pop("TEST_DATABASE_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "notifications", "send", "--loop", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        [received] = smtp_server.wait_for(1, timeout=30)
        assert received.message["Subject"] == "Sent by the looping worker"
        worker.send_signal(stop_signal)
        stdout, stderr = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, stderr
    assert "Outbox worker delivering through the SMTP server" in stdout
    assert "sent 1" in stdout
    assert stdout.rstrip().endswith("Outbox worker stopped.")
    assert "Traceback" not in stderr
    assert _status_in(url) == MessageStatus.SENT
