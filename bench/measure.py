"""Measuring: statements per request in process, load with wrk against gunicorn, timings.

Statements are counted in a single in-process request (Flask test client, a SQLAlchemy
``before_cursor_execute`` listener) after a warm-up request, with the same data set and
account the load test uses. The load test runs wrk against gunicorn on a loopback port with
the session cookie a real sign-in produced.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess  # nosec B404 - runs gunicorn and wrk, fixed argument lists
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from bench.datasets import ACCOUNTS, BENCH_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "report.lua"


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class BenchError(RuntimeError):
    """The benchmark cannot measure what it was asked to (not a budget miss)."""


# --- in process ----------------------------------------------------------------------------


def signed_in_client(app: Flask, role: str) -> FlaskClient:
    """A test client that signed in through the sign-in form, as a person does."""
    client = app.test_client()
    if role == "anonymous":
        return client
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": ACCOUNTS[role], "password": BENCH_PASSWORD}
    if match:
        data["csrf_token"] = match.group(1)
    response = client.post("/login", data=data)
    if response.status_code != 302 or "/login" in response.headers.get("Location", "/login"):
        raise BenchError(f"could not sign in as {ACCOUNTS[role]} (status {response.status_code})")
    return client


def session_cookie(app: Flask, client: FlaskClient) -> str | None:
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    return f"{name}={cookie.value}" if cookie else None


class _LastError(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.message: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.message = f"{type(error).__name__}: {error}" if error else record.getMessage()


def count_statements(app: Flask, client: FlaskClient, path: str) -> tuple[int, int, str | None]:
    """(status, SQL statements, the logged error if any) of one GET of ``path``.

    Counted after a warm-up GET (templates compiled, statements cached): the page's whole work,
    which must not grow with the data.
    """
    from extensions import db

    last_error = _LastError()
    logging.getLogger("core.errors").addHandler(last_error)
    try:
        client.get(path)
    finally:
        logging.getLogger("core.errors").removeHandler(last_error)
    statements: list[str] = []

    def listener(_conn, _cursor, statement, _params, _context, _many) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        status = client.get(path).status_code
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return status, len(statements), last_error.message


def in_process_milliseconds(app: Flask, client: FlaskClient, path: str, repeats: int = 15) -> float:
    """The median time of one in-process GET of ``path``: the page's own work (queries and
    templates) without the HTTP server, the network or the load test's queueing."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def fresh_session_cookie(app: Flask, client: FlaskClient) -> str | None:
    """The client's session cookie, its activity time set to now: the portal rewrites a cookie
    whose activity is over a minute old, which a browser would store but wrk never does."""
    if client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None:
        return None
    with client.session_transaction() as session:
        if "last_seen" in session:
            session["last_seen"] = time.time()
    return session_cookie(app, client)


# --- gunicorn --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def default_workers() -> int:
    return int(os.environ.get("BENCH_WORKERS", str(max(2, (os.cpu_count() or 1) * 2))))


@contextmanager
def gunicorn(database_url: str, workers: int, extra_environment: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the bench app on a free loopback port; yields its base URL; stops only its own process."""
    port = free_port()
    environment = {
        **os.environ,
        **(extra_environment or {}),
        "BENCH_DB_URL": database_url,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
        "--timeout",
        "120",
        "bench.wsgi:app",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=environment)  # nosec B603
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise BenchError(f"gunicorn exited with {process.returncode}")
            try:
                if http_get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError("gunicorn did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http_get(url: str, cookie: str | None = None) -> tuple[int, bytes, float]:
    """(status, body, seconds) for one GET, redirects not followed."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310 - loopback
    started = time.perf_counter()
    try:
        with _opener.open(request, timeout=120) as response:  # nosec B310 - loopback URL built here
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    return status, body, time.perf_counter() - started


# --- wrk -------------------------------------------------------------------------------


def wrk_path() -> str:
    path = shutil.which("wrk")
    if not path:
        raise BenchError("wrk is not installed: apt-get install -y wrk")
    return path


def run_wrk(url: str, cookie: str | None, *, seconds: int, connections: int, threads: int) -> LoadResult:
    command = [wrk_path(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # nosec B603
    line = next((line for line in output.splitlines() if line.startswith("BENCH_JSON ")), None)
    if line is None:
        raise BenchError(f"wrk printed no result for {url}:\n{output}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(data[key] for key in ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts"))
    return LoadResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
    )


def time_download(url: str, cookie: str | None, repeats: int = 5) -> tuple[int, float, float]:
    """(status, median seconds, slowest seconds) over sequential GETs after one warm-up."""
    status, _body, _seconds = http_get(url, cookie)
    durations = []
    for _ in range(repeats):
        status, _body, seconds = http_get(url, cookie)
        durations.append(seconds)
    return status, statistics.median(durations), max(durations)
