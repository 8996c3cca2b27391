"""Memory of the web process for one upload of twenty attachments: held in memory vs spooled.

    uv run python bench/upload_memory.py [--files 20] [--size-mb 4.5] [--seed 1]

The internet channel used to read every attachment of a request into bytes (``UploadFile.read``)
and hold all of them while intake checked, hashed and stored them. Now the files stay in their
spools (``review_ui/uploads.py``: in memory up to 1 MiB each, then on disk) and intake reads each
one only while it checks or stores it (``SpooledFile.data``).

In ONE run: starts PostgreSQL and S3 of an embedded stack in a temporary ``CCUS_HOME`` on a free
port base, migrates, then for each way starts the web app as a uvicorn process of its own ("held":
the app with ``uploads.incoming`` replaced by the old eager read; "spooled": the app as it is; the
pipeline trigger is off in both, Prefect is not running), sends a small application to warm it up,
resets the process's peak (``/proc/PID/clear_refs``), sends ONE business application with
``--files`` attachments (distinct noise JPEGs of about ``--size-mb`` each, all accepted and
stored), and prints the growth of the process's peak resident memory (``VmHWM`` minus the
resident size before the request) against the payload, and the ratio held / spooled.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

WAYS = ("held", "spooled")


def _serve(way: str, port: int) -> None:
    """The child: the web app under uvicorn, the old way or the new one."""
    import uvicorn

    from ccus.infra.settings import get_settings
    from ccus.review_ui import uploads
    from ccus.review_ui.app import create_app
    from ccus.review_ui.routes import applications
    from ccus.services.intake.submission import IncomingFile

    applications.trigger = lambda *_: None  # type: ignore[assignment]  # no Prefect in this bench
    if way == "held":  # as before: each file read into bytes when received, all held during intake
        def eager(role: str, upload: Any) -> IncomingFile:
            limit = get_settings().max_attachment_bytes + 1
            return IncomingFile(role, upload.filename or role, upload.content_type, upload.file.read(limit))

        uploads.incoming = eager  # type: ignore[assignment]
    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning")


def _corporate_number(rng: random.Random) -> str:
    """A 法人番号 with a correct check digit (as tests/support/factories.py makes them)."""
    base = f"{rng.randrange(10**11, 10**12):012d}"
    total = sum(int(d) * (1 if n % 2 == 1 else 2) for n, d in enumerate(reversed(base), start=1))
    return f"{9 - total % 9}{base}"


def _noise_jpeg(rng: random.Random, size_mb: float) -> bytes:
    """A JPEG of random pixels of about ``size_mb`` (noise barely compresses: ~1.2 bytes a pixel)."""
    from PIL import Image

    side = int((size_mb * 1024 * 1024 / 1.2) ** 0.5)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=95)
    return buf.getvalue()


def _request(rng: random.Random, files: int, size_mb: float) -> tuple[dict[str, str], list[Any], int]:
    from ccus import sample_applications as sa

    sample = sa.business(corporate_number=_corporate_number(rng))
    fields, _ = sa.multipart(sample)
    roles = ["registry_extract", "insurance_proof"] + ["other"] * (files - 2)
    parts = [(role, (f"scan{n:02d}.jpg", _noise_jpeg(rng, size_mb), "image/jpeg")) for n, role in enumerate(roles)]
    return fields, parts, sum(len(p[1][1]) for p in parts)


def _status(pid: int, key: str) -> float:
    """``VmRSS`` / ``VmHWM`` of ``pid`` in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def _measure(way: str, port: int, request: tuple[dict[str, str], list[Any], int], rng: random.Random) -> float:
    """Peak growth (MB) of a fresh web process of ``way`` over one request."""
    import httpx

    from ccus import sample_applications as sa

    child = subprocess.Popen([sys.executable, __file__, "--serve", way, "--port", str(port)])
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        warm = sa.business(corporate_number=_corporate_number(rng))
        fields, parts = sa.multipart(warm)
        assert httpx.post(f"{url}/api/v1/applications", data=fields, files=parts, timeout=120).status_code == 201
        Path(f"/proc/{child.pid}/clear_refs").write_text("5")  # reset VmHWM to the current size
        before = _status(child.pid, "VmRSS")
        fields, parts, _ = request
        r = httpx.post(f"{url}/api/v1/applications", data=fields, files=parts, timeout=600)
        assert r.status_code == 201, r.text
        return _status(child.pid, "VmHWM") - before
    finally:
        child.terminate()
        child.wait(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--size-mb", type=float, default=4.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve", choices=WAYS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.serve, args.port)
        return 0
    rng = random.Random(args.seed)

    from ccus.infra.services.base import free_port_base
    from ccus.infra.settings import embedded_settings, reset_settings
    from ccus.infra.stack import service_env, start_stack, stop_stack

    saved_env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="ccus-bench-upload-") as home:
        settings = embedded_settings(Path(home), free_port_base())
        try:
            start_stack(settings, services=("postgres", "s3"), progress=True)
            os.environ.update(service_env(settings))
            reset_settings()
            from ccus.infra.db import migrate

            migrate()
            growth = {}
            for way in WAYS:
                err.print(f"[bold]{way}[/]: {args.files} attachments of about {args.size_mb} MB …")
                request = _request(rng, args.files, args.size_mb)  # distinct files: S3 stores each
                payload = request[2] / 1024 / 1024
                growth[way] = _measure(way, settings.web_port_effective, request, rng)
            table = Table(title=f"web process, one request of {args.files} attachments ({payload:.0f} MB)")
            for column in ("way", "peak growth MB", "growth / payload"):
                table.add_column(column, justify="right")
            for way in WAYS:
                table.add_row(way, f"{growth[way]:.0f}", f"{growth[way] / payload:.2f}")
            out.print(table)
            out.print(f"held / spooled: [bold]{growth['held'] / max(growth['spooled'], 1):.1f}×[/]")
        finally:
            stop_stack(settings)
            os.environ.clear()
            os.environ.update(saved_env)
            reset_settings()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
