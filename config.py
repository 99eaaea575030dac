"""Settings per environment.

Development runs on SQLite in ``instance/`` with no setup; production takes every secret
from the environment and refuses to start with a default (see ``ProductionConfig.validate``).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))

# A fixed key is fine for a laptop; production refuses it.
DEVELOPMENT_SECRET_KEY = "development-only-not-secret"  # nosec B105


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Local parts that say nobody reads the mailbox: no-reply, noreply, do-not-reply, donotreply.
_NO_REPLY = re.compile(r"no[-_.]?reply|do[-_.]?not[-_.]?reply")


def processes() -> int:
    """How many processes serve the portal: gunicorn's ``WEB_CONCURRENCY`` (1 if unset)."""
    try:
        return max(1, int(os.environ.get("WEB_CONCURRENCY", "1")))
    except ValueError:
        return 1


def limiter_storage_problem(uri: str, workers: int) -> str:
    """Why the throttling store cannot serve ``workers`` processes ("" when it can)."""
    if uri.startswith("memory") and workers > 1:
        return (
            f"RATELIMIT_STORAGE_URI is {uri} but {workers} processes serve the portal: each would keep "
            "its own sign-in counts; use Redis (redis://…)"
        )
    return ""


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete; the app must not start."""


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # The link in every email points here; requests never guess their own host for mail.
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000")

    # Sessions: 30 minutes idle (refreshed on every request), 12 hours at most.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
    # The timeout warning opens this long before the idle limit signs the person out.
    SESSION_WARNING_SECONDS = 120
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
    # The cookie is re-sent when the recorded activity moves on (at most once a minute, see
    # core/security.py), not on every response: its expiry lags the idle limit by under a minute.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "session"
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 12

    # How many proxies in front of the app to believe about the client's address and scheme
    # (X-Forwarded-For, X-Forwarded-Proto): exactly as many as there are. 0 trusts no header.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # Sign-in throttling (agencies/throttle.py). Redis when more than one process serves: memory
    # storage is per process (production refuses it then).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "portal")
    SIGN_IN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"  # per account and address; then the account is slowed
    SIGN_IN_LIMIT_PER_ADDRESS = "20 per 15 minutes"
    SIGN_IN_MAX_DELAY_SECONDS = 30  # the longest an account's owner waits while someone guesses at it

    PASSWORD_RESET_VALID_FOR = timedelta(hours=2)
    FIRST_SIGN_IN_VALID_FOR = timedelta(days=7)

    # Email (Flask-Mail); with no MAIL_SERVER in development the local mail catcher takes it.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")
    MAIL_USE_SSL = _flag("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "learning-panels@inspectorate.example")
    MAIL_CATCHER_DIR = str(INSTANCE_DIR / "mail")
    # The outbox worker: each SMTP command waits at most MAIL_TIMEOUT seconds, and one message at
    # most nine of them and always less than the lease a worker holds on it (notifications/worker.py).
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "30"))
    NOTIFICATIONS_CLAIM_LEASE = timedelta(seconds=int(os.environ.get("OUTBOX_LEASE_SECONDS", "300")))
    # Admins see a banner (and /healthz says "delayed") when a message has waited longer than this.
    OUTBOX_ALERT_AFTER_MINUTES = int(os.environ.get("OUTBOX_ALERT_AFTER_MINUTES", "60"))
    # The ORGANIZER of every panel's calendar invitation: the Inspectorate's panels mailbox, to
    # which calendar clients send their replies (Accept, Decline) and which forwards them to the
    # portal's inbound listener. Production requires a real, read mailbox, never a no-reply one.
    PANEL_ORGANIZER_EMAIL = os.environ.get("PANEL_ORGANIZER_EMAIL", "learning-panels@inspectorate.example")
    # Mail forwarded from that mailbox comes in over SMTP here ("host:port", served by
    # `flask notifications receive`); each message's calendar parts go to these handlers.
    INBOUND_SMTP = os.environ.get("INBOUND_SMTP", "")
    INBOUND_CALENDAR_HANDLERS = ("panels.replies:record_calendar_reply",)
    # What approving a panel's minutes sets off, in the same transaction (panels/minutes.py):
    # each agenda item's learning agreed becomes shared learning for its case.
    MINUTES_APPROVED_HANDLERS = ("learning.operations:compile_agreed_learning",)
    PANEL_ORGANIZER_NAME = os.environ.get("PANEL_ORGANIZER_NAME", "HM Inspectorate of Probation learning panels")

    # An action overdue by each of these numbers of days is escalated to its owner organisation's
    # senior contact (once per step): "30,60,90".
    ACTION_ESCALATION_DAYS = tuple(
        int(days) for days in os.environ.get("ACTION_ESCALATION_DAYS", "30,60,90").split(",") if days.strip()
    )
    # Where the beta banner's "feedback" link goes: a web page or a mailto: address. Unset, it
    # is an email to MAIL_DEFAULT_SENDER with the subject filled in.
    FEEDBACK_URL = os.environ.get("FEEDBACK_URL", "")

    # Reminder sweeps the outbox worker runs (each queues what is due, once).
    REMINDER_JOBS = (
        "cases.operations:send_due_reminders",
        "panels.reminders:send_due_panel_reminders",
        "learning.reminders:send_due_action_reminders",
        "learning.reminders:send_due_impact_requests",
        "learning.reminders:send_due_escalations",
        "core.housekeeping:prune_expired",  # held form text and old one-time form tokens
    )
    # How long a create form's one-time token is remembered (core/housekeeping.py).
    FORM_TOKENS_KEEP_DAYS = int(os.environ.get("FORM_TOKENS_KEEP_DAYS", "30"))
    REMINDER_INTERVAL_SECONDS = 300
    # Jobs the worker runs on every pass (every few seconds), each in its own transaction.
    WORKER_PASS_JOBS = ("core.files:scan_waiting_files",)

    # Uploaded files (core/files.py). The malware scanner gets each file on standard input; exit
    # 0 clean, 1 infected. Unset in development: files are available at once. Production must set it.
    ANTIVIRUS_COMMAND = os.environ.get("ANTIVIRUS_COMMAND", "")
    ANTIVIRUS_TIMEOUT_SECONDS = int(os.environ.get("ANTIVIRUS_TIMEOUT_SECONDS", "120"))
    DOCUMENT_MAX_BYTES = 10_000_000  # one document on a return, or one evidence file
    RETURN_DOCUMENTS_MAX_BYTES = 30_000_000  # every document on one return together
    UPDATE_EVIDENCE_MAX_BYTES = 30_000_000  # every evidence file posted with one progress update
    CHRONOLOGY_IMPORT_MAX_BYTES = 2_000_000  # an agency's chronology spreadsheet
    # The largest request body any route takes (bytes); bigger ones are refused with a 413 before
    # they are read. Upload routes allow more for signed-in people (the allowances below).
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", "2000000"))
    # Per-endpoint request-body allowances (core.files.upload_allowance): the largest upload the
    # endpoint takes plus room for the form's other fields.
    DOCUMENT_UPLOAD_ALLOWANCE = DOCUMENT_MAX_BYTES + 1_000_000
    EVIDENCE_UPLOAD_ALLOWANCE = UPDATE_EVIDENCE_MAX_BYTES + 1_000_000
    CHRONOLOGY_IMPORT_ALLOWANCE = CHRONOLOGY_IMPORT_MAX_BYTES + 1_000_000
    REVIEW_IMPORT_ALLOWANCE = 2 * 1024 * 1024 + 1_000_000  # the register's CSV: reviews.importing.MAX_BYTES

    # The merged chronology shows a gap where no agency had contact for longer than this.
    CHRONOLOGY_GAP_MONTHS = int(os.environ.get("CHRONOLOGY_GAP_MONTHS", "3"))

    # The most text one agency's return may hold: every box, chronology row and learning point
    # together. Bounds the panel pack (a return at the limit takes seconds to render, not minutes).
    RETURN_MAX_CHARACTERS = int(os.environ.get("RETURN_MAX_CHARACTERS", "200000"))
    # PDFs (panel packs, QA reports) are written by the worker, never in a request (core/renders.py).
    RENDER_LEASE_SECONDS = 15 * 60  # longer than the longest render: then another worker may take it
    RENDER_MAX_ATTEMPTS = 3
    RENDER_KEEP_DAYS = 30  # renders nobody asked for in this long are deleted (a download makes them again)
    RENDER_REFRESH_SECONDS = 5  # how often the "being prepared" page checks again

    REQUIRE_TWO_FACTOR = _flag("REQUIRE_TWO_FACTOR")
    ALLOW_DEMO_ACCOUNTS = True
    HSTS = False
    SHOW_TRACEBACKS = False

    @classmethod
    def validate(cls) -> None:
        """Raise ConfigurationError when the settings are unsafe for this environment."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SHOW_TRACEBACKS = True
    SQLITE_WAL = True


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # nosec B105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False  # tests that check CSRF switch it back on
    # Tests that need the second step switch it on, whatever the shell running them says.
    REQUIRE_TWO_FACTOR = False
    RATELIMIT_ENABLED = True
    PORTAL_BASE_URL = "http://portal.test"
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 8025
    # Files are available at once unless a test sets a scanner (tests/antivirus_stub.py).
    ANTIVIRUS_COMMAND = ""


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    # __Host- cookies are only sent over HTTPS, to this host, for path /.
    SESSION_COOKIE_NAME = "__Host-session"
    REQUIRE_TWO_FACTOR = True
    ALLOW_DEMO_ACCOUNTS = False
    HSTS = True
    PREFERRED_URL_SCHEME = "https"
    # Production always runs behind the TLS proxy (see README, Deploying).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "1"))

    @classmethod
    def validate(cls) -> None:
        problems = []
        secret = os.environ.get("SECRET_KEY", "")
        if not secret or secret == DEVELOPMENT_SECRET_KEY or len(secret) < 32:
            problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
        url = os.environ.get("DATABASE_URL", "")
        if not url:
            problems.append("DATABASE_URL must be set")
        elif url.startswith("sqlite"):
            problems.append("DATABASE_URL must point at PostgreSQL, not SQLite")
        if _flag("ALLOW_DEMO_ACCOUNTS"):
            problems.append("demo accounts are never allowed in production")
        if os.environ.get("DEMO_PASSWORD"):
            problems.append("DEMO_PASSWORD must not be set in production")
        if os.environ.get("DEMO_TOTP_SECRET"):
            problems.append("DEMO_TOTP_SECRET must not be set in production")
        if not os.environ.get("MAIL_SERVER"):
            problems.append("MAIL_SERVER must be set")
        organizer = os.environ.get("PANEL_ORGANIZER_EMAIL", "").strip().lower()
        if not organizer or "@" not in organizer:
            problems.append("PANEL_ORGANIZER_EMAIL must be set to the panels mailbox (calendar replies go to it)")
        elif _NO_REPLY.search(organizer.split("@")[0]):
            problems.append("PANEL_ORGANIZER_EMAIL must be a mailbox that is read, not a no-reply address")
        storage_problem = limiter_storage_problem(os.environ.get("RATELIMIT_STORAGE_URI", "memory://"), processes())
        if storage_problem:
            problems.append(storage_problem)
        if not os.environ.get("ANTIVIRUS_COMMAND"):
            problems.append("ANTIVIRUS_COMMAND must be set (uploaded files are checked for malware)")
        if problems:
            raise ConfigurationError("Refusing to start: " + "; ".join(problems))


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None) -> type[Config]:
    name = name or os.environ.get("PORTAL_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigurationError(f"Unknown PORTAL_ENV {name!r}; use one of {sorted(CONFIGS)}") from None
