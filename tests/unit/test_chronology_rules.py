"""The merged chronology's rules: merging, possible duplicates, gaps and anonymisation."""

from __future__ import annotations

from datetime import date, timedelta

from cases.chronology.rules import (
    Decision,
    Identity,
    PersonRole,
    Row,
    anonymise,
    find_gaps,
    identities,
    mark_possible_duplicates,
    merge,
    pair_key,
    parse_key,
    possible_duplicates,
    role_labels,
)

POLICE, HEALTH, COUNCIL = 1, 2, 3
NAMES = {POLICE: "Northshire Police", HEALTH: "Northshire NHS Trust", COUNCIL: "Children's Services"}


def row(key: str, day: date, agency: int, text: str = "", position: int = 0, significant: bool = False) -> Row:
    return Row(key, day, agency, NAMES[agency], text or key, position=position, significant=significant)


# --- merging ---------------------------------------------------------------------------------


def test_rows_of_every_agency_come_out_in_date_order_numbered_from_one() -> None:
    rows = [
        row("r1", date(2024, 5, 1), POLICE),
        row("r2", date(2024, 1, 9), POLICE, position=1),
        row("r3", date(2024, 3, 2), HEALTH),
        row("a1", date(2023, 12, 25), COUNCIL),
    ]
    events = merge(rows)
    assert [e.rows[0].key for e in events] == ["a1", "r2", "r3", "r1"]
    assert [e.number for e in events] == [1, 2, 3, 4]
    assert not any(e.linked for e in events)


def test_rows_on_one_day_keep_agency_then_each_agencys_own_order() -> None:
    day = date(2024, 2, 2)
    rows = [
        row("r5", day, POLICE, position=2),
        row("r4", day, POLICE, position=1),
        row("r9", day, COUNCIL, position=0),
    ]
    assert [e.rows[0].key for e in merge(rows)] == ["r9", "r4", "r5"]


def test_rows_linked_as_one_event_are_shown_together_at_the_first_date() -> None:
    rows = [
        row("r1", date(2024, 1, 1), POLICE),
        row("r2", date(2024, 2, 1), POLICE),
        row("r3", date(2024, 2, 2), HEALTH),
        row("r4", date(2024, 2, 1), COUNCIL),
    ]
    decisions = [Decision("r3", "r2", same_event=True), Decision("r4", "r3", same_event=True)]
    events = merge(rows, decisions)
    assert len(events) == 2
    linked = events[1]
    assert linked.linked and linked.keys == ["r4", "r2", "r3"]  # transitive: three rows, one event
    assert linked.happened_on == date(2024, 2, 1) and linked.last_day == date(2024, 2, 2)
    assert linked.agencies == ["Children's Services", "Northshire Police", "Northshire NHS Trust"]


def test_a_distinct_decision_does_not_link_and_unknown_keys_are_ignored() -> None:
    rows = [row("r1", date(2024, 1, 1), POLICE), row("r2", date(2024, 1, 1), HEALTH)]
    events = merge(rows, [Decision("r1", "r2", same_event=False), Decision("r1", "r99", same_event=True)])
    assert len(events) == 2


def test_significant_rows_make_their_event_significant() -> None:
    rows = [row("r1", date(2024, 1, 1), POLICE, significant=True), row("r2", date(2024, 1, 1), HEALTH)]
    events = merge(rows, [Decision("r1", "r2", True)])
    assert events[0].significant


# --- possible duplicates ----------------------------------------------------------------------


def test_rows_of_different_agencies_within_a_day_are_possibly_the_same_event() -> None:
    rows = [
        row("r1", date(2024, 3, 1), POLICE),
        row("r2", date(2024, 3, 2), HEALTH),  # a day later: a candidate
        row("r3", date(2024, 3, 4), COUNCIL),  # two days after r2: not
        row("r4", date(2024, 3, 1), POLICE),  # same agency as r1: never
    ]
    pairs = possible_duplicates(rows)
    assert {p.key for p in pairs} == {pair_key("r1", "r2"), pair_key("r4", "r2")}


def test_decided_pairs_and_rows_already_in_one_event_are_not_asked_again() -> None:
    rows = [
        row("r1", date(2024, 3, 1), POLICE),
        row("r2", date(2024, 3, 1), HEALTH),
        row("r3", date(2024, 3, 1), COUNCIL),
    ]
    assert len(possible_duplicates(rows)) == 3
    linked = [Decision("r1", "r2", True), Decision("r2", "r3", True)]
    assert possible_duplicates(rows, linked) == []  # r1 and r3 are one event through r2
    distinct = [Decision("r2", "r1", False)]
    assert {p.key for p in possible_duplicates(rows, distinct)} == {pair_key("r1", "r3"), pair_key("r2", "r3")}


def test_the_window_is_a_setting() -> None:
    rows = [row("r1", date(2024, 3, 1), POLICE), row("r2", date(2024, 3, 4), HEALTH)]
    assert possible_duplicates(rows) == []
    assert len(possible_duplicates(rows, window_days=3)) == 1


def test_events_are_marked_with_the_numbers_of_their_possible_duplicates() -> None:
    rows = [
        row("r1", date(2024, 3, 1), POLICE),
        row("r2", date(2024, 3, 1), HEALTH),
        row("r3", date(2025, 1, 1), POLICE),
    ]
    events = merge(rows)
    mark_possible_duplicates(events, possible_duplicates(rows))
    assert [e.possibly_same_as for e in events] == [[2], [1], []]


def test_many_rows_are_paired_only_within_the_window() -> None:
    start = date(2020, 1, 1)
    rows = [row(f"r{n}", start + timedelta(days=n * 3), POLICE) for n in range(150)]
    rows += [row(f"a{n}", start + timedelta(days=n * 3 + 1), HEALTH) for n in range(150)]
    pairs = possible_duplicates(rows)
    assert len(pairs) == 150 and all(abs((p.first.happened_on - p.second.happened_on).days) <= 1 for p in pairs)


# --- gaps ------------------------------------------------------------------------------------


def test_gaps_longer_than_the_span_are_found() -> None:
    days = [date(2024, 1, 10), date(2024, 4, 10), date(2024, 7, 11), date(2024, 7, 12), date(2025, 1, 1)]
    gaps = find_gaps(days, 3)
    # Exactly three months (10 January to 10 April) is not a gap; a day more is.
    assert [(g.after, g.before) for g in gaps] == [
        (date(2024, 4, 10), date(2024, 7, 11)),
        (date(2024, 7, 12), date(2025, 1, 1)),
    ]
    assert gaps[1].days == 173
    assert gaps[0].length == "3 months and 1 day" and gaps[1].length == "5 months and 20 days"
    assert find_gaps([date(2024, 1, 31), date(2024, 6, 30)], 3)[0].length == "5 months"


def test_the_gap_span_is_a_setting_and_month_ends_are_handled() -> None:
    days = [date(2024, 1, 31), date(2024, 3, 1)]
    assert find_gaps(days, 1) == [find_gaps(days, 1)[0]] and find_gaps(days, 1)[0].after == date(2024, 1, 31)
    assert find_gaps(days, 2) == []
    assert find_gaps([], 3) == [] and find_gaps([date(2024, 1, 1)], 3) == []
    assert find_gaps(days, 0) == []


# --- anonymisation ---------------------------------------------------------------------------


def test_roles_are_labelled_in_order() -> None:
    people = [
        (PersonRole.VICTIM, "Ann"),
        (PersonRole.CHILD, "Bea"),
        (PersonRole.CHILD, "Cal"),
        (PersonRole.VICTIM, "Di"),
    ]
    assert role_labels(people) == ["Victim 1", "Child A", "Child B", "Victim 2"]
    many = [(PersonRole.CHILD, f"Child{n}") for n in range(27)]
    assert role_labels(many)[-1] == "Child AA"


def test_names_and_their_parts_are_replaced_by_roles() -> None:
    people = identities(
        "Jordan Example (also known as Jordan Sample)",
        [(PersonRole.VICTIM, "Alice Smith"), (PersonRole.CHILD, "Ben Smith"), (PersonRole.CHILD, None)],
    )
    text = (
        "JORDAN EXAMPLE was seen with Alice Smith. Mr Sample said Ben's school called; "
        "Alice's mother rang. Jordanne is someone else; Smithfield is a place."
    )
    assert anonymise(text, people) == (
        "the subject was seen with Victim 1. Mr the subject said Child A's school called; "
        "Victim 1's mother rang. Jordanne is someone else; Smithfield is a place."
    )


def test_anonymising_without_names_changes_nothing() -> None:
    assert anonymise("Nothing to hide.", []) == "Nothing to hide."
    assert anonymise("", [Identity("Ann", "Victim 1")]) == ""
    # Regular-expression characters in a name are taken literally.
    assert anonymise("Seen: O'Neil (a.k.a) and x.y", identities("O'Neil", [])) == "Seen: the subject (a.k.a) and x.y"


def test_row_keys_from_forms_are_checked() -> None:
    assert parse_key("r12") == ("r", 12) and parse_key("a3") == ("a", 3)
    for bad in ("", "r", "x1", "r1a", "r-1", "a" + "9" * 30):
        assert parse_key(bad) is None
    assert pair_key("r2", "a9") == pair_key("a9", "r2") == "a9|r2"
