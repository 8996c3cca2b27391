"""Pages of scanned files: a scanner's JPEG decoded directly, anything else rendered (no stack)."""

from __future__ import annotations

from ccus import mail_samples as ms
from ccus.infra import scans
from ccus.infra.attachments import PDF
from ccus.infra.forms_render import form_pdf
from ccus.models.forms.catalogue import BY_KEY


def test_scanner_pdf_pages_decode_at_the_asked_resolution() -> None:
    page = ms.pages("S0", {}, dpi=100)[0]
    pdf = ms.pdf_stack([page, page.rotate(180)], dpi=100)
    for dpi in (72, 100):
        images = list(scans.images(pdf, PDF, dpi=dpi))
        assert len(images) == 2
        assert abs(images[0].width - round(210 / 25.4 * dpi)) <= 2, images[0].size


def test_vector_pdf_is_rendered_and_subsets_keep_their_pages() -> None:
    pdf = form_pdf(BY_KEY["W1"])
    image = scans.page_image(pdf, PDF, 1, dpi=50)
    assert abs(image.width - round(210 / 25.4 * 50)) <= 2
    two, kind = scans.subset(pdf, PDF, [1, 0])
    assert kind == PDF and len(list(scans.images(two, PDF, dpi=30))) == 2


def test_grey_pages_are_the_luma_of_the_colour_pages() -> None:
    page = ms.pages("S0", {}, dpi=100)[0]
    pdf = ms.pdf_stack([page], dpi=100)
    colour = scans.page_image(pdf, PDF, 0, dpi=72)
    grey = scans.page_image(pdf, PDF, 0, dpi=72, grey=True)
    assert colour.mode == "RGB" and grey.mode == "L" and grey.size == colour.size
    # the JPEG's own Y plane against Pillow's conversion of the decoded colours: off by rounding only
    a, b = colour.convert("L").histogram(), grey.histogram()
    dark_a, dark_b = sum(a[:128]), sum(b[:128])
    assert dark_a > 0 and abs(dark_a - dark_b) <= 0.01 * dark_a
    rendered = scans.page_image(form_pdf(BY_KEY["W1"]), PDF, 0, dpi=30, grey=True)
    assert rendered.mode == "L"


def test_only_a_page_that_draws_text_has_text() -> None:
    page = ms.pages("S0", {}, dpi=100)[0]
    assert not scans.page_has_text(ms.pdf_stack([page], dpi=100), 0)
    assert scans.page_has_text(form_pdf(BY_KEY["W1"]), 0)
