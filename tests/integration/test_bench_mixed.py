"""The benchmark's mixed workload still walks the real portal: on a 1× data set it finds 50
people across the roles with their own objects; for one person of each role, every page on
their path answers them and every write (the form read from its page, one field changed,
posted) is saved and redirects. (The bench itself walks everyone once before it times.)"""

from __future__ import annotations

import random
from collections import Counter

from werkzeug.datastructures import MultiDict

from bench import builders  # noqa: F401 - registers the builders
from bench.datasets import BENCH_PASSWORD, BUILDERS, BuildContext
from bench.mixed import choose_people, filled, form_fields
from cases.models import AgencyReturn
from extensions import db
from learning.models import ActionUpdate


def test_the_mixed_workload_walks_and_writes_for_fifty_people(app) -> None:  # type: ignore[no-untyped-def]
    context = BuildContext(scale=1, rng=random.Random(1))
    for registered in BUILDERS:
        registered.build(context)
    db.session.commit()

    people = choose_people(50)

    assert len(people) == 50
    assert Counter(p.role for p in people) == {"agency": 26, "inspector": 13, "probation": 10, "admin": 1}
    assert len({p.email for p in people}) == 50
    targets = [w.form_path for p in people for w in p.writes]
    assert len(targets) == len(set(targets)), "two people write to the same object"
    assert {w.name for p in people for w in p.writes} == {"draft return", "action update"}

    updates_before = db.session.scalar(db.select(db.func.count(ActionUpdate.id)))
    # The first person of each role, and the first who saves a draft return.
    firsts = [next(p for p in people if p.role == role) for role in ("inspector", "agency", "probation", "admin")]
    firsts.append(next(p for p in people if any(w.name == "draft return" for w in p.writes)))
    walked = list({p.email: p for p in firsts}.values())
    for person in walked:
        client = app.test_client()
        signed_in = client.post("/login", data={"email": person.email, "password": BENCH_PASSWORD})
        assert signed_in.status_code == 302, person.email
        for page in person.pages:
            assert client.get(page).status_code == 200, (person.email, page)
        for write in person.writes:
            form = client.get(write.form_path)
            assert form.status_code == 200, (person.email, write.form_path)
            changes = {name: value.replace("{note}", "a test note") for name, value in write.fields}
            if write.button:
                changes[write.button[0]] = write.button[1]
            posted = client.post(
                write.form_path,
                data=MultiDict(filled(form_fields(form.get_data(as_text=True), write.form_path), changes)),
            )
            assert posted.status_code == 302, (person.email, write.form_path, posted.get_data(as_text=True)[:2000])
        db.session.remove()

    targets = [w.form_path for p in walked for w in p.writes]
    action_writes = sum(1 for w in targets if "/learning/actions/" in w)
    assert db.session.scalar(db.select(db.func.count(ActionUpdate.id))) == updates_before + action_writes
    saved = db.session.scalar(
        db.select(db.func.count(AgencyReturn.id)).where(AgencyReturn.recommendations.like("%a test note%"))
    )
    assert saved == sum(1 for w in targets if "/cases/returns/" in w) == 1
