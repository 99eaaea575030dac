"""The annual summary: every figure for a reporting year (April to March), computed with a
fixed number of aggregate queries (GROUP BY in the database), whatever the volume of data.

What is counted when:
- reviews are *received* and *sampled* in the year they were received;
- reviews are *assured* in the year their QA report was issued, and the rating
  distributions and timeliness are those of the reports issued in the year;
- multi-agency cases in the year they were flagged, invitations in the year they were sent,
  panels in the year they sat; agencies' learning points in the year their return was
  submitted, shared learning and actions in the year they were recorded;
- action statuses (and so the completion rate and what is overdue) as they stand on the
  day the summary is produced.

The overall rating of an assessment is derived (the band of its composite, 0 to 12) and is
never stored, so the query derives it too, from the same bands as ``reviews.rating``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select

from agencies.models import Organisation, OrganisationKind
from cases.models import AgencyReturn, CaseInvitation, Involvement, MultiAgencyCase, ReturnLearningPoint, ReturnStatus
from cases.themes import LearningLevel, LearningTheme
from core.formatting import as_london
from extensions import db
from learning.models import OPEN_STATUSES, ActionRecord, ActionStatus, LearningItem
from learning.rules import ReportingYear, largest_remainder_percentages, percentage
from panels.models import Panel, PanelStatus
from reviews.models import Assessment, AssessmentStage, Assurance, OffenceCategory, Review, Standard, StandardRating
from reviews.rating import BANDS, RATINGS_HIGH_TO_LOW, STANDARD_COUNT, Rating

# --- building blocks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    label: str
    count: int
    percent: int


def shares(labelled_counts: Sequence[tuple[str, int]]) -> list[Share]:
    """Counts with whole percentages that add up to 100 (largest remainder)."""
    percents = largest_remainder_percentages([count for _, count in labelled_counts])
    return [Share(label, count, pct) for (label, count), pct in zip(labelled_counts, percents, strict=True)]


@dataclass
class RatingDistribution:
    """How many of a set were rated each way, highest rating first."""

    counts: dict[Rating, int] = field(default_factory=lambda: {rating: 0 for rating in RATINGS_HIGH_TO_LOW})

    def add(self, rating: Rating, count: int) -> None:
        self.counts[rating] += count

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def shares(self) -> list[Share]:
        return shares([(rating.label, self.counts[rating]) for rating in RATINGS_HIGH_TO_LOW])

    def share_of(self, rating: Rating) -> Share:
        return next(share for share in self.shares if share.label == rating.label)

    @property
    def good_or_better(self) -> int:
        return self.counts[Rating.OUTSTANDING] + self.counts[Rating.GOOD]

    @property
    def good_or_better_percent(self) -> int | None:
        return percentage(self.good_or_better, self.total)


@dataclass
class GroupRow:
    """One probation region or offence category."""

    name: str
    received: int = 0
    sampled: int = 0
    assured: int = 0
    ratings: RatingDistribution = field(default_factory=RatingDistribution)

    @property
    def has_figures(self) -> bool:
        return bool(self.received or self.sampled or self.assured)


@dataclass
class StandardRow:
    number: int
    title: str
    ratings: RatingDistribution = field(default_factory=RatingDistribution)

    @property
    def heading(self) -> str:
        return f"Standard {self.number}: {self.title}"


TIMELINESS_LABELS = {
    "within_target": "Within 15 working days",
    "within_extension": "Within an agreed extension",
    "late": "Late",
}


@dataclass
class Timeliness:
    counts: dict[str, int] = field(default_factory=lambda: {key: 0 for key in TIMELINESS_LABELS})

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def shares(self) -> list[Share]:
        return shares([(TIMELINESS_LABELS[key], self.counts[key]) for key in TIMELINESS_LABELS])

    @property
    def within_target_percent(self) -> int | None:
        return percentage(self.counts["within_target"], self.total)

    @property
    def on_time_percent(self) -> int | None:
        """Issued by the due date, extensions included."""
        return percentage(self.counts["within_target"] + self.counts["within_extension"], self.total)


@dataclass
class MultiAgencyWork:
    cases_flagged: int = 0
    agencies_invited: int = 0
    returns_submitted: int = 0
    returns_on_time: int = 0
    involvement_confirmed: int = 0
    agencies_involved: int = 0
    panels_held: int = 0

    @property
    def returns_on_time_percent(self) -> int | None:
        return percentage(self.returns_on_time, self.agencies_invited)

    @property
    def involvement_confirmed_percent(self) -> int | None:
        return percentage(self.involvement_confirmed, self.agencies_invited)


@dataclass
class ThemeRow:
    name: str
    learning_points: int = 0
    learning_items: int = 0

    @property
    def total(self) -> int:
        return self.learning_points + self.learning_items


@dataclass
class ActionFigures:
    counts: dict[tuple[LearningLevel, ActionStatus], int] = field(default_factory=dict)
    overdue: int = 0

    def count(self, level: LearningLevel | None = None, status: ActionStatus | None = None) -> int:
        return sum(
            n
            for (lv, st), n in self.counts.items()
            if (level is None or lv == level) and (status is None or st == status)
        )

    @property
    def total(self) -> int:
        return self.count()

    @property
    def completed(self) -> int:
        return self.count(status=ActionStatus.COMPLETED)

    @property
    def accepted(self) -> int:
        """Actions the owners took on: every action except those not accepted."""
        return self.total - self.count(status=ActionStatus.NOT_ACCEPTED)

    @property
    def completion_rate(self) -> int | None:
        """Completed, as a share of the actions accepted."""
        return percentage(self.completed, self.accepted)

    @property
    def by_status(self) -> list[Share]:
        return shares([(status.label, self.count(status=status)) for status in ActionStatus])

    @property
    def by_level(self) -> list[Share]:
        return shares([(level.label, self.count(level=level)) for level in LearningLevel])

    @property
    def matrix(self) -> list[tuple[str, list[int], int]]:
        """(level, a count for each status in order, the level's total), one row a level."""
        return [
            (level.label, [self.count(level=level, status=status) for status in ActionStatus], self.count(level=level))
            for level in LearningLevel
        ]


@dataclass
class YearFigures:
    year: ReportingYear
    as_at: date
    received: int = 0
    sampled: int = 0
    hmpps: int = 0
    assured: int = 0
    not_rated: int = 0  # issued without all four standards rated (e.g. an import without ratings)
    overall: RatingDistribution = field(default_factory=RatingDistribution)
    standards: list[StandardRow] = field(default_factory=list)
    regions: list[GroupRow] = field(default_factory=list)
    categories: list[GroupRow] = field(default_factory=list)
    timeliness: Timeliness = field(default_factory=Timeliness)
    multi_agency: MultiAgencyWork = field(default_factory=MultiAgencyWork)
    themes: list[ThemeRow] = field(default_factory=list)
    actions: ActionFigures = field(default_factory=ActionFigures)

    @property
    def sampled_percent(self) -> int | None:
        return percentage(self.sampled, self.received)


@dataclass(frozen=True)
class Change:
    measure: str
    this_year: int | None
    previous_year: int | None
    percent: bool = False  # a percentage: the change is in percentage points

    @property
    def difference(self) -> int | None:
        if self.this_year is None or self.previous_year is None:
            return None
        return self.this_year - self.previous_year

    @property
    def difference_text(self) -> str:
        difference = self.difference
        if difference is None:
            return "Not comparable"
        if difference == 0:
            return "No change"
        unit = (" percentage point" + ("" if abs(difference) == 1 else "s")) if self.percent else ""
        return f"{'+' if difference > 0 else '−'}{abs(difference)}{unit}"

    def shown(self, value: int | None) -> str:
        if value is None:
            return "No figures"
        return f"{value}%" if self.percent else str(value)


@dataclass
class AnnualSummary:
    current: YearFigures
    previous: YearFigures

    @property
    def year(self) -> ReportingYear:
        return self.current.year

    @property
    def changes(self) -> list[Change]:
        return changes(self.current, self.previous)


# --- the queries ---------------------------------------------------------------------------------


def _band_expression(composite: ColumnElement[Any]) -> ColumnElement[Any]:
    """The overall rating from the composite, in SQL: the bands of ``reviews.rating``."""
    return case(*[(composite.between(low, high), rating.value) for low, high, rating in BANDS], else_=None)


def _timeliness_expression() -> ColumnElement[str]:
    return case(
        (Assessment.issued_on <= Review.target_due_on, "within_target"),
        (Assessment.issued_on <= Review.due_on, "within_extension"),
        else_="late",
    )


def _issued_in(year: ReportingYear) -> ColumnElement[bool]:
    return and_(
        Assessment.stage == AssessmentStage.ISSUED, Assessment.issued_on >= year.start, Assessment.issued_on <= year.end
    )


def _received_by_group(year: ReportingYear) -> list[tuple[int, int, Assurance, int]]:
    rows = db.session.execute(
        select(Review.region_id, Review.offence_category_id, Review.assurance, func.count())
        .where(Review.received_on >= year.start, Review.received_on <= year.end)
        .group_by(Review.region_id, Review.offence_category_id, Review.assurance)
    )
    return [(region_id, category_id, assurance, count) for region_id, category_id, assurance, count in rows]


def _assured_by_group(year: ReportingYear) -> list[tuple[int, int, int | None, str, int]]:
    composites = (
        select(StandardRating.assessment_id, func.sum(StandardRating.score).label("composite"))
        .join(Assessment, StandardRating.assessment_id == Assessment.id)
        .where(_issued_in(year))  # only the year's assessments: the sum is not taken over every year
        .group_by(StandardRating.assessment_id)
        .having(func.count(StandardRating.score) == STANDARD_COUNT)
        .subquery()
    )
    band = _band_expression(composites.c.composite).label("band")
    timeliness = _timeliness_expression().label("timeliness")
    rows = db.session.execute(
        select(Review.region_id, Review.offence_category_id, band, timeliness, func.count())
        .select_from(Assessment)
        .join(Review, Assessment.review_id == Review.id)
        .outerjoin(composites, composites.c.assessment_id == Assessment.id)
        .where(_issued_in(year))
        # By label: PostgreSQL cannot match a CASE with bound values in SELECT to one in GROUP BY.
        .group_by(Review.region_id, Review.offence_category_id, "band", "timeliness")
    )
    return [(region_id, category_id, rating, on_time, count) for region_id, category_id, rating, on_time, count in rows]


def _standard_scores(year: ReportingYear) -> list[tuple[int, str, int, int, int]]:
    rows = db.session.execute(
        select(Standard.number, Standard.title, func.max(Standard.id), StandardRating.score, func.count())
        .select_from(StandardRating)
        .join(Assessment, StandardRating.assessment_id == Assessment.id)
        .join(Standard, StandardRating.standard_id == Standard.id)
        .where(_issued_in(year), StandardRating.score.is_not(None))
        .group_by(Standard.number, Standard.title, StandardRating.score)
    )
    # Unrated standards are left out by the query; the test below says so to the type checker.
    return [
        (number, title, latest_id, score, count) for number, title, latest_id, score, count in rows if score is not None
    ]


def _multi_agency(year: ReportingYear) -> MultiAgencyWork:
    work = MultiAgencyWork()
    work.cases_flagged = (
        db.session.scalar(
            select(func.count(MultiAgencyCase.id)).where(
                MultiAgencyCase.created_at_utc >= year.start_utc, MultiAgencyCase.created_at_utc < year.end_utc
            )
        )
        or 0
    )
    # One row per invitation sent in the year (a handful a case): whether a return was on
    # time depends on the London date it was submitted, which SQL cannot portably work out.
    invitations = db.session.execute(
        select(MultiAgencyCase.reply_by, AgencyReturn.status, AgencyReturn.submitted_at_utc, AgencyReturn.involvement)
        .select_from(CaseInvitation)
        .join(MultiAgencyCase, CaseInvitation.case_id == MultiAgencyCase.id)
        .outerjoin(AgencyReturn, AgencyReturn.invitation_id == CaseInvitation.id)
        .where(
            CaseInvitation.invited_at_utc >= year.start_utc,
            CaseInvitation.invited_at_utc < year.end_utc,
            CaseInvitation.withdrawn_at_utc.is_(None),
        )
    ).all()
    for reply_by, status, submitted_at, involvement in invitations:
        work.agencies_invited += 1
        if status == ReturnStatus.SUBMITTED:
            work.returns_submitted += 1
            if submitted_at is not None and as_london(submitted_at).date() <= reply_by:
                work.returns_on_time += 1
        if involvement in (Involvement.INVOLVED, Involvement.NOT_INVOLVED):
            work.involvement_confirmed += 1
            work.agencies_involved += int(involvement == Involvement.INVOLVED)
    work.panels_held = _panels_held(year)
    return work


def _panels_held(year: ReportingYear) -> int:
    """Panels that sat in the year (by their start, in London) and were recorded as held."""
    return (
        db.session.scalar(
            select(func.count(Panel.id)).where(
                Panel.status == PanelStatus.HELD,
                Panel.starts_at_utc >= year.start_utc,
                Panel.starts_at_utc < year.end_utc,
            )
        )
        or 0
    )


def _themes(year: ReportingYear, names: dict[int, str]) -> list[ThemeRow]:
    points = db.session.execute(
        select(ReturnLearningPoint.theme_id, func.count())
        .join(AgencyReturn, ReturnLearningPoint.return_id == AgencyReturn.id)
        .where(
            AgencyReturn.status == ReturnStatus.SUBMITTED,
            AgencyReturn.submitted_at_utc >= year.start_utc,
            AgencyReturn.submitted_at_utc < year.end_utc,
            ReturnLearningPoint.theme_id.is_not(None),
        )
        .group_by(ReturnLearningPoint.theme_id)
    ).all()
    items = db.session.execute(
        select(LearningItem.theme_id, func.count())
        .where(LearningItem.created_at_utc >= year.start_utc, LearningItem.created_at_utc < year.end_utc)
        .group_by(LearningItem.theme_id)
    ).all()
    rows: dict[int, ThemeRow] = {}
    for theme_id, count in points:
        if theme_id is None:  # left out by the query already; this tells the type checker
            continue
        rows.setdefault(theme_id, ThemeRow(names.get(theme_id, "Unknown theme"))).learning_points = count
    for theme_id, count in items:
        rows.setdefault(theme_id, ThemeRow(names.get(theme_id, "Unknown theme"))).learning_items = count
    return sorted(rows.values(), key=lambda row: (-row.total, -row.learning_items, row.name))


def _actions(year: ReportingYear, today: date) -> ActionFigures:
    overdue = and_(ActionRecord.status.in_(OPEN_STATUSES), ActionRecord.due_on < today)
    rows = db.session.execute(
        select(ActionRecord.level, ActionRecord.status, case((overdue, 1), else_=0).label("overdue"), func.count())
        .where(ActionRecord.created_at_utc >= year.start_utc, ActionRecord.created_at_utc < year.end_utc)
        .group_by(ActionRecord.level, ActionRecord.status, "overdue")
    ).all()
    figures = ActionFigures()
    for level, status, is_overdue, count in rows:
        figures.counts[(level, status)] = figures.counts.get((level, status), 0) + count
        if is_overdue:
            figures.overdue += count
    return figures


@dataclass(frozen=True)
class Names:
    """The names the figures are reported under, read once for both years."""

    regions: dict[int, str]
    probation_regions: list[int]
    categories: dict[int, str]
    active_categories: list[int]
    themes: dict[int, str]


def _names() -> Names:
    organisations = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.kind)
        .order_by(Organisation.name)
        .where(Organisation.kind == OrganisationKind.PROBATION_REGION)
    ).all()
    categories = db.session.execute(
        select(OffenceCategory.id, OffenceCategory.name, OffenceCategory.active).order_by(
            OffenceCategory.position, OffenceCategory.name
        )
    ).all()
    themes = db.session.execute(select(LearningTheme.id, LearningTheme.name)).all()
    return Names(
        regions={row.id: row.name for row in organisations},
        probation_regions=[row.id for row in organisations],
        categories={row.id: row.name for row in categories},
        active_categories=[row.id for row in categories if row.active],
        themes={row.id: row.name for row in themes},
    )


# --- assembling a year ---------------------------------------------------------------------------


def year_figures(year: ReportingYear, today: date, names: Names | None = None) -> YearFigures:
    names = names or _names()
    figures = YearFigures(year=year, as_at=today)
    regions: dict[int, GroupRow] = {}
    categories: dict[int, GroupRow] = {}

    def region(region_id: int) -> GroupRow:
        return regions.setdefault(region_id, GroupRow(names.regions.get(region_id, "Another organisation")))

    def category(category_id: int) -> GroupRow:
        return categories.setdefault(category_id, GroupRow(names.categories.get(category_id, "Unknown category")))

    for region_id, category_id, assurance, count in _received_by_group(year):
        figures.received += count
        region(region_id).received += count
        category(category_id).received += count
        if assurance == Assurance.INSPECTORATE:
            figures.sampled += count
            region(region_id).sampled += count
            category(category_id).sampled += count
        elif assurance == Assurance.HMPPS:
            figures.hmpps += count

    for region_id, category_id, band, timeliness, count in _assured_by_group(year):
        figures.assured += count
        region(region_id).assured += count
        category(category_id).assured += count
        figures.timeliness.counts[timeliness] += count
        if band is None:
            figures.not_rated += count
            continue
        rating = Rating(int(band))
        figures.overall.add(rating, count)
        region(region_id).ratings.add(rating, count)
        category(category_id).ratings.add(rating, count)

    standards: dict[int, StandardRow] = {}
    latest_title_id: dict[int, int] = {}
    for number, title, standard_id, score, count in _standard_scores(year):
        row = standards.setdefault(number, StandardRow(number, title))
        # Where versions word a standard differently, report it under the latest wording.
        if standard_id > latest_title_id.get(number, 0):
            latest_title_id[number] = standard_id
            row.title = title
        row.ratings.add(Rating(int(score)), count)
    figures.standards = [standards[number] for number in sorted(standards)]

    # Every probation region and active category is listed, with noughts where it had none.
    for region_id in names.probation_regions:
        region(region_id)
    for category_id in names.active_categories:
        category(category_id)
    figures.regions = sorted(regions.values(), key=lambda row: row.name)
    order = {category_id: position for position, category_id in enumerate(names.categories)}
    figures.categories = [categories[key] for key in sorted(categories, key=lambda key: order.get(key, len(order)))]

    figures.multi_agency = _multi_agency(year)
    figures.themes = _themes(year, names.themes)
    figures.actions = _actions(year, today)
    return figures


def annual_summary(year: ReportingYear, today: date) -> AnnualSummary:
    """This year's figures and last year's, for the page, the PDF and the CSV."""
    names = _names()
    return AnnualSummary(current=year_figures(year, today, names), previous=year_figures(year.previous, today, names))


def changes(current: YearFigures, previous: YearFigures) -> list[Change]:
    return [
        Change("Reviews received", current.received, previous.received),
        Change("Reviews sampled for Inspectorate QA", current.sampled, previous.sampled),
        Change("Reviews assured (QA reports issued)", current.assured, previous.assured),
        Change(
            "Rated Good or Outstanding",
            current.overall.good_or_better_percent,
            previous.overall.good_or_better_percent,
            percent=True,
        ),
        Change(
            "QA reports issued within 15 working days",
            current.timeliness.within_target_percent,
            previous.timeliness.within_target_percent,
            percent=True,
        ),
        Change("Multi-agency cases flagged", current.multi_agency.cases_flagged, previous.multi_agency.cases_flagged),
        Change("Agencies invited", current.multi_agency.agencies_invited, previous.multi_agency.agencies_invited),
        Change(
            "Returns on time",
            current.multi_agency.returns_on_time_percent,
            previous.multi_agency.returns_on_time_percent,
            percent=True,
        ),
        Change("Panels held", current.multi_agency.panels_held, previous.multi_agency.panels_held),
        Change("Actions agreed", current.actions.total, previous.actions.total),
        Change(
            "Action completion rate", current.actions.completion_rate, previous.actions.completion_rate, percent=True
        ),
    ]


def available_years(today: date) -> list[ReportingYear]:
    """The years that can be chosen: from the first review received (or last year) to this one."""
    first = db.session.scalar(select(func.min(Review.received_on)))
    current = ReportingYear.containing(today)
    earliest = ReportingYear.containing(first) if first else current.previous
    earliest = min(earliest, current.previous)
    return [ReportingYear(y) for y in range(current.start_year, earliest.start_year - 1, -1)]


# --- CSV ------------------------------------------------------------------------------------------

SUMMARY_CSV_COLUMNS = ["Reporting year", "Section", "Breakdown", "Measure", "Count", "Percentage"]


def summary_csv_rows(summary: AnnualSummary) -> Iterable[list[object]]:
    """Every figure on the page, one per row, in a shape a spreadsheet can pivot."""
    figures = summary.current
    year = figures.year.short_label

    def pct(value: int | None) -> object:
        return "" if value is None else value

    yield [year, "Reviews", "All", "Received", figures.received, ""]
    yield [year, "Reviews", "All", "Sampled for Inspectorate QA", figures.sampled, pct(figures.sampled_percent)]
    yield [year, "Reviews", "All", "For HMPPS assurance", figures.hmpps, ""]
    yield [year, "Reviews", "All", "Assured (QA reports issued)", figures.assured, ""]
    for share in figures.overall.shares:
        yield [year, "Overall rating", "All", share.label, share.count, share.percent]
    if figures.not_rated:
        yield [year, "Overall rating", "All", "Not rated", figures.not_rated, ""]
    for row in figures.standards:
        for share in row.ratings.shares:
            yield [year, "Standard rating", row.heading, share.label, share.count, share.percent]
    for section, groups in (("Probation region", figures.regions), ("Offence category", figures.categories)):
        for group in groups:
            yield [year, section, group.name, "Received", group.received, ""]
            yield [year, section, group.name, "Sampled", group.sampled, ""]
            yield [year, section, group.name, "Assured", group.assured, ""]
            for share in group.ratings.shares:
                yield [year, section, group.name, share.label, share.count, share.percent]
    for share in figures.timeliness.shares:
        yield [year, "Timeliness", "QA reports issued", share.label, share.count, share.percent]
    work = figures.multi_agency
    yield [year, "Multi-agency work", "All", "Cases flagged", work.cases_flagged, ""]
    yield [year, "Multi-agency work", "All", "Agencies invited", work.agencies_invited, ""]
    yield [year, "Multi-agency work", "All", "Returns submitted", work.returns_submitted, ""]
    yield [year, "Multi-agency work", "All", "Returns on time", work.returns_on_time, pct(work.returns_on_time_percent)]
    yield [
        year,
        "Multi-agency work",
        "All",
        "Involvement confirmed",
        work.involvement_confirmed,
        pct(work.involvement_confirmed_percent),
    ]
    yield [year, "Multi-agency work", "All", "Panels held", work.panels_held, ""]
    for theme in figures.themes:
        yield [year, "Learning themes", theme.name, "Agencies' learning points", theme.learning_points, ""]
        yield [year, "Learning themes", theme.name, "Shared learning items", theme.learning_items, ""]
    actions = figures.actions
    for level in LearningLevel:
        for status in ActionStatus:
            yield [year, "Actions", level.label, status.label, actions.count(level=level, status=status), ""]
    yield [year, "Actions", "All", "Agreed", actions.total, ""]
    yield [year, "Actions", "All", "Completed", actions.completed, pct(actions.completion_rate)]
    yield [year, "Actions", "All", "Overdue", actions.overdue, ""]
    previous = summary.previous.year.short_label
    for change in summary.changes:
        # A count goes in Count; a percentage (and its change, in points) in Percentage.
        for label, breakdown, value in (
            (previous, "Previous year", change.previous_year),
            (year, "Change", change.difference),
        ):
            cells = ["", pct(value)] if change.percent else [pct(value), ""]
            yield [label, "Change from the previous year", breakdown, change.measure, *cells]
