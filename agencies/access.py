"""Who may see and change what: the one place the portal decides access.

Every view is wrapped by one of three decorators, and a test walks the URL map to prove it:

- ``public``: no sign-in (the sign-in page, health check, assets, calendar feeds by secret).
- ``allow(check)``: signed in, and ``check(user)`` holds, else 403.
- ``load(kwarg, finder, check=None)``: signed in; ``finder(user, id)`` returns the object
  only if the user may see it (scoped query), else 404, so another agency's objects do not
  even seem to exist; then ``check(user, obj)`` for changes, else 403 ("404 before 403").

Domain packages add their finders and predicates beside their models and build them from
the helpers here; views never test roles themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, NoReturn, TypeVar
from weakref import WeakKeyDictionary

from flask import abort, current_app, g, request
from flask_login import current_user

from agencies.models import Organisation, Role, User
from core import audit, held_forms
from core.security import BODY_METHODS, accepts_body
from extensions import db, login_manager
from notifications.models import OutboxMessage

T = TypeVar("T")
View = Callable[..., Any]
V = TypeVar("V", bound=View)
UserCheck = Callable[[User], bool]


# --- predicates about a person --------------------------------------------------------------


def is_admin(user: User) -> bool:
    return user.role == Role.ADMIN


def is_inspector(user: User) -> bool:
    """Inspectorate staff who do QA and convene panels; admins can act as inspectors too."""
    return user.role in (Role.INSPECTOR, Role.ADMIN) and user.is_inspectorate


def is_inspectorate_staff(user: User) -> bool:
    return user.is_inspectorate


def is_agency_member(user: User) -> bool:
    return user.role == Role.AGENCY_MEMBER and not user.is_inspectorate


def current_person() -> User:
    """The signed-in person (the real object behind Flask-Login's proxy), for operations."""
    person: User = current_user._get_current_object()
    return person


def signed_in(user: User) -> bool:
    return user.is_authenticated


def belongs_to(user: User, organisation_id: int | None) -> bool:
    return organisation_id is not None and user.organisation_id == organisation_id


# --- finders: scoped loads used by ``load`` ----------------------------------------------


def organisation_for_admin(user: User, organisation_id: int) -> Organisation | None:
    return db.session.get(Organisation, organisation_id) if is_admin(user) else None


def person_for_admin(user: User, user_id: int) -> User | None:
    return db.session.get(User, user_id) if is_admin(user) else None


def message_for_admin(user: User, message_id: int) -> OutboxMessage | None:
    """Outbox messages hold case references and sign-in links: admins only."""
    return db.session.get(OutboxMessage, message_id) if is_admin(user) else None


# --- decorators ------------------------------------------------------------------------


@dataclass(frozen=True)
class Guard:
    """What a view's access decorators decided, for the route walkers: public, or checked,
    and the URL arguments its ``load`` decorators resolve."""

    public: bool = False
    checked: bool = False
    loads: tuple[str, ...] = ()


_guards: WeakKeyDictionary[View, Guard] = WeakKeyDictionary()


def guard_of(view: View) -> Guard | None:
    """The guard of ``view``, looking through decorators put outside the access ones."""
    current: View | None = view
    while current is not None:
        if current in _guards:
            return _guards[current]
        current = getattr(current, "__wrapped__", None)
    return None


def _refuse(status: int, reason: str) -> NoReturn:
    # The refusal is recorded whatever else happens: the audit helper has it committed with
    # the error response (the request itself changes nothing).
    audit.record_refusal(
        f"{status} for {request.method} {request.path}", status=status, reason=reason, endpoint=request.endpoint
    )
    abort(status)


def public(view: V) -> V:
    _guards[view] = Guard(public=True)
    return view


def allow(check: UserCheck) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not check(current_user):
                _refuse(403, check.__name__)
            return view(*args, **kwargs)

        inner = guard_of(view)
        _guards[wrapper] = Guard(checked=True, loads=inner.loads if inner else ())
        return wrapper

    return decorator


def load(
    kwarg: str,
    finder: Callable[[User, int], T | None],
    check: Callable[[User, T], bool] | None = None,
    *,
    as_name: str | None = None,
) -> Callable[[View], View]:
    """Replace the id in ``kwarg`` by the object ``finder`` returns, or 404; then ``check`` or 403."""

    target = as_name or kwarg.removesuffix("_id")

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            object_id = kwargs.pop(kwarg)
            obj = finder(current_user, object_id)
            if obj is None:
                _refuse(404, f"{finder.__name__}({object_id})")
            if check is not None and not check(current_user, obj):
                _refuse(403, check.__name__)
            g.setdefault("loaded_objects", []).append(obj)
            kwargs[target] = obj
            return view(*args, **kwargs)

        inner = guard_of(view)
        _guards[wrapper] = Guard(checked=True, loads=(*(inner.loads if inner else ()), kwarg))
        return wrapper

    return decorator


def guarded_arguments(view: View) -> set[str]:
    """The URL arguments a view's ``load`` decorators resolve (used by the route walker)."""
    guard = guard_of(view)
    return set(guard.loads) if guard else set()


def is_guarded(view: View) -> bool:
    guard = guard_of(view)
    return guard is not None and (guard.public or guard.checked)


def refuse_unread_bodies() -> Any:
    """Run before every other hook that could read a request body (CSRF, throttles, input checks).

    A body is read only when its route exists, takes its method and may be used by this person:
    a POST to no route (404/405) is answered at once, and one to a route that needs sign-in from
    someone not signed in goes to the sign-in page, both without reading a byte of the body.
    The one exception is a browser that carries the signed "last person" cookie of someone whose
    session has just ended: their form is read (within ``MAX_CONTENT_LENGTH``) so that what they
    typed can be held for them (``core.held_forms``), then refused as a timed-out session.
    """
    if not accepts_body():
        if request.method in BODY_METHODS and request.routing_exception is not None:
            raise request.routing_exception
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    guard = guard_of(view) if view is not None else None
    if (guard is None or not guard.public) and not current_user.is_authenticated:
        if held_forms.person_from_cookie(request) is not None:
            return None
        return login_manager.unauthorized()
    return None


def init_app(app: Any) -> None:
    """Put ``refuse_unread_bodies`` first among the before-request hooks."""
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unread_bodies)


def user_can(check: UserCheck) -> bool:
    """For templates: ``user_can(is_inspector)`` decides whether to show a link."""
    return bool(current_user.is_authenticated and check(current_user))
