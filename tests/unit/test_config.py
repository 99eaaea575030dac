import pytest

from config import ConfigurationError, ProductionConfig

GOOD = {
    "SECRET_KEY": "k" * 48,
    "DATABASE_URL": "postgresql+psycopg://portal@db.internal/portal",
    "MAIL_SERVER": "smtp.internal",
    "ANTIVIRUS_COMMAND": "clamdscan --no-summary -",
    "PANEL_ORGANIZER_EMAIL": "learning-panels@justiceinspectorates.example",
}


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch):
    for key in (
        "SECRET_KEY",
        "DATABASE_URL",
        "MAIL_SERVER",
        "ANTIVIRUS_COMMAND",
        "PANEL_ORGANIZER_EMAIL",
        "DEMO_PASSWORD",
        "ALLOW_DEMO_ACCOUNTS",
    ):
        monkeypatch.delenv(key, raising=False)
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def test_production_starts_with_real_settings(production_env: pytest.MonkeyPatch) -> None:
    ProductionConfig.validate()


@pytest.mark.parametrize(
    ("key", "value", "complaint"),
    [
        ("SECRET_KEY", None, "SECRET_KEY"),
        ("SECRET_KEY", "development-only-not-secret", "SECRET_KEY"),
        ("SECRET_KEY", "short", "SECRET_KEY"),
        ("DATABASE_URL", None, "DATABASE_URL"),
        ("DATABASE_URL", "sqlite:///portal.sqlite3", "SQLite"),
        ("DEMO_PASSWORD", "demo-password-please", "DEMO_PASSWORD"),
        ("ALLOW_DEMO_ACCOUNTS", "1", "demo accounts"),
        ("MAIL_SERVER", None, "MAIL_SERVER"),
        ("ANTIVIRUS_COMMAND", None, "ANTIVIRUS_COMMAND"),
        ("PANEL_ORGANIZER_EMAIL", None, "PANEL_ORGANIZER_EMAIL"),
        ("PANEL_ORGANIZER_EMAIL", "no-reply@justiceinspectorates.example", "no-reply"),
        ("PANEL_ORGANIZER_EMAIL", "DoNotReply@justiceinspectorates.example", "no-reply"),
    ],
)
def test_production_refuses_unsafe_settings(
    production_env: pytest.MonkeyPatch, key: str, value: str | None, complaint: str
) -> None:
    if value is None:
        production_env.delenv(key)
    else:
        production_env.setenv(key, value)
    with pytest.raises(ConfigurationError, match=complaint):
        ProductionConfig.validate()


def test_the_app_factory_refuses_to_build_a_production_app_with_defaults(production_env: pytest.MonkeyPatch) -> None:
    from portal.app import create_app

    production_env.delenv("SECRET_KEY")
    with pytest.raises(ConfigurationError):
        create_app("production")


def test_seed_demo_is_refused_in_production(production_env: pytest.MonkeyPatch) -> None:
    from portal.app import create_app

    app = create_app("production")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "not allowed" in result.output
