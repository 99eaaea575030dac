# Type information for the part of Flask-Login 0.6 the portal uses: the library ships none
# (no py.typed, no stubs on PyPI). Without it every User would inherit from Any and mypy
# would check nothing about people.
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask
from werkzeug.wrappers import Response

_F = TypeVar("_F", bound=Callable[..., Any])

class UserMixin:
    @property
    def is_active(self) -> bool: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_anonymous(self) -> bool: ...
    def get_id(self) -> str: ...

class LoginManager:
    login_view: str | None
    login_message: str
    login_message_category: str
    session_protection: str | None
    def __init__(self, app: Flask | None = None, add_context_processor: bool = True) -> None: ...
    def init_app(self, app: Flask, add_context_processor: bool = True) -> None: ...
    def user_loader(self, callback: _F) -> _F: ...
    def unauthorized(self) -> Response: ...

# A proxy to the signed-in person (the portal's User) or an anonymous stand-in.
current_user: Any

def login_user(
    user: UserMixin, remember: bool = False, duration: timedelta | None = None, force: bool = False, fresh: bool = True
) -> bool: ...
def logout_user() -> bool: ...
