"""A local SMTP server (aiosmtpd) that keeps every message it receives in a Maildir."""

from __future__ import annotations

import email
import email.policy
import smtplib
import sys
from email.message import EmailMessage
from pathlib import Path

from ccus.infra.services.base import ServiceSpec, child_env, ensure_running
from ccus.infra.settings import Settings


def smtp_healthy(settings: Settings) -> bool:
    with smtplib.SMTP("127.0.0.1", settings.smtp_port, timeout=2) as smtp:
        code, _ = smtp.ehlo()
        return code == 250


def smtp_spec(settings: Settings) -> ServiceSpec:
    # A Maildir's tmp/, new/, cur/: the handler creates them only when the folder itself is missing.
    for sub in ("tmp", "new", "cur"):
        (settings.maildir / sub).mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable, "-m", "aiosmtpd",
        "-n",  # do not setuid to nobody
        "-l", f"127.0.0.1:{settings.smtp_port}",
        "-c", "aiosmtpd.handlers.Mailbox", str(settings.maildir),
    ]
    return ServiceSpec(
        name="smtp",
        argv=argv,
        health=lambda: smtp_healthy(settings),
        env=child_env({"PYTHONUNBUFFERED": "1"}),
        cwd=settings.home_abs,
        ports=(settings.smtp_port,),
        timeout=30.0,
        describe=f"{settings.smtp} → {settings.maildir}",
    )


def start_smtp(settings: Settings) -> int | None:
    """Starts (or reuses) the local SMTP server; returns its pid, None if SMTP_URL is set."""
    if settings.smtp_url:
        return None
    pid, _ = ensure_running(settings, smtp_spec(settings))
    return pid


def read_maildir(settings: Settings) -> list[EmailMessage]:
    """Every message the local SMTP server received, oldest first (parsed with the default policy).

    The server adds ``X-Peer``, ``X-MailFrom`` and ``X-RcptTo`` headers (the SMTP envelope).
    """
    files: list[tuple[int, str, Path]] = []
    for sub in ("new", "cur"):
        folder = settings.maildir / sub
        if folder.is_dir():
            files.extend((p.stat().st_mtime_ns, p.name, p) for p in folder.iterdir() if p.is_file())
    files.sort()
    messages: list[EmailMessage] = []
    for _, _, path in files:
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # moved from new/ to cur/ meanwhile
            continue
        msg = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        messages.append(msg)
    return messages
