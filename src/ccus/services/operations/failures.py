"""A stage that fails on a case: retry it later, or hand it to an operator now (失敗の扱い).

Two kinds of failure end a stage's work on a case:

* a **transient** failure (the database, S3, SMTP or the OCR engine out of reach, a timeout) may
  succeed on the next attempt: the case stays in its stage with the error recorded, and the next
  drain takes it again (``lease.release_with_error``; the re-drive caps the attempts);
* a **final** refusal (bad data that will never succeed: a transition the state machine refuses, a
  value that does not parse, a document that is gone from storage or cannot be read, a refusal
  raised by the rules) goes to ``needs_operator`` at once, through the gate, with the reason in the
  stage log, instead of being retried until the re-drive's cap.

An outage wins over bad data: an error raised while the database or S3 was out of reach (anywhere
in its chain of causes) is transient, whatever its own type. Anything not known to be final is
transient, as every failure was before this distinction.
"""

from __future__ import annotations

import logging

import pypdfium2 as pdfium
from botocore.exceptions import BotoCoreError, ClientError
from PIL import Image, UnidentifiedImageError
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ccus.infra.attachments import AttachmentError
from ccus.infra.db import unit_of_work
from ccus.models.errors import Refusal
from ccus.models.status import Status, allowed_targets
from ccus.models.tables import Application
from ccus.services.cases import advance, audit
from ccus.services.operations.lease import release_with_error

log = logging.getLogger(__name__)

ACTOR = "stage-failure"

# S3 answers for an object that is not there: the document is gone, and a retry will not bring it back.
MISSING_OBJECT = frozenset({"NoSuchKey", "404", "NotFound"})

# Refusals of the rules and unreadable documents: the same data fails the same way every time.
# ValueError covers TransitionError (the state machine), values that do not parse (dates, JSON,
# numbers); LookupError a required value missing from stored data; TypeError a stored value of the
# wrong shape.
FINAL: tuple[type[BaseException], ...] = (
    Refusal,  # every refusal of the rules and services (models/errors): ApplicationInvalid, RequestRefused …
    AttachmentError,
    UnidentifiedImageError,
    Image.DecompressionBombError,
    pdfium.PdfiumError,  # a PDF that PDFium cannot open or render
    ValueError,
    LookupError,
    TypeError,
)

# Outages and timeouts: worth another attempt later.
TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,  # ConnectionError, TimeoutError, smtplib.SMTPException, a Tesseract process that failed to start
    BotoCoreError,  # S3 endpoint out of reach, connection closed, read timeout
    DBAPIError,  # the database refused or dropped the connection (psycopg OperationalError …)
    DisconnectionError,
    PoolTimeout,
)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _missing_object(exc: BaseException) -> bool:
    if not isinstance(exc, ClientError):
        return False
    return str(exc.response.get("Error", {}).get("Code", "")) in MISSING_OBJECT


def is_final(exc: BaseException) -> bool:
    """True when ``exc`` is a final refusal (retrying the same case cannot succeed)."""
    chain = _chain(exc)
    if any(_missing_object(e) or isinstance(e, UnidentifiedImageError) for e in chain):
        return True
    if any(isinstance(e, TRANSIENT) for e in chain):
        return False
    if isinstance(exc, ClientError):  # S3 answered, but with an error other than "no such object"
        return False
    return isinstance(exc, FINAL)


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def record(app_id: int, what: str, exc: BaseException) -> bool:
    """Record that stage ``what`` failed on case ``app_id`` with ``exc``. A transient failure leaves
    the case in its stage to be retried; a final refusal moves it to ``needs_operator`` now (when
    the machine allows it from the case's status). Returns True when the case went to an operator."""
    error = f"{what}: {describe(exc)}"
    if is_final(exc) and _to_operator(app_id, what, error):
        log.warning("%s refused case id %s for good: %s", what, app_id, type(exc).__name__)
        return True
    log.warning("%s failed for case id %s: %s", what, app_id, type(exc).__name__)
    release_with_error(app_id, error)
    return False


def _to_operator(app_id: int, what: str, error: str) -> bool:
    with unit_of_work() as session:
        app = session.get(Application, app_id, with_for_update=True)
        if app is None or Status.NEEDS_OPERATOR not in allowed_targets(Status(app.status)):
            return False
        stage, attempts = app.status, app.attempts
        why = f"再試行しても解決しないエラーのため、オペレーター対応に回しました（{what}）。エラー：{error}"
        advance(session, app, Status.NEEDS_OPERATOR, actor=ACTOR, reason=why[:2000])
        audit(session, actor=ACTOR, action="case.needs_operator", application_id=app.id, stage=stage,
              attempts=attempts, last_error=error[:2000])
        return True
