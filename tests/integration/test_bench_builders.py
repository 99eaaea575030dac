"""The benchmark's data builders still match the models: a 1× data set builds on the test
database, has the issue's volumes, and its accounts sign in through the real form."""

from __future__ import annotations

import random

from agencies.models import User
from bench import builders  # noqa: F401 - registers the builders
from bench.datasets import ACCOUNTS, BENCH_PASSWORD, BUILDERS, BuildContext
from core.audit import AuditEvent
from extensions import db
from reviews.models import Assessment, Review


def test_a_one_year_data_set_builds_and_its_accounts_sign_in(client) -> None:
    context = BuildContext(scale=1, rng=random.Random(1))
    for registered in BUILDERS:
        registered.build(context)
    db.session.commit()

    assert db.session.scalar(db.select(db.func.count(Review.id))) == builders.REVIEWS_PER_YEAR
    assert db.session.scalar(db.select(db.func.count(Assessment.id))) == builders.ASSURED_PER_YEAR
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) >= builders.AUDIT_EVENTS_PER_YEAR
    assert context.counts["users"] == db.session.scalar(db.select(db.func.count(User.id)))
    for role, email in ACCOUNTS.items():
        assert context.ids[f"users.{role}"][0] == db.session.scalar(db.select(User.id).where(User.email == email))
        response = client.post("/login", data={"email": email, "password": BENCH_PASSWORD})
        assert response.status_code == 302, role
        client.post("/logout")
