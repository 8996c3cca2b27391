"""Two recognisers against one, on paper filled by hand: no servers, the reading alone.

    uv run python bench/reading_vote.py [--apps 12] [--seed 3]

Fills ``--apps`` applications by hand (``bench/mail_intake.py``'s hand corpus without page-set
faults: several handwriting-style and typed fonts, every tick style, seals, 300/200 dpi and fax
scanners), finds each form page, cuts its zones and reads every zone ONCE with Tesseract and once
with PP-OCRv5 (``form_reader.read_cuts``). From those same readings it scores three readers:

- **Tesseract alone**: the first reading, as the product read before the second recogniser;
- **PP-OCRv5 alone**: the second reading in place of the first;
- **vote**: both, as the product reads now (agreement accepted, disagreement flagged).

For each: fields exactly right after normalisation, wrong fields with no flag on the field itself,
and fields auto-accepted (no flag), overall, by font family and by field kind; and the CPU time of
each recogniser per page. Ticks, seals and photos are read the same way in all three.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

out = Console()
err = Console(stderr=True)


@dataclass
class Score:
    fields: int = 0
    right: int = 0
    unflagged_wrong: int = 0
    accepted: int = 0
    wrong_examples: list[str] = field(default_factory=list)
    all_wrong: list[str] = field(default_factory=list)

    def add(self, right: bool, flagged: bool, example: str) -> None:
        self.fields += 1
        self.right += right
        self.accepted += not flagged
        if not right:
            self.all_wrong.append(("" if flagged else "UNFLAGGED ") + example)
        if not right and not flagged:
            self.unflagged_wrong += 1
            if len(self.wrong_examples) < 6:
                self.wrong_examples.append(example)

    def cells(self) -> list[str]:
        n = max(self.fields, 1)
        return [f"{100 * self.right / n:.1f} %", str(self.unflagged_wrong), f"{100 * self.accepted / n:.1f} %"]


def alone(raw: Any, which: str) -> Any:
    """The reading as one recogniser alone would have given it."""
    if which == "tesseract":
        return replace(raw, check=None, check_parts=())
    if which == "ppocr":
        if raw.check is None and not raw.check_parts:
            return raw
        conf = raw.check_confidence
        if raw.check_parts:
            conf = min(raw.tick_confidence, conf)
        return replace(raw, text=raw.check or "", parts=raw.check_parts or raw.parts, confidence=conf,
                       check=None, check_parts=())
    return raw


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=12)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--show-wrong", action="store_true", help="list every wrong field of the vote")
    args = parser.parse_args()

    import mail_intake as mi  # the hand corpus and the scoring rules of the postal bench

    from ccus.infra import form_reader as fr
    from ccus.infra import line_reader, zonal_ocr
    from ccus.models.forms.catalogue import BY_KEY
    from ccus.models.forms.normalise import OK, comparable, normalise

    apps = mi.hand_corpus(args.apps, random.Random(args.seed), "vote", faults=False)
    readers = ("tesseract", "ppocr", "vote")
    total = {r: Score() for r in readers}
    by_font: dict[tuple[str, str], Score] = defaultdict(Score)
    by_kind: dict[tuple[str, str], Score] = defaultdict(Score)
    timing = {"tesseract": 0.0, "ppocr": 0.0}
    pages = 0

    real_zones, real_lines = zonal_ocr.read_zones, line_reader.read_lines

    def cpu() -> float:  # this process and its finished children (the Tesseract runs)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    def timed(name: str, fn: Any) -> Any:
        def run(*a: Any, **k: Any) -> Any:
            t = cpu()
            try:
                return fn(*a, **k)
            finally:
                timing[name] += cpu() - t
        return run

    fr.read_zones = timed("tesseract", real_zones)  # type: ignore[attr-defined]
    fr.read_lines = timed("ppocr", real_lines)  # type: ignore[attr-defined]
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("reading", total=sum(len(a.pages) for a in apps))
        for app in apps:
            page_no = 0
            for (key, values), font in zip(app.forms, app.fonts, strict=True):
                form = BY_KEY[key]
                want = mi.expected(key, values)
                raws: dict[str, Any] = {}
                for spec in form.pages:
                    image = app.pages[page_no]
                    page_no += 1
                    bar.advance(task)
                    located = fr.locate(image)
                    if located is None:
                        continue
                    pages += 1
                    [read] = fr.read_cuts([fr.cut_page(image, located, spec)])
                    raws.update(read)
                for f in form.fields():
                    raw = raws.get(f.name)
                    if raw is None:
                        continue
                    kind = mi.field_kind(f)
                    for reader in readers:
                        r = normalise(f, alone(raw, reader))
                        got = comparable(f.rule, sorted(r.value) if isinstance(r.value, list) else r.value)
                        right = got == want[f.name]
                        example = f"{key}.{f.name}: {want[f.name]!r} read {got!r} ({font})"
                        for score in (total[reader], by_font[(reader, font)], by_kind[(reader, kind)]):
                            score.add(right, r.status != OK, example)

    table = Table(title=f"{args.apps} applications, {pages} form pages, filled by hand")
    table.add_column("")
    for reader in readers:
        for col in ("right", "wrong unflagged", "auto-accepted"):
            table.add_column(f"{reader}\n{col}", justify="right")
    table.add_row("[bold]all fields[/]", *[c for r in readers for c in total[r].cells()])
    for font in sorted({f for _, f in by_font}):
        table.add_row(f"font: {font}", *[c for r in readers for c in by_font[(r, font)].cells()])
    for kind in sorted({k for _, k in by_kind}):
        table.add_row(f"kind: {kind}", *[c for r in readers for c in by_kind[(r, kind)].cells()])
    out.print(table)
    tess, pp = timing["tesseract"] / max(pages, 1), timing["ppocr"] / max(pages, 1)
    out.print(f"CPU per form page: Tesseract (zones, its processes included) {tess:.2f} s, PP-OCRv5 {pp:.2f} s "
              f"(ratio {pp / max(tess, 1e-9):.2f})")
    if args.show_wrong:
        for line in total["vote"].all_wrong:
            out.print(f"  vote wrong: {line}")
    for reader in readers:
        if total[reader].wrong_examples:
            out.print(f"[bold]{reader}[/]: wrong with no flag, e.g.")
            for e in total[reader].wrong_examples:
                out.print(f"  {e}")


if __name__ == "__main__":
    main()
