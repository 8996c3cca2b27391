"""Throughput of intake and of the automatic pipeline, and what Prefect's orchestration costs.

    uv run python bench/pipeline_throughput.py [--n 40] [--batch-size 50]

In ONE run, against an embedded stack of its own (temporary CCUS_HOME, free port base; PostgreSQL,
S3, SMTP and the Prefect server, started as ``tests/conftest.py`` does and stopped at the end):

1. builds N distinct internet applications (workers, and every fourth a business with its own
   法人番号), in two halves of the same mix;
2. submits half A through the real HTTP API (FastAPI TestClient, multipart) and drains it to
   awaiting_review through Prefect (``process_pipeline()``: flow + tasks on the real server);
3. submits half B the same way and drains it *directly*: the same service calls, the same loop,
   no Prefect;
4. checks that every case of each half is awaiting_review and that each way touched only its own
   half, then prints applications/s, the overhead ratio (Prefect / direct) and where the time goes.

A small warm-up batch goes through each way first, so imports, the flow's registration and the
first Tesseract start are charged to neither. The machine is shared and noisy: compare the figures
of one run with each other, not across runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import tempfile
import time
import uuid
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# Prefect reads its settings when it is imported: quiet it before anything can import it.
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")

STACK_SERVICES = ("postgres", "s3", "smtp", "prefect")
WARMUP_PER_WAY = 2  # one worker and one business through each way before timing
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)


# --- the stack, as tests/conftest.py's ``stack`` fixture starts it -------------------------------

# --- sample data: distinct people and businesses ---------------------------------------------------

_KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
_KANJI = "山田川本中村小林高橋佐藤鈴木伊渡辺松井石原森"


def _corporate_number(rng: random.Random) -> str:
    """A 法人番号 with a correct check digit (as tests/support/factories.py makes them)."""
    base = f"{rng.randrange(10**11, 10**12):012d}"
    total = sum(int(d) * (1 if n % 2 == 1 else 2) for n, d in enumerate(reversed(base), start=1))
    return f"{9 - total % 9}{base}"


def build_samples(count: int, rng: random.Random, used: set[Any], tag: str) -> list[Any]:
    """``count`` applications, every fourth a business; no two share a person or a 法人番号."""
    from ccus import sample_applications as sa

    result = []
    for i in range(count):
        if i % 4 == 3:
            number = _corporate_number(rng)
            while number in used:
                number = _corporate_number(rng)
            used.add(number)
            trade = "株式会社" + "".join(rng.choice(_KANJI) for _ in range(2)) + f"建設{tag}{i}"
            result.append(sa.business(trade_name=trade, corporate_number=number,
                                      email=f"biz-{number}@bench.example.jp"))
        else:
            while True:
                name = "".join(rng.choice(_KANJI) for _ in range(2)) + " " + "".join(rng.choice(_KANJI) for _ in range(2))
                kana = "".join(rng.choice(_KANA) for _ in range(3)) + " " + "".join(rng.choice(_KANA) for _ in range(3))
                born = date(1960, 1, 1) + timedelta(days=rng.randrange(40 * 365))
                if (name, kana, born) not in used and born not in used:
                    used.update({(name, kana, born), born})  # distinct birth dates: no in-flight twins
                    break
            result.append(sa.worker(name=name, kana=kana, birth_date=born,
                                    email=f"w-{tag}{i}-{rng.randrange(10**6)}@bench.example.jp"))
    return result


# --- measuring ------------------------------------------------------------------------------------

@dataclass
class Meter:
    """Seconds and calls per label, and the case ids each stage saw."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    touched: set[int] = field(default_factory=set)

    def add(self, label: str, seconds: float) -> None:
        self.seconds[label] += seconds
        self.calls[label] += 1


class Probe:
    """Timing wrappers around the service functions that both ways call (patched in memory only).

    The Prefect tasks look ``claims.claim``, ``pipeline.STAGES[...]`` and, inside ``extract``,
    ``ocr_many`` / ``s3.get_bytes`` up at call time, so the same wrappers time both ways.
    """

    def __init__(self) -> None:
        self.meter = Meter()
        self.progress: Progress | None = None
        self.task_id: Any = None
        self._undo: list[Callable[[], None]] = []

    @contextlib.contextmanager
    def phase(self, progress: Progress | None = None, task_id: Any = None) -> Iterator[Meter]:
        self.meter, self.progress, self.task_id = Meter(), progress, task_id
        try:
            yield self.meter
        finally:
            self.progress = self.task_id = None

    def _patch(self, owner: Any, name: str, wrapper: Callable[..., Any]) -> None:
        original = getattr(owner, name) if not isinstance(owner, dict) else owner[name]
        if isinstance(owner, dict):
            owner[name] = wrapper(original)
            self._undo.append(lambda: owner.__setitem__(name, original))
        else:
            setattr(owner, name, wrapper(original))
            self._undo.append(lambda: setattr(owner, name, original))

    def timed(self, label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
            def timed_fn(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return fn(*args, **kwargs)
                finally:
                    self.meter.add(label, time.perf_counter() - started)
            return timed_fn
        return wrap

    def install(self) -> None:
        from ccus.infra import s3
        from ccus.review_ui.routes import applications as routes
        from ccus.services.operations import lease
        from ccus.services.reading import pipeline

        self._patch(lease, "claim", self.timed("claim"))
        self._patch(pipeline, "ocr_many", self.timed("extract: OCR (Tesseract)"))
        self._patch(pipeline, "page_images", self.timed("extract: render pages"))
        self._patch(pipeline, "pdf_text_layer", self.timed("extract: PDF text layer"))
        self._patch(s3, "get_bytes", self.timed("extract: S3 get"))
        self._patch(routes, "trigger", self.timed("intake: trigger(run_deployment)"))
        for status in list(pipeline.STAGES):
            self._patch(pipeline.STAGES, status, self._stage(f"stage {status.value}"))
        # The flow looks its stages up as a module global: time each stage's task call as the flow
        # sees it (orchestration + the service call inside), to split task overhead from flow
        # overhead. Claims are plain calls of the drain loop (timed above as "claim").
        from dataclasses import replace

        from ccus.flows import pipeline as flow_module

        self._patch(flow_module, "READING_STAGES", lambda stages: tuple(
            replace(s, run=self.timed(f"task call: {s.status.value}")(s.run)) for s in stages))
        # Prefect 3.9's sync flow engine stops its heartbeat thread at the end of every flow run
        # and joins it; the thread sleeps in whole seconds. Time that stop (Prefect internals:
        # skipped if the name is gone in another version).
        import prefect.flow_engine as engine

        if callable(getattr(engine, "_send_heartbeats", None)):
            self._patch(engine, "_send_heartbeats", self._heartbeat)

    def _heartbeat(self, original: Callable[..., Any]) -> Callable[..., Any]:
        @contextlib.contextmanager
        def timed_heartbeats(*args: Any, **kwargs: Any) -> Iterator[None]:
            with contextlib.ExitStack() as stack:
                stack.enter_context(original(*args, **kwargs))
                try:
                    yield
                finally:
                    started = time.perf_counter()
                    stack.close()
                    self.meter.add("prefect: heartbeat thread stop", time.perf_counter() - started)
        return timed_heartbeats

    def _stage(self, label: str) -> Callable[[Callable[..., int]], Callable[..., int]]:
        def wrap(fn: Callable[..., int]) -> Callable[..., int]:
            def stage_fn(ids: list[int], actor: str) -> int:
                started = time.perf_counter()
                try:
                    moved = fn(ids, actor)
                finally:
                    self.meter.add(label, time.perf_counter() - started)
                self.meter.touched.update(ids)
                if self.progress is not None:
                    self.progress.advance(self.task_id, moved)
                return moved
            return stage_fn
        return wrap

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()


# --- the two ways ---------------------------------------------------------------------------------

def drain_direct(batch_size: int = 50, max_rounds: int = 1000) -> dict[str, int]:
    """``process_pipeline`` without Prefect: the same drain loop (tasks/drain.py, which imports no
    Prefect) over the service calls its stage tasks make."""
    from ccus.models.status import PIPELINE_NEXT
    from ccus.services.reading import pipeline
    from ccus.tasks.drain import Stage, drain

    def stage(status: Any) -> Stage:
        return Stage(status, lambda ids: pipeline.STAGES[status](ids, f"pipeline:{status.value}"))

    return drain([stage(status) for status in PIPELINE_NEXT], batch_size=batch_size, max_rounds=max_rounds)


def drain_prefect(batch_size: int = 50) -> dict[str, int]:
    from ccus.flows.pipeline import process_pipeline

    return process_pipeline(batch_size=batch_size)


# --- intake ---------------------------------------------------------------------------------------

def submit_all(client: Any, items: list[Any], progress: Progress, label: str) -> tuple[list[str], float]:
    from ccus import sample_applications as sa

    numbers: list[str] = []
    task = progress.add_task(label, total=len(items))
    started = time.perf_counter()
    for sample in items:
        fields, files = sa.multipart(sample)
        r = client.post("/api/v1/applications", data=fields, files=files,
                        headers={"Idempotency-Key": f"bench-{uuid.uuid4()}"})
        if r.status_code != 201:
            raise RuntimeError(f"submission refused: {r.status_code} {r.text[:500]}")
        numbers.append(r.json()["application_number"])
        progress.advance(task)
    return numbers, time.perf_counter() - started


def cases(numbers: list[str]) -> dict[str, tuple[int, str, str | None]]:
    """{application_number: (id, status, last_error)} from the applications table."""
    from sqlalchemy import select

    from ccus.infra.db import unit_of_work
    from ccus.models.tables import Application

    with unit_of_work() as session:
        rows = session.execute(select(Application.application_number, Application.id, Application.status,
                                      Application.last_error)
                               .where(Application.application_number.in_(numbers))).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


class BenchFailure(RuntimeError):
    pass


def verify(label: str, numbers: list[str], touched: set[int], others: set[int]) -> set[int]:
    found = cases(numbers)
    missing = sorted(set(numbers) - set(found))
    wrong = {n: (s, e) for n, (_, s, e) in found.items() if s != "awaiting_review"}
    ids = {i for i, _, _ in found.values()}
    problems = []
    if missing:
        problems.append(f"{len(missing)} case(s) not found: {missing[:5]}")
    if wrong:
        problems.append(f"{len(wrong)} case(s) not awaiting_review: "
                        + "; ".join(f"{n} {s} ({e})" for n, (s, e) in list(wrong.items())[:5]))
    if ids - touched:
        problems.append(f"{len(ids - touched)} case(s) of this half were not processed by this way")
    if touched & others:
        problems.append(f"this way touched {len(touched & others)} case(s) of another batch")
    if problems:
        raise BenchFailure(f"{label}: " + " | ".join(problems))
    return ids


# --- the run --------------------------------------------------------------------------------------

@dataclass
class Run:
    label: str
    apps: int
    seconds: float
    meter: Meter

    @property
    def work(self) -> float:
        """Seconds spent inside the service calls (claims + stage functions)."""
        return sum(v for k, v in self.meter.seconds.items() if k == "claim" or k.startswith("stage "))

    @property
    def task_runs(self) -> int:
        return sum(v for k, v in self.meter.calls.items() if k.startswith("task call:"))

    @property
    def task_seconds(self) -> float:
        """Seconds inside the task calls, as the flow saw them (orchestration + service call)."""
        return sum(v for k, v in self.meter.seconds.items() if k.startswith("task call:"))


def timed_drain(probe: Probe, progress: Progress, label: str, apps: int,
                drain: Callable[[], dict[str, int]]) -> Run:
    from ccus.models.status import PIPELINE_NEXT

    task = progress.add_task(label, total=apps * len(PIPELINE_NEXT))
    with probe.phase(progress, task) as meter:
        started = time.perf_counter()
        moved = drain()
        seconds = time.perf_counter() - started
    progress.update(task, completed=apps * len(PIPELINE_NEXT))
    if any(v != apps for v in moved.values()):
        raise BenchFailure(f"{label}: expected {apps} moved per stage, got {moved}")
    return Run(label, apps, seconds, meter)


def empty_drains(probe: Probe, drain: Callable[[], dict[str, int]], times: int = 3) -> Run:
    """Median of ``times`` drains with nothing to do (4 empty claims; one flow run via Prefect)."""
    samples = []
    for _ in range(times):
        with probe.phase() as meter:
            started = time.perf_counter()
            drain()
            samples.append((time.perf_counter() - started, meter))
    seconds, meter = sorted(samples, key=lambda s: s[0])[len(samples) // 2]
    return Run("empty", 0, seconds, meter)


def report(n: int, batch_size: int, intake_s: float, intake_meter: Meter, prefect: Run, direct: Run,
           empty_prefect: Run, empty_direct: Run) -> None:
    ratio = prefect.seconds / direct.seconds
    table = Table(title=f"Pipeline throughput (N={n}, {n // 2} per way, batch size {batch_size})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("N (applications submitted and drained)", str(n))
    table.add_row("intake, HTTP API in-process", f"{n / intake_s:.2f} apps/s")
    trig = intake_meter.seconds.get("intake: trigger(run_deployment)", 0.0)
    table.add_row("  of which trigger(run_deployment) per app",
                  f"{1000 * trig / max(1, intake_meter.calls.get('intake: trigger(run_deployment)', 0)):.0f} ms"
                  f" ({100 * trig / intake_s:.0f} % of intake)")
    table.add_row("  intake without that trigger", f"{n / (intake_s - trig):.2f} apps/s")
    table.add_row("pipeline via Prefect (flow + tasks)",
                  f"{prefect.apps / prefect.seconds:.2f} apps/s ({prefect.seconds:.2f} s)")
    table.add_row("pipeline direct (no Prefect)",
                  f"{direct.apps / direct.seconds:.2f} apps/s ({direct.seconds:.2f} s)")
    table.add_row("[bold]overhead ratio Prefect / direct[/]",
                  f"[bold]{ratio:.3f}  (+{100 * (ratio - 1):.1f} %)[/]")
    inner = prefect.seconds / prefect.work
    table.add_row("Prefect run alone: wall / its service calls",
                  f"{inner:.3f}  (+{100 * (inner - 1):.1f} %)")
    out.print(table)

    # Where the orchestration time goes: task calls as the flow saw them vs the service calls inside.
    task_overhead = prefect.task_seconds - prefect.work
    flow_overhead = prefect.seconds - prefect.task_seconds
    t2 = Table(title="Orchestration (the Prefect run)")
    t2.add_column("measure")
    t2.add_column("value", justify="right")
    heartbeat = prefect.meter.seconds.get("prefect: heartbeat thread stop")
    t2.add_row("wall time", f"{prefect.seconds:.2f} s")
    t2.add_row("in the service calls (claims + stages)", f"{prefect.work:.2f} s")
    t2.add_row(f"around the {prefect.task_runs} task runs",
               f"{task_overhead:.2f} s ({1000 * task_overhead / max(1, prefect.task_runs):.0f} ms/task)")
    t2.add_row("around the flow run (outside its tasks)", f"{flow_overhead:.2f} s")
    if heartbeat is not None:
        t2.add_row("  of which stopping the heartbeat thread", f"{heartbeat:.2f} s")
    t2.add_row("direct: outside the service calls", f"{1000 * (direct.seconds - direct.work):.0f} ms")
    t2.add_row("extra time via Prefect vs direct", f"{prefect.seconds - direct.seconds:+.2f} s")
    t2.add_row(f"empty drain via Prefect ({empty_prefect.task_runs} tasks), median/3",
               f"{empty_prefect.seconds:.2f} s")
    hb_empty = empty_prefect.meter.seconds.get("prefect: heartbeat thread stop")
    if hb_empty is not None:
        t2.add_row("  of which stopping the heartbeat thread", f"{hb_empty:.2f} s")
    t2.add_row("empty drain direct, median/3", f"{1000 * empty_direct.seconds:.0f} ms")
    out.print(t2)

    t3 = Table(title="Where the time goes (seconds; both ways, same instruments)")
    t3.add_column("part")
    t3.add_column("via Prefect", justify="right")
    t3.add_column("direct", justify="right")
    t3.add_column("direct %", justify="right")
    labels = sorted((k for k in {*prefect.meter.seconds, *direct.meter.seconds}
                     if not k.startswith(("task call", "prefect:"))),
                    key=lambda k: (not k.startswith("stage"), k))
    for label in labels:
        p, d = prefect.meter.seconds.get(label, 0.0), direct.meter.seconds.get(label, 0.0)
        t3.add_row(f"{label} ×{direct.meter.calls.get(label, 0)}", f"{p:.2f}", f"{d:.2f}",
                   f"{100 * d / direct.seconds:.1f}")
    ocr = direct.meter.seconds.get("extract: OCR (Tesseract)", 0.0)
    t3.add_row("[bold]direct: OCR vs the rest[/]", "",
               f"{ocr:.2f} / {direct.seconds - ocr:.2f}", f"{100 * ocr / direct.seconds:.1f}")
    t3.add_row("wall", f"{prefect.seconds:.2f}", f"{direct.seconds:.2f}", "100.0")
    out.print(t3)
    out.print("[dim]The machine is shared and noisy: compare figures within one run. The first ratio also "
              "carries the run-to-run noise of OCR between the halves; the second (Prefect's wall time over "
              "the service calls it made) does not. Stage lines include their OCR/S3 lines.[/]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="applications to measure (even; half per way)")
    parser.add_argument("--batch-size", type=int, default=50, help="claim batch size (process_pipeline's default)")
    parser.add_argument("--seed", type=int, default=None, help="seed for the sample people (default: random)")
    args = parser.parse_args(argv)
    if args.n < 2 or args.n % 2:
        parser.error("--n must be an even number ≥ 2 (two equal halves)")
    half = args.n // 2
    rng = random.Random(args.seed)

    from ccus.infra.services.base import free_port_base
    from ccus.infra.settings import embedded_settings, reset_settings
    from ccus.infra.stack import service_env, start_stack, stop_stack

    saved_env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="ccus-bench-") as home:
        settings = embedded_settings(Path(home), free_port_base())
        probe = Probe()
        try:
            err.print(f"[bold]embedded stack[/] in {settings.home_abs}, port base {settings.port_base}")
            start_stack(settings, services=STACK_SERVICES, progress=True)
            os.environ.update(service_env(settings))
            reset_settings()
            if "prefect" in sys.modules:  # nothing should have imported it yet; be safe anyway
                raise RuntimeError("prefect was imported before PREFECT_API_URL was set")

            from fastapi.testclient import TestClient

            from ccus.infra.db import migrate
            from ccus.review_ui.app import create_app

            migrate()
            probe.install()
            used: set[Any] = set()
            columns = (SpinnerColumn(), TextColumn("{task.description:<34}"), BarColumn(),
                       MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=err, transient=False) as progress:
                gen = progress.add_task("building sample applications", total=2 * WARMUP_PER_WAY + args.n)
                batches = {}
                for tag, count in (("wp", WARMUP_PER_WAY), ("wd", WARMUP_PER_WAY), ("a", half), ("b", half)):
                    # Warm-ups: a worker and a business (indices 0 and 3 of the mix).
                    items = build_samples(4 if count == WARMUP_PER_WAY else count, rng, used, tag)
                    if count == WARMUP_PER_WAY:
                        items = [items[0], items[3]]
                    batches[tag] = items
                    progress.advance(gen, len(items))

                with TestClient(create_app()) as client:
                    # Warm-up: the first requests, Prefect's import and flow registration, Tesseract.
                    warm_p, _ = submit_all(client, batches["wp"], progress, "warm-up intake (Prefect way)")
                    with probe.phase() as m_wp:
                        drain_prefect(args.batch_size)
                    ids_wp = verify("warm-up via Prefect", warm_p, m_wp.touched, set())
                    warm_d, _ = submit_all(client, batches["wd"], progress, "warm-up intake (direct way)")
                    with probe.phase() as m_wd:
                        drain_direct(args.batch_size)
                    ids_wd = verify("warm-up direct", warm_d, m_wd.touched, ids_wp)
                    # Fixed costs of a drain with nothing to do (one flow run + 4 claim tasks).
                    empty_prefect = empty_drains(probe, lambda: drain_prefect(args.batch_size))
                    empty_direct = empty_drains(probe, lambda: drain_direct(args.batch_size))

                    # Half A: intake, then through Prefect.
                    with probe.phase() as intake_meter_a:
                        numbers_a, intake_a = submit_all(client, batches["a"], progress, "intake half A")
                    prefect = timed_drain(probe, progress, "half A via Prefect", half,
                                          lambda: drain_prefect(args.batch_size))
                    ids_a = verify("half A via Prefect", numbers_a, prefect.meter.touched, ids_wp | ids_wd)
                    # Half B: intake, then direct.
                    with probe.phase() as intake_meter_b:
                        numbers_b, intake_b = submit_all(client, batches["b"], progress, "intake half B")
                    direct = timed_drain(probe, progress, "half B direct", half,
                                         lambda: drain_direct(args.batch_size))
                    verify("half B direct", numbers_b, direct.meter.touched, ids_wp | ids_wd | ids_a)

            intake = Meter()
            for m in (intake_meter_a, intake_meter_b):
                for k in m.seconds:
                    if k.startswith("intake:"):
                        intake.seconds[k] += m.seconds[k]
                        intake.calls[k] += m.calls[k]
            report(args.n, args.batch_size, intake_a + intake_b, intake, prefect, direct,
                   empty_prefect, empty_direct)
            return 0
        except BenchFailure as exc:
            err.print(f"[bold red]FAILED[/] {exc}")
            return 1
        finally:
            probe.uninstall()
            with contextlib.suppress(Exception):
                from ccus.infra.orchestrator import flush_prefect

                flush_prefect()
            err.print("stopping the stack …")
            stop_stack(settings)
            os.environ.clear()
            os.environ.update(saved_env)
            reset_settings()


if __name__ == "__main__":
    sys.exit(main())
