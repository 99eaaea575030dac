"""Synthetic data sets at a scale: a registry of builders, one per domain, run in order.

A data set is a migrated database (the schema comes from the migrations, as in production)
with the reference data seeded and then each builder's bulk inserts. SQLite files live in
``bench/.data/``; with BENCH_DATABASE_URL set to a PostgreSQL URL, each scale gets its own
database named after it (``<name>_1x``...). A built set is reused while its fingerprint (the
builders' source and the migration files) is unchanged.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, make_url, text

DATA_DIR = Path(__file__).resolve().parent / ".data"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations" / "versions"
BENCH_PASSWORD = "bench password not secret"  # nosec B105 - synthetic accounts on loopback
CHUNK = 5_000

# The benchmark's own people, one per role the pages are measured as.
ACCOUNTS = {
    "admin": "admin@bench.example",
    "inspector": "inspector@bench.example",
    "agency": "agency@bench.example",
    "probation": "probation@bench.example",
}


@dataclass
class BuildContext:
    """What builders share: the scale, a seeded random source, ids of what earlier builders made."""

    scale: int
    rng: random.Random
    ids: dict[str, list[int]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def per_scale(self, one_year: int) -> int:
        return one_year * self.scale

    def insert(self, model: Any, rows: Iterable[dict[str, Any]]) -> list[int]:
        """Bulk-insert rows in chunks and return their ids (in order)."""
        from extensions import db

        ids: list[int] = []
        batch: list[dict[str, Any]] = []
        table = model.__table__
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                ids.extend(self._insert_chunk(db, model, batch))
                batch = []
        if batch:
            ids.extend(self._insert_chunk(db, model, batch))
        self.counts[table.name] = self.counts.get(table.name, 0) + len(ids)
        return ids

    @staticmethod
    def _insert_chunk(db: Any, model: Any, batch: list[dict[str, Any]]) -> list[int]:
        result = db.session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), batch)
        return [row[0] for row in result]


Builder = Callable[[BuildContext], None]


@dataclass(frozen=True)
class RegisteredBuilder:
    name: str
    build: Builder


BUILDERS: list[RegisteredBuilder] = []


def builder(name: str) -> Callable[[Builder], Builder]:
    """Register a data builder; they run in the order they are registered."""

    def decorator(func: Builder) -> Builder:
        BUILDERS.append(RegisteredBuilder(name, func))
        return func

    return decorator


def fingerprint() -> str:
    from bench import builders

    digest = hashlib.sha256(inspect.getsource(builders).encode())
    digest.update(Path(__file__).read_bytes())
    for path in sorted(MIGRATIONS_DIR.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def dataset_url(scale: int) -> str:
    base = os.environ.get("BENCH_DATABASE_URL")
    if base:
        url = make_url(base)
        return url.set(database=f"{url.database}_{scale}x").render_as_string(hide_password=False)
    DATA_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{DATA_DIR / f'bench-{scale}x.sqlite3'}"


def _stored_fingerprint(url: str) -> str | None:
    if url.startswith("sqlite") and not Path(make_url(url).database or "").exists():
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT value FROM bench_dataset WHERE key = 'fingerprint'")).scalar()
    except Exception:  # noqa: BLE001 - no database or no marker yet: build it
        return None
    finally:
        engine.dispose()


def _fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def ensure_dataset(scale: int, *, rebuild: bool = False, log: Callable[[str], None] = print) -> str:
    """The URL of a database holding the data set at ``scale``, building it if needed."""
    url = dataset_url(scale)
    wanted = fingerprint()
    if not rebuild and _stored_fingerprint(url) == wanted:
        log(f"{scale}×: reusing the data set at {make_url(url).render_as_string(hide_password=True)}")
        return url
    log(f"{scale}×: building the data set (migrations, reference data, {len(BUILDERS)} builders)")
    _fresh_database(url)
    from flask_migrate import upgrade

    from bench.app import create_bench_app
    from extensions import db
    from portal.seeding import seed_reference_data

    app = create_bench_app(url)
    with app.app_context():
        upgrade()
        seed_reference_data()
        db.session.commit()
        context = BuildContext(scale=scale, rng=random.Random(20210401 + scale))
        for registered in BUILDERS:
            started = time.perf_counter()
            registered.build(context)
            db.session.commit()
            log(f"  {registered.name}: {time.perf_counter() - started:.1f}s")
        # Fresh planner statistics, as a database that has lived for years would have.
        db.session.execute(text("ANALYZE"))
        db.session.execute(text("CREATE TABLE bench_dataset (key VARCHAR(40) PRIMARY KEY, value VARCHAR(200))"))
        db.session.execute(
            text("INSERT INTO bench_dataset (key, value) VALUES ('fingerprint', :v), ('scale', :s)"),
            {"v": wanted, "s": str(scale)},
        )
        db.session.commit()
        log("  rows: " + ", ".join(f"{table} {count:,}" for table, count in sorted(context.counts.items())))
        db.engine.dispose()
    return url
