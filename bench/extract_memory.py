"""Memory of the extract stage's reading: whole pages held for the batch vs zones cut page by page.

    uv run python bench/extract_memory.py [--pages 6,24,60] [--seed 1]

The extract stage reads a batch of cases (up to 50) with ONE Tesseract run per language, so its
zones wait for each other. They used to wait inside their pages: every 300-dpi page of the batch
(26 MB decoded) was held until the run. Now each page is cut as it is loaded
(``form_reader.cut_page``: its zones prepared for OCR, ticks and marks measured) and dropped, and
the batch's cuts are read together (``read_cuts``).

In ONE run (no stack needed): generates degraded scans of filled worker forms (W1, both pages;
300 dpi, skew, uneven light, grain, blur, JPEG), then for each batch size reads the same pages
both ways, each in a fresh process (``spawn``), and prints each process's peak resident memory
(``VmHWM``; Tesseract's own processes are not in it), and checks that both ways read exactly
the same thing. A process that only decodes one page gives the baseline.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import random
import resource
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def corpus(count: int, seed: int) -> list[bytes]:
    """``count`` scanned worker-form pages as JPEG files (pairs of pages of distinct forms)."""
    from ccus import mail_samples as ms

    rng = random.Random(seed)
    scans: list[bytes] = []
    while len(scans) < count:
        values = ms.worker_values(f"山田 {rng.choice(['太郎', '花子', '健一'])}", "ヤマダ タロウ",
                                  date(1960, 1, 1) + timedelta(days=rng.randrange(12000)))
        for page in ms.pages("W1", values):
            scan = ms.scan(page, skew=rng.uniform(-3, 3), seed=rng.randrange(10**6),
                           turn=180 if rng.random() < 1 / 6 else 0, noise=rng.uniform(6, 16))
            scans.append(ms.jpeg(scan, quality=55))
    return scans[:count]


def _digest(raws: list[dict[str, Any]]) -> str:
    return hashlib.sha256(repr([sorted(r.items()) for r in raws]).encode()).hexdigest()[:12]


def _child(files: list[str], way: str) -> tuple[float, str]:
    """Peak RSS (MB) of this process after reading ``files`` ``way``, and a digest of the readings."""
    from ccus.infra import scans
    from ccus.infra.attachments import JPEG
    from ccus.infra.form_reader import cut_page, locate, read_cuts, read_fields
    from ccus.models.forms.catalogue import form_for

    def load(path: str) -> Any:
        return scans.page_image(Path(path).read_bytes(), JPEG, 0, 300)

    def spec_of(located: Any) -> Any:
        return form_for(located.marker.code, located.marker.version).pages[located.marker.page - 1]  # type: ignore[union-attr]

    if way == "baseline":
        load(files[0])
        digest = "-"
    elif way == "held":  # as before: every page of the batch decoded and kept until the one OCR run
        pages = []
        for path in files:
            image = load(path)
            located = locate(image)
            pages.append((image, located, spec_of(located)))
        digest = _digest(read_fields(pages))
    else:  # as now: each page cut when loaded, only its zones kept
        cuts = []
        for path in files:
            image = load(path)
            located = locate(image)
            cuts.append(cut_page(image, located, spec_of(located)))
            del image
        digest = _digest(read_cuts(cuts))
    return _peak_mb(), digest


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB. Not ``ru_maxrss``: Linux carries that
    over from the forked parent through exec, so a spawned child would start at the bench's size."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="6,24,60", help="batch sizes in pages, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.pages.split(",")]
    import tempfile

    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="ccus-bench-memory-") as folder:
        distinct = min(max(sizes), 12)
        err.print(f"[bold]generating[/] {distinct} degraded 300-dpi form pages …")
        files = []
        for n, data in enumerate(corpus(distinct, args.seed)):
            path = Path(folder) / f"page-{n:03d}.jpg"
            path.write_bytes(data)
            files.append(str(path))
        with context.Pool(1, maxtasksperchild=1) as pool:
            base, _ = pool.apply(_child, (files, "baseline"))
            rows = []
            for size in sizes:
                batch = [files[i % len(files)] for i in range(size)]
                err.print(f"{size} pages: held …")
                held, d_held = pool.apply(_child, (batch, "held"))
                err.print(f"{size} pages: cut …")
                cut, d_cut = pool.apply(_child, (batch, "cut"))
                rows.append((size, held, cut, d_held == d_cut))
    table = Table(title=f"Extract's reading: peak memory of the process (MB; one page decoded alone: {base:.0f} MB)")
    for column in ("pages in the batch", "pages held (before)", "zones cut per page (now)", "before / now",
                   "same readings"):
        table.add_column(column, justify="right")
    for size, held, cut, same in rows:
        table.add_row(str(size), f"{held:.0f}", f"{cut:.0f}", f"{held / cut:.1f} ×", "yes" if same else "[red]NO[/]")
    out.print(table)
    return 0 if all(same for *_, same in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
