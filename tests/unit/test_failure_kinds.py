"""Which failures of a stage are final (to an operator at once) and which are transient (retried)."""

from __future__ import annotations

import smtplib
import subprocess

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from PIL import UnidentifiedImageError
from sqlalchemy.exc import OperationalError

from ccus.models.errors import ApplicationInvalid, FieldError
from ccus.models.status import Status, TransitionError
from ccus.services.operations.failures import is_final


def _s3_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "GetObject")


def _caused_by(exc: Exception, cause: BaseException) -> Exception:
    try:
        raise exc from cause
    except Exception as raised:  # noqa: BLE001 - the chained exception is the value under test
        return raised


@pytest.mark.parametrize("exc", [
    TransitionError(Status.RECEIVED, Status.REGISTERED),
    ValueError("Invalid isoformat string: '2026-13-45'"),
    KeyError("business_id"),
    TypeError("'NoneType' object is not subscriptable"),
    ApplicationInvalid([FieldError("changes", "変更できない項目です。")]),
    _s3_error("NoSuchKey"),
    _s3_error("404"),
    UnidentifiedImageError("cannot identify image file"),
], ids=type)
def test_bad_data_and_missing_documents_are_final(exc: Exception) -> None:
    assert is_final(exc)


@pytest.mark.parametrize("exc", [
    EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
    ReadTimeoutError(endpoint_url="http://127.0.0.1:1"),
    _s3_error("SlowDown"),
    _s3_error("InternalError"),
    OperationalError("SELECT 1", {}, Exception("connection refused")),
    ConnectionRefusedError(111, "Connection refused"),
    TimeoutError("timed out"),
    smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
    subprocess.TimeoutExpired("tesseract", 30),
    RuntimeError("something unforeseen"),
], ids=type)
def test_outages_timeouts_and_the_unknown_are_transient(exc: Exception) -> None:
    assert not is_final(exc)


def test_bad_data_raised_during_an_outage_is_transient() -> None:
    assert not is_final(_caused_by(ValueError("no text"), ConnectionResetError(104, "reset by peer")))
    assert is_final(_caused_by(ValueError("bad page"), _s3_error("NoSuchKey")))
