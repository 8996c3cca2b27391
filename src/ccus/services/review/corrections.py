"""Field corrections (項目訂正): a reviewer fixes a declared field, with a reason.

The corrected data goes through the same rules as intake (so a correction cannot make the case
invalid), the value before and after is recorded, and the evidence checks that depend on the
declared data (validation, consent, duplicates) run again. A corrected case needs a second
approval by a different person (see ``services.review``).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ccus.infra.db import unit_of_work
from ccus.models.application_types import Channel
from ccus.models.declared import DECLARED_MODELS
from ccus.models.errors import Conflict, FieldError, from_validation_error
from ccus.models.review_rules import field_spec, get_path, with_path
from ccus.models.status import Status
from ccus.models.tables import FieldCorrection
from ccus.services.cases import audit, by_number
from ccus.services.reading import paper, pipeline
from ccus.services.review.queue import require_claim


class CorrectionRefused(Conflict):
    """A correction refused: the value is wrong (``invalid``, 422) or the case cannot take one now (409)."""

    INVALID_CODES = ("invalid", "reason_required", "unchanged")

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code, kind="invalid" if code in self.INVALID_CODES else None)
        self.code: str = code


def _parse(raw: str, current: Any) -> Any:
    raw = raw.strip()
    if raw == "":
        return None
    if isinstance(current, int) and not isinstance(current, bool):
        try:
            return int(raw)
        except ValueError:
            raise CorrectionRefused("invalid", "数値で入力してください。") from None
    return raw


def _refusal(kind: str, path: str, errors: list[FieldError]) -> str:
    """Why a correction is refused, naming each field at fault; errors in other fields (a paper
    form's unread fields, say) must be corrected first."""
    def named(e: FieldError) -> str:
        spec = field_spec(kind, e.path.removeprefix("application."))
        return f"「{spec.label if spec else e.path}」{e.message}"

    own = [e for e in errors if e.path.removeprefix("application.") == path]
    if own:
        return "訂正後の内容に誤りがあります：" + "、".join(named(e) for e in own)
    return ("ほかの項目に誤りがあるため訂正できません。先に次の項目を訂正してください："
            + "、".join(named(e) for e in errors))


def correct_field(application_number: str, *, path: str, value: str, reason: str, actor: str) -> FieldCorrection:
    """Set ``path`` of the declared data to ``value`` (normalised by the intake rules)."""
    if not reason.strip():
        raise CorrectionRefused("reason_required", "訂正の理由を入力してください。")
    with unit_of_work() as session:
        app = by_number(session, application_number, lock=True)
        if app.status != Status.AWAITING_REVIEW.value:
            raise CorrectionRefused("not_awaiting_review", "審査待ちの申請のみ訂正できます。")
        require_claim(session, app, actor)
        spec = field_spec(app.kind, path)
        if spec is None or not spec.correctable:
            raise CorrectionRefused("not_correctable", "この項目は訂正できません。")
        before = get_path(app.declared, path)
        candidate = with_path(app.declared, path, _parse(value, before))
        try:
            clean = DECLARED_MODELS[app.kind].model_validate(candidate).model_dump(mode="json")
        except ValidationError as exc:
            raise CorrectionRefused("invalid", _refusal(app.kind, path, from_validation_error(exc))) from None
        after = get_path(clean, path)
        if after == before:
            raise CorrectionRefused("unchanged", "訂正前と同じ値です。")
        app.declared = clean
        row = FieldCorrection(application_id=app.id, field=path, before=before, after=after,
                              reason=reason.strip(), actor=actor)
        session.add(row)
        docs = pipeline.docs_by_role(session, app.id)
        flags = [f.as_dict() for f in pipeline.validation_flags(app, docs, session)]
        if app.channel == Channel.MAIL.value:
            # Paper: the reading's flags stay, except those on the field the reviewer has now set.
            flags = [f for f in paper.model_flags(app) if f.get("field") != f"application.{path}"] + flags
        if app.kind == "proxy_worker_registration":
            # From the readings the consent stage kept: no S3 fetch, no OCR under this row lock.
            flags += [f.as_dict() for f in pipeline.consent_flags(session, app, docs, fetch=False)]
        flags += [f.as_dict() for f in pipeline.duplicate_flags(session, app)]
        app.flags = flags
        audit(session, actor=actor, action="case.field_corrected", application_id=app.id, field=path,
              before=before, after=after, reason=reason.strip())
        session.flush()
        return row
