"""Outgoing mail over SMTP (any server; aiosmtpd in the embedded stack)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlparse

from ccus.infra.settings import Settings, get_settings


def build_message(
    *, to_addr: str, subject: str, body: str, message_id: str, settings: Settings | None = None
) -> EmailMessage:
    s = settings or get_settings()
    msg = EmailMessage()
    msg["From"] = s.mail_from
    msg["To"] = to_addr
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    # A deterministic Message-ID: a resend after an ambiguous failure is recognisable downstream.
    msg["Message-ID"] = message_id
    msg.set_content(body, charset="utf-8")
    return msg


def send(msg: EmailMessage, settings: Settings | None = None) -> None:
    s = settings or get_settings()
    url = urlparse(s.smtp)
    port = url.port or (465 if url.scheme == "smtps" else 25)
    cls = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with cls(url.hostname or "127.0.0.1", port, timeout=30) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(url.username, url.password or "")
        smtp.send_message(msg)
