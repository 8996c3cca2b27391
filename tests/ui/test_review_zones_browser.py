"""A mail case's fields drawn on the page they were read from, in Chromium: each zone over the right
area of the page image, still there under zoom and rotation, a flagged field marked, and a field
of the data list bringing its page and zone into view."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ccus import mail_samples as ms
from ccus.models.forms.catalogue import BY_KEY
from ccus.services.intake.postal import Folders, intake_file
from tests.support.factories import written_person
from tests.support.web import drain_pipeline, new_user, signed_in_page
from tests.ui.test_review_browser import status_of, wait_for_page_image

pytestmark = [pytest.mark.integration, pytest.mark.browser]

A4_MM = (210.0, 297.0)


def mail_case(tmp_path: Path) -> str:
    """A W1 form scanned nearly straight, its postcode left blank (a flagged field)."""
    folders = Folders(tmp_path / "scanner").create()
    name, kana, born = written_person()
    p1, p2 = ms.pages("W1", ms.worker_values(name, kana, born, postcode=""))
    path = folders.inbox / "envelope.pdf"
    path.write_bytes(ms.pdf_stack([ms.scan(p1, skew=0.3, seed=1), ms.scan(p2, skew=-0.3, seed=2),
                                   ms.scan(ms.identity_page(name, born), skew=0.5, seed=3)]))
    os.utime(path, (1, 1))
    outcome = intake_file(path, folders)
    assert outcome.status == "processed" and len(outcome.cases) == 1, outcome
    drain_pipeline()
    assert status_of(outcome.cases[0]) == "awaiting_review"
    return outcome.cases[0]


def fraction(page: Any, selector: str) -> tuple[float, float, float, float]:
    """The element's bounding box as fractions of the page image's (x, y, w, h), as the browser
    lays them out (getBoundingClientRect: after zoom and rotation)."""
    img, box = page.evaluate("""s => [document.getElementById('page'), document.querySelector(s)].map(e => {
        const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })""", selector)
    return ((box[0] - img[0]) / img[2], (box[1] - img[1]) / img[3], box[2] / img[2], box[3] / img[3])


def expected(field: str) -> tuple[float, float, float, float]:
    b = BY_KEY["W1"].field(field).box
    return b.x / A4_MM[0], b.y / A4_MM[1], b.w / A4_MM[0], b.h / A4_MM[1]


def close(got: tuple[float, ...], want: tuple[float, ...], tol: float = 0.012) -> bool:
    return all(abs(g - w) <= tol for g, w in zip(got, want, strict=True))


def test_zones_are_drawn_over_their_fields(browser: Any, live_server: str, shot: Any, tmp_path: Path) -> None:
    number = mail_case(tmp_path)
    page = signed_in_page(browser, live_server, new_user("reviewer", "zones"))
    page.goto(f"/cases/{number}")
    wait_for_page_image(page)

    # Page 1 of the form is shown with its zones; the name's zone lies over the name's box.
    name_zone = "svg.zones.on polygon[data-field='name']"
    assert page.locator(name_zone).count() == 1
    assert close(fraction(page, name_zone), expected("name")), (fraction(page, name_zone), expected("name"))
    birth = "svg.zones.on polygon[data-field='birth_date']"
    assert close(fraction(page, birth), expected("birth_date"))

    # The blank postcode is flagged: its zone is marked as blocking, the clean name's is not.
    assert "block" in (page.locator("svg.zones.on polygon[data-field='postcode']").get_attribute("class") or "")
    assert (page.locator(name_zone).get_attribute("class") or "").strip() == "zone"

    # Zoomed in, the zone stays on the same part of the page.
    page.get_by_role("button", name="＋ 拡大").click()
    page.get_by_role("button", name="＋ 拡大").click()
    page.wait_for_timeout(300)  # the transition
    assert close(fraction(page, name_zone), expected("name"))

    # Turned by 90°: the zone turns with the page (its box is the rotated one).
    page.get_by_role("button", name="⟳ 回転").click()
    page.wait_for_timeout(400)
    x, y, w, h = expected("name")
    turned = (1 - y - h, x, h, w)  # clockwise: (x, y) → (1 - y - h, x) in the turned image's frame
    assert close(fraction(page, name_zone), turned), (fraction(page, name_zone), turned)
    page.get_by_role("button", name="元に戻す").click()

    # A field of page 2 in the data list: its page comes up with its zone highlighted.
    page.locator("tr[data-field='trade'] button.locate").click()
    wait_for_page_image(page)
    active = page.locator(".thumb.active")
    assert active.get_attribute("data-page") == "2"
    trade = "svg.zones.on polygon[data-field='trade']"
    assert "hl" in (page.locator(trade).get_attribute("class") or "")
    assert close(fraction(page, trade), expected("trade"))
    assert "hl" in (page.locator("tr[data-field='trade']").get_attribute("class") or "")

    # Hovering a field of page 1 goes back to it.
    page.locator("tr[data-field='postcode'] th").hover()
    wait_for_page_image(page)
    assert page.locator(".thumb.active").get_attribute("data-page") == "1"
    assert "hl" in (page.locator("svg.zones.on polygon[data-field='postcode']").get_attribute("class") or "")
    shot(page, "07-case-mail-zones")

    # An internet case has no zones.
    from tests.support.web import queued_case

    page.goto(f"/cases/{queued_case()}")
    assert page.locator("svg.zones").count() == 0 and page.locator("button.locate").count() == 0
