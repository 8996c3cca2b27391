"""What an applicant declares (申請内容), per application kind, with field-level rules.

Pure (pydantic only, no I/O). Every rule failure carries a Japanese message for the applicant;
``ccus.models.errors`` turns pydantic's errors into (path, message) pairs.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from ccus.models.identifiers import (
    corporate_number_is_valid,
    employment_insurance_number_is_valid,
    insurer_number_is_valid,
    normalize_postcode,
    registry_id_is_valid,
)
from ccus.models.japanese import is_katakana_reading, normalize_digits, normalize_phone, normalize_text
from ccus.models.text_rules import SafeText, StrictInt
from ccus.models.worker_details import (
    Awards,
    Careers,
    EmployerItems,
    HealthChecks,
    Qualifications,
    Trainings,
    detailed_errors,
)


def _text(v: str) -> str:
    v = normalize_text(v)
    if not v:
        raise ValueError("入力してください。")
    return v


def _kana(v: str) -> str:
    v = normalize_text(v)
    if not is_katakana_reading(v):
        raise ValueError("全角カタカナで入力してください。")
    return v


def _postcode(v: str) -> str:
    return normalize_postcode(v)


def _phone(v: str) -> str:
    return normalize_phone(v)


def _corporate_number(v: str) -> str:
    v = normalize_digits(v)
    if not corporate_number_is_valid(v):
        raise ValueError("法人番号が正しくありません（13桁・チェックデジットを確認してください）。")
    return v


def _registry_id(v: str) -> str:
    v = normalize_digits(v)
    if not registry_id_is_valid(v):
        raise ValueError("IDが正しくありません（14桁・チェックデジットを確認してください）。")
    return v


def _insurer_number(v: str) -> str:
    v = normalize_digits(v)
    if not insurer_number_is_valid(v):
        raise ValueError("保険者番号が正しくありません。")
    return v


def _employment_insurance(v: str) -> str:
    if not employment_insurance_number_is_valid(v):
        raise ValueError("雇用保険被保険者番号の形式が正しくありません（NNNN-NNNNNN-N）。")
    d = normalize_digits(v)
    return f"{d[:4]}-{d[4:10]}-{d[10:]}"


_LICENCE = re.compile(
    r"^(国土交通大臣|.{2,3}[都道府県]知事)許可[（(](般|特)-?\s*(\d{1,2})[）)](\w)?第0*(\d{1,6})号$"
)


def _licence(v: str) -> str:
    v = normalize_text(v).replace(" ", "")
    if not _LICENCE.match(v):
        raise ValueError("建設業許可番号の形式が正しくありません（例：東京都知事許可（般-30）第123号）。")
    return v


# Every text field is SafeText first: the characters it refuses are checked before normalising.
Text = Annotated[SafeText, Field(min_length=1, max_length=200), AfterValidator(_text)]
Kana = Annotated[SafeText, Field(min_length=1, max_length=200), AfterValidator(_kana)]
Postcode = Annotated[SafeText, Field(max_length=20), AfterValidator(_postcode)]
Phone = Annotated[SafeText, Field(max_length=30), AfterValidator(_phone)]
RegistryId = Annotated[SafeText, Field(max_length=40), AfterValidator(_registry_id)]
Address = Annotated[SafeText, Field(min_length=1, max_length=300), AfterValidator(_text)]

Enrolment = Literal["enrolled", "not_enrolled", "exempt"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SocialInsurance(_Strict):
    """社会保険加入状況."""

    health: Enrolment
    pension: Enrolment
    employment: Enrolment


class Registrant(_Strict):
    """登録責任者: the person responsible for the registration, who receives the mails."""

    name: Text
    email: EmailStr


class BusinessRegistration(_Strict):
    """事業者情報登録申請."""

    business_type: Literal["corporation", "sole_proprietor", "one_person_contractor"]
    trade_name: Text
    trade_name_kana: Kana
    corporate_number: Annotated[SafeText, Field(max_length=40), AfterValidator(_corporate_number)] | None = None
    representative_name: Text
    representative_name_kana: Kana
    postcode: Postcode
    address: Address
    phone: Phone
    email: EmailStr
    licence_number: Annotated[SafeText, Field(max_length=100), AfterValidator(_licence)] | None = None
    capital_yen: Annotated[StrictInt, Field(ge=0, le=10**14)] | None = None
    trades: Annotated[list[Text], Field(min_length=1, max_length=29)]
    social_insurance: SocialInsurance
    registrant: Registrant
    admin_id_count: Annotated[StrictInt, Field(ge=1, le=100)] = 1

    @model_validator(mode="after")
    def _corporation_needs_number_and_capital(self) -> BusinessRegistration:
        if self.business_type == "corporation":
            if self.corporate_number is None:
                raise ValueError("corporate_number|法人の場合は法人番号が必要です。")
            if self.capital_yen is None:
                raise ValueError("capital_yen|法人の場合は資本金が必要です。")
        elif self.corporate_number is not None:
            raise ValueError("corporate_number|個人事業主・一人親方は法人番号を入力できません。")
        return self


class HealthInsurance(_Strict):
    """健康保険."""

    kind: Literal["association", "national", "exempt", "other"]
    insurer_number: Annotated[SafeText, Field(max_length=40), AfterValidator(_insurer_number)] | None = None


class Worker(_Strict):
    """技能者情報登録申請 (本人申請)."""

    name: Text
    name_kana: Kana
    birth_date: date
    sex: Literal["male", "female", "unspecified"]
    nationality: Text = "日本"
    postcode: Postcode
    address: Address
    phone: Phone
    email: EmailStr | None = None
    employer_business_id: RegistryId | None = None
    trade: Text
    experience_years: Annotated[StrictInt, Field(ge=0, le=70)] = 0
    health_insurance: HealthInsurance
    pension: Literal["employees", "national", "receiving", "none"]
    employment_insurance_number: Annotated[SafeText, Field(max_length=40), AfterValidator(_employment_insurance)] | None = None
    tier: Literal["basic", "detailed"] = "basic"
    identity_document_type: Literal[
        "drivers_licence", "my_number_card_front", "passport_with_residence_record",
        "residence_card", "special_permanent_resident_certificate", "none",
    ]
    # 詳細型 (models/worker_details.py) and the employer's items (guide p. 9).
    qualifications: Qualifications = []
    trainings: Trainings = []
    awards: Awards = []
    health_checks: HealthChecks = []
    careers: Careers = []
    employer_items: EmployerItems | None = None

    @model_validator(mode="after")
    def _birth_date_plausible(self) -> Worker:
        if self.birth_date >= date.today():
            raise ValueError("birth_date|生年月日が未来の日付です。")
        if self.birth_date.year < 1900:
            raise ValueError("birth_date|生年月日が正しくありません。")
        wrong = detailed_errors(self.tier, {"qualifications": list(self.qualifications),
                                            "trainings": list(self.trainings), "awards": list(self.awards),
                                            "health_checks": list(self.health_checks),
                                            "careers": list(self.careers)})
        if wrong:
            raise ValueError(wrong)
        for n, q in enumerate(self.qualifications):
            if q.obtained_on < self.birth_date:
                raise ValueError(f"qualifications.{n}.obtained_on|資格の取得日が生年月日より前です。")
        return self


class ProxyFiling(_Strict):
    """代行申請: who files for the worker and in what relation."""

    filer_business_id: RegistryId
    relation: Literal["employer", "prime_contractor", "upper_subcontractor"]


class ProxyWorkerRegistration(Worker):
    """技能者情報登録申請（代行申請）."""

    proxy: ProxyFiling

    @model_validator(mode="after")
    def _proxy_rules(self) -> ProxyWorkerRegistration:
        if self.employer_business_id is None:
            raise ValueError("employer_business_id|代行申請では所属事業者の事業者IDが必要です。")
        if self.proxy.relation == "employer" and self.proxy.filer_business_id != self.employer_business_id:
            raise ValueError("proxy.filer_business_id|所属事業者による代行申請では申請者の事業者IDと所属事業者IDが一致する必要があります。")
        if self.proxy.relation != "employer" and self.proxy.filer_business_id == self.employer_business_id:
            raise ValueError("proxy.relation|申請者が所属事業者の場合、関係は employer を指定してください。")
        return self


DECLARED_MODELS: dict[str, type[_Strict]] = {
    "business_registration": BusinessRegistration,
    "worker_registration": Worker,
    "proxy_worker_registration": ProxyWorkerRegistration,
}
