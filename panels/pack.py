"""The panel pack: one PDF per panel and recipient, built with WeasyPrint from a Jinja template.

Cover (panel, date, place, "Prepared for NAME, ORGANISATION on DATE"), agenda, attendees,
then per case on the agenda: the case details shared with the agencies, the QA ratings
(each standard and overall, with the feedback) once the assessment is complete or issued,
the case's **merged chronology** (every agency's submitted contacts in one timeline, with the
inspector's linked events, possible duplicates and gaps), every invited agency's submitted
return, and the documents on the returns. PDF documents the inspector chose are appended as
annexes. OFFICIAL-SENSITIVE heads and foots every page, with the page number and the
recipient's name.

The chronology is in the view the inspector chose for the recipient on this panel (named or
anonymised; by default named for the Inspectorate, anonymised for agencies). An anonymised
pack also leaves out the case's identifying details.

The recipient sees the details of a case only if the case's own rule lets them see it (the
Inspectorate, and organisations invited to it); the agenda still lists every reference.

Everything the pack shows is loaded up front in a fixed number of queries, whatever the
number of cases: the panel page and the pack share ``load_panel``.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from agencies.models import User
from cases.chronology.merged import MergedChronology, load_merged_chronologies
from cases.chronology.rules import ChronologyView
from cases.documents.models import ReturnDocument
from cases.models import AgencyReturn, CaseInvitation, MultiAgencyCase, ReturnStatus
from core.files import ScanStatus, StoredFile, file_bytes
from core.formatting import govuk_date, utc_now
from core.pdf import PdfSource, pdf_source
from extensions import db
from panels.models import Panel, PanelAgendaItem, PanelAttendee, PanelPackAnnex
from panels.permissions import case_ids_visible_to
from panels.rules import format_time
from reviews.models import Assessment, AssessmentStage, Review, StandardRating

PACK_TEMPLATE = "panels/pack.html"
logger = logging.getLogger(__name__)

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
table.chronology { font-size: 9pt; }
table.chronology td.when { white-space: nowrap; }
tr.gap td { background: #f3f2f1; font-style: italic; padding: 2mm; }
.significant { font-weight: bold; }
.tag { font-weight: bold; font-size: 8pt; text-transform: uppercase; letter-spacing: 0.02em; }
.annex-title { break-before: page; }
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
    chronology: MergedChronology | None = None
    documents: list[ReturnDocument] = field(default_factory=list)

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


def chronology_view_for(panel: Panel, recipient: User) -> ChronologyView:
    """The view of the chronology the inspector chose for this recipient on this panel."""
    attendee = panel.attendee_for(recipient.id)
    if attendee is not None:
        return attendee.pack_view
    return ChronologyView.NAMED if recipient.is_inspectorate else ChronologyView.ANONYMISED


@dataclass(frozen=True)
class Annex:
    letter: str
    document: ReturnDocument
    reference: str
    pages: int
    data: bytes


def case_documents(case_ids: list[int]) -> dict[int, list[ReturnDocument]]:
    """The documents on the submitted returns of these cases (agencies still invited), one query."""
    found: dict[int, list[ReturnDocument]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return found
    rows = db.session.execute(
        select(CaseInvitation.case_id, ReturnDocument)
        .join(AgencyReturn, AgencyReturn.id == ReturnDocument.return_id)
        .join(CaseInvitation, CaseInvitation.id == AgencyReturn.invitation_id)
        .where(
            CaseInvitation.case_id.in_(case_ids),
            CaseInvitation.withdrawn_at_utc.is_(None),
            AgencyReturn.status == ReturnStatus.SUBMITTED,
        )
        .order_by(CaseInvitation.id, ReturnDocument.position, ReturnDocument.id)
    ).all()
    for case_id, document in rows:
        found[case_id].append(document)
    return found


def annex_documents(panel: Panel) -> set[int]:
    """The ids of the documents the inspector chose to append to this panel's packs."""
    return set(db.session.scalars(select(PanelPackAnnex.document_id).where(PanelPackAnnex.panel_id == panel.id)))


def pack_annexes(cases: list[PackCase], chosen: set[int]) -> list[Annex]:
    """The chosen PDFs on the cases this recipient sees, readable and clean, lettered A, B..."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    annexes: list[Annex] = []
    for entry in cases:
        for document in entry.documents:
            stored: StoredFile = document.file
            if document.id not in chosen or not stored.is_pdf or stored.scan_status != ScanStatus.CLEAN:
                continue
            data = file_bytes(stored)
            try:
                pages = len(PdfReader(io.BytesIO(data)).pages)
            except (PdfReadError, ValueError, OSError, KeyError) as error:
                logger.warning("Annex %s could not be read and is left out of the pack: %s", document.id, error)
                continue
            annexes.append(Annex(chr(ord("A") + len(annexes)), document, entry.case.reference, pages, data))
    return annexes


def pack_cases(panel: Panel, recipient: User) -> list[PackCase]:
    visible = case_ids_visible_to(recipient, [item.case_id for item in panel.agenda])
    visible_cases = [item.case for item in panel.agenda if item.case_id in visible]
    # A pack goes to attendees of a panel with these cases on its agenda: every agency's rows.
    chronologies = load_merged_chronologies(
        visible_cases, organisation_ids=None, view=chronology_view_for(panel, recipient)
    )
    documents = case_documents([case.id for case in visible_cases])
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
            entry.chronology = chronologies.get(case.id)
            entry.documents = documents.get(case.id, [])
        cases.append(entry)
    return cases


def pack_context(panel: Panel, recipient: User, now: datetime | None = None) -> dict[str, Any]:
    now = now or utc_now()
    cases = pack_cases(panel, recipient)
    annexes = pack_annexes(cases, annex_documents(panel))
    return {
        "panel": panel,
        "recipient": recipient,
        "prepared_on": govuk_date(now),
        "cases": cases,
        "view": chronology_view_for(panel, recipient),
        "annexes": annexes,
        "annex_of": {annex.document.id: annex for annex in annexes},
        "attendees": sorted(panel.attendees, key=lambda a: (a.user.organisation.name, a.user.full_name)),
    }


def append_annexes(pdf: bytes, annexes: list[Annex]) -> bytes:
    """The pack with each annex's pages after its own (pypdf); the pack alone if there are none."""
    if not annexes:
        return pdf
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for annex in annexes:
        title = f"Annex {annex.letter}: {annex.document.filename}"
        writer.append(PdfReader(io.BytesIO(annex.data)), outline_item=title)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass(frozen=True)
class BuiltPack:
    pdf: bytes
    references: list[str]  # every case on the agenda
    identifiers: list[str]  # the cases whose identifying details the pack shows (for the audit row)


@dataclass(frozen=True)
class PackSource:
    """One recipient's pack before WeasyPrint runs: its HTML, cases and annexes."""

    html: PdfSource
    cases: list[PackCase]
    named: bool  # the merged chronology shows names (the inspector's choice for this person)
    annexes: list[Annex]

    def write_pdf(self) -> bytes:
        return append_annexes(self.html.write_pdf(), self.annexes)

    @property
    def references(self) -> list[str]:
        return [entry.case.reference for entry in self.cases]

    @property
    def identifiers(self) -> list[str]:
        """The cases whose identifying details the pack shows (for the audit row)."""
        return [
            entry.case.reference
            for entry in self.cases
            if self.named and entry.visible and not entry.case.identifiers_erased and entry.case.person_name
        ]


def pack_source(
    panel: Panel, recipient: User, now: datetime | None = None, *, prepared_on: str | None = None
) -> PackSource:
    """The pack's HTML for one recipient (Jinja only), its cases and annexes. ``prepared_on``
    replaces the date in the stamp (the fingerprint leaves it blank, so a new day is not a new
    version)."""
    context = pack_context(panel, recipient, now)
    if prepared_on is not None:
        context["prepared_on"] = prepared_on
    html = pdf_source(
        PACK_TEMPLATE,
        title=f"Panel pack: {panel.title}",
        stamp=f"Prepared for {recipient.full_name}, {recipient.organisation.name} on {context['prepared_on']}",
        stylesheets=[PACK_CSS],
        **context,
    )
    return PackSource(html, context["cases"], context["view"] == ChronologyView.NAMED, context["annexes"])


def build_pack(panel: Panel, recipient: User, now: datetime | None = None) -> BuiltPack:
    """The pack for one recipient. ``panel`` should come from ``load_panel`` (eager loads).

    Writing the PDF takes seconds for long returns: requests never call this; the background
    renderer does (panels/pack_document.py).
    """
    source = pack_source(panel, recipient, now)
    return BuiltPack(pdf=source.write_pdf(), references=source.references, identifiers=source.identifiers)
