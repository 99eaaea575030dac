"""Panel packs (and QA reports) are written by the background renderer, never in a request: a
download is a read of the stored file for the current version and that recipient, or a page
saying it is being prepared; a failed render says so and can be retried. Real WeasyPrint,
real database, PDFs read back with pypdf."""

from __future__ import annotations

import io
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
import weasyprint
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import update

from cases.models import Involvement
from cases.returns.operations import (
    ChronologyRow,
    InvolvementAnswers,
    LearningPointRow,
    findings_length,
    save_draft,
    save_involvement,
    submit_return,
)
from cases.themes import LearningLevel
from core import renders
from core.audit import AuditEvent
from core.formatting import utc_now
from core.renders import RenderedDocument, RenderStatus
from extensions import db
from panels import operations as panel_operations
from panels.pack import load_panel
from panels.pack_document import PANEL_PACK, pack_fingerprint
from tests.conftest import sign_in_as
from tests.factories.cases import complete_findings, invitation_of, today
from tests.factories.panels import PanelWorld, details, panel_world
from tests.factories.renders import download, run_renderer

PREPARING = "Your panel pack is being prepared"
HUGE_MARK = "Health visitor saw the children at home"


@pytest.fixture
def world() -> PanelWorld:
    return panel_world(schedule=True)


def pack_url(world: PanelWorld) -> str:
    return f"/panels/{world.panel.id}/pack.pdf"


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def words(length: int) -> str:
    text = (f"{HUGE_MARK} and noted the concerns raised by school staff. " * (length // 50 + 1))[:length]
    return text.rstrip(" ") + "." * (length - len(text.rstrip(" ")))


def submit_huge_return(world: PanelWorld) -> int:
    """Health submits a return on the case of the largest size allowed; its length."""
    agency_return = invitation_of(world.case, world.health_org).agency_return
    nature = "Home visits and clinic appointments"
    save_involvement(
        agency_return,
        InvolvementAnswers(Involvement.INVOLVED, today() - timedelta(days=300), None, nature),
        agency_return.version,
        world.health,
    )
    db.session.flush()
    base = complete_findings()
    findings = replace(
        base,
        records_reviewed=words(4_000),
        what_went_well=words(15_000),
        missed_opportunities=words(15_000),
        underpinning_detail=words(10_000),
        good_practice=words(10_000),
        recommendations=words(10_000),
        chronology=[ChronologyRow(base.chronology[0].happened_on, words(2_400), words(600)) for _ in range(30)],
        learning_points=[LearningPointRow(words(2_000), base.learning_points[0].theme_id, LearningLevel.LOCAL)] * 15,
    )
    padding = 200_000 - len(nature) - findings_length(findings)
    findings = replace(findings, recommendations=words(10_000 + padding))
    save_draft(agency_return, findings, agency_return.version, world.health)
    db.session.flush()
    submit_return(agency_return, agency_return.version, world.health)
    db.session.commit()
    return len(nature) + findings_length(findings)


class WeasyPrintCalls:
    """Counts every PDF WeasyPrint writes (the real one still runs)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = weasyprint.HTML.write_pdf

        def counting(html: weasyprint.HTML, *args: object, **kwargs: object) -> bytes:
            self.count += 1
            return original(html, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(weasyprint.HTML, "write_pdf", counting)


def rows() -> list[RenderedDocument]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(RenderedDocument).order_by(RenderedDocument.id)))


# --- never in a request ---------------------------------------------------------------------------


def test_a_pack_with_returns_at_the_limit_is_prepared_in_the_background_never_in_the_request(
    app: Flask, world: PanelWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert submit_huge_return(world) == 200_000
    weasyprint_calls = WeasyPrintCalls(monkeypatch)
    client = sign_in_as(app.test_client(), world.police)

    started = time.monotonic()
    response = client.get(pack_url(world))
    elapsed = time.monotonic() - started

    assert response.status_code == 202
    page = response.get_data(as_text=True)
    assert f"<title>{PREPARING} – Learning panels</title>" in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert response.headers["Cache-Control"] == "no-store"
    assert weasyprint_calls.count == 0, "the request wrote a PDF"
    assert elapsed < 3, f"the download took {elapsed:.1f}s"
    [row] = rows()
    assert (row.kind, row.object_id, row.recipient_id, row.status) == (
        PANEL_PACK,
        world.panel.id,
        world.police.id,
        RenderStatus.QUEUED,
    )
    # Asking again while it is prepared changes nothing and still writes no PDF.
    assert client.get(pack_url(world)).status_code == 202
    assert len(rows()) == 1 and weasyprint_calls.count == 0
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "read.panel_pack")) is None

    # The worker writes it; the next download is the stored file.
    result = run_renderer()
    assert (result.rendered, result.failed) == (1, 0)
    assert weasyprint_calls.count == 1
    [row] = rows()
    assert row.status == RenderStatus.READY and row.size_bytes and row.render_seconds is not None
    response = client.get(pack_url(world))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert weasyprint_calls.count == 1, "the download wrote the PDF again"
    text = text_of(response.data)
    assert "Prepared for Priya Constable, Northshire Police" in text
    assert HUGE_MARK in text and "Quick attendance." in text
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "read.panel_pack"))
    assert event.actor_id == world.police.id and event.details["cases"] == [
        world.case.reference,
        world.other_case.reference,
    ]


def test_each_person_downloads_their_own_stamped_pack(app: Flask, world: PanelWorld) -> None:
    police = sign_in_as(app.test_client(), world.police)
    health = sign_in_as(app.test_client(), world.health)
    assert police.get(pack_url(world)).status_code == 202
    assert health.get(pack_url(world)).status_code == 202
    assert run_renderer().rendered == 2
    police_text = text_of(police.get(pack_url(world)).data)
    health_text = text_of(health.get(pack_url(world)).data)
    assert "Prepared for Priya Constable, Northshire Police" in police_text
    assert "Prepared for Hamid Nurse, Northshire NHS Foundation Trust" in health_text
    assert "Priya Constable, Northshire Police on" not in health_text
    # The other case is health's only: its details are in health's pack, not the police's.
    assert "Your organisation was not asked to look at this case" in police_text
    assert "Your organisation was not asked to look at this case" not in health_text


# --- versions ----------------------------------------------------------------------------------


def _rename(world: PanelWorld) -> str:
    panel = world.panel
    title = "Northshire learning panel (moved to the Council Chamber)"
    panel_operations.update_details(
        panel,
        details(title=title, starts_at=panel.starts_at_utc, ends_at=panel.ends_at_utc),
        panel.version,
        world.inspector,
    )
    return title


def _reopen_police_return(world: PanelWorld) -> str:
    from cases.returns.operations import reopen_return

    reopen_return(invitation_of(world.case, world.police_org).agency_return, "Add the 2023 call-outs", world.inspector)
    return "Not yet submitted: Northshire Police, Northshire NHS Foundation Trust"


def _health_declines(world: PanelWorld) -> str:
    from panels.models import Reply

    attendee = world.panel.attendee_for(world.health.id)
    assert attendee is not None
    panel_operations.reply_to_panel(attendee, Reply.DECLINED, world.health)
    return "Declined"


@pytest.mark.parametrize("change", [_rename, _reopen_police_return, _health_declines])
def test_a_change_to_what_the_pack_shows_makes_a_new_render_and_the_old_one_is_not_served(
    app: Flask, world: PanelWorld, change
) -> None:  # type: ignore[no-untyped-def]
    client = sign_in_as(app.test_client(), world.police)
    before = download(client, pack_url(world))
    assert before.status_code == 200
    [old] = rows()
    old_id, old_fingerprint = old.id, old.fingerprint

    shown = change(world)
    db.session.commit()

    response = client.get(pack_url(world))
    assert response.status_code == 202, "the pack of the old version was served"
    [row] = rows()  # the same row, now asking for the new version: the old file is gone
    assert row.id == old_id and row.fingerprint != old_fingerprint
    assert row.status == RenderStatus.QUEUED
    assert db.session.scalar(db.select(RenderedDocument.data).where(RenderedDocument.id == row.id)) is None

    assert run_renderer().rendered == 1
    after = client.get(pack_url(world))
    assert after.status_code == 200
    assert shown in text_of(after.data) and shown not in text_of(before.data)


def test_an_unchanged_pack_is_served_from_the_store_every_time(
    app: Flask, world: PanelWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = sign_in_as(app.test_client(), world.police)
    first = download(client, pack_url(world))
    weasyprint_calls = WeasyPrintCalls(monkeypatch)
    second = client.get(pack_url(world))
    assert second.status_code == 200 and second.data == first.data
    assert weasyprint_calls.count == 0
    assert run_renderer().anything_happened is False


def test_the_fingerprint_ignores_the_day_the_pack_is_prepared(app: Flask, world: PanelWorld) -> None:
    panel = load_panel(world.panel.id)
    assert panel is not None
    fingerprint, _cases = pack_fingerprint(panel, world.police)
    other_day = utc_now() + timedelta(days=3)
    from panels.pack import pack_source

    source = pack_source(panel, world.police, other_day, prepared_on="").html
    assert source.fingerprint() == fingerprint
    assert pack_fingerprint(panel, world.health)[0] != fingerprint  # per recipient


def test_sending_the_invitations_prepares_every_attendees_pack_ahead_of_the_first_download(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = panel_world(schedule=False)
    inspector = sign_in_as(app.test_client(), world.inspector)
    response = inspector.post(f"/panels/{world.panel.id}/schedule", data={"version": str(world.panel.version)})
    assert response.status_code == 302
    queued = rows()
    # The convenor chairs the panel: an attendee too.
    assert {row.recipient_id for row in queued} == {world.inspector.id, world.police.id, world.health.id}
    assert {(row.status, row.fingerprint) for row in queued} == {(RenderStatus.QUEUED, None)}

    assert run_renderer().rendered == 3
    weasyprint_calls = WeasyPrintCalls(monkeypatch)
    first = sign_in_as(app.test_client(), world.health).get(pack_url(world))
    assert first.status_code == 200, "the pack prepared when the invitations went out was not served"
    assert "Prepared for Hamid Nurse" in text_of(first.data) and weasyprint_calls.count == 0


# --- the worker ------------------------------------------------------------------------------------


def test_a_person_removed_from_the_panel_before_the_worker_gets_there_gets_no_file(
    app: Flask, world: PanelWorld
) -> None:
    assert sign_in_as(app.test_client(), world.police).get(pack_url(world)).status_code == 202
    attendee = world.panel.attendee_for(world.police.id)
    assert attendee is not None
    panel_operations.remove_attendee(attendee, world.inspector)
    db.session.commit()
    result = run_renderer()
    assert (result.rendered, result.dropped) == (0, 1)
    assert rows() == []


def test_a_worker_whose_lease_ran_out_does_not_store_over_the_worker_that_took_over(
    app: Flask, world: PanelWorld
) -> None:
    assert sign_in_as(app.test_client(), world.police).get(pack_url(world)).status_code == 202
    slow, _ = renders.claim_next("slow-worker")
    assert slow is not None
    # The slow worker hangs past its lease; another worker takes the row.
    db.session.execute(update(RenderedDocument).values(claimed_until_utc=utc_now() - timedelta(seconds=1)))
    db.session.commit()
    fast, _ = renders.claim_next("fast-worker")
    assert fast is not None and fast.id == slow.id and fast.attempts == 2
    assert renders.claim_next("third-worker")[0] is None  # claimed: nobody else takes it
    assert renders.render_claimed(fast, "fast-worker") == "rendered"
    assert renders.render_claimed(slow, "slow-worker") == "dropped"
    [row] = rows()
    assert row.status == RenderStatus.READY and row.claimed_by is None


def test_the_page_checks_the_state_as_json(app: Flask, world: PanelWorld) -> None:
    client = sign_in_as(app.test_client(), world.police)
    assert client.get(pack_url(world) + "?check=1").get_json() == {"status": "queued"}
    run_renderer()
    response = client.get(pack_url(world) + "?check=1")
    assert response.get_json() == {"status": "ready"} and response.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "read.panel_pack")) is None


def test_renders_nobody_asked_for_in_a_month_are_pruned(app: Flask, world: PanelWorld) -> None:
    download(sign_in_as(app.test_client(), world.police), pack_url(world))
    download(sign_in_as(app.test_client(), world.health), pack_url(world))
    db.session.execute(
        update(RenderedDocument)
        .where(RenderedDocument.recipient_id == world.police.id)
        .values(updated_at_utc=utc_now() - timedelta(days=31))
    )
    db.session.commit()
    assert renders.prune(utc_now()) == 1
    assert [row.recipient_id for row in rows()] == [world.health.id]


def test_the_render_command_renders_what_is_waiting(app: Flask, world: PanelWorld) -> None:
    sign_in_as(app.test_client(), world.police).get(pack_url(world))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["notifications", "render"])
    assert result.exit_code == 0, result.output
    assert "documents: rendered 1, will retry 0, failed 0" in result.output
    [row] = rows()
    assert row.status == RenderStatus.READY


# --- failures --------------------------------------------------------------------------------------


def test_a_failed_render_is_retried_then_shown_as_failed_and_can_be_tried_again(
    app: Flask, world: PanelWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.pdf import PdfSource

    monkeypatch.setitem(app.config, "RENDER_MAX_ATTEMPTS", 2)
    working = PdfSource.write_pdf

    def broken(self: PdfSource) -> bytes:
        raise RuntimeError("Pango could not lay out the page")

    monkeypatch.setattr(PdfSource, "write_pdf", broken)
    client = sign_in_as(app.test_client(), world.police)
    assert client.get(pack_url(world)).status_code == 202

    # First attempt: kept for a retry after a back-off; still "being prepared".
    assert run_renderer().retrying == 1
    [row] = rows()
    assert row.status == RenderStatus.QUEUED and row.next_attempt_at_utc > utc_now()
    assert row.last_error == "RuntimeError: Pango could not lay out the page"
    assert client.get(pack_url(world)).status_code == 202
    assert run_renderer().anything_happened is False  # not due yet

    # The back-off passes; the second attempt fails too: failed for good, and audited.
    db.session.execute(update(RenderedDocument).values(next_attempt_at_utc=utc_now()))
    db.session.commit()
    assert run_renderer().failed == 1
    [row] = rows()
    assert row.status == RenderStatus.FAILED
    failed = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "document.render_failed"))
    assert failed is not None and failed.actor_id is None and failed.details["kind"] == PANEL_PACK

    response = client.get(pack_url(world))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Your panel pack could not be prepared – Learning panels</title>" in page
    assert f'action="/panels/{world.panel.id}/pack/retry"' in page and "Try again" in page
    assert 'http-equiv="refresh"' not in page and "Pango" not in page
    assert client.get(pack_url(world) + "?check=1").get_json() == {"status": "failed"}

    # Whatever broke is fixed; the person tries again and gets their pack.
    monkeypatch.setattr(PdfSource, "write_pdf", working)
    retried = client.post(f"/panels/{world.panel.id}/pack/retry")
    assert retried.status_code == 302 and retried.headers["Location"].endswith(pack_url(world))
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "panel.pack_retried")) is not None
    assert client.get(pack_url(world)).status_code == 202
    assert run_renderer().rendered == 1
    assert "Prepared for Priya Constable" in text_of(client.get(pack_url(world)).data)


def test_a_retry_of_a_render_that_has_not_failed_changes_nothing(app: Flask, world: PanelWorld) -> None:
    client = sign_in_as(app.test_client(), world.police)
    client.get(pack_url(world))
    [before] = rows()
    status, requested = before.status, before.requested_at_utc
    assert client.post(f"/panels/{world.panel.id}/pack/retry").status_code == 302
    [after] = rows()
    assert (after.status, after.requested_at_utc) == (status, requested)
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "panel.pack_retried")) is None


def test_a_render_that_kills_its_worker_ends_as_failed(app: Flask, world: PanelWorld, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "RENDER_MAX_ATTEMPTS", 2)
    sign_in_as(app.test_client(), world.police).get(pack_url(world))
    for worker in ("worker-1", "worker-2"):
        claim, _ = renders.claim_next(worker)
        assert claim is not None
        # The worker dies mid-render: its lease runs out with nothing stored.
        db.session.execute(update(RenderedDocument).values(claimed_until_utc=utc_now() - timedelta(seconds=1)))
        db.session.commit()
    assert run_renderer().failed == 1
    [row] = rows()
    assert row.status == RenderStatus.FAILED and "stopped before finishing, 2 times" in (row.last_error or "")


# --- two workers on PostgreSQL ---------------------------------------------------------------------


@pytest.mark.postgres
def test_two_workers_on_postgresql_never_render_the_same_pack_twice(app: Flask, world: PanelWorld) -> None:
    import os

    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL")
    people = [world.inspector, world.admin, world.police, world.health]
    for person in people:
        assert sign_in_as(app.test_client(), person).get(pack_url(world)).status_code == 202
    db.session.commit()

    rendered: Counter[tuple[int, int | None]] = Counter()
    lock = threading.Lock()
    kinds = app.extensions["document_kinds"]
    real = kinds[PANEL_PACK]

    def counting(object_id: int, recipient_id: int | None) -> renders.Rendered | None:
        with lock:
            rendered[(object_id, recipient_id)] += 1
        time.sleep(0.2)  # long enough for the other worker to be claiming meanwhile
        return real.render(object_id, recipient_id)

    kinds[PANEL_PACK] = renders.DocumentKind(PANEL_PACK, counting)
    start = threading.Barrier(2)
    results: dict[str, renders.RenderPass] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with app.app_context():  # its own session and connection
                start.wait()
                results[name] = renders.render_due(worker_id=name)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("worker-a", "worker-b")]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        kinds[PANEL_PACK] = real
    assert errors == []
    assert rendered == Counter({(world.panel.id, person.id): 1 for person in people})
    assert results["worker-a"].rendered + results["worker-b"].rendered == 4
    assert results["worker-a"].rendered > 0 and results["worker-b"].rendered > 0
    assert {row.status for row in rows()} == {RenderStatus.READY}
