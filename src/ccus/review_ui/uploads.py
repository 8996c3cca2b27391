"""Receiving a multipart upload (添付ファイルの受信) without holding it in memory.

The body is counted as it arrives, whatever its Content-Length says (a chunked body has none):
past ``settings.max_upload_bytes`` the request is refused at once (413) and the rest is never
read. Each file part is spooled to a temporary file (in memory up to 1 MiB, then on disk), the
number of file parts and of text fields is capped, and intake reads each file from its spool only
while it checks or stores that file (:class:`SpooledFile`), at most ``max_attachment_bytes`` + 1
bytes of it, so a request of twenty scans never holds twenty scans.

Used by the internet channel's two upload routes and the counter's intake form.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import IO
from urllib.parse import parse_qsl

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from ccus.infra.settings import get_settings
from ccus.models.errors import FieldError, Refusal
from ccus.services.intake.submission import IncomingFile

MAX_FILES = 20
MAX_FIELD_BYTES = 1024 * 1024


class UploadRefused(Refusal):
    """The body was refused before intake saw it: ``status`` 413 (too large) or 422 (malformed,
    too many parts); ``error`` names what."""

    def __init__(self, status: int, error: FieldError) -> None:
        super().__init__(error.message, kind=Refusal.kind_for(status), errors=[error])
        self.error = error


class SpooledFile(IncomingFile):
    """An attachment as received: its bytes stay in the spool and are read on each use of ``data``
    (at most ``limit`` bytes: one byte past the per-file cap, which intake then refuses)."""

    def __init__(self, role: str, filename: str, content_type: str | None, spool: IO[bytes], limit: int) -> None:
        for name, value in (("role", role), ("filename", filename), ("content_type", content_type)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_spool", spool)
        object.__setattr__(self, "_limit", limit)

    def __repr__(self) -> str:
        return f"SpooledFile(role={self.role!r}, filename={self.filename!r}, content_type={self.content_type!r})"

    @property
    def data(self) -> bytes:  # read on use, never kept
        spool: IO[bytes] = object.__getattribute__(self, "_spool")
        spool.seek(0)
        return spool.read(object.__getattribute__(self, "_limit"))


def too_large(limit: int) -> UploadRefused:
    return UploadRefused(413, FieldError(
        "body", f"送信データが大きすぎます（上限は {limit:,} バイトです）。添付ファイルを減らしてください。", "too_large"))


async def _counted(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise too_large(limit)
        yield chunk


async def receive(request: Request, *, max_fields: int, max_files: int = MAX_FILES) -> FormData:
    """The multipart form of ``request``, files spooled; raises :class:`UploadRefused`.

    The caller closes the form (``await form.close()``) once intake is done with its files.
    """
    limit = get_settings().max_upload_bytes
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise too_large(limit)
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("application/x-www-form-urlencoded"):  # fields only, no file
        return await _fields_only(request, max_fields)
    if not content_type.startswith("multipart/form-data"):
        raise UploadRefused(422, FieldError("body", "multipart/form-data 形式で送信してください。", "multipart"))
    try:
        async with aclosing(_counted(request, limit)) as stream:
            parser = MultiPartParser(request.headers, stream, max_files=max_files,
                                     max_fields=max_fields, max_part_size=MAX_FIELD_BYTES)
            return await parser.parse()
    except MultiPartException as exc:
        if exc.message.startswith("Too many files"):
            raise UploadRefused(422, FieldError(
                "attachments", f"添付ファイルは{max_files}件までです。", "too_many")) from None
        raise UploadRefused(422, FieldError(
            "body", f"multipart形式のデータを読み取れません（{exc.message}）。", "multipart")) from None


async def _fields_only(request: Request, max_fields: int) -> FormData:
    body = b"".join([chunk async for chunk in _counted(request, MAX_FIELD_BYTES)])
    try:
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=max_fields)
    except ValueError:
        raise UploadRefused(422, FieldError("body", "項目が多すぎます。", "too_many")) from None
    items: list[tuple[str, str | UploadFile]] = [(name, value) for name, value in pairs]
    return FormData(items)


def incoming(role: str, upload: UploadFile) -> IncomingFile:
    """The intake's view of one received file part (read from its spool when used)."""
    limit = get_settings().max_attachment_bytes + 1
    return SpooledFile(role, upload.filename or role, upload.content_type, upload.file, limit)
