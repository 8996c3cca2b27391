"""Detached child processes with pid files, health waits and orderly stops.

Every service of the embedded stack is one process started in its own session (so it outlives
the command that started it), its output appended to ``log_dir/<name>.log`` and its pid written
to ``run_dir/<name>.pid``. A pid file is trusted only while its process is alive, not a zombie, and
was created before the pid file was written (so a recycled pid is never mistaken for ours).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from ccus.infra.settings import Settings


class ServiceError(RuntimeError):
    """A service of the embedded stack could not be started, or is not healthy."""


@dataclass
class ServiceSpec:
    """How to run one service and how to tell that it is ready."""

    name: str
    argv: Sequence[str]
    health: Callable[[], bool]
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    user: str | None = None  # run as this system user (only when we are root)
    ports: Sequence[int] = ()  # must be free before the process is started
    timeout: float = 60.0
    describe: str = ""  # shown in status lines, e.g. the URL
    after_ready: Callable[[], None] | None = None  # runs once healthy (on reuse too)
    extra: dict[str, object] = field(default_factory=dict)


# First signal per service (then SIGKILL to the whole process group after the grace period).
# PostgreSQL: SIGINT is its "fast shutdown"; SIGTERM ("smart") would wait for every client to leave.
STOP_SIGNALS: dict[str, int] = {"postgres": signal.SIGINT}
STOP_GRACE: dict[str, float] = {"postgres": 30.0, "prefect": 20.0, "worker": 20.0}
# Clean-ups after a service has stopped (registered by the service modules).
AFTER_STOP: dict[str, Callable[[Settings], None]] = {}


def venv_executable(name: str) -> str:
    """An executable installed next to the running interpreter (the venv's ``bin``), else on PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        raise ServiceError(f"executable {name!r} not found next to {sys.executable} nor on PATH")
    return found


def pid_file(settings: Settings, name: str) -> Path:
    return settings.run_dir / f"{name}.pid"


def log_file(settings: Settings, name: str) -> Path:
    return settings.log_dir / f"{name}.log"


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _alive(proc: psutil.Process) -> bool:
    # psutil ships no type information (its calls are Any to mypy): bool() states the result type.
    try:
        return bool(proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def running_pid(settings: Settings, name: str) -> int | None:
    """The pid of this stack's ``name`` service if it is running; removes a stale pid file."""
    path = pid_file(settings, name)
    try:
        pid = int(path.read_text().split()[0])
        written = path.stat().st_mtime
    except (OSError, ValueError, IndexError):
        return None
    try:
        proc = psutil.Process(pid)
        if _alive(proc) and proc.create_time() <= written + 2.0:
            return pid
    except psutil.Error:
        pass
    path.unlink(missing_ok=True)
    return None


def write_pid(settings: Settings, name: str, pid: int) -> None:
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    tmp = pid_file(settings, name).with_suffix(".pid.tmp")
    tmp.write_text(f"{pid}\n")
    tmp.replace(pid_file(settings, name))


@contextlib.contextmanager
def service_lock(settings: Settings, name: str) -> Iterator[None]:
    """Serialises start/stop of one service across processes (two ``ccus up`` at once)."""
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.run_dir / f"{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def stack_ports(base: int) -> list[int]:
    """The ports a stack on ``base`` listens on: port_base … +19 (PostgreSQL, S3, Prefect, SMTP,
    web, worker health, SeaweedFS internals) and SeaweedFS's admin gRPC, which weed pins at admin
    port + 10000 (see ``services.s3``)."""
    return [*range(base, base + 20), base + 17 + 10000]


def free_port_base() -> int:
    """A port base in 16000 … 21970, away from the default 15400, whose ports are all free: for a
    second stack beside a running one (tests, benchmarks). Every port (admin gRPC included,
    ≤ 31987) stays below the kernel's ephemeral range (32768+), so an outgoing connection can never
    take one of them while the stack runs."""
    for attempt in range(200):
        base = 16000 + ((os.getpid() + attempt) % 200) * 30
        if all(port_free(port) for port in stack_ports(base)):
            return base
    raise RuntimeError("no free port range for a second stack (16000 … 21970)")


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            status: int = resp.status  # typeshed types urlopen()'s result as Any
            return 200 <= status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def spawn(settings: Settings, spec: ServiceSpec) -> int:
    """Start ``spec`` detached (own session), output appended to its log; writes the pid file."""
    busy = [p for p in spec.ports if not port_free(p)]
    if busy:
        raise ServiceError(
            f"{spec.name}: port(s) {', '.join(map(str, busy))} already in use by another process "
            f"(another stack? this one has CCUS_PORT_BASE={settings.port_base}; pick another)"
        )
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    log = log_file(settings, spec.name)
    with log.open("ab") as out:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        out.write(f"\n=== {stamp} starting {spec.name}: {' '.join(map(str, spec.argv))}\n".encode())
        out.flush()
        # user=None (Popen's default) keeps the current user.
        user = spec.user if spec.user and os.geteuid() == 0 else None
        proc = subprocess.Popen(
            list(map(str, spec.argv)),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=str(spec.cwd) if spec.cwd else None,
            env=dict(spec.env) if spec.env is not None else None,
            start_new_session=True,
            close_fds=True,
            user=user,
        )
    write_pid(settings, spec.name, proc.pid)
    return proc.pid


def wait_healthy(settings: Settings, spec: ServiceSpec, pid: int) -> None:
    """Polls ``spec.health`` until it passes; fails fast (quoting the log) if the process dies."""
    deadline = time.monotonic() + spec.timeout
    last: object = "not answering yet"
    delay = 0.1
    while True:
        try:
            proc = psutil.Process(pid)
            alive = _alive(proc)
        except psutil.Error:
            proc, alive = None, False
        if not alive:
            code = None
            if proc is not None:
                with contextlib.suppress(psutil.Error):
                    code = proc.wait(0)
            pid_file(settings, spec.name).unlink(missing_ok=True)
            raise ServiceError(
                f"{spec.name} exited during start-up (exit code {code}). "
                f"Tail of {log_file(settings, spec.name)}:\n{log_tail(log_file(settings, spec.name))}"
            )
        try:
            if spec.health():
                return
        except ServiceError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of a probe means "not yet"
            last = f"{type(exc).__name__}: {exc}"
        if time.monotonic() > deadline:
            raise ServiceError(
                f"{spec.name} not healthy after {spec.timeout:.0f} s (last check: {last}). "
                f"Tail of {log_file(settings, spec.name)}:\n{log_tail(log_file(settings, spec.name))}"
            )
        time.sleep(delay)
        delay = min(delay * 1.5, 1.0)


def ensure_running(settings: Settings, spec: ServiceSpec) -> tuple[int, bool]:
    """Starts ``spec`` unless this stack's instance is already running; waits until healthy.

    Returns ``(pid, reused)``. A process that dies or stays unhealthy is stopped and reported with
    the tail of its log.
    """
    with service_lock(settings, spec.name):
        pid = running_pid(settings, spec.name)
        reused = pid is not None
        if pid is None:
            pid = spawn(settings, spec)
        try:
            wait_healthy(settings, spec, pid)
        except ServiceError:
            if not reused:
                stop_pid(pid, STOP_SIGNALS.get(spec.name, signal.SIGTERM), 10.0)
                pid_file(settings, spec.name).unlink(missing_ok=True)
            raise
    if spec.after_ready is not None:
        spec.after_ready()
    return pid, reused


def _exited(proc: psutil.Process) -> bool:
    """True once ``proc`` is gone or a zombie with no thread left (Go's weed leaves its main
    thread a zombie while other threads still finish exiting)."""
    try:
        if proc.status() != psutil.STATUS_ZOMBIE:
            return not proc.is_running()
    except psutil.Error:
        return True
    try:
        return len(os.listdir(f"/proc/{proc.pid}/task")) <= 1
    except OSError:  # no /proc (not Linux) or already reaped
        return True


def _wait_gone(proc: psutil.Process, timeout: float) -> bool:
    """Waits until ``proc`` has exited: reaps it if it is our child, else polls (init reaps it)."""
    try:
        own_child = proc.ppid() == os.getpid()
    except psutil.Error:
        return True
    if own_child:
        try:
            proc.wait(timeout)
        except psutil.TimeoutExpired:
            return False
        except psutil.Error:
            pass
        return True
    deadline = time.monotonic() + timeout
    while not _exited(proc):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def stop_pid(pid: int, sig: int = signal.SIGTERM, grace: float = 15.0) -> None:
    """``sig`` to the process, wait up to ``grace`` s, then SIGKILL its whole process group."""
    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    try:
        pgid = os.getpgid(pid)
    except OSError:
        pgid = None
    own_group = pgid == pid  # started by spawn(): session and group leader
    with contextlib.suppress(psutil.Error):
        proc.send_signal(sig)
    if not _wait_gone(proc, grace):
        with contextlib.suppress(OSError, psutil.Error):
            if own_group:
                os.killpg(pid, signal.SIGKILL)
            else:
                proc.kill()
        _wait_gone(proc, 10.0)
    if own_group:  # whatever the leader left behind in its group (e.g. a worker's flow runs)
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)


def stop_service(settings: Settings, name: str) -> bool:
    """Stops this stack's ``name`` service if it runs; removes its pid file. True if it was running."""
    with service_lock(settings, name):
        pid = running_pid(settings, name)
        if pid is not None:
            stop_pid(pid, STOP_SIGNALS.get(name, signal.SIGTERM), STOP_GRACE.get(name, 15.0))
            if name in AFTER_STOP:
                AFTER_STOP[name](settings)
        pid_file(settings, name).unlink(missing_ok=True)
        return pid is not None


def child_env(extra: Mapping[str, str], drop: Sequence[str] = ()) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(extra)
    return env
