"""The service navigation, by role. Items whose endpoint is not registered are left out."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user

from agencies import access

# (text, endpoint, who sees it)
NAVIGATION = [
    ("Dashboard", "reviews.dashboard", access.is_inspector),
    ("Reviews", "reviews.list_reviews", access.is_inspectorate_staff),
    ("QA reports", "reviews.list_my_reports", access.is_agency_member),
    ("Cases", "cases.list_cases", access.signed_in),
    ("Panels", "panels.list_panels", access.signed_in),
    ("Actions", "learning.list_actions", access.signed_in),
    ("Annual summary", "summary.annual_summary", access.is_inspectorate_staff),
    ("People", "admin.list_people", access.is_admin),
    ("Organisations", "admin.list_organisations", access.is_admin),
    ("Messages", "admin.list_messages", access.is_admin),
    ("Audit trail", "admin.list_audit_events", access.is_admin),
]


def navigation_items() -> list[dict[str, object]]:
    if not current_user.is_authenticated:
        return []
    items = []
    for text, endpoint, check in NAVIGATION:
        if endpoint in current_app.view_functions and check(current_user):
            items.append({"text": text, "href": url_for(endpoint), "active": False})
    # The most specific link containing this page is the active one: /cases/7 is under
    # "Cases" (/cases), not "Panels" (/panels/).
    here = request.path.rstrip("/") + "/"
    containing = [item for item in items if here.startswith(str(item["href"]).rstrip("/") + "/")]
    if containing:
        max(containing, key=lambda item: len(str(item["href"])))["active"] = True
    return items
