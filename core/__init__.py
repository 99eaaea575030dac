"""What every domain package shares: the app factory, audit trail, layout and errors."""

from core.app import create_app

__all__ = ["create_app"]
