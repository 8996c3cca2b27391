"""Filled paper forms and scanned stacks with known values, for tests, the benchmark and demos.

``*_values`` give the field values of a form ({field name: value}); ``scan`` turns a filled page
into what the postal scanner returns (skewed, unevenly lit, soft, grainy, JPEG); ``pdf_stack`` and
``tiff_stack`` put scanned pages into one file as a scanner's batch. Deterministic for the same
arguments.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from PIL import Image

from ccus.infra import samples
from ccus.infra.forms_render import filled_pages, form_pdf, rasterise
from ccus.models.forms.catalogue import BY_KEY


def worker_values(name: str = "山田 太郎", kana: str = "ヤマダ タロウ", birth_date: date = date(1985, 4, 12), *,
                  employer_business_id: str = "", proxy: tuple[str, str] | None = None, **extra: Any
                  ) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": name, "name_kana": kana, "birth_date": birth_date, "sex": "male", "nationality": "日本",
        "postcode": "163-8001", "address": "東京都新宿区西新宿2丁目8番1号", "phone": "090-1234-5678",
        "email": "yamada.taro@example.jp", "photo": True, "employer_business_id": employer_business_id,
        "trade": "鉄筋工", "experience_years": "12", "health_kind": "association", "insurer_number": "01130012",
        "pension": "employees", "employment_insurance_number": "1234-567890-1", "tier": "basic",
        "identity_document_type": "drivers_licence", "applied_on": date(2026, 5, 1), "signature": name,
    }
    if proxy:
        values["filer_business_id"], values["relation"] = proxy
    values.update(extra)
    return values


def business_values(trade_name: str = "株式会社見本建設", corporate_number: str = "7123456789012", **extra: Any
                    ) -> dict[str, Any]:
    values: dict[str, Any] = {
        "business_type": "corporation", "trade_name": trade_name, "trade_name_kana": "カブシキガイシャミホンケンセツ",
        "corporate_number": corporate_number, "representative_name": "見本 一郎",
        "representative_name_kana": "ミホン イチロウ", "postcode": "100-0013",
        "address": "東京都千代田区霞が関1丁目3番2号", "phone": "03-1234-5678",
        "email": "touroku@mihon-kensetsu.example.jp", "licence_number": "東京都知事許可（般-30）第123号",
        "capital_yen": "10,000,000", "admin_id_count": "2", "trades": ["とび・土工工事業", "大工工事業"],
        "health": "enrolled", "pension": "enrolled", "employment": "enrolled", "registrant_name": "見本 花子",
        "registrant_email": "hanako@mihon-kensetsu.example.jp", "applied_on": date(2026, 5, 1),
        "signature": "見本 一郎",
    }
    values.update(extra)
    return values


def consent_values(worker: str, kana: str, birth_date: date, proxy_name: str, proxy_id: str, employer_name: str,
                   signed_on: date = date(2026, 5, 1)) -> dict[str, Any]:
    return {"worker_name": worker, "worker_name_kana": kana, "birth_date": birth_date,
            "proxy_business_name": proxy_name, "proxy_business_id": proxy_id, "employer_name": employer_name,
            "signed_on": signed_on, "signature": worker}


def pages(form_key: str, values: dict[str, Any], *, dpi: int = 300, version: int | None = None) -> list[Image.Image]:
    return filled_pages(BY_KEY[form_key], values, dpi=dpi, version=version)


def separator(dpi: int = 300) -> Image.Image:
    return rasterise(form_pdf(BY_KEY["S0"]), dpi)[0]


def image_of(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def scan(page: Image.Image, *, skew: float = 0.8, seed: int = 0, turn: int = 0, quality: int = 55,
         blur: float = 1.0, noise: float = 10.0) -> Image.Image:
    """``page`` as it comes off the scanner: turned by ``turn`` degrees (counter-clockwise; 180 for
    a page fed upside down), skewed by ``skew`` degrees, unevenly lit (a quarter darker at one
    edge), blurred, grainy (Gaussian noise of ``noise`` grey levels) and JPEG-compressed.

    The same degradations as ``infra.samples.scanned_jpeg``, done with numpy and box blurs so that
    a 300-dpi A4 page takes a fraction of a second instead of several."""
    import numpy as np
    from PIL import ImageFilter

    if turn:
        page = page.rotate(turn, expand=True)
    page = page.convert("RGB").rotate(skew, resample=Image.Resampling.BILINEAR, fillcolor=(255, 255, 255))
    if blur:
        page = page.filter(ImageFilter.BoxBlur(blur))
    arr = np.asarray(page, dtype=np.float32)
    h, w = arr.shape[:2]
    light = 1.0 - 0.25 * np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :, None]
    grain = np.random.default_rng(seed).normal(0.0, noise, size=(h, w, 1)).astype(np.float32)
    out = Image.fromarray(np.clip(arr * light + grain, 0, 255).astype(np.uint8), mode="RGB")
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=quality)
    return image_of(buf.getvalue())


def pdf_stack(images: Sequence[Image.Image], dpi: int = 300) -> bytes:
    """Scanned pages as one image-only PDF (no text layer), as a postal scanner writes it."""
    buf = io.BytesIO()
    first, *rest = [i.convert("RGB") for i in images]
    first.save(buf, "PDF", save_all=True, append_images=rest, resolution=dpi, quality=80)
    return buf.getvalue()


def tiff_stack(images: Sequence[Image.Image], dpi: int = 300) -> bytes:
    buf = io.BytesIO()
    first, *rest = [i.convert("RGB") for i in images]
    first.save(buf, "TIFF", save_all=True, append_images=rest, compression="jpeg", dpi=(dpi, dpi))
    return buf.getvalue()


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=quality, dpi=(300, 300))
    return buf.getvalue()


def identity_page(name: str, birth_date: date, address: str = "東京都新宿区西新宿2丁目8番1号") -> Image.Image:
    """A driver-licence copy on an A4 sheet (no marker), as evidence is mailed."""
    sheet = Image.new("RGB", (2480, 3508), "white")
    card = image_of(samples.identity_document_jpeg(name, birth_date, address)).resize((1500, 945))
    sheet.paste(card, (300, 400))
    return sheet
