"""models/flags: one Flag type, stored in the shape the flags column has always held."""

from __future__ import annotations

from typing import Any

from ccus.models.flags import (
    BLOCK,
    CONSENT,
    WARN,
    Flag,
    blocking,
    dump_flags,
    extracted_documents,
    load_extracted,
    load_flags,
    mail_fields,
    replace_stage,
)


def test_a_flag_is_stored_with_the_five_keys_the_queue_and_case_screen_read() -> None:
    flag = Flag("missing_document", BLOCK, "顔写真が添付されていません。", "attachments.face_photo")
    assert flag.as_dict() == {"code": "missing_document", "severity": "block", "message": "顔写真が添付されていません。",
                              "field": "attachments.face_photo", "stage": "validation"}
    assert flag.blocking
    assert not Flag("x", WARN, "m").blocking


def test_a_paper_flag_keeps_its_extra_keys_even_when_they_are_null() -> None:
    stored: dict[str, Any] = {"code": "field_low_confidence", "severity": "warn", "message": "m",
                              "field": "application.name", "stage": "validation", "reason": "r", "read": "山田",
                              "confidence": 41.5, "zone": None, "second_reading": "山由"}
    flag = Flag.load(stored)
    assert flag.extra["zone"] is None and flag.extra["second_reading"] == "山由"
    assert flag.as_dict() == stored
    assert dump_flags(load_flags([stored])) == [stored]


def test_a_payment_flag_without_field_loads_with_field_none() -> None:
    flag = Flag.load({"code": "payment_amount_mismatch", "severity": "block", "stage": "payment", "message": "m"})
    assert flag.field is None and flag.stage == "payment" and flag.extra == {}


def test_a_stage_run_again_replaces_only_its_own_flags() -> None:
    stored = [Flag("a", WARN, "m").as_dict(), Flag("b", BLOCK, "old", stage=CONSENT).as_dict(),
              Flag("c", BLOCK, "m", stage="duplicate").as_dict()]
    out = replace_stage(stored, CONSENT, [Flag("d", WARN, "new", stage=CONSENT)])
    assert [f["code"] for f in out] == ["a", "c", "d"]
    assert replace_stage(stored, CONSENT, []) == [stored[0], stored[2]]


def test_blocking_counts_block_severity_only() -> None:
    stored = [{"severity": "block", "message": "x"}, {"severity": "warn"}, {"severity": "blocker"}, {}]
    assert blocking(stored) == [stored[0]]


def test_extracted_helpers() -> None:
    assert load_extracted(None) == {}
    assert extracted_documents([(3, "identity_document", 87.5, "山田"), (4, "face_photo", None, None)]) == [
        {"id": 3, "role": "identity_document", "confidence": 87.5, "chars": 2},
        {"id": 4, "role": "face_photo", "confidence": None, "chars": 0}]
    assert mail_fields({"mail": {"fields": {"name": {"status": "missing"}}}}) == {"name": {"status": "missing"}}
    assert mail_fields({"documents": []}) == {} and mail_fields(None) == {}
