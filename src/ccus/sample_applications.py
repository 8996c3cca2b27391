"""Sample applications with their evidence, as the internet channel receives them.

Used by ``ccus demo``, the end-to-end tests and the benchmark. Deterministic for the same
arguments, so a re-run sends byte-identical requests (and its Idempotency-Key finds the first case).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ccus.infra import samples
from ccus.services.clock import today_jst


@dataclass(frozen=True)
class SampleFile:
    role: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class SampleApplication:
    kind: str
    data: dict[str, Any]
    files: list[SampleFile] = field(default_factory=list)

    def envelope(self) -> dict[str, Any]:
        return {"kind": self.kind, "data": self.data}


CORPORATE_NUMBERS = ("7123456789012", "4011001098993", "1180301018771")


def business(n: int = 0, *, trade_name: str = "株式会社見本建設", corporate_number: str | None = None,
             email: str = "touroku@mihon-kensetsu.example.jp") -> SampleApplication:
    number = corporate_number or CORPORATE_NUMBERS[n % len(CORPORATE_NUMBERS)]
    address = "東京都千代田区霞が関1丁目3番2号 郵便プラザ503室"
    data = {
        "business_type": "corporation",
        "trade_name": trade_name,
        "trade_name_kana": "カブシキガイシャミホンケンセツ",
        "corporate_number": number,
        "representative_name": "見本 一郎",
        "representative_name_kana": "ミホン イチロウ",
        "postcode": "100-0013",
        "address": address,
        "phone": "03-1234-5678",
        "email": email,
        "capital_yen": 10_000_000,
        "trades": ["とび・土工工事業", "大工工事業"],
        "social_insurance": {"health": "enrolled", "pension": "enrolled", "employment": "enrolled"},
        "registrant": {"name": "見本 花子", "email": email},
        "admin_id_count": 2,
    }
    files = [
        SampleFile("registry_extract", "touki.pdf", "application/pdf",
                   samples.registry_extract_pdf(trade_name, number, address, "見本 一郎")),
        SampleFile("insurance_proof", "hoken.jpg", "image/jpeg",
                   samples.insurance_card_jpeg("見本 一郎", date(1970, 5, 5), employer_name=trade_name)),
    ]
    return SampleApplication("business_registration", data, files)


def worker(*, name: str = "山田 太郎", kana: str = "ヤマダ タロウ", birth_date: date = date(1985, 4, 12),
           employer_business_id: str | None = None, email: str | None = "yamada.taro@example.jp",
           address: str = "東京都新宿区西新宿2丁目8番1号") -> SampleApplication:
    data: dict[str, Any] = {
        "name": name, "name_kana": kana, "birth_date": birth_date.isoformat(), "sex": "male",
        "postcode": "163-8001", "address": address, "phone": "090-1234-5678",
        "trade": "とび工", "experience_years": 12,
        "health_insurance": {"kind": "association", "insurer_number": "01130012"},
        "pension": "employees", "employment_insurance_number": "1234-567890-1",
        "identity_document_type": "drivers_licence",
    }
    if email:
        data["email"] = email
    if employer_business_id:
        data["employer_business_id"] = employer_business_id
    files = [
        SampleFile("face_photo", "photo.jpg", "image/jpeg", samples.face_photo_jpeg()),
        SampleFile("identity_document", "menkyo.jpg", "image/jpeg",
                   samples.identity_document_jpeg(name, birth_date, address)),
    ]
    return SampleApplication("worker_registration", data, files)


def proxy_worker(*, filer_business_id: str, filer_name: str, name: str = "佐藤 花子", kana: str = "サトウ ハナコ",
                 birth_date: date = date(1990, 7, 1), signed_on: date | None = None) -> SampleApplication:
    """A worker filed by their employer, with the worker's consent on the registry's form (様式C1),
    filled, signed and sealed, as a 300-dpi JPEG. ``signed_on`` defaults to a week before today
    (a consent is valid for ``models.consent.CONSENT_VALIDITY_DAYS``)."""
    base = worker(name=name, kana=kana, birth_date=birth_date, employer_business_id=filer_business_id, email=None,
                  address="神奈川県横浜市中区本町6丁目50番地1")
    data = dict(base.data, sex="female", proxy={"filer_business_id": filer_business_id, "relation": "employer"})
    consent = SampleFile("worker_consent", "doui.jpg", "image/jpeg", worker_consent_jpeg(
        name, kana, birth_date, filer_name, filer_business_id, filer_name,
        signed_on or today_jst() - timedelta(days=7)))
    return SampleApplication("proxy_worker_registration", data, [*base.files, consent])


def worker_consent_jpeg(name: str, kana: str, birth_date: date, proxy_name: str, proxy_id: str,
                        employer_name: str, signed_on: date, *, seal: bool = True, dpi: int = 300, scanned: bool = False) -> bytes:
    """The worker's consent form (様式C1) filled in, signed with a red seal (unless ``seal`` is
    False), rendered at ``dpi`` (and passed through a flatbed scan if ``scanned``). Deterministic."""
    import io

    from ccus.infra.forms_render import filled_pages
    from ccus.models.forms.catalogue import BY_KEY

    values = {"worker_name": name, "worker_name_kana": kana, "birth_date": birth_date,
              "proxy_business_name": proxy_name, "proxy_business_id": proxy_id, "employer_name": employer_name,
              "signed_on": signed_on, "signature": name if seal else None}
    page = filled_pages(BY_KEY["C1"], values, dpi=dpi)[0]
    buf = io.BytesIO()
    if not scanned:
        page.save(buf, "JPEG", quality=92)
        return buf.getvalue()
    page.save(buf, "PNG")
    return samples.scanned_jpeg(buf.getvalue(), skew_degrees=0.6)


def multipart(sample: SampleApplication) -> tuple[dict[str, str], list[tuple[str, tuple[str, bytes, str]]]]:
    """The form fields and files of ``sample`` for an HTTP client (httpx / requests)."""
    import json

    fields = {"application": json.dumps(sample.envelope(), ensure_ascii=False)}
    files = [(f.role, (f.filename, f.data, f.content_type)) for f in sample.files]
    return fields, files
