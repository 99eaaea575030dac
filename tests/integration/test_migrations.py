"""The schema comes only from migrations: up to head and back down on a fresh database,
on SQLite and (when TEST_DATABASE_URL points at it) PostgreSQL; and the models match."""

from __future__ import annotations

import os
import uuid

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text


@pytest.fixture
def fresh_database_url(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_to_head_and_down_to_base(fresh_database_url: str) -> None:
    from extensions import db
    from portal.app import create_app

    app = create_app("test", SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"organisations", "users", "audit_events", "outbox_messages"} <= tables
        assert set(db.metadata.tables) <= tables

        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []

        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


def _rows(connection) -> dict[str, int]:
    from extensions import db

    tables = set(inspect(connection).get_table_names())
    return {
        t.name: connection.execute(text(f'SELECT COUNT(*) FROM "{t.name}"')).scalar_one()
        for t in db.metadata.sorted_tables
        if t.name in tables
    }


def test_down_to_base_and_up_again_with_the_demo_data(fresh_database_url: str) -> None:
    """Every downgrade runs with data in the tables (batch table rebuilds on SQLite with foreign
    keys in force failed here), one step at a time, leaves no half-built table behind, and the
    schema comes back whole and takes the demo data again."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    from extensions import db
    from portal.app import create_app
    from portal.seeding import seed_demo_data, seed_reference_data

    app = create_app("test", SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with app.app_context():
        upgrade()
        seed_reference_data()
        assert seed_demo_data("correct-horse-battery-staple")
        db.session.commit()
        with db.engine.connect() as connection:
            seeded = _rows(connection)
        assert seeded["reviews"] and seeded["multi_agency_cases"] and seeded["panels"] and seeded["learning_items"]
        db.session.remove()

        config = current_app.extensions["migrate"].migrate.get_config()
        revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()]
        if db.engine.dialect.name == "sqlite":
            # What a downgrade that failed before left behind, and every retry then tripped on.
            with db.engine.begin() as connection:
                connection.exec_driver_sql("CREATE TABLE _alembic_tmp_reviews (id INTEGER)")
        for revision in revisions:  # head first
            downgrade(revision="-1")
            with db.engine.connect() as connection:
                tables = set(inspect(connection).get_table_names())
                assert not {t for t in tables if t.startswith("_alembic_tmp")}, revision
                if connection.dialect.name == "sqlite":
                    # Foreign keys are back on for the app, and nothing left dangling.
                    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
                    assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) - {"alembic_version"} == set()

        upgrade()
        seed_reference_data()
        seed_demo_data("correct-horse-battery-staple")
        db.session.commit()
        with db.engine.connect() as connection:
            assert _rows(connection) == seeded
        db.session.remove()


def test_actions_and_attendance_recorded_before_0023_move_across(fresh_database_url: str) -> None:
    """Open actions become accepted; completed ones signed off (on the day they were completed,
    impact review a year on); not accepted ones declined; who attended is present."""
    from extensions import db
    from portal.app import create_app

    app = create_app("test", SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with app.app_context():
        upgrade(revision="0018_opened_from_audit")
        now = "2025-06-01 09:00:00"
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisations (id, name, kind, active, created_at_utc, updated_at_utc) "
                    f"VALUES (1, 'Northshire Police', 'police', true, '{now}', '{now}')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO learning_themes (id, name, active, position, created_at_utc, updated_at_utc) "
                    f"VALUES (1, 'Information sharing', true, 1, '{now}', '{now}')"
                )
            )
            for action_id, status, completed_on in (
                (1, "open", None),
                (2, "completed", "2025-02-28"),
                (3, "not_accepted", None),
            ):
                connection.execute(
                    text(
                        "INSERT INTO action_records (id, title, what_will_change, owner_id, level, theme_id, due_on, "
                        "evidence_measure, status, completed_on, completion_needs_file, version, created_at_utc, "
                        "updated_at_utc) VALUES (:id, 'An action', 'Change', 1, 'local', 1, '2025-09-01', 'Audit', "
                        f":status, :completed_on, false, 1, '{now}', '{now}')"
                    ),
                    {"id": action_id, "status": status, "completed_on": completed_on},
                )
            connection.execute(
                text(
                    "INSERT INTO action_updates (action_id, posted_at_utc, author_name, author_organisation, progress, "
                    f"evidence, status_before, status_after) VALUES (2, '{now}', 'A', 'B', 'Done', 'Audit', "
                    "'in_progress', 'completed')"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, status, signed_off_on, impact_review_on FROM action_records ORDER BY id")
            ).all()
            assert [(r[0], r[1]) for r in rows] == [(1, "accepted"), (2, "signed_off"), (3, "declined")]
            assert str(rows[1][2]) == "2025-02-28" and str(rows[1][3]) == "2026-02-28"
            update = connection.execute(text("SELECT status_after, event FROM action_updates")).one()
            assert tuple(update) == ("signed_off", "update")
        downgrade(revision="0018_opened_from_audit")
        with db.engine.connect() as connection:
            statuses = connection.execute(text("SELECT status FROM action_records ORDER BY id")).scalars().all()
            assert statuses == ["open", "completed", "not_accepted"]
        downgrade(revision="base")
        db.engine.dispose()
