"""Unique names are compared by the database's own lower(): a name outside ASCII entered twice
is refused with a message, never a 500 from the unique constraint (SQLite's lower() only
folds ASCII, so comparing against Python's str.lower() would miss it)."""

from __future__ import annotations

import pytest

from agencies.models import Role
from tests.conftest import make_user

NAME = "Ärztliche Ölstraße Team"


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("/admin/organisations/new", {"name": NAME, "kind": "health"}, "An organisation with this name already exists"),
        ("/reviews/offence-categories/new", {"name": NAME}, "An offence category with this name already exists"),
    ],
)
def test_a_non_ascii_name_entered_twice_is_refused_politely(client_for, path: str, data: dict, message: str) -> None:
    client = client_for(make_user(Role.ADMIN))
    assert client.post(path, data=data).status_code == 302
    again = client.post(path, data=data)
    assert again.status_code == 200
    assert message in again.get_data(as_text=True)
