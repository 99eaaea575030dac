"""The service navigation, by role. Items whose endpoint is not registered are left out.

Each item is shown to whoever passes the very check its page's access decorator makes, so no
menu item leads to a refusal (tests/integration/test_navigation.py walks every item for every
kind of person).
"""

from __future__ import annotations

from urllib.parse import quote

from flask import current_app, request, url_for
from flask_login import current_user

from agencies import access
from learning import permissions as learning_permissions
from reviews import permissions as review_permissions

# (text, endpoint, who sees it: the check the page's own guard makes)
NAVIGATION = [
    ("Home", "portal.home", access.signed_in),
    ("Dashboard", "reviews.dashboard", access.is_inspector),
    ("Reviews", "reviews.list_reviews", review_permissions.may_view_register),
    ("QA reports", "reviews.list_my_reports", review_permissions.may_read_region_reports),
    ("Cases", "cases.list_cases", access.signed_in),
    ("Panels", "panels.list_panels", access.signed_in),
    ("Actions", "learning.list_actions", access.signed_in),
    ("Annual summary", "summary.annual_summary", learning_permissions.may_view_summary),
    ("People", "admin.list_people", access.is_admin),
    ("Organisations", "admin.list_organisations", access.is_admin),
    ("Messages", "admin.list_messages", access.is_admin),
    ("Audit trail", "admin.list_audit_events", access.is_admin),
]


def feedback_url() -> str:
    """The beta banner's feedback link: ``FEEDBACK_URL``, or an email to the service's address."""
    configured = str(current_app.config.get("FEEDBACK_URL") or "")
    if configured:
        return configured
    return f"mailto:{current_app.config['MAIL_DEFAULT_SENDER']}?subject={quote('Feedback on Learning panels')}"


def navigation_items() -> list[dict[str, object]]:
    if not current_user.is_authenticated:
        return []
    items = []
    for text, endpoint, check in NAVIGATION:
        if endpoint in current_app.view_functions and check(current_user):
            items.append({"text": text, "href": url_for(endpoint), "active": False})
    # The most specific link containing this page is the active one: /cases/7 is under
    # "Cases" (/cases), not "Panels" (/panels/). Home ("/") is active on itself alone.
    here = request.path.rstrip("/") + "/"
    containing = [
        item
        for item in items
        if here.startswith(str(item["href"]).rstrip("/") + "/") and (item["href"] != "/" or here == "/")
    ]
    if containing:
        max(containing, key=lambda item: len(str(item["href"])))["active"] = True
    return items
