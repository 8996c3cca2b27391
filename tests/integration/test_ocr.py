"""OCR with the real Tesseract of the environment (local: no stack needed)."""

from __future__ import annotations

import difflib
import io
import time
import unicodedata
from datetime import date

import pytest
from PIL import Image

from ccus.infra import samples
from ccus.infra.attachments import PDF, page_images
from ccus.infra.ocr import detect_orientation, ocr_many, ocr_pages, upright

pytestmark = pytest.mark.integration

NAME, KANA, BIRTH = "山田 太郎", "ヤマダ タロウ", date(1985, 4, 1)


def flat(text: str) -> str:
    """OCR text compared the way the extraction compares it: NFKC, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


@pytest.fixture(scope="module")
def consent() -> Image.Image:
    return image(samples.consent_form_png(
        NAME, KANA, BIRTH, "株式会社元請建設", "12345678901234", "株式会社山田建設", date(2025, 6, 10)
    ))


@pytest.fixture(scope="module")
def licence() -> Image.Image:
    return image(samples.identity_document_jpeg(NAME, BIRTH, "東京都千代田区霞が関1丁目3番2号"))


def test_consent_form_yields_worker_name_and_birth_date(consent: Image.Image) -> None:
    [result] = ocr_pages([consent])
    text = flat(result.text)
    assert "山田太郎" in text
    assert "昭和60年4月1日" in text and "1985年4月1日" in text
    assert "12345678901234" in text  # the proxy's 事業者ID
    assert result.words > 50 and result.mean_confidence > 80


def test_identity_document_yields_name_and_birth_date(licence: Image.Image) -> None:
    [result] = ocr_pages([licence])
    text = flat(result.text)
    assert "山田太郎" in text
    assert "昭和60年4月1日" in text


def test_scanned_consent_form_is_still_read(consent: Image.Image) -> None:
    buf = io.BytesIO()
    consent.save(buf, "PNG")
    [result] = ocr_pages([image(samples.scanned_jpeg(buf.getvalue()))])
    assert "1985年4月1日" in flat(result.text)
    assert "ヤマダタロウ" in flat(result.text)


def test_ocr_many_reads_each_image_as_ocr_pages_does(consent: Image.Image, licence: Image.Image) -> None:
    blank = Image.new("L", (800, 600), 255)
    images = [consent, blank, licence]
    one_run = ocr_many(images)
    per_page = ocr_pages(images)
    assert len(one_run) == 3
    assert one_run[1].text == "" and one_run[1].words == 0 and one_run[1].mean_confidence == 0.0
    for together, alone in zip(one_run, per_page, strict=True):
        assert difflib.SequenceMatcher(None, flat(together.text), flat(alone.text)).ratio() > 0.9
        assert together.words == pytest.approx(alone.words, abs=3)
    assert ocr_many([]) == []


def test_ocr_many_pays_the_start_up_once(consent: Image.Image) -> None:
    zones = [consent.crop((425, 540 + 84 * row + 4, 1135, 540 + 84 * row + 80)) for row in range(6)]
    started = time.perf_counter()
    separate = ocr_pages(zones, psm=7)
    per_call = time.perf_counter() - started
    started = time.perf_counter()
    together = ocr_many(zones, psm=7)
    one_call = time.perf_counter() - started
    assert [flat(r.text) for r in together] == [flat(r.text) for r in separate]
    assert flat(together[0].text) == "山田太郎"
    assert one_call < per_call / 2, (one_call, per_call)


def test_rendered_pdf_page_is_read() -> None:
    pdf = samples.registry_extract_pdf(
        "株式会社山田建設", "7123456789012", "東京都千代田区霞が関1丁目3番2号", "山田 一郎"
    )
    [result] = ocr_many(list(page_images(pdf, PDF, dpi=200)))
    assert "株式会社山田建設" in flat(result.text)


def test_orientation_of_turned_pages(consent: Image.Image) -> None:
    assert detect_orientation(consent.rotate(180)) == 180
    turned_left = consent.rotate(90, expand=True)  # Pillow turns counter-clockwise
    assert detect_orientation(turned_left) == 90  # to be turned 90° clockwise
    assert upright(turned_left).size == consent.size
    assert detect_orientation(Image.new("L", (800, 600), 255)) == 0  # nothing to go by


def test_a_zone_tesseract_dies_on_costs_only_that_zone(consent: Image.Image) -> None:
    """A grainy zone line on which Tesseract 5.5 dies of SIGFPE (kept from a degraded scan): read
    among others, it comes back read empty and every other zone is still read."""
    from pathlib import Path

    import pytesseract

    from ccus.infra.zonal_ocr import read_group, read_zones
    from ccus.models.forms.spec import Charset

    bad = Image.open(Path(__file__).with_name("data") / "zone_tesseract_sigfpe.png").convert("L")
    with pytest.raises(pytesseract.TesseractError):
        read_group([bad], "jpn")  # the engine itself still fails on it
    name = consent.crop((425, 544, 1135, 620))
    results = read_zones([(name, Charset.TEXT), (bad, Charset.KANA), (name, Charset.TEXT), (name, Charset.TEXT)])
    assert [flat(r.text) for r in results] == ["山田太郎", "", "山田太郎", "山田太郎"]
    assert results[1].words == 0 and results[1].confidence == 0.0
