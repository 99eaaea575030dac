"""An SMTP outage of up to a day loses nothing and needs no retry by hand: the server refuses
connections for 23 hours while the worker keeps to its retry schedule, then comes back, and
every message goes once, in the order it was queued."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from core.formatting import utc_now
from extensions import db
from notifications.models import MessageStatus, OutboxMessage
from notifications.worker import send_all_due
from tests.factories.notifications import queue_many
from tests.fault.conftest import assert_each_sent_exactly_once
from tests.smtp import SmtpServer


def test_a_23_hour_outage_loses_nothing_and_everything_goes_once_it_ends(smtp_server: SmtpServer) -> None:  # noqa: F811
    queue_many(3)
    smtp_server.stop()  # connections refused
    started = utc_now()
    moment = started
    attempts = 0
    while moment < started + timedelta(hours=23):
        with time_machine.travel(moment, tick=False):
            send_all_due()
        attempts += 1
        db.session.expire_all()
        # The next try of the first message: the worker would wake for it.
        moment = max(db.session.scalars(select(OutboxMessage.next_attempt_at_utc)).all())
    statuses = set(db.session.scalars(select(OutboxMessage.status)).all())
    assert statuses == {MessageStatus.QUEUED}, "marked failed during an outage shorter than a day"
    assert attempts > 20

    smtp_server.start()
    with time_machine.travel(moment, tick=False):
        send_all_due()
    db.session.expire_all()
    received = smtp_server.received
    assert [item.message["Subject"] for item in received] == [f"Bulk message {n}" for n in range(3)]
    assert_each_sent_exactly_once(received, 3)
