"""The web application (review UI + internet-channel API) under uvicorn."""

from __future__ import annotations

import sys

from ccus.infra.services.base import ServiceSpec, child_env, ensure_running, http_ok
from ccus.infra.services.env import service_env
from ccus.infra.settings import Settings

WEB_APP = "ccus.review_ui.app:app"


def web_healthy(settings: Settings) -> bool:
    return http_ok(f"{settings.web_url}/healthz")


def web_spec(settings: Settings) -> ServiceSpec:
    argv = [sys.executable, "-m", "uvicorn", WEB_APP,
            "--host", settings.web_host, "--port", str(settings.web_port_effective)]
    return ServiceSpec(
        name="web",
        argv=argv,
        health=lambda: web_healthy(settings),
        env=child_env({**service_env(settings), "PYTHONUNBUFFERED": "1"}),
        ports=(settings.web_port_effective,),
        timeout=60.0,
        describe=settings.web_url,
    )


def start_web(settings: Settings) -> int:
    """Starts (or reuses) the web app; healthy when ``GET /healthz`` answers 200."""
    pid, _ = ensure_running(settings, web_spec(settings))
    return pid
