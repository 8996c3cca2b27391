"""A read form → declared data and reviewer flags. Pure.

Paper cannot be refused: whatever was read becomes the case's declared data, and every field that
is missing, invalid or not clear enough becomes a flag naming the field, the reason and the zone
on the page image, so that the reviewer looks at exactly that box.
"""

from __future__ import annotations

from typing import Any

from ccus.models.flags import VALIDATION, Flag
from ccus.models.forms.normalise import LOW_CONFIDENCE, OK, Reading
from ccus.models.forms.spec import FieldKind, FormField, FormSpec
from ccus.models.japanese import normalize_text

STAGE = VALIDATION

# Fields the later stages need as strings even when unreadable (the duplicate check hashes them).
_ALWAYS_STRINGS = {"name", "name_kana", "trade_name", "trade_name_kana", "birth_date"}
_WORKER_KINDS = ("worker_registration", "proxy_worker_registration")


def ensure_keys(kind: str, declared: dict[str, Any]) -> dict[str, Any]:
    """The keys the later stages read, present even when nothing could be read (an unknown form
    version): empty strings for the person, an empty proxy. Flags say why they are empty."""
    if kind in _WORKER_KINDS:
        for key in ("name", "name_kana", "birth_date"):
            if declared.get(key) is None:
                declared[key] = ""
    if kind == "proxy_worker_registration":
        proxy = declared.setdefault("proxy", {})
        proxy.setdefault("filer_business_id", None)
        proxy.setdefault("relation", None)
        declared.setdefault("employer_business_id", None)
    return declared


def _put(out: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    for k in keys[:-1]:
        out = out.setdefault(k, {})
    out[keys[-1]] = value


def to_declared(form: FormSpec, readings: dict[str, Reading]) -> dict[str, Any]:
    """The declared data of ``form`` as read: valid values normalised, an invalid text kept as read
    (normalised width) so the reviewer sees it, anything else unreadable as None; an optional
    field left blank is left out (the model's default applies)."""
    out: dict[str, Any] = {}
    for f in form.fields():
        if f.path is None:
            continue
        r = readings.get(f.name)
        if r is None:
            continue
        if r.status in (OK, LOW_CONFIDENCE):
            if r.value is None and not f.required:
                continue
            _put(out, f.path, r.value)
        elif f.kind is FieldKind.TEXT:
            _put(out, f.path, normalize_text(r.raw))
        elif f.path in _ALWAYS_STRINGS:
            _put(out, f.path, "")
        else:
            _put(out, f.path, None)
    return ensure_keys(form.kind or "", out)


def reading_flag(form: FormSpec, f: FormField, r: Reading, zone: dict[str, Any]) -> dict[str, Any]:
    """A reviewer flag for a field that was not read cleanly."""
    severity = "warn" if r.status == LOW_CONFIDENCE else "block"
    code = {"missing": "field_missing", "invalid": "field_invalid", LOW_CONFIDENCE: "field_low_confidence"}[r.status]
    return Flag(
        code, severity, f"{form.title} {f.page}ページ「{f.label}」: {r.reason}",
        f"application.{f.path}" if f.path else f"form.{form.key}.{f.name}", STAGE,
        {"reason": r.reason, "read": r.raw, "confidence": round(r.confidence, 1), "zone": zone,
         **({"second_reading": r.extra["second_reading"]} if "second_reading" in r.extra else {})},
    ).as_dict()


def field_flags(form: FormSpec, readings: dict[str, Reading],
                zones: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A flag per field not read cleanly; a later page's identity box is not flagged on its own
    (``ccus.models.forms.ties`` flags the page when it does not tie to page 1)."""
    return [reading_flag(form, form.field(name), r, zones.get(name, {}))
            for name, r in readings.items() if r.status != OK and form.field(name).ties is None]
