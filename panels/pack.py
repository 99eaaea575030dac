"""The panel pack: one PDF per panel and recipient, built with WeasyPrint from a Jinja template.

Cover (panel, date, place, "Prepared for NAME, ORGANISATION on DATE"), agenda, attendees,
then per case on the agenda: the case details shared with the agencies, the QA ratings
(each standard and overall, with the feedback) once the assessment is complete or issued,
and every invited agency's submitted return. OFFICIAL-SENSITIVE heads and foots every page,
with the page number and the recipient's name.

The recipient sees the details of a case only if the case's own rule lets them see it (the
Inspectorate, and organisations invited to it); the agenda still lists every reference.

Everything the pack shows is loaded up front in a fixed number of queries, whatever the
number of cases: the panel page and the pack share ``load_panel``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from agencies.models import User
from cases.models import AgencyReturn, CaseInvitation, MultiAgencyCase
from core.formatting import govuk_date, utc_now
from core.pdf import render_pdf
from extensions import db
from panels.models import Panel, PanelAgendaItem, PanelAttendee
from panels.permissions import case_ids_visible_to
from panels.rules import format_time
from reviews.models import Assessment, AssessmentStage, Review, StandardRating

PACK_TEMPLATE = "panels/pack.html"

# The pack's own layout, on top of core.pdf's base styles (fonts, marking, page numbers).
PACK_CSS = """
h2 { bookmark-level: 1; margin-top: 0; }
h3 { bookmark-level: 2; }
h4 { font-size: 11pt; margin: 4mm 0 1mm; break-after: avoid; }
.marking { font-weight: bold; font-size: 12pt; letter-spacing: 0.05em; }
.cover { break-after: page; padding-top: 30mm; }
.cover .caption { font-size: 13pt; color: #505a5f; margin-bottom: 2mm; }
.cover dl { margin: 10mm 0; }
.cover dt { font-weight: bold; margin-top: 3mm; }
.cover dd { margin: 0; }
.prepared { margin-top: 20mm; border-left: 4pt solid #1d70b8; padding-left: 4mm; font-size: 12pt; }
.section { break-before: page; }
/* Fixed layout: column widths come from the first row, not from measuring every cell. */
table { width: 100%; border-collapse: collapse; margin: 0 0 5mm; table-layout: fixed; }
th, td { text-align: left; vertical-align: top; border-bottom: 0.5pt solid #b1b4b6; padding: 1.5mm 2mm 1.5mm 0; }
thead { display: table-header-group; }
dl.details { margin: 0 0 4mm; }
dl.details dt { font-weight: bold; margin-top: 1.5mm; }
dl.details dd { margin: 0 0 1mm; }
.text { white-space: pre-wrap; }
.note { color: #505a5f; }
.agency { border-top: 1pt solid #0b0c0c; margin-top: 6mm; padding-top: 2mm; }
"""


@dataclass
class PackCase:
    number: int
    item: PanelAgendaItem
    case: MultiAgencyCase
    visible: bool
    assessment: Assessment | None = None
    returns: list[tuple[CaseInvitation, AgencyReturn]] = field(default_factory=list)
    awaiting: list[CaseInvitation] = field(default_factory=list)

    @property
    def time(self) -> str:
        return format_time(self.item.start_time)


def load_panel(panel_id: int) -> Panel:
    """The panel with its agenda, cases, QA ratings, returns and attendees, eagerly loaded."""
    review_path = selectinload(Panel.agenda).joinedload(PanelAgendaItem.case).joinedload(MultiAgencyCase.review)
    assessment_path = review_path.selectinload(Review.assessment)
    invitations_path = (
        selectinload(Panel.agenda).joinedload(PanelAgendaItem.case).selectinload(MultiAgencyCase.invitations)
    )
    return_path = invitations_path.selectinload(CaseInvitation.agency_return)
    return db.session.scalars(
        select(Panel)
        .where(Panel.id == panel_id)
        .options(
            assessment_path.selectinload(Assessment.ratings).joinedload(StandardRating.standard),
            return_path.selectinload(AgencyReturn.chronology),
            return_path.selectinload(AgencyReturn.learning_points),
            selectinload(Panel.attendees).joinedload(PanelAttendee.user),
        )
        .execution_options(populate_existing=True)
    ).one()


def pack_cases(panel: Panel, recipient: User) -> list[PackCase]:
    visible = case_ids_visible_to(recipient, [item.case_id for item in panel.agenda])
    cases = []
    for number, item in enumerate(panel.agenda, start=1):
        case = item.case
        entry = PackCase(number=number, item=item, case=case, visible=case.id in visible)
        if entry.visible:
            assessment = case.review.assessment
            if assessment is not None and assessment.stage in (AssessmentStage.COMPLETE, AssessmentStage.ISSUED):
                entry.assessment = assessment
            for invitation in case.active_invitations:
                agency_return = invitation.agency_return
                if agency_return is not None and agency_return.is_submitted:
                    entry.returns.append((invitation, agency_return))
                else:
                    entry.awaiting.append(invitation)
        cases.append(entry)
    return cases


def pack_context(panel: Panel, recipient: User, now: datetime | None = None) -> dict[str, Any]:
    now = now or utc_now()
    return {
        "panel": panel,
        "recipient": recipient,
        "prepared_on": govuk_date(now),
        "cases": pack_cases(panel, recipient),
        "attendees": sorted(panel.attendees, key=lambda a: (a.user.organisation.name, a.user.full_name)),
    }


@dataclass(frozen=True)
class BuiltPack:
    pdf: bytes
    references: list[str]  # every case on the agenda
    identifiers: list[str]  # the cases whose identifying details the pack shows (for the audit row)


def build_pack(panel: Panel, recipient: User, now: datetime | None = None) -> BuiltPack:
    """The pack for one recipient. ``panel`` should come from ``load_panel`` (eager loads)."""
    context = pack_context(panel, recipient, now)
    pdf = render_pdf(
        PACK_TEMPLATE,
        title=f"Panel pack: {panel.title}",
        stamp=f"Prepared for {recipient.full_name}, {recipient.organisation.name} on {context['prepared_on']}",
        stylesheets=[PACK_CSS],
        **context,
    )
    cases: list[PackCase] = context["cases"]
    return BuiltPack(
        pdf=pdf,
        references=[entry.case.reference for entry in cases],
        identifiers=[
            entry.case.reference
            for entry in cases
            if entry.visible and not entry.case.identifiers_erased and entry.case.person_name
        ],
    )
