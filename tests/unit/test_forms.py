"""Form definitions, the page marker, the stack splitter and the field normalisers (pure)."""

from __future__ import annotations

import pytest

from ccus.models.forms.catalogue import BY_KEY, FORMS, comb_cells, form_for
from ccus.models.forms.marker import MODULES, Marker, decode, encode
from ccus.models.forms.normalise import (
    INVALID,
    LOW_CONFIDENCE,
    MISSING,
    OK,
    Raw,
    as_digits,
    as_kanji_in_context,
    as_katakana,
    join_japanese,
    normalise,
    suspicious,
)
from ccus.models.forms.reading import field_flags, to_declared
from ccus.models.forms.spec import PAGE_H, FieldKind
from ccus.models.forms.split import plan


def test_every_form_fits_its_page_and_names_its_fields_once() -> None:
    for form in FORMS:
        names = [f.name for f in form.fields()]
        assert len(names) == len(set(names)), form.key
        for f in form.fields():
            assert 0 < f.box.x and f.box.x + f.box.w <= 196 and f.box.y + f.box.h < PAGE_H - 20, (form.key, f.name)
            for o in f.options:
                assert f.box.x <= o.box.x and o.box.y >= f.box.y and o.box.y + o.box.h <= f.box.y + f.box.h
    assert {f.code for f in FORMS} == set(range(1, 8))


def test_form_fields_map_onto_the_declared_models() -> None:
    from ccus.models.declared import DECLARED_MODELS

    for form in FORMS:
        if form.model is None:
            continue
        model = DECLARED_MODELS[form.model]
        top = {f.path.split(".")[0] for f in form.fields() if f.path}
        assert top <= set(model.model_fields), (form.key, top - set(model.model_fields))


def test_marker_round_trip_and_rejects_misreads() -> None:
    m = Marker(3, 1, 2, 2)
    bits = encode(m)
    assert len(bits) == MODULES and decode(bits) == m
    for i in range(1, MODULES - 1):  # any single flipped module is caught by the CRC
        flipped = bits.copy()
        flipped[i] ^= 1
        assert decode(flipped) is None
    assert decode(list(reversed(bits))) is None  # read upside down
    assert decode([0] * MODULES) is None


def test_unknown_version_is_not_in_the_catalogue() -> None:
    assert form_for(3, 2) is BY_KEY["W1"]
    assert form_for(3, 1) is not None and form_for(3, 1) is not BY_KEY["W1"]  # still read (no identity row)
    assert form_for(7, 1) is BY_KEY["X1"]
    assert form_for(3, 9) is None and form_for(60, 1) is None


def test_comb_cells_follow_the_groups() -> None:
    postcode = BY_KEY["W1"].field("postcode")
    cells = comb_cells(postcode)
    assert len(cells) == 7 and cells[3].x - cells[2].x > cells[1].x - cells[0].x


def _m(key: str, page: int = 1) -> Marker:
    form = BY_KEY[key]
    return Marker(form.code, form.version, page, form.page_count)


def test_split_by_separator_and_by_markers() -> None:
    sep = _m("S0")
    stack = [_m("W1", 1), _m("W1", 2), None, sep, None, _m("B1", 2), _m("B1", 1), None,
             _m("W2", 1), _m("W2", 2), _m("C1"), None, _m("W1", 1), _m("W1", 2)]
    segments = plan(stack)
    assert [s.pages for s in segments] == [[0, 1, 2], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13]]
    assert [s.main.code if s.main else None for s in segments] == [3, 2, 4, 3]
    assert segments[1].main_pages == [6, 5]  # put in page order
    assert plan([None, None])[0].main is None  # evidence alone: a segment without a form
    assert plan([sep, sep]) == []


@pytest.mark.parametrize(("name", "raw", "value", "status"), [
    ("name", Raw("山田 太郎", 95), "山田太郎", OK),
    ("name_kana", Raw("ヤマダ 夕ロウ", 95), "ヤマダタロウ", LOW_CONFIDENCE),  # a kanji look-alike mapped
    ("name_kana", Raw("山田", 95), None, INVALID),
    ("postcode", Raw("1638001", 90), "163-8001", OK),
    ("postcode", Raw("16380", 90), None, INVALID),
    ("phone", Raw("090-1234-5678", 90), "090-1234-5678", OK),
    ("email", Raw("yamada@example", 90), None, INVALID),
    ("email", Raw("genbal3@example.jp", 90), "genbal3@example.jp", LOW_CONFIDENCE),  # l or 1?
    ("email", Raw("satoO@example.jp", 90), "satoO@example.jp", LOW_CONFIDENCE),  # a capital: O or 0?
    ("email", Raw("k.tanakal@example.jp", 90), "k.tanakal@example.jp", LOW_CONFIDENCE),  # l or 1 before @
    ("email", Raw("yamada.taro@example.jp", 90), "yamada.taro@example.jp", OK),
    ("name_kana", Raw("アメヌル レクテ", 95), "アメヌルレクテ", LOW_CONFIDENCE),  # メ/ヌ confusable
    ("name_kana", Raw("カプ シキ ガイ シャ ミホン", 95), "カブシキガイシャミホン", OK),  # a sure correction
    ("employer_business_id", Raw("", 0), None, OK),  # optional and blank
    ("name", Raw("", 0), None, MISSING),
    ("birth_date", Raw(ticked=("昭和",), parts=("60", "04", "12"), confidence=90), "1985-04-12", OK),
    ("birth_date", Raw(ticked=("平成",), parts=("01", "01", "08"), confidence=90), "1989-01-08", OK),  # 元年
    ("birth_date", Raw(ticked=("昭和", "平成"), parts=("60", "04", "12"), confidence=90), None, INVALID),
    ("birth_date", Raw(ticked=("昭和",), parts=("64", "02", "01"), confidence=90), None, INVALID),  # after 昭和
    ("sex", Raw(ticked=("male", "female"), confidence=100), None, INVALID),
    ("sex", Raw(ticked=("female",), confidence=100), "female", OK),
    ("experience_years", Raw("1 2", 40), 12, LOW_CONFIDENCE),
    ("signature", Raw(ink=0.0), None, MISSING),
    ("signature", Raw(ink=0.05, confidence=100), True, OK),
])
def test_worker_form_normalisers(name: str, raw: Raw, value: object, status: str) -> None:
    r = normalise(BY_KEY["W1"].field(name), raw)
    assert (r.value, r.status) == (value, status), r
    if status != OK:
        assert r.reason


@pytest.mark.parametrize(("name", "text", "value", "status"), [
    ("corporate_number", "7123456789012", "7123456789012", OK),
    ("corporate_number", "7123456789013", None, INVALID),  # check digit
    ("corporate_number", "71234567890", None, INVALID),
    ("capital_yen", "10,000,000", 10_000_000, OK),
    ("capital_yen", "74.000,000", 74_000_000, OK),  # a dot where a thousands comma stands
    ("capital_yen", "216,.000,000", 216_000_000, LOW_CONFIDENCE),  # a speck: asked
    ("capital_yen", "7.4000000", 74_000_000, LOW_CONFIDENCE),  # a decimal point? asked
    ("licence_number", "東京都知事許可（般-30）第123号", "東京都知事許可(般-30)第123号", OK),
])
def test_business_form_normalisers(name: str, text: str, value: object, status: str) -> None:
    r = normalise(BY_KEY["B1"].field(name), Raw(text, 90))
    assert (r.value, r.status) == (value, status)


def test_insurer_and_employment_insurance_numbers() -> None:
    form = BY_KEY["W1"]
    assert normalise(form.field("insurer_number"), Raw("01130012", 90)).value == "01130012"
    assert normalise(form.field("insurer_number"), Raw("01130013", 90)).status == INVALID
    assert normalise(form.field("employment_insurance_number"), Raw("12345678901", 90)).value == "1234-567890-1"


def test_heisei_after_its_end_and_gannen() -> None:
    f = BY_KEY["C1"].field("signed_on")
    assert normalise(f, Raw(ticked=("平成",), parts=("31", "05", "01"), confidence=90)).value == "2019-05-01"
    assert normalise(f, Raw(ticked=("令和",), parts=("1", "5", "1"), confidence=90)).value == "2019-05-01"


def test_lookalikes_and_spacing() -> None:
    assert as_digits("O1l3") == ("0113", True)
    assert as_digits("0113") == ("0113", False)
    assert as_katakana("やまだ 工") == ("ヤマダ エ", True)
    assert join_japanese("東京 都 新宿 区 2 丁目") == "東京都新宿区2丁目"
    assert join_japanese("ABC Corp 東京") == "ABC Corp東京"
    assert as_kanji_in_context("配管エ") == ("配管工", True)
    assert as_kanji_in_context("ヤマダ エ") == ("ヤマダ エ", False)
    assert as_kanji_in_context("株式会社ロイヤル建設") == ("株式会社ロイヤル建設", False)
    assert suspicious("西新宿2丁目8番]号") and suspicious("8番l号") and not suspicious("東京都千代田区1-3-2")


def test_suspicious_or_mapped_text_is_read_at_low_confidence() -> None:
    trade = BY_KEY["W1"].field("trade")
    assert (normalise(trade, Raw("配管 エ", 95)).value, normalise(trade, Raw("配管 エ", 95)).status) == (
        "配管工", LOW_CONFIDENCE)
    assert normalise(BY_KEY["W1"].field("address"), Raw("東京 都 8 番 ] 号", 95)).status == LOW_CONFIDENCE


@pytest.mark.parametrize(("name", "first", "second", "value", "status"), [
    # Both recognisers agree after the field's normalisation: accepted, however doubtful either was.
    ("name", "木吉 一郎", "木吉一郎", "木吉一郎", OK),
    ("address", "東京 都 新宿 区 西新宿 2 丁目 8 番 1 号", "東京都新宿区西新宿2丁目8番1号", "東京都新宿区西新宿2丁目8番1号", OK),
    ("postcode", "1638001", "163-8001", "163-8001", OK),
    # They disagree: the second recogniser's reading kept, the field flagged with both.
    ("name", "口吉 和志", "口吉和也", "口吉和也", LOW_CONFIDENCE),
    ("name_kana", "タカハン", "タカハシ", "タカハシ", LOW_CONFIDENCE),  # ン for シ at 93 passed alone
    ("name_kana", "ョン", "ツヨシ", "ツヨシ", LOW_CONFIDENCE),
    ("postcode", "9900001", "9990001", "999-0001", LOW_CONFIDENCE),  # 990→999 at 74 passed alone
    ("experience_years", "4", "1", 1, LOW_CONFIDENCE),  # 管理者ID数 1→4 at 93 passed alone
    # One fails the field's rule: the other kept, still flagged.
    ("name_kana", "アエマム]ン", "アエマムシン", "アエマムシン", LOW_CONFIDENCE),
    ("name_kana", "タカハシ", "夕カ八シ3", "タカハシ", LOW_CONFIDENCE),
    ("name", "", "齋藤 花子", "齋藤花子", LOW_CONFIDENCE),  # one read nothing
    # Both fail the rule: invalid.
    ("postcode", "12", "123", None, INVALID),
    # Variant kanji: the form as written kept, and the reviewer asked to confirm it.
    ("name", "髙橋 一郎", "高橋 一郎", "髙橋一郎", LOW_CONFIDENCE),
    ("name", "柳田 美咲", "栁田 美咲", "栁田美咲", LOW_CONFIDENCE),
])
def test_two_recognisers_vote(name: str, first: str, second: str, value: object, status: str) -> None:
    f = BY_KEY["W1"].field(name)
    r = normalise(f, Raw(first, 93, check=second, check_confidence=80))
    assert (r.value, r.status) == (value, status), r
    if status == LOW_CONFIDENCE:
        [flag] = field_flags(BY_KEY["W1"], {name: r}, {})
        assert flag["code"] == "field_low_confidence" and flag["second_reading"] == second
        assert flag["read"] == (first or second)
        assert "字体" in flag["message"] if "髙" in first + second or "栁" in first + second else \
            "二つの読み取りが一致しません" in flag["message"]


def test_a_missing_field_read_by_neither_recogniser_is_missing() -> None:
    assert normalise(BY_KEY["W1"].field("name"), Raw("", 0, check="", check_confidence=0)).status == MISSING
    assert normalise(BY_KEY["W1"].field("employer_business_id"), Raw("", 0, check="")).status == OK


@pytest.mark.parametrize(("first", "second", "value", "status"), [
    (("08", "03", "14"), ("08", "03", "14"), "2026-03-14", OK),
    (("08", "03", "14"), ("06", "03", "14"), "2024-03-14", LOW_CONFIDENCE),  # 令和8 read as 6
    (("08", "13", "14"), ("08", "03", "14"), "2026-03-14", LOW_CONFIDENCE),  # no 13th month: the other kept
    (("08", "13", "14"), ("08", "13", "14"), None, INVALID),
])
def test_both_readings_of_a_date_must_agree(first: tuple[str, ...], second: tuple[str, ...], value: object,
                                            status: str) -> None:
    f = BY_KEY["W1"].field("applied_on")
    r = normalise(f, Raw(ticked=("令和",), parts=first, confidence=70, check_parts=second, check_confidence=95))
    assert (r.value, r.status) == (value, status), r


def test_an_unclear_era_tick_is_not_made_clear_by_agreeing_digits() -> None:
    f = BY_KEY["W1"].field("applied_on")
    r = normalise(f, Raw(ticked=("令和",), parts=("08", "03", "14"), confidence=40, tick_confidence=40,
                         check_parts=("08", "03", "14"), check_confidence=99))
    assert (r.value, r.status) == ("2026-03-14", LOW_CONFIDENCE)


def test_declared_data_and_flags_from_a_read_form() -> None:
    form = BY_KEY["W2"]
    readings = {f.name: normalise(f, Raw(confidence=0)) for f in form.fields()}
    readings["name"] = normalise(form.field("name"), Raw("佐藤 花子", 93))
    readings["birth_date"] = normalise(form.field("birth_date"),
                                       Raw(ticked=("平成",), parts=("02", "07", "01"), confidence=90))
    declared = to_declared(form, readings)
    assert declared["name"] == "佐藤花子" and declared["birth_date"] == "1990-07-01"
    assert declared["name_kana"] == ""  # unreadable, but still a string for the duplicate check
    assert declared["proxy"] == {"filer_business_id": None, "relation": None}
    assert "email" not in declared  # optional and blank: the model's default applies
    flags = field_flags(form, readings, {"name_kana": {"page": 1}})
    by_field = {f["field"]: f for f in flags}
    assert by_field["application.name_kana"]["code"] == "field_missing"
    assert by_field["application.name_kana"]["zone"] == {"page": 1}
    assert by_field["application.proxy.filer_business_id"]["severity"] == "block"
    assert all(f["field"] != "application.name" for f in flags)
    assert all(f.kind is not FieldKind.MARK or f.path is None for f in form.fields())


def test_classify_marker_less_pages() -> None:
    from ccus.models.forms.classify import classify

    assert classify("氏名 山田 太郎 昭和60年4月1日生 ... 運転免許証 公安委員会")[0] == "identity_document"
    assert classify("健康保険被保険者証 保険者番号 ■■■ 資格取得年月日")[0] == "insurance_proof"
    assert classify("履歴事項全部証明書 会社法人等番号 0113-01-012345 東京法務局")[0] == "registry_extract"
    assert classify("代行申請同意書 私は、下記の代行申請事業者が")[0] == "worker_consent"
    assert classify("お品書き 本日のおすすめ 天ぷら定食") == (None, [])
    assert classify("") == (None, [])


@pytest.mark.parametrize(("name", "both", "status"), [
    ("nationality", "B本", LOW_CONFIDENCE),  # a Japanese word starting with a latin letter (日本 → B本)
    ("address", "東京都新宿区西新宿2丁目8番]号", LOW_CONFIDENCE),  # a stray mark
    ("postcode", "16380O1", LOW_CONFIDENCE),  # a letter where a digit belongs
    ("name_kana", "パク ミンジュン", OK),  # パ alone is no doubt when both read it
    ("nationality", "日本", OK),
])
def test_field_rules_doubt_what_both_recognisers_agree_on(name: str, both: str, status: str) -> None:
    r = normalise(BY_KEY["W1"].field(name), Raw(both, 95, check=both, check_confidence=95))
    assert r.status == status, r


@pytest.mark.parametrize(("name", "both", "variant", "status"), [
    ("name", "高橋 一郎", "髙橋 一郎", LOW_CONFIDENCE),  # the second recogniser saw a trace of 髙
    ("name", "高橋 一郎", None, OK),
    ("name", "山崎 美咲", None, LOW_CONFIDENCE),  # 﨑 is read by neither: a 崎 in a name is asked
    ("address", "長崎県長崎市尾上町3番1号", None, OK),  # ... in an address it is not
    ("trade_name", "浜田建設株式会社", None, LOW_CONFIDENCE),
])
def test_a_variant_the_readings_may_hide_is_asked(name: str, both: str, variant: str | None, status: str) -> None:
    form = BY_KEY["W1"] if name in ("name", "address") else BY_KEY["B1"]
    r = normalise(form.field(name), Raw(both, 95, check=both, check_confidence=95, check_variant=variant))
    assert r.status == status, r
    if status == LOW_CONFIDENCE:
        assert "異体字" in (r.reason or "") and r.value == "".join(both.split())


@pytest.mark.parametrize(("name", "read", "value", "status"), [
    ("name_kana", "タカナシ カズャ", "タカナシカズヤ", OK),  # ャ cannot follow ズ
    ("name_kana", "ヤナギダ ョウコ", "ヤナギダヨウコ", OK),
    ("name_kana", "ワタナベ ッヨシ", "ワタナベツヨシ", OK),  # ッ never before ヨ
    ("name_kana", "キョウコ", "キョウコ", OK),  # ョ after キ stands
    ("name_kana", "ハットリ", "ハットリ", OK),
    ("email", "touroku@mihon-kensetsu.example.ip", "touroku@mihon-kensetsu.example.jp", LOW_CONFIDENCE),  # suggested, asked
    ("address", "北海道札幌市中央区北三条西5丁目27番地コ一ポ高橋1304号室",
     "北海道札幌市中央区北三条西5丁目27番地コーポ高橋1304号室", OK),
])
def test_sure_corrections_and_doubts_of_the_field_rules(name: str, read: str, value: str, status: str) -> None:
    r = normalise(BY_KEY["W1"].field(name), Raw(read, 95, check=read, check_confidence=95))
    assert (r.value, r.status) == (value, status), r


def test_kawa_read_as_two_strokes_is_put_right_and_asked() -> None:
    r = normalise(BY_KEY["C1"].field("employer_name"), Raw("株式会社長谷II建設", 95, check="株式会社長谷II建設", check_confidence=95))
    assert (r.value, r.status) == ("株式会社長谷川建設", LOW_CONFIDENCE), r


@pytest.mark.parametrize(("name", "read", "value", "status"), [
    ("email", "hamada74@genba.example.co.ip", "hamada74@genba.example.co.jp", LOW_CONFIDENCE),
    ("name", "濱田 直樹", "濱田直樹", LOW_CONFIDENCE),  # 濱 read: 濵 may have been written
])
def test_suggested_but_asked(name: str, read: str, value: str, status: str) -> None:
    r = normalise(BY_KEY["W1"].field(name), Raw(read, 95, check=read, check_confidence=95))
    assert (r.value, r.status) == (value, status), r


def test_a_company_reading_with_a_full_size_ya_is_put_right() -> None:
    r = normalise(BY_KEY["B1"].field("trade_name_kana"), Raw("ユウゲンガイシヤ ヤナギダグミ", 95, check="ユウゲンガイシヤヤナギダグミ",
                                                            check_confidence=95))
    assert (r.value, r.status) == ("ユウゲンガイシャヤナギダグミ", OK), r
