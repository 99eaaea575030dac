"""Pages for a case's merged chronology: the page itself (anonymised, and named for those who
may see names), its CSV, the inspector's decisions about rows, rows from the SFO review and the
names recorded for the anonymised view; and an agency's import of its chronology spreadsheet.

The page is a GOV.UK table, not the MoJ Frontend timeline. Both were tried with 200 contacts
of the benchmark's case (3 agencies, 150 contacts each, the same text in both):

- The table reads better at that length. Date, agency and what happened sit in columns, so the
  eye runs down the dates and across to who was there, and contacts from different agencies on
  the same day sit next to each other, which is what a panel looks for. The timeline gives each
  contact its own heading, byline, date and description, one under another: at least four
  lines for what a table row shows in one or two, so 200 contacts make a page several times as
  tall; and its 200 ``h2`` headings (the markup the MoJ component prescribes) swamp a screen
  reader's list of headings, which is how its users move around a page.
- The timeline is made for one record's history, newest first, one actor per entry; a
  chronology runs oldest first and joins several agencies, and its "possibly the same event",
  "linked as one event" and gap notes need a place beside each entry: a table's last column
  and a full-width row.
- The same columns print in the panel pack, so the page and the PDF read alike.
- Cost: the table's 200 rows (cells built here, rendered by ``core.components.govuk_table``)
  took about 11 ms and 100 KB; the timeline's hand-built markup under 1 ms and 81 KB. Both are
  small beside the page's budget, so cost did not decide it; the whole chronology stays on one
  page (filterable by agency and date without JavaScript), which is fast enough for the sizes a
  case has (``make bench`` measures 3 agencies × 150 rows).
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import escape
from wtforms import SelectChoice

from agencies import access
from cases.chronology import importing
from cases.chronology import operations as chronology_operations
from cases.chronology.forms import AddedRowForm, CasePersonForm, DecisionForm, FilterForm, ImportUploadForm
from cases.chronology.merged import Filters, Line, MergedChronology, load_merged_chronology
from cases.chronology.models import CasePerson, ChronologyAddedRow, ChronologyDecision, ChronologyImport
from cases.chronology.operations import AddedRowDetails, ChronologyError
from cases.chronology.rules import ChronologyView, Event, PersonRole
from cases.models import AgencyReturn, MultiAgencyCase
from cases.permissions import (
    added_row_for,
    case_for,
    case_person_for,
    chronology_import_for,
    chronology_organisations,
    decision_for,
    manages_cases,
    may_view_named_chronology,
    may_write_return,
    return_for,
    sees_every_agency,
)
from cases.returns import operations as return_operations
from core import audit
from core.db import StaleEdit, commit_unless_stale
from core.downloads import send_download
from core.files import FileRefused, file_size, read_upload, upload_allowance
from core.formatting import govuk_date
from core.forms import ConfirmForm, refuse_stale
from core.tabular import csv_text
from extensions import db

chronology_bp = Blueprint("chronology", __name__, url_prefix="/cases")

READ_NAMED = "case_chronology_named"
# Pairs listed for a decision at a time: each decided pair leaves the list.
PAIRS_SHOWN = 10


# --- the page ------------------------------------------------------------------------------


def _filters(form: FilterForm) -> Filters:
    if form.errors:
        return Filters()
    return Filters(
        organisation_ids=frozenset(form.agency.data or []),
        start=form.start.data,
        end=form.end.data,
    )


def _text_html(text: str) -> str:
    return str(escape(text)).replace("\n", "<br>")


def _date_text(event: Event) -> str:
    if event.last_day == event.happened_on:
        return govuk_date(event.happened_on)
    return f"{govuk_date(event.happened_on)} to {govuk_date(event.last_day)}"


def event_cells(event: Event, *, significant_class: str = "govuk-!-font-weight-bold") -> dict[str, str]:
    """The HTML of an event's cells (shared by the page; the pack has its own markup)."""
    parts = []
    for row in event.rows:
        label = f"<strong>{escape(row.agency)}:</strong> " if event.linked else ""
        classes = f"govuk-body {significant_class}" if row.significant else "govuk-body"
        text = f'<p class="{classes}">{label}{_text_html(row.what_happened)}</p>'
        if row.significance:
            text += f'<p class="govuk-body govuk-!-font-size-16">Why it matters: {_text_html(row.significance)}</p>'
        parts.append(text)
    notes = []
    if event.significant:
        notes.append('<strong class="govuk-tag govuk-tag--orange">Significant</strong>')
    if event.linked:
        notes.append('<strong class="govuk-tag govuk-tag--blue">Linked as one event</strong>')
    for number in event.possibly_same_as:
        notes.append(
            f'<strong class="govuk-tag govuk-tag--yellow">Possibly the same event as <a class="govuk-link" '
            f'href="#event-{number}">{number}</a></strong>'
        )
    return {
        "what": "".join(parts),
        "agency": "<br>".join(str(escape(name)) for name in event.agencies),
        "notes": " ".join(notes),
    }


def table_rows(lines: list[Line]) -> list[list[dict[str, Any]]]:
    rows: list[list[dict[str, Any]]] = []
    for line in lines:
        if line.gap is not None:
            gap = line.gap
            rows.append(
                [
                    {
                        "html": f'<p class="govuk-body govuk-!-margin-bottom-0"><strong>Gap:</strong> no contact '
                        f"from any agency for {gap.length}, from {govuk_date(gap.after)} "
                        f"to {govuk_date(gap.before)}</p>",
                        "colspan": 5,
                        "classes": "govuk-!-padding-top-4 govuk-!-padding-bottom-4",
                    }
                ]
            )
            continue
        event = line.event
        assert event is not None
        cells = event_cells(event)
        rows.append(
            [
                {"text": str(event.number), "attributes": {"id": f"event-{event.number}"}},
                {"text": _date_text(event), "classes": "app-nowrap"},
                {"html": cells["agency"]},
                {"html": cells["what"]},
                {"html": cells["notes"]},
            ]
        )
    return rows


def _load(case: MultiAgencyCase, view: ChronologyView, filters: Filters | None = None) -> MergedChronology:
    user = access.current_person()
    return load_merged_chronology(
        case, organisation_ids=chronology_organisations(user, case), view=view, filters=filters
    )


def _page(case: MultiAgencyCase, view: ChronologyView) -> ResponseReturnValue:
    user = access.current_person()
    form = FilterForm(formdata=request.args)
    form.validate()
    chronology = _load(case, view, _filters(form))
    form.agency.choices = [SelectChoice(count.organisation_id, count.name) for count in chronology.counts]
    inspector = manages_cases(user)
    pairs = chronology.pairs if inspector else []
    rows = {key: row for key, row in chronology.rows_by_key.items()}
    number_of = {key: event.number for event in chronology.all_events for key in event.keys}
    return render_template(
        "cases/chronology/show.html",
        case=case,
        chronology=chronology,
        form=form,
        filters_active=_filters(form).active,
        rows=table_rows(chronology.lines),
        view=view,
        may_name=may_view_named_chronology(user, case),
        inspector=inspector,
        pairs=pairs[:PAIRS_SHOWN],
        pair_total=len(pairs),
        chronology_rows=rows,
        number_of=number_of,
        every_agency=sees_every_agency(user, case),
        decision_form=DecisionForm(),
        confirm=ConfirmForm(),
        args={k: v for k, v in request.args.lists()},
    )


@chronology_bp.get("/<int:case_id>/chronology")
@access.load("case_id", case_for)
def show_chronology(case: MultiAgencyCase) -> ResponseReturnValue:
    # The agencies' contacts, even with names replaced by roles, are a read (cases/sensitive.py).
    audit.record_read(case, "case_chronology", f"Viewed the anonymised chronology of {case.reference}", format="html")
    return _page(case, ChronologyView.ANONYMISED)


@chronology_bp.get("/<int:case_id>/chronology/named")
@access.load("case_id", case_for, may_view_named_chronology)
def show_named_chronology(case: MultiAgencyCase) -> ResponseReturnValue:
    # Every look at the names is recorded, as on the identifiers page (never answered from the cache).
    audit.record_read(case, READ_NAMED, f"Viewed the named chronology of {case.reference}", format="html")
    return _page(case, ChronologyView.NAMED)


def _csv(case: MultiAgencyCase, view: ChronologyView) -> ResponseReturnValue:
    form = FilterForm(formdata=request.args)
    form.validate()
    chronology = _load(case, view, _filters(form))
    header = [
        "Event",
        "Date",
        "Agency",
        "What happened",
        "Why it matters",
        "Significant",
        "Linked as one event",
        "Possibly the same event as",
        "Added by the Inspectorate",
    ]
    rows: list[list[Any]] = []
    for event in chronology.events:
        for row in event.rows:
            rows.append(
                [
                    event.number,
                    row.happened_on,
                    row.agency,
                    row.what_happened,
                    row.significance,
                    row.significant,
                    event.linked,
                    ", ".join(str(n) for n in event.possibly_same_as),
                    row.added_by_inspectorate,
                ]
            )
    suffix = "named" if view == ChronologyView.NAMED else "anonymised"
    return send_download(csv_text(header, rows), f"{case.reference}-chronology-{suffix}.csv", "text/csv")


@chronology_bp.get("/<int:case_id>/chronology.csv")
@access.load("case_id", case_for)
def download_chronology(case: MultiAgencyCase) -> ResponseReturnValue:
    audit.record_read(
        case, "case_chronology", f"Downloaded the anonymised chronology of {case.reference}", format="csv"
    )
    return _csv(case, ChronologyView.ANONYMISED)


@chronology_bp.get("/<int:case_id>/chronology/named.csv")
@access.load("case_id", case_for, may_view_named_chronology)
def download_named_chronology(case: MultiAgencyCase) -> ResponseReturnValue:
    audit.record_read(case, READ_NAMED, f"Downloaded the named chronology of {case.reference}", format="csv")
    return _csv(case, ChronologyView.NAMED)


# --- the inspector's decisions ------------------------------------------------------------------


def _back_to_chronology(case_id: int, anchor: str = "") -> ResponseReturnValue:
    return redirect(url_for("chronology.show_chronology", case_id=case_id) + (f"#{anchor}" if anchor else ""))


@chronology_bp.post("/<int:case_id>/chronology/decisions")
@access.load("case_id", case_for, manages_cases)
def decide_rows(case: MultiAgencyCase) -> ResponseReturnValue:
    form = DecisionForm()
    if not form.validate_on_submit() or form.decision.data not in ("same", "distinct"):
        flash("Choose whether the two rows are one event or distinct events", "error")
        return _back_to_chronology(case.id, "possible-duplicates")
    same = form.decision.data == "same"
    try:
        chronology_operations.decide_pair(
            case, form.first.data, form.second.data, same_event=same, by=access.current_person()
        )
    except ChronologyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Linked as one event" if same else "Marked as distinct events", "success")
    return _back_to_chronology(case.id, "possible-duplicates")


@chronology_bp.post("/chronology/decisions/<int:decision_id>/undo")
@access.load("decision_id", decision_for, manages_cases)
def undo_decision(decision: ChronologyDecision) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        return _back_to_chronology(decision.case_id, "decisions")
    case = chronology_operations.undo_decision(decision, access.current_person())
    db.session.commit()
    flash("Decision undone: the rows are possibly the same event again", "success")
    return _back_to_chronology(case.id, "decisions")


# --- rows from the SFO review -------------------------------------------------------------------


def _row_details(form: AddedRowForm) -> AddedRowDetails:
    return AddedRowDetails(
        happened_on=cast(date, form.happened_on.data),  # required: the form has validated it
        what_happened=form.what_happened.data,
        significance=form.significance.data or "",
        significant=bool(form.significant.data),
        source=form.source.data,
    )


@chronology_bp.route("/<int:case_id>/chronology/rows/new", methods=["GET", "POST"])
@access.load("case_id", case_for, manages_cases)
def add_chronology_row(case: MultiAgencyCase) -> ResponseReturnValue:
    form = AddedRowForm()
    if form.validate_on_submit():
        chronology_operations.add_row(case, _row_details(form), access.current_person())
        db.session.commit()
        flash("Row added to the chronology", "success")
        return _back_to_chronology(case.id)
    return render_template("cases/chronology/row_form.html", form=form, case=case, row=None)


@chronology_bp.route("/chronology/rows/<int:row_id>/edit", methods=["GET", "POST"])
@access.load("row_id", added_row_for, manages_cases)
def edit_chronology_row(row: ChronologyAddedRow) -> ResponseReturnValue:
    form = AddedRowForm(
        data={
            "happened_on": row.happened_on,
            "what_happened": row.what_happened,
            "significance": row.significance,
            "significant": row.significant,
            "source": row.source,
            "version": row.version,
        }
    )
    if form.validate_on_submit():
        try:
            chronology_operations.update_row(row, _row_details(form), form.version.data, access.current_person())
        except StaleEdit:
            db.session.rollback()
            refuse_stale(form, row.version)
        else:
            if commit_unless_stale():
                flash("Row saved", "success")
                return _back_to_chronology(row.case_id)
            refuse_stale(form, row.version)
    return render_template("cases/chronology/row_form.html", form=form, case=row.case, row=row)


@chronology_bp.route("/chronology/rows/<int:row_id>/remove", methods=["GET", "POST"])
@access.load("row_id", added_row_for, manages_cases)
def remove_chronology_row(row: ChronologyAddedRow) -> ResponseReturnValue:
    form = ConfirmForm()
    if form.validate_on_submit():
        case = chronology_operations.remove_row(row, access.current_person())
        db.session.commit()
        flash("Row removed from the chronology", "success")
        return _back_to_chronology(case.id)
    return render_template("cases/chronology/remove_row.html", form=form, case=row.case, row=row)


# --- the names the anonymised view replaces ------------------------------------------------------


@chronology_bp.route("/<int:case_id>/people", methods=["GET", "POST"])
@access.load("case_id", case_for, manages_cases)
def record_people(case: MultiAgencyCase) -> ResponseReturnValue:
    form = CasePersonForm()
    if form.validate_on_submit():
        try:
            chronology_operations.add_person(case, PersonRole(form.role.data), form.name.data, access.current_person())
        except ChronologyError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash("Name added. The anonymised chronology now replaces it.", "success")
            return redirect(url_for("chronology.record_people", case_id=case.id))
    people = chronology_operations.case_people(case)
    # The page shows names: recorded like every other view of identifying details.
    audit.record_read(case, "case_people", f"Viewed the names recorded for {case.reference}")
    labels = dict(zip([p.id for p in people], _labels(people), strict=True))
    return render_template(
        "cases/chronology/people.html", form=form, case=case, people=people, labels=labels, confirm=ConfirmForm()
    )


def _labels(people: list[CasePerson]) -> list[str]:
    from cases.chronology.rules import role_labels

    return role_labels([(p.role, p.name) for p in people])


@chronology_bp.post("/people/<int:person_id>/remove")
@access.load("person_id", case_person_for, manages_cases)
def remove_person(person: CasePerson) -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        case = chronology_operations.remove_person(person, access.current_person())
        db.session.commit()
        flash("Name removed", "success")
        return redirect(url_for("chronology.record_people", case_id=case.id))
    return redirect(url_for("chronology.record_people", case_id=person.case_id))


# --- an agency's spreadsheet ---------------------------------------------------------------------


@chronology_bp.get("/returns/chronology-template.<any(csv, xlsx):kind>")
@access.allow(access.signed_in)
def download_chronology_template(kind: str) -> ResponseReturnValue:
    if kind == "xlsx":
        return send_download(importing.template_xlsx(), "chronology-template.xlsx", importing.XLSX_TYPE)
    return send_download(importing.template_csv(), "chronology-template.csv", "text/csv")


def _import_page(agency_return: AgencyReturn, form: ImportUploadForm) -> ResponseReturnValue:
    return render_template(
        "cases/chronology/import_upload.html",
        form=form,
        agency_return=agency_return,
        case=agency_return.invitation.case,
        columns=importing.COLUMNS,
        max_size=file_size(importing.max_bytes()),
        max_rows=importing.room_for(agency_return),
    )


@chronology_bp.route("/returns/<int:return_id>/chronology/import", methods=["GET", "POST"])
@access.load("return_id", return_for, may_write_return, as_name="agency_return")
@upload_allowance("CHRONOLOGY_IMPORT_ALLOWANCE")
def import_chronology(agency_return: AgencyReturn) -> ResponseReturnValue:
    if (reason := return_operations.lock_reason(agency_return)) is not None:
        flash(reason, "info")
        return redirect(url_for("returns.show_return", return_id=agency_return.id))
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = request.files.get(form.file.name)
        try:
            data = read_upload(upload, importing.max_bytes())
            sheet = importing.read_sheet(data)
        except FileRefused as error:
            form.file.errors = [str(error)]
        else:
            name = getattr(upload, "filename", "") or "chronology"
            stored = importing.store_import(agency_return, name, sheet, access.current_person())
            db.session.commit()
            return redirect(url_for("chronology.preview_import", import_id=stored.id))
    return _import_page(agency_return, form)


@chronology_bp.get("/chronology-imports/<int:import_id>")
@access.load("import_id", chronology_import_for, as_name="upload")
def preview_import(upload: ChronologyImport) -> ResponseReturnValue:
    agency_return = upload.agency_return
    check = importing.check_sheet(upload.content, room=importing.room_for(agency_return))
    return render_template(
        "cases/chronology/import_preview.html",
        upload=upload,
        check=check,
        agency_return=agency_return,
        case=agency_return.invitation.case,
        form=ConfirmForm(),
        locked=return_operations.lock_reason(agency_return),
    )


def _may_import(user: Any, upload: ChronologyImport) -> bool:
    return may_write_return(user, upload.agency_return)


@chronology_bp.post("/chronology-imports/<int:import_id>/confirm")
@access.load("import_id", chronology_import_for, _may_import, as_name="upload")
def confirm_import(upload: ChronologyImport) -> ResponseReturnValue:
    agency_return = upload.agency_return
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("chronology.preview_import", import_id=upload.id))
    try:
        added = importing.commit_import(upload, access.current_person())
    except importing.ImportRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("chronology.preview_import", import_id=upload.id))
    if not commit_unless_stale():
        flash("A colleague saved the return at the same moment. Check the preview and import again.", "error")
        return redirect(url_for("chronology.preview_import", import_id=upload.id))
    flash(
        f"{added} {'contact' if added == 1 else 'contacts'} added to your chronology. Check them, then save.", "success"
    )
    return redirect(url_for("returns.edit_return", return_id=agency_return.id) + "#chronology")
