"""The merged chronology of one case, loaded for a page, a CSV or the panel pack.

Four queries whatever the number of rows: the rows of the submitted returns (with their
agencies' names), the rows the Inspectorate added, the inspector's decisions, and the names
for the anonymised view. The rules (``cases.chronology.rules``) do the rest in memory.

``organisation_ids`` scopes the rows: None for every agency (the Inspectorate, and attendees
of a panel with the case on its agenda), else only those organisations' rows (an agency
member before then). Only *submitted* returns count, and only of agencies still invited: a
draft never reaches anyone but its own agency, on its own return's pages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from agencies.models import Organisation
from cases.chronology.models import CasePerson, ChronologyAddedRow, ChronologyDecision
from cases.chronology.rules import (
    ADDED_ROW,
    RETURN_ROW,
    ChronologyView,
    Decision,
    Event,
    Gap,
    Identity,
    Pair,
    PersonRole,
    Row,
    anonymiser,
    find_gaps,
    identities,
    mark_possible_duplicates,
    merge,
    possible_duplicates,
    row_key,
)
from cases.models import AgencyReturn, CaseInvitation, MultiAgencyCase, ReturnChronologyEntry, ReturnStatus
from extensions import db


@dataclass(frozen=True)
class AgencyCount:
    organisation_id: int
    name: str
    rows: int
    shown: int


@dataclass(frozen=True)
class Line:
    """One line of the chronology as shown: an event, or a gap between events."""

    event: Event | None = None
    gap: Gap | None = None


@dataclass
class MergedChronology:
    case: MultiAgencyCase
    view: ChronologyView
    events: list[Event]  # after the filters
    all_events: list[Event]
    pairs: list[Pair]  # possibly the same event, undecided
    decisions: list[ChronologyDecision]
    gaps: list[Gap]
    counts: list[AgencyCount]
    gap_months: int
    every_agency: bool
    names_erased: bool
    rows_by_key: dict[str, Row] = field(default_factory=dict)

    @property
    def lines(self) -> list[Line]:
        """The shown events in order, each gap placed after the last contact before it."""
        shown_days = [event.happened_on for event in self.events]
        if not shown_days:
            return []
        first, last = min(shown_days), max(event.last_day for event in self.events)
        gaps = [gap for gap in self.gaps if gap.before > first and gap.after < last]
        keyed: list[tuple[date, int, int, Line]] = [
            (event.happened_on, 0, event.number, Line(event=event)) for event in self.events
        ]
        keyed += [(gap.after, 1, n, Line(gap=gap)) for n, gap in enumerate(gaps)]
        return [line for *_key, line in sorted(keyed, key=lambda item: item[:3])]

    @property
    def row_count(self) -> int:
        return sum(count.rows for count in self.counts)

    @property
    def shown_rows(self) -> int:
        return sum(len(event.rows) for event in self.events)

    def linked(self) -> list[ChronologyDecision]:
        return [d for d in self.decisions if d.same_event and _both_known(d, self.rows_by_key)]

    def distinct(self) -> list[ChronologyDecision]:
        return [d for d in self.decisions if not d.same_event and _both_known(d, self.rows_by_key)]


def _both_known(decision: ChronologyDecision, rows: dict[str, Row]) -> bool:
    return decision.first_key in rows and decision.second_key in rows


@dataclass(frozen=True)
class Filters:
    organisation_ids: frozenset[int] = frozenset()
    start: date | None = None
    end: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.organisation_ids or self.start or self.end)

    def keeps(self, event: Event) -> bool:
        if self.organisation_ids and not (event.agency_ids & self.organisation_ids):
            return False
        if self.start and event.last_day < self.start:
            return False
        return not (self.end and event.happened_on > self.end)


def _return_rows(case_ids: list[int], organisation_ids: set[int] | None) -> dict[int, list[Row]]:
    query = (
        select(
            CaseInvitation.case_id,
            ReturnChronologyEntry.id,
            ReturnChronologyEntry.happened_on,
            ReturnChronologyEntry.what_happened,
            ReturnChronologyEntry.significance,
            ReturnChronologyEntry.significant,
            ReturnChronologyEntry.position,
            Organisation.id.label("organisation_id"),
            Organisation.name,
        )
        .join(AgencyReturn, AgencyReturn.id == ReturnChronologyEntry.return_id)
        .join(CaseInvitation, CaseInvitation.id == AgencyReturn.invitation_id)
        .join(Organisation, Organisation.id == CaseInvitation.organisation_id)
        .where(
            CaseInvitation.case_id.in_(case_ids),
            CaseInvitation.withdrawn_at_utc.is_(None),
            AgencyReturn.status == ReturnStatus.SUBMITTED,
            ReturnChronologyEntry.happened_on.is_not(None),
        )
    )
    if organisation_ids is not None:
        query = query.where(CaseInvitation.organisation_id.in_(organisation_ids or {0}))
    rows: dict[int, list[Row]] = {case_id: [] for case_id in case_ids}
    for r in db.session.execute(query):
        rows[r.case_id].append(
            Row(
                key=row_key(RETURN_ROW, r.id),
                happened_on=r.happened_on,
                agency_id=r.organisation_id,
                agency=r.name,
                what_happened=r.what_happened,
                significance=r.significance,
                significant=r.significant,
                position=r.position,
            )
        )
    return rows


def _source(text: str) -> str:
    return text[0].lower() + text[1:] if text.startswith("The ") else text


def _added_rows(case_ids: list[int], organisation_ids: set[int] | None) -> dict[int, list[Row]]:
    query = (
        select(
            ChronologyAddedRow.case_id,
            ChronologyAddedRow.id,
            ChronologyAddedRow.happened_on,
            ChronologyAddedRow.what_happened,
            ChronologyAddedRow.significance,
            ChronologyAddedRow.significant,
            ChronologyAddedRow.source,
            Organisation.id.label("organisation_id"),
            Organisation.name,
        )
        .join(Organisation, Organisation.id == ChronologyAddedRow.organisation_id)
        .where(ChronologyAddedRow.case_id.in_(case_ids))
    )
    if organisation_ids is not None:
        query = query.where(ChronologyAddedRow.organisation_id.in_(organisation_ids or {0}))
    rows: dict[int, list[Row]] = {case_id: [] for case_id in case_ids}
    for r in db.session.execute(query):
        rows[r.case_id].append(
            Row(
                key=row_key(ADDED_ROW, r.id),
                happened_on=r.happened_on,
                agency_id=r.organisation_id,
                agency=f"{r.name} ({_source(r.source)})",
                what_happened=r.what_happened,
                significance=r.significance,
                significant=r.significant,
                position=r.id,
                added_by_inspectorate=True,
            )
        )
    return rows


def _identities_of(cases: list[MultiAgencyCase]) -> dict[int, list[Identity]]:
    people: dict[int, list[tuple[PersonRole, str | None]]] = {case.id: [] for case in cases}
    for case_id, role, name in db.session.execute(
        select(CasePerson.case_id, CasePerson.role, CasePerson.name)
        .where(CasePerson.case_id.in_([case.id for case in cases]))
        .order_by(CasePerson.case_id, CasePerson.position, CasePerson.id)
    ):
        people[case_id].append((PersonRole(role), name))
    return {
        case.id: identities(None if case.identifiers_erased else case.person_name, people[case.id]) for case in cases
    }


def case_identities(case: MultiAgencyCase) -> list[Identity]:
    """The names the anonymised view replaces: the subject's, then the people recorded for the case."""
    return _identities_of([case])[case.id]


def _anonymised(rows: list[Row], people: list[Identity]) -> list[Row]:
    replacer = anonymiser(people)
    if replacer is None:
        return rows
    return [
        Row(
            key=r.key,
            happened_on=r.happened_on,
            agency_id=r.agency_id,
            agency=r.agency,
            what_happened=replacer(r.what_happened),
            significance=replacer(r.significance),
            significant=r.significant,
            position=r.position,
            added_by_inspectorate=r.added_by_inspectorate,
        )
        for r in rows
    ]


def load_merged_chronologies(
    cases: list[MultiAgencyCase],
    *,
    organisation_ids: set[int] | None,
    view: ChronologyView = ChronologyView.ANONYMISED,
    filters: Filters | None = None,
) -> dict[int, MergedChronology]:
    """The merged chronology of each case, in four queries whatever the number of cases (the pack)."""
    if not cases:
        return {}
    case_ids = [case.id for case in cases]
    returned, added = _return_rows(case_ids, organisation_ids), _added_rows(case_ids, organisation_ids)
    people = _identities_of(cases) if view == ChronologyView.ANONYMISED else {}
    decisions: dict[int, list[ChronologyDecision]] = {case_id: [] for case_id in case_ids}
    for decision in db.session.scalars(
        select(ChronologyDecision)
        .where(ChronologyDecision.case_id.in_(case_ids))
        .order_by(ChronologyDecision.decided_at_utc, ChronologyDecision.id)
    ):
        decisions[decision.case_id].append(decision)
    return {
        case.id: _build(
            case,
            returned[case.id] + added[case.id],
            decisions[case.id],
            people.get(case.id, []),
            view=view,
            filters=filters or Filters(),
            every_agency=organisation_ids is None,
        )
        for case in cases
    }


def load_merged_chronology(
    case: MultiAgencyCase,
    *,
    organisation_ids: set[int] | None,
    view: ChronologyView = ChronologyView.ANONYMISED,
    filters: Filters | None = None,
) -> MergedChronology:
    return load_merged_chronologies([case], organisation_ids=organisation_ids, view=view, filters=filters)[case.id]


def _build(
    case: MultiAgencyCase,
    rows: list[Row],
    decisions: list[ChronologyDecision],
    people: list[Identity],
    *,
    view: ChronologyView,
    filters: Filters,
    every_agency: bool,
) -> MergedChronology:
    if view == ChronologyView.ANONYMISED:
        rows = _anonymised(rows, people)
    by_key = {r.key: r for r in rows}
    ruled = [
        Decision(d.first_key, d.second_key, d.same_event)
        for d in decisions
        if d.first_key in by_key and d.second_key in by_key
    ]
    events = merge(rows, ruled)
    pairs = possible_duplicates(rows, ruled)
    mark_possible_duplicates(events, pairs)
    gap_months = int(current_app.config.get("CHRONOLOGY_GAP_MONTHS", 3))
    shown = [event for event in events if filters.keeps(event)]
    totals = Counter(r.agency_id for r in rows)
    shown_totals = Counter(r.agency_id for event in shown for r in event.rows)
    names: dict[int, str] = {}
    for r in sorted(rows, key=lambda r: r.added_by_inspectorate):
        names.setdefault(r.agency_id, r.agency)
    counts = sorted(
        (AgencyCount(agency_id, names[agency_id], totals[agency_id], shown_totals[agency_id]) for agency_id in totals),
        key=lambda c: c.name.casefold(),
    )
    return MergedChronology(
        case=case,
        view=view,
        events=shown,
        all_events=events,
        pairs=pairs,
        decisions=decisions,
        gaps=find_gaps((r.happened_on for r in rows), gap_months),
        counts=counts,
        gap_months=gap_months,
        every_agency=every_agency,
        names_erased=case.identifiers_erased,
        rows_by_key=by_key,
    )
