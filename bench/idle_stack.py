"""The stack at rest: what orchestration costs when there is no work.

    uv run python bench/idle_stack.py [--seconds 300] [--warmup 90]

Starts everything `ccus up` starts, in a temporary CCUS_HOME on a free port base (PostgreSQL, S3,
SMTP, the Prefect server, the Prefect worker, the web app), registers the deployments of
prefect.yaml with their schedules, lets the first scheduled runs pass (``--warmup``), then for
``--seconds`` samples the CPU time of every process of the stack (twice a second, so the
worker's short-lived flow-run processes are counted too) and counts the flow runs that started,
by deployment. Prints the CPU the idle stack takes (share of one core and of the machine), by
process group, and per flow run; and the flow runs per hour that prefect.yaml's interval and
minute-cron schedules make.

Every scheduled flow run is a new process (Prefect's process worker), which imports Prefect and
the flow's modules before it looks for work: on a machine whose pipeline competes for two cores,
that is orchestration overhead too, paid whether or not there is work.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _group(proc: psutil.Process, cmdline: str, worker_pid: int | None) -> str:
    if "postgres" in cmdline or "pginst" in cmdline:
        return "PostgreSQL"
    if "weed" in cmdline:
        return "S3 (SeaweedFS)"
    if "prefect server" in cmdline or "prefect.server" in cmdline:
        return "Prefect server"
    if "worker start" in cmdline:
        return "Prefect worker (polling)"
    if worker_pid is not None and worker_pid in {p.pid for p in proc.parents()}:
        return "flow-run processes"
    if "uvicorn" in cmdline:
        return "web app"
    if "aiosmtpd" in cmdline or "smtp" in cmdline:
        return "SMTP"
    return "other"


class Sampler:
    """CPU seconds (user + system, the process itself) of every process of the stack, sampled."""

    def __init__(self, roots: list[int], worker_pid: int | None) -> None:
        self.roots, self.worker_pid = roots, worker_pid
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.group: dict[int, str] = {}
        self.born_after_start: set[int] = set()
        self.started = False

    def _tree(self) -> list[psutil.Process]:
        procs: dict[int, psutil.Process] = {}
        for pid in [os.getpid(), *self.roots]:
            try:
                root = psutil.Process(pid)
            except psutil.NoSuchProcess:
                continue
            if pid != os.getpid():
                procs[pid] = root
            for child in root.children(recursive=True):
                procs[child.pid] = child
        return list(procs.values())

    def sample(self) -> None:
        for proc in self._tree():
            try:
                t = proc.cpu_times()
                cpu = t.user + t.system
                if proc.pid not in self.group:
                    self.group[proc.pid] = _group(proc, " ".join(proc.cmdline()), self.worker_pid)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            if proc.pid not in self.first:
                self.first[proc.pid] = cpu if not self.started else 0.0  # born during the window: all of it
            self.last[proc.pid] = cpu
        self.started = True

    def by_group(self) -> Counter[str]:
        used: Counter[str] = Counter()
        for pid, cpu in self.last.items():
            used[self.group.get(pid, "other")] += cpu - self.first[pid]
        return used


def schedule_runs_per_hour() -> dict[str, float]:
    """Flow runs per hour of each deployment with an interval or an every-N-minutes cron schedule."""
    import yaml

    spec = yaml.safe_load((Path(__file__).resolve().parents[1] / "prefect.yaml").read_text())
    rates: dict[str, float] = {}
    for d in spec["deployments"]:
        for s in d.get("schedules") or []:
            if "interval" in s:
                rates[d["name"]] = rates.get(d["name"], 0) + 3600 / float(s["interval"])
            elif "cron" in s and s["cron"].split()[0].startswith("*/") and s["cron"].split()[1] == "*":
                rates[d["name"]] = rates.get(d["name"], 0) + 60 / int(s["cron"].split()[0][2:])
            elif "cron" in s:
                rates[d["name"]] = rates.get(d["name"], 0) + 1 / 24  # a daily run
    return rates


def flow_runs_since(api_url: str, since: datetime) -> Counter[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.settings import PREFECT_API_URL, temporary_settings

    names: dict[object, str] = {}
    counted: Counter[str] = Counter()
    with temporary_settings(updates={PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        offset = 0
        while True:  # runs that really started (a scheduled run waiting for its time has no start)
            page = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                start_time=FlowRunFilterStartTime(after_=since, is_null_=False),
                state=FlowRunFilterState(type=FlowRunFilterStateType(not_any_=[StateType.SCHEDULED, StateType.PENDING]))),
                limit=200, offset=offset)
            for run in page:
                if run.deployment_id not in names:
                    names[run.deployment_id] = (client.read_deployment(run.deployment_id).name
                                                if run.deployment_id else "(no deployment)")
                counted[names[run.deployment_id]] += 1
            if len(page) < 200:
                break
            offset += 200
    return counted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300, help="how long to measure")
    parser.add_argument("--warmup", type=float, default=90, help="seconds to wait after the deployments are registered")
    args = parser.parse_args(argv)

    from ccus.infra.orchestrator import deploy_all
    from ccus.infra.services.base import free_port_base, running_pid
    from ccus.infra.settings import embedded_settings, reset_settings
    from ccus.infra.stack import SERVICES, service_env, start_stack, stop_stack

    saved_env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="ccus-bench-idle-") as home:
        settings = embedded_settings(Path(home), free_port_base())
        try:
            err.print(f"[bold]the whole stack[/] in {home}, port base {settings.port_base}")
            start_stack(settings, services=SERVICES, progress=True)
            os.environ.update(service_env(settings))
            reset_settings()
            from ccus.infra.db import migrate

            migrate()
            deploy_all()
            err.print(f"deployments registered; warm-up {args.warmup:.0f} s …")
            time.sleep(args.warmup)
            pids = {name: running_pid(settings, name) for name in SERVICES}
            sampler = Sampler([p for p in pids.values() if p], pids.get("worker"))
            sampler.sample()
            since = datetime.now(UTC)
            started = time.monotonic()
            from rich.progress import Progress

            with Progress(console=err, transient=True) as progress:
                bar = progress.add_task("measuring the idle stack", total=args.seconds)
                while (elapsed := time.monotonic() - started) < args.seconds:
                    time.sleep(0.5)
                    sampler.sample()
                    progress.update(bar, completed=elapsed)
            seconds = time.monotonic() - started
            runs = flow_runs_since(settings.prefect_api, since)
        finally:
            err.print("stopping the stack …")
            stop_stack(settings)
            os.environ.clear()
            os.environ.update(saved_env)
            reset_settings()

    used = sampler.by_group()
    total = sum(used.values())
    cores = psutil.cpu_count() or 1
    table = Table(title=f"The idle stack over {seconds:.0f} s ({cores} cores)")
    table.add_column("processes")
    table.add_column("CPU s", justify="right")
    table.add_column("share of one core", justify="right")
    for group, cpu in used.most_common():
        table.add_row(group, f"{cpu:.1f}", f"{100 * cpu / seconds:.1f} %")
    table.add_row("[bold]all[/]", f"[bold]{total:.1f}[/]",
                  f"[bold]{100 * total / seconds:.1f} %[/] ({100 * total / seconds / cores:.1f} % of the machine)")
    out.print(table)
    n_runs = sum(runs.values())
    t2 = Table(title="Flow runs started while measuring")
    t2.add_column("deployment")
    t2.add_column("runs", justify="right")
    t2.add_column("per hour (schedule)", justify="right")
    rates = schedule_runs_per_hour()
    for name in sorted(set(runs) | set(rates)):
        t2.add_row(name, str(runs.get(name, 0)), f"{rates.get(name, 0):.1f}")
    t2.add_row("[bold]all[/]", f"[bold]{n_runs}[/]", f"[bold]{sum(rates.values()):.1f}[/]")
    out.print(t2)
    flow_cpu = used.get("flow-run processes", 0.0)
    processes = sum(1 for g in sampler.group.values() if g == "flow-run processes")
    out.print(f"flow-run processes seen: {processes}, {flow_cpu / max(1, processes):.1f} CPU s each")
    if n_runs:
        per_run = flow_cpu / n_runs
        out.print(f"CPU per flow run (its process, start to exit): [bold]{per_run:.1f} s[/]; at the schedules' "
                  f"{sum(rates.values()):.0f} runs an hour that is [bold]{100 * per_run * sum(rates.values()) / 3600:.1f} %[/] "
                  "of one core for flow runs alone.")
    if not runs:
        out.print("[yellow]no flow run started while measuring[/] (measure longer)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
