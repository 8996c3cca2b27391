"""The second recogniser (PP-OCRv5 on ONNX Runtime) on lines as a scanner gives them: the names
and addresses Tesseract's Japanese model misreads are read exactly, in a batch, in input order;
an empty zone reads as nothing; the weights come from the installed wheel."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ccus.infra import line_reader
from ccus.infra.pdf_fonts import font_path

LINES = ["小鳥遊 慎之介", "齋藤ヶ丘建設株式会社", "五十嵐 陸斗", "北海道札幌市中央区北一条西13丁目4番地 札幌ビル502号室",
         "タカハシ イチロウ", "090-1234-5678", "yamada.taro@example.jp", "渡邊 剛"]


def _scanned(text: str, seed: int, size: int = 40) -> Image.Image:
    """``text`` in an entry box as a 300-dpi scan gives it: written left in a box wider and taller
    than the writing, a little grain and blur, JPEG."""
    rng = random.Random(seed)
    font = ImageFont.truetype(str(font_path()), size)
    width = int(font.getlength(text)) + rng.randint(80, 400)
    box = Image.new("L", (width, size * 2 + rng.randint(0, 30)), 245)
    ImageDraw.Draw(box).text((rng.randint(8, 40), size // 2), text, font=font, fill=rng.randint(10, 60))
    pixels = np.asarray(box.filter(ImageFilter.GaussianBlur(0.8)), dtype=np.float32)
    pixels += np.random.default_rng(seed).normal(0, 8, pixels.shape)
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out, format="JPEG", quality=60)
    return Image.open(io.BytesIO(out.getvalue()))


def _squash(s: str) -> str:
    return "".join(s.split())


def test_reads_names_and_addresses_exactly_in_a_batch_in_order() -> None:
    zones = [_scanned(text, seed) for seed, text in enumerate(LINES)]
    read = line_reader.read_lines(zones)
    assert [_squash(r.text) for r in read] == [_squash(t) for t in LINES]
    assert all(r.confidence > 50 for r in read)


def test_an_empty_zone_reads_as_nothing_and_costs_no_model_run() -> None:
    blank = Image.new("L", (600, 90), 240)
    assert line_reader.to_writing(blank) is None
    [r] = line_reader.read_lines([blank])
    assert (r.text, r.confidence) == ("", 0.0)


def test_the_zone_is_cut_to_its_writing() -> None:
    zone = _scanned("山田 太郎", 3)
    cut = line_reader.to_writing(zone)
    assert cut is not None and cut.height < zone.height and cut.width < zone.width


@pytest.mark.parametrize("part", ["rec/rec.onnx", "ppocrv5_dict.txt"])
def test_the_weights_come_from_the_installed_wheel(part: str) -> None:
    path = line_reader._model_dir() / part
    assert path.is_file() and path.stat().st_size > 50_000


def test_a_variant_kanji_read_as_its_common_form_leaves_a_trace() -> None:
    from ccus import hand_fonts

    font = ImageFont.truetype(str(hand_fonts.face("noto_cjk_sans_jp_regular").path_of("髙")), 48)
    lines = []
    for text in ("髙橋 一郎", "高橋 一郎"):
        image = Image.new("L", (420, 110), 245)
        ImageDraw.Draw(image).text((20, 30), text, font=font, fill=25)
        lines.append(image)
    variant, common = line_reader.read_lines(lines)
    assert _squash(common.text) == "高橋一郎" and common.variant is None
    assert _squash(variant.variant or variant.text) == "髙橋一郎"


def test_every_zone_is_read_twice_but_a_comb_that_passes_its_check_digit() -> None:
    from datetime import date

    from ccus import mail_samples
    from ccus.infra import form_reader
    from ccus.models.forms.catalogue import BY_KEY
    from ccus.models.identifiers import registry_id_from_serial

    employer = next(i for n in range(1000, 1100) if (i := registry_id_from_serial(n)) is not None)
    values = mail_samples.worker_values("小鳥遊 慎之介", "タカナシ シンノスケ", date(1984, 6, 2), employer_business_id=employer)
    pages = [mail_samples.scan(p, seed=4, quality=70) for p in mail_samples.pages("W1", values)]
    read: dict[str, object] = {}
    for image, spec in zip(pages, BY_KEY["W1"].pages, strict=True):
        located = form_reader.locate(image)
        assert located is not None
        [raws] = form_reader.read_cuts([form_reader.cut_page(image, located, spec)])
        read.update(raws)
    assert _squash(read["name"].check or "") == "小鳥遊慎之介"  # type: ignore[attr-defined]
    assert read["postcode"].check is not None and len(read["birth_date"].check_parts) == 3  # type: ignore[attr-defined]
    assert read["employer_business_id"].check is None  # type: ignore[attr-defined]
    assert "".join(read["employer_business_id"].text.split()) == employer  # type: ignore[attr-defined]
