"""Mail intake: field accuracy on degraded scans, speed against full-page OCR, Prefect's overhead.

    uv run python bench/mail_intake.py [--apps 12] [--seed 1] [--baseline-pages 0] [--corpus hands|typed]

In ONE run, against an embedded stack of its own (temporary CCUS_HOME, free port base, stopped at
the end):

1. generates a corpus of filled forms with known, random values — worker (W1, 2 pages), business
   (B1, 2 pages) and proxy worker (W2 + the worker's consent form C1, 3 pages) applications. By
   default (``--corpus hands``) ``hand_samples`` fills them as people do: several handwriting-style
   and typed fonts that are not the forms' own, per-character jitter, every tick style, seals over
   ink, variant kanji, long addresses; scanners at 300 and 200 dpi and fax, JPEG 40–80, stains, pages
   upside down; some envelopes lack page 2 or swapped it with another's. ``--corpus typed`` types
   the values in the forms' own font and degrades every page as a postal scanner would: 300 dpi,
   skew up to ±3°, uneven light, grain, blur, JPEG artefacts; about one page in six fed upside
   down, some at JPEG quality 35;
2. takes half A in through Prefect (ONE run of the ``mail-intake`` flow with the files, started
   as ``ccus run`` starts flows: an intake task per 20 files, then a task per stage run until
   awaiting review) and half B through the same service functions called directly, in the same
   order. Half B is half A's twin: the same pages, pixel for pixel, in files that differ only by
   a trailing PDF comment (so intake sees new files, not the same scan twice), so both ways do
   the same work and the overhead figure is Prefect's alone (the duplicate check flags each twin
   as in flight). Each way runs twice, A, B, B, A, with new twin files each time, so whatever
   drifts over the run weighs on both;
3. compares every field read (after normalisation) with the value written on the form, and counts
   how many of the wrong ones were flagged for the reviewer; prints accuracy, unflagged wrong
   fields and the auto-accept rate (fields with no flag) by font family, field kind, tick style,
   scanner and page set;
4. reads the same pages of half B with raw full-page Tesseract (one run for all pages, Japanese +
   English, automatic layout, as the internet channel reads a page of unknown layout), and prints
   pages/s of both, and the overhead of going through Prefect.

A warm-up application goes through each way first. The machine is shared and noisy: compare the
figures of one run with each other.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
from rich.console import Console
from rich.table import Table

STACK_SERVICES = ("postgres", "s3", "smtp", "prefect")
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

_KANJI = "山田川本中村小林高橋佐藤鈴木伊渡辺松井石原森野口加藤吉田清水"
_GIVEN = ("太郎", "一郎", "健一", "花子", "美咲", "大輔", "翔太", "陽子", "誠", "直樹", "由美", "和也")
_KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフホマミムメモヤユヨラリルレロワン"
_ADDRESSES = ("東京都新宿区西新宿2丁目8番1号", "神奈川県横浜市中区本町6丁目50番地1", "大阪府大阪市北区中之島1丁目3番20号",
              "愛知県名古屋市中区三の丸3丁目1番1号", "福岡県福岡市博多区東公園7番7号", "北海道札幌市中央区北3条西6丁目")
_TRADES = ("鉄筋工", "型枠大工", "とび工", "左官", "電工", "配管工", "塗装工", "内装工")


# --- the corpus -----------------------------------------------------------------------------------

def _check_digit_insurer(body: str) -> str:
    products = (int(d) * (2 if n % 2 == 0 else 1) for n, d in enumerate(reversed(body)))
    return body + str((10 - sum(p // 10 + p % 10 for p in products) % 10) % 10)


def _corporate_number(rng: random.Random) -> str:
    base = f"{rng.randrange(10**11, 10**12):012d}"
    total = sum(int(d) * (1 if n % 2 == 1 else 2) for n, d in enumerate(reversed(base), start=1))
    return f"{9 - total % 9}{base}"


def _registry_id(rng: random.Random) -> str:
    from ccus.models.identifiers import registry_id_from_serial

    while True:
        rid = registry_id_from_serial(rng.randrange(10**9, 10**12))
        if rid:
            return rid


def _person(rng: random.Random) -> tuple[str, str, date]:
    name = "".join(rng.sample(_KANJI, 2)) + " " + rng.choice(_GIVEN)
    kana = "".join(rng.choice(_KANA) for _ in range(3)) + " " + "".join(rng.choice(_KANA) for _ in range(3))
    return name, kana, date(1950, 1, 1) + timedelta(days=rng.randrange(50 * 365))


def _worker(rng: random.Random, proxy: tuple[str, str] | None = None) -> dict[str, Any]:
    from ccus import mail_samples as ms

    name, kana, born = _person(rng)
    employer = proxy[0] if proxy else (_registry_id(rng) if rng.random() < 0.5 else "")
    return ms.worker_values(
        name, kana, born, employer_business_id=employer, proxy=proxy,
        sex=rng.choice(["male", "female"]), postcode=f"{rng.randrange(100, 999)}-{rng.randrange(10000):04d}",
        address=rng.choice(_ADDRESSES), phone=f"0{rng.choice([3, 6, 90, 80])}-{rng.randrange(1000, 9999)}-{rng.randrange(10000):04d}",
        email=f"{rng.choice(['sato', 'k.tanaka', 'yamada01', 'genba'])}{rng.randrange(100)}@example.jp",
        trade=rng.choice(_TRADES), experience_years=str(rng.randrange(1, 40)),
        insurer_number=_check_digit_insurer(f"{rng.randrange(10**7):07d}"),
        employment_insurance_number=f"{rng.randrange(10**4):04d}-{rng.randrange(10**6):06d}-{rng.randrange(10)}",
        pension=rng.choice(["employees", "national"]), tier=rng.choice(["basic", "detailed"]),
        applied_on=date(2026, rng.randrange(1, 12), rng.randrange(1, 28)),
    )


def _business(rng: random.Random) -> dict[str, Any]:
    from ccus import mail_samples as ms
    from ccus.models.forms.catalogue import TRADES

    rep, rep_kana, _ = _person(rng)
    return ms.business_values(
        f"株式会社{''.join(rng.sample(_KANJI, 2))}建設", _corporate_number(rng),
        trade_name_kana=f"カブシキガイシャ{''.join(rng.choice(_KANA) for _ in range(4))}ケンセツ",
        representative_name=rep, representative_name_kana=rep_kana, address=rng.choice(_ADDRESSES),
        capital_yen=f"{rng.randrange(1, 500) * 1_000_000:,}", admin_id_count=str(rng.randrange(1, 6)),
        trades=[t for t, _ in rng.sample(TRADES, rng.randrange(1, 4))], signature=rep,
    )


TYPED = "IPAexGothic (typed)"


@dataclass
class Application:
    name: str  # file name
    forms: list[tuple[str, dict[str, Any]]]  # (form key, values) in stack order
    data: bytes = b""
    pages: list[Any] = field(default_factory=list)  # the degraded page images
    fonts: list[str] = field(default_factory=list)  # font family each form was filled in (stack order)
    ticks: list[str] = field(default_factory=list)  # tick style of each form
    scanner: str = "300dpi"
    fault: str = ""  # "", "page 2 missing", "page 2 swapped"


def corpus(count: int, rng: random.Random, tag: str) -> list[Application]:
    from ccus import mail_samples as ms

    apps = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            forms = [("W1", _worker(rng))]
        elif kind == 1:
            forms = [("B1", _business(rng))]
        else:
            filer = _registry_id(rng)
            w = _worker(rng, proxy=(filer, "employer"))
            forms = [("W2", w), ("C1", ms.consent_values(w["name"], w["name_kana"], w["birth_date"],
                                                         "株式会社元請建設", filer, "株式会社元請建設"))]
        app = Application(f"{tag}-{i:03d}.pdf", forms, fonts=[TYPED] * len(forms), ticks=["check"] * len(forms))
        for key, values in forms:
            for page in ms.pages(key, values):
                turn = 180 if rng.random() < 1 / 6 else 0
                quality = 35 if rng.random() < 0.25 else 55
                app.pages.append(ms.scan(page, skew=rng.uniform(-3, 3), seed=rng.randrange(10**6), turn=turn,
                                         quality=quality, blur=rng.choice([0.8, 1.0, 1.3]),
                                         noise=rng.uniform(6, 16)))
        app.data = ms.pdf_stack(app.pages)
        apps.append(app)
    return apps


def _hand_worker(rng: random.Random, proxy: tuple[str, str] | None = None) -> dict[str, Any]:
    from ccus import hand_samples as hs

    name, kana, romaji = hs.person(rng)
    values = _worker(rng, proxy)
    values.update(name=name, name_kana=kana, signature=name, address=hs.address(rng),
                  email=f"{romaji}@{rng.choice(['example.jp', 'mail.example.ne.jp', 'genba-kensetsu.example.co.jp'])}")
    return values


def _hand_business(rng: random.Random) -> dict[str, Any]:
    from ccus import hand_samples as hs

    values = _business(rng)
    trade_name, trade_kana = hs.company(rng)
    rep, rep_kana, _ = hs.person(rng)
    registrant, _, romaji = hs.person(rng)
    values.update(trade_name=trade_name, trade_name_kana=trade_kana, representative_name=rep,
                  representative_name_kana=rep_kana, signature=rep, address=hs.address(rng),
                  registrant_name=registrant, registrant_email=f"{romaji}@example.co.jp")
    return values


def hand_corpus(count: int, rng: random.Random, tag: str, faults: bool = True) -> list[Application]:
    """Applications filled by hand (``hand_samples``): each form by a person of its own (font, tick
    style, ink, size, shakiness, seal), every font in turn; each envelope through one scanner (300
    dpi 55 %, 200 dpi 25 %, fax 20 %), JPEG 40–80, one page in six upside down, some stained. About
    one envelope in ten lacks its page 2, and some pairs of same-form envelopes swapped page 2."""
    from rich.progress import Progress

    from ccus import hand_fonts
    from ccus import hand_samples as hs
    from ccus import mail_samples as ms

    fonts = [f.key for f in hand_fonts.FONTS]
    hand_fonts.ensure_fonts()
    apps: list[Application] = []
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(f"filling by hand ({tag})", total=count)
        for i in range(count):
            kind = i % 3
            if kind == 0:
                forms = [("W1", _hand_worker(rng))]
            elif kind == 1:
                forms = [("B1", _hand_business(rng))]
            else:
                filer = _registry_id(rng)
                proxy_name, _ = hs.company(rng)
                employer, _ = hs.company(rng)
                w = _hand_worker(rng, proxy=(filer, "employer"))
                forms = [("W2", w), ("C1", ms.consent_values(w["name"], w["name_kana"], w["birth_date"],
                                                             proxy_name, filer, employer))]
            scanner = rng.choices(hs.SCANNERS, weights=(55, 25, 20))[0]
            app = Application(f"{tag}-{i:03d}.pdf", forms, scanner=scanner)
            raw = []
            for n, (key, values) in enumerate(forms):
                hand = hs.hand(fonts[(i + 3 * n + rng.randrange(2)) % len(fonts)], rng)
                app.fonts.append(hand_fonts.BY_KEY[hand.font].family)
                app.ticks.append(hand.tick)
                raw += hs.fill(key, values, hand, seed=rng.randrange(10**6))
            app.pages = [hs.scanner(p, rng, scanner, turn=180 if rng.random() < 1 / 6 else 0) for p in raw]
            apps.append(app)
            bar.advance(task)
    if faults:
        for i, app in enumerate(apps):
            if rng.random() < 0.1:
                app.pages, app.fault = hs.drop_page(app.pages), "page 2 missing"
            elif i + 3 < len(apps) and not apps[i + 3].fault and rng.random() < 0.1:
                other = apps[i + 3]
                app.pages, other.pages = hs.swap_second_pages(app.pages, other.pages)
                app.fault = other.fault = "page 2 swapped"
    for app in apps:
        app.data = ms.pdf_stack(app.pages)
    return apps


def twins(apps: list[Application], tag: str) -> list[Application]:
    """The same applications, page for page, in files of other names and bytes (a PDF comment
    after the end marker): the same reading work, but new files for the intake."""
    return [Application(f"{tag}-{a.name.split('-', 1)[1]}", a.forms, a.data + f"\n% twin {tag}\n".encode(), a.pages,
                        a.fonts, a.ticks, a.scanner, a.fault) for a in apps]


# --- scoring --------------------------------------------------------------------------------------

def expected(form_key: str, values: dict[str, Any]) -> dict[str, Any]:
    """The normalised value of every field, as a perfect reading of what was typed gives it."""
    from ccus.infra.forms_render import era_parts
    from ccus.models.forms.catalogue import BY_KEY
    from ccus.models.forms.normalise import Raw, comparable, normalise
    from ccus.models.forms.spec import FieldKind, value_for

    form = BY_KEY[form_key]
    want = {}
    for f in form.fields():
        v = value_for(f, values)  # page 2's identity row repeats page 1's name and birth date
        if f.kind in (FieldKind.CHOICE,):
            raw = Raw(ticked=(v,) if v else (), confidence=100)
        elif f.kind is FieldKind.MULTI:
            raw = Raw(ticked=tuple(v or ()), confidence=100)
        elif f.kind is FieldKind.DATE:
            era, y, m, d = era_parts(v, [o.value for o in f.options]) if v else ("", 0, 0, 0)
            raw = Raw(ticked=(era,) if v else (), parts=(str(y), str(m), str(d)) if v else (), confidence=100)
        elif f.kind in (FieldKind.MARK, FieldKind.PHOTO):
            raw = Raw(ink=1.0 if v else 0.0, confidence=100)
        else:
            raw = Raw(text=str(v or ""), confidence=100)
        r = normalise(f, raw)
        value = sorted(r.value) if isinstance(r.value, list) else r.value
        want[f.name] = comparable(f.rule, value)
    return want


def field_kind(f: Any) -> str:
    """The kind of a field, for the figures by kind."""
    from ccus.models.forms.spec import FieldKind

    if f.kind in (FieldKind.CHOICE, FieldKind.MULTI):
        return "ticks"
    if f.kind is FieldKind.DATE:
        return "date (era tick + digits)"
    if f.kind is FieldKind.MARK:
        return "signature / seal"
    if f.kind is FieldKind.PHOTO:
        return "photo"
    if f.rule == "kana":
        return "kana reading"
    if f.rule in ("address", "email", "phone", "postcode"):
        return f.rule
    if f.rule in ("registry_id", "corporate_number", "insurer_number", "employment_insurance"):
        return "id number"
    if f.rule in ("count", "amount"):
        return "number"
    if "name" in f.name:
        return "name"
    return "other text"


@dataclass
class Tally:
    fields: int = 0
    right: int = 0
    wrong_unflagged: int = 0
    accepted: int = 0  # no flag on the field: accepted without a reviewer

    def add(self, right: bool, flagged: bool) -> None:
        self.fields += 1
        self.right += right
        self.wrong_unflagged += (not right) and not flagged
        self.accepted += not flagged


@dataclass
class Score:
    fields: int = 0
    right: int = 0
    wrong: int = 0
    wrong_flagged: int = 0
    right_flagged: int = 0
    misses: list[str] = field(default_factory=list)
    by_form: Counter[str] = field(default_factory=Counter)
    groups: dict[tuple[str, str], Tally] = field(default_factory=dict)
    not_one_case: list[str] = field(default_factory=list)  # applications not made into exactly one case

    def count(self, right: bool, flagged: bool, *groups: tuple[str, str]) -> None:
        self.fields += 1
        if right:
            self.right += 1
            self.right_flagged += flagged
        else:
            self.wrong += 1
            self.wrong_flagged += flagged
        for g in groups:
            self.groups.setdefault(g, Tally()).add(right, flagged)


def score(apps: list[Application], numbers: dict[str, list[str]], s: Score) -> None:
    from sqlalchemy import select

    from ccus.infra.db import unit_of_work
    from ccus.models.forms.catalogue import BY_KEY
    from ccus.models.forms.normalise import comparable
    from ccus.models.tables import Application as Row
    from ccus.models.tables import Document

    for app in apps:
        if len(numbers[app.name]) != 1:
            s.not_one_case.append(f"{app.name} ({app.fault or 'no fault'}): {len(numbers[app.name])} cases")
            continue
        [number] = numbers[app.name]
        with unit_of_work() as session:
            row = session.scalars(select(Row).where(Row.application_number == number)).one()
            consent_text = "\n".join(d.ocr_text or "" for d in session.scalars(
                select(Document).where(Document.application_id == row.id, Document.role == "worker_consent")))
        key, values = app.forms[0]
        form = BY_KEY[key]
        want = expected(key, values)
        got = row.extracted["mail"]["fields"]
        # A registry check of the validation stage (the quoted employer is not registered: the bench's
        # employers are made up) says nothing of the reading: not counted as the reading flagged.
        flagged_paths = {f.get("field") for f in row.flags
                         if not (f.get("code") == "employer_not_registered" and f.get("stage") == "validation")}
        # a page that does not tie to page 1 (its identity row) is flagged as a whole: all its fields
        untied = {f.get("page") for f in row.flags if f.get("code") in ("form_page_mismatch", "form_page_untied")}
        common = [("scanner", app.scanner), ("page set", app.fault or "complete")]
        for f in form.fields():
            g = got.get(f.name, {})
            value = g.get("value")
            value = comparable(f.rule, sorted(value) if isinstance(value, list) else value)
            flagged = (g.get("status") != "ok" or f.page in untied
                       or (f.path is not None and f"application.{f.path}" in flagged_paths))
            right = value == want[f.name]
            kind = field_kind(f)
            groups = [("font", app.fonts[0]), ("field kind", kind), *common]
            if kind in ("ticks", "date (era tick + digits)"):
                groups.append(("tick style", app.ticks[0]))
            s.count(right, flagged, *groups)
            if not right:
                s.by_form[key] += 1
                if not flagged:
                    s.misses.append(f"{number} {key}.{f.name} [{app.fonts[0]}, {app.scanner}"
                                    f"{', ' + app.fault if app.fault else ''}]: read {g.get('read')!r} → {value!r} "
                                    f"(confidence {g.get('confidence')}), written {want[f.name]!r}")
        if len(app.forms) > 1:  # the consent form's reading is checked by its text in the consent stage
            c = app.forms[1][1]
            right = "".join(c["worker_name"].split()) in "".join(consent_text.split())
            flagged = any(f.get("code", "").startswith("consent_worker_name")
                          or f.get("field") == "form.C1.worker_name" for f in row.flags)
            s.count(right, flagged, ("font", app.fonts[1]), ("field kind", "name (consent form)"), *common)
            if not right and not flagged:
                s.misses.append(f"{number} C1.worker_name [{app.fonts[1]}]: {c['worker_name']!r} not in the consent text")


def group_table(s: Score, dimension: str) -> Table:
    table = Table(title=f"By {dimension}")
    for name, justify in ((dimension, "left"), ("fields", "right"), ("accuracy", "right"),
                          ("wrong, not flagged", "right"), ("auto-accepted (no flag)", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    rows = sorted((k[1], t) for k, t in s.groups.items() if k[0] == dimension)
    for label, t in rows:
        table.add_row(label, str(t.fields), f"{100 * t.right / t.fields:.1f} %",
                      f"{t.wrong_unflagged} ({100 * t.wrong_unflagged / t.fields:.1f} %)",
                      f"{100 * t.accepted / t.fields:.1f} %")
    return table


# --- the two ways ---------------------------------------------------------------------------------

def cpu() -> float:
    """CPU seconds of this process and of its finished children (Tesseract runs), user + system.
    On a shared machine the wall clock also counts other people's work; this does not (it leaves
    out the PostgreSQL and S3 servers, which are long-running children)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Breakdown:
    """Wall seconds inside a few functions of the direct run (patched in memory for the run)."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self._undo: list[Any] = []

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def install(self) -> None:
        from ccus.infra import form_reader, s3, scans
        from ccus.services.intake import postal
        from ccus.services.reading import paper

        self.wrap(postal, "_markers", "intake: render at 72 dpi + find markers")
        self.wrap(postal, "_take_segment", "intake: documents to S3 + case in PostgreSQL")
        self.wrap(postal, "inspect_attachment", "intake: inspect the file")
        self.wrap(paper, "extract", "extract stage (all of it)")
        self.wrap(scans, "page_image", "extract: render pages at 300 dpi")
        self.wrap(paper, "locate", "extract: find the form again")
        self.wrap(paper, "cut_page", "extract: cut zones, ticks, marks")
        self.wrap(paper, "read_cuts", "extract: OCR of the zones (all runs)")
        self.wrap(form_reader, "read_zones", "extract: Tesseract runs (zones)")
        self.wrap(s3, "get_bytes", "extract: S3 get")

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()


def drain_direct() -> None:
    """The pipeline's drain loop (tasks/drain.py) over the stages' service calls, without Prefect."""
    from ccus.models.status import PIPELINE_NEXT
    from ccus.services.reading import pipeline
    from ccus.tasks.drain import Stage, drain

    def stage(status: Any) -> Stage:
        return Stage(status, lambda ids: pipeline.STAGES[status](ids, f"pipeline:{status.value}"))

    drain([stage(status) for status in PIPELINE_NEXT], batch_size=50, max_rounds=100)


def run_direct(apps: list[Application], folder: Path) -> tuple[dict[str, list[str]], float, float, float]:
    from ccus.services.intake.postal import Folders, intake_file

    folders = Folders(folder).create()
    for app in apps:
        (folders.inbox / app.name).write_bytes(app.data)
    started, cpu0 = time.perf_counter(), cpu()
    numbers = {app.name: intake_file(folders.inbox / app.name, folders).cases for app in apps}
    intake_s = time.perf_counter() - started
    drain_direct()
    return numbers, intake_s, time.perf_counter() - started, cpu() - cpu0


def run_prefect(apps: list[Application], folder: Path) -> tuple[dict[str, list[str]], float, float, float]:
    from ccus.flows.mail_intake import mail_intake
    from ccus.infra.orchestrator import run_here
    from ccus.services.intake.postal import Folders

    folders = Folders(folder).create()
    for app in apps:
        (folders.inbox / app.name).write_bytes(app.data)
    started, cpu0 = time.perf_counter(), cpu()
    result = run_here(mail_intake, paths=[str(folders.inbox / a.name) for a in apps], root=str(folder), batch_size=20)
    total = time.perf_counter() - started
    intake_s = float("nan")  # one flow run: intake, then the pipeline's stages, as tasks
    if not result.get("pipeline"):
        raise RuntimeError(f"the flow drained no stage: {result}")
    return _numbers(apps), intake_s, total, cpu() - cpu0


def _numbers(apps: list[Application]) -> dict[str, list[str]]:
    from sqlalchemy import select

    from ccus.infra.db import unit_of_work
    from ccus.models.tables import Application as Row
    from ccus.models.tables import MailBatch, MailSegment

    out = {}
    with unit_of_work() as session:
        for app in apps:
            out[app.name] = list(session.scalars(
                select(Row.application_number).join(MailSegment, MailSegment.application_id == Row.id)
                .join(MailBatch, MailBatch.id == MailSegment.batch_id).where(MailBatch.filename == app.name)))
    return out


def statuses(numbers: dict[str, list[str]]) -> Counter[str]:
    from sqlalchemy import select

    from ccus.infra.db import unit_of_work
    from ccus.models.tables import Application as Row

    flat = [n for ns in numbers.values() for n in ns]
    with unit_of_work() as session:
        return Counter(session.scalars(select(Row.status).where(Row.application_number.in_(flat))))


def baseline(pages: list[Any]) -> tuple[float, float]:
    """Wall and CPU seconds for raw full-page Tesseract over ``pages`` (one run, jpn+eng,
    automatic layout)."""
    from ccus.infra.ocr import ocr_many

    started, cpu0 = time.perf_counter(), cpu()
    ocr_many(pages, lang="jpn+eng", psm=3)
    return time.perf_counter() - started, cpu() - cpu0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=15, help="applications per way (a third of each kind)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", choices=("hands", "typed"), default="hands",
                        help="hands: filled by hand in several fonts, tick styles, scanners, with page-set faults "
                             "(hand_samples); typed: the forms' own font and one scanner (the old corpus)")
    parser.add_argument("--no-faults", action="store_true", help="hands corpus without missing or swapped pages")
    parser.add_argument("--baseline-pages", type=int, default=0,
                        help="full-page OCR on only this many of half B's pages (0: all)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    from ccus.infra.services.base import free_port_base
    from ccus.infra.settings import embedded_settings, reset_settings
    from ccus.infra.stack import service_env, start_stack, stop_stack

    saved_env = dict(os.environ)
    breakdown = Breakdown()
    with tempfile.TemporaryDirectory(prefix="ccus-bench-mail-") as home:
        settings = embedded_settings(Path(home), free_port_base())
        try:
            err.print(f"[bold]generating[/] {args.apps + 2} applications ({args.corpus} corpus) …")
            t = time.perf_counter()
            warm_a, warm_b = corpus(1, rng, "warm-a"), corpus(1, rng, "warm-b")
            if args.corpus == "hands":
                half_a = hand_corpus(args.apps, rng, "a", faults=not args.no_faults)
            else:
                half_a = corpus(args.apps, rng, "a")
            half_b = twins(half_a, "b")
            again_b, again_a = twins(half_a, "b2"), twins(half_a, "a2")  # the second round, in reverse order
            err.print(f"  done in {time.perf_counter() - t:.0f} s")
            err.print(f"[bold]embedded stack[/] in {settings.home_abs}, port base {settings.port_base}")
            start_stack(settings, services=STACK_SERVICES, progress=True)
            os.environ.update(service_env(settings))
            reset_settings()
            from ccus.infra.db import migrate

            migrate()
            work = Path(home) / "scanner"
            err.print("warm-up …")
            run_prefect(warm_a, work / "warm-a")
            run_direct(warm_b, work / "warm-b")
            # A, B, B, A: whatever drifts over the run (the machine's other work, caches, the
            # heap's growth) weighs on both ways alike.
            err.print("half A through Prefect …")
            numbers_a, _, total_a, cpu_a = run_prefect(half_a, work / "a")
            err.print("half B direct …")
            breakdown.install()
            try:
                numbers_b, intake_b, total_b, cpu_b = run_direct(half_b, work / "b")
                err.print("half B again, direct …")
                numbers_b2, intake_b2, total_b2, cpu_b2 = run_direct(again_b, work / "b2")
            finally:
                breakdown.uninstall()
            err.print("half A again, through Prefect …")
            numbers_a2, _, total_a2, cpu_a2 = run_prefect(again_a, work / "a2")
            pages_a = 2 * sum(len(a.pages) for a in half_a)
            pages_b = 2 * sum(len(a.pages) for a in half_b)
            total_a, cpu_a, total_b, cpu_b = total_a + total_a2, cpu_a + cpu_a2, total_b + total_b2, cpu_b + cpu_b2
            intake_b += intake_b2
            for label, numbers, count in (("A", numbers_a, args.apps), ("B", numbers_b, args.apps),
                                          ("B again", numbers_b2, args.apps), ("A again", numbers_a2, args.apps)):
                made = sum(len(n) for n in numbers.values())
                faulty = sum(1 for a in half_a if a.fault)
                if made != count and not faulty:
                    err.print(f"[bold red]FAILED[/] half {label}: {made} cases for {count} applications")
                    return 1
                if made != count:
                    err.print(f"half {label}: {made} cases for {count} applications ({faulty} with a faulty page set)")
            sa, sb = statuses(numbers_a), statuses(numbers_b)
            s = Score()
            score(half_a, numbers_a, s)
            score(half_b, numbers_b, s)
            ocr_pages = [p for a in half_b for p in a.pages]
            if args.baseline_pages:
                ocr_pages = ocr_pages[:args.baseline_pages]
            err.print(f"raw full-page Tesseract on {len(ocr_pages)} page(s) …")
            base_s, base_cpu = baseline(ocr_pages)
        finally:
            with contextlib.suppress(Exception):
                from ccus.infra.orchestrator import flush_prefect

                flush_prefect()
            err.print("stopping the stack …")
            stop_stack(settings)
            os.environ.clear()
            os.environ.update(saved_env)
            reset_settings()

    direct_pps = pages_b / total_b
    prefect_pps = pages_a / total_a
    base_pps = len(ocr_pages) / base_s
    overhead = (total_a / pages_a) / (total_b / pages_b)
    table = Table(title=f"Mail intake: {args.apps} applications ({args.corpus} corpus) read four times "
                        f"(A, B, B, A), {pages_a + pages_b} degraded pages (seed {args.seed})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("fields compared", str(s.fields))
    table.add_row("[bold]field accuracy (exact after normalisation)[/]", f"[bold]{100 * s.right / s.fields:.1f} %[/]")
    table.add_row("wrong fields", str(s.wrong))
    table.add_row("[bold]wrong fields flagged[/]",
                  f"[bold]{s.wrong_flagged}/{s.wrong} = {100 * s.wrong_flagged / max(1, s.wrong):.0f} %[/]")
    table.add_row("right fields flagged anyway (reviewer looks, value was right)",
                  f"{s.right_flagged} ({100 * s.right_flagged / max(1, s.right):.1f} %)")
    table.add_row("[bold]auto-accept rate (fields with no flag)[/]",
                  f"[bold]{100 * (s.fields - s.wrong_flagged - s.right_flagged) / max(1, s.fields):.1f} %[/]")
    table.add_row("cases by status (A / B)", f"{dict(sa)} / {dict(sb)}")
    table.add_row("mail pipeline direct: intake + pipeline",
                  f"{direct_pps:.2f} pages/s ({pages_b} pages in {total_b:.1f} s; intake {intake_b:.1f} s)")
    table.add_row("raw full-page Tesseract, same pages", f"{base_pps:.2f} pages/s ({len(ocr_pages)} pages in {base_s:.1f} s)")
    table.add_row("[bold]speed-up of the mail pipeline over full-page OCR (wall clock)[/]",
                  f"[bold]{direct_pps / base_pps:.1f} ×[/]")
    cpu_ratio = (base_cpu / len(ocr_pages)) / (cpu_b / pages_b)
    table.add_row("CPU per page: mail pipeline (this process + Tesseract) / full-page OCR",
                  f"{cpu_b / pages_b:.2f} s / {base_cpu / len(ocr_pages):.2f} s → {cpu_ratio:.1f} ×")
    table.add_row("mail pipeline via Prefect (flows + tasks)",
                  f"{prefect_pps:.2f} pages/s ({pages_a} pages in {total_a:.1f} s)")
    table.add_row("[bold]orchestration overhead (Prefect / direct, per page)[/]",
                  f"[bold]{overhead:.3f} (+{100 * (overhead - 1):.1f} %)[/]")
    cpu_overhead = (cpu_a / pages_a) / (cpu_b / pages_b)
    table.add_row("  the same in CPU of this process + Tesseract", f"{cpu_overhead:.3f} (+{100 * (cpu_overhead - 1):.1f} %)")
    out.print(table)
    t2 = Table(title="Where the direct run's time goes (wall seconds; stages include their parts)")
    t2.add_column("part")
    t2.add_column("seconds", justify="right")
    t2.add_column("per page", justify="right")
    for label, seconds in sorted(breakdown.seconds.items()):
        t2.add_row(label, f"{seconds:.1f}", f"{seconds / pages_b:.3f}")
    t2.add_row("total (intake + all stages)", f"{total_b:.1f}", f"{total_b / pages_b:.3f}")
    out.print(t2)
    for dimension in ("font", "field kind", "tick style", "scanner", "page set"):
        out.print(group_table(s, dimension))
    for line in s.not_one_case:
        out.print(f"[yellow]not one case[/] {line}")
    for miss in s.misses[:25]:
        out.print(f"[yellow]unflagged wrong field[/] {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
