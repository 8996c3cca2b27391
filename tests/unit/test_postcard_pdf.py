"""Crimped-postcard print batch: pages, texts, barcode as drawn, manifest without secrets."""

from __future__ import annotations

import csv
import io
import itertools

import pdfplumber
import pytest

from ccus.infra.postcard_pdf import (
    MANIFEST_COLUMNS,
    PostcardContent,
    postcard_manifest_csv,
    render_postcard_batch,
)
from ccus.models.postal_barcode import customer_barcode_data, customer_barcode_symbols, symbol_bars

MM = 72 / 25.4

CARDS = (
    PostcardContent(
        postcode="100-0013",
        address="東京都千代田区霞が関1丁目3番2号　郵便プラザ503室",
        recipient_name="株式会社山田建設",
        business_id="12345678901234",
        trade_name="株式会社山田建設",
        admin_ids=("12345678901234", "12345678901241"),
        initial_password="Xk7#pQ2m9Lw",
        security_code="9073",
        login_url="https://portal.ccus.example.jp/login",
        application_number="B-25-000123-K",
    ),
    PostcardContent(
        postcode="〒６５０－００４６",
        address="兵庫県神戸市中央区港島中町9丁目7-6　郵便シティA棟1F1号",
        recipient_name="鈴木 一郎",
        business_id="22345678901235",
        trade_name="鈴木工務店",
        admin_ids=tuple(f"2234567890{i:04d}" for i in range(1, 16)),
        initial_password="aB3$dE6&gHq",
        security_code="5186",
        login_url="https://portal.ccus.example.jp/login",
        application_number="B-25-000124-M",
    ),
    PostcardContent(
        postcode="590-0016",
        address="大阪府堺市堺区中田出井町四丁六番十九号",
        recipient_name="有限会社堺設備工業 堺 次郎",
        business_id="32345678901236",
        trade_name="有限会社 堺設備工業",
        admin_ids=("32345678901236",),
        initial_password="Zq8!rT4wYp2",
        security_code="2640",
        login_url="https://portal.ccus.example.jp/login",
        application_number="B-25-000125-P",
        honorific="様",
    ),
)


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return render_postcard_batch(CARDS)


def test_one_pdf_two_pages_per_postcard_of_postcard_size(pdf_bytes: bytes) -> None:
    assert pdf_bytes.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        assert len(pdf.pages) == 6
        for page in pdf.pages:
            assert page.width / MM == pytest.approx(100, abs=0.05)
            assert page.height / MM == pytest.approx(148, abs=0.05)


def test_inner_pages_carry_ids_trade_names_and_secrets(pdf_bytes: bytes) -> None:
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for i, card in enumerate(CARDS):
            text = pdf.pages[2 * i + 1].extract_text()
            assert card.business_id in text
            assert card.trade_name in text
            assert card.initial_password in text
            assert card.security_code in text
            assert card.login_url in text
            assert card.application_number in text
            assert "建設キャリアアップシステム" in text and "登録完了のお知らせ" in text
            assert "初回ログイン時に、初期パスワードの変更が必要です" in text
            assert "セキュリティコードの入" in text  # line-wrapped note
            assert card.admin_ids[0] in text
            fonts = {ch["fontname"] for ch in pdf.pages[2 * i + 1].chars}
            assert any("IPAexGothic" in f for f in fonts)  # Japanese glyphs embedded


def test_many_admin_ids_are_summarised(pdf_bytes: bytes) -> None:
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        text = pdf.pages[3].extract_text()
    assert "22345678900012" in text
    assert "22345678900013" not in text
    assert "ほか3件" in text


def test_address_pages_have_addressee_and_no_secrets(pdf_bytes: bytes) -> None:
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        pages = [pdf.pages[2 * i].extract_text() for i in range(3)]
    assert "株式会社山田建設 御中" in pages[0]
    assert "鈴木 一郎 様" in pages[1]
    assert "堺 次郎" in pages[2] and "様" in pages[2] and "御中" not in pages[2]  # explicit honorific
    assert "霞が関1丁目3番2号" in pages[0]
    for page, card in zip(pages, CARDS, strict=True):
        assert card.initial_password not in page
        assert card.business_id not in page
        assert "料金後納" in page and "差出人" in page


def _decode_bars(page: pdfplumber.page.Page) -> list[str]:
    """Read the drawn barcode back: bar rectangles 0.6 mm wide, classified by their extent."""
    bars = sorted((r for r in page.rects if abs(r["width"] / MM - 0.6) < 0.01), key=lambda r: r["x0"])
    top = min(r["top"] for r in bars)
    bottom = max(r["bottom"] for r in bars)
    kinds = []
    for r in bars:
        up = abs(r["top"] - top) < 0.1
        down = abs(r["bottom"] - bottom) < 0.1
        kinds.append(
            {(True, True): "F", (True, False): "A", (False, True): "D", (False, False): "T"}[(up, down)]
        )
    pitches = {round((b["x0"] - a["x0"]) / MM, 3) for a, b in itertools.pairwise(bars)}
    assert pitches == {1.2}
    assert (bottom - top) / MM == pytest.approx(3.6, abs=0.01)
    heights = sorted({round(r["height"] / MM, 2) for r in bars})
    assert heights == [1.2, 2.4, 3.6]
    assert 10.0 <= bars[0]["x0"] / MM and bars[-1]["x1"] / MM <= 90.0  # inside the 10 mm margin
    return kinds


def test_barcode_is_drawn_to_spec(pdf_bytes: bytes) -> None:
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for i, card in enumerate(CARDS):
            drawn = _decode_bars(pdf.pages[2 * i])
            expected = [
                b for s in customer_barcode_symbols(card.postcode, card.address) for b in symbol_bars(s)
            ]
            assert len(drawn) == 67
            assert drawn == expected


def test_manifest_csv_has_no_secrets(pdf_bytes: bytes) -> None:
    raw = postcard_manifest_csv("PB-20250410-01", CARDS)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    text = raw.decode("utf-8-sig")
    for card in CARDS:
        assert card.initial_password not in text
        assert card.security_code not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == MANIFEST_COLUMNS == (
        "batch_id", "seq", "application_number", "business_id", "postcode", "address",
        "recipient_name", "barcode_data",
    )  # fmt: skip
    assert len(rows) == 4
    assert rows[1][:5] == ["PB-20250410-01", "1", "B-25-000123-K", "12345678901234", "100-0013"]
    assert rows[2][4] == "650-0046"
    assert rows[1][7] == "10000131-3-2-503CC4CC4CC4CC4"
    for row, card in zip(rows[1:], CARDS, strict=True):
        assert row[7] == customer_barcode_data(card.postcode, card.address)


def test_repr_hides_secrets() -> None:
    shown = repr(CARDS[0])
    assert CARDS[0].initial_password not in shown
    assert CARDS[0].security_code not in shown
    assert CARDS[0].business_id in shown


def test_empty_batch_is_refused() -> None:
    with pytest.raises(ValueError):
        render_postcard_batch([])


def test_rendering_is_deterministic() -> None:
    assert render_postcard_batch(CARDS[:1]) == render_postcard_batch(CARDS[:1])


def test_a_further_admin_ids_postcard_carries_that_id_alone_as_not_the_registrants() -> None:
    from dataclasses import replace

    registrant = CARDS[0]
    further = replace(registrant, admin_ids=("12345678901241",), initial_password="Qw3rtY7uIo9p",
                      security_code="3141", registrant=False)
    with pdfplumber.open(io.BytesIO(render_postcard_batch([registrant, further]))) as doc:
        first, second = (doc.pages[i].extract_text() or "" for i in (1, 3))
    assert "登録完了のお知らせ" in first and "（登録責任者）" in first
    assert "管理者IDのお知らせ" in second and "（登録責任者）" not in second
    assert "12345678901241" in second and "Qw3rtY7uIo9p" in second and "3141" in second
    assert "このはがきにのみ記載" in second and "メールアドレスにも" not in second
