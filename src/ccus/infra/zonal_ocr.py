"""Zonal OCR: many small zone images read in as few Tesseract runs as possible.

A Tesseract run costs about 0.4 s before it reads a pixel, and its language is fixed per run. So
the zones of a whole batch of pages are grouped by the language their charset needs (Japanese for
names, readings, addresses and the digits of comb cells; English for phone numbers and mail
addresses) and each
group is read in ONE run from a list file, single-line mode (``--psm 7``). Each zone gets its
text and a confidence: the lowest word confidence of the zone (one doubtful word makes the field
doubtful).

No character whitelist: with one, Tesseract 5's LSTM reports a confidence of 0 for words it read
right (seen here on postcodes and readings), which would make every confidence meaningless. The
charset is enforced after reading instead (``ccus.models.forms.normalise``: look-alike characters
mapped, anything else left fails the field's rule and is flagged).
"""

from __future__ import annotations

import csv
import io
import logging
import shlex
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytesseract
from PIL import Image

from ccus.infra.ocr import PAGE_TIMEOUT_S, tessdata_dir, tesseract_cmd
from ccus.models.forms.spec import Charset

log = logging.getLogger(__name__)

LANGUAGES: dict[Charset, str] = {
    Charset.TEXT: "jpn",
    Charset.KANA: "jpn",
    Charset.DIGITS: "jpn",  # cells set side by side: the Japanese model reads them as well, surer
    Charset.NUMBER: "jpn",
    Charset.PHONE: "eng",
    Charset.EMAIL: "eng",
}


@dataclass(frozen=True)
class ZoneText:
    text: str
    confidence: float  # 0–100, lowest word confidence; 0 when nothing was read
    words: int


def _parse(tsv: str, count: int) -> list[ZoneText]:
    words: list[list[tuple[tuple[int, int, int], str, float]]] = [[] for _ in range(count)]
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text, conf = (row.get("text") or "").strip(), float(row.get("conf") or -1)
        if row.get("level") == "5" and text and conf >= 0:
            key = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
            words[int(row["page_num"]) - 1].append((key, text, conf))
    out = []
    for page in words:
        lines: dict[tuple[int, int, int], list[str]] = defaultdict(list)
        for key, text, _ in page:
            lines[key].append(text)
        out.append(ZoneText(" ".join(" ".join(v) for _, v in sorted(lines.items())),
                            min((c for _, _, c in page), default=0.0), len(page)))
    return out


def _bilevel(image: Image.Image) -> Image.Image:
    """A black-and-white zone as a 1-bit image (the same pixels): Tesseract reads it about 5 %
    faster than the same zone in 8-bit grey, and the PNG is written faster."""
    if image.mode == "L" and all(v in (0, 255) for _, v in image.getcolors(2) or [(0, 1)]):
        return image.convert("1", dither=Image.Dither.NONE)
    return image


def read_group(images: Sequence[Image.Image], lang: str, psm: int = 7) -> list[ZoneText]:
    """Read prepared (black-and-white) zone images in ONE Tesseract run of language ``lang``."""
    if not images:
        return []
    with tempfile.TemporaryDirectory(prefix="ccus-zones-") as tmp:
        folder = Path(tmp)
        paths = []
        for i, image in enumerate(images):
            path = folder / f"z{i:05d}.png"
            _bilevel(image).save(path, format="PNG", dpi=(300, 300))
            paths.append(path)
        source = paths[0]
        if len(paths) > 1:
            source = folder / "inputs.txt"
            source.write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
        pytesseract.pytesseract.tesseract_cmd = tesseract_cmd()
        config = ["--tessdata-dir", shlex.quote(str(tessdata_dir())), f"--psm {psm}", "-c tessedit_create_tsv=1",
                  "-c load_system_dawg=0 -c load_freq_dawg=0"]
        out = folder / "out"
        pytesseract.pytesseract.run_tesseract(str(source), str(out), "", lang, config=" ".join(config),
                                              timeout=max(PAGE_TIMEOUT_S, 2 * len(paths)))
        return _parse(out.with_suffix(".tsv").read_text(encoding="utf-8"), len(paths))


def _read_or_split(images: Sequence[Image.Image], lang: str) -> list[ZoneText]:
    """:func:`read_group`, and when Tesseract dies on the run (it has died of SIGFPE on a grainy
    line), the halves again, down to the zone it cannot read, which comes back as read empty (and
    is flagged as unreadable): one bad zone must not cost the whole batch its reading."""
    try:
        return read_group(images, lang)
    except (pytesseract.TesseractError, RuntimeError, OSError):
        if len(images) == 1:
            log.warning("tesseract failed on a zone of %dx%d px; left unread", *images[0].size)
            return [ZoneText("", 0.0, 0)]
        half = len(images) // 2
        return _read_or_split(images[:half], lang) + _read_or_split(images[half:], lang)


def read_zones(zones: Sequence[tuple[Image.Image, Charset]]) -> list[ZoneText]:
    """Read every zone; one Tesseract run per language needed. Results in input order."""
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, (_, charset) in enumerate(zones):
        by_lang[LANGUAGES[charset]].append(i)
    results: list[ZoneText | None] = [None] * len(zones)
    for lang, indexes in by_lang.items():
        for i, r in zip(indexes, _read_or_split([zones[i][0] for i in indexes], lang), strict=True):
            results[i] = r
    return [r if r is not None else ZoneText("", 0.0, 0) for r in results]
