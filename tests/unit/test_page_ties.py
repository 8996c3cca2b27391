"""Pages tied to their form (issue 12, item 6): each later page of an application form carries the
applicant's name and birth date again, read like every other field and compared with page 1; a
page 2 from another envelope, or one whose identity row cannot be read, is a blocking flag."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ccus import mail_samples as ms
from ccus.infra.form_reader import cut_page, locate, read_cuts
from ccus.models.forms.catalogue import BY_KEY, form_for
from ccus.models.forms.normalise import INVALID, LOW_CONFIDENCE, MISSING, OK, Reading, normalise
from ccus.models.forms.reading import field_flags
from ccus.models.forms.ties import Tie, compare, page_tie, tie_flags

W1 = BY_KEY["W1"]


def _r(value: Any, status: str = OK) -> Reading:
    return Reading(value, status, None if status == OK else "確認してください。", str(value or ""), 90.0)


# --- the comparison rule (pure) -------------------------------------------------------------------

@pytest.mark.parametrize(("first", "later", "tie"), [
    (_r("山田太郎"), _r("山田太郎"), Tie.SAME),
    (_r("山田 太郎"), _r("山田\u3000太郎"), Tie.SAME),  # spaces are not compared
    (_r("髙橋慎之介"), _r("高橋慎之介"), Tie.SAME),  # a variant kanji read as its common form
    (_r("髙橋慎之介", LOW_CONFIDENCE), _r("高橋慎之介"), Tie.SAME),
    (_r("1985-04-12"), _r("1985-04-12"), Tie.SAME),
    (_r("山田太郎"), _r("五十嵐陸斗"), Tie.DIFFERENT),
    (_r("1985-04-12"), _r("1990-03-04"), Tie.DIFFERENT),
    (_r("山田太郎"), _r("山田太朗", LOW_CONFIDENCE), Tie.UNKNOWN),  # a doubtful reading: cannot tell
    (_r("1985-04-12", LOW_CONFIDENCE), _r("1985-04-17"), Tie.UNKNOWN),
    (_r("山田太郎"), _r(None, MISSING), Tie.UNKNOWN),  # blank on page 2
    (_r("山田太郎"), _r(None, INVALID), Tie.UNKNOWN),  # unreadable on page 2
    (_r(None, MISSING), _r("山田太郎"), Tie.UNKNOWN),  # page 1 unreadable: nothing to tie to
    (_r("山田太郎"), None, Tie.UNKNOWN),
])
def test_the_comparison_rule(first: Reading, later: Reading | None, tie: Tie) -> None:
    assert compare(first, later) is tie


def test_an_optional_box_blank_on_either_page_is_not_counted() -> None:
    assert compare(_r("7123456789012"), _r(None), required=False) is None
    assert compare(_r(None), _r("7123456789012"), required=False) is None
    assert compare(_r("7123456789012"), _r("7123456789012"), required=False) is Tie.SAME
    assert compare(_r("7123456789012"), _r("1234567890123"), required=False) is Tie.DIFFERENT


def _readings(name: str, born: str, p2_name: Reading, p2_born: Reading) -> dict[str, Reading]:
    return {"name": _r(name), "birth_date": _r(born), "trade": _r("鉄筋工"),
            "p2_name": p2_name, "p2_birth_date": p2_born}


def test_a_page_that_does_not_tie_is_a_blocking_flag_naming_the_page() -> None:
    same = _readings("山田太郎", "1985-04-12", _r("山田太郎"), _r("1985-04-12"))
    assert tie_flags(W1, same) == []
    swapped = _readings("山田太郎", "1985-04-12", _r("五十嵐陸斗"), _r("1990-03-04"))
    [flag] = tie_flags(W1, swapped)
    assert flag["code"] == "form_page_mismatch" and flag["severity"] == "block"
    assert flag["message"] == ("2ページ目の氏名・生年月日が1ページ目と一致しません。"
                               "別の申請書の用紙が混入している可能性があります。")
    one_differs = _readings("山田太郎", "1985-04-12", _r("山田太郎"), _r("1990-03-04"))
    assert [f["code"] for f in tie_flags(W1, one_differs)] == ["form_page_mismatch"]
    blank = _readings("山田太郎", "1985-04-12", _r(None, MISSING), _r(None, MISSING))
    [flag] = tie_flags(W1, blank)
    assert flag["code"] == "form_page_untied" and flag["severity"] == "block" and "2ページ目" in flag["message"]
    # the identity boxes are not flagged again on their own
    assert field_flags(W1, blank, {}) == []


def test_a_missing_page_is_left_to_the_missing_page_flag() -> None:
    assert page_tie(W1, {"name": _r("山田太郎"), "birth_date": _r("1985-04-12")}, 2) is None
    assert tie_flags(W1, {"name": _r("山田太郎"), "birth_date": _r("1985-04-12")}) == []


def test_version_1_without_an_identity_row_is_still_read_but_never_tied() -> None:
    old = form_for(W1.code, 1)
    assert old is not None and old is not W1 and W1.version == 2
    assert not [f for f in old.fields() if f.ties]
    # the rows version 1 had are where they were
    assert {f.name: f.box for f in old.fields()} == {f.name: f.box for f in W1.fields() if not f.ties}
    [flag] = tie_flags(old, {"name": _r("山田太郎"), "trade": _r("鉄筋工")})
    assert flag["code"] == "form_page_untied" and "第1版" in flag["message"]


def test_every_multi_page_form_ties_its_later_pages() -> None:
    for form in (BY_KEY["W1"], BY_KEY["W2"], BY_KEY["B1"]):
        for page in form.pages[1:]:
            ties = [f for f in page.fields if f.ties]
            assert ties and all(f.path is None for f in ties), form.key
            for f in ties:
                first = form.field(f.ties or "")
                assert first.page == 1 and first.kind is f.kind and first.rule == f.rule, (form.key, f.name)


# --- a page 2 swapped between two envelopes, read as paper.py reads it --------------------------------

def _read(images: list[Any]) -> dict[str, Reading]:
    """The fields of one form's scanned pages, as ``services.reading.paper`` reads them: located,
    cut, read in one batch by both recognisers, normalised."""
    cuts, specs = [], []
    for image in images:
        located = locate(image)
        assert located is not None
        spec = form_for(located.marker.code, located.marker.version)
        assert spec is not None
        cuts.append(cut_page(image, located, spec.pages[located.marker.page - 1]))
        specs.append(spec)
    readings: dict[str, Reading] = {}
    for spec, raws in zip(specs, read_cuts(cuts), strict=True):
        for name, raw in raws.items():
            readings[name] = normalise(spec.field(name), raw)
    return readings


def test_a_page_2_swapped_between_two_envelopes_is_flagged() -> None:
    a = [ms.scan(p, seed=i) for i, p in enumerate(ms.pages("W1", ms.worker_values("山田 太郎", "ヤマダ タロウ", date(1985, 4, 12))))]
    b = [ms.scan(p, seed=10 + i) for i, p in enumerate(ms.pages(
        "W1", ms.worker_values("五十嵐 陸斗", "イガラシ リクト", date(1992, 11, 3), email="igarashi@example.jp")))]
    unswapped = _read(a)
    assert tie_flags(W1, unswapped) == [], tie_flags(W1, unswapped)
    swapped = _read([a[0], b[1]])
    flags = tie_flags(W1, swapped)
    assert [f["code"] for f in flags] == ["form_page_mismatch"], flags
    assert flags[0]["severity"] == "block" and flags[0]["page"] == 2
    # every field of the stray page itself read cleanly: only the tie tells it is not this case's
    assert swapped["trade"].status == OK
