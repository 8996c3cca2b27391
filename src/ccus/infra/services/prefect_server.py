"""The Prefect server (on the embedded PostgreSQL) and a process worker for the ``ccus-process`` pool.

Nothing here imports Prefect at module level: the server and worker are child processes, and only
``ensure_work_pool`` loads the Prefect client.
"""

from __future__ import annotations

from ccus.infra.services.base import (
    ServiceError,
    ServiceSpec,
    child_env,
    ensure_running,
    http_ok,
    running_pid,
    venv_executable,
)
from ccus.infra.services.env import service_env
from ccus.infra.settings import Settings

WORK_POOL = "ccus-process"
_CLIENT_ONLY = ("PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_API_AUTH_STRING", "PREFECT_PROFILE")


def prefect_home(settings: Settings) -> str:
    return str(settings.home_abs / "prefect")


def worker_health_port(settings: Settings) -> int:
    return settings.port_base + 5


def prefect_healthy(settings: Settings) -> bool:
    return http_ok(f"{settings.prefect_api}/health")


def prefect_spec(settings: Settings, timeout: float = 180.0) -> ServiceSpec:
    if settings.database_url and not settings.prefect_database_url:
        raise ServiceError(
            "DATABASE_URL points at an external PostgreSQL but PREFECT_SERVER_DATABASE_CONNECTION_URL "
            "is not set: the Prefect server needs a database of its own (postgresql+asyncpg://…), "
            "or set PREFECT_API_URL to use an existing Prefect server"
        )
    env = child_env(
        {
            "PREFECT_HOME": prefect_home(settings),
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": settings.prefect_db_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_ENABLED": "false",  # the UI build adds seconds to start-up
            "PREFECT_UI_ENABLED": "false",
        },
        drop=_CLIENT_ONLY,
    )
    argv = [venv_executable("prefect"), "server", "start",
            "--host", "127.0.0.1", "--port", str(settings.prefect_port), "--no-ui"]
    return ServiceSpec(
        name="prefect",
        argv=argv,
        health=lambda: prefect_healthy(settings),
        env=env,
        cwd=settings.home_abs,
        ports=(settings.prefect_port,),
        timeout=timeout,
        describe=settings.prefect_api,
    )


def start_prefect(settings: Settings, timeout: float = 180.0) -> int | None:
    """Starts (or reuses) the Prefect server; returns its pid, None if PREFECT_API_URL is set.

    A fresh server runs its migrations first: 16–40 s on 2 cores.
    """
    if settings.prefect_api_url:
        return None
    settings.home_abs.mkdir(parents=True, exist_ok=True)
    pid, _ = ensure_running(settings, prefect_spec(settings, timeout))
    return pid


def ensure_work_pool(settings: Settings, name: str = WORK_POOL) -> None:
    """Creates the process work pool ``name`` (with Prefect's default job template) if missing."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.workers.process import ProcessWorker

    with (
        temporary_settings({PREFECT_API_URL: settings.prefect_api}),
        get_client(sync_client=True) as client,
    ):
        try:
            client.read_work_pool(name)
            return
        except ObjectNotFound:
            pass
        try:
            client.create_work_pool(
                WorkPoolCreate(
                    name=name,
                    type="process",
                    base_job_template=ProcessWorker.get_default_base_job_template(),
                )
            )
        except ObjectAlreadyExists:
            pass


def worker_spec(settings: Settings, pool: str = WORK_POOL) -> ServiceSpec:
    port = worker_health_port(settings)
    env = child_env(
        {
            **service_env(settings),  # the flow runs it spawns need the whole stack
            "PREFECT_WORKER_WEBSERVER_HOST": "127.0.0.1",
            "PREFECT_WORKER_WEBSERVER_PORT": str(port),
            "PREFECT_WORKER_QUERY_SECONDS": str(settings.worker_query_seconds),
            "PYTHONUNBUFFERED": "1",
        }
    )
    argv = [venv_executable("prefect"), "worker", "start", "--pool", pool, "--type", "process",
            "--name", f"ccus-{settings.port_base}", "--with-healthcheck", "--install-policy", "never"]
    return ServiceSpec(
        name="worker",
        argv=argv,
        health=lambda: http_ok(f"http://127.0.0.1:{port}/health"),
        env=env,
        ports=(port,),
        timeout=90.0,
        describe=f"pool {pool} → {settings.prefect_api}",
    )


def start_worker(settings: Settings, pool: str = WORK_POOL) -> int:
    """Starts (or reuses) a process worker polling ``pool`` (created first if missing)."""
    if not prefect_healthy(settings):
        raise ServiceError(f"no Prefect server answers at {settings.prefect_api}; start it first")
    if running_pid(settings, "worker") is None:  # importing Prefect's client costs seconds: once
        ensure_work_pool(settings, pool)
    pid, _ = ensure_running(settings, worker_spec(settings, pool))
    return pid
