"""The mixed workload: many signed-in people, each walking their own pages, with some writes.

wrk repeats one page as one person; real use is many people, each on their own pages (their
cases, their return, their actions), while some of them save. This drives gunicorn with one
``requests`` session per person, signed in through /login as a person does, each on a thread
of its own walking its own path of distinct pages in a loop (no think time: a closed loop, so
req/s is the most the server gives this mix and the latencies include its queueing). About a
tenth of the requests are writes: real form posts (the form fetched, its CSRF token and
fields taken from the page, one field changed, posted, the redirect followed): an agency
saving its draft return, an owner or an inspector posting progress on an action.

People are chosen from the 1× data set, each with their own objects (no two people write to
the same return or action, so no save is refused as stale):

- inspectors: dashboard, review register, a review they assessed, the cases list, a case
  they flagged and a return on it, panels and a panel they convene, the action tracker and
  an action they recorded, the annual summary; they post progress on their action;
- members of each partner agency: home, cases, a case their agency was asked about, their
  agency's return (its edit page while a draft), panels and a panel they attend, their
  agency's actions and one of them; they save the draft return and post action progress;
- probation region members: home, their region's QA reports and one report, their region's
  actions and one of them, panels; they post action progress;
- an admin: people, a person, organisations, an organisation, the audit trail, messages.

Each run gets a fresh copy of the data set (writes never leak into the next run or into the
per-page measurements), its own gunicorn, a sign-in and one warm-up walk per person (not
timed), then ``seconds`` of load. Runs of the configurations being compared are interleaved
(A B, B A, ...) because the machine is shared and noisy; each is reported with the load average.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from sqlalchemy import create_engine, make_url, text

from bench.datasets import BENCH_PASSWORD
from bench.measure import BenchError

# Of every hundred requests about ten are form posts (each write is three requests: the form,
# the post and the page it redirects to).
WRITE_SHARE = 0.10
# The people, by role (the rest are partner agencies' members).
ADMINS = 1
INSPECTOR_SHARE = 0.26
PROBATION_SHARE = 0.20
# Generous: on a busy shared machine a queued request can wait long; a timeout is counted as an error.
REQUEST_TIMEOUT_SECONDS = 300


# --- who walks where ---------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """A form post: fetch ``form_path``, change ``fields``, press ``button``; expect a redirect."""

    name: str
    form_path: str
    fields: tuple[tuple[str, str], ...]
    button: tuple[str, str] | None = None


@dataclass(frozen=True)
class Person:
    role: str
    email: str
    pages: tuple[str, ...]
    writes: tuple[Write, ...] = ()


def choose_people(count: int) -> list[Person]:
    """``count`` people from the data set, each with their own pages and write targets.

    Runs in an app context over the data set. Deterministic: ordered by id throughout.
    """
    from agencies.models import Organisation, OrganisationKind, Role, User
    from cases.models import AgencyReturn, CaseInvitation, MultiAgencyCase, ReturnStatus
    from extensions import db
    from learning.models import ActionRecord, ActionStatus
    from panels.models import Panel, PanelAttendee, PanelStatus
    from reviews.models import Assessment, AssessmentStage, Review

    open_statuses = (ActionStatus.ACCEPTED, ActionStatus.IN_PROGRESS)
    taken_actions: set[int] = set()
    taken_returns: set[int] = set()

    def active(role: Role, *kinds: OrganisationKind) -> list[tuple[int, str, int]]:
        query = (
            db.select(User.id, User.email, User.organisation_id)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(User.active.is_(True), User.role == role)
            .order_by(User.id)
        )
        if kinds:
            query = query.where(Organisation.kind.in_(kinds))
        return [(row[0], row[1], row[2]) for row in db.session.execute(query)]

    def first_free(candidates: list[int], taken: set[int]) -> int | None:
        for candidate in candidates:
            if candidate not in taken:
                taken.add(candidate)
                return candidate
        return None

    def open_actions(**where: Any) -> list[int]:
        query = db.select(ActionRecord.id).where(ActionRecord.status.in_(open_statuses)).order_by(ActionRecord.id)
        for column, value in where.items():
            query = query.where(getattr(ActionRecord, column) == value)
        return list(db.session.scalars(query))

    def update_action(action_id: int) -> Write:
        return Write("action update", f"/learning/actions/{action_id}/update", (("progress", "{note}"),))

    def attended_panel(user_id: int) -> int | None:
        panel: int | None = db.session.scalar(
            db.select(Panel.id)
            .join(PanelAttendee, PanelAttendee.panel_id == Panel.id)
            .where(PanelAttendee.user_id == user_id, Panel.status != PanelStatus.DRAFT)
            .order_by(Panel.starts_at_utc.desc())
            .limit(1)
        )
        return panel

    admins = active(Role.ADMIN)[:ADMINS]
    inspector_count = round(count * INSPECTOR_SHARE)
    probation_count = round(count * PROBATION_SHARE)
    agency_count = count - len(admins) - inspector_count - probation_count
    people: list[Person] = []

    # Inspectors: their own review, case, return, panel and action.
    inspectors = active(Role.INSPECTOR)[:inspector_count]
    all_cases = list(db.session.scalars(db.select(MultiAgencyCase.id).order_by(MultiAgencyCase.id)))
    taken_reviews: set[int] = set()
    taken_cases: set[int] = set()
    for number, (user_id, email, _organisation) in enumerate(inspectors):
        review = first_free(
            list(
                db.session.scalars(
                    db.select(Assessment.review_id)
                    .where(Assessment.assessor_id == user_id, Assessment.stage == AssessmentStage.ISSUED)
                    .order_by(Assessment.id.desc())
                )
            ),
            taken_reviews,
        ) or first_free(
            list(db.session.scalars(db.select(Assessment.review_id).order_by(Assessment.id))), taken_reviews
        )
        flagged = list(
            db.session.scalars(
                db.select(MultiAgencyCase.id)
                .where(MultiAgencyCase.flagged_by_id == user_id)
                .order_by(MultiAgencyCase.id.desc())
            )
        )
        case = first_free(flagged, taken_cases) or all_cases[number % len(all_cases)]
        case_return = db.session.scalar(
            db.select(AgencyReturn.id)
            .join(CaseInvitation, CaseInvitation.id == AgencyReturn.invitation_id)
            .where(CaseInvitation.case_id == case)
            .order_by(AgencyReturn.id)
            .limit(1)
        )
        panel = db.session.scalar(
            db.select(Panel.id)
            .where(Panel.convened_by_id == user_id, Panel.status != PanelStatus.DRAFT)
            .order_by(Panel.starts_at_utc.desc())
            .limit(1)
        ) or attended_panel(user_id)
        action = first_free(open_actions(created_by_id=user_id), taken_actions) or first_free(
            open_actions(), taken_actions
        )
        pages = [
            "/reviews/dashboard",
            "/reviews/",
            f"/reviews/{review}" if review else None,
            "/cases/",
            f"/cases/{case}",
            f"/cases/returns/{case_return}" if case_return else None,
            "/panels/",
            f"/panels/{panel}" if panel else None,
            "/learning/actions",
            f"/learning/actions/{action}" if action else None,
            "/learning/annual-summary",
        ]
        people.append(Person("inspector", email, _path(*pages), (update_action(action),) if action else ()))

    # Partner agencies' members, spread over the agencies that were asked about cases.
    # (case, return, whether the return is a draft the agency can still save: open case, not submitted)
    invited: dict[int, list[tuple[int, int, bool]]] = {}
    for organisation_id, case_id, return_id, status, closed_on in db.session.execute(
        db.select(
            CaseInvitation.organisation_id,
            CaseInvitation.case_id,
            AgencyReturn.id,
            AgencyReturn.status,
            MultiAgencyCase.closed_on,
        )
        .join(AgencyReturn, AgencyReturn.invitation_id == CaseInvitation.id)
        .join(MultiAgencyCase, MultiAgencyCase.id == CaseInvitation.case_id)
        .where(CaseInvitation.withdrawn_at_utc.is_(None))
        .order_by(CaseInvitation.id)
    ):
        editable = status == ReturnStatus.DRAFT and closed_on is None
        invited.setdefault(organisation_id, []).append((case_id, return_id, editable))
    not_partners = (OrganisationKind.INSPECTORATE, OrganisationKind.PROBATION_REGION)
    partner_kinds = [kind for kind in OrganisationKind if kind not in not_partners]
    members: dict[int, list[tuple[int, str]]] = {}
    for user_id, email, organisation_id in active(Role.AGENCY_MEMBER, *partner_kinds):
        if organisation_id in invited:
            members.setdefault(organisation_id, []).append((user_id, email))
    queues = {organisation: list(people_there) for organisation, people_there in sorted(members.items())}
    chosen: list[tuple[int, str, int, int]] = []  # (user, email, organisation, nth member there)
    while len(chosen) < agency_count and any(queues.values()):
        for organisation, queue in queues.items():
            if queue and len(chosen) < agency_count:
                user_id, email = queue.pop(0)
                chosen.append((user_id, email, organisation, len(members[organisation]) - len(queue) - 1))
    for user_id, email, organisation, nth in chosen:
        cases_there = invited[organisation]
        drafts = [r for _c, r, editable in cases_there if editable]
        draft = first_free(drafts, taken_returns)
        case_id, return_id, _status = next(
            (c for c in cases_there if c[1] == draft), cases_there[nth % len(cases_there)]
        )
        action = first_free(open_actions(owner_id=organisation), taken_actions)
        panel = attended_panel(user_id)
        pages = [
            "/",
            "/cases/",
            f"/cases/{case_id}",
            f"/cases/returns/{return_id}",
            f"/cases/returns/{draft}/edit" if draft else None,
            "/panels/",
            f"/panels/{panel}" if panel else None,
            "/learning/actions",
            f"/learning/actions/{action}" if action else None,
        ]
        agency_writes: list[Write] = []
        if draft:
            agency_writes.append(
                Write(
                    "draft return",
                    f"/cases/returns/{draft}/edit",
                    (("recommendations", "Review the escalation policy ({note})."),),
                    ("action", "save"),
                )
            )
        if action:
            agency_writes.append(update_action(action))
        people.append(Person("agency", email, _path(*pages), tuple(agency_writes)))

    # Probation regions' members: one per region, their region's reports and actions.
    seen_regions: set[int] = set()
    taken_reports: set[int] = set()
    for _user_id, email, region in active(Role.AGENCY_MEMBER, OrganisationKind.PROBATION_REGION):
        if len([p for p in people if p.role == "probation"]) >= probation_count:
            break
        if region in seen_regions:
            continue
        seen_regions.add(region)
        report = first_free(
            list(
                db.session.scalars(
                    db.select(Review.id)
                    .join(Assessment, Assessment.review_id == Review.id)
                    .where(Review.region_id == region, Assessment.stage == AssessmentStage.ISSUED)
                    .order_by(Assessment.issued_on.desc(), Review.id.desc())
                )
            ),
            taken_reports,
        )
        action = first_free(open_actions(owner_id=region), taken_actions)
        pages = [
            "/",
            "/reviews/reports",
            f"/reviews/{report}/qa-report" if report else None,
            "/learning/actions",
            f"/learning/actions/{action}" if action else None,
            "/panels/",
            "/cases/",
        ]
        people.append(Person("probation", email, _path(*pages), (update_action(action),) if action else ()))

    # The admin.
    organisations = list(db.session.scalars(db.select(Organisation.id).order_by(Organisation.id)))
    everyone = list(db.session.scalars(db.select(User.id).order_by(User.id)))
    for number, (_user_id, email, _organisation) in enumerate(admins):
        pages = [
            "/admin/people",
            f"/admin/people/{everyone[(number * 7 + 5) % len(everyone)]}",
            "/admin/organisations",
            f"/admin/organisations/{organisations[(number * 3 + 2) % len(organisations)]}",
            "/admin/audit",
            "/admin/messages",
            "/reviews/",
        ]
        people.append(Person("admin", email, _path(*pages)))
    if len(people) < count:
        raise BenchError(f"the data set has only {len(people)} people for the mixed workload, not {count}")
    return people


def _path(*pages: str | None) -> tuple[str, ...]:
    """The pages a person walks, leaving out those the data set has nothing for."""
    return tuple(page for page in pages if page is not None)


# --- reading a page's form, as a browser would -------------------------------------------------


class _FormReader(HTMLParser):
    """The successful controls of each POST form on a page: (action, [(name, value)])."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._fields: list[tuple[str, str]] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._fields = []
                self.forms.append((a.get("action", ""), self._fields))
            return
        if self._fields is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._fields.append((name, a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a and not self._select_chosen:
                self._fields.append((self._select, value))
                self._select_chosen = True

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "textarea" and self._textarea is not None and self._fields is not None:
            # A newline straight after <textarea> is not part of the value (HTML parsing rules).
            self._fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._fields is not None:
            if not self._select_chosen and self._select_first is not None:
                self._fields.append((self._select, self._select_first))
            self._select = None


def form_fields(page: str, path: str) -> list[tuple[str, str]]:
    """The fields of the page's POST form that posts back to ``path`` (not the sign-out form)."""
    reader = _FormReader()
    reader.feed(page)
    for action, fields in reader.forms:
        if not action or urlsplit(action).path == path:
            return fields
    raise BenchError(f"no form posting to {path} on the page")


def filled(fields: list[tuple[str, str]], changes: dict[str, str]) -> list[tuple[str, str]]:
    """The fields with ``changes`` applied (replacing a field's value, or adding it)."""
    out = [(name, changes[name]) if name in changes else (name, value) for name, value in fields]
    out += [(name, value) for name, value in changes.items() if name not in dict(fields)]
    return out


# --- one person's session ------------------------------------------------------------------


@dataclass
class Sample:
    finished: float  # time.monotonic() when the answer was read
    seconds: float
    method: str
    path: str
    status: int  # 0: no answer (connection error, time-out)
    ok: bool


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Walker:
    """One person: a session signed in through /login, walking their path."""

    def __init__(self, base: str, person: Person, seed: int, write_chance: float) -> None:
        self.base = base
        self.person = person
        self.rng = random.Random(seed)
        self.write_chance = write_chance if person.writes else 0.0
        self.session = requests.Session()
        self.samples: list[Sample] = []
        self.failures: list[str] = []
        self.writes_done = 0
        self._next_page = self.rng.randrange(len(person.pages))
        self._next_write = 0

    def _request(self, method: str, path: str, data: list[tuple[str, str]] | None = None) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = self.session.request(
                method, urljoin(self.base, path), data=data, allow_redirects=False, timeout=REQUEST_TIMEOUT_SECONDS
            )
            response.content  # noqa: B018 - read the whole body inside the timing
        except requests.RequestException as error:
            now = time.monotonic()
            self.samples.append(Sample(now, now - started, method, path, 0, False))
            self._fail(f"{method} {path}: {type(error).__name__}")
            return None
        now = time.monotonic()
        ok = response.status_code < 400
        self.samples.append(Sample(now, now - started, method, path, response.status_code, ok))
        if not ok:
            self._fail(f"{method} {path}: {response.status_code}")
        return response

    def _fail(self, message: str) -> None:
        if len(self.failures) < 20:
            self.failures.append(f"{self.person.email}: {message}")

    def sign_in(self) -> None:
        page = self.session.get(urljoin(self.base, "/login"), timeout=REQUEST_TIMEOUT_SECONDS).text
        match = CSRF_FIELD.search(page)
        data = {"email": self.person.email, "password": BENCH_PASSWORD, "csrf_token": match.group(1) if match else ""}
        response = self.session.post(
            urljoin(self.base, "/login"), data=data, allow_redirects=False, timeout=REQUEST_TIMEOUT_SECONDS
        )
        if response.status_code != 302 or "/login" in response.headers.get("Location", "/login"):
            raise BenchError(f"could not sign in as {self.person.email} (status {response.status_code})")

    def read(self) -> None:
        path = self.person.pages[self._next_page]
        self._next_page = (self._next_page + 1) % len(self.person.pages)
        response = self._request("GET", path)
        if response is not None and response.status_code in (301, 302, 303):
            self._request("GET", response.headers["Location"])

    def write(self) -> None:
        write = self.person.writes[self._next_write]
        self._next_write = (self._next_write + 1) % len(self.person.writes)
        form = self._request("GET", write.form_path)
        if form is None or form.status_code != 200:
            return
        try:
            fields = form_fields(form.text, write.form_path)
        except BenchError as error:
            self._fail(str(error))
            return
        self.writes_done += 1
        note = f"bench {self.person.email} {self.writes_done}"
        changes = {name: value.replace("{note}", note) for name, value in write.fields}
        if write.button:
            changes[write.button[0]] = write.button[1]
        posted = self._request("POST", write.form_path, filled(fields, changes))
        if posted is None:
            return
        if posted.status_code not in (302, 303):
            # Refused (an error summary, a stale edit): counted as a failed request.
            self.samples[-1].ok = False
            self._fail(f"{write.name} at {write.form_path} answered {posted.status_code}, not a redirect")
            return
        self._request("GET", posted.headers["Location"])

    def step(self) -> None:
        if self.write_chance and self.rng.random() < self.write_chance:
            self.write()
        else:
            self.read()

    def warm_up(self) -> None:
        """One walk of the whole path and each write once, untimed: every page compiled, every form checked."""
        for _ in self.person.pages:
            self.read()
        for _ in self.person.writes:
            self.write()


# --- a run -----------------------------------------------------------------------------------


@dataclass
class MixedRun:
    label: str
    people: int
    seconds: float = 0.0
    load_before: float = 0.0
    load_after: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    warm_up_failures: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.samples)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if not s.ok)

    @property
    def posts(self) -> int:
        return sum(1 for s in self.samples if s.method == "POST")

    def percentile(self, share: float, method: str | None = None) -> float | None:
        times = sorted(s.seconds for s in self.samples if method is None or s.method == method)
        if not times:
            return None
        return times[min(len(times) - 1, int(share * len(times)))] * 1000


def write_chance_for(people: list[Person], share: float = WRITE_SHARE) -> float:
    """The chance a writer's step is a write so that about ``share`` of all requests are posts.

    A write is three requests (form, post, redirect), a read one: a writer's share of posts is
    p / (1 + 2p), and only the writers write.
    """
    writers = sum(1 for p in people if p.writes) / len(people)
    if writers <= 2 * share:
        return 1.0
    return share / (writers - 2 * share)


def drive(base: str, people: list[Person], seconds: float, label: str, seed: int = 20210401) -> MixedRun:
    """Sign everyone in, warm up, then run every person's walk for ``seconds`` at once."""
    chance = write_chance_for(people)
    walkers = [Walker(base, person, seed + number, chance) for number, person in enumerate(people)]
    run = MixedRun(label=label, people=len(people))
    window: dict[str, float] = {}

    def open_window() -> None:  # run once, when everyone is signed in and warmed up
        run.load_before = os.getloadavg()[0]
        window["start"] = time.monotonic()
        window["end"] = window["start"] + seconds

    ready = threading.Barrier(len(walkers) + 1, action=open_window)
    errors: list[BaseException] = []

    def walk(walker: Walker) -> None:
        try:
            walker.sign_in()
            walker.warm_up()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
            ready.abort()
            return
        run.warm_up_failures.extend(walker.failures)
        walker.failures, walker.samples = [], []
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            return
        while time.monotonic() < window["end"]:
            walker.step()

    threads = [threading.Thread(target=walk, args=(w,), daemon=True) for w in walkers]
    for thread in threads:
        thread.start()
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        for thread in threads:
            thread.join()
        raise BenchError(f"the mixed workload could not start: {errors[0] if errors else 'a walker failed'}") from None
    for thread in threads:
        thread.join()
    run.load_after = os.getloadavg()[0]
    # Requests still in flight at the end are counted: the window is stretched to the last answer.
    last = max((s.finished for w in walkers for s in w.samples), default=window["end"])
    run.seconds = max(seconds, last - window["start"])
    for walker in walkers:
        run.samples.extend(walker.samples)
        run.failures.extend(walker.failures)
    return run


# --- a fresh copy of the data set per run ----------------------------------------------------------


@contextmanager
def copy_of(url: str) -> Iterator[str]:
    """A throwaway copy of the data set at ``url`` (PostgreSQL: a template copy; SQLite: a file copy)."""
    source = make_url(url)
    if source.get_backend_name() == "sqlite":
        target = Path(source.database or "").with_name(Path(source.database or "").stem + "-mixed.sqlite3")
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        shutil.copyfile(source.database or "", target)
        try:
            yield f"sqlite:///{target}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
        return
    name = f"{source.database}_mixed"
    admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))
        yield source.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def people_in(url: str, count: int) -> list[Person]:
    from bench.app import create_bench_app
    from extensions import db

    app = create_bench_app(url)
    with app.app_context():
        try:
            return choose_people(count)
        finally:
            db.session.remove()
            db.engine.dispose()


# --- the comparison --------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """A configuration to compare: a label and the environment gunicorn gets."""

    label: str
    environment: dict[str, str]


def compare(
    url: str,
    variants: list[Variant],
    *,
    rounds: int,
    people: int,
    seconds: float,
    workers: int,
    serve: Callable[..., Any],
    log: Callable[[str], None] = print,
) -> list[MixedRun]:
    """Interleaved runs: each round runs every variant once, each on a fresh copy of the data set,
    the order reversed every other round (A B, B A, A B...) so that no variant always goes first."""
    runs = []
    for round_number in range(1, rounds + 1):
        for variant in variants if round_number % 2 else variants[::-1]:
            with copy_of(url) as copy:
                chosen = people_in(copy, people)
                with serve(copy, workers, variant.environment) as base:
                    label = f"{variant.label}, run {round_number}"
                    log(f"  mixed workload, {label}: {len(chosen)} people, {seconds:.0f} s ...")
                    run = drive(base, chosen, seconds, label)
                    run.label = variant.label
            log(
                f"    {run.rps:.1f} req/s, p50 {run.percentile(0.5):.0f} ms, p95 {run.percentile(0.95):.0f} ms, "
                f"p99 {run.percentile(0.99):.0f} ms, {run.errors} errors, {run.posts} posts of {run.requests}"
                + f"; load {run.load_before:.1f} → {run.load_after:.1f}"
            )
            for failure in (run.warm_up_failures + run.failures)[:5]:
                log(f"    failed: {failure}")
            runs.append(run)
    return runs


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
