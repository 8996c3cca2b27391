"""Latency of the reviewers' queue page and case page with 100,000 cases in the database.

    uv run python bench/review_latency.py [--cases 100000] [--requests 600] [--rate 20]

In ONE run, against an embedded PostgreSQL of its own (temporary CCUS_HOME, free port base,
stopped at the end):

1. migrates the schema and seeds N cases with SQL (``generate_series``): a realistic mix of kinds,
   channels and states (a fifth in the review queue, some awaiting a second approval, the rest
   decided or registered), each with its stage log, two documents, flags on some, and review
   decisions on the decided ones;
2. serves the web app with uvicorn in a separate process (as ``ccus up`` does) and signs a
   reviewer in;
3. from a *second process*, an open-loop load (Poisson arrivals at ``--rate`` requests/s, httpx on
   threads) asks for queue pages (filters, both sort orders, deep pages) and case pages (random
   cases; each view is audited, so each one also writes), after a warm-up; each latency counts
   from the request's scheduled time, so a slow server cannot hide its queueing;
4. prints p50 / p95 / p99 of each page and compares the p95 to the 100 ms target, and the CPU
   time the web app's process and PostgreSQL spent per request during the load (the steadier
   figure on a shared machine: latency tails move with the other work on it, CPU per request less).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

TARGET_MS = 100.0

SEED_SQL = """
INSERT INTO applications (application_number, kind, channel, status, declared, flags, received_at, updated_at)
SELECT '24-' || lpad(g::text, 7, '0') || '-0',
       k.kind,
       (ARRAY['internet','internet','internet','mail','counter'])[1 + (g / 10) % 5],
       CASE WHEN g % 10 < 2 THEN 'awaiting_review' WHEN g % 50 = 2 THEN 'awaiting_second_approval'
            WHEN g % 10 = 3 THEN 'returned' WHEN g % 10 = 4 THEN 'rejected' ELSE 'registered' END,
       CASE WHEN k.kind = 'business_registration' THEN jsonb_build_object(
                'business_type', 'corporation', 'trade_name', '株式会社ベンチ建設' || g,
                'trade_name_kana', 'カブシキガイシャベンチケンセツ', 'corporate_number', lpad((g * 7919)::text, 13, '1'),
                'representative_name', '代表 太郎', 'representative_name_kana', 'ダイヒョウ タロウ',
                'postcode', '100-0013', 'address', '東京都千代田区霞が関1丁目' || (g % 9 + 1) || '番',
                'phone', '03-1234-5678', 'email', 'b' || g || '@example.jp', 'capital_yen', 10000000,
                'trades', jsonb_build_array('とび・土工工事業'),
                'social_insurance', jsonb_build_object('health','enrolled','pension','enrolled','employment','enrolled'),
                'registrant', jsonb_build_object('name', '登録 花子', 'email', 'b' || g || '@example.jp'),
                'admin_id_count', 1)
            ELSE jsonb_build_object(
                'name', '技能 ' || g, 'name_kana', 'ギノウ ' || chr(12450 + g % 40),
                'birth_date', to_char(date '1960-01-01' + (g % 14000), 'YYYY-MM-DD'), 'sex', 'male',
                'nationality', '日本', 'postcode', '163-8001', 'address', '東京都新宿区西新宿2丁目' || (g % 9 + 1) || '番',
                'phone', '090-1234-5678', 'email', 'w' || g || '@example.jp', 'trade', 'とび工',
                'experience_years', g % 30,
                'health_insurance', jsonb_build_object('kind', 'association', 'insurer_number', '01130012'),
                'pension', 'employees', 'identity_document_type', 'drivers_licence')
                || CASE WHEN k.kind = 'proxy_worker_registration' THEN jsonb_build_object(
                    'employer_business_id', '10000000000017',
                    'proxy', jsonb_build_object('filer_business_id', '10000000000017',
                                                'relation', CASE WHEN g % 3 = 0 THEN 'prime_contractor' ELSE 'employer' END))
                   ELSE '{}'::jsonb END
       END,
       CASE g % 7 WHEN 0 THEN '[{"code":"identity_name_mismatch","severity":"warn","message":"本人確認書類の氏名が申請内容と一致しません。","field":"application.name","stage":"validation"}]'::jsonb
                  WHEN 1 THEN '[{"code":"missing_document","severity":"block","message":"顔写真が添付されていません。","field":"attachments.face_photo","stage":"validation"}]'::jsonb
                  ELSE '[]'::jsonb END,
       now() - make_interval(mins => (g * 37) % (60 * 24 * 45)),
       now()
FROM generate_series(1, :n) AS g
CROSS JOIN LATERAL (SELECT CASE g % 4 WHEN 0 THEN 'business_registration' WHEN 1 THEN 'proxy_worker_registration'
                                        ELSE 'worker_registration' END AS kind) AS k;

INSERT INTO stage_log (application_id, from_status, to_status, actor, reason, at)
SELECT a.id, s.from_status, s.to_status, 'bench', 'seeded', a.received_at + s.n * interval '1 minute'
FROM applications a
CROSS JOIN LATERAL (VALUES (1, NULL, 'received'), (2, 'received', 'documents_stored'),
                           (3, 'documents_stored', 'extracted'), (4, 'extracted', 'validated'),
                           (5, 'validated', 'consent_checked'), (6, 'consent_checked', 'awaiting_review'))
     AS s(n, from_status, to_status)
WHERE a.application_number LIKE '24-%';

INSERT INTO documents (application_id, role, s3_key, sha256, size, media_type, pages, filename, ocr_text, ocr_confidence)
SELECT a.id, r.role, 'documents/sha256/00/' || md5(a.id::text || r.role), md5(a.id::text || r.role) || md5(r.role),
       123456, 'image/jpeg', 1, r.role || '.jpg', '読取結果 ' || a.id, 88.5
FROM applications a
CROSS JOIN (VALUES ('identity_document'), ('face_photo')) AS r(role)
WHERE a.application_number LIKE '24-%';

INSERT INTO review_decisions (application_id, actor, decision, step, reason_codes, reason, at)
SELECT a.id, 'bench-reviewer-' || (a.id % 12), CASE a.status WHEN 'returned' THEN 'return'
                                                              WHEN 'rejected' THEN 'reject' ELSE 'approve' END,
       'single', CASE a.status WHEN 'returned' THEN '["identity_document_unreadable"]'::jsonb ELSE '[]'::jsonb END,
       NULL, a.received_at + interval '2 days'
FROM applications a
WHERE a.application_number LIKE '24-%' AND a.status IN ('returned', 'rejected', 'registered');
"""


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its live descendants (uvicorn workers, PostgreSQL
    backends), from /proc."""
    import psutil

    total = 0.0
    try:
        root = psutil.Process(pid)
        for p in [root, *root.children(recursive=True)]:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                continue
    except psutil.NoSuchProcess:
        pass
    return total


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


# --- the load, in a second process ----------------------------------------------------------------

def run_load(args: argparse.Namespace) -> None:
    import httpx

    numbers = json.loads(Path(args.numbers).read_text())
    rng = random.Random(7)
    filters = ["", "sort=due", "kind=worker_registration", "flags=warn", "flags=block&sort=due",
               "channel=mail", "min_age_days=30", "status=awaiting_second_approval", "page=40", "page=200&sort=due",
               "kind=business_registration&flags=none&page=3"]
    jobs = [("queue", f"/queue?{rng.choice(filters)}") for _ in range(args.requests)]
    jobs += [("case", f"/cases/{rng.choice(numbers)}") for _ in range(args.requests)]
    rng.shuffle(jobs)
    results: dict[str, list[float]] = {"queue": [], "case": []}
    errors: list[str] = []
    lock = threading.Lock()
    # Open loop: Poisson arrivals at the given rate, whatever the server's pace; each latency is
    # measured from the request's scheduled time, so a slow answer delays no later measurement.
    t, schedule = 0.0, []
    for _ in jobs:
        t += rng.expovariate(args.rate)
        schedule.append(t)
    cursor = iter(list(zip(schedule, jobs, strict=True)))

    def worker() -> None:
        with httpx.Client(base_url=args.load, cookies={"ccus_session": args.cookie}, timeout=30) as client:
            for _ in range(3):  # warm-up: connections, first template compiles, caches
                client.get("/queue")
            ready.wait()
            while True:
                with lock:
                    item = next(cursor, None)
                if item is None:
                    return
                at, (kind, url) = item
                delay = started + at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                r = client.get(url)
                elapsed = (time.perf_counter() - (started + at)) * 1000
                with lock:
                    if r.status_code != 200:
                        errors.append(f"{url}: {r.status_code}")
                    results[kind].append(elapsed)

    ready = threading.Event()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for th in threads:
        th.start()
    time.sleep(2)
    started = time.perf_counter()
    ready.set()
    for th in threads:
        th.join()
    print(json.dumps({"results": results, "errors": errors[:10], "seconds": time.perf_counter() - started}))


# --- the run ----------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=600, help="requests per page kind")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second (open loop, Poisson)")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads of the load process")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (ccus up runs one)")
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--cookie", help=argparse.SUPPRESS)
    parser.add_argument("--numbers", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        run_load(args)
        return

    from sqlalchemy import text

    from ccus.infra.db import get_engine, migrate
    from ccus.infra.services.base import free_port_base
    from ccus.infra.services.env import service_env
    from ccus.infra.settings import embedded_settings, reset_settings
    from ccus.infra.stack import start_stack, stop_stack

    home = Path(tempfile.mkdtemp(prefix="ccus-bench-"))
    base = free_port_base()
    settings = embedded_settings(home, base)
    web: subprocess.Popen[bytes] | None = None
    try:
        start_stack(settings, services=("postgres",), progress=True)
        env = {**os.environ, **service_env(settings), "CCUS_HOME": str(home), "CCUS_PORT_BASE": str(base)}
        os.environ.update(env)
        reset_settings()
        migrate()
        t0 = time.perf_counter()
        with get_engine().begin() as conn:
            for statement in SEED_SQL.split(";\n"):
                if statement.strip():
                    conn.execute(text(statement), {"n": args.cases} if ":n" in statement else {})
        with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            counts = conn.execute(text(
                "SELECT (SELECT count(*) FROM applications), (SELECT count(*) FROM stage_log), "
                "(SELECT count(*) FROM documents), (SELECT count(*) FROM applications "
                "WHERE status IN ('awaiting_review','awaiting_second_approval'))")).one()
            numbers = [r[0] for r in conn.execute(text(
                "SELECT application_number FROM applications WHERE application_number LIKE '24-%' "
                "ORDER BY random() LIMIT 5000"))]
        print(f"seeded {counts[0]:,} cases ({counts[3]:,} in the review queue), {counts[1]:,} stage-log rows, "
              f"{counts[2]:,} documents in {time.perf_counter() - t0:.1f} s")

        from ccus.services.auth import staff_accounts

        staff_accounts.add_user("bench-reviewer", "reviewer", "bench-password-123")
        signed = staff_accounts.sign_in("bench-reviewer", "bench-password-123")
        assert signed is not None
        cookie = signed[0]

        port = base + 4
        web = subprocess.Popen([sys.executable, "-m", "uvicorn", "ccus.review_ui.app:app", "--host", "127.0.0.1",
                                "--port", str(port), "--log-level", "warning", "--workers", str(args.workers)], env=env)
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the web app did not start")
            time.sleep(0.2)

        numbers_file = home / "numbers.json"
        numbers_file.write_text(json.dumps(numbers))
        print(f"server: uvicorn, {args.workers} worker process(es); "
              f"load: {args.rate:g} requests/s (Poisson arrivals) from a second process, "
              f"{args.requests} queue pages + {args.requests} case pages, random order")
        from ccus.infra.services.base import pid_file

        postgres_pid = int(pid_file(settings, "postgres").read_text().split()[0])
        cpu_before = (_cpu_seconds(web.pid), _cpu_seconds(postgres_pid))
        out = subprocess.run([sys.executable, __file__, "--load", f"http://127.0.0.1:{port}", "--cookie", cookie,
                              "--numbers", str(numbers_file), "--requests", str(args.requests),
                              "--concurrency", str(args.concurrency), "--rate", str(args.rate)], env=env, check=True, capture_output=True,
                             text=True)
        report: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        cpu_web = _cpu_seconds(web.pid) - cpu_before[0]
        cpu_db = _cpu_seconds(postgres_pid) - cpu_before[1]
        print(f"machine load average during the run: {os.getloadavg()[0]:.2f} (2 cores here; other work on the "
              "machine shows in the tail)")
        if report["errors"]:
            print("errors:", report["errors"])
        total = sum(len(v) for v in report["results"].values())
        print(f"{total} requests in {report['seconds']:.1f} s ({total / report['seconds']:.0f} req/s); CPU per "
              f"request (both pages, incl. the load's warm-up): web app {cpu_web / total * 1000:.1f} ms, "
              f"PostgreSQL {cpu_db / total * 1000:.1f} ms")
        ok = True
        for name, values in report["results"].items():
            p95 = _percentile(values, 95)
            ok &= p95 < TARGET_MS
            print(f"{name:<6} page  n={len(values):<5} p50 {statistics.median(values):6.1f} ms  "
                  f"p95 {p95:6.1f} ms  p99 {_percentile(values, 99):6.1f} ms  max {max(values):6.1f} ms  "
                  f"→ p95 {'under' if p95 < TARGET_MS else 'OVER'} {TARGET_MS:.0f} ms "
                  f"({p95 / TARGET_MS:.2f} of the target)")
        if report["errors"] or not ok:
            sys.exit(1)
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=10)
        stop_stack(settings)


if __name__ == "__main__":
    main()
