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
  day the summary is produced;
- extensions given to probation (the review's own timeline, before it reached the
  Inspectorate) in the year the review was received, as a share of the reviews whose
  timeline is recorded.

Because each measure counts by its own date, a region can have more reviews assured in a
year than it had received or sampled in it; every table where that happens says so.

Every share is rounded on its own, halves up (``learning.rules.percentage``), so shares may
not add up to 100; a share of a base under five is not shown.

The overall rating of an assessment is derived (the band of its composite, 0 to 12) and is
never stored, so the query derives it too, from the same bands as ``reviews.rating``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select

from agencies.models import Organisation, OrganisationKind, User
from cases.models import AgencyReturn, CaseInvitation, Involvement, MultiAgencyCase, ReturnLearningPoint, ReturnStatus
from cases.themes import LearningLevel, LearningTheme
from core.formatting import as_london
from core.forms import WORK_DATES
from extensions import db
from learning.models import AGREED_STATUSES, OPEN_STATUSES, ActionImpact, ActionRecord, ActionStatus, LearningItem
from learning.rules import LOW_BASE, ReportingYear, Share, shares
from panels.models import Attendance, Panel, PanelAttendee, PanelStatus, PanelWalkIn
from reviews.models import (
    Answer,
    Assessment,
    AssessmentStage,
    Assurance,
    KeyQuestion,
    OffenceCategory,
    Prompt,
    PromptAnswer,
    PublishedYear,
    Review,
    Standard,
    StandardRating,
)
from reviews.rating import BANDS, RATINGS_HIGH_TO_LOW, STANDARD_COUNT, Rating

# --- building blocks -----------------------------------------------------------------------------


__all__ = ["Share", "shares"]  # the summary's shares are learning.rules' (each rounded on its own)


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
    def good_or_better_share(self) -> Share:
        return Share("Good or better", self.good_or_better, self.total)

    @property
    def good_or_better_percent(self) -> int | None:
        return self.good_or_better_share.percent


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

    @property
    def assured_exceeds(self) -> bool:
        """More assured than sampled or received: each counts by its own date (a footnote says so)."""
        return self.assured > self.sampled or self.assured > self.received


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
    def within_target_share(self) -> Share:
        return Share(TIMELINESS_LABELS["within_target"], self.counts["within_target"], self.total)

    @property
    def within_target_percent(self) -> int | None:
        return self.within_target_share.percent

    @property
    def on_time_percent(self) -> int | None:
        """Issued by the due date, extensions included."""
        return Share("On time", self.counts["within_target"] + self.counts["within_extension"], self.total).percent


# Lengths of the extensions probation regions were given, in working days.
EXTENSION_LENGTHS: list[tuple[str, int, int | None]] = [
    ("Up to 10 working days", 1, 10),
    ("11 to 20 working days", 11, 20),
    ("21 to 40 working days", 21, 40),
    ("More than 40 working days", 41, None),
]


@dataclass
class ExtensionRow:
    """Extensions given to probation on the reviews received in the year: all, or one region."""

    name: str
    received: int = 0
    recorded: int = 0  # reviews whose timeline says whether an extension was given
    extended: int = 0
    lengths: Counter[int] = field(default_factory=Counter)  # working days → reviews

    def add(self, extension: bool | None, days: int | None, count: int) -> None:
        self.received += count
        if extension is None:
            return
        self.recorded += count
        if extension:
            self.extended += count
            if days:
                self.lengths[days] += count

    @property
    def share(self) -> Share:
        return Share("Given an extension", self.extended, self.recorded)

    @property
    def length_unknown(self) -> int:
        return self.extended - sum(self.lengths.values())

    @property
    def length_bands(self) -> list[Share]:
        """How many extensions fell in each band of length, as shares of those whose length is known."""
        known = sum(self.lengths.values())
        return [
            Share(
                label,
                sum(n for days, n in self.lengths.items() if days >= low and (high is None or days <= high)),
                known,
            )
            for label, low, high in EXTENSION_LENGTHS
        ]

    @property
    def median_days(self) -> float | None:
        if not self.lengths:
            return None
        return float(median(self.lengths.elements()))

    @property
    def median_text(self) -> str:
        value = self.median_days
        if value is None:
            return "–"
        return f"{value:g}"

    @property
    def range_text(self) -> str:
        if not self.lengths:
            return "–"
        low, high = min(self.lengths), max(self.lengths)
        return str(low) if low == high else f"{low} to {high}"


@dataclass
class ExtensionFigures:
    all: ExtensionRow = field(default_factory=lambda: ExtensionRow("All regions"))
    regions: list[ExtensionRow] = field(default_factory=list)


@dataclass
class PromptTheme:
    """A prompt the year's QA most often answered "No" or "Partly"."""

    label: str  # "1.1 d"
    text: str
    no: int = 0
    partly: int = 0
    answered: int = 0  # answered at all (Yes, Partly, No or Not applicable)

    @property
    def missed(self) -> int:
        return self.no + self.partly

    @property
    def share(self) -> Share:
        return Share("No or Partly", self.missed, self.answered)


@dataclass
class StandardThemes:
    number: int
    title: str
    prompts: list[PromptTheme] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"Standard {self.number}: {self.title}"


# The prompts listed per standard in the QA themes.
THEMES_PER_STANDARD = 5


@dataclass
class MultiAgencyWork:
    cases_flagged: int = 0
    agencies_invited: int = 0
    returns_submitted: int = 0
    returns_on_time: int = 0
    involvement_confirmed: int = 0
    agencies_involved: int = 0
    panels_held: int = 0
    # Agency engagement at the panels held, from the attendance registers: one place for each
    # agency invited to (or turning up at) each panel; represented when someone from it came
    # (an invitee, their named deputy, or someone added on the day).
    panel_places: int = 0
    panel_places_represented: int = 0
    panel_apologies: int = 0

    @property
    def represented_share(self) -> Share:
        return Share("Agencies represented at panels", self.panel_places_represented, self.panel_places)

    @property
    def returns_on_time_share(self) -> Share:
        return Share("Returns on time", self.returns_on_time, self.agencies_invited)

    @property
    def involvement_confirmed_share(self) -> Share:
        return Share("Involvement confirmed", self.involvement_confirmed, self.agencies_invited)

    @property
    def returns_on_time_percent(self) -> int | None:
        return self.returns_on_time_share.percent

    @property
    def involvement_confirmed_percent(self) -> int | None:
        return self.involvement_confirmed_share.percent


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
    """Actions recorded in the year, by level and status as they stand, and by impact.

    Only actions their owners accepted count as agreed (proposed, change proposed and
    declined ones do not); only signed-off actions count as complete.
    """

    counts: dict[tuple[LearningLevel, ActionStatus], int] = field(default_factory=dict)
    overdue: int = 0
    impacts: dict[ActionImpact, int] = field(default_factory=dict)

    def count(self, level: LearningLevel | None = None, status: ActionStatus | None = None) -> int:
        return sum(
            n
            for (lv, st), n in self.counts.items()
            if (level is None or lv == level) and (status is None or st == status)
        )

    @property
    def total(self) -> int:
        """Every action recorded, whatever its owner said."""
        return self.count()

    @property
    def completed(self) -> int:
        """Signed off by the Inspectorate: the owner's word alone does not complete an action."""
        return self.count(status=ActionStatus.SIGNED_OFF)

    @property
    def accepted(self) -> int:
        """Actions their owners accepted (and since took forward)."""
        return sum(self.count(status=status) for status in AGREED_STATUSES)

    @property
    def impact_reviewed(self) -> int:
        return sum(self.impacts.values())

    @property
    def completion_share(self) -> Share:
        """Signed off, as a share of the actions accepted."""
        return Share("Signed off", self.completed, self.accepted)

    @property
    def completion_rate(self) -> int | None:
        return self.completion_share.percent

    @property
    def by_status(self) -> list[Share]:
        return shares([(status.label, self.count(status=status)) for status in ActionStatus])

    @property
    def by_impact(self) -> list[Share]:
        """Each impact judgement as a share of the signed-off actions whose impact was reviewed."""
        return shares([(impact.label, self.impacts.get(impact, 0)) for impact in ActionImpact])

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
    extensions: ExtensionFigures = field(default_factory=ExtensionFigures)
    qa_themes: list[StandardThemes] = field(default_factory=list)
    assessments_with_answers: int = 0  # of the year's reports, those with prompts answered in the portal

    @property
    def sampled_share(self) -> Share:
        return Share("Sampled", self.sampled, self.received)

    @property
    def sampled_percent(self) -> int | None:
        return self.sampled_share.percent

    @property
    def assured_exceeds(self) -> bool:
        return self.assured > self.sampled or self.assured > self.received

    def standard(self, number: int) -> StandardRow | None:
        return next((row for row in self.standards if row.number == number), None)


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


@dataclass(frozen=True)
class StandardChange:
    """A standard's share rated Good or better this year and last, and the change in points."""

    heading: str
    this_year: Share
    previous_year: Share

    @property
    def change(self) -> Change:
        return Change(self.heading, self.this_year.percent, self.previous_year.percent, percent=True)


@dataclass
class TrendRow:
    """One year on record, for the trend table and chart."""

    year: ReportingYear
    received: int = 0
    assured: int = 0
    ratings: RatingDistribution = field(default_factory=RatingDistribution)
    timeliness: Timeliness = field(default_factory=Timeliness)
    extensions: ExtensionRow = field(default_factory=lambda: ExtensionRow("All regions"))
    published: bool = False

    @property
    def good_or_better(self) -> Share:
        return self.ratings.good_or_better_share

    @property
    def within_target(self) -> Share:
        return self.timeliness.within_target_share

    @property
    def extension(self) -> Share:
        return self.extensions.share

    @property
    def assured_exceeds(self) -> bool:
        return self.assured > self.received


@dataclass
class AnnualSummary:
    current: YearFigures
    previous: YearFigures
    trend: list[TrendRow] = field(default_factory=list)
    published: PublishedYear | None = None

    @property
    def year(self) -> ReportingYear:
        return self.current.year

    @property
    def changes(self) -> list[Change]:
        return changes(self.current, self.previous)

    @property
    def standard_changes(self) -> list[StandardChange]:
        rows = []
        for row in self.current.standards:
            before = self.previous.standard(row.number)
            rows.append(
                StandardChange(
                    row.heading,
                    row.ratings.good_or_better_share,
                    before.ratings.good_or_better_share if before else Share("Good or better", 0, 0),
                )
            )
        return rows

    @property
    def trend_assured_exceeds(self) -> bool:
        return any(row.assured_exceeds for row in self.trend)


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


def _extensions(year: ReportingYear, names: Names) -> ExtensionFigures:
    """Extensions given to probation on the reviews received in the year, by region (one query)."""
    rows = db.session.execute(
        select(Review.region_id, Review.probation_extension, Review.probation_extension_days, func.count())
        .where(Review.received_on >= year.start, Review.received_on <= year.end)
        .group_by(Review.region_id, Review.probation_extension, Review.probation_extension_days)
    ).all()
    figures = ExtensionFigures()
    regions = {region_id: ExtensionRow(name) for region_id, name in names.regions.items()}
    for region_id, extension, days, count in rows:
        figures.all.add(extension, days, count)
        regions.setdefault(region_id, ExtensionRow(names.regions.get(region_id, "Another organisation"))).add(
            extension, days, count
        )
    figures.regions = sorted(regions.values(), key=lambda row: row.name)
    return figures


def _qa_themes(year: ReportingYear) -> tuple[list[StandardThemes], int]:
    """Per standard, the prompts the year's reports most often answered "No" or "Partly".

    Prompts are matched across versions of the standards by their label ("1.1 d") and shown
    in the latest wording. One query for the answers, one for how many reports had any.
    """
    rows = db.session.execute(
        select(
            Standard.number,
            Standard.title,
            KeyQuestion.number,
            Prompt.letter,
            Prompt.text,
            func.max(Prompt.id),
            PromptAnswer.answer,
            func.count(),
        )
        .select_from(PromptAnswer)
        .join(Assessment, PromptAnswer.assessment_id == Assessment.id)
        .join(Prompt, PromptAnswer.prompt_id == Prompt.id)
        .join(KeyQuestion, Prompt.key_question_id == KeyQuestion.id)
        .join(Standard, KeyQuestion.standard_id == Standard.id)
        .where(_issued_in(year), PromptAnswer.answer.is_not(None))
        .group_by(Standard.number, Standard.title, KeyQuestion.number, Prompt.letter, Prompt.text, PromptAnswer.answer)
    ).all()
    with_answers = (
        db.session.scalar(
            select(func.count(func.distinct(PromptAnswer.assessment_id)))
            .join(Assessment, PromptAnswer.assessment_id == Assessment.id)
            .where(_issued_in(year), PromptAnswer.answer.is_not(None))
        )
        or 0
    )
    standards: dict[int, StandardThemes] = {}
    prompts: dict[tuple[int, str, str], PromptTheme] = {}
    newest: dict[tuple[int, str, str], int] = {}
    for number, title, question, letter, text, prompt_id, answer, count in rows:
        standards.setdefault(number, StandardThemes(number, title))
        key = (number, question, letter)
        theme = prompts.setdefault(key, PromptTheme(f"{question} {letter}", text))
        if prompt_id > newest.get(key, 0):  # the latest wording names the prompt
            newest[key] = prompt_id
            theme.text = text
            standards[number].title = title
        theme.answered += count
        if answer == Answer.NO:
            theme.no += count
        elif answer == Answer.PARTLY:
            theme.partly += count
    for (number, _question, _letter), theme in prompts.items():
        if theme.missed:
            standards[number].prompts.append(theme)
    for row in standards.values():
        row.prompts.sort(key=lambda t: (-t.missed, -t.no, t.label))
        del row.prompts[THEMES_PER_STANDARD:]
    return [standards[number] for number in sorted(standards)], with_answers


def _year_of(column, years: Sequence[ReportingYear]):  # type: ignore[no-untyped-def]
    """The reporting year a date column falls in, in SQL (a CASE over the years asked about)."""
    return case(*[(column.between(year.start, year.end), year.start_year) for year in years], else_=None)


def trend(years: Sequence[ReportingYear], published: set[int]) -> list[TrendRow]:
    """Every year on record, oldest first: a fixed number of grouped queries, whatever the years."""
    if not years:
        return []
    rows = {year.start_year: TrendRow(year, published=year.start_year in published) for year in years}
    first, last = min(years).start, max(years).end
    received_year = _year_of(Review.received_on, years).label("year")
    for start_year, extension, days, count in db.session.execute(
        select(received_year, Review.probation_extension, Review.probation_extension_days, func.count())
        .where(Review.received_on >= first, Review.received_on <= last)
        .group_by("year", Review.probation_extension, Review.probation_extension_days)
    ).all():
        if start_year is None:
            continue
        rows[start_year].received += count
        rows[start_year].extensions.add(extension, days, count)
    issued = and_(
        Assessment.stage == AssessmentStage.ISSUED, Assessment.issued_on >= first, Assessment.issued_on <= last
    )
    composites = (
        select(StandardRating.assessment_id, func.sum(StandardRating.score).label("composite"))
        .join(Assessment, StandardRating.assessment_id == Assessment.id)
        .where(issued)
        .group_by(StandardRating.assessment_id)
        .having(func.count(StandardRating.score) == STANDARD_COUNT)
        .subquery()
    )
    issued_year = _year_of(Assessment.issued_on, years).label("year")
    band = _band_expression(composites.c.composite).label("band")
    timeliness = _timeliness_expression().label("timeliness")
    for start_year, rating_band, on_time, count in db.session.execute(
        select(issued_year, band, timeliness, func.count())
        .select_from(Assessment)
        .join(Review, Assessment.review_id == Review.id)
        .outerjoin(composites, composites.c.assessment_id == Assessment.id)
        .where(issued)
        .group_by("year", "band", "timeliness")
    ).all():
        if start_year is None:
            continue
        row = rows[start_year]
        row.assured += count
        row.timeliness.counts[on_time] += count
        if rating_band is not None:
            row.ratings.add(Rating(int(rating_band)), count)
    return [rows[year.start_year] for year in sorted(years)]


def published_years() -> dict[int, PublishedYear]:
    return {row.start_year: row for row in db.session.scalars(select(PublishedYear))}


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
    _panel_attendance(year, work)
    return work


def _panel_attendance(year: ReportingYear, work: MultiAgencyWork) -> None:
    """Agency engagement at the year's held panels, from their attendance registers."""
    held = (
        Panel.status == PanelStatus.HELD,
        Panel.starts_at_utc >= year.start_utc,
        Panel.starts_at_utc < year.end_utc,
        Organisation.kind != OrganisationKind.INSPECTORATE,
    )
    invited = db.session.execute(
        select(PanelAttendee.panel_id, User.organisation_id, PanelAttendee.attendance)
        .join(Panel, Panel.id == PanelAttendee.panel_id)
        .join(User, User.id == PanelAttendee.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(*held)
    ).all()
    walk_ins = db.session.execute(
        select(PanelWalkIn.panel_id, PanelWalkIn.organisation_id)
        .join(Panel, Panel.id == PanelWalkIn.panel_id)
        .join(Organisation, Organisation.id == PanelWalkIn.organisation_id)
        .where(*held)
    ).all()
    places = {(panel_id, org_id) for panel_id, org_id, _attendance in invited} | set(walk_ins)
    represented = {
        (panel_id, org_id)
        for panel_id, org_id, attendance in invited
        if attendance is not None and attendance.represented
    } | set(walk_ins)
    work.panel_places = len(places)
    work.panel_places_represented = len(represented)
    work.panel_apologies = sum(1 for _p, _o, attendance in invited if attendance == Attendance.APOLOGIES)


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
    """One aggregate query: counts by level, status, whether overdue, and impact."""
    overdue = and_(ActionRecord.status.in_(OPEN_STATUSES), ActionRecord.due_on < today)
    rows = db.session.execute(
        select(
            ActionRecord.level,
            ActionRecord.status,
            case((overdue, 1), else_=0).label("overdue"),
            ActionRecord.impact,
            func.count(),
        )
        .where(ActionRecord.created_at_utc >= year.start_utc, ActionRecord.created_at_utc < year.end_utc)
        .group_by(ActionRecord.level, ActionRecord.status, "overdue", ActionRecord.impact)
    ).all()
    figures = ActionFigures()
    for level, status, is_overdue, impact, count in rows:
        figures.counts[(level, status)] = figures.counts.get((level, status), 0) + count
        if is_overdue:
            figures.overdue += count
        if impact is not None:
            figures.impacts[impact] = figures.impacts.get(impact, 0) + count
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
    figures.extensions = _extensions(year, names)
    figures.qa_themes, figures.assessments_with_answers = _qa_themes(year)
    return figures


def annual_summary(year: ReportingYear, today: date) -> AnnualSummary:
    """This year's figures and last year's, and every year on record, for the page, the PDF and the CSV."""
    names = _names()
    published = published_years()
    return AnnualSummary(
        current=year_figures(year, today, names),
        previous=year_figures(year.previous, today, names),
        trend=trend(list(reversed(available_years(today))), set(published)),
        published=published.get(year.start_year),
    )


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
        Change(
            "Reviews given an extension",
            current.extensions.all.share.percent,
            previous.extensions.all.share.percent,
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
        Change("Actions accepted", current.actions.accepted, previous.actions.accepted),
        Change(
            "Action completion rate", current.actions.completion_rate, previous.actions.completion_rate, percent=True
        ),
    ]


def available_years(today: date) -> list[ReportingYear]:
    """The years that can be chosen: from the first review received (or last year) to this one."""
    first = db.session.scalar(select(func.min(Review.received_on)))
    current = ReportingYear.containing(today)
    # A date typed before the forms refused implausible ones (01/01/0001) offers no year before 2000.
    earliest = ReportingYear.containing(max(first, WORK_DATES.earliest)) if first else current.previous
    earliest = min(earliest, current.previous)
    return [ReportingYear(y) for y in range(current.start_year, earliest.start_year - 1, -1)]


# --- CSV ------------------------------------------------------------------------------------------

SUMMARY_CSV_COLUMNS = ["Reporting year", "Section", "Breakdown", "Measure", "Count", "Percentage", "Note"]
LOW_BASE_CSV_NOTE = f"Share not shown: base under {LOW_BASE}"
EXCEEDS_NOTE = "More assured than sampled or received: each is counted by its own date"


def summary_csv_rows(summary: AnnualSummary) -> Iterable[list[object]]:
    """Every figure on the page, one per row, in a shape a spreadsheet can pivot.

    A percentage is the page's, rounded on its own; where its base is under five it is left
    blank and the Note column says why, as the page marks it.
    """
    figures = summary.current
    year = figures.year.short_label

    def pct(value: int | None) -> object:
        return "" if value is None else value

    def share_row(section: str, breakdown: str, share: Share, label: str | None = None) -> list[object]:
        return [
            year,
            section,
            breakdown,
            label or share.label,
            share.count,
            pct(share.percent),
            LOW_BASE_CSV_NOTE if share.low_base else "",
        ]

    def count_row(section: str, breakdown: str, measure: str, count: int, note: str = "") -> list[object]:
        return [year, section, breakdown, measure, count, "", note]

    yield count_row("Reviews", "All", "Received", figures.received)
    yield share_row("Reviews", "All", figures.sampled_share, "Sampled for Inspectorate QA")
    yield count_row("Reviews", "All", "For HMPPS assurance", figures.hmpps)
    yield count_row(
        "Reviews",
        "All",
        "Assured (QA reports issued)",
        figures.assured,
        EXCEEDS_NOTE if figures.assured_exceeds else "",
    )
    for share in figures.overall.shares:
        yield share_row("Overall rating", "All", share)
    if figures.not_rated:
        yield count_row("Overall rating", "All", "Not rated", figures.not_rated)
    for row in figures.standards:
        for share in row.ratings.shares:
            yield share_row("Standard rating", row.heading, share)
    previous = summary.previous.year.short_label
    for standard in summary.standard_changes:
        yield share_row("Standard rated Good or better", standard.heading, standard.this_year)
        yield [
            previous,
            "Standard rated Good or better",
            standard.heading,
            "Good or better",
            standard.previous_year.count,
            pct(standard.previous_year.percent),
            LOW_BASE_CSV_NOTE if standard.previous_year.low_base else "",
        ]
        yield [
            year,
            "Standard rated Good or better",
            standard.heading,
            "Change (percentage points)",
            "",
            pct(standard.change.difference),
            "",
        ]
    for section, groups in (("Probation region", figures.regions), ("Offence category", figures.categories)):
        for group in groups:
            yield count_row(section, group.name, "Received", group.received)
            yield count_row(section, group.name, "Sampled", group.sampled)
            yield count_row(
                section, group.name, "Assured", group.assured, EXCEEDS_NOTE if group.assured_exceeds else ""
            )
            for share in group.ratings.shares:
                yield share_row(section, group.name, share)
    for share in figures.timeliness.shares:
        yield share_row("Timeliness", "QA reports issued", share)
    for extension in [figures.extensions.all, *figures.extensions.regions]:
        section = "Extensions given to probation"
        yield count_row(section, extension.name, "Received", extension.received)
        yield count_row(section, extension.name, "Timeline recorded", extension.recorded)
        yield share_row(section, extension.name, extension.share)
        for band in extension.length_bands:
            yield share_row(section, extension.name, band, f"Length: {band.label}")
        if extension.length_unknown:
            yield count_row(section, extension.name, "Length not recorded", extension.length_unknown)
        yield [
            year,
            section,
            extension.name,
            "Median length (working days)",
            extension.median_text if extension.lengths else "",
            "",
            "",
        ]
    for standard_themes in figures.qa_themes:
        for missed in standard_themes.prompts:
            breakdown = f"{standard_themes.heading}, prompt {missed.label}: {missed.text}"
            yield count_row("QA themes", breakdown, "Answered No", missed.no)
            yield count_row("QA themes", breakdown, "Answered Partly", missed.partly)
            yield share_row("QA themes", breakdown, missed.share, "No or Partly, of those answered")
    work = figures.multi_agency
    yield count_row("Multi-agency work", "All", "Cases flagged", work.cases_flagged)
    yield count_row("Multi-agency work", "All", "Agencies invited", work.agencies_invited)
    yield count_row("Multi-agency work", "All", "Returns submitted", work.returns_submitted)
    yield share_row("Multi-agency work", "All", work.returns_on_time_share)
    yield share_row("Multi-agency work", "All", work.involvement_confirmed_share)
    yield count_row("Multi-agency work", "All", "Panels held", work.panels_held)
    yield count_row("Multi-agency work", "Panels held", "Agency places", work.panel_places)
    yield share_row("Multi-agency work", "Panels held", work.represented_share)
    yield count_row("Multi-agency work", "Panels held", "Apologies", work.panel_apologies)
    for theme in figures.themes:
        yield count_row("Learning themes", theme.name, "Agencies' learning points", theme.learning_points)
        yield count_row("Learning themes", theme.name, "Shared learning items", theme.learning_items)
    actions = figures.actions
    for level in LearningLevel:
        for status in ActionStatus:
            yield count_row("Actions", level.label, status.label, actions.count(level=level, status=status))
    yield count_row("Actions", "All", "Recorded", actions.total)
    yield count_row("Actions", "All", "Accepted", actions.accepted)
    yield count_row("Actions", "All", "Signed off", actions.completed)
    yield count_row("Actions", "All", "Impact reviewed", actions.impact_reviewed)
    for impact in ActionImpact:
        yield count_row("Actions", "Impact", impact.label, actions.impacts.get(impact, 0))
    yield share_row("Actions", "All", actions.completion_share)
    yield count_row("Actions", "All", "Overdue", actions.overdue)
    for change in summary.changes:
        # A count goes in Count; a percentage (and its change, in points) in Percentage.
        for label, breakdown, value in (
            (previous, "Previous year", change.previous_year),
            (year, "Change", change.difference),
        ):
            cells = ["", pct(value)] if change.percent else [pct(value), ""]
            yield [label, "Change from the previous year", breakdown, change.measure, *cells, ""]
    for trend_row in summary.trend:
        label = trend_row.year.short_label
        note = "Published" if trend_row.published else ""
        yield [label, "Every year on record", "All", "Received", trend_row.received, "", note]
        yield [
            label,
            "Every year on record",
            "All",
            "Assured (QA reports issued)",
            trend_row.assured,
            "",
            EXCEEDS_NOTE if trend_row.assured_exceeds else note,
        ]
        for share in (trend_row.good_or_better, trend_row.within_target, trend_row.extension):
            yield [
                label,
                "Every year on record",
                "All",
                share.label,
                share.count,
                pct(share.percent),
                LOW_BASE_CSV_NOTE if share.low_base else note,
            ]
