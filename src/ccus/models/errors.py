"""Field-level errors for applicants, in Japanese, with the path of the field at fault."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ccus.models.text_rules import printable


@dataclass(frozen=True)
class FieldError:
    path: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message}


# Refusals (拒否) ------------------------------------------------------------------------------
# What a service answers when a request cannot be done as asked: a final business refusal (no
# retry changes it), nothing was changed. Its ``kind`` says why, in the words the web app maps to
# an HTTP status in one place (review_ui/failures.py); its ``message`` is Japanese, for the person
# who asked; its ``code`` is a stable word for programs; ``errors`` name the fields at fault.

STATUS_OF_KIND: dict[str, int] = {
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "too_large": 413,
    "invalid": 422,
    "locked": 423,
    "throttled": 429,
}
KIND_OF_STATUS = {status: kind for kind, status in STATUS_OF_KIND.items()}

CASE_NOT_FOUND_JA = "該当する申請が見つかりません。"
INVALID_JA = "入力内容に誤りがあります。"


class Refusal(Exception):
    """A request refused for a business reason; ``kind`` is one of ``STATUS_OF_KIND``."""

    kind: str = "conflict"

    def __init__(self, message: str, *, code: str | None = None, kind: str | None = None,
                 errors: list[FieldError] | None = None, retry_after: int | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind
        if self.kind not in STATUS_OF_KIND:
            raise ValueError(f"unknown refusal kind {self.kind!r}")
        self.message = message
        self.code = code
        self.errors = errors or []
        self.retry_after = retry_after

    @property
    def status(self) -> int:
        return STATUS_OF_KIND[self.kind]

    @staticmethod
    def kind_for(status: int) -> str:
        """The kind answered with HTTP ``status`` (for refusals still named by their status)."""
        return KIND_OF_STATUS[status]


class NotFound(Refusal):
    kind = "not_found"


class Conflict(Refusal):
    kind = "conflict"


class Forbidden(Refusal):
    kind = "forbidden"


class Invalid(Refusal):
    kind = "invalid"


class ApplicationInvalid(Invalid):
    """The application cannot be accepted as sent; nothing was stored. ``errors`` name each field."""

    def __init__(self, errors: list[FieldError], message: str = INVALID_JA) -> None:
        super().__init__(message, errors=errors)
        self.args = ("; ".join(f"{e.path}: {e.message}" for e in errors),)


_MESSAGES: dict[str, str] = {
    "missing": "必須項目です。",
    "extra_forbidden": "この項目は受け付けられません（不明な項目）。",
    "string_type": "文字列で入力してください。",
    "string_too_short": "入力してください。",
    "string_too_long": "文字数が上限（{max_length}文字）を超えています。",
    "string_pattern_mismatch": "形式が正しくありません。",
    "int_type": "整数で入力してください。",
    "int_parsing": "整数で入力してください。",
    "greater_than_equal": "{ge}以上の値を入力してください。",
    "less_than_equal": "{le}以下の値を入力してください。",
    "literal_error": "次のいずれかを指定してください：{expected}",
    "date_type": "日付（YYYY-MM-DD）で入力してください。",
    "date_parsing": "日付（YYYY-MM-DD）で入力してください。",
    "date_from_datetime_parsing": "日付（YYYY-MM-DD）で入力してください。",
    "list_type": "配列で入力してください。",
    "too_short": "{min_length}件以上入力してください。",
    "too_long": "{max_length}件以下にしてください。",
    "model_type": "オブジェクトで入力してください。",
    "dict_type": "オブジェクトで入力してください。",
    "bool_type": "true または false を指定してください。",
    "value_error": "{error}",
    "forbidden_character": "{reason}",
}


def message_for(kind: str, ctx: dict[str, Any] | None) -> str:
    """The Japanese message for a pydantic error type."""
    template = _MESSAGES.get(kind, "入力内容が正しくありません。")
    try:
        return template.format(**(ctx or {}))
    except (KeyError, IndexError):
        return "入力内容が正しくありません。"


def path_of(loc: tuple[Any, ...] | list[Any]) -> str:
    """A field's dotted path; a hostile key in it is shown with its refused characters replaced."""
    return printable(".".join(str(p) for p in loc))


_path = path_of


def from_validation_error(exc: ValidationError, prefix: str = "application") -> list[FieldError]:
    out: list[FieldError] = []
    for err in exc.errors(include_url=False):
        kind = err["type"]
        ctx = dict(err.get("ctx") or {})
        loc = tuple(err["loc"])
        if kind == "value_error":
            text = str(ctx.get("error", err["msg"]))
            # Model-level validators name their field as "path|message".
            if "|" in text:
                field, text = text.split("|", 1)
                loc = loc + tuple(field.split("."))
            if "valid email address" in text:
                text = "メールアドレスの形式が正しくありません。"
            message = text
        else:
            message = message_for(kind, ctx)
        out.append(FieldError(path=_path((prefix, *loc)), message=message, code=kind))
    return out
