"""The command line: ``ccus up | down | status | migrate | demo | token | run | deploy``.

Every command first points this process at the stack (embedded or external) through the
environment, before Prefect is imported, so flows run against that stack's Prefect server.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ccus.infra.orchestrator import run_here
from ccus.infra.settings import Settings, get_settings

app = typer.Typer(help="建設キャリアアップシステム back office", no_args_is_help=True)
token_app = typer.Typer(help="Staff API tokens")
payments_app = typer.Typer(help="Payments (入金)")
cards_app = typer.Typer(help="Skilled-worker cards (建設キャリアアップカード)")
print_app = typer.Typer(help="Print batches (印刷バッチ)")
run_app = typer.Typer(help="Run a flow once, in this process, against the stack's Prefect server")
app.add_typer(token_app, name="token")
app.add_typer(run_app, name="run")
user_app = typer.Typer(help="Staff accounts of the review screens")
app.add_typer(user_app, name="user")
app.add_typer(payments_app, name="payments")
app.add_typer(cards_app, name="cards")
app.add_typer(print_app, name="print")
linked_app = typer.Typer(help="Linked systems (連携システム) that send attendance records")
app.add_typer(linked_app, name="linked")
portal_app = typer.Typer(help="The business portal (事業者ポータル)")
app.add_typer(portal_app, name="portal")
console = Console(width=None if sys.stdout.isatty() else 160)

def _env() -> Settings:
    """Export the stack's endpoints for Prefect and child processes; return the settings as read
    before (so the stack still knows which services are its own to start and stop)."""
    from ccus.infra.services.env import service_env

    settings = get_settings()
    os.environ.update(service_env(settings))
    return settings


def _start(services: list[str]) -> tuple[Settings, set[str]]:
    from ccus.infra.db import migrate
    from ccus.infra.stack import stack_status, start_stack

    settings = _env()
    before = {n for n, s in stack_status(settings).items() if s.startswith("running")}
    start_stack(settings, services=services)
    with console.status("migrating the database …"):
        migrate()
    return settings, before


@app.command()
def up(detach: Annotated[bool, typer.Option(help="Return once everything is up")] = False) -> None:
    """Start PostgreSQL, S3, SMTP, the Prefect server and worker, and the web app; deploy the flows."""
    settings, _ = _start(["postgres", "s3", "smtp", "prefect", "worker", "web"])
    deploy()
    console.print(f"[bold green]up[/]: web {settings.web_url} (API docs {settings.web_url}/docs), "
                  f"Prefect {settings.prefect_api}, mail in {settings.maildir}")
    if detach:
        return
    console.print("Ctrl-C (or `ccus down` elsewhere) stops everything.")
    stop = False

    def on_signal(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    from ccus.infra.stack import stack_status

    while not stop and any(s.startswith("running") for s in stack_status(settings).values()):
        time.sleep(1)
    down()


@app.command()
def down() -> None:
    """Stop every service of the embedded stack, cleanly."""
    from ccus.infra.stack import stop_stack

    settings = _env()
    with console.status("stopping …"):
        stop_stack(settings)
    console.print("[bold]down[/]")


@app.command()
def status() -> None:
    """Show each service and where it listens."""
    from ccus.infra.stack import stack_status

    for name, state in stack_status(_env()).items():
        console.print(f"{name:<9} {state}")


@app.command()
def migrate() -> None:
    """Bring the database schema to the newest migration."""
    from ccus.infra.db import migrate as run_migrations

    _env()
    run_migrations()
    console.print("schema up to date")


@app.command()
def deploy() -> None:
    """Register the deployments of prefect.yaml (with their schedules) on the Prefect server."""
    from ccus.infra.services.prefect_server import ensure_work_pool

    settings = _env()
    ensure_work_pool(settings)
    from ccus.infra.orchestrator import deploy_all

    with console.status("registering deployments …"):
        deploy_all()
    console.print("deployments registered")


@app.command()
def demo(keep_running: Annotated[bool, typer.Option(help="Leave the stack running afterwards")] = False) -> None:
    """Sample business, worker and proxy-worker applications from intake to issued IDs."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    settings, before = _start(["postgres", "s3", "smtp", "prefect", "web"])
    from ccus import demo as demo_run
    from ccus.infra.orchestrator import flush_prefect

    try:
        with console.status("running the sample applications through the pipeline …"):
            rows = demo_run.run(settings.web_url)
        table = Table(title="Cases")
        for col in ("申請番号", "kind", "status", "issued ID", "admin IDs / card"):
            table.add_column(col, no_wrap=True)
        for r in rows:
            table.add_row(r.application_number, r.kind, r.status, r.registry_id, r.admin_ids)
        console.print(table)
        for r in rows:
            console.print(f"[bold]{r.application_number}[/]")
            for line in (r.printed + "\n" + r.mails).strip().splitlines():
                console.print(f"  {escape(line)}", soft_wrap=True)
        console.print(f"Mail received by the local SMTP server (Maildir): {settings.maildir / 'new'}")
        console.print("Copy a postcard PDF to a file: uv run ccus fetch s3://… postcard.pdf", soft_wrap=True)
        business = next((r.registry_id for r in rows if r.kind == "business_registration"), None)
        if business:
            console.print(f"事業者ポータル: {settings.web_url}/portal/login  (事業者ID {business}, "
                          f"password {demo_run.DEMO_PORTAL_PASSWORD})", soft_wrap=True)
        if any(r.status != "registered" for r in rows):
            raise typer.Exit(1)
    finally:
        flush_prefect()
        if not keep_running and not before:
            from ccus.infra.stack import stop_stack

            stop_stack(settings)


@app.command()
def fetch(uri: str, out: Path) -> None:
    """Copy a stored object (s3://bucket/key, as printed by the demo) to a local file; a sealed print
    file (postcards, card orders, previews) is decrypted with its key from the database."""
    from ccus.services.issuance.printing import PrintFileGone, read_print_file

    settings = _env()
    prefix = f"s3://{settings.s3_bucket}/"
    if not uri.startswith(prefix):
        raise typer.BadParameter(f"expected {prefix}…")
    try:
        data = read_print_file(uri[len(prefix):])
    except PrintFileGone as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from None
    out.write_bytes(data)
    console.print(f"wrote {out}")


@app.command()
def routes() -> None:
    """Print the route × role table (Markdown) read from the web app's own routes (README's security section)."""
    from ccus.review_ui.access import markdown_table
    from ccus.review_ui.app import create_app

    print(markdown_table(create_app()))


@token_app.command("add")
def token_add(username: str, days: Annotated[int, typer.Option(help="Days until it expires")] = 90) -> None:
    """Create a bearer token for an existing staff account (printed once; stored hashed). It acts with
    the account's role and stops working when the account is deactivated, or it expires or is revoked."""
    from ccus.services.auth.api_tokens import TokenRefused, issue_token

    _env()
    try:
        console.print(issue_token(username, days))
    except TokenRefused as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from None


@token_app.command("list")
def token_list() -> None:
    """The staff API tokens (never the tokens themselves): account, role, dates, revoked."""
    from ccus.services.auth.api_tokens import list_tokens

    _env()
    table = Table("id", "account", "role", "created", "expires", "last used", "revoked")
    fmt = "%Y-%m-%d %H:%M"
    for t in list_tokens():
        table.add_row(str(t.id), escape(t.account), t.role or "-", t.created_at.strftime(fmt),
                      t.expires_at.strftime(fmt), t.last_used_at.strftime(fmt) if t.last_used_at else "-",
                      t.revoked_at.strftime(fmt) if t.revoked_at else "-")
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int | None, typer.Argument(help="Token id (see `ccus token list`)")] = None,
                 user: Annotated[str | None, typer.Option("--user", help="Revoke every token of this account")]
                 = None) -> None:
    """Revoke one token by its id, or every token of an account (--user NAME)."""
    from ccus.services.auth.api_tokens import TokenRefused, revoke

    _env()
    try:
        count = revoke(token_id=token_id, username=user)
    except TokenRefused as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(f"{count} token(s) revoked")
    if not count:
        raise typer.Exit(1)


@payments_app.command("import")
def payments_import(file: Path) -> None:
    """Read a payment file (CSV: 申請番号 / R… / K… / 請求番号, amount, date); exact payments are applied once."""
    from ccus.services.billing.payments import import_payments

    _env()
    report = import_payments(file.read_bytes())
    console.print(f"{file.name}: {report.lines} line(s), {report.already_imported} already imported, "
                  + ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items())))
    for problem in report.problems:
        console.print(f"  [yellow]![/] {escape(problem)}")
    if report.outcomes.get("matched"):
        from ccus.infra.orchestrator import trigger_after
        from ccus.models.next_flows import Event

        trigger_after(Event.PAID)  # issue the paid cases now rather than at the next scheduled run


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="reviewer | supervisor | clerk | admin")] = "reviewer",
    name: Annotated[str | None, typer.Option(help="Display name (氏名)")] = None,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="CCUS_USER_PASSWORD", help="Asked for when not given")] = "",
) -> None:
    """Create a staff account for the review screens, or reset its role and password."""
    from ccus.infra.db import migrate as run_migrations
    from ccus.services.auth.staff_accounts import AccountError, add_user

    _env()
    run_migrations()
    try:
        add_user(username, role, password, name)
    except AccountError as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(f"user {escape(username)} ({role}) saved")


@user_app.command("deactivate")
def user_deactivate(username: str) -> None:
    """Deactivate a staff account: its sessions and API tokens stop working at once."""
    from ccus.services.auth.staff_accounts import deactivate

    _env()
    if not deactivate(username):
        console.print(f"[red]no staff account {escape(username)}[/]")
        raise typer.Exit(1)
    console.print(f"user {escape(username)} deactivated")


@portal_app.command("unlock")
def portal_unlock(login_id: str) -> None:
    """After checking who calls: let a 事業者ID / 管理者ID enter its security code again and clear
    its sign-in delays."""
    from ccus.services.auth.portal_sign_in import unlock

    _env()
    if not unlock(login_id):
        console.print(f"[red]no portal credential {escape(login_id)}[/]")
        raise typer.Exit(1)
    console.print(f"{escape(login_id)}: security code entry and sign-in delays reset")


@print_app.command("done")
def print_done(batch_number: str) -> None:
    """The print shop has printed a batch: delete its secret-bearing files and destroy their key
    (crypto-shredding), keep the manifest."""
    from ccus.services.issuance.printing import mark_printed

    _env()
    done = mark_printed(batch_number)
    console.print(f"{batch_number}: {'secrets deleted and their key destroyed, manifest kept' if done else 'already marked printed'}")


@cards_app.command("reissue")
def cards_reissue(worker_id: str, reason: Annotated[str, typer.Option(help="lost or damaged")] = "lost") -> None:
    """Request a card reissue; the card is ordered once the fee is paid (payer reference: the R-number)."""
    from ccus.services.clock import today_jst
    from ccus.services.issuance.reissue import ReissueRefused, request

    _env()
    try:
        req = request(worker_id, reason, actor="cli", today=today_jst())
    except ReissueRefused as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from None
    console.print(f"再発行申請番号 {req.request_number}: 手数料 {req.amount:,}円")


@run_app.command("pipeline")
def run_pipeline(batch_size: int = 50) -> None:
    """Drain intake → awaiting review once."""
    _env()
    from ccus.flows.pipeline import process_pipeline

    console.print(run_here(process_pipeline, batch_size=batch_size))


@run_app.command("issuance")
def run_issuance() -> None:
    """Issue every approved case once."""
    _env()
    from ccus.flows.issuance import issue_approved

    console.print(f"issued {run_here(issue_approved)}")


# --- paper: printable forms and the postal scanner's intake ---------------------------------------

forms_app = typer.Typer(help="Printable application forms (申請書・同意書・届出・区切り用紙)")
intake_app = typer.Typer(help="Postal intake: scanned files → applications")
app.add_typer(forms_app, name="forms")
app.add_typer(intake_app, name="intake")


@forms_app.command("render")
def forms_render(out: Annotated[Path, typer.Argument(help="Folder for the PDFs")] = Path("forms")) -> None:
    """Write every blank form of the catalogue as a PDF (page markers and registration marks included)."""
    from ccus.infra.forms_render import render_all

    out.mkdir(parents=True, exist_ok=True)
    for name, pdf in render_all().items():
        (out / name).write_bytes(pdf)
        console.print(f"wrote {out / name}")


def _print_outcomes(outcomes: Sequence[object]) -> None:
    table = Table(title="Postal intake")
    for col in ("file", "outcome", "申請番号", "note"):
        table.add_column(col)
    for o in outcomes:
        note = getattr(o, "reason", None) or "; ".join(
            f"pages {s['pages']}: {s['note']}" for s in getattr(o, "segments", []))
        table.add_row(escape(getattr(o, "file", "")), getattr(o, "status", ""), " ".join(getattr(o, "cases", [])),
                      escape(note or ""))
    console.print(table)


@intake_app.command("mail")
def intake_mail(
    paths: Annotated[list[Path], typer.Argument(help="Scanned files (PDF, TIFF, JPEG, PNG) or folders of them")],
    root: Annotated[Path | None, typer.Option(help="Intake folder (default $CCUS_MAIL_INTAKE_DIR or "
                                                    "$CCUS_HOME/scanner); files move to its processed/ "
                                                    "or quarantine/")] = None,
    answer_to: Annotated[str | None, typer.Option(help="申請番号 of a returned mail case these files answer "
                                                       "(差戻しへの郵送回答): the case resumes")] = None,
) -> None:
    """Take scanned files in by hand: split, store, make the cases; then move each file on."""
    _env()
    from ccus.services.intake.postal import Folders, intake_answer, intake_file, intake_root

    folders = Folders(root or intake_root()).create()
    files = sorted(p for path in paths for p in ([path] if path.is_file() else path.iterdir()) if p.is_file())
    outcomes = [intake_answer(p, answer_to, folders, actor="mail-intake:cli") if answer_to
                else intake_file(p, folders, actor="mail-intake:cli") for p in files]
    _print_outcomes(outcomes)
    if any(o.cases for o in outcomes):
        from ccus.infra.orchestrator import trigger_after
        from ccus.models.next_flows import Event

        trigger_after(Event.RECEIVED)  # read them now rather than at the next scheduled drain


@intake_app.command("watch")
def intake_watch(
    root: Annotated[Path | None, typer.Option(help="Intake folder (its inbox/ is watched)")] = None,
    interval: Annotated[float, typer.Option(help="Seconds between looks at the inbox")] = 2.0,
    settle: Annotated[float, typer.Option(help="A file is taken once unchanged this many seconds")] = 5.0,
    once: Annotated[bool, typer.Option(help="Take what is ready now, then return")] = False,
) -> None:
    """Watch the scanner's inbox: take each file once it has stopped changing, until Ctrl-C."""
    _env()
    from ccus.services.intake.postal import Folders, drain_inbox, intake_root, recover_work

    folders = Folders(root or intake_root()).create()
    console.print(f"watching {folders.inbox} (processed → {folders.processed}, quarantine → {folders.quarantine})")
    recover_work(folders)
    try:
        while True:
            outcomes = drain_inbox(folders, settle_seconds=settle)
            if outcomes:
                _print_outcomes(list(outcomes))
                if any(o.cases for o in outcomes):
                    from ccus.infra.orchestrator import trigger_after
                    from ccus.models.next_flows import Event

                    trigger_after(Event.RECEIVED)
            if once:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        console.print("stopped")


def _day_option(today: str | None) -> date | None:
    return date.fromisoformat(today) if today else None


@run_app.command("renewal")
def run_renewal(today: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today in Japan)")] = None) -> None:
    """Apply paid renewals, send renewal notices, lapse expired registrations, renew cards."""
    _env()
    from ccus.flows.renewal import renewals

    console.print(run_here(renewals, today=_day_option(today)))


@run_app.command("withdrawals")
def run_withdrawals(today: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None) -> None:
    """Process withdrawals and purge documents whose retention has ended."""
    _env()
    from ccus.flows.withdrawal import withdrawals

    console.print(run_here(withdrawals, today=_day_option(today)))


@run_app.command("changes")
def run_changes() -> None:
    """Apply approved change applications."""
    _env()
    from ccus.flows.changes import apply_changes

    console.print(run_here(apply_changes))


@run_app.command("redrive")
def run_redrive(stuck_after_minutes: int = 60) -> None:
    """Re-drive stuck cases; those out of attempts go to needs_operator."""
    _env()
    from ccus.flows.redrive import redrive_stuck_cases

    console.print(run_here(redrive_stuck_cases, stuck_after_minutes=stuck_after_minutes))


@run_app.command("billing")
def run_billing(today: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today in Japan)")] = None) -> None:
    """Issue the 管理者ID and 現場利用料 invoices due on that day (each invoice once)."""
    _env()
    from ccus.flows.billing import billing

    console.print(run_here(billing, today=_day_option(today)))


@linked_app.command("add")
def linked_add(name: str, code: Annotated[str | None, typer.Option(help="System code (default: generated)")] = None) -> None:
    """Register a linked system (or re-key an existing code); its API key is printed once, stored hashed."""
    from ccus.services.registry.attendance import register_system

    _env()
    system = register_system(name, code)
    console.print(f"system code: {system.system_code}")
    console.print(f"API key (shown once): {system.api_key}")


cases_app = typer.Typer(help="Cases that need an operator (要オペレーター対応)")
app.add_typer(cases_app, name="cases")


@cases_app.command("stuck")
def cases_stuck(limit: int = 200) -> None:
    """List the cases in needs_operator (re-drive gave up): number, kind, stage, attempts, last error, since."""
    from ccus.services.operations.redrive import needs_operator

    _env()
    rows = needs_operator(limit)
    table = Table(title=f"要オペレーター対応 {len(rows)}件")
    for column in ("申請番号", "kind", "stage", "attempts", "last error", "since"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r["application_number"], r["kind"], r["from"], r["attempts"],
                      escape(r["last_error"][:120]), r["at"][:19])
    console.print(table)


@cases_app.command("retry")
def cases_retry(
    number: str,
    reason: Annotated[str | None, typer.Option(help="What was fixed (recorded in the stage log)")] = None,
    operator: Annotated[str | None, typer.Option(help="Operator name (default: the login user)")] = None,
) -> None:
    """Send a needs_operator case back to the stage it was stuck in, after the cause was fixed."""
    import getpass

    from ccus.services.operations.redrive import RetryRefused, retry

    _env()
    try:
        stage = retry(number, operator=f"operator:{operator or getpass.getuser()}", reason=reason)
    except RetryRefused as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from None
    from ccus.tasks.lifecycle import trigger_drains

    trigger_drains.fn([stage])  # start that stage's drain now rather than at its next scheduled run
    console.print(f"{number}: back to {stage}")


def _resolve_duplicate(how: str, number: str, reason: str | None, operator: str | None) -> None:
    import getpass

    from ccus.services.operations import duplicates

    _env()
    act = duplicates.refund if how == "refund" else duplicates.merge
    try:
        done = act(number, operator=f"operator:{operator or getpass.getuser()}", reason=reason)
    except duplicates.ResolutionRefused as exc:
        console.print(f"[red]{escape(exc.message)}[/]")
        raise typer.Exit(1) from None
    if done.outcome == "refunded":
        console.print(f"{done.application_number}: rejected, {done.refunded:,} yen to refund "
                      f"(registered as {done.registered_application_number})")
    else:
        console.print(f"{done.application_number}: merged into the registration {done.registered_application_number}")


@cases_app.command("refund")
def cases_refund(
    number: str,
    reason: Annotated[str | None, typer.Option(help="Recorded in the stage log and the audit log")] = None,
    operator: Annotated[str | None, typer.Option(help="Operator name (default: the login user)")] = None,
) -> None:
    """A paid duplicate registration (needs_operator: its person or 法人番号 is registered already):
    reject it and mark its fee refunded, once; the applicant is mailed."""
    _resolve_duplicate("refund", number, reason, operator)


@cases_app.command("merge")
def cases_merge(
    number: str,
    reason: Annotated[str | None, typer.Option(help="Recorded in the stage log and the audit log")] = None,
    operator: Annotated[str | None, typer.Option(help="Operator name (default: the login user)")] = None,
) -> None:
    """A paid duplicate worker registration: close it into the worker already registered (no second
    技能者ID; its declared employer becomes an affiliation), once; the applicant is mailed."""
    _resolve_duplicate("merge", number, reason, operator)
