"""The environment a client process of the stack needs (app, flow runs, worker, tests)."""

from __future__ import annotations

from pathlib import Path

from ccus.infra.settings import Settings


def service_env(settings: Settings) -> dict[str, str]:
    """Variables that point a child process at this stack's servers (embedded or external)."""
    env = {
        "CCUS_HOME": str(settings.home_abs),
        "CCUS_PORT_BASE": str(settings.port_base),
        "DATABASE_URL": settings.db_url,
        "S3_ENDPOINT_URL": settings.s3_url,
        "AWS_ACCESS_KEY_ID": settings.aws_access_key_id,
        "AWS_SECRET_ACCESS_KEY": settings.aws_secret_access_key,
        "AWS_DEFAULT_REGION": settings.aws_region,
        "S3_BUCKET": settings.s3_bucket,
        "PREFECT_API_URL": settings.prefect_api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_HOME": str(settings.home_abs / "prefect"),
        "SMTP_URL": settings.smtp,
        # Where prefect.yaml's pull step finds the code (the project checkout).
        "CCUS_PROJECT_DIR": str(Path(__file__).resolve().parents[4]),
    }
    if settings.prefect_database_url:
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = settings.prefect_database_url
    if settings.web_port is not None:
        env["CCUS_WEB_PORT"] = str(settings.web_port)
    if settings.web_host != "127.0.0.1":
        env["CCUS_WEB_HOST"] = settings.web_host
    return env
