"""Helpers for tests of the staff screens: accounts, signed-in clients, cases in the review queue."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from sqlalchemy import update

from ccus import sample_applications as samples
from ccus.infra.db import unit_of_work
from ccus.infra.samples import insurance_card_jpeg
from ccus.models.application_types import Channel
from ccus.models.status import PIPELINE_NEXT, Status
from ccus.models.tables import Application
from ccus.services.auth import staff_accounts
from ccus.services.intake.submission import IncomingFile, submit
from ccus.services.operations import lease
from ccus.services.reading import pipeline
from tests.support.factories import corporate_number, person, written_person

PASSWORD = "correct-horse-battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def new_user(role: str, prefix: str | None = None) -> str:
    username = f"{prefix or role}-{uuid.uuid4().hex[:8]}"
    staff_accounts.add_user(username, role, PASSWORD, f"{role} {username[-4:]}")
    return username


def api_token(role: str, prefix: str | None = None, days: int = 90) -> tuple[str, str]:
    """A new staff account of ``role`` and a bearer token of it: (username, token)."""
    from ccus.services.auth.api_tokens import issue_token

    username = new_user(role, prefix)
    return username, issue_token(username, days)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: Any, username: str, password: str = PASSWORD) -> Any:
    form = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_of(form.text)}, follow_redirects=False)


def post_form(client: Any, url: str, data: dict[str, Any], page: str = "/queue") -> Any:
    """POST a form the way the browser does: with the CSRF token of the signed-in session."""
    token = csrf_of(client.get(page).text)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def _files(sample: samples.SampleApplication) -> list[IncomingFile]:
    return [IncomingFile(f.role, f.filename, f.content_type, f.data) for f in sample.files]


def business_sample() -> samples.SampleApplication:
    return samples.business(corporate_number=corporate_number(), email=f"b-{uuid.uuid4().hex[:6]}@example.jp")


def worker_sample(*, legible: bool = False) -> samples.SampleApplication:
    """A worker application; ``legible``: a name its identity document's OCR reads cleanly (a test
    that needs the name found on the document takes one; random kanji pairs read poorly)."""
    name, kana, born = written_person() if legible else person()
    return samples.worker(name=name, kana=kana, birth_date=born, email=f"w-{uuid.uuid4().hex[:6]}@example.jp")


def proxy_sample(relation: str = "prime_contractor", filer: str | None = None) -> samples.SampleApplication:
    """A proxy worker application; by default filed by a business that is not the employer."""
    from ccus.models.identifiers import registry_id_from_serial

    start = 4_000_000 + uuid.uuid4().int % 10**6
    ids = [r for r in map(registry_id_from_serial, range(start, start + 50)) if r]
    filer, employer = filer or ids[0], ids[1]
    name, kana, born = person()
    base = samples.proxy_worker(filer_business_id=filer, filer_name="元請建設株式会社", name=name, kana=kana,
                                birth_date=born, signed_on=date(2026, 11, 1))
    data = dict(base.data, employer_business_id=employer if relation != "employer" else filer,
                proxy={"filer_business_id": filer, "relation": relation})
    files = list(base.files)
    if relation != "employer":
        consent = next(f for f in files if f.role == "worker_consent")
        suffix = consent.filename.rsplit(".", 1)[-1]
        files.append(samples.SampleFile("employer_consent", f"employer.{suffix}", consent.content_type, consent.data))
    return samples.SampleApplication(base.kind, data, files)


def queued_case(sample: samples.SampleApplication | None = None, *, flags: list[dict[str, Any]] | None = None,
                status: Status = Status.AWAITING_REVIEW) -> str:
    """A case as the pipeline leaves it in the review queue (without running OCR)."""
    s = sample or business_sample()
    number = submit(kind=s.kind, channel=Channel.INTERNET, declared=s.data, files=_files(s), idempotency_key=None,
                    actor="test").application_number
    with unit_of_work() as session:
        session.execute(update(Application).where(Application.application_number == number)
                        .values(status=status.value, flags=flags or []))
    return number


def drain_pipeline() -> None:
    """The pipeline's stages, in this process (what the process-pipeline flow runs)."""
    while True:
        moved = 0
        for status in PIPELINE_NEXT:
            ids = lease.claim(status, worker="test-pipeline", limit=20)
            if ids:
                moved += pipeline.STAGES[status](ids, "test-pipeline")
        if not moved:
            return


def new_proof() -> tuple[str, tuple[str, bytes, str]]:
    """An insurance proof as the applicant uploads it in answer to a return."""
    return ("insurance_proof", ("hoken2.jpg", insurance_card_jpeg("見本 一郎", date(1970, 5, 5),
                                                                   employer_name="株式会社見本建設 再提出"), "image/jpeg"))


def signed_in_page(browser: Any, base: str, username: str, *, width: int = 1440) -> Any:
    """A Playwright page of a new browser context, signed in to the staff screens as ``username``."""
    context = browser.new_context(base_url=base, viewport={"width": width, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    return page
