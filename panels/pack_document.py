"""The panel pack as a rendered document (core/renders.py): the background renderer writes each
recipient's pack, and a download reads the stored file.

The fingerprint is a hash of the pack's HTML with the "prepared on" date left blank: anything
the pack shows (the panel's details, agenda, attendees and replies, a case's details, QA
ratings, submitted returns, the recipient's name and what they may see) makes a new version,
and a new day does not. Computing it runs only Jinja, so the download stays quick.
"""

from __future__ import annotations

from agencies.models import User
from core import renders
from core.renders import DocumentKind, Rendered
from extensions import db
from panels.models import Panel
from panels.pack import PackSource, load_panel, pack_source
from panels.permissions import may_download_pack, panel_for

PANEL_PACK = "panel_pack"


def pack_fingerprint(panel: Panel, recipient: User) -> tuple[str, PackSource]:
    """The version of ``recipient``'s pack of ``panel`` (from ``load_panel``), and its contents."""
    source = pack_source(panel, recipient, prepared_on="")
    return source.html.fingerprint(), source


def render_pack(panel_id: int, recipient_id: int | None) -> Rendered | None:
    """The worker's job: the pack as it is now, or None if that person may no longer have it."""
    recipient = db.session.get(User, recipient_id) if recipient_id is not None else None
    if recipient is None or not recipient.active:
        return None
    visible = panel_for(recipient, panel_id)
    if visible is None or not may_download_pack(recipient, visible):
        return None
    panel = load_panel(panel_id)
    if panel is None:
        return None
    fingerprint, _source = pack_fingerprint(panel, recipient)
    return Rendered(data=pack_source(panel, recipient).write_pdf(), fingerprint=fingerprint)


def prepare_packs(panel: Panel) -> None:
    """Ask the renderer for every attendee's pack ahead of their first download (the invitations
    that just went out tell them to download it). In the caller's transaction."""
    for attendee in panel.attendees:
        if attendee.user.active:
            renders.request_render(PANEL_PACK, panel.id, attendee.user_id)


PANEL_PACK_DOCUMENT = DocumentKind(PANEL_PACK, render_pack)
