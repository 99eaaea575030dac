"""Pages for learning panels, under /panels/.

Views stay thin: read a form, call ``panels.operations``, commit, redirect. Access is decided
by ``panels.permissions`` through the access decorators, never here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from agencies import access
from agencies.models import Organisation, OrganisationKind, User
from cases.chronology.rules import ChronologyView
from cases.models import MultiAgencyCase
from cases.permissions import case_for, visible_cases
from cases.themes import LearningLevel, LearningTheme
from core import audit, renders
from core.db import STALE, StaleEdit, commit_unless_stale
from core.downloads import send_download
from core.formatting import utc_now
from core.forms import ConfirmForm, VersionedForm
from core.ids import id_arg
from core.pagination import paginate
from core.submissions import first_sending, sent_before
from extensions import db
from notifications.outbox import portal_link
from panels import minutes as minutes_ops
from panels import operations as operations
from panels.calendar import feed
from panels.forms import (
    NOT_ATTENDING,
    AgendaItemForm,
    AgendaTimeForm,
    ApproveMinutesForm,
    AttendeeForm,
    AttendeeRoleForm,
    CancelForm,
    CirculateMinutesForm,
    DecisionForm,
    GuestForm,
    MinutesCommentForm,
    NewPanelForm,
    PanelDetailsForm,
    ReplyForm,
    ScheduleForm,
    WalkInForm,
    minutes_form_for,
    outcome_form_for,
)
from panels.minutes_rules import MinutesStep, minutes_refusal
from panels.models import (
    Attendance,
    AttendeeRole,
    CalendarFeedToken,
    MinutesStatus,
    Panel,
    PanelAgendaItem,
    PanelAttendee,
    PanelDecision,
    PanelGuest,
    PanelMinutes,
    PanelStatus,
    PanelWalkIn,
    Reply,
)
from panels.pack import PackSource, load_panel
from panels.pack_contents import annex_choices, save_pack_contents
from panels.pack_document import PANEL_PACK, pack_fingerprint, prepare_packs
from panels.permissions import (
    agenda_item_for,
    attended_panels,
    attendee_for,
    case_ids_visible_to,
    decision_for,
    deputy_candidates,
    eligible_organisation_ids,
    eligible_people,
    guest_for,
    manages_panels,
    may_change_decision,
    may_comment_on_minutes,
    may_download_invite,
    may_download_minutes,
    may_download_pack,
    may_reply,
    may_see_minutes,
    may_write_minutes,
    minutes_roles,
    panel_for,
    visible_panels,
    walk_in_for,
)
from panels.rules import format_time

panels_bp = Blueprint("panels", __name__, url_prefix="/panels")

# --- helpers ---------------------------------------------------------------------------------


def _save_change(done: str, part: str) -> bool:
    """Commit a change to the agenda or attendee list and say how it went. These lists change
    by one click, with no form to keep, so a clash just asks the person to look and retry."""
    if commit_unless_stale():
        flash(done, "success")
        return True
    flash(f"Someone else changed this panel at the same time. Check the {part} and try again.", "error")
    return False


def _refuse_stale(form: VersionedForm, panel: Panel) -> None:
    """Keep what was typed, say why, and carry the current version so a second, informed
    save goes through."""
    db.session.rollback()
    form.version.errors = [str(StaleEdit())]
    form.version.data = str(panel.version)
    form.version.raw_data = [str(panel.version)]


def _to_panel(panel: Panel, anchor: str = "") -> WerkzeugResponse:
    return redirect(url_for("panels.show_panel", panel_id=panel.id) + (f"#{anchor}" if anchor else ""))


def _only_while_editable(panel: Panel) -> WerkzeugResponse | None:
    if panel.details_editable:
        return None
    flash(f"This panel is {panel.status.label.lower()}: its details can no longer change.", "error")
    return _to_panel(panel)


def _details(form: PanelDetailsForm) -> operations.PanelDetails:
    starts_at_utc, ends_at_utc = form.times()
    return operations.PanelDetails(
        title=form.title.data,
        starts_at_utc=starts_at_utc,
        ends_at_utc=ends_at_utc,
        place=form.place.data or "",
        video_link=form.video_link.data or "",
    )


def _emailed(count: int, what: str) -> str:
    if not count:
        return ""
    return f" We have emailed {count} {'person' if count == 1 else 'people'} {what}."


# --- lists and the panel page ------------------------------------------------------------------


@panels_bp.get("/")
@access.allow(access.signed_in)
def list_panels() -> ResponseReturnValue:
    show = "past" if request.args.get("show") == "past" else "upcoming"
    now = utc_now()
    query = visible_panels(access.current_person())
    if show == "past":
        query = query.where(or_(Panel.ends_at_utc < now, Panel.status == PanelStatus.HELD)).order_by(
            Panel.starts_at_utc.desc(), Panel.id.desc()
        )
    else:
        query = query.where(Panel.ends_at_utc >= now, Panel.status != PanelStatus.HELD).order_by(
            Panel.starts_at_utc, Panel.id
        )
    query = query.options(selectinload(Panel.attendees), selectinload(Panel.agenda))
    page = paginate(query)
    return render_template("panels/list.html", page=page, show=show, can_manage=manages_panels(access.current_person()))


@panels_bp.get("/<int:panel_id>")
@access.load("panel_id", panel_for)
def show_panel(panel: Panel) -> ResponseReturnValue:
    panel = load_panel(panel.id)
    user = access.current_person()
    visible_case_ids = case_ids_visible_to(user, [item.case_id for item in panel.agenda])
    # Links to the cases' own pages, where that page exists and the person may see the case.
    case_links = {
        item.case_id: url_for("cases.show_case", case_id=item.case_id)
        for item in panel.agenda
        if item.case_id in visible_case_ids and "cases.show_case" in current_app.view_functions
    }
    reply_counts = [(reply.label.lower(), sum(1 for a in panel.attendees if a.reply == reply)) for reply in Reply]
    reply_counts.append(("not replied", sum(1 for a in panel.attendees if a.reply is None)))
    return render_template(
        "panels/show.html",
        panel=panel,
        me=panel.attendee_for(user.id),
        can_manage=manages_panels(user),
        can_reply=may_reply(user, panel),
        can_download_invite=may_download_invite(user, panel),
        can_download_pack=may_download_pack(user, panel),
        can_see_minutes=may_see_minutes(user, panel),
        visible_case_ids=visible_case_ids,
        case_links=case_links,
        reply_counts=reply_counts,
        started=panel.has_started(utc_now()),
        confirm=ConfirmForm(),
        format_time=format_time,
    )


# --- creating and editing ----------------------------------------------------------------------


@panels_bp.route("/new", methods=["GET", "POST"])
@access.allow(manages_panels)
def create_panel() -> ResponseReturnValue:
    form = NewPanelForm()
    if form.fills_from_record():
        form.case_id.data = id_arg("case")
    case = _case_to_schedule(form.case_id.data)
    if case is None:
        form.case_id.data = None
    if form.validate_on_submit():
        role = None if form.convener_role.data == NOT_ATTENDING else AttendeeRole(form.convener_role.data)
        try:
            panel = operations.create_panel(_details(form), access.current_person(), convener_role=role)
            if case is not None:
                operations.add_agenda_item(panel, case, None, access.current_person())
        except operations.PanelError as error:
            db.session.rollback()
            form.date.errors.append(str(error))
        else:
            if (again := first_sending(form, url_for("panels.show_panel", panel_id=panel.id))) is not None:
                return again
            db.session.commit()
            on_agenda = f" with {case.reference} on the agenda" if case is not None else ""
            flash(
                f"Draft panel created{on_agenda}. Add the cases to discuss and the people to invite, "
                "then send the invitations.",
                "success",
            )
            return _to_panel(panel)
    return render_template("panels/details_form.html", form=form, panel=None, case=case)


def _case_to_schedule(case_id: int | None) -> MultiAgencyCase | None:
    """The open case a new panel is for (from the case's page), if the person may see it."""
    if not case_id:
        return None
    case = case_for(access.current_person(), case_id)
    return case if case is not None and not case.is_closed else None


@panels_bp.route("/<int:panel_id>/edit", methods=["GET", "POST"])
@access.load("panel_id", panel_for, manages_panels)
def edit_panel(panel: Panel) -> ResponseReturnValue:
    if (refused := _only_while_editable(panel)) is not None:
        return refused
    form = PanelDetailsForm()
    if form.fills_from_record():
        form.fill_from(panel)
    elif form.validate_on_submit():
        try:
            changed = operations.update_details(panel, _details(form), form.version.data, access.current_person())
        except STALE:
            _refuse_stale(form, panel)
        except operations.PanelError as error:
            db.session.rollback()
            form.date.errors.append(str(error))
        else:
            notified = (
                sum(1 for a in panel.attendees if a.was_invited)
                if panel.is_scheduled and any(name in operations.CALENDAR_FIELDS for name in changed)
                else 0
            )
            if commit_unless_stale():
                message = "Panel saved." if changed else "Nothing was changed."
                flash(message + _emailed(notified, "an updated calendar invitation"), "success")
                return _to_panel(panel)
            _refuse_stale(form, panel)
    return render_template("panels/details_form.html", form=form, panel=panel)


# --- agenda ------------------------------------------------------------------------------------


def _case_choices(panel: Panel) -> list[SelectChoice]:
    on_agenda = {item.case_id for item in panel.agenda}
    cases = db.session.scalars(
        visible_cases(access.current_person())
        .where(MultiAgencyCase.closed_on.is_(None))
        .order_by(MultiAgencyCase.id.desc())
    ).all()
    return [
        SelectChoice(case.id, f"{case.reference} – {case.offence_category.name}")
        for case in cases
        if case.id not in on_agenda
    ]


@panels_bp.route("/<int:panel_id>/agenda/add", methods=["GET", "POST"])
@access.load("panel_id", panel_for, manages_panels)
def add_agenda_item(panel: Panel) -> ResponseReturnValue:
    if (refused := _only_while_editable(panel)) is not None:
        return refused
    form = AgendaItemForm()
    form.case_id.choices = _case_choices(panel)
    if form.validate_on_submit():
        case = db.session.get_one(MultiAgencyCase, form.case_id.data)  # one of the cases offered
        try:
            operations.add_agenda_item(panel, case, form.start_time.time, access.current_person())
        except operations.PanelError as error:
            db.session.rollback()
            form.start_time.errors.append(str(error))
        else:
            _save_change(f"{case.reference} added to the agenda", "agenda")
            return _to_panel(panel, "agenda")
    return render_template("panels/agenda_form.html", form=form, panel=panel, item=None)


@panels_bp.route("/agenda-items/<int:item_id>/time", methods=["GET", "POST"])
@access.load("item_id", agenda_item_for, manages_panels)
def change_agenda_time(item: PanelAgendaItem) -> ResponseReturnValue:
    panel = item.panel
    if (refused := _only_while_editable(panel)) is not None:
        return refused
    form = AgendaTimeForm()
    if form.fills_from_record():
        form.start_time.data = format_time(item.start_time)
    elif form.validate_on_submit():
        try:
            operations.change_agenda_time(item, form.start_time.time, access.current_person())
        except operations.PanelError as error:
            db.session.rollback()
            form.start_time.errors.append(str(error))
        else:
            _save_change(f"Time for {item.case.reference} saved", "agenda")
            return _to_panel(panel, "agenda")
    return render_template("panels/agenda_form.html", form=form, panel=panel, item=item)


@panels_bp.post("/agenda-items/<int:item_id>/move/<any(up, down):direction>")
@access.load("item_id", agenda_item_for, manages_panels)
def move_agenda_item(item: PanelAgendaItem, direction: str) -> ResponseReturnValue:
    panel = item.panel
    if (refused := _only_while_editable(panel)) is not None:
        return refused
    if ConfirmForm().validate_on_submit():
        if operations.move_agenda_item(item, -1 if direction == "up" else 1, access.current_person()):
            _save_change(f"{item.case.reference} moved {direction}", "agenda")
    return _to_panel(panel, "agenda")


@panels_bp.route("/agenda-items/<int:item_id>/remove", methods=["GET", "POST"])
@access.load("item_id", agenda_item_for, manages_panels)
def remove_agenda_item(item: PanelAgendaItem) -> ResponseReturnValue:
    """Asked first, as removing a person is: the case's agencies may lose the panel's pack."""
    panel = item.panel
    if (refused := _only_while_editable(panel)) is not None:
        return refused
    form = ConfirmForm()
    if form.validate_on_submit():
        reference = item.case.reference
        operations.remove_agenda_item(item, access.current_person())
        _save_change(f"{reference} removed from the agenda", "agenda")
        return _to_panel(panel, "agenda")
    return render_template("panels/remove_agenda_item.html", form=form, panel=panel, item=item)


# --- attendees ---------------------------------------------------------------------------------


@panels_bp.route("/<int:panel_id>/attendees/add", methods=["GET", "POST"])
@access.load("panel_id", panel_for, manages_panels)
def add_attendee(panel: Panel) -> ResponseReturnValue:
    if (refused := _only_while_editable(panel)) is not None:
        return refused
    form = AttendeeForm()
    people = eligible_people(panel)  # the case's agencies' people first, then the Inspectorate's
    form.user_ids.choices = [SelectChoice(p.id, f"{p.full_name} – {p.organisation.name}") for p in people]
    if form.validate_on_submit():
        chosen = set(form.user_ids.data)
        invited = [p for p in people if p.id in chosen]
        try:
            for person in invited:
                operations.add_attendee(panel, person, AttendeeRole(form.role.data), access.current_person())
        except operations.PanelError as error:
            db.session.rollback()
            form.user_ids.errors.append(str(error))
        else:
            names = _names(p.full_name for p in invited)
            emailed = " We have emailed them the invitation." if panel.is_scheduled else ""
            _save_change(f"{names} added to the panel.{emailed}", "attendees")
            return _to_panel(panel, "attendees")
    return render_template("panels/attendee_form.html", form=form, panel=panel, attendee=None)


def _names(names: Iterable[str]) -> str:
    listed = list(names)
    return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]


@panels_bp.route("/attendees/<int:attendee_id>/role", methods=["GET", "POST"])
@access.load("attendee_id", attendee_for, manages_panels)
def change_attendee_role(attendee: PanelAttendee) -> ResponseReturnValue:
    panel = attendee.panel
    if (refused := _only_while_editable(panel)) is not None:
        return refused
    form = AttendeeRoleForm()
    if form.fills_from_record():
        form.role.data = attendee.role.value
    elif form.validate_on_submit():
        operations.change_attendee_role(attendee, AttendeeRole(form.role.data), access.current_person())
        _save_change(f"{attendee.user.full_name}'s role saved", "attendees")
        return _to_panel(panel, "attendees")
    return render_template("panels/attendee_form.html", form=form, panel=panel, attendee=attendee)


@panels_bp.route("/attendees/<int:attendee_id>/remove", methods=["GET", "POST"])
@access.load("attendee_id", attendee_for, manages_panels)
def remove_attendee(attendee: PanelAttendee) -> ResponseReturnValue:
    panel = attendee.panel
    if (refused := _only_while_editable(panel)) is not None:
        return refused
    form = ConfirmForm()
    if form.validate_on_submit():
        name = attendee.user.full_name
        notified = operations.remove_attendee(attendee, access.current_person())
        _save_change(
            f"{name} removed from the panel." + (" We have emailed them a cancellation." if notified else ""),
            "attendees",
        )
        return _to_panel(panel, "attendees")
    return render_template("panels/remove_attendee.html", form=form, panel=panel, attendee=attendee)


# --- scheduling, cancelling, replying, after the panel --------------------------------------------


@panels_bp.route("/<int:panel_id>/schedule", methods=["GET", "POST"])
@access.load("panel_id", panel_for, manages_panels)
def schedule_panel(panel: Panel) -> ResponseReturnValue:
    form = ScheduleForm()
    if form.fills_from_record():
        form.version.data = str(panel.version)
    elif form.validate_on_submit():
        if (again := sent_before(form)) is not None:
            return again
        try:
            sent = operations.schedule_panel(panel, form.version.data, access.current_person())
        except STALE:
            _refuse_stale(form, panel)
        except operations.PanelError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            prepare_packs(panel)
            if (again := first_sending(form, url_for("panels.show_panel", panel_id=panel.id))) is not None:
                return again
            if commit_unless_stale():
                flash("Invitations sent." + _emailed(sent, "the invitation with a calendar file"), "success")
                return _to_panel(panel)
            _refuse_stale(form, panel)
    return render_template(
        "panels/schedule.html", form=form, panel=panel, problems=operations.schedule_problems(panel, utc_now())
    )


@panels_bp.route("/<int:panel_id>/cancel", methods=["GET", "POST"])
@access.load("panel_id", panel_for, manages_panels)
def cancel_panel(panel: Panel) -> ResponseReturnValue:
    if (refused := _only_while_editable(panel)) is not None:
        return refused
    form = CancelForm()
    if form.fills_from_record():
        form.version.data = str(panel.version)
    elif form.validate_on_submit():
        try:
            sent = operations.cancel_panel(panel, form.reason.data, form.version.data, access.current_person())
        except STALE:
            _refuse_stale(form, panel)
        else:
            if commit_unless_stale():
                flash("Panel cancelled." + _emailed(sent, "the cancellation"), "success")
                return _to_panel(panel)
            _refuse_stale(form, panel)
    return render_template("panels/cancel.html", form=form, panel=panel)


@panels_bp.route("/<int:panel_id>/reply", methods=["GET", "POST"])
@access.load("panel_id", panel_for, may_reply)
def reply_to_panel(panel: Panel) -> ResponseReturnValue:
    attendee = panel.attendee_for(access.current_person().id)
    if attendee is None:  # may_reply has made sure the person is on the list
        abort(403)
    form = ReplyForm()
    candidates = deputy_candidates(panel, attendee)
    form.deputy_id.choices = [SelectChoice("", "No deputy")] + [SelectChoice(p.id, p.full_name) for p in candidates]
    if form.fills_from_record() and attendee.reply:
        form.reply.data = attendee.reply.value
        form.comment.data = attendee.reply_comment
    if form.validate_on_submit():
        reply = Reply(form.reply.data)
        me = access.current_person()
        comment = form.comment.data or ""
        deputy_id = form.deputy_id.data
        deputy, deputy_news = None, ""
        try:
            if deputy_id and reply != Reply.DECLINED:
                raise operations.DeputyRefused('To nominate a deputy, choose "No, I cannot attend"')
            if deputy_id:
                if (deputy := db.session.get(User, deputy_id)) is None:
                    raise operations.DeputyRefused("Choose a deputy from the list")
                again = panel.attendee_for(deputy.id) is not None
                operations.decline_with_deputy(attendee, deputy, me, comment=comment)
                deputy_news = (
                    f" {deputy.full_name} is already invited as your deputy."
                    if again
                    else f" We have invited {deputy.full_name} as your deputy and told the convening inspector."
                )
            else:
                operations.reply_to_panel(attendee, reply, me, comment=comment)
        except operations.DeputyRefused as refused:
            db.session.rollback()
            form.deputy_id.errors = [*form.deputy_id.errors, str(refused)]
        except operations.PanelError as error:
            db.session.rollback()
            form.reply.errors.append(str(error))
        else:
            if commit_unless_stale():
                flash(f"Reply sent: {reply.label.lower()}.{deputy_news}", "success")
                return _to_panel(panel)
            # The deputy was put on the list by someone else at the same moment (a unique row).
            (form.deputy_id if deputy else form.reply).errors = [
                "The panel's list changed at the same moment: look at it again and send your reply"
            ]
    return render_template(
        "panels/reply.html", form=form, panel=panel, attendee=attendee, can_nominate=bool(candidates)
    )


def _register_default(attendee: PanelAttendee) -> tuple[str | None, str]:
    """The register starts from what was recorded, else from the replies: someone who declined
    and nominated a deputy is offered as represented by that deputy."""
    if attendee.attendance is not None:
        return attendee.attendance.value, attendee.deputy_name
    if attendee.reply == Reply.DECLINED and (deputies := attendee.deputies):
        return Attendance.DEPUTY.value, " and ".join(d.user.full_name for d in deputies)[:200]
    default = {Reply.ACCEPTED: Attendance.PRESENT.value, Reply.DECLINED: Attendance.APOLOGIES.value}.get(
        attendee.reply  # type: ignore[arg-type]
    )
    return default, ""


@panels_bp.route("/<int:panel_id>/outcome", methods=["GET", "POST"])
@access.load("panel_id", panel_for, manages_panels)
def record_outcome(panel: Panel) -> ResponseReturnValue:
    if panel.status not in (PanelStatus.SCHEDULED, PanelStatus.HELD) or not panel.has_started(utc_now()):
        flash("You can record the outcome of a scheduled panel once it has started.", "error")
        return _to_panel(panel)
    form = outcome_form_for(list(panel.attendees))
    if form.fills_from_record():
        form.version.data = str(panel.version)
        form.notes.data = panel.notes
        for attendee, attendance, deputy in form.register_fields(list(panel.attendees)):
            attendance.data, deputy.data = _register_default(attendee)
    elif form.validate_on_submit():
        mark_held = bool(form.mark_held.data)
        register = {
            attendee.id: operations.AttendanceEntry(Attendance(attendance.data), deputy.data or "")
            for attendee, attendance, deputy in form.register_fields(list(panel.attendees))
        }
        try:
            operations.record_outcome(
                panel, register, form.notes.data or "", mark_held, form.version.data, access.current_person()
            )
        except STALE:
            _refuse_stale(form, panel)
        except operations.AttendanceRefused as refused:
            db.session.rollback()
            for name, message in refused.problems.items():
                form[name].errors = [*form[name].errors, message]
        except operations.PanelError as error:
            db.session.rollback()
            flash(str(error), "error")
            return _to_panel(panel)
        else:
            if commit_unless_stale():
                flash("Panel marked as held" if mark_held else "Outcome saved", "success")
                return _to_panel(panel)
            _refuse_stale(form, panel)
    return render_template(
        "panels/outcome.html", form=form, panel=panel, register=form.register_fields(list(panel.attendees))
    )


@panels_bp.route("/<int:panel_id>/walk-ins/add", methods=["GET", "POST"])
@access.load("panel_id", panel_for, manages_panels)
def add_walk_in(panel: Panel) -> ResponseReturnValue:
    if panel.status not in (PanelStatus.SCHEDULED, PanelStatus.HELD) or not panel.has_started(utc_now()):
        flash("You can add to the register of a scheduled panel once it has started.", "error")
        return _to_panel(panel)
    form = WalkInForm()
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.id.in_(eligible_organisation_ids(panel))).order_by(Organisation.name)
    ).all()
    form.organisation_id.choices = [SelectChoice("", "Choose the organisation")] + [
        SelectChoice(org.id, org.name) for org in organisations
    ]
    if form.validate_on_submit():
        organisation = db.session.get_one(Organisation, form.organisation_id.data)
        try:
            operations.add_walk_in(panel, form.full_name.data, organisation, access.current_person())
        except operations.AttendanceRefused as refused:
            db.session.rollback()
            form.organisation_id.errors = list(refused.problems.values())
        except operations.PanelError as error:
            db.session.rollback()
            flash(str(error), "error")
            return _to_panel(panel)
        else:
            if _save_change(f"{form.full_name.data} added to the attendance register", "register"):
                return _to_panel(panel, "attendees")
    return render_template("panels/walk_in.html", form=form, panel=panel)


@panels_bp.post("/walk-ins/<int:walk_in_id>/remove")
@access.load("walk_in_id", walk_in_for, manages_panels)
def remove_walk_in(walk_in: PanelWalkIn) -> ResponseReturnValue:
    panel = walk_in.panel
    form = ConfirmForm()
    if form.validate_on_submit():
        name = walk_in.full_name
        operations.remove_walk_in(walk_in, access.current_person())
        _save_change(f"{name} taken off the attendance register", "register")
    return _to_panel(panel, "attendees")


# --- files: the personal invite and the pack -------------------------------------------------------


@panels_bp.get("/<int:panel_id>/invite.ics")
@access.load("panel_id", panel_for, may_download_invite)
def download_invite(panel: Panel) -> ResponseReturnValue:
    data = operations.personal_invite(panel)
    method = "CANCEL" if panel.is_cancelled else "REQUEST"
    audit.record_read(panel, "panel_invite", f"Downloaded the calendar invite for {panel.title}", method=method)
    return send_download(data, f"{panel.reference}.ics", f"text/calendar; method={method}")


def _fully_loaded(panel: Panel) -> Panel:
    """The panel with everything its pack shows loaded (deleted meanwhile: 404)."""
    return load_panel(panel.id) or abort(404)


def _stored_pack(panel: Panel) -> tuple[renders.StoredPdf, PackSource]:
    """The pack as it is now for the signed-in person, and what it holds."""
    panel = _fully_loaded(panel)
    fingerprint, contents = pack_fingerprint(panel, access.current_person())
    document = renders.StoredPdf(
        PANEL_PACK,
        panel.id,
        access.current_person().id,
        fingerprint,
        filename=f"{panel.reference}-pack.pdf",
        name="panel pack",
        about=panel.title,
        back_url=url_for("panels.show_panel", panel_id=panel.id),
        back_text="Back to the panel",
        retry_url=url_for("panels.retry_pack", panel_id=panel.id),
    )
    return document, contents


@panels_bp.get("/<int:panel_id>/pack.pdf")
@access.load("panel_id", panel_for, may_download_pack)
def download_pack(panel: Panel) -> ResponseReturnValue:
    """The stored pack of the panel as it is now, for this person; never rendered here (a long
    pack takes minutes): until the background renderer has it, a page that says so."""
    document, contents = _stored_pack(panel)
    return renders.serve(
        document,
        lambda: audit.record_read(
            panel,
            "panel_pack",
            f"Downloaded the panel pack for {panel.title}",
            format="pdf",
            panel_version=panel.version,
            pack_version=document.fingerprint[:12],
            cases=contents.references,
            identifiers=contents.identifiers,
        ),
    )


@panels_bp.post("/<int:panel_id>/pack/retry")
@access.load("panel_id", panel_for, may_download_pack)
def retry_pack(panel: Panel) -> ResponseReturnValue:
    """Ask the renderer again for a pack it could not prepare."""
    if ConfirmForm().validate_on_submit():
        renders.ask_again(
            _stored_pack(panel)[0],
            lambda: audit.record("panel.pack_retried", panel, f"Asked again for the panel pack for {panel.title}"),
        )
    return redirect(url_for("panels.download_pack", panel_id=panel.id))


@panels_bp.route("/<int:panel_id>/pack-contents", methods=["GET", "POST"])
@access.load("panel_id", panel_for, manages_panels)
def choose_pack_contents(panel: Panel) -> ResponseReturnValue:
    form = ConfirmForm()
    if form.validate_on_submit():
        views: dict[int, ChronologyView | None] = {}
        for attendee in panel.attendees:
            chosen = request.form.get(f"view-{attendee.id}", "")
            views[attendee.id] = ChronologyView(chosen) if chosen in ChronologyView._value2member_map_ else None
        annex_ids = {int(value) for value in request.form.getlist("annex") if value.isdigit()}
        changed = save_pack_contents(panel, views, annex_ids, access.current_person())
        if commit_unless_stale():
            flash("Pack contents saved" if changed else "Nothing was changed", "success")
            return _to_panel(panel)
        flash("Someone else changed this panel at the same time. Check the choices and save again.", "error")
    return render_template(
        "panels/pack_contents.html",
        panel=panel,
        form=form,
        attendees=sorted(panel.attendees, key=lambda a: (a.user.organisation.name, a.user.full_name)),
        annexes=annex_choices(panel),
        views=list(ChronologyView),
    )


# --- the personal calendar feed --------------------------------------------------------------------


FEED_WINDOW_DAYS = 365


# The new address travels from the POST to the page that shows it once (post/redirect/get), in
# the signed session, and is taken out of it by that page: refreshing shows it no more.
NEW_FEED_KEY = "new_feed_address"


@panels_bp.get("/calendar-feed")
@access.allow(access.signed_in)
def manage_feed() -> ResponseReturnValue:
    return render_template(
        "panels/feed.html",
        token=operations.active_feed_token(access.current_person()),
        new_url=session.pop(NEW_FEED_KEY, None),
        confirm=ConfirmForm(),
    )


@panels_bp.get("/calendar-feed/new")
@access.allow(access.signed_in)
def confirm_new_feed() -> ResponseReturnValue:
    """Making a new address stops the old one: a step of its own, confirmed."""
    token = operations.active_feed_token(access.current_person())
    if token is None:
        return redirect(url_for("panels.manage_feed"))
    return render_template("panels/feed_confirm.html", token=token, confirm=ConfirmForm())


@panels_bp.post("/calendar-feed")
@access.allow(access.signed_in)
def create_feed() -> ResponseReturnValue:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("panels.manage_feed"))
    person = access.current_person()
    if operations.active_feed_token(person) is not None and request.form.get("replace") != "yes":
        # Replacing the address the person's calendar uses is only done from the confirmation.
        return redirect(url_for("panels.confirm_new_feed"))
    secret = operations.new_feed_token(person)
    db.session.commit()
    # Only the token's hash is kept: the address is shown once, on the page this redirects to.
    session[NEW_FEED_KEY] = portal_link("panels.calendar_feed", token=secret)
    return redirect(url_for("panels.manage_feed"), code=303)


@panels_bp.post("/calendar-feed/revoke")
@access.allow(access.signed_in)
def revoke_feed() -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit() and operations.revoke_feed(access.current_person()):
        db.session.commit()
        flash("Calendar feed address revoked. Calendars subscribed to it will stop updating.", "success")
    return redirect(url_for("panels.manage_feed"))


@panels_bp.get("/feed/<token>.ics")
@access.public
def calendar_feed(token: str) -> ResponseReturnValue:
    """No sign-in (calendar apps cannot sign in): the secret in the address is the key."""
    stored = operations.feed_token(token)
    if stored is None or not stored.user.active:
        abort(404)
    if not stored.active:
        # Audited (without the token) so a leaked, revoked address still being used shows up.
        audit.record_refusal(
            "Revoked calendar feed address used",
            stored.user,
            actor=stored.user,
            status=404,
            reason="calendar feed revoked",
            feed_id=stored.id,
        )
        abort(404)
    data = _feed_for(stored)
    return Response(data, mimetype="text/calendar", headers={"Content-Disposition": 'inline; filename="panels.ics"'})


def _feed_for(stored: CalendarFeedToken) -> bytes:
    person = stored.user
    since = utc_now() - timedelta(days=FEED_WINDOW_DAYS)
    panels = db.session.scalars(
        attended_panels(person)
        .where(Panel.ends_at_utc >= since)
        .options(selectinload(Panel.agenda), selectinload(Panel.attendees))
        .order_by(Panel.starts_at_utc)
    ).all()
    audit.record_read(
        person,
        "calendar_feed",
        f"Calendar feed of {person.full_name} fetched",
        actor=person,
        feed_id=stored.id,
        panels=len(panels),
    )
    return feed([operations.calendar_event(p) for p in panels], name=f"Learning panels – {person.full_name}")


# --- minutes ---------------------------------------------------------------------------------------


def _minutes_refusal(step: MinutesStep, panel: Panel) -> WerkzeugResponse | None:
    """Back to the minutes page with a word when the step is not open now (the check decorators
    have already decided who may ever take it)."""
    minutes = minutes_ops.minutes_of(panel)
    status = minutes.status if minutes else MinutesStatus.DRAFT
    problem = minutes_refusal(step, status, minutes_roles(access.current_person(), panel))
    if problem is None:
        return None
    flash(f"{problem}.", "error")
    return redirect(url_for("panels.show_minutes", panel_id=panel.id))


@panels_bp.get("/<int:panel_id>/minutes")
@access.load("panel_id", panel_for, may_see_minutes)
def show_minutes(panel: Panel) -> ResponseReturnValue:
    person = access.current_person()
    minutes = minutes_ops.minutes_of(panel)
    roles = minutes_roles(person, panel)
    status = minutes.status if minutes else MinutesStatus.DRAFT
    comments = []
    if minutes is not None:
        comments = [
            c for c in minutes.comments if person.is_inspectorate or c.author_id == person.id
        ]  # the convenor sees every comment; each attendee their own
        audit.record_read(panel, "panel_minutes", f"Read the minutes of {panel.title}", status=status.value)
    return render_template(
        "panels/minutes.html",
        panel=panel,
        minutes=minutes,
        status=status,
        comments=comments,
        comment_form=MinutesCommentForm(),
        may_edit=minutes_refusal(MinutesStep.EDIT, status, roles) is None,
        may_circulate=minutes is not None and minutes_refusal(MinutesStep.CIRCULATE, status, roles) is None,
        may_approve=minutes_refusal(MinutesStep.APPROVE, status, roles) is None,
        may_comment=minutes_refusal(MinutesStep.COMMENT, status, roles) is None,
        may_download=may_download_minutes(person, panel),
        approved=minutes_ops.approved_text(minutes) if minutes else "",
    )


@panels_bp.route("/<int:panel_id>/minutes/edit", methods=["GET", "POST"])
@access.load("panel_id", panel_for, may_write_minutes)
def edit_minutes(panel: Panel) -> ResponseReturnValue:
    if (refused := _minutes_refusal(MinutesStep.EDIT, panel)) is not None:
        return refused
    if panel.status not in (PanelStatus.SCHEDULED, PanelStatus.HELD) or not panel.has_started(utc_now()):
        flash("Minutes are written once the panel has started.", "error")
        return _to_panel(panel)
    minutes = minutes_ops.minutes_of(panel)
    agenda = list(panel.agenda)
    form = minutes_form_for(agenda, _learning_theme_choices(minutes))
    fields = form.item_fields(agenda)
    filing = form.learning_fields(agenda)
    if form.fills_from_record():
        form.version.data = str(minutes_ops.minutes_version(minutes))
        form.any_other_business.data = minutes.any_other_business if minutes else ""
        for item, discussion, findings, learning in fields:
            row = minutes.item_for(item.id) if minutes else None
            discussion.data = row.discussion if row else ""
            findings.data = row.key_findings if row else ""
            learning.data = row.learning_agreed if row else ""
            theme, level = filing[item.id]
            theme.data = str(row.learning_theme_id) if row and row.learning_theme_id else ""
            level.data = row.learning_level.value if row and row.learning_level else None
    elif form.validate_on_submit():
        entries = {
            item.id: minutes_ops.ItemMinutes(
                discussion.data or "",
                findings.data or "",
                learning.data or "",
                learning_theme_id=int(filing[item.id][0].data) if filing[item.id][0].data else None,
                learning_level=LearningLevel(filing[item.id][1].data) if filing[item.id][1].data else None,
            )
            for item, discussion, findings, learning in fields
        }
        try:
            minutes_ops.save_minutes(
                panel, entries, form.any_other_business.data or "", form.version.data, access.current_person()
            )
        except StaleEdit:
            _refuse_stale_minutes(form, panel)
        except minutes_ops.MinutesError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("panels.show_minutes", panel_id=panel.id))
        else:
            if commit_unless_stale():
                flash("Draft minutes saved", "success")
                return redirect(url_for("panels.show_minutes", panel_id=panel.id))
            _refuse_stale_minutes(form, panel)
    return render_template("panels/minutes_form.html", form=form, panel=panel, fields=fields, filing=filing)


def _learning_theme_choices(minutes: PanelMinutes | None) -> list[SelectChoice]:
    """The active learning themes, and any retired one these minutes already file learning under."""
    keep = [row.learning_theme_id for row in minutes.items if row.learning_theme_id] if minutes else []
    rows = db.session.execute(
        select(LearningTheme.id, LearningTheme.name)
        .where(or_(LearningTheme.active.is_(True), LearningTheme.id.in_(keep)))
        .order_by(LearningTheme.position, LearningTheme.name)
    ).all()
    return [SelectChoice("", "Choose a theme")] + [SelectChoice(str(row.id), row.name) for row in rows]


def _refuse_stale_minutes(form: VersionedForm, panel: Panel) -> None:
    """Keep every word typed, say why, and carry the latest version (saving again replaces it)."""
    db.session.rollback()
    form.version.errors = [
        "Someone else saved these minutes while you were writing. Your text is below: "
        "check the saved minutes in another tab, then save again to replace them."
    ]
    latest = str(minutes_ops.minutes_version(minutes_ops.minutes_of(panel)))
    form.version.data = latest
    form.version.raw_data = [latest]


@panels_bp.route("/<int:panel_id>/minutes/circulate", methods=["GET", "POST"])
@access.load("panel_id", panel_for, manages_panels)
def circulate_minutes(panel: Panel) -> ResponseReturnValue:
    if (refused := _minutes_refusal(MinutesStep.CIRCULATE, panel)) is not None:
        return refused
    minutes = minutes_ops.minutes_of(panel)
    if minutes is None:
        flash("Write the minutes before circulating them.", "error")
        return redirect(url_for("panels.show_minutes", panel_id=panel.id))
    form = CirculateMinutesForm(data={"version": minutes.version} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            sent = minutes_ops.circulate_minutes(
                panel, form.comments_by.data, form.version.data, access.current_person()
            )
        except StaleEdit:
            _refuse_stale(form, panel)
            form.version.data = str(minutes.version)
        except minutes_ops.MinutesError as error:
            db.session.rollback()
            form.comments_by.errors = [*form.comments_by.errors, str(error)]
        else:
            minutes_ops.request_minutes_renders(panel)
            if commit_unless_stale():
                flash(f"Draft minutes circulated.{_emailed(sent, 'the draft minutes')}", "success")
                return redirect(url_for("panels.show_minutes", panel_id=panel.id))
            _refuse_stale(form, panel)
    return render_template("panels/minutes_circulate.html", form=form, panel=panel)


@panels_bp.route("/<int:panel_id>/minutes/approve", methods=["GET", "POST"])
@access.load("panel_id", panel_for, manages_panels)
def approve_minutes(panel: Panel) -> ResponseReturnValue:
    if (refused := _minutes_refusal(MinutesStep.APPROVE, panel)) is not None:
        return refused
    minutes = minutes_ops.minutes_of(panel)
    assert minutes is not None  # circulated
    form = ApproveMinutesForm(data={"version": minutes.version} if request.method == "GET" else None)
    learning_problems: list[str] = []
    if form.validate_on_submit():
        try:
            approved = minutes_ops.approve_minutes(panel, form.version.data, access.current_person())
        except StaleEdit:
            _refuse_stale(form, panel)
            form.version.data = str(minutes.version)
        except minutes_ops.MinutesError as error:
            db.session.rollback()
            learning_problems = list(error.problems.values()) or [str(error)]
        else:
            minutes_ops.request_minutes_renders(panel)
            if commit_unless_stale():
                compiled = (
                    f" {approved.learning} piece{'s' if approved.learning != 1 else ''} of shared learning "
                    "compiled from the learning agreed."
                    if approved.learning
                    else ""
                )
                flash(
                    f"Minutes approved: they can no longer change.{compiled}{_emailed(approved.emailed, 'to say so')}",
                    "success",
                )
                return redirect(url_for("panels.show_minutes", panel_id=panel.id))
            _refuse_stale(form, panel)
    return render_template(
        "panels/minutes_approve.html",
        form=form,
        panel=panel,
        minutes=minutes,
        comments=minutes.comments,
        learning_problems=learning_problems,
    )


@panels_bp.post("/<int:panel_id>/minutes/comments")
@access.load("panel_id", panel_for, may_comment_on_minutes)
def comment_on_minutes(panel: Panel) -> ResponseReturnValue:
    if (refused := _minutes_refusal(MinutesStep.COMMENT, panel)) is not None:
        return refused
    form = MinutesCommentForm()
    if form.validate_on_submit():
        minutes_ops.comment_on_minutes(panel, form.text.data, access.current_person())
        db.session.commit()
        flash("Comment sent to the convenor", "success")
        return redirect(url_for("panels.show_minutes", panel_id=panel.id))
    minutes = minutes_ops.minutes_of(panel)
    assert minutes is not None
    return render_template(
        "panels/minutes.html",
        panel=panel,
        minutes=minutes,
        status=minutes.status,
        comments=[c for c in minutes.comments if c.author_id == access.current_person().id],
        comment_form=form,
        may_edit=False,
        may_circulate=False,
        may_approve=False,
        may_comment=True,
        may_download=may_download_minutes(access.current_person(), panel),
        approved="",
    )


def _stored_minutes(panel: Panel) -> tuple[renders.StoredPdf, PanelMinutes]:
    """The minutes PDF as it is now for the signed-in person (rendered in the background, like the pack)."""
    panel = _fully_loaded(panel)
    minutes = minutes_ops.minutes_of(panel)
    assert minutes is not None  # may_download_minutes needs them
    person = access.current_person()
    document = renders.StoredPdf(
        minutes_ops.PANEL_MINUTES,
        panel.id,
        person.id,
        minutes_ops.minutes_fingerprint(panel, minutes, person),
        filename=f"{panel.reference}-minutes.pdf",
        name="minutes",
        about=panel.title,
        back_url=url_for("panels.show_minutes", panel_id=panel.id),
        back_text="Back to the minutes",
        retry_url=url_for("panels.retry_minutes", panel_id=panel.id),
    )
    return document, minutes


@panels_bp.get("/<int:panel_id>/minutes.pdf")
@access.load("panel_id", panel_for, may_download_minutes)
def download_minutes(panel: Panel) -> ResponseReturnValue:
    document, minutes = _stored_minutes(panel)
    return renders.serve(
        document,
        lambda: audit.record_read(
            panel,
            "panel_minutes_pdf",
            f"Downloaded the minutes of {panel.title}",
            status=minutes.status.value,
            minutes_version=document.fingerprint[:12],
        ),
    )


@panels_bp.post("/<int:panel_id>/minutes/retry")
@access.load("panel_id", panel_for, may_download_minutes)
def retry_minutes(panel: Panel) -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        renders.ask_again(
            _stored_minutes(panel)[0],
            lambda: audit.record("panel.minutes_retried", panel, f"Asked again for the minutes of {panel.title}"),
        )
    return redirect(url_for("panels.download_minutes", panel_id=panel.id))


# --- the decisions log -------------------------------------------------------------------------------


@panels_bp.route("/<int:panel_id>/decisions/add", methods=["GET", "POST"])
@access.load("panel_id", panel_for, may_write_minutes)
def add_decision(panel: Panel) -> ResponseReturnValue:
    if (refused := _minutes_refusal(MinutesStep.EDIT, panel)) is not None:
        return refused
    form = DecisionForm()
    form.agenda_item_id.choices = [SelectChoice(0, "Any other business")] + [
        SelectChoice(item.id, f"Item {number}: case {item.case.reference}")
        for number, item in enumerate(panel.agenda, start=1)
    ]
    organisations = db.session.scalars(
        select(Organisation)
        .where(
            Organisation.id.in_(eligible_organisation_ids(panel)), Organisation.kind != OrganisationKind.INSPECTORATE
        )
        .order_by(Organisation.name)
    ).all()
    form.agreeing.choices = [SelectChoice(org.id, org.name) for org in organisations]
    if form.fills_from_record():
        form.decided_by.data = "The panel"
    elif form.validate_on_submit():
        item = next((i for i in panel.agenda if i.id == form.agenda_item_id.data), None)
        chosen = set(form.agreeing.data or [])
        try:
            decision = minutes_ops.record_decision(
                panel,
                agenda_item=item,
                decision=form.decision.data,
                decided_by=form.decided_by.data,
                agreeing=[org for org in organisations if org.id in chosen],
                by=access.current_person(),
            )
        except minutes_ops.MinutesError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("panels.show_minutes", panel_id=panel.id))
        db.session.commit()
        flash(f"Decision {decision.reference} added to the decisions log", "success")
        return redirect(url_for("panels.show_minutes", panel_id=panel.id) + "#decisions")
    return render_template("panels/decision_form.html", form=form, panel=panel)


@panels_bp.post("/decisions/<int:decision_id>/remove")
@access.load("decision_id", decision_for, may_change_decision)
def remove_decision(decision: PanelDecision) -> ResponseReturnValue:
    panel = decision.panel
    if ConfirmForm().validate_on_submit():
        reference = decision.reference
        try:
            minutes_ops.remove_decision(decision, access.current_person())
        except minutes_ops.MinutesError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Decision {reference} removed", "success")
    return redirect(url_for("panels.show_minutes", panel_id=panel.id) + "#decisions")


# --- guests without accounts ------------------------------------------------------------------------


@panels_bp.route("/<int:panel_id>/guests/add", methods=["GET", "POST"])
@access.load("panel_id", panel_for, manages_panels)
def add_guest(panel: Panel) -> ResponseReturnValue:
    if (closed := _only_while_editable(panel)) is not None:
        return closed
    form = GuestForm()
    if form.validate_on_submit():
        try:
            guest = operations.add_guest(
                panel, form.full_name.data, form.email.data, AttendeeRole(form.role.data), access.current_person()
            )
        except operations.PanelError as error:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(error)]
        else:
            emailed = panel.is_scheduled
            if _save_change(
                f"{guest.full_name} invited as a guest."
                + (" We have emailed them the invitation with the calendar file." if emailed else ""),
                "guests",
            ):
                return _to_panel(panel, "guests")
    return render_template("panels/guest_form.html", form=form, panel=panel)


@panels_bp.post("/guests/<int:guest_id>/remove")
@access.load("guest_id", guest_for, manages_panels)
def remove_guest(guest: PanelGuest) -> ResponseReturnValue:
    panel = guest.panel
    if ConfirmForm().validate_on_submit():
        name = guest.full_name
        try:
            emailed = operations.remove_guest(guest, access.current_person())
        except operations.PanelError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            _save_change(f"{name} removed." + (" We have emailed them a cancellation." if emailed else ""), "guests")
    return _to_panel(panel, "guests")
