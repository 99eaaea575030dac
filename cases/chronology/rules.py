"""The merged chronology's rules, as plain functions of their inputs (unit tests call them).

- ``merge``: every agency's rows in date order, with the rows the inspector linked as one event
  shown together (links are transitive: A with B and B with C make one event of three rows).
- ``possible_duplicates``: rows from different agencies within ``window_days`` of each other
  that nobody has yet linked or marked distinct: "possibly the same event".
- ``find_gaps``: periods longer than ``months`` in which no agency had any contact.
- ``anonymise``: the case's names replaced by roles ("the subject", "Victim 1", "Child A").

Rows are keyed by a short text (``r12`` a row of an agency's return, ``a3`` a row the
Inspectorate added) so that decisions can name either kind.
"""

from __future__ import annotations

import enum
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from cases.rules import add_months

RETURN_ROW = "r"
ADDED_ROW = "a"
DEFAULT_WINDOW_DAYS = 1


def row_key(kind: str, row_id: int) -> str:
    return f"{kind}{row_id}"


def parse_key(key: str) -> tuple[str, int] | None:
    """(kind, id) of a key from a form, or None if it is not one."""
    if len(key) < 2 or key[0] not in (RETURN_ROW, ADDED_ROW) or not key[1:].isdigit() or len(key) > 20:
        return None
    return key[0], int(key[1:])


def pair_key(first: str, second: str) -> str:
    """One text for an unordered pair, so a decision about (A, B) is also one about (B, A)."""
    low, high = sorted((first, second))
    return f"{low}|{high}"


@dataclass(frozen=True)
class Row:
    key: str
    happened_on: date
    agency_id: int
    agency: str
    what_happened: str
    significance: str = ""
    significant: bool = False
    # Where the row sits in its own return (or the order the Inspectorate added it): ties on a
    # date keep each agency's own order.
    position: int = 0
    added_by_inspectorate: bool = False


@dataclass(frozen=True)
class Decision:
    first: str
    second: str
    same_event: bool


@dataclass
class Event:
    """One line of the merged chronology: a row, or rows the inspector linked as one event."""

    number: int
    rows: list[Row]
    possibly_same_as: list[int] = field(default_factory=list)  # other events' numbers

    @property
    def happened_on(self) -> date:
        return self.rows[0].happened_on

    @property
    def last_day(self) -> date:
        return max(row.happened_on for row in self.rows)

    @property
    def agencies(self) -> list[str]:
        return list(dict.fromkeys(row.agency for row in self.rows))

    @property
    def agency_ids(self) -> set[int]:
        return {row.agency_id for row in self.rows}

    @property
    def linked(self) -> bool:
        return len(self.rows) > 1

    @property
    def significant(self) -> bool:
        return any(row.significant for row in self.rows)

    @property
    def keys(self) -> list[str]:
        return [row.key for row in self.rows]


@dataclass(frozen=True)
class Pair:
    """Two rows that may record one event, for the inspector to link or keep apart."""

    first: Row
    second: Row

    @property
    def key(self) -> str:
        return pair_key(self.first.key, self.second.key)


@dataclass(frozen=True)
class Gap:
    after: date  # the last contact before it
    before: date  # the first contact after it

    @property
    def days(self) -> int:
        return (self.before - self.after).days

    @property
    def length(self) -> str:
        """'5 months and 29 days', counted in calendar months from the last contact."""
        months = (self.before.year - self.after.year) * 12 + self.before.month - self.after.month
        if add_months(self.after, months) > self.before:
            months -= 1
        days = (self.before - add_months(self.after, months)).days
        parts = [f"{months} month{'s' if months != 1 else ''}"] if months else []
        if days:
            parts.append(f"{days} day{'s' if days != 1 else ''}")
        return " and ".join(parts)


def _order(row: Row) -> tuple[date, str, int, str]:
    return (row.happened_on, row.agency.casefold(), row.position, row.key)


class _Groups:
    """Union-find over row keys: the events the inspector's links make."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.parent = {key: key for key in keys}

    def find(self, key: str) -> str:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, first: str, second: str) -> None:
        if first in self.parent and second in self.parent:
            self.parent[self.find(first)] = self.find(second)


def merge(rows: Iterable[Row], decisions: Iterable[Decision] = ()) -> list[Event]:
    """The rows in date order (then agency, then each agency's own order), rows linked as one
    event together, placed at the event's first date, and numbered from 1."""
    ordered = sorted(rows, key=_order)
    groups = _Groups(row.key for row in ordered)
    for decision in decisions:
        if decision.same_event:
            groups.join(decision.first, decision.second)
    members: dict[str, list[Row]] = {}
    for row in ordered:
        members.setdefault(groups.find(row.key), []).append(row)
    events = [Event(number=0, rows=group) for group in members.values()]
    events.sort(key=lambda event: _order(event.rows[0]))
    for number, event in enumerate(events, start=1):
        event.number = number
    return events


def possible_duplicates(
    rows: Sequence[Row], decisions: Iterable[Decision] = (), window_days: int = DEFAULT_WINDOW_DAYS
) -> list[Pair]:
    """Pairs of rows from different agencies at most ``window_days`` apart, not yet decided.

    Rows already in one event (linked, directly or through others) are not asked about again;
    nor is a pair marked distinct.
    """
    decided = {pair_key(d.first, d.second) for d in decisions}
    groups = _Groups(row.key for row in rows)
    for decision in decisions:
        if decision.same_event:
            groups.join(decision.first, decision.second)
    ordered = sorted(rows, key=_order)
    window = timedelta(days=window_days)
    pairs: list[Pair] = []
    start = 0
    for index, row in enumerate(ordered):
        while ordered[start].happened_on < row.happened_on - window:
            start += 1
        for earlier in ordered[start:index]:
            if earlier.agency_id == row.agency_id:
                continue
            if pair_key(earlier.key, row.key) in decided or groups.find(earlier.key) == groups.find(row.key):
                continue
            pairs.append(Pair(earlier, row))
    return pairs


def mark_possible_duplicates(events: list[Event], pairs: Iterable[Pair]) -> None:
    """Note on each event the numbers of the events it may duplicate."""
    event_of = {key: event for event in events for key in event.keys}
    for pair in pairs:
        first, second = event_of.get(pair.first.key), event_of.get(pair.second.key)
        if first is None or second is None or first is second:
            continue
        if second.number not in first.possibly_same_as:
            first.possibly_same_as.append(second.number)
        if first.number not in second.possibly_same_as:
            second.possibly_same_as.append(first.number)
    for event in events:
        event.possibly_same_as.sort()


def find_gaps(days: Iterable[date], months: int) -> list[Gap]:
    """Periods of more than ``months`` months between one contact and the next (by any agency)."""
    if months <= 0:
        return []
    ordered = sorted(set(days))
    return [
        Gap(after=earlier, before=later)
        for earlier, later in zip(ordered, ordered[1:], strict=False)
        if later > add_months(earlier, months)
    ]


# --- anonymisation ---------------------------------------------------------------------------


class ChronologyView(enum.StrEnum):
    NAMED = "named"
    ANONYMISED = "anonymised"

    @property
    def label(self) -> str:
        return {"named": "Named", "anonymised": "Anonymised"}[self.value]

    @property
    def description(self) -> str:
        return {
            "named": "Names as the agencies wrote them",
            "anonymised": "Names replaced by roles: the subject, Victim 1, Child A",
        }[self.value]


class PersonRole(enum.StrEnum):
    SUBJECT = "subject"  # another name the person on probation is known by
    VICTIM = "victim"
    CHILD = "child"

    @property
    def label(self) -> str:
        return {"subject": "Another name of the subject", "victim": "Victim", "child": "Child"}[self.value]


SUBJECT_LABEL = "the subject"
# Words in a recorded name that are not part of the name ("also known as", titles).
_NOT_NAMES = {
    "also",
    "known",
    "as",
    "aka",
    "a.k.a",
    "and",
    "or",
    "the",
    "of",
    "née",
    "nee",
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "baby",
}
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)


@dataclass(frozen=True)
class Identity:
    name: str
    label: str


def role_labels(people: Sequence[tuple[PersonRole, str | None]]) -> list[str]:
    """The label of each recorded person, in order: the subject, Victim 1, 2…, Child A, B…"""
    labels = []
    victims = children = 0
    for role, _name in people:
        if role == PersonRole.VICTIM:
            victims += 1
            labels.append(f"Victim {victims}")
        elif role == PersonRole.CHILD:
            children += 1
            labels.append(f"Child {_letters(children)}")
        else:
            labels.append(SUBJECT_LABEL)
    return labels


def _letters(number: int) -> str:
    """1 → A, 26 → Z, 27 → AA."""
    text = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        text = string.ascii_uppercase[remainder] + text
    return text


def identities(subject_name: str | None, people: Sequence[tuple[PersonRole, str | None]]) -> list[Identity]:
    """Every name to replace, with its label: each whole name, then each part of it alone.

    Parts matter: a chronology says "Jordan" or "Mr Example" as often as the full name. A
    part shared by two people (a family surname) takes the first person's label.
    """
    named: list[tuple[str, str]] = []
    if subject_name:
        named.append((subject_name, SUBJECT_LABEL))
    named.extend((name, label) for (_role, name), label in zip(people, role_labels(people), strict=True) if name)
    found: dict[str, Identity] = {}
    for name, label in named:
        for whole in _whole_names(name):
            found.setdefault(whole.casefold(), Identity(whole, label))
    for name, label in named:
        for part in _WORD.findall(name):
            if len(part) >= 2 and part.casefold() not in _NOT_NAMES:
                found.setdefault(part.casefold(), Identity(part, label))
    return list(found.values())


def _whole_names(name: str) -> list[str]:
    """ "Jordan Example (also known as Jordan Sample)" → both names."""
    pieces = re.split(r"[()/,;]|\b(?:also known as|aka|a\.k\.a\.?|known as|née|nee)\b", name, flags=re.IGNORECASE)
    return [" ".join(piece.split()) for piece in pieces if piece and len(piece.strip()) >= 2]


class Anonymiser:
    """One compiled pattern for every name (longest first, whole words, any case), applied to
    many texts: a text that holds none of the names' words is returned at once."""

    def __init__(self, people: Sequence[Identity]) -> None:
        names = sorted({p.name for p in people}, key=len, reverse=True)
        alternatives = "|".join(r"\s+".join(re.escape(word) for word in name.split()) for name in names)
        self.pattern = re.compile(rf"(?<![\w’'])(?:{alternatives})(?:['’]s)?(?![\w’'])", re.IGNORECASE)
        self.labels = {" ".join(p.name.casefold().split()): p.label for p in people}
        self.words = {word.casefold() for name in names for word in name.split()}

    def _replace(self, match: re.Match[str]) -> str:
        found = match.group(0)
        possessive = ""
        for suffix in ("'s", "’s"):
            if found.lower().endswith(suffix) and " ".join(found[:-2].casefold().split()) in self.labels:
                found, possessive = found[:-2], suffix
        return self.labels.get(" ".join(found.casefold().split()), found) + possessive

    def __call__(self, text: str) -> str:
        if not text:
            return text
        lowered = text.casefold()
        if not any(word in lowered for word in self.words):
            return text
        return self.pattern.sub(self._replace, text)


def anonymiser(people: Sequence[Identity]) -> Anonymiser | None:
    return Anonymiser(people) if people else None


def anonymise(text: str, people: Sequence[Identity], replacer: Anonymiser | None = None) -> str:
    """``text`` with every recorded name (and part of one) replaced by its label."""
    replacer = replacer if replacer is not None else anonymiser(people)
    return replacer(text) if replacer is not None else text
