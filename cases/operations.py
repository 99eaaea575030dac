"""State changes on multi-agency cases: flag, invite, notify, withdraw, remind, close, erase.

Every function adds to the caller's transaction (audit rows and outbox messages included)
and leaves the commit to the caller, so a change and what it causes commit together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from agencies.models import Organisation, User
from agencies.operations import agency_recipients
from cases.chronology.operations import erase_chronology_names
from cases.documents.operations import erase_documents
from cases.models import (
    DEFAULT_RETENTION_MONTHS,
    REQUEST_READ,
    AgencyReturn,
    CaseInvitation,
    CaseSettings,
    MultiAgencyCase,
    ReturnStatus,
)
from cases.rules import (
    AgencyStatus,
    InvitationFacts,
    ReminderFacts,
    ReminderKind,
    agency_status,
    identifiers_erased_on,
    reminder_due,
)
from core import audit
from core.db import set_if_unchanged
from core.formatting import london_today, utc_now
from extensions import db
from notifications.outbox import portal_link, queue_email
from reviews.models import Review


class CaseError(ValueError):
    """A change the rules do not allow; the message is for the person who asked."""


# The identifying details: audited by name only, never by value (the trail outlives them).
IDENTIFIER_FIELDS = ("person_name", "date_of_birth", "other_identifiers")


@dataclass
class CaseDetails:
    """What the inspector writes when flagging or editing a case."""

    reason: str
    reply_by: date
    person_name: str | None
    date_of_birth: date | None
    other_identifiers: str | None
    supervision_started_on: date | None
    supervision_ended_on: date | None
    offence_on: date | None
    offence_category_id: int
    partner_summary: str


# --- status ----------------------------------------------------------------------------------


def status_of(invitation: CaseInvitation, today: date | None = None) -> AgencyStatus:
    agency_return = invitation.agency_return
    facts = InvitationFacts(
        withdrawn=not invitation.is_active,
        opened=invitation.first_opened_at_utc is not None,
        involvement_confirmed=agency_return is not None and agency_return.involvement_confirmed,
        findings_saved=agency_return is not None and agency_return.findings_saved_at_utc is not None,
        submitted=agency_return is not None and agency_return.is_submitted,
        reply_by=invitation.case.reply_by,
    )
    return agency_status(facts, today or london_today(utc_now()))


# --- recipients and emails ---------------------------------------------------------------------


def _case_link(case: MultiAgencyCase) -> str:
    return portal_link("cases.show_case", case_id=case.id)


def _email_agency(invitation: CaseInvitation, *, subject: str, template: str, **context: object) -> int:
    """Queue one email for each recipient in the invited organisation; return how many.

    Emails carry the reference, the dates and a link: never the identifying details.
    """
    case = invitation.case
    recipients = agency_recipients(invitation.organisation)
    for address, person in recipients:
        queue_email(
            to=address,
            recipient=person,
            subject=subject,
            template=template,
            context={
                "case": case,
                "reference": case.reference,
                "organisation": invitation.organisation,
                "reply_by": case.reply_by,
                "link": _case_link(case),
                **context,
            },
            concerning=invitation,
            about_a_case=True,
        )
    return len(recipients)


# --- flagging and inviting ---------------------------------------------------------------------


def flag_case(review: Review, details: CaseDetails, organisations: Iterable[Organisation], by: User) -> MultiAgencyCase:
    """Flag a review as a multi-agency case and ask each organisation to look at it."""
    if db.session.scalar(select(MultiAgencyCase.id).where(MultiAgencyCase.review_id == review.id)) is not None:
        raise CaseError(f"{review.reference} is already a multi-agency case")
    organisations = list(organisations)
    if not organisations:
        raise CaseError("Select at least one agency to ask")
    case = MultiAgencyCase(review=review, flagged_by=by, **asdict(details))
    db.session.add(case)
    db.session.flush()
    audit.record(
        "case.flagged",
        case,
        f"Flagged {review.reference} as a multi-agency case",
        reply_by=details.reply_by.isoformat(),
        agencies=[o.name for o in organisations],
    )
    invite_organisations(case, organisations, by)
    return case


def invite_organisations(
    case: MultiAgencyCase, organisations: Iterable[Organisation], by: User
) -> list[CaseInvitation]:
    """Invite each organisation not already invited (re-inviting a withdrawn one restores it)."""
    if case.is_closed:
        raise CaseError("This case is closed: reopen it before inviting agencies")
    invited: list[CaseInvitation] = []
    for organisation in organisations:
        if organisation.is_inspectorate:
            raise CaseError("The Inspectorate cannot be invited to its own case")
        invitation = case.invitation_for(organisation.id)
        if invitation is not None and invitation.is_active:
            continue
        if invitation is None:
            invitation = CaseInvitation(case=case, organisation=organisation, invited_by=by)
            invitation.agency_return = AgencyReturn()
            db.session.add(invitation)
        else:
            invitation.withdrawn_at_utc = None
            invitation.withdrawn_by = None
            invitation.withdrawal_reason = None
            invitation.invited_by = by
            invitation.invited_at_utc = utc_now()
            _reset_reminders(invitation)
        db.session.flush()
        _email_agency(
            invitation, subject=f"Request for information: multi-agency case {case.reference}", template="case_request"
        )
        audit.record(
            "case.agency_invited",
            case,
            f"Asked {organisation.name} to look at {case.reference}",
            organisation=organisation.name,
            invitation_id=invitation.id,
        )
        invited.append(invitation)
    return invited


def _reset_reminders(invitation: CaseInvitation) -> None:
    invitation.due_soon_reminder_sent_at_utc = None
    invitation.overdue_reminder_sent_at_utc = None


def update_case(case: MultiAgencyCase, details: CaseDetails, version: int | str | None, by: User) -> list[str]:
    """Save the inspector's edits; return the names of the fields that changed.

    A new reply-by date re-arms the automatic reminders and is emailed to every agency
    that has not yet submitted.
    """
    case.check_version(version)
    changed: list[str] = []
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    for name, value in asdict(details).items():
        if getattr(case, name) != value:
            changed.append(name)
            if name not in IDENTIFIER_FIELDS:
                before[name], after[name] = _auditable(getattr(case, name)), _auditable(value)
            setattr(case, name, value)
    if not changed:
        return changed
    if set(changed) & set(IDENTIFIER_FIELDS) and case.identifiers_erased:
        # Details typed in again after erasure are new data with a new retention clock.
        case.identifiers_erased_at_utc = None
    audit.record(
        "case.updated", case, f"Changed the details of {case.reference}", fields=changed, before=before, after=after
    )
    if "reply_by" in changed:
        for invitation in case.active_invitations:
            _reset_reminders(invitation)
            if not invitation.agency_return.is_submitted:
                _email_agency(
                    invitation,
                    subject=f"New reply-by date for {case.reference}",
                    template="case_reminder",
                    kind="reply_by_changed",
                )
    return changed


def _auditable(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def withdraw_invitation(invitation: CaseInvitation, reason: str, by: User) -> None:
    """End the organisation's access to the case at once. Its return is kept, unseen."""
    if not invitation.is_active:
        raise CaseError(f"The request to {invitation.organisation.name} has already been withdrawn")
    invitation.withdrawn_at_utc = utc_now()
    invitation.withdrawn_by = by
    invitation.withdrawal_reason = reason
    audit.record(
        "case.invitation_withdrawn",
        invitation.case,
        f"Withdrew the request to {invitation.organisation.name}",
        organisation=invitation.organisation.name,
        reason=reason,
        invitation_id=invitation.id,
    )


# Looking at case data is audited as a read (``audit.record_read``): pages that only show data
# write nothing else, so the security tests can tell a read from a change.


def note_opened(invitation: CaseInvitation, by: User) -> None:
    """Someone in the invited organisation looking at the request: the first time is its read
    receipt ("Opened"), kept in the audit trail rather than on the invitation."""
    if by.is_inspectorate or by.organisation_id != invitation.organisation_id:
        return
    if invitation.first_opened_at_utc is not None:
        return
    receipt = audit.record_read(
        invitation,
        REQUEST_READ,
        f"{invitation.organisation.name} opened the request for {invitation.case.reference}",
        organisation=invitation.organisation.name,
    )
    db.session.flush()
    # This response shows "Opened" too, as every later read of the invitation will.
    set_committed_value(invitation, "first_opened_at_utc", receipt.occurred_at_utc)


def record_identifiers_viewed(case: MultiAgencyCase, by: User) -> None:
    audit.record_read(
        case,
        "case_identifiers",
        f"Viewed the identifying details of {case.reference}",
        organisation=by.organisation.name,
        erased=case.identifiers_erased,
    )


def record_return_viewed(agency_return: AgencyReturn, by: User) -> None:
    invitation = agency_return.invitation
    audit.record_read(
        agency_return,
        "agency_return",
        f"Viewed {invitation.organisation.name}'s return on {invitation.case.reference}",
        organisation=by.organisation.name,
        status=agency_return.status.value,
    )


# --- reminders ---------------------------------------------------------------------------------


def send_manual_reminder(invitation: CaseInvitation, by: User) -> int:
    case = invitation.case
    if not invitation.is_active:
        raise CaseError("This request has been withdrawn")
    if invitation.agency_return.is_submitted:
        raise CaseError(f"{invitation.organisation.name} has already submitted its return")
    if case.is_closed:
        raise CaseError("This case is closed")
    overdue = london_today(utc_now()) > case.reply_by
    sent = _email_agency(
        invitation,
        subject=f"{'Overdue' if overdue else 'Reminder'}: your reply about {case.reference}",
        template="case_reminder",
        kind=ReminderKind.MANUAL.value,
        overdue=overdue,
    )
    invitation.last_manual_reminder_at_utc = utc_now()
    audit.record(
        "case.reminder_sent",
        case,
        f"Reminded {invitation.organisation.name} about {case.reference}",
        organisation=invitation.organisation.name,
        kind=ReminderKind.MANUAL.value,
        emails=sent,
    )
    return sent


def send_due_reminders(now: datetime) -> int:
    """Queue the automatic reminders due at ``now``; each goes once. Returns emails queued.

    Safe to call on every worker run, and from several workers at once: a sent marker is set
    conditionally (``WHERE marker IS NULL``, the row count checked) in the same transaction as
    the outbox rows, so a reminder that was queued is never queued again.
    """
    today = london_today(now)
    invitations = db.session.scalars(
        select(CaseInvitation)
        .join(CaseInvitation.case)
        .join(CaseInvitation.agency_return)
        .where(
            CaseInvitation.withdrawn_at_utc.is_(None),
            MultiAgencyCase.closed_on.is_(None),
            AgencyReturn.status != ReturnStatus.SUBMITTED,
            or_(
                CaseInvitation.due_soon_reminder_sent_at_utc.is_(None),
                CaseInvitation.overdue_reminder_sent_at_utc.is_(None),
            ),
        )
        .options(selectinload(CaseInvitation.case), selectinload(CaseInvitation.agency_return))
        .order_by(CaseInvitation.id)
    ).all()
    queued = 0
    for invitation in invitations:
        case = invitation.case
        kind = reminder_due(
            ReminderFacts(
                reply_by=case.reply_by,
                invited_on=london_today(invitation.invited_at_utc),
                active=invitation.is_active,
                submitted=invitation.agency_return.is_submitted,
                case_closed=case.is_closed,
                due_soon_sent=invitation.due_soon_reminder_sent_at_utc is not None,
                overdue_sent=invitation.overdue_reminder_sent_at_utc is not None,
            ),
            today,
        )
        if kind is None:
            continue
        # The marker is set by a conditional UPDATE: a sweep running at the same moment (another
        # worker) that read the marker empty too finds it set, and queues nothing.
        if kind == ReminderKind.DUE_SOON:
            subject = f"Reminder: reply by {_short_date(case.reply_by)} about {case.reference}"
            marker = CaseInvitation.due_soon_reminder_sent_at_utc
        else:
            subject = f"Overdue: your reply about {case.reference}"
            marker = CaseInvitation.overdue_reminder_sent_at_utc
        if not set_if_unchanged(invitation, marker.is_(None), **{marker.key: now}):
            continue
        sent = _email_agency(
            invitation, subject=subject, template="case_reminder", kind=kind.value, overdue=kind == ReminderKind.OVERDUE
        )
        audit.record(
            "case.reminder_sent",
            case,
            f"Reminded {invitation.organisation.name} about {case.reference}",
            organisation=invitation.organisation.name,
            kind=kind.value,
            emails=sent,
        )
        queued += sent
    return queued


def _short_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- closing, retention and erasure ------------------------------------------------------------


def close_case(case: MultiAgencyCase, closed_on: date, by: User) -> None:
    if case.is_closed:
        raise CaseError("This case is already closed")
    case.closed_on = closed_on
    case.closed_by = by
    audit.record("case.closed", case, f"Closed {case.reference}", closed_on=closed_on.isoformat())


def reopen_case(case: MultiAgencyCase, by: User) -> None:
    if not case.is_closed:
        raise CaseError("This case is open")
    previous = case.closed_on
    case.closed_on = None
    case.closed_by = None
    audit.record(
        "case.reopened",
        case,
        f"Reopened {case.reference}",
        previously_closed_on=previous.isoformat() if previous else None,
    )


def case_settings() -> CaseSettings:
    """The one settings row; before the reference data has run, an unsaved one with the default
    (reading the setting writes nothing)."""
    settings = db.session.scalar(select(CaseSettings).order_by(CaseSettings.id).limit(1))
    return settings if settings is not None else CaseSettings(retention_months=DEFAULT_RETENTION_MONTHS)


def update_retention(months: int, by: User, *, erase_documents: bool | None = None) -> None:
    settings = case_settings()
    documents = settings.erase_documents if erase_documents is None else erase_documents
    if settings.retention_months == months and settings.erase_documents == documents:
        return
    if settings.id is None:
        db.session.add(settings)
    audit.record(
        "case.retention_changed",
        settings,
        f"Retention of identifying details set to {months} months"
        + ("" if documents else "; documents on returns are kept"),
        before=settings.retention_months,
        after=months,
        erase_documents=[settings.erase_documents, documents],
    )
    settings.retention_months = months
    settings.erase_documents = documents
    settings.updated_by = by


def erasure_date(case: MultiAgencyCase, retention_months: int | None = None) -> date | None:
    months = case_settings().retention_months if retention_months is None else retention_months
    return identifiers_erased_on(case.closed_on, months)


def erase_expired_identifiers(today: date) -> list[MultiAgencyCase]:
    """Erase the identifying details of every case whose retention period has ended.

    The reference, the dates, the summary and the agencies' returns stay: the learning is kept,
    the person's identity is not. The merged chronology's rows are first rewritten with roles in
    place of the names recorded for the case, then those names are erased; the documents on
    the returns are deleted too unless the admin's rule keeps them.
    """
    settings = case_settings()
    months = settings.retention_months
    candidates = db.session.scalars(
        select(MultiAgencyCase)
        .where(MultiAgencyCase.closed_on.is_not(None), MultiAgencyCase.identifiers_erased_at_utc.is_(None))
        .order_by(MultiAgencyCase.id)
    ).all()
    erased = []
    for case in candidates:
        due = identifiers_erased_on(case.closed_on, months)
        if due is None or today < due:
            continue
        rewritten = erase_chronology_names(case)
        documents = erase_documents(case) if settings.erase_documents else 0
        for name in IDENTIFIER_FIELDS:
            setattr(case, name, None)
        case.identifiers_erased_at_utc = utc_now()
        audit.record(
            "case.identifiers_erased",
            case,
            f"Erased the identifying details of {case.reference}",
            closed_on=case.closed_on.isoformat() if case.closed_on else None,
            retention_months=months,
            chronology_rows_anonymised=rewritten,
            documents_deleted=documents,
        )
        erased.append(case)
    return erased
