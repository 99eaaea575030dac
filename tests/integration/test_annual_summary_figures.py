"""Every figure of the annual summary, on a hand-built data set whose answers are written
here, with the year's edges (31 March / 1 April, in London time) on both sides.

The data set, for the reporting year April 2025 to March 2026 (and the year before):

  review  region  category  received    assurance     scores      issued      timeliness
  #1      NW      Murder    2025-04-01  Inspectorate  2 2 2 1 (7) 2025-04-10  within 15 working days
  #2      NW      Rape      2025-06-02  Inspectorate  1 1 1 1 (4) 2025-07-10  within an extension (to 15 July)
  #3      London  Murder    2025-09-01  Inspectorate  0 0 1 1 (2) 2025-12-01  late
  #4      London  Rape      2026-03-31  HMPPS         -
  #5      NW      Murder    2026-03-31  Inspectorate  3 3 3 2 (11) 2026-04-01  (issued next year)
  #6      London  Murder    2025-03-31  Inspectorate  2 2 2 2 (8) 2025-04-02  within (received last year)
  #7      NW      Rape      2025-05-01  awaiting sample
  #8      NW      Murder    2024-06-01  Inspectorate  2 1 1 1 (5) 2024-06-10  within (last year)
  #9      London  Rape      2025-10-01  Inspectorate  2 - - -     2025-10-05  within, not rated
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from agencies.models import OrganisationKind
from cases.models import Involvement
from cases.themes import LearningLevel
from extensions import db
from learning.models import ActionImpact, ActionRecord, ActionStatus, LearningItem
from learning.operations import ItemDetails, compile_item
from learning.rules import ReportingYear
from learning.summary.figures import annual_summary, changes
from panels.models import PanelStatus
from reviews.models import Assurance
from reviews.rating import Rating
from tests.factories.cases import inspectorate_inspector, make_case
from tests.factories.learning import (
    assess,
    category,
    extend,
    make_action,
    make_review,
    member_of,
    organisation,
    panel_for,
    submit_learning,
    theme,
)

UTC = UTC
TODAY = date(2026, 5, 15)


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(2026, 5, 15, 11, 0, tzinfo=UTC), tick=False):
        yield


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def build_data_set() -> None:
    nw = organisation("North West Probation Region", OrganisationKind.PROBATION_REGION)
    london = organisation("London Probation Region", OrganisationKind.PROBATION_REGION)
    murder, rape = category("Murder"), category("Rape")

    def review(region, offence, received, assurance=Assurance.INSPECTORATE, scores=None, issued=None):
        made = make_review(received_on=received, region=region, offence=offence, assurance=assurance)
        if scores is not None:
            assess(made, scores, issued_on=issued)
        return made

    r1 = review(nw, murder, date(2025, 4, 1), scores=(2, 2, 2, 1), issued=date(2025, 4, 10))
    r2 = review(nw, rape, date(2025, 6, 2), scores=(1, 1, 1, 1), issued=date(2025, 7, 10))
    extend(r2, date(2025, 7, 15))
    r3 = review(london, murder, date(2025, 9, 1), scores=(0, 0, 1, 1), issued=date(2025, 12, 1))
    review(london, rape, date(2026, 3, 31), assurance=Assurance.HMPPS)
    review(nw, murder, date(2026, 3, 31), scores=(3, 3, 3, 2), issued=date(2026, 4, 1))
    r6 = review(london, murder, date(2025, 3, 31), scores=(2, 2, 2, 2), issued=date(2025, 4, 2))
    review(nw, rape, date(2025, 5, 1), assurance=Assurance.AWAITING_SAMPLE)
    review(nw, murder, date(2024, 6, 1), scores=(2, 1, 1, 1), issued=date(2024, 6, 10))
    review(london, rape, date(2025, 10, 1), scores=(2, None, None, None), issued=date(2025, 10, 5))
    db.session.commit()

    police = organisation("Northshire Police")
    health = organisation("Northshire NHS Trust", OrganisationKind.HEALTH)
    childrens = organisation("Northshire Children's Services", OrganisationKind.CHILDRENS_SERVICES)

    # Case A, flagged in May 2025: police (late by London time), health (on time), children's
    # services (withdrawn: not counted).
    case_a = make_case([police, health, childrens], review=r1)
    case_a.created_at_utc = _utc(2025, 5, 1, 10)
    case_a.reply_by = date(2025, 5, 22)
    for invitation in case_a.invitations:
        invitation.invited_at_utc = _utc(2025, 5, 1, 10)
    case_a.invitation_for(childrens.id).withdrawn_at_utc = _utc(2025, 5, 2, 9)
    police_return = submit_learning(
        case_a,
        police,
        member_of(police),
        [
            ("Link repeat incidents.", "Domestic abuse", LearningLevel.LOCAL),
            ("Tell children's services.", "Information sharing", LearningLevel.MULTI_AGENCY),
        ],
    )
    health_return = submit_learning(
        case_a,
        health,
        member_of(health),
        [
            ("Ask about children at every contact.", "Mental health", LearningLevel.LOCAL),
        ],
    )
    police_return.submitted_at_utc = _utc(2025, 5, 22, 23, 30)  # 00:30 on 23 May in London: late
    health_return.submitted_at_utc = _utc(2025, 5, 20, 12)
    health_return.involvement = Involvement.NOT_INVOLVED

    # Case B, flagged at 00:30 on 1 April 2026 in London: next year.
    case_b = make_case([police], review=r3)
    case_b.created_at_utc = _utc(2026, 3, 31, 23, 30)
    case_b.invitations[0].invited_at_utc = _utc(2026, 3, 31, 23, 30)
    # Case C, flagged at 23:30 on 31 March 2025 in London: last year; the return never came.
    case_c = make_case([police], review=r6)
    case_c.created_at_utc = _utc(2025, 3, 31, 22, 30)
    case_c.invitations[0].invited_at_utc = _utc(2025, 3, 31, 22, 30)

    # Panels: held ones count in the year they sat, by London time; others never count.
    panel_for([case_a], starts_at=_utc(2025, 6, 15, 9))
    panel_for([case_a], starts_at=_utc(2025, 3, 31, 23, 30))  # 00:30 on 1 April 2025 in London: this year
    panel_for([case_b], starts_at=_utc(2026, 3, 31, 23, 30))  # 00:30 on 1 April 2026 in London: next year
    panel_for([case_a], starts_at=_utc(2025, 9, 1, 9), status=PanelStatus.CANCELLED)
    panel_for([case_a], starts_at=_utc(2025, 10, 1, 9), status=PanelStatus.SCHEDULED)

    inspector = inspectorate_inspector()
    for name, created in (
        ("Domestic abuse", _utc(2025, 6, 1, 9)),
        ("Information sharing", _utc(2025, 6, 1, 9)),
        ("Child safeguarding", _utc(2026, 3, 31, 23, 30)),
    ):
        item = compile_item(case_a, ItemDetails(f"Learning on {name}", theme(name), LearningLevel.LOCAL), inspector)
        item.created_at_utc = created
    db.session.commit()

    def action(owner, level, status, due, created, impact=None):
        made = make_action(owner, case=case_a, level=level, due_on=due)
        made.status = status
        made.created_at_utc = created
        made.impact = impact
        db.session.commit()

    action(police, LearningLevel.LOCAL, ActionStatus.ACCEPTED, date(2026, 1, 1), _utc(2025, 6, 1))
    action(
        police,
        LearningLevel.LOCAL,
        ActionStatus.SIGNED_OFF,
        date(2025, 12, 1),
        _utc(2025, 6, 1),
        impact=ActionImpact.ACHIEVED,
    )
    action(childrens, LearningLevel.MULTI_AGENCY, ActionStatus.IN_PROGRESS, date(2026, 6, 30), _utc(2025, 7, 1))
    action(childrens, LearningLevel.NATIONAL, ActionStatus.DECLINED, date(2025, 9, 1), _utc(2025, 7, 1))
    # Proposed and not yet answered: recorded, but not agreed.
    action(childrens, LearningLevel.LOCAL, ActionStatus.PROPOSED, date(2027, 9, 1), _utc(2025, 8, 1))
    action(police, LearningLevel.REGIONAL, ActionStatus.SIGNED_OFF, date(2025, 6, 1), _utc(2025, 3, 31, 22))


def _shares(distribution) -> list[tuple[str, int, int]]:
    return [(share.label, share.count, share.percent) for share in distribution.shares]


def test_every_figure_of_the_year(frozen, count_queries) -> None:
    build_data_set()
    with count_queries() as counter:
        summary = annual_summary(ReportingYear(2025), TODAY)
    figures = summary.current

    assert (figures.received, figures.sampled, figures.hmpps, figures.assured, figures.not_rated) == (7, 5, 1, 5, 1)
    assert figures.sampled_percent == 71
    # Four rated: a base under five, so the shares are counted but not shown.
    assert _shares(figures.overall) == [
        ("Outstanding", 0, None),
        ("Good", 2, None),
        ("Requires improvement", 1, None),
        ("Inadequate", 1, None),
    ]
    assert [share.text for share in figures.overall.shares] == ["0 [low]", "2 [low]", "1 [low]", "1 [low]"]
    assert figures.overall.good_or_better == 2 and figures.overall.good_or_better_percent is None

    assert [
        (
            row.number,
            row.ratings.counts[Rating.OUTSTANDING],
            row.ratings.counts[Rating.GOOD],
            row.ratings.counts[Rating.REQUIRES_IMPROVEMENT],
            row.ratings.counts[Rating.INADEQUATE],
        )
        for row in figures.standards
    ] == [(1, 0, 3, 1, 1), (2, 0, 2, 1, 1), (3, 0, 2, 2, 0), (4, 0, 1, 3, 0)]
    assert [share.percent for share in figures.standards[0].ratings.shares] == [0, 60, 20, 20]
    assert [share.percent for share in figures.standards[3].ratings.shares] == [None] * 4  # 4 rated
    assert figures.standards[0].heading.startswith("Standard 1: ")

    regions = {row.name: row for row in figures.regions}
    assert list(regions) == ["London Probation Region", "North West Probation Region"]
    nw, london = regions["North West Probation Region"], regions["London Probation Region"]
    assert (nw.received, nw.sampled, nw.assured) == (4, 3, 2)
    assert _shares(nw.ratings) == [
        ("Outstanding", 0, None),
        ("Good", 1, None),
        ("Requires improvement", 1, None),
        ("Inadequate", 0, None),
    ]
    # Counted by their own dates: London assured 3 but sampled 2, so its row carries the footnote.
    assert not nw.assured_exceeds
    assert (london.received, london.sampled, london.assured) == (3, 2, 3)
    assert london.assured_exceeds
    assert [s.count for s in london.ratings.shares] == [0, 1, 0, 1]

    categories = {row.name: row for row in figures.categories}
    assert (categories["Murder"].received, categories["Murder"].sampled, categories["Murder"].assured) == (3, 3, 3)
    assert [s.count for s in categories["Murder"].ratings.shares] == [0, 2, 0, 1]
    assert (categories["Rape"].received, categories["Rape"].sampled, categories["Rape"].assured) == (4, 2, 2)
    assert [s.count for s in categories["Rape"].ratings.shares] == [0, 0, 1, 0]
    # Every active category is listed, with noughts where it had none.
    assert categories["Arson endangering life"].received == 0
    assert [row.name for row in figures.categories][:2] == ["Murder", "Attempted murder"]

    assert _shares(figures.timeliness) == [
        ("Within 15 working days", 3, 60),
        ("Within an agreed extension", 1, 20),
        ("Late", 1, 20),
    ]

    work = figures.multi_agency
    assert (
        work.cases_flagged,
        work.agencies_invited,
        work.returns_submitted,
        work.returns_on_time,
        work.involvement_confirmed,
        work.agencies_involved,
        work.panels_held,
    ) == (1, 2, 2, 1, 2, 1, 2)
    assert work.returns_on_time == 1 and work.returns_on_time_percent is None  # of 2 invited: not shown

    assert [(row.name, row.learning_points, row.learning_items) for row in figures.themes] == [
        ("Domestic abuse", 1, 1),
        ("Information sharing", 1, 1),
        ("Mental health", 1, 0),
    ]

    actions = figures.actions
    assert (
        actions.total,
        actions.completed,
        actions.accepted,
        actions.impact_reviewed,
        actions.completion_rate,
        actions.overdue,
    ) == (
        5,
        1,  # only signed-off actions are complete
        3,  # only accepted ones are agreed: not the proposed, nor the declined
        1,
        None,  # of 3 accepted: a base under five
        1,
    )
    assert actions.count(LearningLevel.LOCAL, ActionStatus.ACCEPTED) == 1
    assert actions.count(LearningLevel.LOCAL, ActionStatus.SIGNED_OFF) == 1
    assert actions.count(LearningLevel.MULTI_AGENCY, ActionStatus.IN_PROGRESS) == 1
    assert actions.count(LearningLevel.NATIONAL, ActionStatus.DECLINED) == 1
    assert actions.count(level=LearningLevel.REGIONAL) == 0
    assert [(s.label, s.count, s.base) for s in actions.by_status] == [
        ("Proposed", 1, 5),
        ("Change proposed", 0, 5),
        ("Accepted", 1, 5),
        ("In progress", 1, 5),
        ("Awaiting sign-off", 0, 5),
        ("Signed off", 1, 5),
        ("Declined", 1, 5),
    ]
    assert [(s.label, s.count) for s in actions.by_impact] == [
        ("Achieved", 1),
        ("Partly achieved", 0),
        ("Not achieved", 0),
    ]

    previous = summary.previous
    assert (previous.received, previous.sampled, previous.assured) == (2, 2, 1)
    assert [s.count for s in previous.overall.shares] == [0, 0, 1, 0]
    assert (
        previous.multi_agency.cases_flagged,
        previous.multi_agency.agencies_invited,
        previous.multi_agency.returns_on_time,
        previous.multi_agency.panels_held,
    ) == (1, 1, 0, 0)
    assert (previous.actions.total, previous.actions.completed, previous.actions.completion_rate) == (1, 1, None)

    assert [(c.measure, c.this_year, c.previous_year, c.difference_text) for c in changes(figures, previous)] == [
        ("Reviews received", 7, 2, "+5"),
        ("Reviews sampled for Inspectorate QA", 5, 2, "+3"),
        ("Reviews assured (QA reports issued)", 5, 1, "+4"),
        ("Rated Good or Outstanding", None, None, "Not comparable"),
        ("QA reports issued within 15 working days", 60, None, "Not comparable"),
        ("Reviews given an extension", None, None, "Not comparable"),
        ("Multi-agency cases flagged", 1, 1, "No change"),
        ("Agencies invited", 2, 1, "+1"),
        ("Returns on time", None, None, "Not comparable"),
        ("Panels held", 2, 0, "+2"),
        ("Actions accepted", 3, 1, "+2"),
        ("Action completion rate", None, None, "Not comparable"),
    ]
    # Both years from a fixed number of aggregate queries.
    assert counter.count <= 36


def test_the_query_count_does_not_grow_with_the_data(frozen, count_queries) -> None:
    build_data_set()
    with count_queries() as few:
        annual_summary(ReportingYear(2025), TODAY)
    build_data_set()  # the same again: twice the rows
    with count_queries() as many:
        doubled = annual_summary(ReportingYear(2025), TODAY)
    assert doubled.current.received == 14
    assert many.count == few.count


def test_the_year_boundaries_fall_between_31_march_and_1_april(frozen) -> None:
    nw = organisation("North West Probation Region", OrganisationKind.PROBATION_REGION)
    for received in (date(2025, 3, 31), date(2025, 4, 1), date(2026, 3, 31), date(2026, 4, 1)):
        made = make_review(received_on=received, region=nw)
        assess(made, (2, 2, 2, 2), issued_on=received)
    police = organisation("Northshire Police")
    # Actions recorded at London midnight either side of each boundary.
    for created in (
        _utc(2025, 3, 31, 22, 59),
        _utc(2025, 3, 31, 23, 0),
        _utc(2026, 3, 31, 22, 59),
        _utc(2026, 3, 31, 23, 0),
    ):
        make_action(police).created_at_utc = created
    db.session.commit()

    figures = annual_summary(ReportingYear(2025), TODAY).current
    assert (figures.received, figures.assured, figures.actions.total) == (2, 2, 2)
    previous = annual_summary(ReportingYear(2024), TODAY).current
    assert (previous.received, previous.assured, previous.actions.total) == (1, 1, 1)
    following = annual_summary(ReportingYear(2026), TODAY).current
    assert (following.received, following.assured, following.actions.total) == (1, 1, 1)


def test_an_imported_year_reproduces_the_published_split(frozen) -> None:
    """90 reviews assured: 41 Good, 48 Requires improvement, 1 Inadequate → 46%, 53%, 1%,
    imported through the register's CSV import as a year's spreadsheet would be."""
    from reviews.operations import commit_import, store_upload

    organisation("Wales Probation Region", OrganisationKind.PROBATION_REGION)
    rows = [
        "region,offence_category,received_on,standard_1_rating,standard_2_rating,standard_3_rating,"
        "standard_4_rating,qa_issued_on"
    ]
    bands = [(2, 2, 2, 1)] * 41 + [(1, 1, 1, 1)] * 48 + [(0, 0, 1, 1)]
    start = date(2023, 4, 3)
    for number, scores in enumerate(bands):
        received = start + timedelta(days=3 * number)
        rows.append(
            f"Wales Probation Region,Murder,{received.isoformat()},{','.join(map(str, scores))},"
            f"{(received + timedelta(days=14)).isoformat()}"
        )
    upload = store_upload("2023-24.csv", "\n".join(rows) + "\n", inspectorate_inspector())
    check = commit_import(upload, inspectorate_inspector())
    db.session.commit()
    assert len(check.new_rows) == 90

    figures = annual_summary(ReportingYear(2023), TODAY).current
    assert figures.assured == 90
    assert _shares(figures.overall) == [
        ("Outstanding", 0, 0),
        ("Good", 41, 46),
        ("Requires improvement", 48, 53),
        ("Inadequate", 1, 1),
    ]
    assert sum(share.percent for share in figures.overall.shares) == 100


def test_an_empty_year_has_noughts_and_no_percentages(frozen) -> None:
    figures = annual_summary(ReportingYear(2019), TODAY).current
    assert (figures.received, figures.assured, figures.overall.total) == (0, 0, 0)
    assert [s.percent for s in figures.overall.shares] == [None, None, None, None]
    assert [s.text for s in figures.overall.shares] == ["0", "0", "0", "0"]
    assert figures.overall.good_or_better_percent is None
    assert figures.actions.completion_rate is None
    assert db.session.scalar(db.select(ActionRecord.id)) is None
    assert db.session.scalar(db.select(LearningItem.id)) is None
