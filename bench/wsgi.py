"""gunicorn entry point for the benchmark: ``gunicorn bench.wsgi:app`` (BENCH_DB_URL set)."""

from bench.app import app_from_environment

app = app_from_environment()
