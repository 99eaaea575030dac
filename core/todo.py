"""One line of a person's to-do list on their home page.

Each domain answers "what does this person have to do here?" with a list of these (one query,
whatever the number of rows); the portal's home page puts the domains' lists together.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ToDo:
    text: str  # what to do, as the link's text: "Confirm your involvement in SFO-2026-0001"
    href: str  # the page where it is done
    detail: str = ""  # when: "Reply by 3 March 2027"
    overdue: bool = False
