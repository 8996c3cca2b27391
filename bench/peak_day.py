"""A peak day, end to end, through the servers as `ccus up` starts them.

    uv run python bench/peak_day.py [--apps 60] [--paper-share 0.2] [--clients 4] [--seed 1]
                                    [--stall-wait 180]

Starts everything `ccus up` starts (PostgreSQL, S3, SMTP, the Prefect server and its process
worker, the web app) in a temporary CCUS_HOME on a free port base, registers the deployments of
prefect.yaml, and runs one day:

- **intake**: ``--apps`` applications of every kind, generated here with varied people, addresses
  and businesses: over the internet (workers, businesses, proxy workers filed by a registered
  business signed in to the portal), sent over HTTP by ``--clients`` client processes (not this
  one), and on paper (``--paper-share``): scanned envelopes filled by hand (``bench/mail_intake.py``,
  ``hand_samples``) dropped into the scanner's inbox, which the ``mail-intake`` deployment takes in;
- **pipeline**: nothing is run by hand; the product's own triggers start the drains. The bench
  waits until every case of the day has left the automatic stages. If nothing moves for
  ``--stall-wait`` seconds while cases still wait, it records the stall (the cases' statuses, the
  flow runs of the pipeline deployment with their states, the web app's failed triggers) and then
  runs the pipeline by hand, as the operator did in issue 16, so the day can go on;
- **review**: every case awaiting review approved through the reviewers' API (a second reviewer
  where four-eyes asks for it);
- **charging**: the approvals start the issuance deployment, which charges the cases;
- **payment**: the bank's payment file for every open charge, imported by the service behind
  `ccus payments import`, which then starts issuance as the command does;
- **issuance**: until every approved case is registered.

For each phase it prints the wall time, the CPU seconds of each process group of the stack (each
process with its children, the finished ones included: a process's reaped children are in its
``children_user/system``), what the whole machine was busy with meanwhile (the machine is shared),
and projects the full day (1,500 applications, a fifth on paper) against the goal of 30 minutes on
a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

out = Console(highlight=False, width=200)
err = Console(stderr=True, highlight=False)

FULL_DAY = 1500
GOAL_MINUTES = 30.0
PIPELINE_STATUSES = ("received", "documents_stored", "extracted", "validated", "consent_checked")


# --- the applications --------------------------------------------------------------------------------

def _realistic_jpeg(data: bytes, scale: float, quality: int) -> bytes:
    """A sample's JPEG as a phone or a scanner sends it: larger and less compressed."""
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(data)).convert("RGB")
    img = img.resize((int(img.width * scale), int(img.height * scale)), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _corporate_number(rng: random.Random) -> str:
    base = f"{rng.randrange(10**11, 10**12):012d}"
    total = sum(int(d) * (1 if n % 2 == 1 else 2) for n, d in enumerate(reversed(base), start=1))
    return f"{9 - total % 9}{base}"


@dataclass
class Submission:
    key: str
    kind: str
    fields: dict[str, str]
    files: list[tuple[str, tuple[str, bytes, str]]]
    proxy: bool = False


def internet_applications(count: int, rng: random.Random, filer_id: str, filer_name: str) -> list[Submission]:
    """``count`` applications: 3 in 5 workers, 1 in 5 businesses, 1 in 5 proxy workers; no two
    share a person (distinct birth dates) or a 法人番号; attachments at phone/scanner sizes."""
    from dataclasses import replace

    from ccus import hand_samples as hs
    from ccus import sample_applications as sa

    born_used: set[date] = set()
    result = []
    for i in range(count):
        kind = ("worker", "worker", "business", "worker", "proxy")[i % 5]
        name, kana, romaji = hs.person(rng)
        while (born := date(1960, 1, 1) + timedelta(days=rng.randrange(40 * 365))) in born_used:
            pass
        born_used.add(born)
        if kind == "business":
            trade, trade_kana = hs.company(rng)
            sample = sa.business(trade_name=trade, corporate_number=_corporate_number(rng),
                                 email=f"{romaji}-{i}@bench.example.jp")
            sample = replace(sample, data=dict(sample.data, trade_name_kana=trade_kana, address=hs.address(rng)))
        elif kind == "worker":
            sample = sa.worker(name=name, kana=kana.replace("\u3000", " "), birth_date=born,
                               email=f"{romaji}-{i}@bench.example.jp", address=hs.address(rng),
                               employer_business_id=filer_id if rng.random() < 0.5 else None)
        else:
            sample = sa.proxy_worker(filer_business_id=filer_id, filer_name=filer_name, name=name,
                                     kana=kana.replace("\u3000", " "), birth_date=born)
        files = []
        for f in sample.files:
            data = f.data
            if f.role == "face_photo":
                data = _realistic_jpeg(data, 2.0, 92)
            elif f.role in ("identity_document", "insurance_proof"):
                data = _realistic_jpeg(data, 1.5, 90)
            files.append((f.role, (f.filename, data, f.content_type)))
        fields, _ = sa.multipart(sample)
        result.append(Submission(f"peak-{uuid.uuid4()}", sample.kind, fields, files, kind == "proxy"))
    return result


# --- the HTTP clients (run in other processes) ---------------------------------------------------------

def client_process(args: tuple[str, list[Submission], dict[str, str]]) -> list[tuple[str, float, float, int]]:
    """One client: sends its share in order; returns (申請番号 or error, start, end, HTTP status) each."""
    import httpx

    base_url, items, auth = args
    results = []
    with httpx.Client(base_url=base_url, timeout=300) as client:
        for s in items:
            started = time.time()
            try:
                r = client.post("/api/v1/applications", data=s.fields, files=s.files,
                                headers={"Idempotency-Key": s.key, **(auth if s.proxy else {})})
            except httpx.HTTPError as exc:  # reported, never raised: the pool could not send it back
                results.append((type(exc).__name__, started, time.time(), 0))
                continue
            number = r.json().get("application_number", "") if r.status_code == 201 else r.text[:200]
            results.append((number, started, time.time(), r.status_code))
    return results


# --- CPU of the stack ---------------------------------------------------------------------------------

def _group(cmdline: str) -> str:
    if "postgres" in cmdline or "pginst" in cmdline:
        return "PostgreSQL"
    if "weed" in cmdline:
        return "S3 (SeaweedFS)"
    if "prefect server" in cmdline or "prefect.server" in cmdline:
        return "Prefect server"
    if "worker start" in cmdline:
        return "Prefect worker + flow runs (+ Tesseract)"
    if "uvicorn" in cmdline:
        return "web app"
    if "aiosmtpd" in cmdline or "smtp" in cmdline:
        return "SMTP"
    return "other"


def tree_cpu(pid: int, exclude: frozenset[int] = frozenset()) -> float:
    """CPU seconds the process ``pid`` and all its descendants have used so far: every live
    process's own time plus its reaped children's (which include theirs); the subtrees of
    ``exclude`` left out."""
    try:
        root = psutil.Process(pid)
        procs = [root]
        for child in root.children(recursive=True):
            try:
                if child.pid in exclude or any(a.pid in exclude for a in child.parents()):
                    continue
            except psutil.NoSuchProcess:
                continue
            procs.append(child)
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return total


def machine_busy() -> float:
    t = psutil.cpu_times()
    return float(sum(t) - t.idle - getattr(t, "iowait", 0.0))


class Cpu:
    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = {}
        for pid in roots.values():
            try:
                self.roots[pid] = _group(" ".join(psutil.Process(pid).cmdline()))
            except psutil.NoSuchProcess:
                pass

    def snapshot(self) -> dict[str, float]:
        used: Counter[str] = Counter()
        for pid, group in self.roots.items():
            used[group] += tree_cpu(pid)
        used["bench (this process + clients)"] = tree_cpu(os.getpid(), frozenset(self.roots))
        used["whole machine"] = machine_busy()
        return dict(used)


@dataclass
class Phase:
    name: str
    seconds: float
    cpu: dict[str, float]
    note: str = ""
    cases: int = 0


@dataclass
class Day:
    phases: list[Phase] = field(default_factory=list)
    stall: dict[str, Any] = field(default_factory=dict)


# --- looking at the cases -----------------------------------------------------------------------------

def statuses(since_id: int) -> Counter[str]:
    from sqlalchemy import func, select

    from ccus.infra.db import unit_of_work
    from ccus.models.tables import Application

    with unit_of_work() as session:
        rows = session.execute(select(Application.status, func.count()).where(Application.id > since_id)
                               .group_by(Application.status))
        counts = Counter({str(s): int(n) for s, n in rows})
        # cases of the automatic stages leased by a drain at work (the rest wait for one to claim them)
        counts["(leased)"] = int(session.scalar(select(func.count()).where(
            Application.id > since_id, Application.status.in_(PIPELINE_STATUSES),
            Application.claimed_until > func.now())) or 0)
        return counts


def max_case_id() -> int:
    from sqlalchemy import func, select

    from ccus.infra.db import unit_of_work
    from ccus.models.tables import Application

    with unit_of_work() as session:
        return int(session.scalar(select(func.coalesce(func.max(Application.id), 0))) or 0)


def wait_until(what: str, done: Any, since_id: int, progress: Progress, total: int, *,
               stall_wait: float | None = None, on_stall: Any = None) -> tuple[float, list[tuple[float, dict[str, int]]]]:
    """Poll the day's statuses every second until ``done(counts)`` returns the cases done (an int)
    equal to ``total``; returns the seconds and the timeline of counts."""
    task = progress.add_task(what, total=total)
    started = last_change = time.monotonic()
    timeline: list[tuple[float, dict[str, int]]] = []
    last: dict[str, int] = {}
    while True:
        counts = statuses(since_id)
        now = time.monotonic()
        if dict(counts) != last:
            last, last_change = dict(counts), now
            timeline.append((now - started, dict(counts)))
        finished = done(counts)
        progress.update(task, completed=finished)
        if finished >= total:
            progress.remove_task(task)
            return now - started, timeline
        if stall_wait is not None and now - last_change > stall_wait and on_stall is not None:
            on_stall(counts, now - last_change)
            on_stall = None
        time.sleep(1.0)


# --- Prefect evidence ---------------------------------------------------------------------------------

def flow_run_report(api_url: str, since: datetime) -> list[dict[str, Any]]:
    """Every flow run created since ``since``: deployment, its state history (name and time)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterExpectedStartTime
    from prefect.settings import PREFECT_API_URL, temporary_settings

    names: dict[Any, str] = {}
    runs: list[dict[str, Any]] = []
    with temporary_settings(updates={PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        page = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            expected_start_time=FlowRunFilterExpectedStartTime(after_=since - timedelta(minutes=15),
                                                               before_=datetime.now(UTC))), limit=200)
        for run in page:
            history = sorted(client.read_flow_run_states(run.id), key=lambda s: s.timestamp)
            if not any(s.timestamp >= since for s in history):
                continue  # over before the day began
            if run.deployment_id not in names:
                names[run.deployment_id] = (client.read_deployment(run.deployment_id).name
                                            if run.deployment_id else "(no deployment)")
            runs.append({
                "deployment": names[run.deployment_id], "name": run.name,
                "created": run.created, "auto_scheduled": run.auto_scheduled,
                "states": [(s.name, s.timestamp) for s in history],
                "state": run.state.name if run.state else "?",
                "message": (run.state.message or "")[:120] if run.state else "",
            })
    runs.sort(key=lambda r: r["created"])
    return runs


def settle(api_url: str, limit: float = 240.0) -> None:
    """Wait (up to ``limit`` s) until no flow run is pending or running and none is due: the
    first scheduled runs of the deployments and the set-up's own runs are not counted in the day."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.settings import PREFECT_API_URL, temporary_settings

    busy = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
        any_=[StateType.PENDING, StateType.RUNNING, StateType.SCHEDULED])))
    deadline = time.monotonic() + limit
    with temporary_settings(updates={PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            now = datetime.now(UTC)
            runs = [r for r in client.read_flow_runs(flow_run_filter=busy, limit=200)
                    if r.state is not None and (not r.state.is_scheduled() or
                                                (r.expected_start_time is not None and r.expected_start_time <= now))]
            if not runs:
                return
            err.print(f"waiting for {len(runs)} set-up flow runs to end …")
            time.sleep(5)


def print_flow_runs(runs: list[dict[str, Any]], t0: datetime) -> None:
    table = Table(title="Flow runs of the day (times in s from the start of intake)")
    for col in ("deployment", "created", "by", "states (s)", "now"):
        table.add_column(col)
    for r in runs:
        states = " → ".join(f"{name} {(ts - t0).total_seconds():.0f}" for name, ts in r["states"])
        table.add_row(r["deployment"], f"{(r['created'] - t0).total_seconds():.0f}",
                      "schedule" if r["auto_scheduled"] else "trigger", states, r["state"])
    out.print(table)


def failed_triggers(log_dir: Path) -> list[str]:
    lines = []
    for log in sorted(log_dir.glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if "could not trigger" in line:
                lines.append(f"{log.name}: {line[-200:]}")
    return lines


# --- the day ------------------------------------------------------------------------------------------

def paper_envelopes(count: int, rng: random.Random) -> list[Any]:
    if count == 0:
        return []
    import mail_intake as mi  # bench/mail_intake.py

    return list(mi.hand_corpus(count, rng, "peak", faults=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=60, help="applications of the day (default 60)")
    parser.add_argument("--paper-share", type=float, default=0.2, help="share on paper (default 0.2)")
    parser.add_argument("--clients", type=int, default=4, help="HTTP client processes (default 4)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stall-wait", type=float, default=180.0,
                        help="seconds with no case moving before the stall is recorded and the pipeline run by hand")
    args = parser.parse_args(argv)

    n_paper = round(args.apps * args.paper_share)
    n_net = args.apps - n_paper
    rng = random.Random(args.seed)
    load_before = os.getloadavg()

    from ccus.infra.orchestrator import deploy_all, run_deployment_now, run_here, trigger_after
    from ccus.infra.services.base import free_port_base, running_pid
    from ccus.infra.settings import embedded_settings, reset_settings
    from ccus.infra.stack import SERVICES, service_env, start_stack, stop_stack

    err.print(f"[bold]paper[/]: filling {n_paper} envelopes by hand …")
    envelopes = paper_envelopes(n_paper, rng)

    saved_env = dict(os.environ)
    day = Day()
    with tempfile.TemporaryDirectory(prefix="ccus-bench-peak-") as home:
        settings = embedded_settings(Path(home), free_port_base())
        try:
            err.print(f"[bold]the whole stack[/] in {home}, port base {settings.port_base}")
            start_stack(settings, services=SERVICES, progress=True)
            os.environ.update(service_env(settings))
            reset_settings()
            from ccus.infra.db import migrate

            migrate()
            deploy_all()
            err.print("deployments registered; a registered business for the proxy filings (`ccus demo`) …")
            from ccus import demo
            from ccus import sample_applications as sa

            rows = demo.run(settings.web_url)
            filer_id = rows[0].registry_id
            from sqlalchemy import select

            from ccus.infra.db import unit_of_work
            from ccus.infra.security import new_initial_password
            from ccus.models.tables import Business
            from ccus.services.auth.api_tokens import issue_token
            from ccus.services.auth.staff_accounts import add_user

            with unit_of_work() as session:
                filer_name = session.scalars(select(Business.trade_name).where(Business.business_id == filer_id)).one()
            tokens = []
            for who in ("peak-reviewer-1", "peak-reviewer-2"):
                add_user(who, "reviewer", new_initial_password(20), "ベンチ審査")
                tokens.append(issue_token(who, days=1))
            submissions = internet_applications(n_net, rng, filer_id, filer_name)
            sizes = [len(f[1][1]) for s in submissions for f in s.files]
            err.print(f"{len(submissions)} internet applications, {len(sizes)} attachments, "
                      f"{sum(sizes) / max(1, len(sizes)) / 1024:.0f} KiB average")

            settle(settings.prefect_api)
            pids = {name: running_pid(settings, name) for name in SERVICES}
            cpu = Cpu({k: v for k, v in pids.items() if v})
            since_id = max_case_id()
            t0 = datetime.now(UTC)
            run_day(args, settings, day, cpu, since_id, submissions, envelopes, filer_id,
                    sa.business().data["registrant"]["email"], tokens,
                    run_deployment_now, run_here, trigger_after)
            runs = flow_run_report(settings.prefect_api, t0)
            triggers = failed_triggers(settings.log_dir)
        finally:
            err.print("stopping the stack …")
            stop_stack(settings)
            os.environ.clear()
            os.environ.update(saved_env)
            reset_settings()
    report(args, day, n_net, n_paper, load_before, os.getloadavg())
    print_flow_runs(runs, t0)
    out.print(f"failed triggers in the logs: {len(triggers)}")
    for line in triggers[:20]:
        out.print(f"  {line}")
    return 0


def run_day(args: argparse.Namespace, settings: Any, day: Day, cpu: Cpu, since_id: int,
            submissions: list[Submission], envelopes: list[Any], filer_id: str, filer_email: str, tokens: list[str],
            run_deployment_now: Any, run_here: Any, trigger_after: Any) -> None:
    import httpx

    from ccus import demo
    from ccus.models.next_flows import Event
    from ccus.services.intake.postal import Folders

    total = len(submissions) + len(envelopes)
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn())
    with Progress(*columns, console=err) as progress:
        # intake: the clients in other processes, the envelopes into the scanner's inbox at once
        with httpx.Client(base_url=settings.web_url, timeout=120) as client:  # the filer signs in once
            portal = demo.portal_session(client, filer_id, filer_email)
        before = cpu.snapshot()
        started = time.monotonic()
        folders = Folders(settings.mail_intake_root).create()
        for env in envelopes:
            part = folders.inbox / f".{env.name}.part"
            part.write_bytes(env.data)
            part.rename(folders.inbox / env.name)
        if envelopes:  # what the scanner's 2-minute schedule would start; started now, not waited for
            from prefect.settings import PREFECT_API_URL, temporary_settings

            with temporary_settings(updates={PREFECT_API_URL: settings.prefect_api}):
                run_deployment_now("mail-intake/mail-intake", timeout=0)
        chunks = [submissions[i::args.clients] for i in range(args.clients)]
        ctx = multiprocessing.get_context("spawn")
        task = progress.add_task(f"intake over HTTP ({args.clients} client processes)", total=len(submissions))
        with ctx.Pool(args.clients) as pool:
            pending = pool.map_async(client_process, [(settings.web_url, c, portal) for c in chunks if c])
            while not pending.ready():
                progress.update(task, completed=sum(statuses(since_id).values()) - statuses(since_id)["(leased)"]
                                - _paper_cases(since_id))
                time.sleep(0.5)
            results = [r for chunk in pending.get() for r in chunk]
        progress.update(task, completed=len(submissions))
        refused = [r for r in results if r[3] != 201]
        latencies = sorted(r[2] - r[1] for r in results)
        p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0
        http_seconds = (max(r[2] for r in results) - min(r[1] for r in results)) if results else 0.0
        # paper intake done: every envelope processed or quarantined
        while sum(1 for d in (folders.processed, folders.quarantine) for f in d.rglob("*.pdf")) < len(envelopes):
            time.sleep(0.5)
        intake_seconds = time.monotonic() - started
        day.phases.append(Phase("intake", intake_seconds, _delta(before, cpu.snapshot()),
                                f"HTTP {len(results) - len(refused)}/{len(results)} in {http_seconds:.1f} s (first request to last answer) "
                                f"({len(results) / max(http_seconds, 1e-9):.1f} apps/s, p95 {p95 * 1000:.0f} ms); "
                                f"paper {len(envelopes)} envelopes", total))
        if refused:
            err.print(f"[red]{len(refused)} submissions refused[/], e.g. {refused[0]}")
        taken = len(results) - len(refused) + len(envelopes)  # one case an envelope (no page-set faults)

        # pipeline: the product's triggers only, unless it stalls
        before = cpu.snapshot()

        def on_stall(counts: Counter[str], still: float) -> None:
            waiting = {s: counts[s] for s in (*PIPELINE_STATUSES, "(leased)") if counts[s]}
            day.stall = {"at": time.monotonic() - pipeline_started, "still_for": still, "waiting": waiting,
                         "counts": dict(counts)}
            err.print(f"[yellow]stall[/]: nothing moved for {still:.0f} s, waiting {waiting}; running the pipeline by hand")
            from ccus.flows.pipeline import process_pipeline

            run_here(process_pipeline)

        pipeline_started = time.monotonic()
        seconds, timeline = wait_until(
            "pipeline → awaiting review", _past_pipeline, since_id,
            progress, taken, stall_wait=args.stall_wait, on_stall=on_stall)
        # from the end of the HTTP intake: the paper intake runs the pipeline on its cases too
        day.phases.append(Phase("pipeline to awaiting review", seconds, _delta(before, cpu.snapshot()),
                                f"{len(timeline)} changes of the counts", taken))
        day.stall["timeline"] = timeline

        # review through the reviewers' API
        before = cpu.snapshot()
        started = time.monotonic()
        approved, refusals = review_all(settings.web_url, tokens, since_id, progress)
        day.phases.append(Phase("review (reviewer API)", time.monotonic() - started, _delta(before, cpu.snapshot()),
                                f"{approved} approved; refused by the review rules (left to a reviewer's corrections): "
                                f"{refusals or 'none'}", approved))

        # charging: the approvals started the issuance deployment
        before = cpu.snapshot()
        started = time.monotonic()
        seconds, _ = wait_until("charging (issuance deployment)",
                                lambda c: c["awaiting_payment"] + c["registered"], since_id, progress, approved,
                                stall_wait=args.stall_wait, on_stall=lambda c, s: _by_hand("issuance", run_here))
        day.phases.append(Phase("charging", seconds, _delta(before, cpu.snapshot()), "", approved))

        # payment: the bank's file
        before = cpu.snapshot()
        started = time.monotonic()
        paid = pay_all(since_id)
        trigger_after(Event.PAID)
        day.phases.append(Phase("payment import", time.monotonic() - started, _delta(before, cpu.snapshot()),
                                f"{paid} lines matched", paid))

        # issuance
        before = cpu.snapshot()
        seconds, _ = wait_until("issuance", lambda c: c["registered"], since_id, progress, approved,
                                stall_wait=args.stall_wait, on_stall=lambda c, s: _by_hand("issuance", run_here))
        day.phases.append(Phase("issuance", seconds, _delta(before, cpu.snapshot()), "", approved))


def _past_pipeline(counts: Counter[str]) -> int:
    return sum(n for status, n in counts.items() if status not in PIPELINE_STATUSES and status != "(leased)")


def _by_hand(what: str, run_here: Any) -> None:
    from ccus.flows.issuance import issue_approved

    err.print(f"[yellow]stall[/] in {what}: running it by hand")
    run_here(issue_approved)


def _paper_cases(since_id: int) -> int:
    from sqlalchemy import func, select

    from ccus.infra.db import unit_of_work
    from ccus.models.tables import Application

    with unit_of_work() as session:
        return int(session.scalar(select(func.count()).where(Application.id > since_id,
                                                             Application.channel == "mail")) or 0)


def _delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}


def review_all(base_url: str, tokens: list[str], since_id: int, progress: Progress) -> tuple[int, dict[str, int]]:
    import httpx
    from sqlalchemy import select

    from ccus.infra.db import unit_of_work
    from ccus.models.tables import Application

    with unit_of_work() as session:
        numbers = list(session.scalars(select(Application.application_number).where(
            Application.id > since_id, Application.status == "awaiting_review").order_by(Application.id)))
    task = progress.add_task("review (reviewer API)", total=len(numbers))
    approved = 0
    refusals: Counter[str] = Counter()
    with httpx.Client(base_url=base_url, timeout=120) as client:
        for number in numbers:
            for token in tokens:
                r = client.post(f"/api/v1/review/applications/{number}/decision",
                                json={"decision": "approve", "reason": "ベンチ：書類確認済み"},
                                headers={"Authorization": f"Bearer {token}"})
                if r.status_code != 200 or r.json().get("status") != "awaiting_second_approval":
                    break
            approved += r.status_code == 200
            if r.status_code != 200:
                refusals[str(r.json().get("detail", {}).get("code", r.status_code))] += 1
            progress.advance(task)
    progress.remove_task(task)
    return approved, dict(refusals)


def pay_all(since_id: int) -> int:
    from sqlalchemy import select

    from ccus.infra.db import unit_of_work
    from ccus.models.billing_tables import Charge
    from ccus.models.tables import Application
    from ccus.services.billing.payments import import_payments

    with unit_of_work() as session:
        rows = session.execute(select(Application.application_number, Charge.amount)
                               .join(Charge, Charge.application_id == Application.id)
                               .where(Application.id > since_id, Charge.status == "open"))
        lines = [f"{n},{amount},{date.today().isoformat()}" for n, amount in rows]
    if not lines:
        return 0
    result = import_payments(("申請番号,金額,入金日\n" + "\n".join(lines) + "\n").encode())
    return int(result.outcomes.get("matched", 0))


# --- the report ---------------------------------------------------------------------------------------

def report(args: argparse.Namespace, day: Day, n_net: int, n_paper: int,
           load_before: tuple[float, float, float], load_after: tuple[float, float, float]) -> None:
    cores = psutil.cpu_count() or 1
    bench, machine = "bench (this process + clients)", "whole machine"
    groups = sorted({g for p in day.phases for g in p.cpu if g not in (bench, machine)})
    table = Table(title=f"A peak day of {n_net + n_paper} applications ({n_net} internet, {n_paper} paper), "
                        f"{args.clients} clients, seed {args.seed}; {cores} cores, shared", width=200)
    table.add_column("")
    for p in day.phases:
        table.add_column(p.name, justify="right")
    table.add_column("day", justify="right")

    def row(label: str, values: list[float], fmt: str = "{:.1f}") -> None:
        table.add_row(label, *[fmt.format(v) for v in values], fmt.format(sum(values)))

    row("wall s", [p.seconds for p in day.phases])
    for g in groups:
        row(f"CPU s: {g}", [p.cpu.get(g, 0.0) for p in day.phases])
    stack = [sum(v for k, v in p.cpu.items() if k not in (bench, machine)) for p in day.phases]
    row("[bold]CPU s: the stack[/]", stack)
    row(f"CPU s: {bench}", [p.cpu.get(bench, 0.0) for p in day.phases])
    row("CPU s: whole machine (shared)", [p.cpu.get(machine, 0.0) for p in day.phases])
    out.print(table)
    for p in day.phases:
        if p.note:
            out.print(f"  {p.name}: {p.note}")
    total_wall = sum(p.seconds for p in day.phases)
    total_stack = sum(stack)
    total_machine = sum(p.cpu.get(machine, 0.0) for p in day.phases)
    n = n_net + n_paper
    scale = FULL_DAY / max(n, 1)
    cpu_bound = total_stack * scale / 2 / 60
    linear = total_wall * scale / 60
    out.print(f"machine load average before {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
              f"after {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}; the stack used "
              f"{100 * total_stack / max(total_machine, 1e-9):.0f} % of the CPU the machine spent during the day")
    out.print(f"projected full day ({FULL_DAY} applications, this mix): wall × {scale:.0f} = [bold]{linear:.1f} min[/]; "
              f"the stack's CPU × {scale:.0f} on 2 idle cores (perfectly parallel) = [bold]{cpu_bound:.1f} min[/]; "
              f"goal < {GOAL_MINUTES:.0f} min")
    if day.stall.get("waiting"):
        out.print(f"[yellow]stall[/]: at {day.stall['at']:.0f} s into the pipeline phase nothing had moved for "
                  f"{day.stall['still_for']:.0f} s; waiting: {day.stall['waiting']}; the pipeline was run by hand "
                  f"(the phase includes the wait)")
    else:
        out.print("no stall: every case was drained by the product's own triggers")
    timeline = day.stall.get("timeline") or []
    if timeline:
        out.print("pipeline timeline (s: cases still in the automatic stages / of which leased by a drain at work): "
                  + ", ".join(f"{t:.0f}: {sum(c.get(s, 0) for s in PIPELINE_STATUSES)}/{c.get('(leased)', 0)}"
                              for t, c in timeline))
    out.print(json.dumps({"phases": [{"name": p.name, "seconds": round(p.seconds, 1),
                                      "cpu": {k: round(v, 1) for k, v in p.cpu.items()}} for p in day.phases]},
                         ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
