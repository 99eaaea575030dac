"""Read by gunicorn from the working directory: in production, refuse to start several workers
that would each keep their own sign-in throttling counts (``RATELIMIT_STORAGE_URI=memory://``),
however the worker count was given (``--workers`` or ``WEB_CONCURRENCY``)."""

import os

from config import limiter_storage_problem


def on_starting(server):  # type: ignore[no-untyped-def]
    if os.environ.get("PORTAL_ENV") != "production":
        return
    problem = limiter_storage_problem(os.environ.get("RATELIMIT_STORAGE_URI", "memory://"), server.cfg.workers)
    if problem:
        raise SystemExit(f"Refusing to start: {problem}")
