"""What goes into a panel's packs beyond the agenda: which view of the merged chronology each
attendee gets (named or anonymised) and which PDF documents on the agenda's returns are
appended as annexes. The inspector decides per panel; each change is audited and moves the
panel's version, so packs kept per version are made again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete

from agencies.models import User
from cases.chronology.rules import ChronologyView
from cases.documents.models import ReturnDocument
from core import audit
from core.formatting import utc_now
from extensions import db
from panels.models import Panel, PanelPackAnnex
from panels.pack import annex_documents, case_documents


@dataclass(frozen=True)
class AnnexChoice:
    document: ReturnDocument
    reference: str
    chosen: bool


def annex_choices(panel: Panel) -> list[AnnexChoice]:
    """The PDF documents on the submitted returns of the agenda's cases, and whether each is chosen."""
    references = {item.case_id: item.case.reference for item in panel.agenda}
    documents = case_documents(list(references))
    chosen = annex_documents(panel)
    return [
        AnnexChoice(document, references[case_id], document.id in chosen)
        for case_id, found in documents.items()
        for document in found
        if document.file.is_pdf
    ]


def save_pack_contents(
    panel: Panel, views: dict[int, ChronologyView | None], annex_ids: set[int], by: User
) -> list[str]:
    """Set each attendee's view (None: their organisation's default) and the annexes; return what changed."""
    changed: list[str] = []
    for attendee in panel.attendees:
        if attendee.id in views and attendee.chronology_view != views[attendee.id]:
            before = attendee.pack_view
            attendee.chronology_view = views[attendee.id]
            changed.append(f"{attendee.user.full_name}: {before.label.lower()} to {attendee.pack_view.label.lower()}")
    offered = {choice.document.id for choice in annex_choices(panel)}
    wanted = annex_ids & offered
    current = annex_documents(panel)
    for document_id in wanted - current:
        db.session.add(PanelPackAnnex(panel_id=panel.id, document_id=document_id, added_by_id=by.id))
        changed.append(f"annex added (document {document_id})")
    removed = current - wanted
    if removed:
        db.session.execute(
            delete(PanelPackAnnex).where(PanelPackAnnex.panel_id == panel.id, PanelPackAnnex.document_id.in_(removed))
        )
        changed.extend(f"annex removed (document {document_id})" for document_id in sorted(removed))
    if changed:
        panel.updated_at_utc = utc_now()  # a new version: packs made before no longer match
        audit.record(
            "panel.pack_contents_changed", panel, f"Changed what goes in the packs for {panel.title}", changes=changed
        )
    db.session.flush()
    return changed
